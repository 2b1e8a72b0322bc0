#include "tests/support/test_bytes.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace shoal::testing {

std::uint64_t SplitMix64::Next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

Bytes RandomBytes(std::size_t size, std::uint64_t seed) {
  SplitMix64 rng(seed);
  Bytes out(size);
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t word = rng.Next();
    for (std::size_t k = 0; k < 8 && i + k < size; ++k) {
      out[i + k] = static_cast<std::uint8_t>(word >> (8 * k));
    }
  }
  return out;
}

std::string RandomString(std::size_t size, std::uint64_t seed) {
  const Bytes bytes = RandomBytes(size, seed);
  return std::string(bytes.begin(), bytes.end());
}

ReadFunction MemoryReader(ByteSpan data, std::size_t max_read, std::uint64_t jitter_seed) {
  // Shared so that copies of the std::function read from one position.
  auto offset = std::make_shared<std::size_t>(0);
  auto rng = std::make_shared<SplitMix64>(jitter_seed);
  return [=](std::span<std::uint8_t> into) -> Result<std::size_t> {
    std::size_t n = std::min({into.size(), data.size() - *offset, max_read});
    if (jitter_seed != 0 && n > 0) n = 1 + rng->Below(n);
    if (n > 0) std::memcpy(into.data(), data.data() + *offset, n);  // data() may be null
    *offset += n;
    return n;
  };
}

}  // namespace shoal::testing
