// FdHold: keeps a library that closes one of its descriptors twice from
// closing somebody else's.
//
// Debian's libwebsockets 4.1 closes its cancel pipe (an eventfd) in the
// first lws_context_destroy() and again when the pipe's uv handle has
// closed, a loop iteration or more later. Whatever the process opens in
// between takes the freed number and is closed by the second call: a
// daemon whose GUI port was taken (its context made and ended at start)
// lost a descriptor libuv was about to watch, and libuv aborted on
// epoll_ctl. Any other descriptor (a file being written) could be hit the
// same way.
//
// NoteBefore() and NoteAfter() bracket the library's set-up: the numbers
// that appeared are its own. Hold(), right after the call that may close
// one too early, puts a placeholder at each of those numbers that is now
// free, so the second close lands on the placeholder. The destructor closes
// placeholders the library left. A descriptor another thread opens in the
// microseconds between the library's first close and Hold() is not
// covered.
//
// Thread: any one thread.
#pragma once

#include <vector>

namespace shoal::net {

class FdHold {
 public:
  FdHold() = default;
  FdHold(const FdHold&) = delete;
  FdHold& operator=(const FdHold&) = delete;
  ~FdHold();

  void NoteBefore();
  void NoteAfter();
  void Hold();

 private:
  std::vector<int> before_;
  std::vector<int> noted_;  // the library's descriptors
  std::vector<int> held_;   // numbers holding a placeholder
  int placeholder_ = -1;    // a memfd: its inode tells a placeholder apart
};

}  // namespace shoal::net
