// Attacks through the folder conversation from a paired device (issue 15):
// folder lists without end, and requests for what it must not read.
#include <catch2/catch.hpp>
#include <filesystem>

#include "core/hash/block_hash.h"
#include "net/wire/record.h"
#include "tests/hostile/crafted.h"
#include "tests/hostile/victim.h"

namespace shoal::hostile {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using net::wire::RecordType;

// `count` folders with IDs as short as they get (base 62), so a million
// of them (15 bytes each) fit one message.
net::wire::ClusterConfig MadeUpFolders(std::size_t count) {
  static constexpr char kDigits[] =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  net::wire::ClusterConfig config;
  config.folders.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t n = i;
    do {
      config.folders[i].id.push_back(kDigits[n % 62]);
      n /= 62;
    } while (n > 0);
  }
  return config;
}

TEST_CASE("hostile: a ClusterConfig with 1000000 folders is refused on a cap", "[hostile]") {
  Scene scene;
  auto mallory = scene.Mallory();
  // 1,000,000 folders of 15 bytes: under the 16 MiB message cap.
  REQUIRE(mallory->QueueMessage(MadeUpFolders(1'000'000)));
  REQUIRE(mallory->Flush());
  const auto start = std::chrono::steady_clock::now();
  auto close = mallory->AwaitClose(60s);
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(close);
  WARN("closed after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                       << " ms: " << close->text);
  CHECK(close->reason == net::wire::CloseReason::kProtocolError);
  CHECK(close->text.find("folders, more than the") != std::string::npos);
  CHECK(scene.victim().Json({"folder", "offers"})["offers"].size() == 0);
  scene.ExpectUnharmed();
}

TEST_CASE("hostile: offers from one device are capped", "[hostile]") {
  Scene scene;
  auto mallory = scene.Mallory();
  // Under the message cap of 4096 folders: accepted, but only the first
  // 64 become offers (and one log line, not 4096).
  REQUIRE(mallory->QueueMessage(MadeUpFolders(4096)));
  REQUIRE(mallory->Flush());
  REQUIRE(e2e::Eventually([&] { return scene.Logged("the rest are ignored"); }));
  const auto offers = scene.victim().Json({"folder", "offers"})["offers"];
  WARN(offers.size() << " offers kept");
  CHECK(offers.size() == 64);
  CHECK_FALSE(mallory->AwaitClose(1s));
  scene.ExpectUnharmed();
}

TEST_CASE("hostile: a Request for an ignored file with its right hash is refused with no disk read",
          "[hostile]") {
  Scene scene;
  // The victim keeps a secret out of the folder's sync with .shoalignore.
  e2e::WriteFile(scene.victim().Path(".shoalignore"), "secret.txt\n");
  std::string secret(1 << 20, '\0');
  for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<char>(i * 7919 % 251);
  e2e::WriteFile(scene.victim().Path("secret.txt"), secret);
  scene.victim().Cli({"rescan"});
  auto mallory = scene.Mallory();
  // The folder's block-hash seed is in the victim's ClusterConfig; Mallory
  // got it in ShareBack, and asks the hash of the secret as it guesses it.
  const std::uint64_t seed = mallory->shared_folders().at(0).hash_seed;
  const ByteSpan bytes(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size());
  net::wire::Request request;
  request.request_id = 1;
  request.folder = scene.folder();
  request.name = "secret.txt";
  request.offset = 0;
  request.size = static_cast<std::uint32_t>(secret.size());
  request.hash = HashBlock(bytes, seed);
  const ProcSample before = Sample(scene.victim().pid());
  REQUIRE(mallory->QueueMessage(request));
  REQUIRE(mallory->Flush());
  auto answer = mallory->Await(RecordType::kResponse, 10s);
  REQUIRE(answer);
  auto response = net::wire::DecodeResponse(answer->body);
  REQUIRE(response);
  const ProcSample after = Sample(scene.victim().pid());
  WARN("response code " << int(response->code) << ", victim read " << after.rchar - before.rchar
                        << " bytes meanwhile");
  CHECK(response->code != net::wire::ResponseCode::kOk);
  CHECK(response->data.empty());
  CHECK(after.rchar - before.rchar < static_cast<std::int64_t>(secret.size()) / 2);
  CHECK_FALSE(fs::exists(scene.honest().Path("secret.txt")));
  scene.ExpectUnharmed();
}

}  // namespace
}  // namespace shoal::hostile
