// InotifySource: Linux inotify watches on one folder tree, read into
// folder-relative changed paths (DESIGN.md "Change detection").
//
// Open() watches the root and every directory beneath it that `ignore` does
// not exclude (symlinks are never followed). Read() drains the queued events
// without blocking: a created or moved-in directory is watched at once,
// subtree included, and reported by its own path (what was created inside
// it before its watch existed is found by scanning that path); a directory
// moved away or deleted loses its watches; a move reports the old and the
// new name. The descriptor is non-blocking, for a poller (core/watch/watcher.h).
//
// Degraded mode: when inotify_add_watch fails with ENOSPC (the user's watch
// limit) or `max_watches` is reached, or the root itself goes away, part of
// the tree is no longer watched: degraded() turns true for good, with a
// reason sentence for status, and a full rescan is requested once. A queue
// overflow (events lost) requests a full rescan and re-walks the tree to
// catch directories it missed, but is not degraded: watching goes on intact.
//
// Thread: one thread at a time. Owns the inotify descriptor (closed by the
// destructor).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/base/scoped_fd.h"

namespace shoal {

struct InotifyOptions {
  // True for a folder-relative name that must be neither reported nor, if
  // it is a directory, watched. May be empty.
  std::function<bool(const std::string& rel_name)> ignore;
  // Watches at most this many directories (0: only the kernel's limit);
  // one more behaves like ENOSPC. Lets tests reach the limit on purpose.
  std::size_t max_watches = 0;
};

// What one Read() found.
struct InotifyOutput {
  std::vector<std::string> paths;  // in event order, may repeat
  std::optional<std::string> full_rescan_reason;
};

class InotifySource {
 public:
  // Fails with kNotFound if `root` does not exist, kIo if inotify is unusable.
  static Result<std::unique_ptr<InotifySource>> Open(const std::string& root,
                                                     InotifyOptions options);
  InotifySource(const InotifySource&) = delete;
  InotifySource& operator=(const InotifySource&) = delete;

  int fd() const { return fd_.get(); }
  // Reads every queued event (stops at EAGAIN, or after a bounded amount so
  // one burst cannot monopolise the caller) and appends what it means to `out`.
  Result<void> Read(InotifyOutput& out);

  bool degraded() const { return degraded_; }
  const std::string& degraded_reason() const { return degraded_reason_; }
  std::size_t watch_count() const { return by_wd_.size(); }
  // Walks the whole tree again and watches directories not watched yet
  // (after the ignore rules changed to include more). Watches of newly
  // ignored directories stay; `ignore` filters their events.
  void Rewalk() { WatchTree(""); }
  // A full rescan requested outside Read() (by Open() or Rewalk() hitting
  // the watch limit); handed out once.
  std::optional<std::string> TakePendingRescan() { return std::exchange(pending_rescan_, {}); }

 private:
  InotifySource(std::string root, InotifyOptions options, ScopedFd fd)
      : root_(std::move(root)), options_(std::move(options)), fd_(std::move(fd)) {}

  bool Ignored(const std::string& rel) const;
  std::string Absolute(const std::string& rel) const;
  // Watches `rel` and the directories beneath it; false if `rel` itself
  // could not be watched.
  bool WatchTree(const std::string& rel);
  // Adds one watch; false on failure (ENOSPC turns degraded on).
  bool AddWatch(const std::string& rel);
  void UnwatchTree(const std::string& rel);
  void Forget(int wd);
  void Degrade(std::string reason);
  void RequestRescan(std::string reason);
  void Handle(int wd, std::uint32_t mask, const std::string& name, InotifyOutput& out);

  std::string root_;
  InotifyOptions options_;
  ScopedFd fd_;
  int root_wd_ = -1;
  std::unordered_map<int, std::string> by_wd_;  // watch → folder-relative dir ("" = root)
  std::map<std::string, int> by_path_;          // ordered: a subtree is one range
  bool degraded_ = false;
  std::string degraded_reason_;
  std::optional<std::string> pending_rescan_;  // handed out by Read() or TakePendingRescan()
};

}  // namespace shoal
