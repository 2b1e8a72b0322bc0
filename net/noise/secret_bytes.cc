#include "net/noise/secret_bytes.h"

#include <sodium.h>

#include <cstring>
#include <utility>

namespace shoal::net {

Result<void> EnsureSodium() {
  // sodium_init() is itself thread-safe and idempotent (0 the first time, 1
  // afterwards); the function-local static makes the common path a load.
  static const int rc = sodium_init();
  if (rc < 0) return Fail(ErrorCode::kCrypto, "libsodium failed to initialise");
  return {};
}

Result<SecretBytes> SecretBytes::Allocate(std::size_t size) {
  if (auto ready = EnsureSodium(); !ready) return ready.error();
  if (size == 0) return SecretBytes();
  auto* data = static_cast<std::uint8_t*>(sodium_malloc(size));
  if (data == nullptr) {
    return Fail(ErrorCode::kIo, "sodium_malloc(" + std::to_string(size) + ") failed");
  }
  // sodium_malloc fills with a canary pattern; start from a known state.
  sodium_memzero(data, size);
  return SecretBytes(data, size);
}

Result<SecretBytes> SecretBytes::CopyOf(ByteSpan bytes) {
  auto secret = Allocate(bytes.size());
  if (!secret) return secret;
  if (!bytes.empty()) std::memcpy(secret->data(), bytes.data(), bytes.size());
  return secret;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Free();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes::~SecretBytes() { Free(); }

void SecretBytes::Wipe() {
  if (data_ != nullptr) sodium_memzero(data_, size_);
}

void SecretBytes::Free() {
  // sodium_free wipes the block before unmapping it.
  if (data_ != nullptr) sodium_free(data_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace shoal::net
