// TurnClient's private parts shared by turn_client.cc and turn_data.cc.
#pragma once

#include <functional>
#include <memory>

#include "net/reach/turn_client.h"

namespace shoal::net {

// A request on the control connection, kept until its answer.
struct TurnClient::Request {
  stun::Message message;  // without credentials; they are added per send
  std::function<void(const stun::Message&)> on_success;
  std::function<void(const Error&)> on_error;
  bool wants_auth = true;      // long-term credentials once we have a realm
  bool authenticated = false;  // this send carried them
  int retries = 0;             // 401 / 438 challenges answered
  std::unique_ptr<Timer> timeout;
};

// A data connection being opened and bound (RFC 6062 ConnectionBind).
struct TurnClient::DataLink {
  std::uint32_t connection_id = 0;
  std::function<void(Result<UvHandle<uv_tcp_t>>)> done;
  std::unique_ptr<TcpDialer> dial;
  std::unique_ptr<StunChannel> channel;
  stun::TransactionId transaction{};
  int retries = 0;  // 401 / 438 answered on this connection
  std::unique_ptr<Timer> timeout;
};

// Gives `message` a new transaction ID (each send of a request is a new
// transaction), keeping its XOR'ed addresses right: an IPv6 one is XOR'ed
// with the transaction ID too (RFC 8489 14.2).
inline void Retransact(stun::Message& message, const stun::TransactionId& id) {
  for (stun::Attribute& attribute : message.attributes) {
    bool xor_address = attribute.type == stun::attr::kXorPeerAddress ||
                       attribute.type == stun::attr::kXorRelayedAddress ||
                       attribute.type == stun::attr::kXorMappedAddress;
    if (xor_address && attribute.value.size() == 20 && attribute.value[1] == 0x02) {
      for (std::size_t i = 0; i < id.size(); ++i) {
        attribute.value[8 + i] ^= static_cast<std::uint8_t>(message.transaction[i] ^ id[i]);
      }
    }
  }
  message.transaction = id;
}

inline const char* MethodName(stun::Method method) {
  switch (method) {
    case stun::Method::kBinding:
      return "Binding";
    case stun::Method::kAllocate:
      return "Allocate";
    case stun::Method::kRefresh:
      return "Refresh";
    case stun::Method::kCreatePermission:
      return "CreatePermission";
    case stun::Method::kConnect:
      return "Connect";
    case stun::Method::kConnectionBind:
      return "ConnectionBind";
    case stun::Method::kConnectionAttempt:
      return "ConnectionAttempt";
  }
  return "a request";
}

}  // namespace shoal::net
