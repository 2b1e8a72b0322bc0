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
                                            .static_private_key = identity.noise_private_key(),
                                            .pairing_psk = {}})
                       .value());
}

// A pairing driver whose psk is 32 bytes of `psk_byte`.
HandshakeDriver PairingDriver(Role role, const Identity& identity, std::uint8_t psk_byte) {
  return std::move(
      HandshakeDriver::Create({.role = role,
                               .type = wire::HandshakeType::kPairing,
                               .static_private_key = identity.noise_private_key(),
                               .pairing_psk = [psk_byte]() -> std::optional<SecretBytes> {
                                 return std::move(SecretBytes::CopyOf(Bytes(32, psk_byte)).value());
                               }})
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

// Runs preamble and the three messages between two drivers in memory.
Result<void> Exchange(HandshakeDriver& initiator, HandshakeDriver& responder) {
  Bytes to_responder, to_initiator;
  if (auto r = initiator.Start(to_responder); !r) return r;
  if (auto r = responder.OnPreamble(ByteSpan(to_responder).first(8), to_initiator); !r) return r;
  auto m1 = Frames(ByteSpan(to_responder).subspan(8));
  if (auto r = responder.OnFrame(m1.at(0), to_initiator); !r) return r;
  if (auto r = initiator.OnPreamble(ByteSpan(to_initiator).first(8), to_responder); !r) return r;
  auto m2 = Frames(ByteSpan(to_initiator).subspan(8));
  Bytes m3_stream;
  if (auto r = initiator.OnFrame(m2.at(0), m3_stream); !r) return r;
  auto m3 = Frames(m3_stream);
  Bytes none;
  return responder.OnFrame(m3.at(0), none);
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

TEST_CASE("a responder without an invite answers a pairing preamble with its own and refuses",
          "[net][session][pairing]") {
  const Identity bob = IdentityFromByte(2);
  HandshakeDriver responder = Driver(Role::kResponder, bob);
  const auto pairing = wire::EncodePreamble(
      {.version = wire::kProtocolVersion, .handshake = wire::HandshakeType::kPairing});
  Bytes out;
  auto refused = responder.OnPreamble(pairing, out);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kUnauthorized);
  CHECK_THAT(refused.error().message, Catch::Contains("no active invite"));
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

TEST_CASE("a pairing initiator needs a psk", "[net][session][pairing]") {
  const Identity alice = IdentityFromByte(1);
  auto driver =
      HandshakeDriver::Create({.role = Role::kInitiator,
                               .type = wire::HandshakeType::kPairing,
                               .static_private_key = alice.noise_private_key(),
                               .pairing_psk = [] { return std::optional<SecretBytes>(); }});
  REQUIRE_FALSE(driver);
  CHECK(driver.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("two drivers with the same psk complete XXpsk3 with the same handshake hash",
          "[net][session][pairing]") {
  const Identity alice = IdentityFromByte(1), bob = IdentityFromByte(2);
  HandshakeDriver initiator = PairingDriver(Role::kInitiator, alice, 7);
  HandshakeDriver responder = PairingDriver(Role::kResponder, bob, 7);
  REQUIRE(Exchange(initiator, responder));
  CHECK(initiator.type() == wire::HandshakeType::kPairing);
  CHECK(responder.type() == wire::HandshakeType::kPairing);
  CHECK(initiator.peer() == bob.device_id());
  CHECK(responder.peer() == alice.device_id());
  const ByteSpan h1 = initiator.handshake_hash(), h2 = responder.handshake_hash();
  CHECK(Bytes(h1.begin(), h1.end()) == Bytes(h2.begin(), h2.end()));
}

TEST_CASE("a responder with another psk fails message 3 as a wrong invite code",
          "[net][session][pairing]") {
  const Identity alice = IdentityFromByte(1), bob = IdentityFromByte(2);
  HandshakeDriver initiator = PairingDriver(Role::kInitiator, alice, 7);
  HandshakeDriver responder = PairingDriver(Role::kResponder, bob, 8);
  auto failed = Exchange(initiator, responder);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == ErrorCode::kUnauthorized);
  CHECK_THAT(failed.error().message, Catch::Contains("wrong invite code"));
  CHECK(initiator.complete());  // the initiator cannot tell until the responder speaks
  CHECK_FALSE(responder.complete());
}

TEST_CASE("a pairing initiator answered with the paired type learns there is no invite",
          "[net][session][pairing]") {
  const Identity alice = IdentityFromByte(1);
  HandshakeDriver initiator = PairingDriver(Role::kInitiator, alice, 7);
  Bytes out;
  REQUIRE(initiator.Start(out));
  Bytes ignored;
  auto refused = initiator.OnPreamble(wire::EncodePreamble({}), ignored);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kUnauthorized);
  CHECK_THAT(refused.error().message, Catch::Contains("no active invite"));
}

}  // namespace shoal::net
