// libFuzzer target: the first byte picks a message type, the rest goes to
// that type's decoder. Whatever decodes must re-encode to bytes that decode
// to an equal value (tests/net/wire/reencode.h); anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "net/wire/messages.h"
#include "tests/net/wire/reencode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shoal::net::wire;
  if (size == 0) return 0;
  auto type = static_cast<RecordType>(1 + data[0] % 11);
  shoal::ByteSpan body(data + 1, size - 1);
  if (testing::DecodeReencode(type, body) == testing::Outcome::kInconsistent) std::abort();
  return 0;
}
