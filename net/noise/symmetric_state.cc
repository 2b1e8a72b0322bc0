#include "net/noise/symmetric_state.h"

#include <sodium.h>

#include <algorithm>

namespace shoal::net {
namespace {

constexpr std::size_t kSlots = 4;
constexpr std::size_t kCk = 0;
constexpr std::size_t kScratch = 1;
constexpr std::size_t kOut2 = 2;
constexpr std::size_t kOut3 = 3;

void Wipe(std::span<std::uint8_t> bytes) { sodium_memzero(bytes.data(), bytes.size()); }

}  // namespace

SymmetricState::SymmetricState(NoiseHash hash, SecretBytes secrets, CipherState cipher)
    : hash_(hash),
      hash_len_(HashLen(hash)),
      secrets_(std::move(secrets)),
      cipher_(std::move(cipher)) {}

Result<SymmetricState> SymmetricState::Initialize(NoiseHash hash, NoiseCipher cipher_kind,
                                                  std::string_view protocol_name) {
  auto secrets = SecretBytes::Allocate(kSlots * HashLen(hash));
  if (!secrets) return secrets.error();
  auto cipher = CipherState::Create(cipher_kind);
  if (!cipher) return cipher.error();
  SymmetricState state(hash, std::move(*secrets), std::move(*cipher));
  const std::size_t len = state.hash_len_;
  auto name =
      ByteSpan(reinterpret_cast<const std::uint8_t*>(protocol_name.data()), protocol_name.size());
  if (name.size() <= len) {
    std::copy(name.begin(), name.end(), state.h_.begin());  // the rest stays zero
  } else {
    Hash(hash, name, {}, std::span(state.h_).first(len));
  }
  std::copy_n(state.h_.begin(), len, state.Slot(kCk).begin());
  return state;
}

std::span<std::uint8_t> SymmetricState::Slot(std::size_t index) {
  return secrets_.span().subspan(index * hash_len_, hash_len_);
}

void SymmetricState::MixKey(ByteSpan input_key_material) {
  const std::span<std::uint8_t> outputs[] = {Slot(kCk), Slot(kOut2)};
  Hkdf(hash_, Slot(kCk), input_key_material, Slot(kScratch), outputs);
  cipher_.InitializeKey(Slot(kOut2));  // truncated to 32 bytes (§5.2)
  Wipe(Slot(kOut2));
}

void SymmetricState::MixHash(ByteSpan data) {
  auto h = std::span(h_).first(hash_len_);
  Hash(hash_, h, data, h);
}

void SymmetricState::MixKeyAndHash(ByteSpan input_key_material) {
  const std::span<std::uint8_t> outputs[] = {Slot(kCk), Slot(kOut2), Slot(kOut3)};
  Hkdf(hash_, Slot(kCk), input_key_material, Slot(kScratch), outputs);
  MixHash(Slot(kOut2));
  cipher_.InitializeKey(Slot(kOut3));
  Wipe(Slot(kOut2));
  Wipe(Slot(kOut3));
}

Result<void> SymmetricState::EncryptAndHash(ByteSpan plaintext, Bytes& out) {
  const std::size_t start = out.size();
  if (auto sealed = cipher_.EncryptWithAd(GetHandshakeHash(), plaintext, out); !sealed) {
    return sealed;
  }
  MixHash(ByteSpan(out).subspan(start));
  return {};
}

Result<void> SymmetricState::DecryptAndHash(ByteSpan ciphertext, Bytes& out) {
  if (auto opened = cipher_.DecryptWithAd(GetHandshakeHash(), ciphertext, out); !opened) {
    return opened;
  }
  MixHash(ciphertext);
  return {};
}

Result<SplitCiphers> SymmetricState::Split() {
  const std::span<std::uint8_t> outputs[] = {Slot(kOut2), Slot(kOut3)};
  Hkdf(hash_, Slot(kCk), {}, Slot(kScratch), outputs);
  auto c1 = CipherState::WithKey(Slot(kOut2), cipher_.cipher());
  auto c2 = CipherState::WithKey(Slot(kOut3), cipher_.cipher());
  secrets_.Wipe();  // ck and both keys: nothing derives from them any more
  if (!c1) return c1.error();
  if (!c2) return c2.error();
  return SplitCiphers{std::move(*c1), std::move(*c2)};
}

}  // namespace shoal::net
