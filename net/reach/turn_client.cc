// The control connection: allocation, refresh, permissions, keepalive and
// the request/response bookkeeping (data connections: turn_data.cc).
#include "net/reach/turn_client.h"

#include <random>

#include "core/base/log.h"
#include "net/reach/turn_client_internal.h"

namespace shoal::net {

TurnClient::TurnClient(EventLoop& loop, TurnServer server, Delegate& delegate, TurnOptions options)
    : loop_(loop),
      server_(std::move(server)),
      delegate_(delegate),
      options_(options),
      backoff_({.min = options.backoff_min, .max = options.backoff_max}, std::random_device{}()) {}

TurnClient::~TurnClient() {
  *alive_ = false;
  // Requests and links hold callbacks into callers; drop them unanswered.
  requests_.clear();
  links_.clear();
}

Result<std::unique_ptr<TurnClient>> TurnClient::Start(EventLoop& loop, TurnServer server,
                                                      Delegate& delegate, TurnOptions options) {
  std::unique_ptr<TurnClient> client(new TurnClient(loop, std::move(server), delegate, options));
  for (auto* timer :
       {&client->retry_, &client->refresh_, &client->permissions_, &client->keepalive_}) {
    auto made = Timer::Create(loop);
    if (!made) return made.error();
    *timer = std::move(*made);
  }
  // The first attempt on the next turn, so no delegate call comes from here.
  client->retry_->Start(std::chrono::milliseconds(0), [c = client.get()] { c->Connect(); });
  return client;
}

void TurnClient::Connect() {
  credentials_ = MakeCredentials(server_, std::chrono::system_clock::now());
  realm_.clear();
  nonce_.clear();
  auto dial = TcpDialer::Start(loop_, server_.HostPort(), options_.timeout,
                               [this](Result<UvHandle<uv_tcp_t>> tcp) {
                                 dial_.reset();
                                 OnControlConnected(std::move(tcp));
                               });
  if (!dial) return Lost(dial.error());
  dial_ = std::move(*dial);
}

void TurnClient::OnControlConnected(Result<UvHandle<uv_tcp_t>> tcp) {
  if (!tcp) return Lost(tcp.error());
  auto channel = StunChannel::Start(
      std::move(*tcp), [this](Bytes bytes) { OnControlMessage(std::move(bytes)); },
      [this](const Error& error) { Lost(error); });
  if (!channel) return Lost(channel.error());
  control_ = std::move(*channel);
  Allocate();
}

void TurnClient::Lost(const Error& why) {
  if (losing_) return;  // a request's error callback reporting the same loss
  losing_ = true;
  last_error_ = why.message;
  SHOAL_LOG(kInfo) << "relay " << server_.Redacted() << ": " << why.message;
  dial_.reset();
  control_.reset();
  relayed_.reset();
  for (auto* timer : {&refresh_, &permissions_, &keepalive_}) (*timer)->Stop();
  auto requests = std::move(requests_);
  requests_.clear();
  links_.clear();
  auto alive = alive_;
  for (auto& [id, request] : requests) {
    if (request->on_error) request->on_error(why);
    if (!*alive) return;
  }
  losing_ = false;
  auto delay = backoff_.Next();
  retry_->Start(delay, [this] { Connect(); });
  // One report per outage, not one per retry.
  if (!loss_reported_) {
    loss_reported_ = true;
    delegate_.OnRelayLost(why);
  }
}

void TurnClient::Authenticate(stun::Message& message) const {
  message.AddString(stun::attr::kUsername, credentials_.username);
  message.AddString(stun::attr::kRealm, realm_);
  message.AddString(stun::attr::kNonce, nonce_);
}

void TurnClient::SendRequest(stun::Message message,
                             std::function<void(const stun::Message&)> on_success,
                             std::function<void(const Error&)> on_error, bool authenticated) {
  auto request = std::make_unique<Request>();
  request->message = std::move(message);
  request->message.cls = stun::Class::kRequest;
  request->on_success = std::move(on_success);
  request->on_error = std::move(on_error);
  request->wants_auth = authenticated;
  Send(std::move(request));
}

void TurnClient::Send(std::unique_ptr<Request> request) {
  if (!control_) {
    if (request->on_error) request->on_error({ErrorCode::kBusy, "no connection to the relay"});
    return;
  }
  stun::Message message = request->message;  // the stored copy stays unauthenticated
  Retransact(message, stun::NewTransactionId());
  request->authenticated = request->wants_auth && !realm_.empty();
  Bytes key;
  if (request->authenticated) {
    Authenticate(message);
    key = stun::LongTermKey(credentials_.username, realm_, credentials_.password);
  }
  auto encoded = stun::Encode(message, {.integrity_key = key, .fingerprint = true});
  if (!encoded) return Lost(encoded.error());
  if (auto sent = control_->Send(std::move(*encoded)); !sent) return Lost(sent.error());
  auto timer = Timer::Create(loop_);
  if (!timer) return Lost(timer.error());
  request->timeout = std::move(*timer);
  request->timeout->Start(options_.timeout, [this, method = message.method] {
    Lost({ErrorCode::kIo, std::string("no answer to ") + MethodName(method)});
  });
  requests_[message.transaction] = std::move(request);
}

void TurnClient::OnControlMessage(Bytes bytes) {
  auto message = stun::Decode(bytes);
  if (!message) return Lost(message.error().Wrap("from the relay"));
  if (message->cls == stun::Class::kIndication) {
    if (message->method == stun::Method::kConnectionAttempt) OnConnectionAttempt(*message);
    return;
  }
  auto it = requests_.find(message->transaction);
  if (it == requests_.end()) return;  // a late answer to a request we gave up on
  std::unique_ptr<Request> request = std::move(it->second);
  requests_.erase(it);
  if (message->cls == stun::Class::kError) {
    auto code = message->GetErrorCode();
    int number = code ? code->code : 0;
    auto realm = message->GetString(stun::attr::kRealm);
    auto nonce = message->GetString(stun::attr::kNonce);
    // 401: the first challenge (or new credentials); 438: the nonce aged.
    if ((number == 401 || number == 438) && nonce && request->wants_auth && request->retries < 2) {
      if (realm) realm_ = *realm;
      nonce_ = *nonce;
      ++request->retries;
      return Send(std::move(request));
    }
    Error error{number == 401 ? ErrorCode::kUnauthorized : ErrorCode::kIo,
                std::string(MethodName(request->message.method)) + " refused: " +
                    (code ? std::to_string(code->code) + " " + code->reason : "no error code")};
    if (request->on_error) request->on_error(error);
    return;
  }
  if (request->authenticated) {
    Bytes key = stun::LongTermKey(credentials_.username, realm_, credentials_.password);
    if (auto checked = stun::Decode(bytes, {.integrity_key = key}); !checked) {
      return Lost(checked.error().Wrap("relay answer"));
    }
  }
  if (request->on_success) request->on_success(*message);
}

void TurnClient::Allocate() {
  stun::Message message;
  message.method = stun::Method::kAllocate;
  message.AddU32(stun::attr::kRequestedTransport, std::uint32_t{stun::kTransportTcp} << 24);
  message.AddU32(stun::attr::kLifetime, options_.lifetime_s);
  SendRequest(
      message, [this](const stun::Message& response) { OnAllocated(response); },
      [this](const Error& error) { Lost(error.Wrap("allocate")); });
}

void TurnClient::OnAllocated(const stun::Message& response) {
  auto relayed = response.GetXorAddress(stun::attr::kXorRelayedAddress);
  auto mapped = response.GetXorAddress(stun::attr::kXorMappedAddress);
  if (!relayed || !mapped) {
    return Lost({ErrorCode::kProtocol, "allocate: the answer lacks the relayed or mapped address"});
  }
  mapped_ = mapped;
  std::uint32_t lifetime = response.GetU32(stun::attr::kLifetime).value_or(options_.lifetime_s);
  lifetime = std::max<std::uint32_t>(lifetime, 60);
  refresh_->Start(std::chrono::seconds(lifetime / 2), [this] { Refresh(); });
  keepalive_->Start(options_.keepalive, [this] { SendKeepalive(); });
  // Reachable only once the relay lets peers in: until the permission is
  // in place, a peer's Connect to us fails (447).
  RenewPermissions(*relayed, [this, relayed = *relayed] {
    relayed_ = relayed;
    last_error_.clear();
    loss_reported_ = false;
    backoff_.Reset();
    SHOAL_LOG(kInfo) << "relay " << server_.Redacted() << ": allocated " << relayed_->ToString()
                     << ", public address " << mapped_->ToString();
    delegate_.OnRelayAllocated(*relayed_, *mapped_);
  });
}

void TurnClient::Refresh(std::function<void()> then) {
  stun::Message message;
  message.method = stun::Method::kRefresh;
  message.AddU32(stun::attr::kLifetime, options_.lifetime_s);
  SendRequest(
      message,
      [this, then = std::move(then)](const stun::Message& response) {
        std::uint32_t lifetime =
            std::max<std::uint32_t>(response.GetU32(stun::attr::kLifetime).value_or(60), 60);
        refresh_->Start(std::chrono::seconds(lifetime / 2), [this] { Refresh(); });
        if (then) then();
      },
      [this](const Error& error) { Lost(error.Wrap("refresh")); });
}

void TurnClient::SetPermittedHosts(std::vector<std::string> hosts) {
  if (hosts == permitted_hosts_) return;
  permitted_hosts_ = std::move(hosts);
  // Before the allocation is up they go out once its own permission is in.
  if (relayed_) PermitHosts(*relayed_);
}

void TurnClient::RenewPermissions(const stun::Address& relayed, std::function<void()> then) {
  stun::Message message;
  message.method = stun::Method::kCreatePermission;
  // The relay's own address: another allocation on it Connects from there.
  message.AddXorAddress(stun::attr::kXorPeerAddress, {.ipv6 = relayed.ipv6, .ip = relayed.ip});
  SendRequest(
      message,
      [this, relayed, then = std::move(then)](const stun::Message&) {
        PermitHosts(relayed);
        if (then) then();
      },
      [this](const Error& error) { Lost(error.Wrap("permission")); });
  permissions_->Start(std::chrono::minutes(4), [this, relayed] { RenewPermissions(relayed); });
}

// Each host in a request of its own: a relay that refuses one (coturn
// answers 403 for an address its configuration forbids) refuses only that
// one, and the allocation stays.
void TurnClient::PermitHosts(const stun::Address& relayed) {
  for (const std::string& host : permitted_hosts_) {
    auto address = stun::Address::Parse(host.find(':') != std::string::npos ? "[" + host + "]:1"
                                                                            : host + ":1");
    if (!address || address->ipv6 != relayed.ipv6) continue;
    stun::Message message;
    message.method = stun::Method::kCreatePermission;
    message.AddXorAddress(stun::attr::kXorPeerAddress, *address);
    SendRequest(message, nullptr, [this, host](const Error& error) {
      SHOAL_LOG(kWarning) << "relay " << server_.Redacted() << ": no permission for " << host
                          << ": " << error.message;
    });
  }
}

void TurnClient::SendKeepalive() {
  stun::Message message;
  message.method = stun::Method::kBinding;
  SendRequest(
      message,
      [this](const stun::Message& response) {
        if (auto mapped = response.GetXorAddress(stun::attr::kXorMappedAddress)) mapped_ = mapped;
        keepalive_->Start(options_.keepalive, [this] { SendKeepalive(); });
      },
      [this](const Error& error) { Lost(error.Wrap("keepalive")); }, false);
}

}  // namespace shoal::net
