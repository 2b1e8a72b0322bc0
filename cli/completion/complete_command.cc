#include "cli/completion/complete_command.h"

#include <chrono>
#include <cstdio>
#include <set>

#include "cli/commands/daemon_client.h"
#include "cli/completion/command_walker.h"

namespace shoal::cli {
namespace {

// A busy daemon must not freeze the user's shell: past this, no candidates.
constexpr std::chrono::milliseconds kDaemonTimeout{2000};

// The daemon's answer to `cmd`, or null when it does not run or answer.
nlohmann::json AskDaemon(const std::string& home, const char* cmd) {
  ClientOptions options;
  options.home = home;
  auto client = ConnectDaemon(options);
  if (!client) return nullptr;
  auto result = client->Call({{"cmd", cmd}}, kDaemonTimeout);
  return result ? *result : nullptr;
}

// `keys` of each object in the daemon's `list` (labels and IDs, names and
// IDs), empty ones left out.
std::vector<std::string> Fields(const nlohmann::json& reply, const char* list,
                                std::initializer_list<const char*> keys) {
  std::vector<std::string> out;
  if (!reply.is_object() || !reply.contains(list) || !reply[list].is_array()) return out;
  for (const auto& item : reply[list]) {
    for (const char* key : keys) {
      const std::string value = item.is_object() ? item.value(key, "") : "";
      if (!value.empty()) out.push_back(value);
    }
  }
  return out;
}

std::vector<std::string> DaemonCandidates(const Completion& completion) {
  switch (completion.kind) {
    case CompletionKind::kFolders:
      return Fields(AskDaemon(completion.home, "folder-list"), "folders", {"label", "id"});
    case CompletionKind::kOffers:
      return Fields(AskDaemon(completion.home, "folder-offers"), "offers", {"label", "folder"});
    case CompletionKind::kDevices:
      return Fields(AskDaemon(completion.home, "devices"), "devices", {"name", "id"});
    default:
      return {};
  }
}

}  // namespace

int RunCompletion(const CLI::App& app, const std::vector<std::string>& words) {
  const Completion completion = CompleteWords(app, words);
  std::vector<std::string> candidates = completion.words;
  const char* kind = "words";
  if (completion.kind == CompletionKind::kFiles) kind = "files";
  if (completion.kind == CompletionKind::kDirs) kind = "dirs";
  for (std::string& candidate : DaemonCandidates(completion)) candidates.push_back(candidate);
  std::printf("%s\n", kind);
  std::set<std::string> printed;  // a label can equal an ID
  for (const std::string& candidate : candidates) {
    // A label is one line in the reply; one with a newline cannot be offered.
    if (candidate.rfind(completion.prefix, 0) != 0) continue;
    if (candidate.find('\n') != std::string::npos) continue;
    if (!printed.insert(candidate).second) continue;
    std::printf("%s\n", candidate.c_str());
  }
  return 0;
}

}  // namespace shoal::cli
