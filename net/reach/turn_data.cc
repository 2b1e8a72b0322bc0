// Data connections (RFC 6062): binding a connection the relay announced
// (ConnectionAttempt) or one we asked for (Connect), and handing it on.
#include "core/base/log.h"
#include "net/reach/turn_client.h"
#include "net/reach/turn_client_internal.h"

namespace shoal::net {

void TurnClient::OnConnectionAttempt(const stun::Message& indication) {
  auto id = indication.GetU32(stun::attr::kConnectionId);
  auto peer = indication.GetXorAddress(stun::attr::kXorPeerAddress);
  if (!id || !peer) {
    SHOAL_LOG(kWarning) << "relay " << server_.Redacted()
                        << ": ConnectionAttempt without a connection ID or peer address";
    return;
  }
  SHOAL_LOG(kDebug) << "relay: connection from " << peer->ToString();
  auto bind = [this, id = *id, peer = *peer] {
    BindData(id, [this, peer](Result<UvHandle<uv_tcp_t>> bound) {
      if (!bound) {
        SHOAL_LOG(kInfo) << "relay: connection from " << peer.ToString()
                         << " not bound: " << bound.error().message;
        return;
      }
      delegate_.OnRelayedConnection(std::move(*bound), peer);
    });
  };
  // A bind refused for a stale nonce costs the peer's connection (coturn
  // drops it), and the nonce's lifetime is the server's secret. So the nonce
  // is checked first: a Refresh answered 438 brings a new one, one answered
  // with success shows ours holds. One round trip per inbound connection.
  Refresh(bind);
}

Result<std::unique_ptr<TurnClient::PendingConnect>> TurnClient::ConnectTo(const stun::Address& peer,
                                                                          ConnectCallback done) {
  if (!relayed_) {
    return Fail(ErrorCode::kBusy,
                "no relay allocation" + (last_error_.empty() ? "" : " (" + last_error_ + ")"));
  }
  auto live = std::make_shared<bool>(true);
  auto finish = [live, done = std::move(done)](Result<UvHandle<uv_tcp_t>> bound) {
    if (*live) done(std::move(bound));  // else `bound` closes here
  };
  stun::Message message;
  message.method = stun::Method::kConnect;
  message.AddXorAddress(stun::attr::kXorPeerAddress, peer);
  SendRequest(
      message,
      [this, finish](const stun::Message& response) {
        auto id = response.GetU32(stun::attr::kConnectionId);
        if (!id) {
          finish(Unexpected(Error{ErrorCode::kProtocol, "Connect: no connection ID"}));
          return;
        }
        BindData(*id, finish);
      },
      [finish](const Error& error) { finish(Unexpected(error)); });
  return std::make_unique<PendingConnect>(live);
}

void TurnClient::BindData(std::uint32_t connection_id,
                          std::function<void(Result<UvHandle<uv_tcp_t>>)> done) {
  auto link = std::make_unique<DataLink>();
  DataLink* raw = link.get();
  link->connection_id = connection_id;
  link->done = std::move(done);
  auto timer = Timer::Create(loop_);
  if (!timer) return link->done(timer.error());
  link->timeout = std::move(*timer);
  // RFC 6062: the relay waits 30 s for the bind; we give up sooner.
  link->timeout->Start(options_.timeout, [this, raw] {
    FinishData(raw, Unexpected(Error{ErrorCode::kIo, "ConnectionBind: no answer"}));
  });
  auto dial = TcpDialer::Start(
      loop_, server_.HostPort(), options_.timeout, [this, raw](Result<UvHandle<uv_tcp_t>> tcp) {
        raw->dial.reset();
        if (!tcp) return FinishData(raw, tcp.error());
        auto channel = StunChannel::Start(
            std::move(*tcp), [this, raw](Bytes bytes) { OnDataMessage(raw, std::move(bytes)); },
            [this, raw](const Error& error) { FinishData(raw, error); });
        if (!channel) return FinishData(raw, channel.error());
        raw->channel = std::move(*channel);
        SendBind(raw);
      });
  if (!dial) return link->done(dial.error());
  link->dial = std::move(*dial);
  links_.push_back(std::move(link));
}

void TurnClient::SendBind(DataLink* link) {
  stun::Message message;
  message.method = stun::Method::kConnectionBind;
  message.cls = stun::Class::kRequest;
  message.transaction = stun::NewTransactionId();
  message.AddU32(stun::attr::kConnectionId, link->connection_id);
  Authenticate(message);
  Bytes key = stun::LongTermKey(credentials_.username, realm_, credentials_.password);
  auto encoded = stun::Encode(message, {.integrity_key = key, .fingerprint = true});
  if (!encoded) return FinishData(link, encoded.error());
  link->transaction = message.transaction;
  if (auto sent = link->channel->Send(std::move(*encoded)); !sent) FinishData(link, sent.error());
}

void TurnClient::OnDataMessage(DataLink* link, Bytes bytes) {
  auto message = stun::Decode(bytes);
  if (!message) return FinishData(link, message.error().Wrap("ConnectionBind"));
  if (message->transaction != link->transaction) return;  // not ours; keep reading
  if (message->cls == stun::Class::kError) {
    auto code = message->GetErrorCode();
    auto nonce = message->GetString(stun::attr::kNonce);
    if (code && (code->code == 401 || code->code == 438) && nonce && link->retries++ < 2) {
      if (auto realm = message->GetString(stun::attr::kRealm)) realm_ = *realm;
      nonce_ = *nonce;
      return SendBind(link);
    }
    return FinishData(
        link, Error{ErrorCode::kIo, "ConnectionBind refused: " +
                                        (code ? std::to_string(code->code) + " " + code->reason
                                              : std::string("no error code"))});
  }
  FinishData(link, link->channel->Release());
}

void TurnClient::FinishData(DataLink* link, Result<UvHandle<uv_tcp_t>> result) {
  auto it =
      std::find_if(links_.begin(), links_.end(), [link](const auto& l) { return l.get() == link; });
  if (it == links_.end()) return;
  std::unique_ptr<DataLink> owned = std::move(*it);
  links_.erase(it);
  owned->done(std::move(result));
}

}  // namespace shoal::net
