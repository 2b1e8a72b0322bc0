// libFuzzer target: the receive path below the cipher. The first byte seeds
// the chunk sizes TCP might deliver; the rest is a byte stream that goes
// through FrameReader, then each frame body (taken as a decrypted record)
// through ParseRecord and MessageAssembler, and each message through its
// decoder and a re-encode check. Any crash, leak or inconsistency is a bug;
// errors are the expected outcome for most inputs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "net/wire/frame.h"
#include "net/wire/message_assembler.h"
#include "net/wire/record.h"
#include "tests/net/wire/reencode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shoal::net::wire;
  if (size == 0) return 0;
  std::uint32_t chunk_state = data[0] | 1u;
  shoal::ByteSpan stream(data + 1, size - 1);

  FrameReader frames;
  MessageAssembler assembler;
  auto on_frame = [&](shoal::ByteSpan body) -> shoal::Result<void> {
    auto record = ParseRecord(body);
    if (!record) return record.error();
    auto message = assembler.Add(*record);
    if (!message) return message.error();
    if (*message && testing::DecodeReencode((*message)->type, (*message)->body) ==
                        testing::Outcome::kInconsistent) {
      std::abort();
    }
    return {};
  };
  while (!stream.empty()) {
    chunk_state = chunk_state * 1103515245u + 12345u;  // any cheap sequence will do
    std::size_t n = 1 + (chunk_state >> 16) % 512;
    if (n > stream.size()) n = stream.size();
    if (!frames.Feed(stream.first(n), on_frame)) break;
    stream = stream.subspan(n);
  }
  return 0;
}
