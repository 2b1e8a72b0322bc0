// PeerManager::Connection (private to net/peer): one Session and what the
// manager knows about it. It is the Session's delegate and forwards messages
// to the PeerManagerDelegate only while it is the device's established
// session. While it is held back (see PeerManager::OnEstablished) it keeps
// the messages that arrive and hands them over once it is promoted. Owned by
// PeerManager::connections_ until its OnEnd. Loop thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/peer/peer_manager.h"

namespace shoal::net {

class PeerManager::Connection : public SessionDelegate {
 public:
  Connection(PeerManager& manager, Role role_in, std::optional<DeviceId> expected_in,
             std::string address_in, std::uint64_t serial_in)
      : manager_(manager),
        role(role_in),
        expected(expected_in),
        address(std::move(address_in)),
        serial(serial_in) {}

  void OnEstablished(const wire::Hello& peer_hello) override {
    manager_.OnEstablished(*this, peer_hello);
  }
  void OnMessage(wire::PeerMessage message) override {
    if (up) {
      manager_.delegate_.OnMessage(*device, std::move(message));
    } else if (held) {
      kept_.push_back(std::move(message));
    }
  }
  void OnWritable() override {
    if (up) manager_.delegate_.OnWritable(*device);
  }
  // An inbound pairing session (XXpsk3 with our active invite) completed;
  // it closes by itself and never becomes a device's session.
  void OnPaired(const DeviceId& peer, const wire::PairAccept& accept,
                const std::string& comparison_code) override {
    manager_.delegate_.OnPaired(peer, accept, comparison_code, address);
  }
  // Hole punching is agreed over the device's established session only.
  void OnPunch(const wire::Punch& message) override {
    if (up) manager_.OnPunch(*device, *this, message);
  }
  void OnEnd(const SessionEndInfo& end) override { manager_.OnEnd(*this, end); }

  // Hands the messages kept while held to the delegate, in order, while
  // this stays the device's established session.
  void Replay() {
    std::vector<wire::PeerMessage> kept;
    kept.swap(kept_);
    for (wire::PeerMessage& message : kept) {
      if (!up) return;
      manager_.delegate_.OnMessage(*device, std::move(message));
    }
  }

 private:
  PeerManager& manager_;
  std::vector<wire::PeerMessage> kept_;

 public:
  const Role role;
  const std::optional<DeviceId> expected;  // outbound: the device we dialed
  const std::string address;               // dialed "host:port", or inbound remote host
  const std::uint64_t serial;              // creation order: larger is newer
  PathClass path() const { return PathOf(address); }
  bool relayed() const { return path() == PathClass::kRelayed; }
  std::unique_ptr<Session> session;
  std::optional<DeviceId> device;    // the peer, once established
  std::optional<wire::Hello> hello;  // its Hello, once established
  bool held = false;                 // established, waiting for our pending dial to decide
  bool up = false;                   // the device's established session (OnPeerUp sent)
  bool duplicate = false;            // lost the tie-break; ends silently
  bool superseded = false;           // another dial of ours authenticated first
  bool authenticated = false;        // its handshake showed the expected, paired device
};

}  // namespace shoal::net
