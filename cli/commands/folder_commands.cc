// `shoal folder add|remove|list|offers|accept|resume`, `shoal share`, `shoal
// unshare`, `shoal rescan`.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "cli/commands/commands.h"
#include "cli/commands/daemon_client.h"

namespace shoal::cli {
namespace {

struct FolderArgs {
  std::string path;
  std::string id;
  std::string label;
  std::string folder;
  std::string device;
  int wait_seconds = 30;
  bool create = false;
};

std::string Absolute(const std::string& path) {
  std::error_code error;
  auto absolute = std::filesystem::absolute(path, error);
  return error ? path : absolute.lexically_normal().string();
}

void PrintFolder(const nlohmann::json& f) {
  std::printf("%-20s %-12s %-8s %6lld files  %10s  need %lld  %s\n", f.value("label", "").c_str(),
              f.value("id", "").c_str(), f.value("state", "").c_str(),
              static_cast<long long>(f.value("files", 0)),
              HumanBytes(f.value("bytes", 0.0)).c_str(), static_cast<long long>(f.value("need", 0)),
              f.value("path", "").c_str());
}

// "Documents (docs) from laptop, Photos (k3x9q-7mw2d) from desktop", or
// "none" — the offers this device has now, for a user who mistyped one.
std::string OffersNow(net::ControlClient& client) {
  auto offers = client.Call({{"cmd", "folder-offers"}});
  if (!offers) return "unknown (" + offers.error().message + ")";
  std::string text;
  for (const auto& o : (*offers)["offers"]) {
    if (!text.empty()) text += ", ";
    text += o.value("label", "") + " (" + o.value("folder", "") + ") from " +
            DeviceLabel(o, "device_name", "device");
  }
  return text.empty() ? "none" : text;
}

// Accepting can race the offer (the peer shared a moment ago): wait for it,
// saying so at once, and name the offers there are when the wait ends.
int Accept(const ClientOptions& options, const FolderArgs& args) {
  auto client = ConnectDaemon(options);
  if (!client) return ReportError(client.error());
  nlohmann::json request{
      {"cmd", "folder-accept"}, {"folder", args.folder}, {"path", Absolute(args.path)}};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(args.wait_seconds);
  for (bool first = true;; first = false) {
    auto result = client->Call(request);
    if (result) {
      if (options.json) {
        std::printf("%s\n", result->dump(2).c_str());
      } else {
        std::printf("accepted folder %s into %s\n", result->value("id", "").c_str(),
                    result->value("path", "").c_str());
      }
      return 0;
    }
    if (result.error().code != ErrorCode::kNotFound) return ReportError(result.error());
    if (std::chrono::steady_clock::now() >= deadline) {
      return ReportError(
          Error{result.error().code,
                result.error().message + "; offered to this device now: " + OffersNow(*client)});
    }
    if (first) {
      std::fprintf(stderr,
                   "no device offers a folder %s yet; waiting up to %d s for it (--wait "
                   "SECONDS)...\noffered to this device now: %s\n",
                   args.folder.c_str(), args.wait_seconds, OffersNow(*client).c_str());
      std::fflush(stderr);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// The daemon's message for a missing path names no flag (the web interface
// shows it too, with a checkbox): here it names --create.
int AddFolder(const ClientOptions& options, const nlohmann::json& request) {
  auto client = ConnectDaemon(options);
  if (!client) return ReportError(client.error());
  auto result = client->Call(request);
  const std::string path = request["path"].get<std::string>();
  std::error_code error;
  if (!result && result.error().code == ErrorCode::kNotFound && !request.contains("create") &&
      !std::filesystem::exists(path, error)) {
    return ReportError(Error{ErrorCode::kNotFound,
                             path + " does not exist — check the path, or add --create to start "
                                    "syncing a new, empty folder there"});
  }
  if (!result) return ReportError(result.error());
  if (options.json) {
    std::printf("%s\n", result->dump(2).c_str());
    return 0;
  }
  if (result->value("created", false)) {
    std::printf("created %s\n", result->value("path", "").c_str());
  }
  std::printf("added folder %s (%s) at %s — share it with `shoal share %s DEVICE`\n",
              result->value("label", "").c_str(), result->value("id", "").c_str(),
              result->value("path", "").c_str(), result->value("id", "").c_str());
  return 0;
}

using Args = std::shared_ptr<FolderArgs>;

// folder add PATH [--id] [--label] [--create]
void AddFolderAdd(CLI::App& folder, const Args& args, CommandContext& context) {
  CLI::App* add = folder.add_subcommand("add", "Start syncing a directory");
  add->add_option("PATH", args->path, "The directory (must exist unless --create is given)")
      ->required();
  add->add_option("--id", args->id, "Folder ID shared with peers (default: random)");
  add->add_option("--label", args->label, "Name shown to people (default: the directory name)");
  add->add_flag("--create", args->create, "Create PATH if it does not exist yet");
  add->callback([args, &context] {
    nlohmann::json request{{"cmd", "folder-add"}, {"path", Absolute(args->path)}};
    if (!args->id.empty()) request["folder_id"] = args->id;
    if (!args->label.empty()) request["label"] = args->label;
    if (args->create) request["create"] = true;
    context.exit_code = AddFolder(context.client, request);
  });
}

// folder remove FOLDER
void AddFolderRemove(CLI::App& folder, const Args& args, CommandContext& context) {
  CLI::App* remove = folder.add_subcommand("remove", "Stop syncing a folder (its files stay)");
  remove->add_option("FOLDER", args->folder, "Folder ID or label")->required();
  remove->callback([args, &context] {
    context.exit_code =
        CallAndPrint(context.client, {{"cmd", "folder-remove"}, {"folder", args->folder}},
                     [](const nlohmann::json& r) {
                       std::printf("stopped syncing %s; the files stay in %s\n",
                                   r.value("id", "").c_str(), r.value("path", "").c_str());
                     });
  });
}

// folder list
void AddFolderList(CLI::App& folder, CommandContext& context) {
  CLI::App* list = folder.add_subcommand("list", "List folders");
  list->callback([&context] {
    context.exit_code =
        CallAndPrint(context.client, {{"cmd", "folder-list"}}, [](const nlohmann::json& r) {
          if (r["folders"].empty())
            std::printf("no folders yet — add one with `shoal folder add PATH`\n");
          for (const auto& f : r["folders"]) PrintFolder(f);
        });
  });
}

// folder offers
void AddFolderOffers(CLI::App& folder, CommandContext& context) {
  CLI::App* offers = folder.add_subcommand("offers", "Folders other devices share with this one");
  offers->callback([&context] {
    context.exit_code =
        CallAndPrint(context.client, {{"cmd", "folder-offers"}}, [](const nlohmann::json& r) {
          if (r["offers"].empty()) std::printf("no folder offers\n");
          for (const auto& o : r["offers"]) {
            std::printf("%s (%s) from %s — accept with `shoal folder accept %s PATH`\n",
                        o.value("label", "").c_str(), o.value("folder", "").c_str(),
                        DeviceLabel(o, "device_name", "device").c_str(),
                        o.value("folder", "").c_str());
          }
        });
  });
}

// folder accept FOLDER PATH [--wait]
void AddFolderAccept(CLI::App& folder, const Args& args, CommandContext& context) {
  CLI::App* accept =
      folder.add_subcommand("accept", "Sync a folder another device offers into PATH");
  accept->add_option("FOLDER", args->folder, "Offered folder ID or label")->required();
  accept->add_option("PATH", args->path, "Where to keep it (created if missing)")->required();
  accept->add_option("--wait", args->wait_seconds, "Seconds to wait for the offer to arrive")
      ->capture_default_str();
  accept->callback([args, &context] { context.exit_code = Accept(context.client, *args); });
}

// folder resume FOLDER
void AddFolderResume(CLI::App& folder, const Args& args, CommandContext& context) {
  CLI::App* resume = folder.add_subcommand(
      "resume", "Confirm a paused or stopped folder: a large delete, or a changed folder root");
  resume->add_option("FOLDER", args->folder, "Folder ID or label")->required();
  resume->callback([args, &context] {
    context.exit_code = CallAndPrint(
        context.client, {{"cmd", "folder-resume"}, {"folder", args->folder}},
        [](const nlohmann::json& f) {
          if (!f.value("resumed", false)) {
            std::printf("%s was not paused; nothing to do\n", f.value("id", "").c_str());
            return;
          }
          std::printf("resumed %s; it is scanning again\n", f.value("id", "").c_str());
        });
  });
}

// share / unshare FOLDER DEVICE
void AddShareCommands(CLI::App& app, const Args& args, CommandContext& context) {
  for (bool share : {true, false}) {
    CLI::App* cmd = app.add_subcommand(
        share ? "share" : "unshare",
        share ? "Share a folder with a paired device" : "Stop sharing a folder with a device");
    cmd->add_option("FOLDER", args->folder, "Folder ID or label")->required();
    cmd->add_option("DEVICE", args->device, "Device ID, its first 7+ characters, or name")
        ->required();
    cmd->callback([args, share, &context] {
      context.exit_code =
          CallAndPrint(context.client,
                       {{"cmd", share ? "share" : "unshare"},
                        {"folder", args->folder},
                        {"device", args->device}},
                       [share](const nlohmann::json& r) {
                         std::printf("%s %s %s\n", r.value("folder", "").c_str(),
                                     share ? "is now shared with" : "is no longer shared with",
                                     DeviceLabel(r, "device_name", "device").c_str());
                       });
    });
  }
}

// rescan [FOLDER] [--path]
void AddRescan(CLI::App& app, const Args& args, CommandContext& context) {
  CLI::App* rescan = app.add_subcommand("rescan", "Scan now; returns when the scan has finished");
  rescan->add_option("FOLDER", args->folder, "Only this folder");
  rescan->add_option("--path", args->path, "Only this path in FOLDER")->type_name("PATH");
  rescan->callback([args, &context] {
    nlohmann::json request{{"cmd", "rescan"}};
    if (!args->folder.empty()) request["folder"] = args->folder;
    if (!args->path.empty()) request["path"] = args->path;
    context.exit_code = CallAndPrint(context.client, request, [](const nlohmann::json& r) {
      if (r["scanned"].empty())
        std::printf("no folders to scan — add one with `shoal folder add PATH`\n");
      for (const auto& s : r["scanned"]) {
        std::printf("%s: %lld changed, %lld deleted\n", s.value("folder", "").c_str(),
                    static_cast<long long>(s.value("changed", 0)),
                    static_cast<long long>(s.value("deleted", 0)));
      }
    });
  });
}

}  // namespace

void RegisterFolderCommands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<FolderArgs>();
  CLI::App* folder = app.add_subcommand("folder", "Add, remove, list and accept folders");
  folder->require_subcommand(1);
  AddFolderAdd(*folder, args, context);
  AddFolderRemove(*folder, args, context);
  AddFolderList(*folder, context);
  AddFolderOffers(*folder, context);
  AddFolderAccept(*folder, args, context);
  AddFolderResume(*folder, args, context);
  AddShareCommands(app, args, context);
  AddRescan(app, args, context);
}

}  // namespace shoal::cli
