// ControlApi's commands through a real control socket (tests/cli/daemon/api_fixture.h).
#include "cli/daemon/control_api.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "cli/version.h"
#include "tests/cli/daemon/api_fixture.h"
#include "tests/support/test_ids.h"

namespace shoal::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ApiFixture;
using testing::WriteFile;

TEST_CASE("status on a fresh home shows this device and no folders, devices or offers",
          "[cli][control_api]") {
  ApiFixture f;
  json status = f.Ok({{"cmd", "status"}});
  CHECK(status["device"] == json{{"id", f.identity->device_id().ToString()},
                                 {"name", "alpha"},
                                 {"listen_port", 0},
                                 {"version", kVersion}});
  CHECK(status["folders"] == json::array());
  CHECK(status["devices"] == json::array());
  CHECK(status["offers"] == json::array());
}

TEST_CASE("an unknown command gets not_found naming it", "[cli][control_api]") {
  ApiFixture f;
  json error = f.Failed({{"cmd", "format-disk"}});
  CHECK(error["code"] == "not_found");
  CHECK(error["message"] == "unknown command format-disk — see docs/api.md");
}

TEST_CASE("folder-add starts the folder, status lists it and its first scan indexes its files",
          "[cli][control_api]") {
  ApiFixture f;
  const fs::path dir = f.elsewhere.path() / "Photos";
  fs::create_directory(dir);
  WriteFile(dir / "a.txt", "hello");
  json added = f.Ok({{"cmd", "folder-add"}, {"path", dir.string()}, {"folder_id", "abcde-fghij"}});
  CHECK(added["id"] == "abcde-fghij");
  CHECK(added["label"] == "Photos");  // the directory's name when none is given
  CHECK(added["path"] == fs::canonical(dir).string());
  CHECK(added["shared_with"] == json::array());
  CHECK(added["failures"] == json::array());
  CHECK(fs::exists(dir / ".shoal/folder-id"));  // the marker, before the first scan

  json status = f.Ok({{"cmd", "status"}});
  REQUIRE(status["folders"].size() == 1);
  CHECK(status["folders"][0]["id"] == "abcde-fghij");
  CHECK(status["folders"][0]["path"] == added["path"]);
  CHECK(f.FolderUntil([](const json& folder) {
    return folder["files"] == 1 && folder["bytes"] == 5 && folder["state"] == "idle" &&
           folder["last_scan_unix"] != 0;
  }));
}

TEST_CASE("folder-add refuses a missing directory unless create is set and then makes it",
          "[cli][control_api]") {
  ApiFixture f;
  const fs::path typo = f.elsewhere.path() / "Documnts";
  json refused = f.Failed({{"cmd", "folder-add"}, {"path", typo.string()}});
  CHECK(refused ==
        json{{"code", "not_found"},
             {"message", typo.string() + " does not exist — check the path, or have it created "
                                         "to start syncing a new, empty folder there"}});
  // The web interface shows this message next to its checkbox: no CLI flag in it.
  CHECK(refused["message"].get<std::string>().find("--") == std::string::npos);
  CHECK_FALSE(fs::exists(typo));
  json not_true = f.Failed({{"cmd", "folder-add"}, {"path", typo.string()}, {"create", "yes"}});
  CHECK(not_true == refused);  // only a JSON true creates
  CHECK_FALSE(fs::exists(typo));
  CHECK(f.Ok({{"cmd", "folder-list"}})["folders"] == json::array());

  const fs::path missing = f.elsewhere.path() / "new/deeper";
  json added = f.Ok(
      {{"cmd", "folder-add"}, {"path", missing.string()}, {"label", "Fresh"}, {"create", true}});
  CHECK(added["label"] == "Fresh");
  CHECK(added["created"] == true);
  CHECK(fs::is_directory(missing));

  const fs::path existing = f.elsewhere.path() / "Existing";
  fs::create_directory(existing);
  json kept = f.Ok({{"cmd", "folder-add"}, {"path", existing.string()}, {"create", true}});
  CHECK(kept["created"] == false);  // there already: nothing was made
}

TEST_CASE("folder-add refuses bad paths with the reason", "[cli][control_api]") {
  ApiFixture f;
  const fs::path missing = f.elsewhere.path() / "new/deeper";
  json added = f.Ok({{"cmd", "folder-add"}, {"path", missing.string()}, {"create", true}});

  json relative = f.Failed({{"cmd", "folder-add"}, {"path", "relative/dir"}});
  CHECK(relative ==
        json{{"code", "invalid_argument"}, {"message", "the folder path must be absolute"}});
  json absent = f.Failed({{"cmd", "folder-add"}});  // no path at all reads the same
  CHECK(absent == relative);

  const fs::path file = f.elsewhere.path() / "plain.txt";
  WriteFile(file, "x");
  json not_dir = f.Failed({{"cmd", "folder-add"}, {"path", file.string()}});
  CHECK(not_dir == json{{"code", "invalid_argument"},
                        {"message", fs::canonical(file).string() + " is not a directory"}});

  json in_home =
      f.Failed({{"cmd", "folder-add"}, {"path", f.home.File("inner")}, {"create", true}});
  CHECK(in_home["code"] == "invalid_argument");
  CHECK(in_home["message"] ==
        "a folder cannot contain or be inside the daemon's home " + f.paths.dir);
  CHECK_FALSE(fs::exists(f.home.File("inner")));

  json inside = f.Failed({{"cmd", "folder-add"}, {"path", (missing / "sub").string()}});
  CHECK(inside["code"] == "conflict");
  CHECK(inside["message"] == fs::canonical(missing).string() + "/sub overlaps folder " +
                                 added["id"].get<std::string>() + " at " +
                                 added["path"].get<std::string>());

  const fs::path other = f.elsewhere.path() / "other";
  json same_id =
      f.Failed({{"cmd", "folder-add"}, {"path", other.string()}, {"folder_id", added["id"]}});
  CHECK(same_id ==
        json{{"code", "conflict"},
             {"message", "a folder " + added["id"].get<std::string>() + " exists already"}});
  CHECK(f.Ok({{"cmd", "folder-list"}})["folders"].size() == 1);
}

TEST_CASE("fields of the wrong type read as absent and get a clear error, nothing is created",
          "[cli][control_api]") {
  ApiFixture f;
  const fs::path dir = f.elsewhere.path() / "x";
  json seed = f.Failed({{"cmd", "folder-add"}, {"path", dir.string()}, {"hash_seed", "no"}});
  CHECK(seed ==
        json{{"code", "invalid_argument"}, {"message", "hash_seed must be an unsigned integer"}});
  CHECK_FALSE(fs::exists(dir));
  json path_number = f.Failed({{"cmd", "folder-add"}, {"path", 7}});
  CHECK(path_number["message"] == "the folder path must be absolute");
  json versions = f.Failed({{"cmd", "versions"}, {"folder", 3}});
  CHECK(versions == json{{"code", "invalid_argument"}, {"message", "name a folder"}});
  json rescan = f.Failed({{"cmd", "rescan"}, {"path", "a.txt"}});
  CHECK(rescan == json{{"code", "invalid_argument"}, {"message", "--path needs a folder"}});
  json remove = f.Failed({{"cmd", "folder-remove"}, {"folder", "nope"}});
  CHECK(remove == json{{"code", "not_found"},
                       {"message",
                        "there is no folder nope — see `shoal folder list` for the "
                        "folders"}});
  json accept = f.Failed({{"cmd", "folder-accept"}, {"folder", "nope"}, {"path", "/tmp/x"}});
  CHECK(accept == json{{"code", "not_found"},
                       {"message",
                        "no device offers a folder nope (yet) — it must be shared "
                        "with this device first"}});
  json device = f.Failed({{"cmd", "device-add"}, {"device", false}});
  CHECK(device["code"] == "invalid_argument");
  CHECK(device["message"].get<std::string>().starts_with("that is not a device ID: "));
  json own = f.Failed({{"cmd", "device-add"}, {"device", f.identity->device_id().ToString()}});
  CHECK(own == json{{"code", "invalid_argument"}, {"message", "that is this device's own ID"}});
  CHECK(f.Ok({{"cmd", "status"}})["folders"] == json::array());
}

TEST_CASE("devices add, list, rename, pause, resume and remove round-trip through the index",
          "[cli][control_api]") {
  ApiFixture f;
  const std::string id = shoal::testing::MakeDeviceId(7).ToString();
  json added = f.Ok({{"cmd", "device-add"},
                     {"device", id},
                     {"name", "beta"},
                     {"address", "127.0.0.1:9 [::1]:9"}});
  CHECK(added == json{{"id", id}, {"name", "beta"}});

  json devices = f.Ok({{"cmd", "devices"}})["devices"];
  REQUIRE(devices.size() == 1);
  CHECK(devices[0]["id"] == id);
  CHECK(devices[0]["name"] == "beta");
  CHECK(devices[0]["addresses"] == json{"127.0.0.1:9", "[::1]:9"});
  CHECK(devices[0]["paused"] == false);
  CHECK(devices[0]["connected"] == false);
  CHECK(devices[0]["index_entries_in"] == 0);
  json in_status = f.Ok({{"cmd", "status"}})["devices"];  // the same list; dialing goes on
  REQUIRE(in_status.size() == 1);
  CHECK(in_status[0]["id"] == id);
  CHECK(in_status[0]["addresses"] == devices[0]["addresses"]);

  // Named by a prefix of its ID or by its name from now on.
  json renamed = f.Ok({{"cmd", "device-rename"}, {"device", id.substr(0, 7)}, {"name", "gamma"}});
  CHECK(renamed == json{{"id", id}, {"name", "gamma"}, {"paused", false}});
  json paused = f.Ok({{"cmd", "device-pause"}, {"device", "gamma"}});
  CHECK(paused == json{{"id", id}, {"name", "gamma"}, {"paused", true}});
  CHECK(f.Ok({{"cmd", "devices"}})["devices"][0]["paused"] == true);
  json resumed = f.Ok({{"cmd", "device-resume"}, {"device", id}});
  CHECK(resumed == json{{"id", id}, {"name", "gamma"}, {"paused", false}});

  json removed = f.Ok({{"cmd", "device-remove"}, {"device", id}});
  CHECK(removed == json{{"id", id}, {"name", "gamma"}, {"removed", true}});
  CHECK(f.Ok({{"cmd", "devices"}})["devices"] == json::array());
  auto stored = f.index->FindDevice(shoal::testing::MakeDeviceId(7));
  REQUIRE(stored);
  CHECK_FALSE(stored->has_value());
  json again = f.Failed({{"cmd", "device-remove"}, {"device", id}});
  CHECK(again == json{{"code", "not_found"},
                      {"message",
                       "there is no paired device " + id + " — see `shoal devices` for the list"}});
}

TEST_CASE("share and unshare a folder with a device show in the folder's shared_with",
          "[cli][control_api]") {
  ApiFixture f;
  const std::string id = shoal::testing::MakeDeviceId(9).ToString();
  f.Ok({{"cmd", "device-add"}, {"device", id}, {"name", "beta"}});
  const fs::path dir = f.elsewhere.path() / "Docs";
  fs::create_directory(dir);
  json added = f.Ok({{"cmd", "folder-add"}, {"path", dir.string()}});
  json shared = f.Ok({{"cmd", "share"}, {"folder", "Docs"}, {"device", "beta"}});
  CHECK(shared ==
        json{{"folder", added["id"]}, {"device", id}, {"device_name", "beta"}, {"shared", true}});
  CHECK(f.Ok({{"cmd", "folder-list"}})["folders"][0]["shared_with"] == json{id});
  json unshared = f.Ok({{"cmd", "unshare"}, {"folder", added["id"]}, {"device", id}});
  CHECK(unshared ==
        json{{"folder", added["id"]}, {"device", id}, {"device_name", "beta"}, {"shared", false}});
  CHECK(f.Ok({{"cmd", "folder-list"}})["folders"][0]["shared_with"] == json::array());
}

TEST_CASE("a folder named with an invite is shared only once the comparison code is confirmed",
          "[cli][control_api][pairing]") {
  ApiFixture f;
  const fs::path dir = f.elsewhere.path() / "Docs";
  const std::string folder =
      f.Ok({{"cmd", "folder-add"}, {"path", dir.string()}, {"create", true}})["id"];
  const auto shared_with = [&] {
    return f.Ok({{"cmd", "folder-list"}})["folders"][0]["shared_with"];
  };
  CHECK(f.Failed({{"cmd", "pair-invite"}, {"share", "Nope"}})["code"] == "not_found");

  // Whoever redeems the invite first is paired, and gets nothing yet.
  f.Ok({{"cmd", "pair-invite"}, {"share", "Docs"}});
  const DeviceId stranger = shoal::testing::MakeDeviceId(5);
  f.pairing->OnPaired(stranger, "mallory", "123 456", "", /*inviter=*/true);
  CHECK(f.Ok({{"cmd", "devices"}})["devices"].size() == 1);
  CHECK(shared_with() == json::array());
  CHECK(f.Failed({{"cmd", "pair-confirm"}, {"code", "12345"}})["code"] == "invalid_argument");
  // The owner types what the intended device shows: another code.
  json wrong = f.Failed({{"cmd", "pair-confirm"}, {"code", "654321"}});
  CHECK(wrong["code"] == "unauthorized");
  CHECK_THAT(wrong["message"].get<std::string>(), Catch::Contains("is 123 456, not 654 321"));
  CHECK(shared_with() == json::array());
  CHECK(f.Ok({{"cmd", "devices"}})["devices"] == json::array());  // unpaired
  CHECK(f.Failed({{"cmd", "pair-confirm"}, {"code", "123456"}})["code"] == "not_found");

  // The right device, and the code it shows.
  f.Ok({{"cmd", "pair-invite"}, {"share", folder}});
  const DeviceId beta = shoal::testing::MakeDeviceId(6);
  f.pairing->OnPaired(beta, "beta", "111 222", "", /*inviter=*/true);
  CHECK(shared_with() == json::array());
  json confirmed = f.Ok({{"cmd", "pair-confirm"}, {"code", "111 222"}});
  CHECK(confirmed == json{{"device", beta.ToString()}, {"name", "beta"}, {"shared", {folder}}});
  CHECK(shared_with() == json{beta.ToString()});

  // Rejected outright: unpaired, nothing shared.
  f.Ok({{"cmd", "pair-invite"}, {"share", "Docs"}});
  const DeviceId other = shoal::testing::MakeDeviceId(7);
  f.pairing->OnPaired(other, "gamma", "333 444", "", /*inviter=*/true);
  json rejected = f.Ok({{"cmd", "pair-confirm"}, {"reject", true}});
  CHECK(rejected == json{{"id", other.ToString()}, {"name", "gamma"}, {"removed", true}});
  CHECK(shared_with() == json{beta.ToString()});
  CHECK(f.Ok({{"cmd", "devices"}})["devices"].size() == 1);
}

TEST_CASE("rescan answers once the folder's scan has committed, with what it found",
          "[cli][control_api]") {
  ApiFixture f;
  const fs::path dir = f.elsewhere.path() / "Scanned";
  fs::create_directory(dir);
  json added = f.Ok({{"cmd", "folder-add"}, {"path", dir.string()}});
  REQUIRE(f.FolderUntil([](const json& folder) { return folder["last_scan_unix"] != 0; }));
  WriteFile(dir / "new.txt", "twelve bytes");
  json scanned = f.Ok({{"cmd", "rescan"}, {"folder", added["id"]}});
  json expected = json::array();
  expected.push_back(
      {{"folder", added["id"]}, {"changed", 1}, {"deleted", 0}, {"hashed_bytes", 12}});
  CHECK(scanned == json{{"scanned", expected}});
  CHECK(f.Ok({{"cmd", "folder-list"}})["folders"][0]["files"] == 1);
}

TEST_CASE("folder-remove stops the folder and keeps its files", "[cli][control_api]") {
  ApiFixture f;
  const fs::path dir = f.elsewhere.path() / "Gone";
  fs::create_directory(dir);
  WriteFile(dir / "keep.txt", "kept");
  json added = f.Ok({{"cmd", "folder-add"}, {"path", dir.string()}});
  json removed = f.Ok({{"cmd", "folder-remove"}, {"folder", "Gone"}});
  CHECK(removed == json{{"id", added["id"]}, {"path", added["path"]}});
  CHECK(f.Ok({{"cmd", "folder-list"}})["folders"] == json::array());
  CHECK(f.folders->empty());
  CHECK(fs::exists(dir / "keep.txt"));
}

TEST_CASE("shutdown answers stopping, asks the daemon to stop, and later requests are refused",
          "[cli][control_api]") {
  ApiFixture f;
  CHECK(f.Ok({{"cmd", "shutdown"}}) == json{{"stopping", true}});
  CHECK(f.stop_asked);
  json refused = f.Failed({{"cmd", "status"}});
  CHECK(refused == json{{"code", "busy"}, {"message", "the daemon is shutting down"}});
}

}  // namespace
}  // namespace shoal::cli
