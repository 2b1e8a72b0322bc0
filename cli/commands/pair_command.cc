// `shoal pair` (invite: prints a code, waits for the other device) and
// `shoal pair CODE[@host:port]` (join: finds the inviter and pairs).
#include <cstdio>
#include <memory>

#include "cli/commands/commands.h"
#include "cli/commands/daemon_client.h"

namespace shoal::cli {
namespace {

struct PairArgs {
  std::string code;
  std::string share;
  int timeout_seconds = 15 * 60;
};

void PrintPaired(const nlohmann::json& r) {
  std::printf("paired with %s %s\n", r.value("name", "").c_str(), r.value("device", "").c_str());
  std::printf("comparison code: %s — the other device shows the same code\n",
              r.value("comparison_code", "").c_str());
}

int Invite(const ClientOptions& options, const PairArgs& args) {
  auto client = ConnectDaemon(options);
  if (!client) return ReportError(client.error());
  auto subscribed = client->Call({{"cmd", "subscribe"}});
  if (!subscribed) return ReportError(subscribed.error());
  auto events = ConnectDaemon(options);
  auto invite =
      events ? events->Call({{"cmd", "pair-invite"}}) : Result<nlohmann::json>(events.error());
  if (!invite) return ReportError(invite.error());
  if (options.json) {
    std::printf("%s\n", nlohmann::json{{"code", (*invite)["code"]}}.dump().c_str());
  } else {
    std::printf("%s\n", invite->value("code", "").c_str());
    std::fprintf(stderr,
                 "On the other device run:  shoal pair %s\n"
                 "(add @HOST:%d when it is not on this LAN). The code works once, for 15 minutes.\n"
                 "Waiting...\n",
                 invite->value("code", "").c_str(), invite->value("listen_port", 0));
  }
  std::fflush(stdout);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(args.timeout_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    auto event = client->NextEvent(std::chrono::seconds(1));
    if (!event && event.error().code == ErrorCode::kBusy) continue;  // nothing yet
    if (!event) return ReportError(event.error());
    if (event->value("event", "") != "paired") continue;
    if (options.json) {
      std::printf("%s\n", event->dump().c_str());
    } else {
      PrintPaired(*event);
    }
    if (!args.share.empty() && events) {
      auto shared = events->Call(
          {{"cmd", "share"}, {"folder", args.share}, {"device", event->value("device", "")}});
      if (!shared) return ReportError(shared.error());
      if (!options.json) std::printf("shared %s with it\n", args.share.c_str());
    }
    return 0;
  }
  std::fprintf(
      stderr, "shoal: the invite expired before another device used it — run `shoal pair` again\n");
  return kExitFailed;
}

}  // namespace

void RegisterPairCommand(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<PairArgs>();
  CLI::App* pair =
      app.add_subcommand("pair",
                         "Pair with another device: without CODE prints an invite code and waits; "
                         "with CODE joins the device that printed it");
  pair->add_option("CODE", args->code,
                   "Invite code from the other device, optionally CODE@HOST:PORT");
  pair->add_option("--share", args->share, "After pairing, share this folder with the new device");
  pair->add_option("--timeout", args->timeout_seconds, "Seconds to wait")->capture_default_str();
  pair->callback([args, &context] {
    if (args->code.empty()) {
      context.exit_code = Invite(context.client, *args);
      return;
    }
    context.exit_code = CallAndPrint(
        context.client,
        {{"cmd", "pair-join"}, {"code", args->code}, {"timeout_seconds", args->timeout_seconds}},
        PrintPaired);
  });
}

}  // namespace shoal::cli
