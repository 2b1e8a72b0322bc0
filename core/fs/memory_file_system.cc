#include "core/fs/memory_file_system.h"

#include <algorithm>
#include <cstring>

namespace shoal {
namespace {

std::string Parent(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

Error NotFound(const std::string& what, const std::string& path) {
  return Error{ErrorCode::kNotFound, what + " '" + path + "': no such file or directory"};
}

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

 private:
  MemoryFileSystem* fs_;
  std::string path_;
  std::uint64_t inode_;
  std::size_t offset_ = 0;
};

MemoryFileSystem::MemoryFileSystem() {
  Node root;
  root.stat.kind = EntryKind::kDirectory;
  root.stat.permissions = 0755;
  root.stat.inode = next_inode_++;
  nodes_[""] = root;
}

void MemoryFileSystem::EnsureParentsLocked(const std::string& path) {
  std::string parent = Parent(path);
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

void MemoryFileSystem::MakeSymlink(const std::string& path, std::string target,
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
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return NotFound("lstat", path);
  return it->second.stat;
}

Result<std::vector<DirEntry>> MemoryFileSystem::ListDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
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

}  // namespace shoal
