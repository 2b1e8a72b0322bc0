// Daemon: pairing (DESIGN.md "Pairing", docs/api.md "Pairing").
//
// Inviting: `pair-invite` makes the one active invite, puts its tag in our
// LAN announcements and answers with the code. The joiner's pairing
// connection arrives at the peer manager like any other; the session runs
// XXpsk3 with the invite's psk and reports OnPaired, which lands here.
//
// Joining: `pair-join` starts a PairJoin (pair_join.h); the control reply
// waits until the pairing ended.
#include "cli/daemon/daemon.h"
#include "cli/daemon/request_fields.h"
#include "core/base/log.h"

namespace shoal::cli {

Json Daemon::PairInvite() {
  auto created = invites_.Create();
  if (!created) return created.error();
  if (discovery_) discovery_->SetPairingTag(invites_.ActiveTag());
  SHOAL_LOG(kInfo) << "pairing: invite created (valid 15 minutes, single use)";
  return nlohmann::json{{"code", created->code},
                        {"expires_unix", created->expires_unix_nanos / 1'000'000'000},
                        {"device", identity_->device_id().ToString()},
                        {"listen_port", peers_->listen_port()}};
}

void Daemon::PairJoinStart(const nlohmann::json& request, net::ControlReply reply) {
  PairJoin::Setup setup;
  setup.loop = loop_.get();
  setup.identity = &*identity_;
  setup.device_name = options_.device_name;
  setup.timeout = std::chrono::seconds(ClampedIntField(request, "timeout_seconds", 60, 1, 900));
  setup.on_paired = [this](const DeviceId& device, const std::string& name, const std::string& code,
                           const std::string& address) {
    OnPaired(device, name, code, address, /*inviter=*/false);
  };
  setup.on_finished = [this](PairJoin& join) {
    std::erase_if(joins_, [&](const std::unique_ptr<PairJoin>& j) { return j.get() == &join; });
  };
  auto join = PairJoin::Start(std::move(setup), StringField(request, "code"), std::move(reply),
                              discovery_ != nullptr);
  if (!join) return;
  // The inviter announced its invite at once; it may have been heard before
  // the code was typed here. An invite lives 15 minutes.
  const auto now = std::chrono::steady_clock::now();
  for (const PairingSighting& seen : pairing_sightings_) {
    if (now - seen.seen < std::chrono::minutes(15)) join->OnSighting(seen.sighting, seen.address);
  }
  joins_.push_back(std::move(join));
}

void Daemon::OnPaired(const DeviceId& device, const std::string& name, const std::string& code,
                      const std::string& address, bool inviter) {
  // Two joiners racing with one code both finish a handshake; only the
  // first to consume the invite is stored.
  if (inviter && !invites_.Consume()) {
    SHOAL_LOG(kWarning) << "pairing: " << device.ToString()
                        << " completed a handshake with an invite that was already used; ignored";
    return;
  }
  if (inviter && discovery_) discovery_->SetPairingTag(std::nullopt);
  auto existing = index_->FindDevice(device);
  DeviceRecord record{{}, device, name, inviter ? "" : address, false, false};
  if (existing && *existing) {
    record.key = (*existing)->key;
    if (record.addresses.empty()) record.addresses = (*existing)->addresses;
  }
  auto key = index_->PutDevice(record);
  if (!key) {
    SHOAL_LOG(kError) << "pairing: cannot store " << device.ToString() << ": "
                      << key.error().message;
    return;
  }
  record.key = *key;
  SHOAL_LOG(kInfo) << "paired with " << device.ToString() << " (" << name << ")";
  if (control_) {
    control_->Publish({{"event", "paired"},
                       {"device", device.ToString()},
                       {"name", name},
                       {"comparison_code", code}});
  }
  ApplyAddresses(record);
  peers_->DialNow(device);
}

}  // namespace shoal::cli
