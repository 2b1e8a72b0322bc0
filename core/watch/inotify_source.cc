#include "core/watch/inotify_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/base/log.h"

namespace shoal {
namespace {

constexpr std::uint32_t kDirMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB |
                                   IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
                                   IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK;

// One Read() handles at most this many buffers; the poller calls again.
constexpr int kMaxReadsPerCall = 64;
constexpr std::size_t kReadBufferSize = 64 * 1024;

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  std::string joined;
  joined.reserve(dir.size() + 1 + name.size());
  joined.append(dir).append("/").append(name);
  return joined;
}

const char kWatchLimitReason[] =
    "the kernel's inotify watch limit (fs.inotify.max_user_watches) is reached; "
    "falling back to full rescans";
const char kOverflowReason[] =
    "the kernel's inotify event queue overflowed (fs.inotify.max_queued_events) and changes "
    "were lost; rescanning the whole folder";
const char kRootGoneReason[] =
    "the folder root was moved or deleted; changes are no longer watched";

}  // namespace

Result<std::unique_ptr<InotifySource>> InotifySource::Open(const std::string& root,
                                                           InotifyOptions options) {
  struct stat st {};
  if (::lstat(root.c_str(), &st) != 0) {
    int err = errno;
    return Fail(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                "watch '" + root + "': " + std::strerror(err));
  }
  if (!S_ISDIR(st.st_mode)) {
    return Fail(ErrorCode::kInvalidArgument, "watch '" + root + "': not a directory");
  }
  ScopedFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd.valid()) {
    return Fail(ErrorCode::kIo, std::string("inotify_init1: ") + std::strerror(errno) +
                                    " (fs.inotify.max_user_instances may be reached)");
  }
  std::unique_ptr<InotifySource> source(new InotifySource(root, std::move(options), std::move(fd)));
  if (!source->WatchTree("") && !source->degraded_) {
    return Fail(ErrorCode::kIo, "watch '" + root + "': cannot watch the folder root");
  }
  auto it = source->by_path_.find("");
  if (it != source->by_path_.end()) source->root_wd_ = it->second;
  return source;
}

bool InotifySource::Ignored(const std::string& rel) const {
  return !rel.empty() && options_.ignore && options_.ignore(rel);
}

std::string InotifySource::Absolute(const std::string& rel) const {
  return rel.empty() ? root_ : root_ + "/" + rel;
}

bool InotifySource::WatchTree(const std::string& rel) {
  if (!AddWatch(rel)) return false;
  // Depth-first with an explicit stack. Each directory is watched before it
  // is listed, so an entry created after the listing raises its own event.
  std::vector<std::string> stack{rel};
  while (!stack.empty()) {
    std::string dir = std::move(stack.back());
    stack.pop_back();
    const std::string abs = Absolute(dir);
    DIR* listing = ::opendir(abs.c_str());
    if (listing == nullptr) continue;  // gone or unreadable: its parent reports it
    while (const dirent* entry = ::readdir(listing)) {
      const std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      bool is_dir = entry->d_type == DT_DIR;
      if (entry->d_type == DT_UNKNOWN) {
        struct stat st {};
        is_dir = ::lstat((abs + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
      }
      const std::string child = Join(dir, name);
      if (!is_dir || Ignored(child)) continue;
      if (AddWatch(child)) stack.push_back(child);
    }
    ::closedir(listing);
  }
  return true;
}

bool InotifySource::AddWatch(const std::string& rel) {
  const bool known = by_path_.contains(rel);
  int wd = -1;
  int err = ENOSPC;
  if (known || options_.max_watches == 0 || by_wd_.size() < options_.max_watches) {
    wd = ::inotify_add_watch(fd_.get(), Absolute(rel).c_str(), kDirMask);
    err = errno;
  }
  if (wd < 0) {
    if (err == ENOSPC) {
      Degrade(kWatchLimitReason);
    } else if (err != ENOENT && err != ENOTDIR) {
      // EACCES and the like: the scanner reports the directory as unreadable.
      SHOAL_LOG(kDebug) << "watch: cannot watch '" << Absolute(rel) << "': " << std::strerror(err);
    }
    return false;
  }
  // The same directory reached under a new name keeps its watch descriptor.
  auto old = by_wd_.find(wd);
  if (old != by_wd_.end() && old->second != rel) by_path_.erase(old->second);
  by_wd_[wd] = rel;
  by_path_[rel] = wd;
  return true;
}

void InotifySource::UnwatchTree(const std::string& rel) {
  std::vector<int> gone;
  auto it = by_path_.find(rel);
  if (it != by_path_.end()) gone.push_back(it->second);
  const std::string prefix = rel + "/";
  for (auto sub = by_path_.lower_bound(prefix);
       sub != by_path_.end() && sub->first.starts_with(prefix); ++sub) {
    gone.push_back(sub->second);
  }
  for (int wd : gone) {
    ::inotify_rm_watch(fd_.get(), wd);  // EINVAL if the kernel dropped it already: fine
    Forget(wd);
  }
}

void InotifySource::Forget(int wd) {
  auto it = by_wd_.find(wd);
  if (it == by_wd_.end()) return;
  auto path = by_path_.find(it->second);
  if (path != by_path_.end() && path->second == wd) by_path_.erase(path);
  by_wd_.erase(it);
}

void InotifySource::Degrade(std::string reason) {
  if (degraded_) return;
  degraded_ = true;
  degraded_reason_ = reason;
  SHOAL_LOG(kWarning) << "watch '" << root_ << "': " << reason;
  RequestRescan(std::move(reason));
}

void InotifySource::RequestRescan(std::string reason) {
  if (!pending_rescan_) pending_rescan_ = std::move(reason);
}

Result<void> InotifySource::Read(InotifyOutput& out) {
  alignas(inotify_event) char buffer[kReadBufferSize];
  for (int reads = 0; reads < kMaxReadsPerCall; ++reads) {
    ssize_t n = ::read(fd_.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) return Fail(ErrorCode::kIo, std::string("inotify read: ") + std::strerror(errno));
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      // The name is NUL-padded to an aligned length.
      const std::string name = event->len > 0 ? std::string(event->name) : std::string();
      Handle(event->wd, event->mask, name, out);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
  if (pending_rescan_ && !out.full_rescan_reason) out.full_rescan_reason = *pending_rescan_;
  pending_rescan_.reset();
  return {};
}

void InotifySource::Handle(int wd, std::uint32_t mask, const std::string& name,
                           InotifyOutput& out) {
  if (mask & IN_Q_OVERFLOW) {
    SHOAL_LOG(kWarning) << "watch '" << root_ << "': " << kOverflowReason;
    RequestRescan(kOverflowReason);
    WatchTree("");  // directories created while events were lost
    return;
  }
  if (mask & IN_IGNORED) return Forget(wd);
  auto dir = by_wd_.find(wd);
  if (dir == by_wd_.end()) return;  // a watch already dropped
  if (wd == root_wd_ && (mask & (IN_DELETE_SELF | IN_MOVE_SELF))) return Degrade(kRootGoneReason);
  if (name.empty()) return;  // about a watched directory itself: its parent reports it
  const std::string rel = Join(dir->second, name);
  if (Ignored(rel)) return;
  if (mask & IN_ISDIR) {
    if (mask & IN_MOVED_FROM) UnwatchTree(rel);
    if (mask & (IN_CREATE | IN_MOVED_TO)) WatchTree(rel);
  }
  out.paths.push_back(rel);
}

}  // namespace shoal
