// `shoal versions` and `shoal restore`: what a peer's change replaced or
// deleted, kept in the folder's .shoal/versions (docs/user-guide.md
// "Versions").
#include <cstdio>
#include <memory>

#include "cli/commands/commands.h"
#include "cli/commands/daemon_client.h"

namespace shoal::cli {
namespace {

struct VersionArgs {
  std::string folder;
  std::string path;
  std::string at;
};

void PrintVersions(const nlohmann::json& r) {
  const auto& versions = r["versions"];
  const std::string path = r.value("path", "");
  if (versions.empty()) {
    if (path.empty()) {
      std::printf("no versions are kept in %s\n", r.value("folder", "").c_str());
    } else {
      std::printf("no versions of %s are kept in %s\n", path.c_str(),
                  r.value("folder", "").c_str());
    }
    return;
  }
  std::printf("%-20s  %10s  %s\n", "KEPT (UTC)", "SIZE", "PATH");
  for (const auto& v : versions) {
    std::printf("%-20s  %10s  %s%s\n", v.value("time", "").c_str(),
                HumanBytes(v.value("size", 0.0)).c_str(), v.value("path", "").c_str(),
                v.value("kind", "") == "symlink" ? " (symlink)" : "");
  }
}

}  // namespace

void RegisterVersionCommands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<VersionArgs>();
  CLI::App* versions = app.add_subcommand(
      "versions", "List what peers' changes replaced or deleted, kept in .shoal/versions");
  versions->add_option("FOLDER", args->folder, "Folder ID or label")->required();
  versions->add_option("PATH", args->path,
                       "Only this file or directory (relative to the folder root)");
  versions->callback([args, &context] {
    nlohmann::json request{{"cmd", "versions"}, {"folder", args->folder}};
    if (!args->path.empty()) request["path"] = args->path;
    context.exit_code = CallAndPrint(context.client, request, PrintVersions);
  });

  CLI::App* restore = app.add_subcommand(
      "restore", "Put a kept version back; it syncs to every device as a new change");
  restore->add_option("FOLDER", args->folder, "Folder ID or label")->required();
  restore->add_option("PATH", args->path, "The file, relative to the folder root")->required();
  restore->add_option("--at", args->at,
                      "The version kept at or before this UTC time, e.g. 2026-12-02T10:15:00Z "
                      "(default: the newest)");
  restore->callback([args, &context] {
    nlohmann::json request{{"cmd", "restore"}, {"folder", args->folder}, {"path", args->path}};
    if (!args->at.empty()) request["at"] = args->at;
    context.exit_code = CallAndPrint(context.client, request, [](const nlohmann::json& r) {
      std::printf("restored %s as it was kept at %s; it now syncs to the other devices\n",
                  r.value("path", "").c_str(), r.value("time", "").c_str());
      if (r["kept_current"].is_string()) {
        std::printf("the file it replaced is kept as a version too (%s)\n",
                    r["kept_current"].get<std::string>().c_str());
      }
    });
  });
}

}  // namespace shoal::cli
