#include "core/sync/folder_guard.h"

#include <array>
#include <optional>
#include <utility>

namespace shoal {
namespace {

constexpr char kMarkerTemp[] = ".shoal/.folder-id.tmp";
// A folder ID has at most 64 bytes; anything much longer is not our marker.
constexpr std::size_t kMaxMarkerBytes = 1024;

// The folder ID the marker names, or nullopt when there is no marker.
Result<std::optional<std::string>> ReadMarker(FileSystem& fs) {
  auto file = fs.OpenRead(kMarkerFile);
  if (!file) {
    if (file.error().code == ErrorCode::kNotFound) return std::optional<std::string>();
    return file.error();
  }
  std::string text;
  std::array<std::uint8_t, 256> buffer{};
  for (;;) {
    auto n = (*file)->Read(buffer);
    if (!n) return n.error();
    if (*n == 0) break;
    text.append(reinterpret_cast<const char*>(buffer.data()), *n);
    if (text.size() > kMaxMarkerBytes) break;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return std::optional<std::string>(std::move(text));
}

// Whether the root holds anything besides the marker directory.
Result<bool> RootHasContent(FileSystem& fs) {
  auto entries = fs.ListDir("");
  if (!entries) return entries.error();
  for (const DirEntry& e : *entries) {
    if (e.name != kMarkerDir) return true;
  }
  return false;
}

constexpr char kNotMounted[] = " — is the drive mounted?";

}  // namespace

Result<void> WriteFolderMarker(FileSystem& fs, const std::string& folder_id) {
  auto dir = fs.Lstat(kMarkerDir);
  if (!dir && dir.error().code != ErrorCode::kNotFound) return dir.error().Wrap("folder marker");
  if (dir && dir->kind != EntryKind::kDirectory) {
    return Fail(ErrorCode::kConflict,
                "folder marker: .shoal in the folder root is not a directory; move it away");
  }
  if (!dir) {
    auto made = fs.MakeDir(kMarkerDir, 0755);
    if (!made && made.error().code != ErrorCode::kConflict)
      return made.error().Wrap("folder marker");
  }
  auto file = fs.OpenWrite(kMarkerTemp);
  if (!file) return file.error().Wrap("folder marker");
  const std::string text = folder_id + "\n";
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()),
                                      text.size());
  if (auto ok = (*file)->Truncate(0); !ok) return ok.error().Wrap("folder marker");
  if (auto ok = (*file)->WriteAt(0, bytes); !ok) return ok.error().Wrap("folder marker");
  if (auto ok = (*file)->Sync(); !ok) return ok.error().Wrap("folder marker");
  file->reset();
  if (auto ok = fs.Rename(kMarkerTemp, kMarkerFile); !ok) return ok.error().Wrap("folder marker");
  if (auto ok = fs.SyncDir(kMarkerDir); !ok) return ok.error().Wrap("folder marker");
  if (auto ok = fs.SyncDir(""); !ok) return ok.error().Wrap("folder marker");
  return {};
}

Result<void> FolderGuard::Check() {
  if (hold_ == FolderHold::kMassDelete) return Fail(ErrorCode::kBusy, message_);
  auto checked = CheckRoot();
  if (checked) {
    hold_ = FolderHold::kNone;
    message_.clear();
  }
  return checked;
}

Result<void> FolderGuard::CheckRoot() {
  auto device = fs_.ReopenRoot();
  if (!device) {
    return Hold(FolderHold::kRootChanged,
                "folder root missing (" + device.error().message + ")" + kNotMounted);
  }
  auto marker = ReadMarker(fs_);
  if (!marker) {
    return Hold(FolderHold::kRootChanged, "cannot read the folder marker " +
                                              std::string(kMarkerFile) + ": " +
                                              marker.error().message);
  }
  if (!*marker) {
    if (config_.root_device == 0) {  // a folder from before markers
      auto content = RootHasContent(fs_);
      if (!content) return Hold(FolderHold::kRootChanged, content.error().message);
      if (*content) return Adopt(*device);
    }
    return Hold(FolderHold::kRootChanged, std::string("folder marker missing") + kNotMounted +
                                              " (no " + kMarkerFile + " in the folder root)");
  }
  if (**marker != config_.folder_id) {
    return Hold(FolderHold::kRootChanged, "folder marker names another folder ('" +
                                              marker->value().substr(0, 64) + "')" + kNotMounted);
  }
  if (config_.root_device == 0) {  // marked, device not recorded yet
    if (auto ok = index_.SetRootDevice(config_.folder_key, *device); !ok) return ok;
    config_.root_device = *device;
  }
  if (*device != config_.root_device) {
    return Hold(FolderHold::kRootChanged,
                "folder root is on another device (" + std::to_string(*device) + ", was " +
                    std::to_string(config_.root_device) + ")" + kNotMounted +
                    " If the folder moved to another disk for good, `shoal folder resume` "
                    "confirms it");
  }
  return {};
}

Result<void> FolderGuard::CheckDeletes(std::int64_t deleting, std::int64_t files) {
  // A confirmation covers the scan right after it, never a later one.
  const bool confirmed = std::exchange(deletes_confirmed_, false);
  const std::int64_t min = config_.mass_delete_min_files;
  if (min <= 0 || deleting < min || deleting * 2 <= files || confirmed) return {};
  return Hold(FolderHold::kMassDelete,
              "a scan would delete " + std::to_string(deleting) + " of the folder's " +
                  std::to_string(files) +
                  " files; nothing was changed. If that is right, `shoal folder resume` "
                  "confirms it");
}

Result<void> FolderGuard::Resume() {
  switch (hold_) {
    case FolderHold::kNone:
      return {};
    case FolderHold::kMassDelete:
      deletes_confirmed_ = true;
      break;
    case FolderHold::kRootChanged: {
      auto device = fs_.ReopenRoot();
      if (!device) return device.error().Wrap("resume: the folder root is not there");
      if (auto ok = Adopt(*device); !ok) return ok;
      break;
    }
  }
  hold_ = FolderHold::kNone;
  message_.clear();
  return {};
}

Result<void> FolderGuard::Adopt(std::uint64_t device) {
  if (auto ok = WriteFolderMarker(fs_, config_.folder_id); !ok) return ok;
  if (auto ok = index_.SetRootDevice(config_.folder_key, device); !ok) return ok;
  config_.root_device = device;
  return {};
}

Result<void> FolderGuard::Hold(FolderHold hold, std::string message) {
  hold_ = hold;
  message_ = std::move(message);
  return Fail(hold == FolderHold::kMassDelete ? ErrorCode::kBusy : ErrorCode::kNotFound, message_);
}

}  // namespace shoal
