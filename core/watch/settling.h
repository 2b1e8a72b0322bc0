// Settling: which changed files to leave alone until their writer is done
// (DESIGN.md "Change detection"; docs/user-guide.md "While a file is being
// written").
//
// A large file being written (a copy, a download, an export) sends the
// watcher events for as long as it grows: a batch every max_delay. Reading
// the whole file for each batch costs work in proportion to its size per
// batch, so quadratic in all (writing 1 GB cost 6 s of CPU and 11 GB of
// reads), and can index a partial file. So a file of at least `min_bytes`
// is read again only once its writer has left it alone for `settle`, when
// it either
//   - changed while it was being read (the scanner reports it unstable), or
//   - is in a watcher batch again less than `reread_gap` after the batch
//     that last read it (a writer still at it: the watcher cuts a batch
//     every max_delay while events keep coming; edits further apart
//     are each read at once).
// Until then it is checked by its metadata only (one stat per check), and
// left out of watcher batches. A waiting path is let go at once when it is
// gone or no longer a large regular file, or its mtime is ahead of the
// clock by more than `settle` (set by its writer, so done). A file that is
// never left alone (a log appended to all the time) is read all the same
// once it has waited kMaxWaitBase plus 1 s per 100 MB of its size, so that
// reading it costs at most a few percent of the time. A single quick edit,
// and any small file, is read at once as before.
//
// Pure logic on the caller's clock (Unix nanoseconds, the clock that file
// mtimes are compared with) and a stat function: no timer, no thread.
//
// Thread: whoever owns it (the folder runner's loop thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/fs/file_system.h"

namespace shoal {

// How long a file that is never left alone waits at most: this plus
// kMaxWaitPerByteNs for each byte of it.
inline constexpr std::chrono::nanoseconds kMaxWaitBase = std::chrono::seconds(10);
inline constexpr std::int64_t kMaxWaitPerByteNs = 10;

class Settling {
 public:
  using StatFn = std::function<Result<FileStat>(const std::string& path)>;

  Settling(std::chrono::nanoseconds settle, std::chrono::nanoseconds reread_gap,
           std::int64_t min_bytes)
      : settle_ns_(settle.count()), reread_gap_ns_(reread_gap.count()), min_bytes_(min_bytes) {}

  // The paths of a watcher batch to scan now; the others wait. Paths
  // already waiting are left out.
  std::vector<std::string> Admit(std::vector<std::string> paths, std::int64_t now_ns,
                                 const StatFn& stat);
  // `paths` without those waiting, for a rescan that is not a sign of
  // writing (a racy re-read): nothing is recorded.
  std::vector<std::string> NotWaiting(std::vector<std::string> paths) const;
  // Paths a scan found changing while it read them: they wait.
  void AddUnstable(const std::vector<std::string>& paths, std::int64_t now_ns);
  // The waiting paths to scan now: left alone for `settle` (by their mtime),
  // gone, or no longer large regular files. `next_ns` gets when the next of
  // the rest is due (nothing when none waits).
  std::vector<std::string> TakeSettled(std::int64_t now_ns, const StatFn& stat,
                                       std::optional<std::int64_t>& next_ns);

  std::size_t waiting() const { return waiting_.size(); }

 private:
  // A regular file of at least min_bytes.
  bool Large(const Result<FileStat>& st) const;

  std::int64_t settle_ns_;
  std::int64_t reread_gap_ns_;
  std::int64_t min_bytes_;
  std::map<std::string, std::int64_t> waiting_;  // path -> waiting since
  // When a watcher batch last had each path read, for `reread_gap` (older
  // entries are dropped at the next Admit).
  std::map<std::string, std::int64_t> last_read_;
};

}  // namespace shoal
