#include "net/peer/tcp_dialer.h"

#include <netdb.h>

#include <cstring>
#include <string>

#include "net/peer/shared_port.h"
#include "net/peer/socket_address.h"

namespace shoal::net {

// `owner` is cleared when the dialer gives up on the request; libuv still
// calls back (with UV_ECANCELED or a late result), and the callback frees it.
struct TcpDialer::Resolve {
  uv_getaddrinfo_t request{};
  TcpDialer* owner = nullptr;
};

// Cancelling closes `tcp` and clears `owner`; the connect callback follows
// with UV_ECANCELED and frees the Attempt.
struct TcpDialer::Attempt {
  uv_connect_t request{};
  UvHandle<uv_tcp_t> tcp;
  TcpDialer* owner = nullptr;
};

TcpDialer::TcpDialer(EventLoop& loop, std::string address, Callback done)
    : loop_(loop), address_(std::move(address)), done_(std::move(done)) {}

TcpDialer::~TcpDialer() { Abandon(); }

Result<std::unique_ptr<TcpDialer>> TcpDialer::Start(EventLoop& loop, const std::string& address,
                                                    std::chrono::milliseconds timeout,
                                                    Callback done, int local_port) {
  auto split = SplitHostPort(address);
  if (!split) return split.error().Wrap("dial");
  std::unique_ptr<TcpDialer> dialer(new TcpDialer(loop, address, std::move(done)));
  dialer->local_port_ = local_port;
  auto deadline = Timer::Create(loop);
  if (!deadline) return deadline.error();
  dialer->deadline_ = std::move(*deadline);
  auto kick = Timer::Create(loop);
  if (!kick) return kick.error();
  dialer->kick_ = std::move(*kick);

  TcpDialer* self = dialer.get();
  self->deadline_->Start(timeout, [self, timeout] {
    self->Finish(Fail(ErrorCode::kIo, "dial " + self->address_ + ": no connection within " +
                                          std::to_string(timeout.count()) + " ms"));
  });
  if (auto numeric = NumericAddress(split->host, split->port)) {
    self->candidates_.push_back(*numeric);
    self->kick_->Start(std::chrono::milliseconds(0), [self] { self->ConnectNext(); });
    return dialer;
  }
  auto* resolve = new Resolve;
  resolve->owner = self;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  const std::string port = std::to_string(split->port);
  int rc = uv_getaddrinfo(
      loop.get(), &resolve->request,
      [](uv_getaddrinfo_t* request, int status, addrinfo* results) noexcept {
        auto* finished = reinterpret_cast<Resolve*>(request);
        TcpDialer* owner = finished->owner;
        delete finished;
        if (owner != nullptr) {
          owner->resolve_ = nullptr;
          owner->OnResolved(status, results);  // may destroy the owner
        }
        uv_freeaddrinfo(results);
      },
      split->host.c_str(), port.c_str(), &hints);
  if (rc != 0) {
    delete resolve;
    return Fail(ErrorCode::kIo, "dial " + address + ": uv_getaddrinfo: " + uv_strerror(rc));
  }
  self->resolve_ = resolve;
  return dialer;
}

void TcpDialer::OnResolved(int status, const addrinfo* results) {
  if (status != 0) {
    const ErrorCode code = status == UV_EAI_NONAME ? ErrorCode::kNotFound : ErrorCode::kIo;
    Finish(Fail(code, "dial " + address_ + ": cannot resolve the host: " + uv_strerror(status)));
    return;
  }
  for (const addrinfo* it = results; it != nullptr; it = it->ai_next) {
    if (it->ai_family != AF_INET && it->ai_family != AF_INET6) continue;
    sockaddr_storage storage{};
    std::memcpy(&storage, it->ai_addr, it->ai_addrlen);
    candidates_.push_back(storage);
  }
  last_error_ = "the name has no IPv4 or IPv6 address";
  ConnectNext();
}

void TcpDialer::ConnectNext() {
  while (next_candidate_ < candidates_.size()) {
    const sockaddr_storage& target = candidates_[next_candidate_++];
    auto tcp = local_port_ != 0 ? BindSharedPort(loop_, AnyAddress(target.ss_family, local_port_))
                                : UvHandle<uv_tcp_t>::Init(loop_.get(), uv_tcp_init);
    if (!tcp) {
      last_error_ = tcp.error().message;
      continue;
    }
    auto attempt = std::make_unique<Attempt>();
    attempt->tcp = std::move(*tcp);
    attempt->owner = this;
    int rc = uv_tcp_connect(&attempt->request, attempt->tcp.get(),
                            reinterpret_cast<const sockaddr*>(&target),
                            [](uv_connect_t* request, int status) noexcept {
                              auto* done = reinterpret_cast<Attempt*>(request);
                              if (done->owner == nullptr) {
                                delete done;  // cancelled: the handle is already closing
                                return;
                              }
                              done->owner->OnConnected(done, status);
                            });
    if (rc != 0) {
      last_error_ = uv_strerror(rc);
      continue;  // the attempt and its handle go
    }
    attempt_ = attempt.release();  // libuv calls back for it
    return;
  }
  Finish(Fail(ErrorCode::kIo, "dial " + address_ + ": " + last_error_));
}

void TcpDialer::OnConnected(Attempt* attempt, int status) {
  attempt_ = nullptr;
  UvHandle<uv_tcp_t> tcp = std::move(attempt->tcp);
  delete attempt;
  if (status == 0) {
    Finish(std::move(tcp));
    return;
  }
  tcp.reset();  // closed before the next address is tried
  last_error_ = uv_strerror(status);
  ConnectNext();
}

void TcpDialer::Finish(Result<UvHandle<uv_tcp_t>> result) {
  Abandon();
  deadline_->Stop();
  kick_->Stop();
  // Cannot happen (every path finishes once); a handle in `result` closes.
  if (!done_) return;
  Callback done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));  // may destroy this
}

void TcpDialer::Abandon() {
  if (resolve_ != nullptr) {
    resolve_->owner = nullptr;
    uv_cancel(reinterpret_cast<uv_req_t*>(&resolve_->request));  // fails if already running
    resolve_ = nullptr;
  }
  if (attempt_ != nullptr) {
    attempt_->owner = nullptr;
    attempt_->tcp.reset();  // the connect callback follows with UV_ECANCELED
    attempt_ = nullptr;
  }
}

}  // namespace shoal::net
