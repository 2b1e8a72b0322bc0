#include "net/noise/handshake_state.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

namespace shoal::net {
namespace {

using namespace std::string_view_literals;

ByteSpan Text(std::string_view text) {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

Bytes Of(std::string_view text) { return Bytes(text.begin(), text.end()); }

struct Peers {
  KeyPair initiator_key = GenerateKeyPair().value();
  KeyPair responder_key = GenerateKeyPair().value();
};

HandshakeState Make(std::string_view protocol, Role role, const KeyPair& key,
                    std::vector<ByteSpan> psks = {}, ByteSpan prologue = Text("shoal")) {
  HandshakeConfig config;
  config.protocol_name = protocol;
  config.role = role;
  config.prologue = prologue;
  config.static_private_key = key.private_key.view();
  config.psks = std::move(psks);
  return HandshakeState::Create(config).value();
}

// Where to flip one bit: in handshake message `message` (0-based), byte `byte`.
struct Tamper {
  std::size_t message;
  std::size_t byte;
};

// Runs the handshake to completion, each side writing a payload naming its
// message; checks every payload arrives intact unless tampering. Returns the
// first error.
Result<void> Run(HandshakeState& initiator, HandshakeState& responder,
                 std::optional<Tamper> tamper = std::nullopt) {
  for (std::size_t i = 0; !initiator.IsComplete() || !responder.IsComplete(); ++i) {
    HandshakeState& writer = i % 2 == 0 ? initiator : responder;
    HandshakeState& reader = i % 2 == 0 ? responder : initiator;
    REQUIRE(writer.IsMyTurn());
    const std::string payload = "payload " + std::to_string(i);
    Bytes message;
    if (auto written = writer.WriteMessage(Text(payload), message); !written) return written;
    if (tamper && tamper->message == i) message.at(tamper->byte) ^= 0x01;
    auto read = reader.ReadMessage(message);
    if (!read) return read.error();
    // XX's first payload is unauthenticated: a tampered one arrives as sent,
    // and the handshake fails at the next message instead.
    if (!tamper) CHECK(*read == Of(payload));
  }
  return {};
}

// Sends `text` from `from` to `to` and returns what `to` decrypted.
Bytes Transport(CipherState& from, CipherState& to, std::string_view text) {
  Bytes sealed, opened;
  REQUIRE(from.EncryptWithAd({}, Text(text), sealed));
  REQUIRE(to.DecryptWithAd({}, sealed, opened));
  return opened;
}

// The length of handshake message `index` (0-based) as Run() sends it.
std::size_t MessageLength(std::string_view protocol, std::size_t index, const Peers& peers,
                          const std::vector<ByteSpan>& psks) {
  auto initiator = Make(protocol, Role::kInitiator, peers.initiator_key, psks);
  auto responder = Make(protocol, Role::kResponder, peers.responder_key, psks);
  for (std::size_t i = 0;; ++i) {
    HandshakeState& writer = i % 2 == 0 ? initiator : responder;
    HandshakeState& reader = i % 2 == 0 ? responder : initiator;
    Bytes message;
    REQUIRE(writer.WriteMessage(Text("payload " + std::to_string(i)), message));
    if (i == index) return message.size();
    REQUIRE(reader.ReadMessage(message));
  }
}

}  // namespace

TEST_CASE("an XX handshake authenticates both sides and keys transport both ways", "[net][noise]") {
  Peers peers;
  auto initiator = Make(kNoiseXx, Role::kInitiator, peers.initiator_key);
  auto responder = Make(kNoiseXx, Role::kResponder, peers.responder_key);
  CHECK_FALSE(responder.IsMyTurn());
  REQUIRE(Run(initiator, responder));

  REQUIRE(initiator.remote_static() == peers.responder_key.public_key);
  REQUIRE(responder.remote_static() == peers.initiator_key.public_key);
  CHECK(initiator.handshake_hash().size() == 32);
  CHECK(Bytes(initiator.handshake_hash().begin(), initiator.handshake_hash().end()) ==
        Bytes(responder.handshake_hash().begin(), responder.handshake_hash().end()));

  auto to_responder = initiator.Split();
  auto to_initiator = responder.Split();
  REQUIRE(to_responder);
  REQUIRE(to_initiator);
  for (int round = 0; round < 3; ++round) {
    CHECK(Transport(to_responder->send, to_initiator->receive, "ping") == Of("ping"));
    CHECK(Transport(to_initiator->send, to_responder->receive, "pong") == Of("pong"));
  }
  auto again = initiator.Split();
  REQUIRE_FALSE(again);  // a second pair of CipherStates would reuse nonces
  CHECK(again.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("two XX handshakes between the same devices get different keys", "[net][noise]") {
  Peers peers;
  Bytes first_hash;
  for (int run = 0; run < 2; ++run) {
    auto initiator = Make(kNoiseXx, Role::kInitiator, peers.initiator_key);
    auto responder = Make(kNoiseXx, Role::kResponder, peers.responder_key);
    REQUIRE(Run(initiator, responder));
    Bytes hash(initiator.handshake_hash().begin(), initiator.handshake_hash().end());
    if (run == 0)
      first_hash = hash;
    else
      CHECK(hash != first_hash);  // fresh ephemeral keys every time
  }
}

TEST_CASE("XXpsk3 succeeds with the same psk and fails at the responder with another",
          "[net][noise]") {
  Peers peers;
  Bytes psk(32, 0x5a), other(32, 0x5b);
  {
    auto initiator = Make(kNoiseXxPsk3, Role::kInitiator, peers.initiator_key, {psk});
    auto responder = Make(kNoiseXxPsk3, Role::kResponder, peers.responder_key, {psk});
    REQUIRE(Run(initiator, responder));
    auto send = initiator.Split();
    auto receive = responder.Split();
    REQUIRE(send);
    REQUIRE(receive);
    CHECK(Transport(send->send, receive->receive, "paired") == Of("paired"));
  }
  auto initiator = Make(kNoiseXxPsk3, Role::kInitiator, peers.initiator_key, {other});
  auto responder = Make(kNoiseXxPsk3, Role::kResponder, peers.responder_key, {psk});
  auto result = Run(initiator, responder);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::kCrypto);
  CHECK_THAT(result.error().message, Catch::Contains("reading handshake message 3"));
  CHECK(responder.HasFailed());
  CHECK_FALSE(responder.IsComplete());
  CHECK_FALSE(responder.Split());
}

TEST_CASE("a flipped bit in any handshake message fails the handshake", "[net][noise]") {
  Peers peers;
  for (std::string_view protocol : {kNoiseXx, kNoiseXxPsk3}) {
    Bytes psk(32, 0x77);
    std::vector<ByteSpan> psks;
    if (protocol == kNoiseXxPsk3) psks.push_back(psk);
    for (std::size_t message = 0; message < 3; ++message) {
      const std::size_t length = MessageLength(protocol, message, peers, psks);
      for (std::size_t byte = 0; byte < length; ++byte) {
        INFO(protocol << " message " << message + 1 << " byte " << byte);
        auto initiator = Make(protocol, Role::kInitiator, peers.initiator_key, psks);
        auto responder = Make(protocol, Role::kResponder, peers.responder_key, psks);
        CHECK_FALSE(Run(initiator, responder, Tamper{message, byte}));
      }
    }
  }
}

TEST_CASE("a low-order ephemeral key from the initiator fails the handshake", "[net][noise]") {
  Peers peers;
  auto responder = Make(kNoiseXx, Role::kResponder, peers.responder_key);
  Bytes forged(32, 0);                     // "e" = the all-zero point, empty payload
  REQUIRE(responder.ReadMessage(forged));  // message 1 carries no MAC
  Bytes reply;
  auto written = responder.WriteMessage({}, reply);  // "ee" meets the zero point
  REQUIRE_FALSE(written);
  CHECK(written.error().code == ErrorCode::kCrypto);
  CHECK(reply.empty());
  CHECK(responder.HasFailed());
  CHECK_FALSE(responder.WriteMessage({}, reply));  // stays failed
}

TEST_CASE("a low-order static key known up front fails the handshake", "[net][noise]") {
  Peers peers;
  HandshakeConfig config;
  config.protocol_name = "Noise_IK_25519_ChaChaPoly_SHA256";
  config.static_private_key = peers.initiator_key.private_key.view();
  config.remote_static = PublicKey{};  // all zeros
  auto initiator = HandshakeState::Create(config);
  REQUIRE(initiator);
  Bytes message;
  auto written = initiator->WriteMessage({}, message);  // "es" meets the zero point
  REQUIRE_FALSE(written);
  CHECK(written.error().code == ErrorCode::kCrypto);
}

TEST_CASE("different prologues make the handshake fail", "[net][noise]") {
  Peers peers;
  auto initiator =
      Make(kNoiseXx, Role::kInitiator, peers.initiator_key, {}, Text("SHOAL\x01\x00\x01"sv));
  auto responder =
      Make(kNoiseXx, Role::kResponder, peers.responder_key, {}, Text("SHOAL\x01\x00\x02"sv));
  auto result = Run(initiator, responder);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::kCrypto);
}

TEST_CASE("handshake calls out of turn or on short input are refused", "[net][noise]") {
  Peers peers;
  auto initiator = Make(kNoiseXx, Role::kInitiator, peers.initiator_key);
  auto responder = Make(kNoiseXx, Role::kResponder, peers.responder_key);
  auto early = initiator.ReadMessage(Bytes(32));
  REQUIRE_FALSE(early);
  CHECK(early.error().code == ErrorCode::kInvalidArgument);
  CHECK_FALSE(initiator.Split());
  auto short_read = responder.ReadMessage(Bytes(31));
  REQUIRE_FALSE(short_read);
  CHECK(short_read.error().code == ErrorCode::kProtocol);
  auto huge = Make(kNoiseXx, Role::kResponder, peers.responder_key).ReadMessage(Bytes(65536));
  REQUIRE_FALSE(huge);
  CHECK(huge.error().code == ErrorCode::kProtocol);
}

TEST_CASE("Create refuses configurations that do not fit the pattern", "[net][noise]") {
  Peers peers;
  HandshakeConfig config;
  config.protocol_name = kNoiseXx;
  CHECK_FALSE(HandshakeState::Create(config));  // XX needs our static key
  config.static_private_key = peers.initiator_key.private_key.view();
  config.remote_static = peers.responder_key.public_key;
  CHECK_FALSE(HandshakeState::Create(config));  // XX transmits it; check it afterwards
  config.remote_static.reset();
  config.protocol_name = kNoiseXxPsk3;
  CHECK_FALSE(HandshakeState::Create(config));  // no psk
  Bytes short_psk(16);
  config.psks = {short_psk};
  CHECK_FALSE(HandshakeState::Create(config));
  config.protocol_name = "Noise_IK_25519_ChaChaPoly_SHA256";
  config.psks.clear();
  CHECK_FALSE(HandshakeState::Create(config));  // IK initiator needs the responder's key
  config.protocol_name = "Noise_NN_25519_ChaChaPoly_SHA256";
  auto unsupported = HandshakeState::Create(config);
  REQUIRE_FALSE(unsupported);
  CHECK(unsupported.error().code == ErrorCode::kInvalidArgument);
}

}  // namespace shoal::net
