// `shoal pair --share` with real daemons on loopback (docs/security.md
// "Pairing"): whoever redeems an invite first gets nothing until the owner
// confirms the comparison code; a wrong code unpairs it and shares nothing;
// the right one shares and the folder syncs. And `shoal pair -` reads the
// invite code from stdin.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {
namespace {

using shoal::testing::TempDir;

// The IDs of the folders `device` has been offered.
std::vector<std::string> Offered(const TestDevice& device) {
  std::vector<std::string> ids;
  const auto offers = device.Json({"folder", "offers"});  // kept: a temporary's member would dangle
  for (const auto& offer : offers["offers"]) {
    ids.push_back(offer["folder"].get<std::string>());
  }
  return ids;
}

// The devices the folder `id` on `device` is shared with.
nlohmann::json SharedWith(const TestDevice& device, const std::string& id) {
  const auto list = device.Json({"folder", "list"});  // kept: a temporary's member would dangle
  for (const auto& folder : list["folders"]) {
    if (folder["id"] == id) return folder["shared_with"];
  }
  FAIL("no folder " << id);
  return {};
}

// "123 456" → "123456", as typed on a command line.
std::string Digits(std::string code) {
  std::erase(code, ' ');
  return code;
}

bool Contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// "123 456" → "123 457": a code that is certainly not the one shown.
std::string AnotherCode(std::string code) {
  char& last = code.back();
  last = static_cast<char>('0' + (last - '0' + 1) % 10);
  return code;
}

// `inviter` runs `shoal pair --share FOLDER --json` (not on a terminal);
// `joiner` redeems the code it prints. Returns the inviter's CLI result and
// the joiner's comparison code.
std::pair<CliResult, std::string> InviteAndRedeem(TestDevice& inviter, TestDevice& joiner,
                                                  const std::string& folder) {
  ShoalProcess invite({"--home", inviter.home(), "pair", "--share", folder, "--json"});
  auto code = nlohmann::json::parse(invite.ReadLine())["code"].get<std::string>();
  nlohmann::json joined =
      joiner.Json({"pair", code + "@127.0.0.1:" + std::to_string(inviter.port())});
  CliResult result = invite.Finish();
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const auto paired = nlohmann::json::parse(result.out);
  CHECK(paired["device"] == joiner.id());
  CHECK(paired["comparison_code"] == joined["comparison_code"]);
  return {result, joined["comparison_code"].get<std::string>()};
}

}  // namespace

TEST_CASE(
    "a third device that redeems a pair --share code first gets nothing before the comparison "
    "code is confirmed",
    "[e2e][pairing]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  TestDevice mallory(dir.path().string(), "mallory");
  a.Start();
  b.Start();
  mallory.Start();
  WriteFile(a.Path("secret.txt"), "for beta only");
  const std::string docs =
      a.Json({"folder", "add", a.sync_dir(), "--label", "docs"})["id"].get<std::string>();

  // Alpha's owner invites, meaning to share docs with beta; mallory, who
  // read the code over a shoulder, redeems it first.
  auto [invited, mallory_code] = InviteAndRedeem(a, mallory, docs);
  CHECK_THAT(invited.err, Catch::Contains("is not shared yet"));
  CHECK_THAT(invited.err, Catch::Contains("shoal pair --confirm " + Digits(mallory_code)));
  CHECK(SharedWith(a, docs) == nlohmann::json::array());

  // Mallory is paired and connects, but no ClusterConfig offers it docs. A
  // folder the owner does share with it is the witness: once its offer has
  // arrived, so has every folder alpha shares with mallory.
  const std::string witness_dir = dir.path().string() + "/witness";
  WriteFile(witness_dir + "/public.txt", "for anyone");
  const std::string witness =
      a.Json({"folder", "add", witness_dir, "--label", "public"})["id"].get<std::string>();
  a.Json({"share", witness, mallory.id()});
  REQUIRE(Eventually([&] { return Contains(Offered(mallory), witness); }));
  CHECK_FALSE(Contains(Offered(mallory), docs));

  // The owner types the code beta would have shown: not mallory's.
  CliResult wrong = a.Cli({"pair", "--confirm", Digits(AnotherCode(mallory_code))});
  INFO(wrong.err);
  CHECK(wrong.exit_code == 1);
  CHECK_THAT(wrong.err, Catch::Contains("Nothing was shared"));
  CHECK(a.Json({"devices"})["devices"].empty());  // mallory was unpaired
  CHECK(SharedWith(a, docs) == nlohmann::json::array());
  CHECK_FALSE(Contains(Offered(mallory), docs));
  CHECK_FALSE(std::filesystem::exists(mallory.Path("secret.txt")));

  // A new invite, redeemed by beta, and the code beta shows.
  auto [again, beta_code] = InviteAndRedeem(a, b, docs);
  CHECK_FALSE(Contains(Offered(b), docs));
  CHECK(SharedWith(a, docs) == nlohmann::json::array());
  CliResult right = a.Cli({"pair", "--confirm", Digits(beta_code)});
  INFO(right.err);
  REQUIRE(right.exit_code == 0);
  CHECK_THAT(right.out, Catch::Contains("shared " + docs));
  b.Json({"folder", "accept", docs, b.sync_dir(), "--wait", "30"});
  REQUIRE(Eventually([&] { return ReadFile(b.Path("secret.txt")) == "for beta only"; }));
  CHECK_FALSE(std::filesystem::exists(mallory.Path("secret.txt")));
}

TEST_CASE("pair - reads the invite code from stdin", "[e2e][pairing]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  ShoalProcess invite({"--home", a.home(), "pair", "--json"});
  auto code = nlohmann::json::parse(invite.ReadLine())["code"].get<std::string>();
  CliResult joined = b.CliWithInput({"pair", "-", "--json"},
                                    code + "@127.0.0.1:" + std::to_string(a.port()) + "\n");
  INFO(joined.err);
  REQUIRE(joined.exit_code == 0);
  CliResult invited = invite.Finish();
  REQUIRE(invited.exit_code == 0);
  const auto paired = nlohmann::json::parse(joined.out);
  CHECK(paired["device"] == a.id());
  CHECK(paired["comparison_code"] == nlohmann::json::parse(invited.out)["comparison_code"]);

  // Nothing on stdin: a clear error, and no pairing attempt.
  CliResult empty = b.CliWithInput({"pair", "-"}, "");
  CHECK(empty.exit_code == 1);
  CHECK_THAT(empty.err, Catch::Contains("no invite code on stdin"));
}

}  // namespace shoal::e2e
