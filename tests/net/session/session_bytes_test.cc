// Session byte counters: what crossed the socket in each direction, as the
// peer manager reports it per device.
#include <catch2/catch.hpp>

#include "net/session/session.h"
#include "tests/net/session/session_harness.h"

namespace shoal::net {

using testing::SessionPair;
using testing::TestOptions;

TEST_CASE("a session counts the bytes it sent and received on the socket", "[net][session]") {
  SessionPair pair;
  pair.Start(TestOptions("alpha"), TestOptions("beta"));
  REQUIRE(pair.RunUntilEstablished());
  Session& a = *pair.initiator;
  Session& b = *pair.responder;
  // Preamble, three handshake messages and a Hello each way.
  CHECK(a.bytes_sent() > 8 + 32 + 48);
  REQUIRE(testing::RunUntil(*pair.loop, [&] {
    return a.bytes_sent() == b.bytes_received() && b.bytes_sent() == a.bytes_received();
  }));

  const std::uint64_t before = a.bytes_sent();
  REQUIRE(a.SendPing());
  // A Ping is one frame: length, record header, no body, AEAD tag.
  CHECK(a.bytes_sent() > before + 16);
  REQUIRE(testing::RunUntil(*pair.loop, [&] { return b.bytes_received() == a.bytes_sent(); }));
  CHECK(pair.responder_events.pings == 1);
}

}  // namespace shoal::net
