// UvHandle: closed by its owner and freed when the loop turns, an
// uninitialised handle freed without uv_close, moves, reset, release and
// Adopt, Close<OnClosed>, and a loop that closes once every owner is gone.
// Frees are checked by ASan's leak check in the sanitizer build; here by
// the handles libuv still lists (uv_walk also lists closing ones).
#include "core/base/uv_handle.h"

#include <sys/socket.h>

#include <catch2/catch.hpp>

#include <memory>
#include <utility>
#include <vector>

namespace shoal {
namespace {

// Handles registered with `loop`, closing ones included.
int ListedHandles(uv_loop_t* loop) {
  int count = 0;
  uv_walk(
      loop, [](uv_handle_t*, void* total) noexcept { ++*static_cast<int*>(total); }, &count);
  return count;
}

// A bare libuv loop (core/ has no EventLoop): Close() runs the close
// callbacks already queued, then reports uv_loop_close(), 0 or UV_EBUSY.
class Loop {
 public:
  Loop() { SHOAL_CHECK(uv_loop_init(&loop_) == 0, "uv_loop_init"); }
  uv_loop_t* get() { return &loop_; }
  void Run() { uv_run(&loop_, UV_RUN_DEFAULT); }
  int Close() {
    uv_run(&loop_, UV_RUN_NOWAIT);
    return uv_loop_close(&loop_);
  }

 private:
  uv_loop_t loop_{};
};

std::unique_ptr<Loop> NewLoop() { return std::make_unique<Loop>(); }

UvHandle<uv_timer_t> NewTimer(Loop& loop) {
  return UvHandle<uv_timer_t>::Init(loop.get(), uv_timer_init).value();
}

uv_timer_t* failing_init_saw = nullptr;
int FailingTimerInit(uv_loop_t*, uv_timer_t* handle) {
  failing_init_saw = handle;
  return UV_EMFILE;
}

int closed_calls = 0;
void* closed_data = nullptr;
void CountClosed(uv_timer_t* handle) noexcept {
  ++closed_calls;
  closed_data = handle->data;
}

void Sink(UvHandle<uv_timer_t> /*taken*/) {}

}  // namespace

TEST_CASE("a handle its owner drops is closed at once and freed when the loop turns",
          "[base][uv_handle]") {
  auto loop = NewLoop();
  int fired = 0;
  {
    UvHandle<uv_timer_t> timer = NewTimer(*loop);
    timer->data = &fired;
    REQUIRE(uv_timer_start(
                timer.get(), [](uv_timer_t* t) noexcept { ++*static_cast<int*>(t->data); }, 0, 0) ==
            0);
    CHECK(ListedHandles(loop->get()) == 1);
  }
  // Closing, not yet freed: the close callback waits for the next turn.
  REQUIRE(ListedHandles(loop->get()) == 1);
  loop->Run();
  CHECK(fired == 0);  // closed before it could fire
  CHECK(ListedHandles(loop->get()) == 0);
  CHECK(loop->Close() == 0);
}

TEST_CASE("a handle whose init fails is freed without uv_close and never reaches the loop",
          "[base][uv_handle]") {
  auto loop = NewLoop();
  auto udp = UvHandle<uv_udp_t>::Init(loop->get(), uv_udp_init_ex, 0x7fu);  // not a family
  REQUIRE_FALSE(udp.has_value());
  CHECK(udp.error().code == ErrorCode::kIo);
  CHECK(udp.error().message == std::string("init udp handle: ") + uv_strerror(UV_EINVAL));

  auto timer = UvHandle<uv_timer_t>::Init(loop->get(), FailingTimerInit);
  REQUIRE_FALSE(timer.has_value());
  CHECK(failing_init_saw != nullptr);  // it had memory to initialise
  CHECK(timer.error().message == std::string("init timer handle: ") + uv_strerror(UV_EMFILE));

  // Nothing was registered, so nothing waits for a close callback.
  CHECK(ListedHandles(loop->get()) == 0);
  CHECK_FALSE(uv_loop_alive(loop->get()));
  CHECK(loop->Close() == 0);
}

TEST_CASE("moving a UvHandle moves ownership, and assigning over one closes what it held",
          "[base][uv_handle]") {
  auto loop = NewLoop();
  UvHandle<uv_timer_t> first = NewTimer(*loop);
  uv_timer_t* raw = first.get();
  UvHandle<uv_timer_t> second = std::move(first);
  CHECK_FALSE(first);  // NOLINT(bugprone-use-after-move): a moved-from UvHandle is empty
  CHECK(second.get() == raw);
  CHECK_FALSE(uv_is_closing(second.handle()));

  UvHandle<uv_timer_t> third = NewTimer(*loop);
  uv_timer_t* replaced = third.get();
  third = std::move(second);
  CHECK(third.get() == raw);
  CHECK(uv_is_closing(reinterpret_cast<uv_handle_t*>(replaced)));  // freed on the next turn
  CHECK_FALSE(uv_is_closing(third.handle()));

  // Taken by value: the callee owns it, and closes it when it is done.
  Sink(std::move(third));
  CHECK_FALSE(third);  // NOLINT(bugprone-use-after-move)
  CHECK(uv_is_closing(reinterpret_cast<uv_handle_t*>(raw)));
  CHECK(ListedHandles(loop->get()) == 2);
  CHECK(loop->Close() == 0);
}

TEST_CASE("reset closes and empties, release hands the handle out open, Adopt takes it back",
          "[base][uv_handle]") {
  auto loop = NewLoop();
  UvHandle<uv_timer_t> timer = NewTimer(*loop);
  timer.reset();
  CHECK_FALSE(timer);
  timer.reset();  // empty: nothing to close

  UvHandle<uv_timer_t> kept = NewTimer(*loop);
  uv_timer_t* raw = kept.release();
  CHECK_FALSE(kept);
  CHECK_FALSE(uv_is_closing(reinterpret_cast<uv_handle_t*>(raw)));
  CHECK(loop->Close() == UV_EBUSY);  // the released handle is still open

  UvHandle<uv_timer_t> back = UvHandle<uv_timer_t>::Adopt(raw);
  CHECK(back.get() == raw);
  back.reset();
  CHECK(loop->Close() == 0);
}

TEST_CASE("Close<OnClosed> reports the close on a later loop turn, then frees",
          "[base][uv_handle]") {
  auto loop = NewLoop();
  closed_calls = 0;
  int marker = 0;
  UvHandle<uv_timer_t> timer = NewTimer(*loop);
  timer->data = &marker;
  timer.Close<&CountClosed>();
  CHECK_FALSE(timer);
  CHECK(closed_calls == 0);  // never inside uv_close
  loop->Run();
  CHECK(closed_calls == 1);
  CHECK(closed_data == &marker);
  CHECK(loop->Close() == 0);
}

TEST_CASE("an owner may drop its handle from inside the handle's own callback",
          "[base][uv_handle]") {
  auto loop = NewLoop();
  struct Owner {
    UvHandle<uv_timer_t> timer;
    int fired = 0;
  } owner{NewTimer(*loop)};
  owner.timer->data = &owner;
  REQUIRE(uv_timer_start(
              owner.timer.get(),
              [](uv_timer_t* t) noexcept {
                auto* self = static_cast<Owner*>(t->data);
                ++self->fired;
                self->timer.reset();  // `t` stays valid until this returns
              },
              0, 1) == 0);
  loop->Run();  // returns: the closed repeating timer keeps nothing alive
  CHECK(owner.fired == 1);
  CHECK_FALSE(owner.timer);
  CHECK(loop->Close() == 0);
}

TEST_CASE("a loop closes with uv_loop_close() == 0 once every owner is gone", "[base][uv_handle]") {
  uv_loop_t loop{};
  REQUIRE(uv_loop_init(&loop) == 0);
  {
    std::vector<UvHandle<uv_timer_t>> timers;
    for (int i = 0; i < 3; ++i)
      timers.push_back(UvHandle<uv_timer_t>::Init(&loop, uv_timer_init).value());
    auto tcp = UvHandle<uv_tcp_t>::Init(&loop, uv_tcp_init);
    auto udp = UvHandle<uv_udp_t>::Init(&loop, uv_udp_init_ex, unsigned{AF_INET});
    auto signal = UvHandle<uv_signal_t>::Init(&loop, uv_signal_init);
    auto pipe = UvHandle<uv_pipe_t>::Init(&loop, uv_pipe_init, 0);
    REQUIRE((tcp && udp && signal && pipe));
    CHECK(uv_loop_close(&loop) == UV_EBUSY);
  }
  uv_run(&loop, UV_RUN_NOWAIT);  // the close callbacks free every handle
  CHECK(ListedHandles(&loop) == 0);
  CHECK(uv_loop_close(&loop) == 0);
}

}  // namespace shoal
