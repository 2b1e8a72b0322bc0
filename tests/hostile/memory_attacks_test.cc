// Attacks on the victim's memory by a paired device (issue 15): messages
// whose decoded form is far larger than what crossed the wire.
#include <catch2/catch.hpp>

#include "net/wire/record.h"
#include "tests/hostile/crafted.h"
#include "tests/hostile/victim.h"

namespace shoal::hostile {
namespace {

using namespace std::chrono_literals;
using net::wire::RecordType;

TEST_CASE("hostile: 100 zstd-bomb Index records in one write close the session on a cap",
          "[hostile]") {
  Scene scene;
  auto mallory = scene.Mallory();
  const ProcSample before = Sample(scene.victim().pid());
  // Each record is a zstd frame of a few KiB that declares just under the
  // 16 MiB message cap: about 930,000 18-byte entries, gigabytes once
  // decoded as FileInfo.
  const Bytes entry = EncodedEntry(MinimalFile("a"));
  const std::size_t count = (net::wire::kMaxMessageBody - 64) / entry.size();
  const Bytes bomb = ZstdFrame(IndexBody(scene.folder(), count, entry));
  INFO("bomb: " << bomb.size() << " bytes on the wire, " << count << " entries");
  REQUIRE(bomb.size() <= net::wire::kMaxRecordBody);
  for (int i = 0; i < 100; ++i) {
    REQUIRE(mallory->QueueRecord(RecordType::kIndex, net::wire::kFlagCompressed, bomb));
  }
  INFO("one write of " << mallory->queued_bytes() << " bytes");
  (void)mallory->Flush();
  auto close = mallory->AwaitClose(30s);
  const ProcSample after = Sample(scene.victim().pid());
  WARN("victim VmHWM " << before.peak_rss_kib << " -> " << after.peak_rss_kib << " KiB, fds "
                       << after.fds);
  CHECK(after.peak_rss_kib < 512 * 1024);
  REQUIRE(close);
  CHECK(close->reason == net::wire::CloseReason::kProtocolError);
  CHECK(close->text.find("entries") != std::string::npos);
  scene.ExpectUnharmed();
  CHECK(scene.Logged("entries"));
}

}  // namespace
}  // namespace shoal::hostile
