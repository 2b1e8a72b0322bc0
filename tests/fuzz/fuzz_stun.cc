// libFuzzer target: STUN messages (net/reach/stun_message.h) come from a
// TURN server or anyone on the path to it. The whole input goes to Decode,
// once without a key and once with a fixed one (the seeds in
// tests/fuzz/corpus/fuzz_stun/ that carry MESSAGE-INTEGRITY are made with
// it, by the "[.stun-corpus]" test). Whatever decodes is encoded again with
// the same options and decoded: it must give the same method, class,
// transaction and attributes. The bytes themselves may differ, because
// Decode ignores padding content and Encode pads with zeros. The typed
// readers and FramedSize run on the way; anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/reach/stun_message.h"

namespace {

using namespace shoal::net::stun;

constexpr std::string_view kKey = "shoal-fuzz-stun-key";

void ReadTyped(const Message& m) {
  for (std::uint16_t type :
       {attr::kXorMappedAddress, attr::kXorRelayedAddress, attr::kXorPeerAddress}) {
    if (auto a = m.GetXorAddress(type)) (void)a->ToString();
  }
  if (auto a = m.GetMappedAddress()) (void)a->ToString();
  (void)m.GetU32(attr::kLifetime);
  (void)m.GetString(attr::kRealm);
  if (auto e = m.GetErrorCode(); e && (e->code < 300 || e->code > 699)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const shoal::ByteSpan input(data, size);
  const shoal::ByteSpan key(reinterpret_cast<const std::uint8_t*>(kKey.data()), kKey.size());
  for (bool keyed : {false, true}) {
    auto decoded = Decode(input, {.integrity_key = keyed ? key : shoal::ByteSpan()});
    if (!decoded) continue;
    ReadTyped(*decoded);
    // Re-encode as the input was: with MESSAGE-INTEGRITY (under the fixed
    // key when the input's was unchecked) and FINGERPRINT where it had them.
    const shoal::ByteSpan again_key = decoded->had_integrity ? key : shoal::ByteSpan();
    auto again =
        Encode(*decoded, {.integrity_key = again_key, .fingerprint = decoded->had_fingerprint});
    if (!again || again->size() != size) std::abort();  // same layout, same size
    auto back = Decode(*again, {.integrity_key = again_key});
    if (!back || back->method != decoded->method || back->cls != decoded->cls ||
        back->transaction != decoded->transaction || back->attributes != decoded->attributes ||
        back->had_integrity != decoded->had_integrity ||
        back->had_fingerprint != decoded->had_fingerprint) {
      std::abort();
    }
  }
  // A whole message frames to its own size; anything else must not crash.
  auto framed = FramedSize(input);
  if (Decode(input) && (!framed || framed->value_or(0) != size)) std::abort();
  return 0;
}
