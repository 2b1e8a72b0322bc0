#include "tests/sim/scheduler.h"

#include <catch2/catch.hpp>
#include <map>

namespace shoal::sim {
namespace {

BlockRequest Numbered(std::uint32_t id) {
  BlockRequest request;
  request.id = id;
  return request;
}

std::uint32_t IdOf(const InFlight& m) { return std::get<BlockRequest>(m.message).id; }

TEST_CASE("scheduler keeps each direction in order but reorders across links", "[sim]") {
  Scheduler s(7);
  std::uint32_t id = 0;
  for (int round = 0; round < 50; ++round) {
    s.Enqueue(0, 1, Numbered(id++));
    s.Enqueue(1, 0, Numbered(id++));
    s.Enqueue(2, 1, Numbered(id++));
  }
  REQUIRE(s.InFlightCount() == 150);
  std::map<std::pair<int, int>, std::uint32_t> last;
  std::uint32_t previous = 0;
  bool reordered = false;
  std::int64_t previous_time = 0;
  while (auto m = s.PopNextDue()) {
    auto direction = std::pair{m->from, m->to};
    if (last.count(direction) != 0) CHECK(IdOf(*m) > last[direction]);
    last[direction] = IdOf(*m);
    if (IdOf(*m) < previous) reordered = true;
    previous = IdOf(*m);
    CHECK(m->deliver_at_ns >= previous_time);  // delivered in time order
    CHECK(s.clock().NowUnixNanos() >= m->deliver_at_ns);
    previous_time = m->deliver_at_ns;
  }
  CHECK(reordered);
  CHECK(s.InFlightCount() == 0);
}

TEST_CASE("scheduler discards both directions of one link and nothing else", "[sim]") {
  Scheduler s(1);
  s.Enqueue(0, 1, Numbered(1));
  s.Enqueue(1, 0, Numbered(2));
  s.Enqueue(0, 2, Numbered(3));
  CHECK(s.Discard(1, 0) == 2);
  REQUIRE(s.InFlightCount() == 1);
  auto m = s.PopNextDue();
  REQUIRE(m);
  CHECK(IdOf(*m) == 3);
  CHECK_FALSE(s.PopNextDue());
}

TEST_CASE("scheduler replays the same choices and delivery times from a seed", "[sim]") {
  Scheduler a(42);
  Scheduler b(42);
  for (int i = 0; i < 20; ++i) {
    CHECK(a.Uniform(0, 1000) == b.Uniform(0, 1000));
    a.Enqueue(i % 3, (i + 1) % 3, Numbered(i));
    b.Enqueue(i % 3, (i + 1) % 3, Numbered(i));
  }
  while (auto m = a.PopNextDue()) {
    auto n = b.PopNextDue();
    REQUIRE(n);
    CHECK(IdOf(*m) == IdOf(*n));
    CHECK(m->deliver_at_ns == n->deliver_at_ns);
  }
}

TEST_CASE("scheduler log lines carry the simulated time", "[sim]") {
  Scheduler s(1);
  s.clock().Advance(12'345'000'000);
  s.Log("dev0 scan");
  REQUIRE(s.log().size() == 1);
  CHECK(s.log()[0] == "t=12.3s dev0 scan");
  IndexBatch batch;
  batch.files.resize(2);
  batch.files[0].name = "a/x";
  batch.files[1].name = "b";
  batch.files[1].deleted = true;
  CHECK(Describe(batch) == "IndexBatch(2 files: a/x, b (deleted))");
}

}  // namespace
}  // namespace shoal::sim
