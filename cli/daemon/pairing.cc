#include "cli/daemon/pairing.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "core/base/log.h"
#include "net/pairing/invite_code.h"

namespace shoal::cli {

Pairing::Pairing(Setup setup) : setup_(std::move(setup)), invites_(*setup_.clock) {}

Result<net::InviteBook::Created> Pairing::Invite(std::vector<std::string> share) {
  invite_share_.clear();
  auto created = invites_.Create();
  if (!created) return created.error();
  invite_share_ = std::move(share);
  if (discovery_) discovery_->SetPairingTag(invites_.ActiveTag());
  if (setup_.on_invite) {
    // The secret is in the code; the book keeps only what it derives.
    if (auto parsed = net::ParseInviteCode(created->code)) setup_.on_invite(parsed->secret.view());
  }
  SHOAL_LOG(kInfo) << "pairing: invite created (valid 15 minutes, single use)";
  return created;
}

void Pairing::Join(const std::string& code, std::chrono::seconds timeout, net::ControlReply reply,
                   std::vector<std::string> share) {
  PairJoin::Setup setup;
  setup.loop = setup_.loop;
  setup.identity = setup_.identity;
  setup.device_name = setup_.device_name;
  setup.timeout = timeout;
  setup.lookup = setup_.lookup;
  setup.announce_join = setup_.announce_join;
  setup.relay_dial = setup_.relay_dial;
  setup.on_paired = [this, share = std::move(share)](
                        const DeviceId& device, const std::string& name,
                        const std::string& comparison_code, const std::string& address) {
    Store(device, name, comparison_code, address, /*inviter=*/false, share);
  };
  setup.on_finished = [this](PairJoin& join) {
    std::erase_if(joins_, [&](const std::unique_ptr<PairJoin>& j) { return j.get() == &join; });
  };
  auto join = PairJoin::Start(std::move(setup), code, std::move(reply), discovery_ != nullptr);
  if (!join) return;
  // The inviter announced its invite at once; it may have been heard before
  // the code was typed here. An invite lives 15 minutes.
  const auto now = std::chrono::steady_clock::now();
  for (const RememberedSighting& seen : sightings_) {
    if (now - seen.seen < net::kInviteLifetime) join->OnSighting(seen.sighting, seen.address);
  }
  joins_.push_back(std::move(join));
}

void Pairing::OnSighting(const net::Sighting& sighting, const std::string& address) {
  for (auto& join : joins_) join->OnSighting(sighting, address);
  if (!sighting.announcement.pairing_tag) return;
  std::erase_if(sightings_, [&](const RememberedSighting& r) {
    return r.sighting.announcement.device == sighting.announcement.device;
  });
  sightings_.push_back({sighting, address, std::chrono::steady_clock::now()});
  if (sightings_.size() > kMaxRememberedSightings) sightings_.pop_front();
}

void Pairing::OnPaired(const DeviceId& device, const std::string& name, const std::string& code,
                       const std::string& address, bool inviter) {
  // Two joiners racing with one code both finish a handshake; only the
  // first to consume the invite is stored.
  if (inviter && !invites_.Consume()) {
    SHOAL_LOG(kWarning) << "pairing: " << device.ToString()
                        << " completed a handshake with an invite that was already used; ignored";
    return;
  }
  std::vector<std::string> share;
  if (inviter) share = std::exchange(invite_share_, {});
  Store(device, name, code, address, inviter, std::move(share));
}

std::optional<Pairing::Unconfirmed> Pairing::TakeUnconfirmed(
    const std::optional<DeviceId>& device) {
  for (auto it = unconfirmed_.rbegin(); it != unconfirmed_.rend(); ++it) {
    if (device && it->device != *device) continue;
    Unconfirmed taken = std::move(*it);
    unconfirmed_.erase(std::next(it).base());
    return taken;
  }
  return std::nullopt;
}

void Pairing::Store(const DeviceId& device, const std::string& name, const std::string& code,
                    const std::string& address, bool inviter, std::vector<std::string> share) {
  if (inviter && discovery_) discovery_->SetPairingTag(std::nullopt);
  if (inviter && setup_.on_invite_used) setup_.on_invite_used(device, address);
  auto existing = setup_.index->FindDevice(device);
  DeviceRecord record{{}, device, name, inviter ? "" : address, false, false};
  if (existing && *existing) {
    record.key = (*existing)->key;
    if (record.addresses.empty()) record.addresses = (*existing)->addresses;
  }
  auto key = setup_.index->PutDevice(record);
  if (!key) {
    SHOAL_LOG(kError) << "pairing: cannot store " << device.ToString() << ": "
                      << key.error().message;
    return;
  }
  record.key = *key;
  SHOAL_LOG(kInfo) << "paired with " << device.ToString() << " (" << name << ")"
                   << (share.empty() ? "" : "; its folders wait for the comparison code");
  std::erase_if(unconfirmed_, [&](const Unconfirmed& u) { return u.device == device; });
  unconfirmed_.push_back({device, name, code, std::move(share)});
  if (unconfirmed_.size() > kMaxUnconfirmed) unconfirmed_.pop_front();
  if (setup_.on_paired) setup_.on_paired(record, code);
}

}  // namespace shoal::cli
