#include "net/reach/rendezvous_identity.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/base/base32.h"
#include "core/base/scoped_fd.h"

namespace shoal::net {
namespace {

struct FreeKey {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct FreeCert {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct FreeBio {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, FreeKey>;
using Cert = std::unique_ptr<X509, FreeCert>;
using Bio = std::unique_ptr<BIO, FreeBio>;

Error CryptoError(const std::string& what) {
  return {ErrorCode::kCrypto, "rendezvous key: " + what};
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<RendezvousId> IdOf(X509* cert) {
  int size = i2d_X509(cert, nullptr);
  if (size <= 0) return CryptoError("cannot encode the certificate");
  std::string der(static_cast<std::size_t>(size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert, &out);
  return CertificateId(reinterpret_cast<const unsigned char*>(der.data()), der.size());
}

}  // namespace

RendezvousId CertificateId(const unsigned char* der, std::size_t size) {
  RendezvousId id{};
  crypto_hash_sha256(id.data(), der, size);
  return id;
}

std::string RendezvousIdText(const RendezvousId& id) { return Base32Encode(id); }

Result<RendezvousId> ParseRendezvousId(std::string_view text) {
  std::string chars;
  for (char c : text) {
    if (c == '-' || c == ' ') continue;
    chars.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  if (chars.size() == 56) {  // 4 × (13 characters + a check character)
    std::string bare;
    for (std::size_t i = 0; i < 56; ++i) {
      if (i % 14 != 13) bare.push_back(chars[i]);
    }
    chars = bare;
  }
  if (chars.size() != 52) {
    return Fail(ErrorCode::kInvalidArgument, "a rendezvous or server ID has 52 or 56 characters");
  }
  auto bytes = Base32Decode(chars);
  if (!bytes || bytes->size() != 32) {
    return Fail(ErrorCode::kInvalidArgument, "a rendezvous or server ID must be base32");
  }
  RendezvousId id{};
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

namespace {

// A self-signed certificate for `key` with the given serial and validity.
Result<RendezvousIdentity> SelfSigned(EVP_PKEY* key, std::uint64_t serial, const char* not_before,
                                      const char* not_after) {
  Cert cert(X509_new());
  if (!cert) return CryptoError("cannot make a certificate");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial);
  if (ASN1_TIME_set_string(X509_getm_notBefore(cert.get()), not_before) != 1 ||
      ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), not_after) != 1) {
    return CryptoError("cannot set the validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("shoal"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key);
  if (X509_sign(cert.get(), key, nullptr) <= 0) return CryptoError("cannot sign");
  Bio bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) ||
      !PEM_write_bio_X509(bio.get(), cert.get())) {
    return CryptoError("cannot write PEM");
  }
  return RendezvousIdentity::FromPem(BioText(bio.get()));
}

}  // namespace

Result<RendezvousIdentity> RendezvousIdentity::Generate() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return CryptoError("cannot make an Ed25519 key");
  std::uint64_t serial = 0;
  randombytes_buf(&serial, sizeof serial);
  return SelfSigned(key.get(), serial >> 1, "20240101000000Z", "20991231235959Z");
}

Result<RendezvousIdentity> RendezvousIdentity::FromInviteSecret(ByteSpan secret, InviteRole role) {
  if (secret.empty()) return Fail(ErrorCode::kInvalidArgument, "rendezvous key: no secret");
  const std::string_view label =
      role == InviteRole::kInviter ? "shoal/pair/rendezvous/v1" : "shoal/pair/joiner/v1";
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> seed{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, secret.data(), secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(label.data()),
                                label.size());
  crypto_auth_hmacsha256_final(&state, seed.data());
  Key key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), 32));
  sodium_memzero(seed.data(), seed.size());
  if (!key) return CryptoError("cannot make the invite's Ed25519 key");
  return SelfSigned(key.get(), 1, "20240101000000Z", "20991231235959Z");
}

Result<RendezvousIdentity> RendezvousIdentity::FromPem(const std::string& pem) {
  Bio key_bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  Bio cert_bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!key || !cert) return Fail(ErrorCode::kCorrupt, "rendezvous key: not a key and certificate");
  if (EVP_PKEY_eq(key.get(), X509_get0_pubkey(cert.get())) != 1) {
    return Fail(ErrorCode::kCorrupt, "rendezvous key: the key does not match the certificate");
  }
  RendezvousIdentity identity;
  Bio key_out(BIO_new(BIO_s_mem())), cert_out(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(cert_out.get(), cert.get());
  identity.key_pem = BioText(key_out.get());
  identity.cert_pem = BioText(cert_out.get());
  auto id = IdOf(cert.get());
  if (!id) return id.error();
  identity.id = *id;
  return identity;
}

Result<RendezvousIdentity> RendezvousIdentity::LoadOrCreate(const std::string& home) {
  const std::string path = home + "/rendezvous.pem";
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    auto loaded = FromPem(text.str());
    if (!loaded) return Fail(ErrorCode::kCorrupt, path + ": " + loaded.error().message);
    return loaded;
  }
  auto made = Generate();
  if (!made) return made;
  const std::string temp = path + ".tmp";
  ::unlink(temp.c_str());
  ScopedFd fd(::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return Fail(ErrorCode::kIo, "create " + temp + ": " + std::strerror(errno));
  const std::string pem = made->key_pem + made->cert_pem;
  if (::fchmod(fd.get(), 0600) != 0 ||
      ::write(fd.get(), pem.data(), pem.size()) != static_cast<ssize_t>(pem.size()) ||
      ::fsync(fd.get()) != 0) {
    ::unlink(temp.c_str());
    return Fail(ErrorCode::kIo, "write " + temp + ": " + std::strerror(errno));
  }
  if (auto closed = fd.Close(); !closed) return closed.error();
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return Fail(ErrorCode::kIo, "rename to " + path + ": " + std::strerror(errno));
  }
  return made;
}

}  // namespace shoal::net
