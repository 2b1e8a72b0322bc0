#include "tests/support/memory_file_system.h"

#include <algorithm>
#include <cstring>

#include "core/base/relative_path.h"

namespace shoal {
namespace {

Error NotFound(const std::string& what, const std::string& path) {
  return Error{ErrorCode::kNotFound, what + " '" + path + "': no such file or directory"};
}

// "what 'path': why", built by appending (no operator+ on a literal).
Error PathError(ErrorCode code, const char* what, const std::string& path, const char* why) {
  std::string message(what);
  message.append(" '").append(path).append("': ").append(why);
  return Error{code, std::move(message)};
}

bool IsBelow(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path[dir.size()] == '/' &&
         path.compare(0, dir.size(), dir) == 0;
}

// A bound on one file's size, so a write at a huge offset fails instead of
// allocating it (a real disk would store the hole sparsely).
constexpr std::uint64_t kMaxFileBytes = std::uint64_t{1} << 30;

}  // namespace

// A reader remembers the inode it opened and must not outlive the
// MemoryFileSystem that made it (it keeps a plain pointer to it). If the
// path is replaced by a new file mid-read, reads end early, but the scanner's before/after stat
// comparison still sees the change.
class MemoryReadableFile final : public ReadableFile {
 public:
  MemoryReadableFile(MemoryFileSystem* fs, std::string path, std::uint64_t inode)
      : fs_(fs), path_(std::move(path)), inode_(inode) {}

  Result<std::size_t> Read(std::span<std::uint8_t> buffer) override {
    auto n = fs_->ReadAt(path_, inode_, offset_, buffer);
    if (n) offset_ += *n;
    return n;
  }
  Result<FileStat> Stat() override { return fs_->StatInode(path_, inode_); }
  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> buffer) override {
    return fs_->ReadAt(path_, inode_, offset, buffer);
  }

 private:
  MemoryFileSystem* fs_;
  std::string path_;
  std::uint64_t inode_;
  std::size_t offset_ = 0;
};

// A writer remembers its file's inode and finds it again under the lock on
// each call, following a Rename (as a descriptor would); once the file is
// removed or replaced every call fails with kNotFound. Must not outlive the
// MemoryFileSystem that made it (it keeps a plain pointer to it).
class MemoryWritableFile final : public WritableFile {
 public:
  MemoryWritableFile(MemoryFileSystem* fs, std::string path, std::uint64_t inode)
      : fs_(fs), path_(std::move(path)), inode_(inode) {}

  Result<void> WriteAt(std::uint64_t offset, std::span<const std::uint8_t> data) override {
    std::lock_guard<std::mutex> lock(fs_->mutex_);
    auto node = FindLocked("write");
    if (!node) return node.error();
    std::string& content = (*node)->data;
    if (offset > kMaxFileBytes || data.size() > kMaxFileBytes - offset) {
      return PathError(ErrorCode::kNoSpace, "write", path_, "beyond the in-memory file limit");
    }
    std::uint64_t end = offset + data.size();
    if (end > content.size()) {
      auto growth = static_cast<std::int64_t>(end - content.size());
      if (fs_->free_space_ && fs_->FileBytesLocked() + growth > *fs_->free_space_) {
        return PathError(ErrorCode::kNoSpace, "write", path_, "no space left on device");
      }
      content.resize(end, '\0');
      (*node)->stat.size = static_cast<std::int64_t>(end);
    }
    if (!data.empty()) std::memcpy(content.data() + offset, data.data(), data.size());
    return {};
  }

  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> buffer) override {
    std::lock_guard<std::mutex> lock(fs_->mutex_);
    auto node = FindLocked("read");
    if (!node) return node.error();
    const std::string& content = (*node)->data;
    if (offset >= content.size()) return std::size_t{0};
    std::size_t n = std::min<std::size_t>(buffer.size(), content.size() - offset);
    std::memcpy(buffer.data(), content.data() + offset, n);
    return n;
  }

  Result<void> Truncate(std::uint64_t size) override {
    std::lock_guard<std::mutex> lock(fs_->mutex_);
    auto node = FindLocked("truncate");
    if (!node) return node.error();
    if (size > kMaxFileBytes) {
      return PathError(ErrorCode::kNoSpace, "truncate", path_, "beyond the in-memory file limit");
    }
    (*node)->data.resize(size, '\0');
    (*node)->stat.size = static_cast<std::int64_t>(size);
    return {};
  }

  Result<void> SetMetadata(std::int64_t mtime_ns, std::uint32_t permissions) override {
    std::lock_guard<std::mutex> lock(fs_->mutex_);
    auto node = FindLocked("set metadata");
    if (!node) return node.error();
    (*node)->stat.mtime_ns = mtime_ns;
    (*node)->stat.permissions = permissions & 07777;
    return {};
  }

  Result<void> Sync() override {
    std::lock_guard<std::mutex> lock(fs_->mutex_);
    auto node = FindLocked("fsync");
    if (!node) return node.error();
    ++fs_->sync_count_;
    return {};
  }

  Result<bool> SyncFileSystem() override {
    std::lock_guard<std::mutex> lock(fs_->mutex_);
    if (!fs_->syncs_file_system_) return false;
    auto node = FindLocked("syncfs");
    if (!node) return node.error();
    ++fs_->sync_count_;
    return true;
  }

  Result<FileStat> Stat() override {
    std::lock_guard<std::mutex> lock(fs_->mutex_);
    auto node = FindLocked("fstat");
    if (!node) return node.error();
    return (*node)->stat;
  }

 private:
  Result<MemoryFileSystem::Node*> FindLocked(const char* what) {
    auto it = fs_->nodes_.find(path_);
    if (it != fs_->nodes_.end() && it->second.stat.inode == inode_) return &it->second;
    for (auto& [path, node] : fs_->nodes_) {
      if (node.stat.inode == inode_) {
        path_ = path;  // renamed since the last call
        return &node;
      }
    }
    return PathError(ErrorCode::kNotFound, what, path_, "file was removed or replaced");
  }

  MemoryFileSystem* fs_;
  std::string path_;
  std::uint64_t inode_;
};

MemoryFileSystem::MemoryFileSystem() {
  Node root;
  root.stat.kind = EntryKind::kDirectory;
  root.stat.permissions = 0755;
  root.stat.inode = next_inode_++;
  nodes_[""] = root;
}

void MemoryFileSystem::EnsureParentsLocked(const std::string& path) {
  std::string parent = ParentOf(path);
  if (nodes_.count(parent) != 0) return;
  EnsureParentsLocked(parent);
  Node dir;
  dir.stat.kind = EntryKind::kDirectory;
  dir.stat.permissions = 0755;
  dir.stat.inode = next_inode_++;
  nodes_[parent] = dir;
}

void MemoryFileSystem::WriteFile(const std::string& path, std::string content,
                                 std::int64_t mtime_ns, std::uint32_t permissions) {
  std::lock_guard<std::mutex> lock(mutex_);
  EnsureParentsLocked(path);
  Node& node = nodes_[path];
  // Writing in place keeps the inode, as an editor saving over a file does.
  if (node.stat.inode == 0 || node.stat.kind != EntryKind::kFile) node.stat.inode = next_inode_++;
  node.stat.kind = EntryKind::kFile;
  node.stat.size = static_cast<std::int64_t>(content.size());
  node.stat.mtime_ns = mtime_ns;
  node.stat.permissions = permissions;
  node.data = std::move(content);
}

void MemoryFileSystem::MakeDirectory(const std::string& path, std::uint32_t permissions) {
  std::lock_guard<std::mutex> lock(mutex_);
  EnsureParentsLocked(path);
  Node& node = nodes_[path];
  if (node.stat.kind != EntryKind::kDirectory || node.stat.inode == 0) {
    node = Node{};
    node.stat.kind = EntryKind::kDirectory;
    node.stat.inode = next_inode_++;
  }
  node.stat.permissions = permissions;
}

void MemoryFileSystem::AddSymlink(const std::string& path, std::string target,
                                  std::int64_t mtime_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  EnsureParentsLocked(path);
  Node node;
  node.stat.kind = EntryKind::kSymlink;
  node.stat.permissions = 0777;
  node.stat.mtime_ns = mtime_ns;
  node.stat.inode = next_inode_++;
  node.data = std::move(target);
  nodes_[path] = std::move(node);
}

void MemoryFileSystem::MakeSpecial(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  EnsureParentsLocked(path);
  Node node;
  node.stat.kind = EntryKind::kSpecial;
  node.stat.permissions = 0600;
  node.stat.inode = next_inode_++;
  nodes_[path] = std::move(node);
}

void MemoryFileSystem::SetPermissions(const std::string& path, std::uint32_t permissions) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(path);
  if (it != nodes_.end()) it->second.stat.permissions = permissions;
}

void MemoryFileSystem::SetUnreadable(const std::string& path, bool unreadable) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(path);
  if (it != nodes_.end()) it->second.unreadable = unreadable;
}

void MemoryFileSystem::Remove(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (path.empty()) return;  // the root stays
  std::string prefix = path + "/";
  std::erase_if(nodes_, [&](const auto& entry) {
    return entry.first == path || entry.first.compare(0, prefix.size(), prefix) == 0;
  });
}

void MemoryFileSystem::SetReadHook(std::function<void(const std::string&)> hook) {
  std::lock_guard<std::mutex> lock(mutex_);
  read_hook_ = std::move(hook);
}

std::string MemoryFileSystem::Content(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(path);
  return it == nodes_.end() ? std::string() : it->second.data;
}

Result<FileStat> MemoryFileSystem::Lstat(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++lstat_counts_[path];
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return NotFound("lstat", path);
  return it->second.stat;
}

Result<std::vector<DirEntry>> MemoryFileSystem::ListDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++list_dir_count_;
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return NotFound("open directory", path);
  if (it->second.stat.kind != EntryKind::kDirectory) {
    return Fail(ErrorCode::kNotFound, "open directory '" + path + "': not a directory");
  }
  if (it->second.unreadable) {
    return Fail(ErrorCode::kUnauthorized, "open directory '" + path + "': permission denied");
  }
  std::vector<DirEntry> entries;
  std::string prefix = path.empty() ? "" : path + "/";
  for (auto child = nodes_.upper_bound(prefix); child != nodes_.end(); ++child) {
    const std::string& p = child->first;
    if (p.compare(0, prefix.size(), prefix) != 0) break;
    if (p.size() == prefix.size()) continue;
    if (p.find('/', prefix.size()) == std::string::npos) {
      entries.push_back({p.substr(prefix.size()), child->second.stat});
    }
  }
  return entries;
}

Result<std::unique_ptr<ReadableFile>> MemoryFileSystem::OpenRead(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return NotFound("open", path);
  if (it->second.unreadable) {
    return Fail(ErrorCode::kUnauthorized, "open '" + path + "': permission denied");
  }
  if (it->second.stat.kind != EntryKind::kFile) {
    return Fail(ErrorCode::kIo, "open '" + path + "': not a regular file");
  }
  return std::unique_ptr<ReadableFile>(new MemoryReadableFile(this, path, it->second.stat.inode));
}

Result<std::string> MemoryFileSystem::ReadLink(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return NotFound("readlink", path);
  if (it->second.stat.kind != EntryKind::kSymlink) {
    return Fail(ErrorCode::kIo, "readlink '" + path + "': not a symlink");
  }
  return it->second.data;
}

Result<std::size_t> MemoryFileSystem::ReadAt(const std::string& path, std::uint64_t inode,
                                             std::size_t offset, std::span<std::uint8_t> buffer) {
  std::function<void(const std::string&)> hook;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    hook = read_hook_;
  }
  if (hook) hook(path);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(path);
  if (it == nodes_.end() || it->second.stat.inode != inode) {
    return 0;  // unlinked or replaced: an open descriptor would still read the old data
  }
  const std::string& data = it->second.data;
  if (offset >= data.size()) return 0;
  std::size_t n = std::min(buffer.size(), data.size() - offset);
  std::memcpy(buffer.data(), data.data() + offset, n);
  return n;
}

Result<FileStat> MemoryFileSystem::StatInode(const std::string& path, std::uint64_t inode) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find(path);
  if (it == nodes_.end() || it->second.stat.inode != inode) {
    FileStat gone;
    gone.inode = inode;
    gone.size = -1;  // unlinked: no longer matches any stat taken before
    return gone;
  }
  return it->second.stat;
}

void MemoryFileSystem::SetFreeSpace(std::optional<std::int64_t> bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_space_ = bytes;
}

void MemoryFileSystem::SetRootDevice(std::uint64_t device) {
  std::lock_guard<std::mutex> lock(mutex_);
  root_device_ = device;
}

std::int64_t MemoryFileSystem::list_dir_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return list_dir_count_;
}

std::int64_t MemoryFileSystem::lstat_count(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = lstat_counts_.find(path);
  return it == lstat_counts_.end() ? 0 : it->second;
}

std::int64_t MemoryFileSystem::free_space_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return free_space_count_;
}

std::int64_t MemoryFileSystem::sync_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sync_count_;
}

void MemoryFileSystem::SetSyncsFileSystem(bool honoured) {
  std::lock_guard<std::mutex> lock(mutex_);
  syncs_file_system_ = honoured;
}

std::int64_t MemoryFileSystem::FileBytesLocked() const {
  std::int64_t total = 0;
  for (const auto& [path, node] : nodes_) {
    if (node.stat.kind == EntryKind::kFile) total += static_cast<std::int64_t>(node.data.size());
  }
  return total;
}

Result<void> MemoryFileSystem::CheckParentsLocked(const std::string& path, const char* what) const {
  for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    auto it = nodes_.find(path.substr(0, slash));
    if (it == nodes_.end()) {
      return PathError(ErrorCode::kNotFound, what, path, "no such file or directory");
    }
    if (it->second.stat.kind == EntryKind::kSymlink) {
      return PathError(ErrorCode::kUnauthorized, what, path, "path passes through a symlink");
    }
    if (it->second.stat.kind != EntryKind::kDirectory) {
      return PathError(ErrorCode::kNotFound, what, path, "not a directory");
    }
  }
  return {};
}

Result<void> MemoryFileSystem::CheckWritableParentLocked(const std::string& path,
                                                         const char* what) const {
  if (!enforce_dir_permissions_) return {};
  auto it = nodes_.find(ParentOf(path));
  if (it != nodes_.end() && (it->second.stat.permissions & 0300) != 0300) {
    return PathError(ErrorCode::kUnauthorized, what, path, "permission denied");
  }
  return {};
}

void MemoryFileSystem::SetEnforceDirectoryPermissions(bool enforce) {
  std::lock_guard<std::mutex> lock(mutex_);
  enforce_dir_permissions_ = enforce;
}

Result<std::unique_ptr<WritableFile>> MemoryFileSystem::OpenWrite(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto ok = CheckEntryPath(path, "open for writing"); !ok) return ok.error();
  if (auto ok = CheckParentsLocked(path, "open for writing"); !ok) return ok.error();
  auto it = nodes_.find(path);
  if (it == nodes_.end()) {
    if (auto ok = CheckWritableParentLocked(path, "open for writing"); !ok) return ok.error();
    Node node;
    node.stat.kind = EntryKind::kFile;
    node.stat.permissions = 0600;
    node.stat.inode = next_inode_++;
    it = nodes_.emplace(path, std::move(node)).first;
  } else if (it->second.stat.kind != EntryKind::kFile) {
    return PathError(ErrorCode::kConflict, "open for writing", path, "not a regular file");
  } else if (it->second.unreadable) {
    return PathError(ErrorCode::kUnauthorized, "open for writing", path, "permission denied");
  }
  return std::unique_ptr<WritableFile>(new MemoryWritableFile(this, path, it->second.stat.inode));
}

Result<void> MemoryFileSystem::Rename(const std::string& from, const std::string& to) {
  return RenameImpl(from, to, /*replace=*/true);
}

Result<void> MemoryFileSystem::RenameNoReplace(const std::string& from, const std::string& to) {
  return RenameImpl(from, to, /*replace=*/false);
}

Result<void> MemoryFileSystem::RenameImpl(const std::string& from, const std::string& to,
                                          bool replace) {
  const char* what = replace ? "rename" : "rename without replacing";
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::string* path : {&from, &to}) {
    if (auto ok = CheckEntryPath(*path, what); !ok) return ok;
    if (auto ok = CheckParentsLocked(*path, what); !ok) return ok;
    if (auto ok = CheckWritableParentLocked(*path, what); !ok) return ok;
  }
  auto source = nodes_.find(from);
  if (source == nodes_.end()) return PathError(ErrorCode::kNotFound, what, from, "no such entry");
  bool is_dir = source->second.stat.kind == EntryKind::kDirectory;
  if (is_dir && IsBelow(to, from)) {
    return PathError(ErrorCode::kInvalidArgument, what, to, "a directory cannot move into itself");
  }
  auto target = nodes_.find(to);
  if (target != nodes_.end()) {
    if (!replace) return PathError(ErrorCode::kConflict, what, to, "name exists");
    if (from == to) return {};  // rename(2) of a name onto itself does nothing
    if (target->second.stat.kind == EntryKind::kDirectory) {
      return PathError(ErrorCode::kConflict, what, to, "refusing to replace a directory");
    }
    if (is_dir) return PathError(ErrorCode::kConflict, what, to, "refusing to replace a file");
    nodes_.erase(target);
  }
  // Move the entry and, for a directory, its subtree; inodes go along.
  // Children are contiguous from "from/" on ("from-x" sorts between).
  std::vector<std::pair<std::string, Node>> moved;
  source = nodes_.find(from);
  moved.emplace_back(to, std::move(source->second));
  nodes_.erase(source);
  std::string prefix = from;
  prefix.push_back('/');
  for (auto it = nodes_.lower_bound(prefix); it != nodes_.end() && IsBelow(it->first, from);) {
    moved.emplace_back(to + it->first.substr(from.size()), std::move(it->second));
    it = nodes_.erase(it);
  }
  for (auto& [path, node] : moved) nodes_[path] = std::move(node);
  return {};
}

Result<void> MemoryFileSystem::MakeDir(const std::string& path, std::uint32_t permissions) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto ok = CheckEntryPath(path, "mkdir"); !ok) return ok;
  if (auto ok = CheckParentsLocked(path, "mkdir"); !ok) return ok;
  if (auto ok = CheckWritableParentLocked(path, "mkdir"); !ok) return ok;
  if (nodes_.count(path) != 0) return PathError(ErrorCode::kConflict, "mkdir", path, "exists");
  Node node;
  node.stat.kind = EntryKind::kDirectory;
  node.stat.permissions = permissions & 07777;
  node.stat.inode = next_inode_++;
  nodes_.emplace(path, std::move(node));
  return {};
}

Result<void> MemoryFileSystem::MakeSymlink(const std::string& path, const std::string& target) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto ok = CheckEntryPath(path, "symlink"); !ok) return ok;
  if (target.empty() || target.find('\0') != std::string::npos) {
    return PathError(ErrorCode::kInvalidArgument, "symlink", path, "empty target or NUL byte");
  }
  if (auto ok = CheckParentsLocked(path, "symlink"); !ok) return ok;
  if (auto ok = CheckWritableParentLocked(path, "symlink"); !ok) return ok;
  if (nodes_.count(path) != 0) return PathError(ErrorCode::kConflict, "symlink", path, "exists");
  Node node;
  node.stat.kind = EntryKind::kSymlink;
  node.stat.permissions = 0777;
  node.stat.inode = next_inode_++;
  node.data = target;
  nodes_.emplace(path, std::move(node));
  return {};
}

Result<void> MemoryFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto ok = CheckEntryPath(path, "unlink"); !ok) return ok;
  if (auto ok = CheckParentsLocked(path, "unlink"); !ok) return ok;
  if (auto ok = CheckWritableParentLocked(path, "unlink"); !ok) return ok;
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return PathError(ErrorCode::kNotFound, "unlink", path, "no such entry");
  if (it->second.stat.kind == EntryKind::kDirectory) {
    return PathError(ErrorCode::kConflict, "unlink", path, "is a directory");
  }
  nodes_.erase(it);
  return {};
}

Result<void> MemoryFileSystem::RemoveDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto ok = CheckEntryPath(path, "rmdir"); !ok) return ok;
  if (auto ok = CheckParentsLocked(path, "rmdir"); !ok) return ok;
  if (auto ok = CheckWritableParentLocked(path, "rmdir"); !ok) return ok;
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return PathError(ErrorCode::kNotFound, "rmdir", path, "no such entry");
  if (it->second.stat.kind != EntryKind::kDirectory) {
    return PathError(ErrorCode::kNotFound, "rmdir", path, "not a directory");
  }
  std::string prefix = path;
  prefix.push_back('/');
  auto child = nodes_.lower_bound(prefix);  // children sort together after "path/"
  if (child != nodes_.end() && IsBelow(child->first, path)) {
    return PathError(ErrorCode::kConflict, "rmdir", path, "directory not empty");
  }
  nodes_.erase(it);
  return {};
}

Result<void> MemoryFileSystem::SetMetadata(const std::string& path, std::int64_t mtime_ns,
                                           std::uint32_t permissions) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!path.empty()) {
    if (auto ok = CheckEntryPath(path, "set metadata"); !ok) return ok;
    if (auto ok = CheckParentsLocked(path, "set metadata"); !ok) return ok;
  }
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return PathError(ErrorCode::kNotFound, "set metadata", path, "no entry");
  if (it->second.stat.kind == EntryKind::kSymlink) {
    return PathError(ErrorCode::kInvalidArgument, "set metadata", path, "is a symlink");
  }
  it->second.stat.mtime_ns = mtime_ns;
  it->second.stat.permissions = permissions & 07777;
  return {};
}

Result<void> MemoryFileSystem::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!path.empty()) {
    if (auto ok = CheckEntryPath(path, "fsync directory"); !ok) return ok;
    if (auto ok = CheckParentsLocked(path, "fsync directory"); !ok) return ok;
  }
  auto it = nodes_.find(path);
  if (it != nodes_.end() && it->second.stat.kind == EntryKind::kSymlink) {
    return PathError(ErrorCode::kUnauthorized, "fsync directory", path, "is a symlink");
  }
  if (it == nodes_.end() || it->second.stat.kind != EntryKind::kDirectory) {
    return PathError(ErrorCode::kNotFound, "fsync directory", path, "no such directory");
  }
  ++sync_count_;
  return {};
}

Result<DiskSpace> MemoryFileSystem::FreeSpace() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++free_space_count_;
  DiskSpace space;
  space.total_bytes = free_space_ ? *free_space_ : std::int64_t{1} << 50;
  space.free_bytes = std::max<std::int64_t>(space.total_bytes - FileBytesLocked(), 0);
  return space;
}

Result<std::uint64_t> MemoryFileSystem::ReopenRoot() {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = nodes_.find("");
  if (it == nodes_.end() || it->second.stat.kind != EntryKind::kDirectory) {
    return Fail(ErrorCode::kNotFound, "folder root: no such directory");
  }
  return root_device_;
}

}  // namespace shoal
