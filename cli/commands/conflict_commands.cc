// `shoal conflicts [FOLDER]` lists each conflict copy with both sides, and
// `shoal conflicts keep PATH` resolves one by keeping PATH (docs/user-guide.md
// "Conflicts").
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands/commands.h"
#include "cli/commands/daemon_client.h"

namespace shoal::cli {
namespace {

struct ConflictArgs {
  std::string folder;
  std::string path;
};

// "12 B  2026-12-02T10:15:00Z  laptop": one side, compactly.
std::string SideText(const nlohmann::json& side) {
  if (!side.is_object()) return "(no file)";
  std::string device = side.value("device_name", "");
  if (device.empty()) device = side.value("device", "");
  std::string text = HumanBytes(side.value("size", 0.0)) + "  " + side.value("time", "");
  if (!device.empty()) text += "  by " + device;
  if (side.value("type", "") == "symlink") text += "  (symlink)";
  return text;
}

void PrintConflicts(const nlohmann::json& r) {
  if (r["conflicts"].empty()) std::printf("no conflict copies\n");
  for (const auto& c : r["conflicts"]) {
    std::printf("%s\n    belongs to %s\n", c.value("path", "").c_str(),
                c.value("original", "").c_str());
    std::printf("    this name:     %s\n", SideText(c.value("current", nlohmann::json())).c_str());
    std::printf("    conflict copy: %s\n", SideText(c.value("copy", nlohmann::json())).c_str());
  }
  if (!r["conflicts"].empty()) {
    std::printf("keep one side with `shoal conflicts keep PATH`; the other goes to the versions\n");
  }
}

void PrintKept(const nlohmann::json& r) {
  std::printf("kept the %s as %s; it now syncs to the other devices\n",
              r.value("kept", "") == "copy" ? "conflict copy" : "original",
              r.value("path", "").c_str());
  for (const auto& v : r["versions"]) {
    std::printf("%s is kept as a version (%s) — `shoal versions %s` lists it\n",
                v.value("path", "").c_str(), v.value("stored", "").c_str(),
                r.value("folder", "").c_str());
  }
}

std::string Absolute(const std::string& path) {
  std::error_code error;
  auto absolute = std::filesystem::absolute(path, error);
  return error ? path : absolute.lexically_normal().string();
}

}  // namespace

void RegisterConflictCommands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ConflictArgs>();
  CLI::App* conflicts =
      app.add_subcommand("conflicts", "List conflict copies with both sides; keep one side");
  conflicts->add_option("FOLDER", args->folder, "Only this folder");
  conflicts->callback([args, conflicts, &context] {
    if (!conflicts->get_subcommands().empty()) return;  // `keep` ran
    nlohmann::json request{{"cmd", "conflicts"}};
    if (!args->folder.empty()) request["folder"] = args->folder;
    context.exit_code = CallAndPrint(context.client, request, PrintConflicts);
  });

  CLI::App* keep = conflicts->add_subcommand(
      "keep", "Keep PATH (a conflict copy or its original); the other side goes to the versions");
  keep->add_option("PATH", args->path, "The conflict copy or the original")->required();
  keep->callback([args, &context] {
    nlohmann::json request{{"cmd", "conflict-keep"}, {"path", Absolute(args->path)}};
    context.exit_code = CallAndPrint(context.client, request, PrintKept);
  });
}

}  // namespace shoal::cli
