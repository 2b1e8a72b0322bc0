// IndexTrim on a real index file and event loop: once commits stop for the
// quiet time the WAL is truncated, never while they keep coming, never
// while a reader holds it, and with nothing to do no timer stays armed.
#include "cli/daemon/index_trim.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/cli/daemon/index_loop_fixture.h"

namespace shoal::cli {
namespace {

using namespace std::chrono_literals;

using testing::WalBytes;
using Fixture = testing::IndexLoopFixture;

}  // namespace

TEST_CASE("after the quiet time without commits the index's WAL is truncated and no timer is left",
          "[daemon][store]") {
  Fixture fx;
  // A quiet time far longer than one commit takes, even on a loaded machine.
  auto trim = IndexTrim::Start(*fx.loop, fx.index.db(), 1000ms).value();
  fx.loop->Run();  // nothing committed yet: nothing armed, returns at once
  CHECK(trim->tries() == 0);

  // Commits closer together than the quiet time: no trim in between.
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 1500ms) {
    fx.Commit();
    fx.loop->RunOnce();
    std::this_thread::sleep_for(10ms);
  }
  CHECK(trim->tries() == 0);
  REQUIRE(WalBytes(fx.path) > 0);

  // Run() returns only once no timer is armed: the trim ran and did not re-arm.
  fx.loop->Run();
  CHECK(trim->trims() == 1);
  CHECK(WalBytes(fx.path) == 0);
  CHECK(fx.index.GetGlobal(fx.folder, "f" + std::to_string(fx.sequence)).value().has_value());

  fx.Commit();
  fx.loop->Run();
  CHECK(trim->trims() == 2);
}

TEST_CASE("a reader holding the WAL postpones the trim a few times and then leaves it",
          "[daemon][store]") {
  Fixture fx;
  auto trim = IndexTrim::Start(*fx.loop, fx.index.db(), 20ms).value();
  fx.Commit();
  auto reader = Index::OpenReader(fx.path).value();
  REQUIRE(reader.db().Exec("BEGIN"));
  REQUIRE(reader.GetGlobal(fx.folder, "f1").value().has_value());  // holds a snapshot
  fx.Commit();
  fx.loop->Run();  // gives up after IndexTrim::kRetries tries
  CHECK(trim->tries() == 1 + IndexTrim::kRetries);
  CHECK(trim->trims() == 0);
  CHECK(WalBytes(fx.path) > 0);
  REQUIRE(reader.db().Exec("COMMIT"));
  fx.Commit();
  fx.loop->Run();
  CHECK(trim->trims() == 1);
  CHECK(WalBytes(fx.path) == 0);
}

}  // namespace shoal::cli
