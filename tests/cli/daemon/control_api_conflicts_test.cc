// The control API's conflict commands on real files: `conflicts` shows
// both sides, `file-preview` reads a capped head without leaving the
// folder, `conflict-keep` resolves a conflict without losing either side.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "core/version/conflict.h"
#include "tests/cli/daemon/api_fixture.h"
#include "tests/support/test_ids.h"

namespace shoal::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ApiFixture;
using testing::WriteFile;

constexpr std::int64_t kCopyMtimeNs = 1'764'670'500'000'000'000;  // 2025-12-02T10:15:00Z

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void SetMtime(const fs::path& path, std::int64_t unix_seconds) {
  fs::last_write_time(path, fs::file_time_type::clock::from_sys(
                                std::chrono::sys_seconds(std::chrono::seconds(unix_seconds))));
}

// A folder "Notes" holding notes.txt and a conflict copy of it, scanned.
struct ConflictFolder {
  explicit ConflictFolder(ApiFixture& f) : dir(f.elsewhere.path() / "Notes") {
    fs::create_directory(dir);
    copy = ConflictCopyName("notes.txt", kCopyMtimeNs, f.identity->device_id().ShortId());
    WriteFile(dir / "notes.txt", "shopping\nmilk\neggs\n");
    WriteFile(dir / copy, "shopping\nmilk\nbread\nbutter\n");
    SetMtime(dir / copy, kCopyMtimeNs / 1'000'000'000);
    SetMtime(dir / "notes.txt", kCopyMtimeNs / 1'000'000'000 + 3600);
    id = f.Ok({{"cmd", "folder-add"}, {"path", dir.string()}})["id"];
    REQUIRE(f.FolderUntil([](const json& folder) { return folder["files"] == 2; }));
  }
  fs::path dir;
  std::string copy;
  std::string id;
};

TEST_CASE("conflicts shows both sides of a conflict with size time and device",
          "[cli][control_api][conflicts]") {
  ApiFixture f;
  ConflictFolder c(f);
  const std::string me = ShortIdString(f.identity->device_id().ShortId());
  json listed = f.Ok({{"cmd", "conflicts"}})["conflicts"];
  INFO(listed.dump(2));
  REQUIRE(listed.size() == 1);
  const json& one = listed[0];
  const std::string root = fs::canonical(c.dir).string();
  // The keys from before stay as they were.
  CHECK(one["folder"] == c.id);
  CHECK(one["name"] == c.copy);
  CHECK(one["path"] == root + "/" + c.copy);
  CHECK(one["original"] == "notes.txt");
  // Both sides.
  CHECK(one["original_exists"] == true);
  CHECK(one["original_path"] == root + "/notes.txt");
  CHECK(one["copy"] == json{{"type", "file"},
                            {"size", 27},
                            {"mtime_unix", kCopyMtimeNs / 1'000'000'000},
                            {"time", "2025-12-02T10:15:00Z"},
                            {"device", me},
                            {"device_name", "alpha"}});
  CHECK(one["current"]["size"] == 19);
  CHECK(one["current"]["device_name"] == "alpha");
  CHECK(one["current"]["time"] == "2025-12-02T11:15:00Z");

  // A copy another device announced names that device.
  const DeviceId beta = shoal::testing::MakeDeviceId(0xBE);
  auto beta_key = f.index->PutDevice({{}, beta, "beta", "", false, false});
  REQUIRE(beta_key);
  auto folder = f.index->FindFolder(c.id);
  REQUIRE(folder);
  REQUIRE(*folder);
  FileInfo announced;
  announced.name = ConflictCopyName("notes.txt", kCopyMtimeNs + 1'000'000'000, beta.ShortId());
  announced.size = 5;
  announced.mtime_ns = kCopyMtimeNs + 1'000'000'000;
  announced.version.Set(beta.ShortId(), 7);
  announced.sequence = 1;
  std::vector<FileInfo> batch{announced};
  REQUIRE(f.index->PutFiles((*folder)->key, *beta_key, batch));
  listed = f.Ok({{"cmd", "conflicts"}, {"folder", "Notes"}})["conflicts"];
  REQUIRE(listed.size() == 2);
  const json& theirs = listed[0]["name"] == announced.name ? listed[0] : listed[1];
  CHECK(theirs["copy"]["device"] == ShortIdString(beta.ShortId()));
  CHECK(theirs["copy"]["device_name"] == "beta");
  CHECK(theirs["copy"]["size"] == 5);
}

TEST_CASE("conflicts says when nothing is left at the original name",
          "[cli][control_api][conflicts]") {
  ApiFixture f;
  ConflictFolder c(f);
  fs::remove(c.dir / "notes.txt");
  f.Ok({{"cmd", "rescan"}, {"folder", c.id}});
  json one = f.Ok({{"cmd", "conflicts"}})["conflicts"][0];
  CHECK(one["original_exists"] == false);
  CHECK(one["current"].is_null());
  CHECK(one["copy"]["size"] == 27);
}

TEST_CASE("file-preview shows a small text file and caps what it reads of a larger one",
          "[cli][control_api][conflicts]") {
  ApiFixture f;
  ConflictFolder c(f);
  json small = f.Ok({{"cmd", "file-preview"}, {"folder", c.id}, {"path", "notes.txt"}});
  CHECK(small["kind"] == "file");
  CHECK(small["text"] == true);
  CHECK(small["truncated"] == false);
  CHECK(small["content"] == "shopping\nmilk\neggs\n");
  CHECK(small["size"] == 19);
  // An absolute path inside the folder needs no folder.
  json by_path = f.Ok({{"cmd", "file-preview"}, {"path", (c.dir / c.copy).string()}});
  CHECK(by_path["content"] == "shopping\nmilk\nbread\nbutter\n");

  // 100 KiB of text: only the first 64 KiB are read.
  std::string big;
  while (big.size() < 100 * 1024) big += "line " + std::to_string(big.size()) + "\n";
  WriteFile(c.dir / "big.txt", big);
  json capped = f.Ok({{"cmd", "file-preview"}, {"folder", c.id}, {"path", "big.txt"}});
  CHECK(capped["size"] == big.size());
  CHECK(capped["truncated"] == true);
  CHECK(capped["content"] == big.substr(0, 64 * 1024));
  json asked =
      f.Ok({{"cmd", "file-preview"}, {"folder", c.id}, {"path", "big.txt"}, {"max_bytes", 10}});
  CHECK(asked["content"] == big.substr(0, 10));
  json too_much = f.Ok(
      {{"cmd", "file-preview"}, {"folder", c.id}, {"path", "big.txt"}, {"max_bytes", 1 << 30}});
  CHECK(too_much["content"].get<std::string>().size() == 64 * 1024);  // the cap holds

  // A character the cap cuts in half does not make the text binary.
  WriteFile(c.dir / "accents.txt", std::string(64 * 1024 - 1, 'a') + "é and more");
  json cut = f.Ok({{"cmd", "file-preview"}, {"folder", c.id}, {"path", "accents.txt"}});
  CHECK(cut["text"] == true);
  CHECK(cut["truncated"] == true);
  CHECK(cut["content"] == std::string(64 * 1024 - 1, 'a'));
}

TEST_CASE("file-preview gives only size and time for a binary file",
          "[cli][control_api][conflicts]") {
  ApiFixture f;
  ConflictFolder c(f);
  WriteFile(c.dir / "photo.jpg", std::string("\xFF\xD8\xFF\xE0\0\x10JFIF", 10));
  WriteFile(c.dir / "latin1.txt", "caf\xE9");  // not UTF-8
  for (const char* name : {"photo.jpg", "latin1.txt"}) {
    json preview = f.Ok({{"cmd", "file-preview"}, {"folder", c.id}, {"path", name}});
    INFO(name);
    CHECK(preview["text"] == false);
    CHECK_FALSE(preview.contains("content"));
    CHECK(preview["size"].get<int>() > 0);
    CHECK(preview["time"].get<std::string>().ends_with("Z"));
  }
}

TEST_CASE("file-preview refuses every path that leaves the folder",
          "[cli][control_api][conflicts]") {
  ApiFixture f;
  ConflictFolder c(f);
  const fs::path outside = f.elsewhere.path() / "private";
  fs::create_directory(outside);
  WriteFile(outside / "secret.txt", "not yours");
  fs::create_directory_symlink(outside, c.dir / "door");
  fs::create_symlink(outside / "secret.txt", c.dir / "link.txt");

  for (const char* path :
       {"../private/secret.txt", "door/../../private/secret.txt", "./../x", "a//b", ".."}) {
    json refused = f.Failed({{"cmd", "file-preview"}, {"folder", c.id}, {"path", path}});
    INFO(path << ": " << refused.dump());
    CHECK(refused["code"] == "invalid_argument");
  }
  // An absolute path outside the folder, with or without the folder named.
  json absolute = f.Failed(
      {{"cmd", "file-preview"}, {"folder", c.id}, {"path", (outside / "secret.txt").string()}});
  CHECK(absolute["code"] == "invalid_argument");
  json nowhere = f.Failed({{"cmd", "file-preview"}, {"path", (outside / "secret.txt").string()}});
  CHECK(nowhere["code"] == "not_found");
  // Through a symlinked directory that points outside.
  json through = f.Failed({{"cmd", "file-preview"}, {"folder", c.id}, {"path", "door/secret.txt"}});
  CHECK(through["code"] == "unauthorized");
  // A symlink to a file outside is described, never read through.
  json link = f.Ok({{"cmd", "file-preview"}, {"folder", c.id}, {"path", "link.txt"}});
  CHECK(link["kind"] == "symlink");
  CHECK(link["text"] == false);
  CHECK_FALSE(link.contains("content"));
  for (const json& reply : {absolute, nowhere, through, link}) {
    CHECK(reply.dump().find("not yours") == std::string::npos);
  }
}

TEST_CASE("conflict-keep on the copy puts it under the original name and keeps the original",
          "[cli][control_api][conflicts]") {
  ApiFixture f;
  ConflictFolder c(f);
  json kept = f.Ok({{"cmd", "conflict-keep"}, {"path", (c.dir / c.copy).string()}});
  INFO(kept.dump(2));
  CHECK(kept["folder"] == c.id);
  CHECK(kept["path"] == "notes.txt");
  CHECK(kept["kept"] == "copy");
  REQUIRE(kept["versions"].size() == 1);
  CHECK(kept["versions"][0]["path"] == "notes.txt");
  CHECK(ReadAll(c.dir / "notes.txt") == "shopping\nmilk\nbread\nbutter\n");
  CHECK_FALSE(fs::exists(c.dir / c.copy));
  // Nothing lost: the other side is a version of notes.txt.
  json versions = f.Ok({{"cmd", "versions"}, {"folder", c.id}, {"path", "notes.txt"}});
  REQUIRE(versions["versions"].size() == 1);
  CHECK(ReadAll(versions["versions"][0]["location"].get<std::string>()) ==
        "shopping\nmilk\neggs\n");
  // Answered after the rescan: the index already has the result.
  CHECK(f.Ok({{"cmd", "conflicts"}})["conflicts"] == json::array());
  CHECK(f.Ok({{"cmd", "folder-list"}})["folders"][0]["files"] == 1);
  // And `restore` undoes it.
  f.Ok({{"cmd", "restore"}, {"folder", c.id}, {"path", "notes.txt"}});
  CHECK(ReadAll(c.dir / "notes.txt") == "shopping\nmilk\neggs\n");
}

TEST_CASE("conflict-keep on the original keeps it and moves the conflict copies to the versions",
          "[cli][control_api][conflicts]") {
  ApiFixture f;
  ConflictFolder c(f);
  const std::string second = ConflictCopyName("notes.txt", kCopyMtimeNs + 60'000'000'000,
                                              f.identity->device_id().ShortId());
  WriteFile(c.dir / second, "a third opinion\n");
  f.Ok({{"cmd", "rescan"}, {"folder", c.id}});
  REQUIRE(f.Ok({{"cmd", "conflicts"}})["conflicts"].size() == 2);

  // With `copy`, only that one goes.
  json one =
      f.Ok({{"cmd", "conflict-keep"}, {"folder", c.id}, {"path", "notes.txt"}, {"copy", second}});
  CHECK(one["kept"] == "original");
  CHECK(one["path"] == "notes.txt");
  REQUIRE(one["versions"].size() == 1);
  CHECK(one["versions"][0]["path"] == second);
  CHECK(ReadAll(one["versions"][0]["location"].get<std::string>()) == "a third opinion\n");
  CHECK_FALSE(fs::exists(c.dir / second));
  CHECK(fs::exists(c.dir / c.copy));
  REQUIRE(f.Ok({{"cmd", "conflicts"}})["conflicts"].size() == 1);

  // Without, every copy of the name goes.
  json all = f.Ok({{"cmd", "conflict-keep"}, {"path", (c.dir / "notes.txt").string()}});
  REQUIRE(all["versions"].size() == 1);
  CHECK(ReadAll(all["versions"][0]["location"].get<std::string>()) ==
        "shopping\nmilk\nbread\nbutter\n");
  CHECK(ReadAll(c.dir / "notes.txt") == "shopping\nmilk\neggs\n");
  CHECK(f.Ok({{"cmd", "conflicts"}})["conflicts"] == json::array());
  CHECK(f.Ok({{"cmd", "versions"}, {"folder", c.id}})["versions"].size() == 2);
}

TEST_CASE("conflict-keep refuses a name with no conflict and paths outside the folder",
          "[cli][control_api][conflicts]") {
  ApiFixture f;
  ConflictFolder c(f);
  WriteFile(c.dir / "alone.txt", "no conflict here");
  json alone = f.Failed({{"cmd", "conflict-keep"}, {"folder", c.id}, {"path", "alone.txt"}});
  CHECK(alone["code"] == "invalid_argument");
  json missing = f.Failed({{"cmd", "conflict-keep"}, {"folder", c.id}, {"path", "gone.txt"}});
  CHECK(missing["code"] == "not_found");
  json escape =
      f.Failed({{"cmd", "conflict-keep"}, {"folder", c.id}, {"path", "../Notes/notes.txt"}});
  CHECK(escape["code"] == "invalid_argument");
  json wrong_copy = f.Failed(
      {{"cmd", "conflict-keep"}, {"folder", c.id}, {"path", "notes.txt"}, {"copy", "alone.txt"}});
  CHECK(wrong_copy["code"] == "invalid_argument");
  // Nothing moved.
  CHECK(fs::exists(c.dir / "notes.txt"));
  CHECK(fs::exists(c.dir / c.copy));
  CHECK(f.Ok({{"cmd", "versions"}, {"folder", c.id}})["versions"] == json::array());
}

}  // namespace
}  // namespace shoal::cli
