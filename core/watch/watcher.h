// Watcher: change detection for one folder on a libuv loop (DESIGN.md
// "Change detection"). An InotifySource's descriptor is polled with a
// uv_poll_t; changed paths go through a Coalescer, and a uv_timer_t armed
// only while a batch is pending delivers it: after `quiet` without a new
// event, at the latest `max_delay` after the batch's first event. Nothing
// runs while nothing changes.
//
// Batches are for Scanner::ScanPaths (folder-relative names; a directory
// stands for everything beneath it). A batch with full_rescan set means
// events were lost or part of the tree is unwatched: scan everything.
// degraded() and degraded_reason() tell status when watching is partial for
// good (watch limit reached, root gone); the daemon's periodic full rescan
// is then what catches changes in unwatched directories.
//
// Lifetime: the source and the poll and timer handles live in one heap
// block, each handle owned by a UvHandle (core/base/uv_handle.h). Stop() and
// destruction free the block at once: both handles are closed (uv_close)
// and the inotify descriptor too before they return, and from then on no
// callback of the Watcher runs, `on_batch` included. Either may happen
// inside `on_batch`. The handles' memory is freed in their close callbacks
// on the loop's next turn, so the loop may be closed after that turn
// (EventLoop::Close() runs it first).
//
// Thread: the loop's thread only.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/watch/coalescer.h"

namespace shoal {

struct WatcherOptions {
  std::chrono::milliseconds quiet{20};
  std::chrono::milliseconds max_delay{500};
  // Names never reported nor, for directories, watched: the puller's
  // ".shoal.tmp.*" files, ignored directories. May be empty.
  std::function<bool(const std::string& rel_name)> ignore;
  // Events the daemon caused itself (the puller's writes): not reported,
  // but a directory it created is watched all the same. Asked only for a
  // path not already in the pending batch. May be empty.
  std::function<bool(const std::string& rel_name)> own_write;
  // At most this many watched directories (0: the kernel's limit only);
  // tests use it to reach the watch limit on purpose.
  std::size_t max_watches = 0;
};

class Watcher {
 public:
  Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;
  ~Watcher();

  // Watches `root` recursively and starts delivering batches. If the watch
  // limit is hit already, a full-rescan batch follows at once. Fails with
  // kNotFound when `root` is missing, kIo when inotify or libuv fail; calling
  // it on a started Watcher is a programming error.
  Result<void> Start(uv_loop_t* loop, const std::string& root, WatcherOptions options,
                     std::function<void(WatchBatch)> on_batch);
  // Closes the handles and the descriptor now (see Lifetime); no-op if the
  // Watcher was never started or is already stopped.
  void Stop();

  // Watches directories the ignore rules no longer exclude (call after
  // .shoalignore changed). No-op unless started.
  void Rewalk();

  bool started() const { return block_ != nullptr; }
  bool degraded() const;
  std::string degraded_reason() const;  // empty unless degraded()
  std::size_t watch_count() const;
  // Times the inotify descriptor was read since Start (tests: a file being
  // written is read in bursts, not once per write).
  std::uint64_t reads() const;

 private:
  struct Block;
  std::unique_ptr<Block> block_;
};

}  // namespace shoal
