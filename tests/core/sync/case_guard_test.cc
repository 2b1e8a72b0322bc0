// Names that differ only in case, on a folder whose file system folds case
// (told to the engine here; probed in the daemon): a peer's entry that
// would land on another live file is refused with a reason, the rest of
// its batch applies, and nothing is overwritten. On a case-sensitive
// folder both names are kept, as before.
#include <catch2/catch.hpp>

#include "core/sync/folder_engine.h"
#include "tests/core/sync/engine_pair.h"

namespace shoal {
namespace {

using testing::EngineCluster;

FileInfo Entry(const std::string& name, std::uint64_t device, std::int64_t sequence) {
  FileInfo f;
  f.name = name;
  f.version.Set(device, 5);
  f.sequence = sequence;
  f.permissions = 0644;
  return f;
}

bool Stored(EngineCluster& c, const std::string& name) {
  auto f = c[1].index->GetFile(c[1].folder_key, c[1].keys[0], name);
  REQUIRE(f);
  return f->has_value();
}

// Device 1, folding case or not, holds report.txt and docs/a.txt.
void Prepare(EngineCluster& c, bool folds_case) {
  c[1].folds_case = folds_case;
  c.Crash(1);
  c.Restart(1);
  c[1].fs.WriteFile("report.txt", "kept\n", c.clock.now);
  c[1].fs.WriteFile("docs/a.txt", "a\n", c.clock.now);
  c.clock.now += 5'000'000'000;
  c.Scan(1);
  c.Connect(0, 1);
  c.DeliverAll();
}

std::vector<FileInfo> CaseTwins(EngineCluster& c) {
  const std::uint64_t peer = c[0].short_id;
  return {Entry("REPORT.txt", peer, 1), Entry("Docs/b.txt", peer, 2), Entry("Notes.md", peer, 3),
          Entry("NOTES.md", peer, 4), Entry("fine.txt", peer, 5)};
}

}  // namespace

TEST_CASE(
    "on a case-folding folder names that differ only in case from another are refused and the "
    "rest applies",
    "[sync][engine][case]") {
  EngineCluster c(2);
  Prepare(c, true);
  REQUIRE(c[1].engine->Receive(c[1].keys[0], IndexBatch{"shared", 1000, false, CaseTwins(c)}));
  CHECK(Stored(c, "Notes.md"));
  CHECK(Stored(c, "fine.txt"));
  CHECK_FALSE(Stored(c, "REPORT.txt"));
  CHECK_FALSE(Stored(c, "Docs/b.txt"));
  CHECK_FALSE(Stored(c, "NOTES.md"));
  const auto& problems = c[1].engine->problems();
  REQUIRE(problems.size() == 3);
  CHECK(problems[0].message ==
        "'REPORT.txt' differs only in case from 'report.txt' (this folder's file system folds "
        "case)");
  CHECK(problems[1].message ==
        "'Docs/b.txt': its directory 'Docs' differs only in case from 'docs' (this folder's file "
        "system folds case)");
  CHECK(problems[2].message.find("'NOTES.md' differs only in case from 'Notes.md'") == 0);
  // A later batch sees what the earlier one accepted.
  REQUIRE(c[1].engine->Receive(
      c[1].keys[0], IndexBatch{"shared", 1000, false, {Entry("FINE.TXT", c[0].short_id, 6)}}));
  CHECK_FALSE(Stored(c, "FINE.TXT"));
  c.Settle();
  CHECK(c[1].fs.Content("report.txt") == "kept\n");
}

TEST_CASE("on a case-sensitive folder names that differ only in case are two files",
          "[sync][engine][case]") {
  EngineCluster c(2);
  Prepare(c, false);
  REQUIRE(c[1].engine->Receive(c[1].keys[0], IndexBatch{"shared", 1000, false, CaseTwins(c)}));
  for (const FileInfo& f : CaseTwins(c)) CHECK(Stored(c, f.name));
  CHECK(c[1].engine->problems().empty());
}

TEST_CASE("a deleted name is no case twin and a tombstone is never refused for case",
          "[sync][engine][case]") {
  EngineCluster c(2);
  Prepare(c, true);
  c[1].fs.Remove("report.txt");
  c.clock.now += 5'000'000'000;
  c.Scan(1);
  FileInfo gone = Entry("DOCS/A.TXT", c[0].short_id, 2);
  gone.deleted = true;
  REQUIRE(c[1].engine->Receive(
      c[1].keys[0],
      IndexBatch{"shared", 1000, false, {Entry("Report.txt", c[0].short_id, 1), gone}}));
  CHECK(Stored(c, "Report.txt"));
  CHECK(Stored(c, "DOCS/A.TXT"));
  CHECK(c[1].engine->problems().empty());
}

TEST_CASE("a rename that changes only case arrives on a case-folding folder",
          "[sync][engine][case]") {
  EngineCluster c(2);
  Prepare(c, true);
  // The peer renamed report.txt to Report.txt: one batch deletes the old
  // name and adds the new one.
  FileInfo old_name = Entry("report.txt", c[0].short_id, 1);
  old_name.deleted = true;
  REQUIRE(c[1].engine->Receive(
      c[1].keys[0],
      IndexBatch{"shared", 1000, false, {Entry("Report.txt", c[0].short_id, 2), old_name}}));
  CHECK(Stored(c, "Report.txt"));
  CHECK(Stored(c, "report.txt"));
  CHECK(c[1].engine->problems().empty());
}

}  // namespace shoal
