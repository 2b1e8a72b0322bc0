// SecretBytes: sole owner of one block of secret memory (a key, a chaining
// key, a seed) allocated with sodium_malloc: guard pages on both sides, locked
// against swapping where the OS allows, and wiped by sodium_free when the
// owner goes. Move-only; a moved-from or default-constructed SecretBytes is
// empty and owns nothing. Never log its contents.
//
// EnsureSodium() initialises libsodium once per process (thread-safe). Every
// function in net/noise and net/identity that allocates secret memory, draws
// random bytes or does a DH calls it, so callers never have to; the pure
// hash and cipher calls work before it (sodium_init only selects faster code
// paths for them). sodium_malloc needs it (page size), hence it lives here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/base/bytes.h"
#include "core/base/result.h"

namespace shoal::net {

// Runs sodium_init() the first time; later calls return the same outcome.
// Fails with kCrypto if libsodium could not initialise (no usable RNG).
Result<void> EnsureSodium();

class SecretBytes {
 public:
  SecretBytes() = default;
  // `size` zero bytes of secret memory. Fails with kCrypto when libsodium
  // cannot initialise and with kIo when the allocation fails (each block costs
  // three to four pages of address space).
  static Result<SecretBytes> Allocate(std::size_t size);
  // A secret copy of `bytes` (which the caller still owns and should wipe).
  static Result<SecretBytes> CopyOf(ByteSpan bytes);

  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<std::uint8_t> span() { return {data_, size_}; }
  ByteSpan view() const { return {data_, size_}; }

  // Overwrites the contents with zeros; the memory stays owned.
  void Wipe();

 private:
  SecretBytes(std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  void Free();

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace shoal::net
