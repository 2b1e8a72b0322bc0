// libFuzzer target: LAN announcements (net/discovery/announcement.h) come
// from anyone on the network. The whole input goes to DecodeAnnouncement;
// whatever decodes must encode back to exactly the input (the format has
// one encoding per value), anything else aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "net/discovery/announcement.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto decoded = shoal::net::DecodeAnnouncement(shoal::ByteSpan(data, size));
  if (!decoded) return 0;
  shoal::Bytes again = shoal::net::EncodeAnnouncement(*decoded);
  if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
  return 0;
}
