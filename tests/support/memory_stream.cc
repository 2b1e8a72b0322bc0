#include "tests/support/memory_stream.h"

#include <uv.h>

#include <algorithm>
#include <deque>
#include <memory>

#include "core/base/check.h"
#include "net/loop/timer.h"

namespace shoal::testing {
namespace {

using net::ByteStream;

class MemoryStream;

// What the two ends share: one pipe per direction and the pump that moves
// bytes along them on the loop (a 0 ms timer, so never inside a caller).
struct Link : std::enable_shared_from_this<Link> {
  MemoryStream* end[2] = {nullptr, nullptr};
  std::deque<Bytes> pipe[2];          // written by end i, not yet read by the other
  std::size_t read_of_front[2] = {};  // bytes of pipe[i].front() already read
  bool fin[2] = {};                   // end i half-closed, after what is in pipe[i]
  bool fin_delivered[2] = {};         // ... and the other end has seen it
  std::unique_ptr<net::Timer> pump;
  std::size_t max_read = 0;

  void Schedule() {
    pump->Start(std::chrono::milliseconds(0), [this] { Pump(); });
  }
  void Pump();
  bool Flow(int side);
  void ReportClosed(int side);
};

class MemoryStream final : public ByteStream {
 public:
  MemoryStream(std::shared_ptr<Link> link, int side) : link_(std::move(link)), side_(side) {
    link_->end[side_] = this;
  }

  Result<void> Start(Listener* listener, WaterMarks marks) override {
    SHOAL_CHECK(!started_ && listener != nullptr, "MemoryStream::Start twice or to nobody");
    if (closing_) return Fail(ErrorCode::kIo, "start of a closing stream");
    started_ = true;
    listener_ = listener;
    marks_ = marks;
    link_->Schedule();  // anything the other end wrote before we started
    return {};
  }

  Result<void> Write(Bytes bytes) override {
    SHOAL_CHECK(!bytes.empty(), "MemoryStream::Write of nothing");
    if (closing_) return Fail(ErrorCode::kIo, "write on a closing stream");
    if (link_->fin[side_]) return Fail(ErrorCode::kIo, "write after shutdown");
    CountQueued(bytes.size());
    link_->pipe[side_].push_back(std::move(bytes));
    link_->Schedule();
    return {};
  }

  void Shutdown() override {
    if (closing_ || link_->fin[side_]) return;
    shutdown_requested_ = true;
    link_->fin[side_] = true;
    link_->Schedule();
  }

  void Close() override {
    if (closing_) return;
    closing_ = true;
    auto& pipe = link_->pipe[side_];
    while (!pipe.empty()) {  // never to be read: cancelled, as libuv does
      Bytes bytes = std::move(pipe.front());
      pipe.pop_front();
      FinishWrite(std::move(bytes), UV_ECANCELED);
    }
    link_->read_of_front[side_] = 0;
    link_->fin[side_] = true;  // closing sends EOF if Shutdown did not
    link_->Schedule();
  }

  void PauseReading() override {
    if (!closing_) paused_ = true;
  }
  void ResumeReading() override {
    if (!paused_) return;
    paused_ = false;
    link_->Schedule();
  }

  bool closing() const override { return closing_; }

 private:
  friend struct Link;
  ~MemoryStream() override { link_->end[side_] = nullptr; }

  void AbandonAndClose() override {
    listener_ = nullptr;
    abandoned_ = true;
    if (closed_ && !in_close_callback_) {
      delete this;
      return;
    }
    Close();
  }

  std::shared_ptr<Link> link_;
  int side_;
  bool started_ = false;
  bool paused_ = false;
  bool shutdown_requested_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool abandoned_ = false;
  bool in_close_callback_ = false;
};

void Link::Pump() {
  auto keep = shared_from_this();  // the ends may go during callbacks
  const bool more_forward = Flow(0);
  const bool more_back = Flow(1);
  ReportClosed(0);
  ReportClosed(1);
  if (more_forward || more_back) Schedule();  // what was written meanwhile
}

// Moves the writes end `side` had queued when the pump began (later ones
// wait a turn, so a chatty pair cannot starve the loop), then its EOF.
// True when writes are left that the next turn can move; a reader that has
// not started schedules the pump itself when it does.
bool Link::Flow(int side) {
  const int other = 1 - side;
  for (std::size_t count = pipe[side].size(); count > 0 && !pipe[side].empty(); --count) {
    MemoryStream* reader = end[other];
    const bool reset = reader == nullptr || reader->closing_;
    // Held until the reader starts or resumes (it schedules the pump then).
    if (!reset && (!reader->started_ || reader->paused_)) return false;
    std::size_t& at = read_of_front[side];
    while (!reset && at < pipe[side].front().size()) {
      reader = end[other];
      if (reader == nullptr || reader->closing_ || reader->listener_ == nullptr) break;
      const Bytes& front = pipe[side].front();
      const std::size_t from = at;
      const std::size_t size = std::min(max_read, front.size() - from);
      at += size;
      reader->listener_->OnRead(ByteSpan(front.data() + from, size));
      reader = end[other];
      if (reader != nullptr && !reader->closing_ && reader->paused_ &&
          at < pipe[side].front().size()) {
        return false;  // paused in the middle of a write: the rest waits
      }
    }
    at = 0;
    Bytes bytes = std::move(pipe[side].front());
    pipe[side].pop_front();
    if (MemoryStream* writer = end[side]) {
      writer->FinishWrite(std::move(bytes), reset ? UV_ECONNRESET : 0);
    }
  }
  if (!pipe[side].empty()) return true;
  if (!fin[side] || fin_delivered[side]) return false;
  MemoryStream* reader = end[other];
  if (reader != nullptr && !reader->closing_ && (!reader->started_ || reader->paused_)) {
    return false;
  }
  fin_delivered[side] = true;
  if (reader != nullptr && !reader->closing_ && reader->listener_ != nullptr) {
    reader->listener_->OnEof();
  }
  MemoryStream* writer = end[side];
  if (writer != nullptr && writer->shutdown_requested_ && !writer->closing_ &&
      writer->listener_ != nullptr) {
    writer->listener_->OnShutdown();
  }
  return false;
}

void Link::ReportClosed(int side) {
  MemoryStream* stream = end[side];
  if (stream == nullptr || !stream->closing_ || stream->closed_) return;
  stream->closed_ = true;
  if (stream->listener_ != nullptr) {
    stream->in_close_callback_ = true;
    stream->listener_->OnClosed();
    stream->in_close_callback_ = false;
  }
  if (stream->abandoned_) delete stream;
}

}  // namespace

std::pair<net::ByteStreamPtr, net::ByteStreamPtr> MemoryStreamPair(net::EventLoop& loop,
                                                                   MemoryStreamOptions options) {
  SHOAL_CHECK(options.max_read > 0, "MemoryStreamPair: max_read must be positive");
  auto link = std::make_shared<Link>();
  link->pump = std::move(net::Timer::Create(loop).value());
  link->max_read = options.max_read;
  net::ByteStreamPtr first(new MemoryStream(link, 0));
  net::ByteStreamPtr second(new MemoryStream(link, 1));
  return {std::move(first), std::move(second)};
}

}  // namespace shoal::testing
