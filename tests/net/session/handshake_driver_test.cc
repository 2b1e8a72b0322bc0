// HandshakeDriver without sockets: a full exchange in memory and the
// preamble's refusals.
#include "net/session/handshake_driver.h"

#include <catch2/catch.hpp>
#include <functional>
#include <span>
#include <utility>

#include "net/identity/identity.h"
#include "net/wire/frame.h"

namespace shoal::net {
namespace {

Identity IdentityFromByte(std::uint8_t byte) {
  return std::move(Identity::FromSeed(Bytes(Identity::kSeedSize, byte)).value());
}

HandshakeDriver Driver(Role role, const Identity& identity, bool offer_aes_gcm = true) {
  return std::move(HandshakeDriver::Create({.role = role,
                                            .type = wire::HandshakeType::kPaired,
                                            .static_private_key = identity.noise_private_key(),
                                            .pairing_psk = {},
                                            .offer_aes_gcm = offer_aes_gcm})
                       .value());
}

// A pairing driver whose psk is 32 bytes of `psk_byte`.
HandshakeDriver PairingDriver(Role role, const Identity& identity, std::uint8_t psk_byte,
                              bool offer_aes_gcm = true) {
  return std::move(
      HandshakeDriver::Create({.role = role,
                               .type = wire::HandshakeType::kPairing,
                               .static_private_key = identity.noise_private_key(),
                               .pairing_psk = [psk_byte]() -> std::optional<SecretBytes> {
                                 return std::move(SecretBytes::CopyOf(Bytes(32, psk_byte)).value());
                               },
                               .offer_aes_gcm = offer_aes_gcm})
          .value());
}

// What AESGCM negotiation yields on this machine when both sides offer it.
NoiseCipher BestCipher() {
  return AesGcmAvailable() ? NoiseCipher::kAesGcm : NoiseCipher::kChaChaPoly;
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

// Sees each side's preamble on its way (initiator's first) and may rewrite
// it: a man in the middle.
using PreambleTamper = std::function<void(Role sender, std::span<std::uint8_t> preamble)>;

// Runs the preambles and the three messages between two drivers in memory,
// delivering whatever each side wrote until both are done or one fails.
Result<void> Exchange(HandshakeDriver& initiator, HandshakeDriver& responder,
                      const PreambleTamper& tamper = {}) {
  Bytes to_responder, to_initiator;
  if (auto r = initiator.Start(to_responder); !r) return r;
  if (tamper) tamper(Role::kInitiator, std::span(to_responder).first(8));
  if (auto r = responder.OnPreamble(ByteSpan(to_responder).first(8), to_initiator); !r) return r;
  to_responder.erase(to_responder.begin(), to_responder.begin() + 8);
  if (tamper) tamper(Role::kResponder, std::span(to_initiator).first(8));
  if (auto r = initiator.OnPreamble(ByteSpan(to_initiator).first(8), to_responder); !r) return r;
  to_initiator.erase(to_initiator.begin(), to_initiator.begin() + 8);
  while (!to_responder.empty() || !to_initiator.empty()) {
    Bytes for_responder = std::exchange(to_responder, {});
    for (const Bytes& frame : Frames(for_responder)) {
      if (auto r = responder.OnFrame(frame, to_initiator); !r) return r;
    }
    Bytes for_initiator = std::exchange(to_initiator, {});
    for (const Bytes& frame : Frames(for_initiator)) {
      if (auto r = initiator.OnFrame(frame, to_responder); !r) return r;
    }
  }
  return {};
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
  const auto pairing =
      wire::EncodePreamble({.version = wire::kProtocolVersion,
                            .handshake = wire::HandshakeType::kPairing,
                            .ciphers = wire::kOfferChaChaPoly | wire::kOfferPairingCommitment});
  Bytes out;
  auto refused = responder.OnPreamble(pairing, out);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kUnauthorized);
  CHECK_THAT(refused.error().message, Catch::Contains("no active invite"));
  const std::uint8_t offer = wire::kOfferChaChaPoly | wire::kOfferBlockDeltas |
                             wire::kOfferHelloAddresses | wire::kOfferPunch |
                             wire::kOfferPairingCommitment |
                             (AesGcmAvailable() ? wire::kOfferAesGcm : 0);
  const auto ours = wire::EncodePreamble({.ciphers = offer});
  CHECK(out == Bytes(ours.begin(), ours.end()));

  // A version 1 initiator gets the refusal in version 1, so that it can read it.
  HandshakeDriver again = Driver(Role::kResponder, bob);
  out.clear();
  REQUIRE_FALSE(again.OnPreamble(
      wire::EncodePreamble({.version = 1, .handshake = wire::HandshakeType::kPairing}), out));
  const auto old = wire::EncodePreamble({.version = 1});
  CHECK(out == Bytes(old.begin(), old.end()));
}

TEST_CASE("an initiator refuses an answer in another protocol version", "[net][session]") {
  const Identity alice = IdentityFromByte(1);
  HandshakeDriver initiator = Driver(Role::kInitiator, alice);
  Bytes out;
  REQUIRE(initiator.Start(out));
  auto newer = wire::EncodePreamble({});
  newer[5] = 3;  // version 3
  Bytes ignored;
  auto refused = initiator.OnPreamble(newer, ignored);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("newer than ours"));

  // A version 1 echo of our bytes: never a reason to fall back.
  HandshakeDriver again = Driver(Role::kInitiator, alice);
  REQUIRE(again.Start(out));
  auto older = again.OnPreamble(wire::EncodePreamble({.version = 1}), ignored);
  REQUIRE_FALSE(older);
  CHECK(older.error().code == ErrorCode::kProtocol);
  CHECK_THAT(older.error().message, Catch::Contains("version 1, older than ours (2)"));
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

TEST_CASE("pairing without the comparison commitment offer is refused on either side",
          "[net][session][pairing]") {
  const Identity alice = IdentityFromByte(1), bob = IdentityFromByte(2);
  // An older Shoal (or a man in the middle hoping for a code he can grind)
  // leaves the bit out of its preamble.
  for (Role older : {Role::kInitiator, Role::kResponder}) {
    int psks_asked = 0;
    HandshakeDriver initiator = PairingDriver(Role::kInitiator, alice, 7);
    auto responder =
        HandshakeDriver::Create({.role = Role::kResponder,
                                 .type = wire::HandshakeType::kPairing,
                                 .static_private_key = bob.noise_private_key(),
                                 .pairing_psk = [&psks_asked]() -> std::optional<SecretBytes> {
                                   ++psks_asked;
                                   return std::move(SecretBytes::CopyOf(Bytes(32, 7)).value());
                                 }});
    REQUIRE(responder);
    auto failed = Exchange(initiator, *responder, [older](Role sender, std::span<std::uint8_t> p) {
      if (sender == older) p[7] &= ~wire::kOfferPairingCommitment;
    });
    REQUIRE_FALSE(failed);
    CHECK(failed.error().code == ErrorCode::kProtocol);
    CHECK_THAT(failed.error().message, Catch::Contains("older Shoal without the comparison"));
    // A responder refuses before it looks at its invite.
    CHECK(psks_asked == (older == Role::kInitiator ? 0 : 1));
  }
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

TEST_CASE("both sides pick AESGCM when both offer it and ChaChaPoly when either does not",
          "[net][session][cipher]") {
  const Identity alice = IdentityFromByte(1), bob = IdentityFromByte(2);
  struct Case {
    bool initiator_offers, responder_offers;
    NoiseCipher expected;
  };
  for (const Case& c : {Case{true, true, BestCipher()}, Case{false, true, NoiseCipher::kChaChaPoly},
                        Case{true, false, NoiseCipher::kChaChaPoly}}) {
    for (bool pairing : {false, true}) {
      INFO("initiator offers " << c.initiator_offers << ", responder " << c.responder_offers
                               << (pairing ? ", pairing" : ", paired"));
      HandshakeDriver initiator =
          pairing ? PairingDriver(Role::kInitiator, alice, 7, c.initiator_offers)
                  : Driver(Role::kInitiator, alice, c.initiator_offers);
      HandshakeDriver responder = pairing
                                      ? PairingDriver(Role::kResponder, bob, 7, c.responder_offers)
                                      : Driver(Role::kResponder, bob, c.responder_offers);
      REQUIRE(Exchange(initiator, responder));
      REQUIRE(initiator.complete());
      REQUIRE(responder.complete());
      CHECK(initiator.cipher() == c.expected);
      CHECK(responder.cipher() == c.expected);
      // Both offer block-list deltas, whatever the cipher.
      CHECK(initiator.peer_accepts_block_deltas());
      CHECK(responder.peer_accepts_block_deltas());
      auto send = initiator.Split();
      auto receive = responder.Split();
      REQUIRE(send);
      REQUIRE(receive);
      CHECK(send->send.cipher() == c.expected);
      Bytes sealed, opened;
      REQUIRE(send->send.EncryptWithAd({}, Bytes{4, 5}, sealed));
      REQUIRE(receive->receive.DecryptWithAd({}, sealed, opened));
      CHECK(opened == Bytes{4, 5});
    }
  }
}

TEST_CASE("a man in the middle who strips AESGCM from the offers makes the handshake fail",
          "[net][session][cipher]") {
  if (!AesGcmAvailable()) {
    WARN("NOT RUN: nothing to strip, this CPU lacks AES-NI so AESGCM is never offered");
    return;
  }
  const Identity alice = IdentityFromByte(1), bob = IdentityFromByte(2);
  // Strip from one preamble or both: the sides then pick different ciphers,
  // or both ChaChaPoly, but in every case their prologues differ.
  for (int which : {1, 2, 3}) {
    for (bool pairing : {false, true}) {
      INFO("rewritten: " << which << (pairing ? ", pairing" : ", paired"));
      HandshakeDriver initiator =
          pairing ? PairingDriver(Role::kInitiator, alice, 7) : Driver(Role::kInitiator, alice);
      HandshakeDriver responder =
          pairing ? PairingDriver(Role::kResponder, bob, 7) : Driver(Role::kResponder, bob);
      auto failed = Exchange(initiator, responder, [&](Role sender, std::span<std::uint8_t> p) {
        const int bit = sender == Role::kInitiator ? 1 : 2;
        if ((which & bit) != 0) p[7] = wire::kOfferChaChaPoly;
      });
      if (which == 3) {
        CHECK(initiator.cipher() == NoiseCipher::kChaChaPoly);  // the downgrade "worked"...
        CHECK(responder.cipher() == NoiseCipher::kChaChaPoly);
      }
      REQUIRE_FALSE(failed);  // ...and the handshake caught it
      CHECK_FALSE((initiator.complete() && responder.complete()));
    }
  }
}

TEST_CASE("a man in the middle who rewrites the version to 1 makes the handshake fail",
          "[net][session][cipher]") {
  const Identity alice = IdentityFromByte(1), bob = IdentityFromByte(2);
  HandshakeDriver initiator = Driver(Role::kInitiator, alice);
  HandshakeDriver responder = Driver(Role::kResponder, bob);
  auto failed = Exchange(initiator, responder, [](Role sender, std::span<std::uint8_t> p) {
    if (sender == Role::kInitiator) {
      p[5] = 1;  // looks like an old initiator
      p[7] = 0;
    } else {
      p[5] = 2;  // and the old-style echo looks like a version 2 answer
      p[7] = wire::kOfferChaChaPoly;
    }
  });
  REQUIRE_FALSE(failed);
  CHECK_FALSE((initiator.complete() && responder.complete()));
}

TEST_CASE("a responder still completes a version 1 handshake with ChaChaPoly",
          "[net][session][cipher]") {
  const Identity alice = IdentityFromByte(1), bob = IdentityFromByte(2);
  HandshakeDriver responder = Driver(Role::kResponder, bob);
  // A version 1 initiator: its 8 bytes are the whole prologue, XX with ChaChaPoly.
  const auto v1 = wire::EncodePreamble({.version = 1});
  CHECK(v1 == std::array<std::uint8_t, 8>{'S', 'H', 'O', 'L', 0, 1, 1, 0});
  HandshakeConfig config;
  config.protocol_name = kNoiseXx;
  config.role = Role::kInitiator;
  config.prologue = v1;
  config.static_private_key = alice.noise_private_key();
  auto old = HandshakeState::Create(config);
  REQUIRE(old);
  Bytes echo;
  REQUIRE(responder.OnPreamble(v1, echo));
  CHECK(echo == Bytes(v1.begin(), v1.end()));
  Bytes m1, to_initiator, m3, none;
  REQUIRE(old->WriteMessage({}, m1));
  Bytes framed;
  REQUIRE(wire::AppendFrame(framed, m1));
  REQUIRE(responder.OnFrame(Frames(framed).at(0), to_initiator));
  REQUIRE(old->ReadMessage(Frames(to_initiator).at(0)));
  REQUIRE(old->WriteMessage({}, m3));
  REQUIRE(responder.OnFrame(m3, none));
  REQUIRE(responder.complete());
  CHECK(responder.cipher() == NoiseCipher::kChaChaPoly);
  CHECK_FALSE(responder.peer_accepts_block_deltas());  // version 1 offers nothing
  CHECK(responder.peer() == alice.device_id());
}

}  // namespace shoal::net
