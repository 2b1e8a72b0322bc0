// Pairing: this device's side of pairing (DESIGN.md "Pairing", docs/api.md
// "Pairing").
//
// Inviting: Invite() makes the one active invite and puts its tag in our LAN
// announcements. The joiner's pairing connection arrives at the peer manager
// like any other; the session runs XXpsk3 with ActivePsk() and reports
// OnPaired(inviter = true).
//
// Joining: Join() starts a PairJoin (pair_join.h), which answers the waiting
// control request once pairing has ended. A LAN sighting that carried an
// invite's tag is remembered for a while, so that a code typed after the
// inviter's announcement dials at once instead of waiting for the next one.
//
// Either way the paired device is stored in the index (only once per
// invite) and handed to `on_paired`; the daemon announces it and dials it.
// A paired device sees only the folders shared with it, and the folders
// named with the invite or join are shared only once its owner confirms
// the comparison code (TakeUnconfirmed, `pair-confirm`): whoever redeems
// an invite first, before the owners compared codes, gets nothing. Until
// then the pairing waits in a short list, in memory only.
//
// Thread: the loop thread. Everything in Setup outlives the Pairing.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/daemon/pair_join.h"
#include "core/base/clock.h"
#include "core/store/index.h"
#include "net/control/control_server.h"
#include "net/discovery/discovery.h"
#include "net/identity/identity.h"
#include "net/loop/event_loop.h"
#include "net/pairing/invite_book.h"

namespace shoal::cli {

class Pairing {
 public:
  struct Setup {
    net::EventLoop* loop = nullptr;
    const net::Identity* identity = nullptr;
    Index* index = nullptr;
    Clock* clock = nullptr;
    std::string device_name;  // what we tell the other device
    // A device paired (and stored); `code` is the comparison code.
    std::function<void(const DeviceRecord& device, const std::string& code)> on_paired;
    // Pairing across the internet (null without a discovery server): an
    // invite was made (its secret, for the rendezvous identity) or used;
    // and what a join looks up, announces and dials with (PairJoin::Setup).
    std::function<void(ByteSpan secret)> on_invite;
    // The invite was used: `paired` is the device that joined with it,
    // over a connection from `address` (as PeerHub reports it).
    std::function<void(const DeviceId& paired, const std::string& address)> on_invite_used;
    PairJoin::Setup::Lookup lookup;
    PairJoin::Setup::AnnounceJoin announce_join;
    net::DialFunction relay_dial;
  };

  explicit Pairing(Setup setup);
  Pairing(const Pairing&) = delete;
  Pairing& operator=(const Pairing&) = delete;

  // LAN discovery, once started (it needs the listen port); null while off.
  void set_discovery(net::Discovery* discovery) { discovery_ = discovery; }
  // A pairing that completed and waits for its owner to confirm the
  // comparison code (docs/api.md "pair-confirm").
  struct Unconfirmed {
    DeviceId device;
    std::string name;
    std::string code;                // "123 456"
    std::vector<std::string> share;  // folder IDs to share once confirmed
  };

  // A fresh invite, replacing any previous one. `share` (folder IDs) waits
  // for the confirmation of the pairing that redeems it.
  Result<net::InviteBook::Created> Invite(std::vector<std::string> share = {});
  // The psk for an inbound pairing session (SessionOptions::pairing_psk).
  std::optional<net::SecretBytes> ActivePsk() { return invites_.ActivePsk(); }
  // `shoal pair CODE`: `reply` is answered when the pairing has ended.
  void Join(const std::string& code, std::chrono::seconds timeout, net::ControlReply reply,
            std::vector<std::string> share = {});
  // Every LAN sighting; one carrying an invite's tag may be what a join waits for.
  void OnSighting(const net::Sighting& sighting, const std::string& address);
  // A pairing session completed, as inviter or joiner.
  void OnPaired(const DeviceId& device, const std::string& name, const std::string& code,
                const std::string& address, bool inviter);
  // Ends the joins in progress (their requests get a "cancelled" error).
  void CancelJoins() { joins_.clear(); }
  // The newest pairing waiting for confirmation (with `device`, when
  // given), taken off the list; nullopt when none waits.
  std::optional<Unconfirmed> TakeUnconfirmed(const std::optional<DeviceId>& device);

 private:
  struct RememberedSighting {
    net::Sighting sighting;
    std::string address;
    std::chrono::steady_clock::time_point seen;
  };
  static constexpr std::size_t kMaxRememberedSightings = 16;
  static constexpr std::size_t kMaxUnconfirmed = 8;

  void Store(const DeviceId& device, const std::string& name, const std::string& code,
             const std::string& address, bool inviter, std::vector<std::string> share);

  Setup setup_;
  net::InviteBook invites_;
  net::Discovery* discovery_ = nullptr;
  std::vector<std::unique_ptr<PairJoin>> joins_;
  std::deque<RememberedSighting> sightings_;  // bounded; newest last
  std::vector<std::string> invite_share_;     // for the active invite
  std::deque<Unconfirmed> unconfirmed_;       // bounded; newest last
};

}  // namespace shoal::cli
