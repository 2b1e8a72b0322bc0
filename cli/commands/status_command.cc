// `shoal status` (one snapshot) and `shoal status --watch` (redrawn in
// place on a terminal, with progress bars and transfer rates; one line per
// change otherwise).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands/commands.h"
#include "cli/commands/daemon_client.h"

namespace shoal::cli {
namespace {

struct StatusArgs {
  bool watch = false;
  double interval_seconds = 0.5;
};

std::string Bar(double fraction, int width) {
  if (fraction < 0) fraction = 0;
  if (fraction > 1) fraction = 1;
  int filled = static_cast<int>(fraction * width + 0.5);
  return "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(width - filled), '.') + "]";
}

// Hashing rates from the difference between two snapshots (transfer rates
// come from the daemon).
struct Rates {
  std::map<std::string, double> scanned;  // folder → bytes hashed
  std::chrono::steady_clock::time_point at;
};

// "      scanning [####......] 120/800 files  1.2 GiB of 4.0 GiB  310 MiB/s"
std::string ScanLine(const nlohmann::json& f, Rates* rates,
                     std::chrono::steady_clock::time_point now) {
  if (!f.contains("scan")) return {};
  const auto& scan = f["scan"];
  const double done = scan.value("bytes_done", 0.0);
  const double total = scan.value("bytes_total", 0.0);
  const std::string id = f.value("id", "");
  std::string rate;
  if (rates && rates->scanned.count(id)) {
    double seconds = std::chrono::duration<double>(now - rates->at).count();
    if (seconds > 0) rate = "  " + HumanBytes((done - rates->scanned[id]) / seconds) + "/s";
  }
  if (rates) rates->scanned[id] = done;
  char line[256];
  std::snprintf(line, sizeof(line), "      hashing  %s %.0f/%.0f files  %s of %s%s\n",
                Bar(total > 0 ? done / total : 1.0, 20).c_str(), scan.value("files_done", 0.0),
                scan.value("files_total", 0.0), HumanBytes(done).c_str(), HumanBytes(total).c_str(),
                rate.c_str());
  return line;
}

// "      failing: 2 names (the rest keeps syncing)" and one line per name
// (the first 10): "        big.iso: disk full: ... (retry in 40 s)".
std::string FailureLines(const nlohmann::json& f) {
  if (!f.contains("failures") || f["failures"].empty()) return {};
  const auto& failures = f["failures"];
  std::string out = "      failing: " + std::to_string(failures.size()) +
                    (failures.size() == 1 ? " name" : " names") + " (the rest keeps syncing)\n";
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  std::size_t shown = 0;
  for (const auto& x : failures) {
    if (++shown > 10) {
      out.append("        ...\n");
      break;
    }
    const std::int64_t wait =
        std::max<std::int64_t>(x.value("retry_unix", std::int64_t{0}) - now, 0);
    out.append("        ").append(x.value("path", "")).append(": ").append(x.value("reason", ""));
    out.append(" (retry in ").append(std::to_string(wait)).append(" s)\n");
  }
  return out;
}

std::string Render(const nlohmann::json& s, Rates* rates) {
  std::string out;
  char line[512];
  const auto& me = s["device"];
  std::snprintf(line, sizeof(line), "This device: %s  %s  (port %d)\n",
                me.value("name", "").c_str(), me.value("id", "").c_str(),
                me.value("listen_port", 0));
  out.append(line);
  out.append("\nFolders\n");
  if (s["folders"].empty()) out.append("  none — add one with `shoal folder add PATH`\n");
  auto now = std::chrono::steady_clock::now();
  for (const auto& f : s["folders"]) {
    const double files = f.value("files", 0.0);
    const double need = f.value("need", 0.0);
    const double need_bytes = f.value("need_bytes", 0.0);
    std::string need_text =
        need > 0 && need_bytes > 0
            ? HumanBytes(need_bytes) + " in " + std::to_string(static_cast<long long>(need))
            : std::to_string(static_cast<long long>(need));
    std::snprintf(line, sizeof(line), "  %-16s %-11s %-8s %s %6.0f files %10s  need %s\n",
                  f.value("label", "").c_str(), f.value("id", "").c_str(),
                  f.value("state", "").c_str(),
                  Bar(files + need > 0 ? files / (files + need) : 1.0, 20).c_str(), files,
                  HumanBytes(f.value("bytes", 0.0)).c_str(), need_text.c_str());
    out.append(line);
    out.append("      ").append(f.value("path", "")).append("\n");
    out.append(ScanLine(f, rates, now));
    if (f.contains("error")) {
      const bool paused = f.value("state", "") == "paused";  // a reason, not a failure
      out.append(paused ? "      paused: " : "      error: ")
          .append(f.value("error", ""))
          .append("\n");
    }
    out.append(FailureLines(f));
    if (f.value("watcher", "") != "watching") {
      out.append("      watcher: ").append(f.value("watcher", "")).append("\n");
    }
  }
  out.append("\nDevices\n");
  if (s["devices"].empty()) out.append("  none — pair one with `shoal pair`\n");
  for (const auto& d : s["devices"]) {
    const std::string id = d.value("id", "");
    const double in = d.value("bytes_in", 0.0);
    const double out_bytes = d.value("bytes_out", 0.0);
    std::string rate;
    if (d.value("connected", false)) {
      rate = "  ↓ " + HumanBytes(d.value("rate_in", 0.0)) + "/s  ↑ " +
             HumanBytes(d.value("rate_out", 0.0)) + "/s";
    }
    std::string state = d.value("paused", false)      ? "paused"
                        : d.value("connected", false) ? "connected " + d.value("address", "")
                                                      : "not connected";
    state += PathNote(d);
    std::snprintf(line, sizeof(line), "  %-16s %.15s…  %s  in %s  out %s%s\n",
                  d.value("name", "").c_str(), id.c_str(), state.c_str(), HumanBytes(in).c_str(),
                  HumanBytes(out_bytes).c_str(), rate.c_str());
    out.append(line);
    if (d.contains("unreachable"))
      out.append("      ").append(d.value("unreachable", "")).append("\n");
  }
  if (rates) rates->at = now;
  if (s.contains("relays") && !s["relays"].empty()) {
    out.append("\nRelays\n");
    for (const auto& r : s["relays"]) {
      out.append("  ").append(r.value("url", "")).append("  ").append(r.value("state", ""));
      if (r.contains("relayed")) out.append("  reachable at ").append(r.value("relayed", ""));
      if (r.contains("error")) out.append("  (").append(r.value("error", "")).append(")");
      out.append("\n");
    }
  }
  if (s.contains("port_mapping") && s["port_mapping"].value("state", "off") != "off") {
    const auto& mapping = s["port_mapping"];
    out.append("\nPort mapping: ").append(PortMappingSummary(mapping));
    if (mapping.contains("error")) out.append("\n  ").append(mapping.value("error", ""));
    out.append("\n");
  }
  for (const auto& o : s["offers"]) {
    out.append("\nOffered: ")
        .append(o.value("label", ""))
        .append(" (")
        .append(o.value("folder", ""))
        .append(") — accept with `shoal folder accept ")
        .append(o.value("folder", ""))
        .append(" PATH`\n");
  }
  return out;
}

int Watch(const ClientOptions& options, const StatusArgs& args) {
  auto client = ConnectDaemon(options);
  if (!client) return ReportError(client.error());
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  Rates rates;
  std::string previous;
  for (;;) {
    auto status = client->Call({{"cmd", "status"}});
    if (!status) return ReportError(status.error());
    if (options.json) {
      std::printf("%s\n", status->dump().c_str());
    } else {
      std::string text = Render(*status, &rates);
      if (tty) {
        std::printf("\033[H\033[J%s", text.c_str());  // home, clear, redraw
      } else if (text != previous) {
        std::printf("%s\n", text.c_str());
      }
      previous = text;
    }
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::duration<double>(args.interval_seconds));
  }
}

}  // namespace

void RegisterStatusCommands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<StatusArgs>();
  CLI::App* status = app.add_subcommand("status", "Folders, devices and transfers");
  status->add_flag("--watch", args->watch, "Keep showing status, redrawn in place");
  status->add_option("--interval", args->interval_seconds, "Seconds between redraws with --watch")
      ->capture_default_str();
  status->callback([args, &context] {
    if (args->watch) {
      context.exit_code = Watch(context.client, *args);
      return;
    }
    context.exit_code = CallAndPrint(context.client, {{"cmd", "status"}}, [](const auto& s) {
      std::fputs(Render(s, nullptr).c_str(), stdout);
    });
  });
}

}  // namespace shoal::cli
