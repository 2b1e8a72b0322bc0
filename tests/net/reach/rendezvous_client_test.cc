// Rendezvous against a real Syncthing discovery server (stdiscosrv) on
// 127.0.0.1: the rendezvous key on disk, announce and look up by
// rendezvous ID, nothing found by any other ID (a device ID), and a server
// whose certificate is not the pinned one refused in the handshake.
// Skipped when stdiscosrv is not installed.
#include "net/reach/rendezvous_client.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>

#include "tests/net/session/session_harness.h"
#include "tests/support/discosrv_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::net {
namespace {

using testing::RunUntil;

struct Fixture {
  shoal::testing::TempDir dir;
  std::unique_ptr<shoal::testing::DiscosrvProcess> server;
  std::unique_ptr<EventLoop> loop = std::move(EventLoop::Create().value());
  bool Start() {
    shoal::testing::DiscosrvOptions options;
    options.dir = dir.path().string();
    auto started = shoal::testing::DiscosrvProcess::Start(options);
    if (!started && started.error().code == ErrorCode::kNotFound) {
      WARN("SKIPPED: " << started.error().message);
      return false;
    }
    INFO((started ? std::string() : started.error().message));
    REQUIRE(started.has_value());
    server = std::move(*started);
    return true;
  }
  ~Fixture() {
    testing::RunFor(*loop, std::chrono::milliseconds(10));
    CHECK(loop->Close().has_value());
  }
};

std::optional<Result<std::vector<std::string>>> LookUp(Fixture& f, RendezvousClient& client,
                                                       const RendezvousId& id) {
  std::optional<Result<std::vector<std::string>>> found;
  auto request = client.Lookup(id, [&](Result<std::vector<std::string>> r) { found.emplace(r); });
  REQUIRE(request.has_value());
  REQUIRE(RunUntil(*f.loop, [&] { return found.has_value(); }));
  return found;
}

}  // namespace

TEST_CASE("the rendezvous key is made once, kept 0600, and its ID is the certificate's hash",
          "[rendezvous]") {
  shoal::testing::TempDir home;
  auto made = RendezvousIdentity::LoadOrCreate(home.path().string());
  REQUIRE(made.has_value());
  struct stat st {};
  REQUIRE(::stat((home.path() / "rendezvous.pem").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = RendezvousIdentity::LoadOrCreate(home.path().string());
  REQUIRE(again.has_value());
  CHECK(again->id == made->id);
  CHECK(again->cert_pem == made->cert_pem);
  CHECK(RendezvousIdText(made->id).size() == 52);
  CHECK(ParseRendezvousId(RendezvousIdText(made->id)).value() == made->id);
  CHECK(RendezvousIdentity::Generate()->id != made->id);
}

TEST_CASE("an invite's rendezvous identity follows from its secret alone", "[rendezvous]") {
  const Bytes secret(16, 0x5a);
  auto one = RendezvousIdentity::FromInviteSecret(secret);
  auto two = RendezvousIdentity::FromInviteSecret(secret);
  REQUIRE(one.has_value());
  REQUIRE(two.has_value());
  CHECK(one->id == two->id);
  CHECK(one->cert_pem == two->cert_pem);
  Bytes other = secret;
  other[15] ^= 1;
  CHECK(RendezvousIdentity::FromInviteSecret(other)->id != one->id);
  CHECK_FALSE(RendezvousIdentity::FromInviteSecret(Bytes{}).has_value());
  // The joiner's identity is just as reproducible, and another ID.
  using InviteRole = RendezvousIdentity::InviteRole;
  auto joiner = RendezvousIdentity::FromInviteSecret(secret, InviteRole::kJoiner);
  REQUIRE(joiner.has_value());
  CHECK(joiner->id == RendezvousIdentity::FromInviteSecret(secret, InviteRole::kJoiner)->id);
  CHECK(joiner->id != one->id);
  CHECK(RendezvousIdentity::FromInviteSecret(secret, InviteRole::kInviter)->id == one->id);
}

TEST_CASE("discovery URLs need a server ID and take 56-character IDs with dashes", "[rendezvous]") {
  auto url = ParseDiscoveryUrl(
      "https://198.51.100.10:8443/?id=YWDPOYY-7WA72SI-YLSVQSO-PYCQJLL-QNBVNOB-KBXLX3H-E3EVIGA-"
      "DM4PQAH");
  REQUIRE(url.has_value());
  CHECK(url->base == "https://198.51.100.10:8443");
  CHECK(ParseDiscoveryUrl(url->Url()).value() == *url);
  for (const char* bad :
       {"http://h:1/?id=AAAA", "https://h:1/", "https://h:1/?id=ABC",
        "https:///?id=YWDPOYY7WA72SIYLSVQSOPYCQJLLQNBVNOBKBXLX3HE3EVIGADM4PQAH"}) {
    INFO(bad);
    CHECK_FALSE(ParseDiscoveryUrl(bad).has_value());
  }
}

TEST_CASE("a device announced under its rendezvous ID is found by it and by nothing else",
          "[rendezvous]") {
  Fixture f;
  if (!f.Start()) return;
  {
    auto server = ParseDiscoveryUrl(f.server->Url()).value();
    auto alice = RendezvousClient::Start(*f.loop, server, RendezvousIdentity::Generate().value());
    auto bob = RendezvousClient::Start(*f.loop, server, RendezvousIdentity::Generate().value());
    REQUIRE(alice.has_value());
    REQUIRE(bob.has_value());
    (*alice)->Announce({"relay://198.51.100.10:50001"});
    INFO(f.server->log());
    REQUIRE(RunUntil(*f.loop, [&] { return (*alice)->announced(); }));
    auto found = LookUp(f, **bob, (*alice)->identity().id);
    REQUIRE(found->has_value());
    CHECK(**found == std::vector<std::string>{"relay://198.51.100.10:50001"});
    // Bob never announced; and any other ID (say a device ID) finds nothing.
    auto missing = LookUp(f, **alice, (*bob)->identity().id);
    REQUIRE_FALSE(missing->has_value());
    CHECK(missing->error().code == ErrorCode::kNotFound);
    RendezvousId other = (*alice)->identity().id;
    other[0] ^= 1;
    CHECK(LookUp(f, **bob, other)->error().code == ErrorCode::kNotFound);
    // A new address is found too (the server keeps the old one until it
    // expires there; dialing it fails and the next is tried).
    (*alice)->Announce({"relay://198.51.100.10:50002"});
    REQUIRE(RunUntil(*f.loop, [&] {
      auto again = LookUp(f, **bob, (*alice)->identity().id);
      return again->has_value() && std::find((*again)->begin(), (*again)->end(),
                                             "relay://198.51.100.10:50002") != (*again)->end();
    }));
  }
}

TEST_CASE("announcing again goes to the server at once, or once the minimum gap has passed",
          "[rendezvous]") {
  Fixture f;
  if (!f.Start()) return;
  {
    auto server = ParseDiscoveryUrl(f.server->Url()).value();
    auto alice = RendezvousClient::Start(*f.loop, server, RendezvousIdentity::Generate().value());
    REQUIRE(alice.has_value());
    RendezvousClient& client = **alice;
    client.Announce({"relay://198.51.100.10:50001"});
    INFO(f.server->log());
    REQUIRE(RunUntil(*f.loop, [&] { return client.announcements() == 1; }));
    // No gap asked: it goes out at once, not at the 30-minute renewal.
    client.AnnounceAgain(std::chrono::seconds(0));
    REQUIRE(RunUntil(*f.loop, [&] { return client.announcements() == 2; }));
    // Announced just now: a repeat waits out the 2 s gap, then goes.
    const auto asked = std::chrono::steady_clock::now();
    client.AnnounceAgain(std::chrono::seconds(2));
    testing::RunFor(*f.loop, std::chrono::milliseconds(1000));
    CHECK(client.announcements() == 2);
    REQUIRE(RunUntil(*f.loop, [&] { return client.announcements() == 3; }));
    CHECK(std::chrono::steady_clock::now() - asked >= std::chrono::milliseconds(1500));
    // New addresses go out at once; asking again with a long gap right
    // after does not hold them back.
    client.Announce({"relay://198.51.100.10:50002"});
    client.AnnounceAgain(std::chrono::seconds(600));
    REQUIRE(RunUntil(*f.loop, [&] { return client.announcements() == 4; }));
    CHECK(client.announced());
  }
}

TEST_CASE("a server whose certificate is not the pinned one is refused", "[rendezvous]") {
  Fixture f;
  if (!f.Start()) return;
  {
    auto server = ParseDiscoveryUrl(f.server->Url()).value();
    server.server_id[5] ^= 0x40;  // another server's ID
    auto client =
        RendezvousClient::Start(*f.loop, server, RendezvousIdentity::Generate().value()).value();
    auto result = LookUp(f, *client, client->identity().id);
    REQUIRE_FALSE(result->has_value());
    CHECK(result->error().code == ErrorCode::kIo);
    client->Announce({"relay://198.51.100.10:50001"});
    REQUIRE(RunUntil(*f.loop, [&] { return !client->last_error().empty(); }));
    CHECK_FALSE(client->announced());
  }
}

}  // namespace shoal::net
