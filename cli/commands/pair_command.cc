// `shoal pair` (invite: prints a code, waits for the other device),
// `shoal pair CODE[@host:port]` or `shoal pair -` (join: finds the inviter
// and pairs; `-` reads the code from stdin, keeping it out of `ps`), and
// `shoal pair --confirm DDDDDD` (confirms the latest pairing by its
// comparison code). With --share, the folder is shared only once the
// comparison code is confirmed: at a prompt on a terminal, or later with
// --confirm (docs/user-guide.md "Pairing").
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands/commands.h"
#include "cli/commands/daemon_client.h"
#include "cli/commands/pair_prompts.h"

namespace shoal::cli {
namespace {

struct PairArgs {
  std::string code;
  std::string share;
  std::string confirm;
  int timeout_seconds = 15 * 60;
};

void PrintPaired(const nlohmann::json& r) {
  std::printf("paired with %s %s\n", r.value("name", "").c_str(), r.value("device", "").c_str());
  std::printf("comparison code: %s — the other device must show the same code\n",
              r.value("comparison_code", "").c_str());
}

void PrintConfirmed(const nlohmann::json& r) {
  std::printf("confirmed %s %s\n", r.value("name", "").c_str(), r.value("device", "").c_str());
  for (const auto& folder : r.value("shared", nlohmann::json::array())) {
    std::printf("shared %s with it\n", folder.get<std::string>().c_str());
  }
}

// After a pairing: a folder given with --share waits in the daemon until the
// comparison code is confirmed. On a terminal we ask; otherwise we say how.
int AfterPaired(net::ControlClient& client, const ClientOptions& options, const PairArgs& args,
                const nlohmann::json& paired) {
  if (options.json) {
    std::printf("%s\n", paired.dump().c_str());
  } else {
    PrintPaired(paired);
  }
  std::fflush(stdout);
  const std::string device = paired.value("device", "");
  const std::string code = paired.value("comparison_code", "");
  if (args.share.empty()) {
    if (!options.json) {
      std::fprintf(stderr,
                   "If the other device shows another code, you paired with someone else: "
                   "`shoal devices remove %s`.\n",
                   device.c_str());
    }
    return 0;
  }
  if (options.json || !::isatty(STDIN_FILENO)) {
    std::string digits = code;  // one word on a command line
    std::erase(digits, ' ');
    std::fprintf(stderr,
                 "%s is not shared yet. Check that the other device shows %s, then run\n"
                 "  shoal pair --confirm %s\n"
                 "(if it shows another code: `shoal pair --reject`).\n",
                 args.share.c_str(), code.c_str(), digits.c_str());
    return 0;
  }
  const bool same = AskYesNo("The other device shows " + code + "? [y/N] ");
  nlohmann::json request{{"cmd", "pair-confirm"}, {"device", device}};
  if (same) {
    request["code"] = code;
  } else {
    request["reject"] = true;
  }
  auto answer = client.Call(request);
  if (!answer) return ReportError(answer.error());
  if (same) {
    PrintConfirmed(*answer);
    return 0;
  }
  std::fprintf(stderr,
               "shoal: not confirmed: nothing was shared and %s was removed. If the codes "
               "differed, someone else used the invite: make a new one and pair again.\n",
               device.c_str());
  return kExitFailed;
}

int Invite(const ClientOptions& options, const PairArgs& args) {
  auto client = ConnectDaemon(options);
  if (!client) return ReportError(client.error());
  auto subscribed = client->Call({{"cmd", "subscribe"}});
  if (!subscribed) return ReportError(subscribed.error());
  auto events = ConnectDaemon(options);
  nlohmann::json request{{"cmd", "pair-invite"}};
  if (!args.share.empty()) request["share"] = args.share;
  auto invite = events ? events->Call(request) : Result<nlohmann::json>(events.error());
  if (!invite) return ReportError(invite.error());
  if (options.json) {
    std::printf("%s\n", nlohmann::json{{"code", (*invite)["code"]}}.dump().c_str());
  } else {
    std::printf("%s\n", invite->value("code", "").c_str());
    std::fprintf(stderr,
                 "On the other device run  shoal pair -  and type this code\n"
                 "(add @HOST:%d when it is not on this LAN). The code works once, for 15 minutes.\n"
                 "Waiting...\n",
                 invite->value("listen_port", 0));
  }
  std::fflush(stdout);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(args.timeout_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    auto event = client->NextEvent(std::chrono::seconds(1));
    if (!event && event.error().code == ErrorCode::kBusy) continue;  // nothing yet
    if (!event) return ReportError(event.error());
    if (event->value("event", "") != "paired") continue;
    return AfterPaired(*events, options, args, *event);
  }
  std::fprintf(
      stderr, "shoal: the invite expired before another device used it — run `shoal pair` again\n");
  return kExitFailed;
}

int Join(const ClientOptions& options, PairArgs args) {
  if (args.code == "-") {
    auto typed = ReadInviteCode();
    if (!typed) return ReportError(typed.error());
    args.code = std::move(*typed);
  }
  auto client = ConnectDaemon(options);
  if (!client) return ReportError(client.error());
  nlohmann::json request{
      {"cmd", "pair-join"}, {"code", args.code}, {"timeout_seconds", args.timeout_seconds}};
  if (!args.share.empty()) request["share"] = args.share;
  auto paired = client->Call(request);
  if (!paired) return ReportError(paired.error());
  return AfterPaired(*client, options, args, *paired);
}

int Confirm(const ClientOptions& options, const PairArgs& args, bool reject) {
  if (!args.code.empty() || !args.share.empty()) {
    std::fprintf(stderr,
                 "shoal: the comparison code is known only once paired: pair first (with "
                 "--share FOLDER), then run `shoal pair --confirm CODE` on its own\n");
    return 2;
  }
  nlohmann::json request{{"cmd", "pair-confirm"}};
  if (reject) {
    request["reject"] = true;
  } else {
    request["code"] = args.confirm;
  }
  return CallAndPrint(options, request, [reject](const nlohmann::json& r) {
    if (reject) {
      std::printf("removed %s; nothing was shared with it\n", r.value("id", "").c_str());
    } else {
      PrintConfirmed(r);
    }
  });
}

}  // namespace

void RegisterPairCommand(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<PairArgs>();
  auto reject = std::make_shared<bool>(false);
  CLI::App* pair =
      app.add_subcommand("pair",
                         "Pair with another device: without CODE prints an invite code and waits; "
                         "with CODE (or - to type it) joins the device that printed it");
  pair->add_option("CODE", args->code,
                   "Invite code from the other device, optionally CODE@HOST:PORT; - reads it "
                   "from stdin (keeps it out of `ps`)");
  pair->add_option("--share", args->share,
                   "Share this folder with the new device once the comparison code is confirmed")
      ->type_name("FOLDER");
  pair->add_option("--confirm", args->confirm,
                   "Confirm the latest pairing: the comparison code the other device shows "
                   "(shares what --share named; a different code unpairs)");
  pair->add_flag("--reject", *reject,
                 "Reject the latest pairing (the codes differed): unpair, share nothing");
  pair->add_option("--timeout", args->timeout_seconds, "Seconds to wait")->capture_default_str();
  pair->callback([args, reject, &context] {
    if (!args->confirm.empty() || *reject) {
      context.exit_code = Confirm(context.client, *args, *reject);
    } else if (args->code.empty()) {
      context.exit_code = Invite(context.client, *args);
    } else {
      context.exit_code = Join(context.client, *args);
    }
  });
}

}  // namespace shoal::cli
