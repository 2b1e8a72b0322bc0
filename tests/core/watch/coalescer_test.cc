#include "core/watch/coalescer.h"

#include <catch2/catch.hpp>

namespace shoal {
namespace {

using std::chrono::milliseconds;
using TimePoint = Coalescer::TimePoint;

TimePoint At(int ms) { return TimePoint(milliseconds(ms)); }

TEST_CASE("a batch is due a quiet window after its last path", "[watch]") {
  Coalescer coalescer(milliseconds(20), milliseconds(500));
  CHECK_FALSE(coalescer.pending());
  coalescer.Add("a", At(100));
  CHECK(coalescer.pending());
  CHECK(coalescer.Due() == At(120));
  coalescer.Add("b", At(110));
  CHECK(coalescer.Due() == At(130));
}

TEST_CASE("a continuous stream is due max_delay after its first path", "[watch]") {
  Coalescer coalescer(milliseconds(20), milliseconds(500));
  for (int t = 0; t <= 1000; t += 10) coalescer.Add("busy", At(t));
  CHECK(coalescer.Due() == At(500));
}

TEST_CASE("a taken batch is sorted, unique and leaves out paths beneath another", "[watch]") {
  Coalescer coalescer(milliseconds(20), milliseconds(500));
  for (const char* path : {"b", "a/x/y", "a", "a!", "b", "ab/c", "c/d", "c/d/e"}) {
    coalescer.Add(path, At(0));
  }
  WatchBatch batch = coalescer.Take();
  CHECK(batch.paths == std::vector<std::string>{"a", "a!", "ab/c", "b", "c/d"});
  CHECK_FALSE(batch.full_rescan);
  CHECK_FALSE(coalescer.pending());
  CHECK(coalescer.Take().paths.empty());
}

TEST_CASE("a full rescan drops the paths and keeps the first reason", "[watch]") {
  Coalescer coalescer(milliseconds(20), milliseconds(500));
  coalescer.Add("a", At(0));
  coalescer.AddFullRescan("first", At(1));
  coalescer.AddFullRescan("second", At(2));
  coalescer.Add("b", At(3));
  WatchBatch batch = coalescer.Take();
  CHECK(batch.full_rescan);
  CHECK(batch.reason == "first");
  CHECK(batch.paths.empty());
  coalescer.Add("c", At(10));
  WatchBatch next = coalescer.Take();
  CHECK_FALSE(next.full_rescan);
  CHECK(next.reason.empty());
  CHECK(next.paths == std::vector<std::string>{"c"});
}

}  // namespace
}  // namespace shoal
