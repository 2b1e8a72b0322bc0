// UvHandle<H>: the one owner of one heap libuv handle (uv_tcp_t, uv_udp_t,
// uv_timer_t, uv_signal_t, ...), in the spirit of CMake's cmUVHandlePtr.h:
// a move-only unique_ptr whose deleter closes the handle instead of
// deleting it. Whoever takes ownership takes a UvHandle by value. It lives
// in core/base, not net/loop, so that core/watch's Watcher and everything in
// net/ and cli/ share it: every libuv handle in the tree has this owner.
//
// Birth: only Init() makes a non-empty UvHandle. It allocates the H and runs
// the uv_*_init function it is given; if that fails, the memory is deleted
// at once, without uv_close (libuv registers a handle with its loop only
// when init succeeds, and closing an unregistered handle is undefined).
// So every handle a UvHandle holds is registered with its loop.
//
// Destruction rule: destroying a non-empty UvHandle, reset(), or assigning
// over it calls uv_close at once. From then on none of the handle's
// callbacks runs (requests still pending on it, such as writes, complete
// with UV_ECANCELED). The memory is deleted in the close callback, which
// libuv runs on a later turn of the loop, never inside uv_close; so an owner
// may drop its handle from inside one of that handle's callbacks.
// handle->data is left as the owner set it.
//
// The loop: the memory is freed only when the loop turns again (uv_run, or
// net/loop's EventLoop::Close(), which runs pending close callbacks first).
// A UvHandle must be gone before its loop is closed: while one is open
// uv_loop_close() fails with UV_EBUSY, so EventLoop::Close() reports kBusy
// and ~EventLoop aborts; the leak is caught rather than closed into a freed
// loop.
//
// Thread: the loop's thread only, destructor included.
#pragma once

#include <uv.h>

#include <memory>
#include <type_traits>
#include <utility>

#include "core/base/check.h"
#include "core/base/error.h"
#include "core/base/result.h"

namespace shoal {
namespace internal {

// The handle types UvHandle accepts (requests such as uv_write_t are not
// handles); add a line to own another.
template <typename H>
inline constexpr uv_handle_type kUvHandleType = UV_UNKNOWN_HANDLE;
template <>
inline constexpr uv_handle_type kUvHandleType<uv_async_t> = UV_ASYNC;
template <>
inline constexpr uv_handle_type kUvHandleType<uv_pipe_t> = UV_NAMED_PIPE;
template <>
inline constexpr uv_handle_type kUvHandleType<uv_poll_t> = UV_POLL;
template <>
inline constexpr uv_handle_type kUvHandleType<uv_signal_t> = UV_SIGNAL;
template <>
inline constexpr uv_handle_type kUvHandleType<uv_tcp_t> = UV_TCP;
template <>
inline constexpr uv_handle_type kUvHandleType<uv_timer_t> = UV_TIMER;
template <>
inline constexpr uv_handle_type kUvHandleType<uv_udp_t> = UV_UDP;

// kIo "init tcp handle: <libuv's message>".
Error UvInitError(uv_handle_type type, int status);

}  // namespace internal

template <typename H>
class UvHandle {
  static constexpr uv_handle_type kType = internal::kUvHandleType<H>;
  static_assert(kType != UV_UNKNOWN_HANDLE, "UvHandle owns libuv handle types only");

 public:
  // Allocates an H and runs `init(loop, handle, args...)`, one of libuv's
  // uv_*_init functions:
  //   auto tcp = UvHandle<uv_tcp_t>::Init(loop, uv_tcp_init);
  //   auto udp = UvHandle<uv_udp_t>::Init(loop, uv_udp_init_ex, AF_INET6);
  // Fails with kIo (see internal::UvInitError) when init does.
  template <typename... Params, typename... Args>
  static Result<UvHandle> Init(uv_loop_t* loop, int (*init)(uv_loop_t*, H*, Params...),
                               Args&&... args) {
    auto handle = std::make_unique<H>();  // plain memory until init succeeds
    if (int rc = init(loop, handle.get(), std::forward<Args>(args)...); rc != 0) {
      return internal::UvInitError(kType, rc);
    }
    return UvHandle(handle.release());
  }
  // Takes back a handle that release() handed out: initialised, not closing,
  // owned by nobody else.
  static UvHandle Adopt(H* handle) {
    SHOAL_CHECK(
        handle == nullptr || (AsHandle(handle)->type == kType && !uv_is_closing(AsHandle(handle))),
        "UvHandle::Adopt wants an open handle of its type");
    return UvHandle(handle);
  }

  UvHandle() noexcept = default;  // empty
  UvHandle(UvHandle&&) noexcept = default;
  UvHandle& operator=(UvHandle&&) noexcept = default;  // closes what it held

  H* get() const noexcept { return handle_.get(); }
  H* operator->() const noexcept { return handle_.get(); }
  explicit operator bool() const noexcept { return handle_ != nullptr; }
  uv_handle_t* handle() const noexcept { return AsHandle(handle_.get()); }
  uv_stream_t* stream() const noexcept
      requires(std::is_same_v<H, uv_tcp_t> || std::is_same_v<H, uv_pipe_t>) {
    return reinterpret_cast<uv_stream_t*>(handle_.get());
  }

  // Closes the handle now (if any) and leaves this owner empty; the memory
  // goes in the close callback (see the destruction rule above).
  void reset() noexcept { handle_.reset(); }
  // Closes like reset(), and in the close callback calls `OnClosed(handle)`
  // (with handle->data as the owner left it) before freeing the memory: for
  // an owner that must hear when the handle is really closed.
  template <void (*OnClosed)(H*) noexcept>
  void Close() noexcept {
    if (H* handle = handle_.release()) CloseNow(handle, &NotifyAndFree<OnClosed>);
  }
  // Hands the handle out without closing it and leaves this owner empty.
  // The caller owns it: give it to Adopt(), or close it and delete it in
  // the close callback.
  [[nodiscard]] H* release() noexcept { return handle_.release(); }

 private:
  struct Closer {
    void operator()(H* handle) const noexcept { CloseNow(handle, &Free); }
  };

  explicit UvHandle(H* handle) noexcept : handle_(handle) {}

  static uv_handle_t* AsHandle(H* handle) noexcept {
    return reinterpret_cast<uv_handle_t*>(handle);
  }
  static void CloseNow(H* handle, uv_close_cb on_closed) noexcept {
    SHOAL_CHECK(!uv_is_closing(AsHandle(handle)), "a UvHandle's handle was closed behind its back");
    uv_close(AsHandle(handle), on_closed);
  }
  static void Free(uv_handle_t* closed) noexcept { delete reinterpret_cast<H*>(closed); }
  template <void (*OnClosed)(H*) noexcept>
  static void NotifyAndFree(uv_handle_t* closed) noexcept {
    OnClosed(reinterpret_cast<H*>(closed));
    Free(closed);
  }

  std::unique_ptr<H, Closer> handle_;
};

}  // namespace shoal
