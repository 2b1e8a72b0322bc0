// HandshakeDriver without sockets: a full exchange in memory and the
// preamble's refusals.
#include "net/session/handshake_driver.h"

#include <catch2/catch.hpp>

#include "net/identity/identity.h"
#include "net/wire/frame.h"

namespace shoal::net {
namespace {

Identity IdentityFromByte(std::uint8_t byte) {
  return std::move(Identity::FromSeed(Bytes(Identity::kSeedSize, byte)).value());
}

HandshakeDriver Driver(Role role, const Identity& identity) {
  return std::move(HandshakeDriver::Create({.role = role,
                                            .type = wire::HandshakeType::kPaired,
                                            .static_private_key = identity.noise_private_key()})
                       .value());
}

// Splits `bytes` (after an optional preamble) into frame bodies.
std::vector<Bytes> Frames(ByteSpan bytes) {
  std::vector<Bytes> bodies;
  wire::FrameReader reader;
  REQUIRE(reader.Feed(bytes, [&](ByteSpan body) -> Result<void> {
    bodies.emplace_back(body.begin(), body.end());
    return {};
  }));
  return bodies;
}

}  // namespace

TEST_CASE("two drivers complete the XX handshake and learn each other's device", "[net][session]") {
  const Identity alice = IdentityFromByte(1), bob = IdentityFromByte(2);
  HandshakeDriver initiator = Driver(Role::kInitiator, alice);
  HandshakeDriver responder = Driver(Role::kResponder, bob);
  Bytes to_responder, to_initiator;
  REQUIRE(initiator.Start(to_responder));
  REQUIRE(responder.OnPreamble(ByteSpan(to_responder).first(8), to_initiator));
  auto m1 = Frames(ByteSpan(to_responder).subspan(8));
  REQUIRE(m1.size() == 1);
  REQUIRE(responder.OnFrame(m1[0], to_initiator));
  REQUIRE(initiator.OnPreamble(ByteSpan(to_initiator).first(8), to_responder));
  auto m2 = Frames(ByteSpan(to_initiator).subspan(8));
  REQUIRE(m2.size() == 1);
  Bytes m3_stream;
  REQUIRE(initiator.OnFrame(m2[0], m3_stream));
  REQUIRE(initiator.complete());
  auto m3 = Frames(m3_stream);
  REQUIRE(responder.OnFrame(m3.at(0), to_initiator));
  REQUIRE(responder.complete());
  CHECK(initiator.peer() == bob.device_id());
  CHECK(responder.peer() == alice.device_id());

  auto send = initiator.Split();
  auto receive = responder.Split();
  REQUIRE(send);
  REQUIRE(receive);
  Bytes sealed, opened;
  const Bytes hello = {1, 2, 3};
  REQUIRE(send->send.EncryptWithAd({}, hello, sealed));
  REQUIRE(receive->receive.DecryptWithAd({}, sealed, opened));
  CHECK(opened == hello);
}

TEST_CASE("a responder answers a pairing preamble with its own and refuses", "[net][session]") {
  const Identity bob = IdentityFromByte(2);
  HandshakeDriver responder = Driver(Role::kResponder, bob);
  const auto pairing = wire::EncodePreamble(
      {.version = wire::kProtocolVersion, .handshake = wire::HandshakeType::kPairing});
  Bytes out;
  auto refused = responder.OnPreamble(pairing, out);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kProtocol);
  const auto ours = wire::EncodePreamble({});
  CHECK(out == Bytes(ours.begin(), ours.end()));
}

TEST_CASE("an initiator refuses an echo that differs from its preamble", "[net][session]") {
  const Identity alice = IdentityFromByte(1);
  HandshakeDriver initiator = Driver(Role::kInitiator, alice);
  Bytes out;
  REQUIRE(initiator.Start(out));
  auto newer = wire::EncodePreamble({});
  newer[5] = 2;  // version 2
  Bytes ignored;
  auto refused = initiator.OnPreamble(newer, ignored);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("newer than ours"));
}

TEST_CASE("the pairing handshake is not available yet", "[net][session]") {
  const Identity alice = IdentityFromByte(1);
  auto driver = HandshakeDriver::Create({.role = Role::kInitiator,
                                         .type = wire::HandshakeType::kPairing,
                                         .static_private_key = alice.noise_private_key()});
  REQUIRE_FALSE(driver);
  CHECK(driver.error().code == ErrorCode::kInvalidArgument);
}

}  // namespace shoal::net
