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
#include <variant>
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
  void OnClusterConfig(wire::ClusterConfig message) override {
    if (up) manager_.delegate_.OnClusterConfig(*device, std::move(message));
    if (held) kept_.emplace_back(std::move(message));
  }
  void OnIndex(wire::Index message) override {
    if (up) manager_.delegate_.OnIndex(*device, std::move(message));
    if (held) kept_.emplace_back(std::move(message));
  }
  void OnIndexUpdate(wire::IndexUpdate message) override {
    if (up) manager_.delegate_.OnIndexUpdate(*device, std::move(message));
    if (held) kept_.emplace_back(std::move(message));
  }
  void OnRequest(wire::Request message) override {
    if (up) manager_.delegate_.OnRequest(*device, std::move(message));
    if (held) kept_.emplace_back(std::move(message));
  }
  void OnResponse(wire::Response message) override {
    if (up) manager_.delegate_.OnResponse(*device, std::move(message));
    if (held) kept_.emplace_back(std::move(message));
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
  void OnEnd(const SessionEndInfo& end) override { manager_.OnEnd(*this, end); }

  // Hands the messages kept while held to the delegate, in order, while
  // this stays the device's established session.
  void Replay() {
    std::vector<Kept> kept;
    kept.swap(kept_);
    for (Kept& message : kept) {
      if (!up) return;
      std::visit([this](auto&& m) { Forward(std::move(m)); }, message);
    }
  }

 private:
  using Kept = std::variant<wire::ClusterConfig, wire::Index, wire::IndexUpdate, wire::Request,
                            wire::Response>;
  void Forward(wire::ClusterConfig m) { manager_.delegate_.OnClusterConfig(*device, std::move(m)); }
  void Forward(wire::Index m) { manager_.delegate_.OnIndex(*device, std::move(m)); }
  void Forward(wire::IndexUpdate m) { manager_.delegate_.OnIndexUpdate(*device, std::move(m)); }
  void Forward(wire::Request m) { manager_.delegate_.OnRequest(*device, std::move(m)); }
  void Forward(wire::Response m) { manager_.delegate_.OnResponse(*device, std::move(m)); }

  PeerManager& manager_;
  std::vector<Kept> kept_;

 public:
  const Role role;
  const std::optional<DeviceId> expected;  // outbound: the device we dialed
  const std::string address;               // dialed "host:port", or inbound remote host
  const std::uint64_t serial;              // creation order: larger is newer
  std::unique_ptr<Session> session;
  std::optional<DeviceId> device;    // the peer, once established
  std::optional<wire::Hello> hello;  // its Hello, once established
  bool held = false;                 // established, waiting for our pending dial to decide
  bool up = false;                   // the device's established session (OnPeerUp sent)
  bool duplicate = false;            // lost the tie-break; ends silently
};

}  // namespace shoal::net
