#include "net/peer/tcp_dialer.h"

#include <netdb.h>

#include <cstring>
#include <string>

#include "net/peer/socket_address.h"

namespace shoal::net {
namespace {

void CloseAndFree(uv_tcp_t* tcp) {
  tcp->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(tcp),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_tcp_t*>(handle); });
}

}  // namespace

// `owner` is cleared when the dialer gives up on the request; libuv still
// calls back (with UV_ECANCELED or a late result), and the callback frees it.
struct TcpDialer::Resolve {
  uv_getaddrinfo_t request{};
  TcpDialer* owner = nullptr;
};

struct TcpDialer::Attempt {
  uv_connect_t request{};
  uv_tcp_t* tcp = nullptr;
  TcpDialer* owner = nullptr;
};

TcpDialer::TcpDialer(EventLoop& loop, std::string address, Callback done)
    : loop_(loop), address_(std::move(address)), done_(std::move(done)) {}

TcpDialer::~TcpDialer() { Abandon(); }

Result<std::unique_ptr<TcpDialer>> TcpDialer::Start(EventLoop& loop, const std::string& address,
                                                    std::chrono::milliseconds timeout,
                                                    Callback done) {
  auto split = SplitHostPort(address);
  if (!split) return split.error().Wrap("dial");
  std::unique_ptr<TcpDialer> dialer(new TcpDialer(loop, address, std::move(done)));
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
      [](uv_getaddrinfo_t* request, int status, addrinfo* results) {
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
    auto* tcp = new uv_tcp_t;
    if (int rc = uv_tcp_init(loop_.get(), tcp); rc != 0) {
      delete tcp;
      last_error_ = uv_strerror(rc);
      continue;
    }
    auto* attempt = new Attempt;
    attempt->tcp = tcp;
    attempt->owner = this;
    int rc = uv_tcp_connect(&attempt->request, tcp, reinterpret_cast<const sockaddr*>(&target),
                            [](uv_connect_t* request, int status) {
                              auto* done = reinterpret_cast<Attempt*>(request);
                              if (done->owner == nullptr) {
                                delete done;  // cancelled: the handle is already closing
                                return;
                              }
                              done->owner->OnConnected(done, status);
                            });
    if (rc != 0) {
      delete attempt;
      CloseAndFree(tcp);
      last_error_ = uv_strerror(rc);
      continue;
    }
    attempt_ = attempt;
    return;
  }
  Finish(Fail(ErrorCode::kIo, "dial " + address_ + ": " + last_error_));
}

void TcpDialer::OnConnected(Attempt* attempt, int status) {
  attempt_ = nullptr;
  uv_tcp_t* tcp = attempt->tcp;
  delete attempt;
  if (status == 0) {
    Finish(tcp);
    return;
  }
  CloseAndFree(tcp);
  last_error_ = uv_strerror(status);
  ConnectNext();
}

void TcpDialer::Finish(Result<uv_tcp_t*> result) {
  Abandon();
  deadline_->Stop();
  kick_->Stop();
  if (!done_) {  // cannot happen: every path finishes once; never leak a handle
    if (result) CloseAndFree(*result);
    return;
  }
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
    CloseAndFree(attempt_->tcp);  // the connect callback follows with UV_ECANCELED
    attempt_ = nullptr;
  }
}

}  // namespace shoal::net
