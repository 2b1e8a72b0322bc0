#include "net/reach/public_endpoint.h"

#include <sys/socket.h>

#include <string>
#include <utility>

namespace shoal::net {

PublicEndpointProbe::PublicEndpointProbe(std::string server, Callback done)
    : server_(std::move(server)), done_(std::move(done)) {}

PublicEndpointProbe::~PublicEndpointProbe() = default;

Result<std::unique_ptr<PublicEndpointProbe>> PublicEndpointProbe::Start(
    EventLoop& loop, const std::string& stun_server, int local_port,
    std::chrono::milliseconds timeout, Callback done) {
  std::unique_ptr<PublicEndpointProbe> probe(new PublicEndpointProbe(stun_server, std::move(done)));
  auto deadline = Timer::Create(loop);
  if (!deadline) return deadline.error();
  probe->deadline_ = std::move(*deadline);
  PublicEndpointProbe* self = probe.get();
  auto dial = TcpDialer::Start(
      loop, stun_server, timeout,
      [self](Result<UvHandle<uv_tcp_t>> connected) { self->OnConnected(std::move(connected)); },
      local_port);
  if (!dial) return dial.error().Wrap("public endpoint");
  probe->dial_ = std::move(*dial);
  probe->deadline_->Start(timeout, [self, timeout] {
    self->Finish(Fail(ErrorCode::kIo, "public endpoint: no answer from " + self->server_ +
                                          " within " + std::to_string(timeout.count()) + " ms"));
  });
  return probe;
}

void PublicEndpointProbe::OnConnected(Result<UvHandle<uv_tcp_t>> connected) {
  if (!connected) {
    Finish(connected.error().Wrap("public endpoint"));
    return;
  }
  // Closed with a reset, not a FIN: no TIME_WAIT on this port and server,
  // so the next probe can leave from the same port at once.
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(connected->get()), &fd) == 0) {
    const linger abort_on_close{.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
  }
  auto channel = StunChannel::Start(
      std::move(*connected), [this](Bytes message) { OnMessage(message); },
      [this](const Error& error) { Finish(error.Wrap("public endpoint: " + server_)); });
  if (!channel) {
    Finish(channel.error().Wrap("public endpoint"));
    return;
  }
  channel_ = std::move(*channel);
  stun::Message request;
  request.method = stun::Method::kBinding;
  request.transaction = transaction_ = stun::NewTransactionId();
  auto encoded = stun::Encode(request, {.integrity_key = {}, .fingerprint = true});
  if (!encoded) {
    Finish(encoded.error().Wrap("public endpoint"));
    return;
  }
  if (auto sent = channel_->Send(std::move(*encoded)); !sent) {
    Finish(sent.error().Wrap("public endpoint"));
  }
}

void PublicEndpointProbe::OnMessage(ByteSpan bytes) {
  auto message = stun::Decode(bytes);
  if (!message) {
    Finish(message.error().Wrap("public endpoint: " + server_));
    return;
  }
  if (message->transaction != transaction_) return;  // not ours: keep waiting
  if (message->method != stun::Method::kBinding || message->cls != stun::Class::kSuccess) {
    Finish(Fail(ErrorCode::kProtocol, "public endpoint: " + server_ + " refused the Binding"));
    return;
  }
  auto mapped = message->GetXorAddress(stun::attr::kXorMappedAddress);
  if (!mapped) mapped = message->GetMappedAddress();
  if (!mapped) {
    Finish(Fail(ErrorCode::kNotFound, "public endpoint: " + server_ + " named no mapped address"));
    return;
  }
  Finish(mapped->ToString());
}

void PublicEndpointProbe::Finish(Result<std::string> result) {
  dial_.reset();
  channel_.reset();
  deadline_->Stop();
  if (!done_) return;
  Callback done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));  // may destroy this
}

}  // namespace shoal::net
