// The relay settings: turn:// URLs, time-limited credentials, the 0600
// internet.json in the home, and how a device's learned relay addresses
// merge with the ones the user gave.
#include "cli/daemon/internet_config.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <fstream>

#include "cli/daemon/device_addresses.h"
#include "tests/support/temp_dir.h"

namespace shoal::cli {

TEST_CASE("a turn:// URL is parsed, and errors and logs never show its secret", "[internet]") {
  auto server = net::ParseTurnUrl("turn://shoal:s3cret@relay.example.org:3479", false);
  REQUIRE(server.has_value());
  CHECK(server->host == "relay.example.org");
  CHECK(server->port == 3479);
  CHECK(server->user == "shoal");
  CHECK(server->secret == "s3cret");
  CHECK(server->Redacted() == "turn://shoal@relay.example.org:3479");
  CHECK(server->Url() == "turn://shoal:s3cret@relay.example.org:3479");
  CHECK(net::ParseTurnUrl("turn://shoal:s3cret@[2001:db8::1]:3478", true)->host == "2001:db8::1");
  CHECK(net::ParseTurnUrl("turn://shoal:s3cret@198.51.100.10", false)->port == 3478);
  for (const char* bad :
       {"http://shoal:s3cret@host:1", "turn://host:1", "turn://shoal@host:1",
        "turn://:s3cret@host:1", "turn://shoal:s3cret@host:99999", "turn://shoal:s3cret@"}) {
    auto parsed = net::ParseTurnUrl(bad, false);
    INFO(bad);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == ErrorCode::kInvalidArgument);
    CHECK(parsed.error().message.find("s3cret") == std::string::npos);
  }
}

TEST_CASE("shared-secret credentials are coturn's REST scheme and static ones pass through",
          "[internet]") {
  auto server = net::ParseTurnUrl("turn://shoal:test-secret@h:1", false).value();
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  auto credentials = net::MakeCredentials(server, now, std::chrono::hours(24));
  CHECK(credentials.username == "1700086400:shoal");
  // base64(HMAC-SHA1("test-secret", username)), computed with Python's hmac.
  CHECK(credentials.password == "4Ork5Q46Dn7HHC3FVm1cYe5TyDc=");
  server.static_password = true;
  credentials = net::MakeCredentials(server, now);
  CHECK(credentials.username == "shoal");
  CHECK(credentials.password == "test-secret");
}

TEST_CASE("internet.json round-trips, is 0600, and a damaged one is refused", "[internet]") {
  testing::TempDir home;
  const std::string dir = home.path().string();
  CHECK(LoadInternetConfig(dir)->relays.empty());  // no file: no relay
  CHECK(LoadInternetConfig(dir)->port_mapping);    // ... and port mapping on
  InternetConfig config;
  config.port_mapping = false;
  config.relays.push_back(net::ParseTurnUrl("turn://a:one@198.51.100.10:3478", false).value());
  config.relays.push_back(net::ParseTurnUrl("turn://b:two@relay.example:443", true).value());
  REQUIRE(SaveInternetConfig(dir, config).has_value());
  struct stat st {};
  REQUIRE(::stat(InternetConfigPath(dir).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = LoadInternetConfig(dir);
  REQUIRE(loaded.has_value());
  CHECK(*loaded == config);
  REQUIRE(SaveInternetConfig(dir, InternetConfig{}).has_value());
  CHECK(LoadInternetConfig(dir)->relays.empty());
  for (const char* bad : {"not json", "[]", R"({"relays": 3})", R"({"relays": [{"url": 1}]})",
                          R"({"relays": [{"url": "http://x"}]})", R"({"port_mapping": "no"})"}) {
    std::ofstream(InternetConfigPath(dir)) << bad;
    auto broken = LoadInternetConfig(dir);
    INFO(bad);
    REQUIRE_FALSE(broken.has_value());
    CHECK(broken.error().code == ErrorCode::kCorrupt);
  }
}

TEST_CASE("relay addresses a peer announces replace its older ones and typed ones stay",
          "[internet]") {
  CHECK(MergeLearnedAddresses("10.0.0.1:22000 relay://198.51.100.10:50001",
                              {"relay://198.51.100.10:50007"}) ==
        "10.0.0.1:22000 relay://198.51.100.10:50007");
  CHECK(MergeLearnedAddresses("10.0.0.1:22000", {}) == "10.0.0.1:22000");
  CHECK(MergeLearnedAddresses("relay://198.51.100.10:50001", {}) == "");
  // Only numeric relay addresses, no duplicates, at most 4; others dropped.
  CHECK(MergeLearnedAddresses("", {"10.0.0.9:1", "relay://evil.example:1", "relay://1.2.3.4",
                                   "relay://1.2.3.4:0", "relay://[2001:db8::1]:5",
                                   "relay://[2001:db8::1]:5"}) == "relay://[2001:db8::1]:5");
  CHECK(MergeLearnedAddresses("", {"relay://1.1.1.1:1", "relay://1.1.1.1:2", "relay://1.1.1.1:3",
                                   "relay://1.1.1.1:4", "relay://1.1.1.1:5"}) ==
        "relay://1.1.1.1:1 relay://1.1.1.1:2 relay://1.1.1.1:3 relay://1.1.1.1:4");
}

}  // namespace shoal::cli
