// RendezvousIdentity: the key a device announces itself under on a
// discovery server (docs/protocol.md "Rendezvous"). It is NOT the device
// key: knowing a device ID never lets anyone look up where that device is.
// Paired devices learn each other's rendezvous ID inside their encrypted
// session (Hello), and only they can look the device up.
//
// An Ed25519 key and a self-signed X.509 certificate, kept in
// <home>/rendezvous.pem (mode 0600). The discovery server (Syncthing's
// stdiscosrv) files announcements under SHA-256 of the certificate's DER,
// which the client certificate of the TLS connection proves; that hash is
// the rendezvous ID, written as 52 characters of base32.
//
// Thread: any.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/bytes.h"
#include "core/base/result.h"

namespace shoal::net {

using RendezvousId = std::array<std::uint8_t, 32>;

struct RendezvousIdentity {
  std::string key_pem;   // PKCS#8 private key
  std::string cert_pem;  // self-signed certificate
  RendezvousId id{};     // SHA-256 of the certificate's DER

  // Loads <home>/rendezvous.pem, or makes a new key and certificate and
  // writes it (0600, fsync, rename). kCorrupt when the file is damaged.
  static Result<RendezvousIdentity> LoadOrCreate(const std::string& home);
  // A new key and certificate (nothing written).
  static Result<RendezvousIdentity> Generate();
  // From the PEM text of a key and certificate (in one string).
  static Result<RendezvousIdentity> FromPem(const std::string& pem);
  // The identity an inviter announces under while its invite lasts, made
  // from the invite's secret alone and the same on every machine: the
  // joiner, who holds the code, computes its ID and looks the inviter up.
  // The key is HMAC-SHA256(secret, "shoal/pair/rendezvous/v1"); the
  // certificate's fields are fixed and Ed25519 signatures deterministic.
  // kJoiner: the identity the joiner announces under while it joins
  // ("shoal/pair/joiner/v1"), which the inviter looks up to learn where
  // the joiner is (its seen:// address) and permit it on its relay.
  enum class InviteRole { kInviter, kJoiner };
  static Result<RendezvousIdentity> FromInviteSecret(ByteSpan secret,
                                                     InviteRole role = InviteRole::kInviter);
};

// 52 characters of upper-case unpadded base32, as the discovery server
// takes it in `?device=`.
std::string RendezvousIdText(const RendezvousId& id);
// The 52 characters, or a Syncthing-style 56-character ID with check
// characters and dashes (the server's ID in a discovery URL); check
// characters are dropped, not verified.
Result<RendezvousId> ParseRendezvousId(std::string_view text);
// SHA-256 of `der`: the ID of the certificate with that DER encoding.
RendezvousId CertificateId(const unsigned char* der, std::size_t size);

}  // namespace shoal::net
