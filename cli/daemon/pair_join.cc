#include "cli/daemon/pair_join.h"

#include "core/base/log.h"
#include "net/noise/pairing_psk.h"
#include "net/pairing/invite_code.h"
#include "net/peer/peer_manager.h"

namespace shoal::cli {

std::unique_ptr<PairJoin> PairJoin::Start(Setup setup, const std::string& code,
                                          net::ControlReply reply, bool can_discover) {
  auto parsed = net::ParseInviteCode(code);
  if (!parsed) {
    reply(parsed.error());
    return nullptr;
  }
  if (!parsed->address && !can_discover && !setup.lookup) {
    reply(Fail(ErrorCode::kInvalidArgument,
               "LAN discovery is off and no discovery server is set — append @HOST:PORT of the "
               "inviting device to the code"));
    return nullptr;
  }
  auto psk = net::DerivePairingPsk(parsed->secret.view());
  auto tag = net::DerivePairingTag(parsed->secret.view());
  auto timer = net::Timer::Create(*setup.loop);
  auto lookup_timer = net::Timer::Create(*setup.loop);
  if (!psk || !tag || !timer || !lookup_timer) {
    reply(Fail(ErrorCode::kCrypto, "cannot prepare the pairing keys"));
    return nullptr;
  }
  auto join = std::make_unique<PairJoin>(std::move(setup), std::move(reply));
  join->psk_ = std::move(*psk);
  join->tag_ = *tag;
  join->timer_ = std::move(*timer);
  join->lookup_timer_ = std::move(*lookup_timer);
  PairJoin* self = join.get();
  join->timer_->Start(join->setup_.timeout, [self] {
    self->Finish(Fail(
        ErrorCode::kCancelled,
        self->dialed_.empty()
            ? std::string(self->invite_id_ ? "no device with this invite was found on the LAN "
                                             "or through the discovery server"
                                           : "no device with this invite was found on the LAN") +
                  " — append @HOST:PORT of the inviting device to the code"
            : "pairing with " + self->dialed_ + " timed out" +
                  (self->last_failure_.empty() ? "" : " (" + self->last_failure_ + ")")));
  });
  if (parsed->address) {
    join->Dial(*parsed->address);
  } else if (join->setup_.lookup) {
    using Role = net::RendezvousIdentity::InviteRole;
    auto identity = net::RendezvousIdentity::FromInviteSecret(parsed->secret.view());
    auto joiner = net::RendezvousIdentity::FromInviteSecret(parsed->secret.view(), Role::kJoiner);
    if (identity) {
      join->invite_id_ = identity->id;
      if (joiner && join->setup_.announce_join) {
        join->joiner_announcement_ = join->setup_.announce_join(std::move(*joiner));
      }
      join->LookUpInviter();
    }
  }
  return join;
}

// Asks the discovery server where the invite's holder can be reached (its
// mapped port first, else its relayed address), every 2 s until found (or
// dialed through the LAN meanwhile).
void PairJoin::LookUpInviter() {
  if (done_ || dialer_ || session_) return;
  lookup_ = setup_.lookup(*invite_id_, [this](std::vector<std::string> found) {
    lookup_.reset();
    for (const std::string& address : found) {
      if (net::IsMappedAddress(address)) return Dial(address);
    }
    for (const std::string& address : found) {
      if (net::IsRelayAddress(address)) return Dial(address);
    }
    lookup_timer_->Start(std::chrono::seconds(2), [this] { LookUpInviter(); });
  });
  if (!lookup_) lookup_timer_->Start(std::chrono::seconds(2), [this] { LookUpInviter(); });
}

void PairJoin::OnSighting(const net::Sighting& sighting, const std::string& address) {
  if (done_ || !sighting.announcement.pairing_tag) return;
  if (*sighting.announcement.pairing_tag == tag_) Dial(address);
}

void PairJoin::Dial(const std::string& address) {
  if (dialer_ || session_ || done_) return;
  dialed_ = address;
  SHOAL_LOG(kInfo) << "pairing: dialing " << address;
  net::DialDone done = [this](Result<UvHandle<uv_tcp_t>> connected) {
    OnConnected(std::move(connected));
  };
  if (net::IsRelayAddress(address) && setup_.relay_dial) {
    auto started =
        setup_.relay_dial(net::RelayTarget(address), std::chrono::seconds(10), std::move(done));
    if (!started) return Finish(started.error());
    dialer_ = std::move(*started);
    return;
  }
  auto started = net::TcpDialer::Start(*setup_.loop, net::DialTarget(address),
                                       std::chrono::seconds(10), std::move(done));
  if (!started) return Finish(started.error());
  dialer_ = std::move(*started);
}

void PairJoin::OnConnected(Result<UvHandle<uv_tcp_t>> connected) {
  if (done_) return;  // timed out meanwhile: a connection made is not wanted, and closes
  if (!connected) {
    if (RetryRelayed(connected.error().message)) return;
    Finish(Fail(ErrorCode::kIo, "cannot reach " + dialed_ + ": " + connected.error().message));
    return;
  }
  net::SessionOptions options;
  options.handshake = net::wire::HandshakeType::kPairing;
  options.hello.device_name = setup_.device_name;
  auto psk = std::make_shared<net::SecretBytes>(net::SecretBytes::CopyOf(psk_.view()).value());
  options.pairing_psk = [psk]() -> std::optional<net::SecretBytes> {
    auto copy = net::SecretBytes::CopyOf(psk->view());
    if (!copy) return std::nullopt;
    return std::move(*copy);
  };
  // A pairing session authenticates with the psk; there is no device list yet.
  auto session = net::Session::Start(
      *setup_.loop, std::move(*connected), *setup_.identity, net::Role::kInitiator,
      [](const DeviceId&) { return true; }, *this, std::move(options));
  if (!session) {
    Finish(session.error());
    return;
  }
  session_ = std::move(*session);
}

void PairJoin::OnPaired(const DeviceId& peer, const net::wire::PairAccept& accept,
                        const std::string& code) {
  paired_ = true;
  setup_.on_paired(peer, accept.device_name, code, dialed_);
  Finish(nlohmann::json{
      {"device", peer.ToString()}, {"name", accept.device_name}, {"comparison_code", code}});
}

// The inviter permits our address on its relay once it has looked up our
// joiner announcement (every 2 s), so the first relayed attempt may be
// turned away: the relay resets the connection, or closes it before the
// handshake gets an answer. Such an attempt is made again after 2 s with a
// fresh lookup, up to kRelayedAttempts in all (a used or expired code fails
// the same way, and must still be told as such); an answer from the inviter
// itself (a Close) ends the join at once, as before.
bool PairJoin::RetryRelayed(const std::string& why) {
  if (done_ || !invite_id_ || !net::IsRelayAddress(dialed_)) return false;
  if (++relayed_attempts_ >= kRelayedAttempts) return false;
  last_failure_ = why;
  SHOAL_LOG(kInfo) << "pairing: " << dialed_ << ": " << why << "; trying again";
  // Inside the dialer's or the session's callback: both go on the next turn.
  lookup_timer_->Start(std::chrono::seconds(2), [this] {
    dialer_.reset();
    session_.reset();
    LookUpInviter();
  });
  return true;
}

void PairJoin::OnEnd(const net::SessionEndInfo& end) {
  if (paired_) return;
  std::string why = end.detail.empty() ? std::string(net::SessionEndName(end.end)) : end.detail;
  if ((end.end == net::SessionEnd::kTruncated || end.end == net::SessionEnd::kIoError) &&
      RetryRelayed(why)) {
    return;
  }
  Finish(Fail(ErrorCode::kUnauthorized,
              "pairing with " + dialed_ + " failed: " + why +
                  " — check the code (it works once, for 15 minutes) and try again"));
}

void PairJoin::Finish(Result<nlohmann::json> result) {
  if (done_) return;
  done_ = true;
  lookup_.reset();
  lookup_timer_->Stop();
  joiner_announcement_.reset();
  reply_(std::move(result));
  // Handed back on the next loop turn: we may be inside our own session's
  // or dialer's callback now.
  // on_finished destroys this PairJoin (and setup_ with it): call a copy.
  timer_->Start(std::chrono::milliseconds(0), [this] {
    auto finished = std::move(setup_.on_finished);
    finished(*this);
  });
}

}  // namespace shoal::cli
