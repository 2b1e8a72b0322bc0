// SessionExchange between two real FolderEngines, with every message
// encoded and decoded by the wire codecs on the way (no sockets): the
// mapping, the access rules and response reassembly.
#include "net/exchange/session_exchange.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <set>

#include "tests/core/sync/engine_pair.h"

namespace shoal::net {
namespace {

using shoal::testing::EngineCluster;

DeviceId IdOf(int device) {  // as EngineCluster names its devices
  DeviceId::Key key{};
  key.fill(static_cast<std::uint8_t>(0x10 + device));
  return DeviceId(key);
}

std::string RandomBytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

struct Wire {
  int to = 0;
  wire::RecordType type{};
  Bytes body;
};

// Both ends of one connection: a sink per side that encodes into a shared
// queue, and a pump that decodes and dispatches to the other side.
class Link;

class Side final : public WireSink, public ExchangeOwner {
 public:
  Side(Link& link, int me) : link_(link), me_(me) {}
  Result<void> Send(const wire::PeerMessage& message) override {
    return std::visit([this](const auto& m) { return Push(m.kType, Encode(m)); }, message);
  }
  Result<void> SendResponse(std::uint32_t id, wire::ResponseCode code, ByteSpan block) override;

  std::vector<ExchangeFolder> FoldersSharedWith(DeviceKey) override { return shared; }
  void OnFolderOffered(DeviceKey, const wire::FolderShare& share) override {
    offered.push_back(share);
  }
  void OnEngineInput(FolderPeer& engine) override { dirty.insert(&engine); }
  void OnSendFailed(const Error& error) override { FAIL(error.ToString()); }

  std::vector<ExchangeFolder> shared;
  std::vector<wire::FolderShare> offered;
  std::set<FolderPeer*> dirty;
  bool writable() const override { return can_write; }
  bool can_write = true;
  std::vector<Wire> sent;  // everything this side put on the wire
  // Rewrites the pieces of each block response before they are sent.
  std::function<void(std::vector<wire::Response>&)> mangle;
  std::unique_ptr<SessionExchange> exchange;

 private:
  Result<void> Push(wire::RecordType type, Bytes body);
  Link& link_;
  int me_;
};

class Link {
 public:
  Link(EngineCluster& cluster) : cluster_(cluster), sides_{Side(*this, 0), Side(*this, 1)} {
    for (int i = 0; i < 2; ++i) {
      sides_[i].exchange = std::make_unique<SessionExchange>(
          IdOf(i), IdOf(1 - i), cluster[i].keys[static_cast<std::size_t>(1 - i)], sides_[i],
          sides_[i]);
    }
  }
  Side& operator[](int i) { return sides_[i]; }
  void Queue(Wire w) { queue_.push_back(std::move(w)); }

  // Delivers everything, pulling on engines that got input, until quiet.
  void Settle() {
    auto error = Run();
    INFO((error ? error->ToString() : std::string()));
    REQUIRE_FALSE(error);
  }

  // As Settle, but stops at the first message the receiver refuses.
  std::optional<Error> Run() {
    for (int round = 0; round < 100; ++round) {
      cluster_.clock.now += 3'000'000'000;
      for (int i = 0; i < 2; ++i) REQUIRE(cluster_[i].engine->Scan());
      bool moved = !queue_.empty();
      while (!queue_.empty()) {
        Wire w = std::move(queue_.front());
        queue_.pop_front();
        auto handled = Dispatch(w);
        if (!handled) return handled.error();
      }
      for (int i = 0; i < 2; ++i) {
        auto pass = cluster_[i].engine->Pull();
        REQUIRE(pass);
        moved = moved || pass->applied > 0 || !queue_.empty();
      }
      if (!moved) return std::nullopt;
    }
    FAIL("did not settle");
    return std::nullopt;
  }

  Result<void> Dispatch(const Wire& w) {
    SessionExchange& to = *sides_[w.to].exchange;
    switch (w.type) {
      case wire::RecordType::kClusterConfig:
        return to.OnMessage(wire::DecodeClusterConfig(w.body).value());
      case wire::RecordType::kIndex:
        return to.OnMessage(wire::DecodeIndex(w.body).value());
      case wire::RecordType::kIndexUpdate:
        return to.OnMessage(wire::DecodeIndexUpdate(w.body).value());
      case wire::RecordType::kRequest:
        return to.OnMessage(wire::DecodeRequest(w.body).value());
      case wire::RecordType::kResponse:
        return to.OnMessage(wire::DecodeResponse(w.body).value());
      default:
        FAIL("unexpected record type");
    }
    return {};
  }

 private:
  EngineCluster& cluster_;
  Side sides_[2];
  std::deque<Wire> queue_;
};

Result<void> Side::Push(wire::RecordType type, Bytes body) {
  Wire w{1 - me_, type, std::move(body)};
  sent.push_back(w);
  link_.Queue(std::move(w));
  return {};
}

// Cuts blocks into three pieces, as a session cuts large ones.
Result<void> Side::SendResponse(std::uint32_t id, wire::ResponseCode code, ByteSpan block) {
  if (code != wire::ResponseCode::kOk)
    return Push(wire::RecordType::kResponse, Encode(wire::Response{id, code, 0, {}}));
  const std::size_t third = block.size() / 3 + 1;
  std::vector<wire::Response> pieces;
  for (std::size_t offset = 0; offset < block.size(); offset += third) {
    std::size_t n = std::min(third, block.size() - offset);
    Bytes piece(block.begin() + static_cast<std::ptrdiff_t>(offset),
                block.begin() + static_cast<std::ptrdiff_t>(offset + n));
    pieces.push_back(wire::Response{id, code, static_cast<std::uint32_t>(offset), piece});
  }
  if (mangle) mangle(pieces);
  for (const wire::Response& piece : pieces) {
    auto pushed = Push(wire::RecordType::kResponse, Encode(piece));
    if (!pushed) return pushed;
  }
  return {};
}

ExchangeFolder Shared(EngineCluster& c, int device) {
  return ExchangeFolder{"shared", "Shared", 0x5eed, c[device].engine.get()};
}

bool Mentions(const std::vector<Wire>& sent, const std::string& needle) {
  for (const Wire& w : sent) {
    std::string body(w.body.begin(), w.body.end());
    if (body.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("files cross a wire-encoded exchange in both directions, blocks reassembled",
          "[exchange]") {
  EngineCluster c(2);
  Link link(c);
  link[0].shared = {Shared(c, 0)};
  link[1].shared = {Shared(c, 1)};
  const std::string big = RandomBytes(700'000, 7);
  c[0].fs.WriteFile("a/big.bin", big, c.clock.now - 10'000'000'000);
  c[1].fs.WriteFile("b.txt", "from one", c.clock.now - 10'000'000'000);
  REQUIRE(link[0].exchange->Refresh());
  REQUIRE(link[1].exchange->Refresh());
  link.Settle();
  CHECK(c[1].fs.Content("a/big.bin") == big);
  CHECK(c[0].fs.Content("b.txt") == "from one");
  CHECK(c[0].engine->NeedCount() == 0);
  CHECK(c[1].engine->NeedCount() == 0);
  CHECK(link[0].offered.empty());
}

TEST_CASE("a folder not shared back is offered by ID and label, and no file name crosses",
          "[exchange]") {
  EngineCluster c(2);
  Link link(c);
  link[0].shared = {Shared(c, 0)};  // device 1 has not shared it with device 0
  c[0].fs.WriteFile("secret-plans.txt", "x", c.clock.now - 10'000'000'000);
  c[1].fs.WriteFile("private-diary.txt", "y", c.clock.now - 10'000'000'000);
  REQUIRE(link[0].exchange->Refresh());
  REQUIRE(link[1].exchange->Refresh());
  link.Settle();
  REQUIRE(link[1].offered.size() == 1);
  CHECK(link[1].offered[0].id == "shared");
  CHECK(link[1].offered[0].label == "Shared");
  CHECK(link[1].offered[0].hash_seed == 0x5eed);
  CHECK_FALSE(Mentions(link[0].sent, "secret-plans"));
  CHECK_FALSE(Mentions(link[1].sent, "private-diary"));
  CHECK_FALSE(c[1].fs.Lstat("secret-plans.txt"));

  SECTION("sharing it back later starts the exchange without reconnecting") {
    link[1].shared = {Shared(c, 1)};
    REQUIRE(link[1].exchange->Refresh());
    link.Settle();
    CHECK(c[1].fs.Content("secret-plans.txt") == "x");
    CHECK(c[0].fs.Content("private-diary.txt") == "y");
  }
}

TEST_CASE("a Request for a folder not shared with the peer is refused without reading",
          "[exchange]") {
  EngineCluster c(2);
  Link link(c);
  link[0].shared = {Shared(c, 0)};
  REQUIRE(link[0].exchange->Refresh());
  link[0].sent.clear();
  wire::Request probe{9, "other-folder", "etc/passwd", 0, 100, {}};
  REQUIRE(link[0].exchange->OnMessage(probe));
  REQUIRE(link[0].sent.size() == 1);
  auto response = wire::DecodeResponse(link[0].sent[0].body).value();
  CHECK(response.request_id == 9);
  CHECK(response.code == wire::ResponseCode::kInvalid);
  CHECK(response.data.empty());
  // Also for a folder we share but the peer has not listed in its ClusterConfig.
  probe.folder = "shared";
  REQUIRE(link[0].exchange->OnMessage(probe));
  CHECK(wire::DecodeResponse(link[0].sent.back().body).value().code ==
        wire::ResponseCode::kInvalid);
}

TEST_CASE("block pieces out of order or past the block's end are protocol errors", "[exchange]") {
  EngineCluster c(2);
  Link link(c);
  link[0].shared = {Shared(c, 0)};
  link[1].shared = {Shared(c, 1)};
  c[0].fs.WriteFile("f.bin", RandomBytes(50'000, 3), c.clock.now - 10'000'000'000);
  std::string expected;
  SECTION("out of order") {
    link[0].mangle = [](std::vector<wire::Response>& p) { std::swap(p[0], p[1]); };
    expected = "out of order";
  }
  SECTION("longer than requested") {
    link[0].mangle = [](std::vector<wire::Response>& p) { p.back().data.push_back(0); };
    expected = "longer than the block";
  }
  REQUIRE(link[0].exchange->Refresh());
  REQUIRE(link[1].exchange->Refresh());
  auto error = link.Run();
  REQUIRE(error);
  CHECK(error->code == ErrorCode::kProtocol);
  CHECK_THAT(error->message, Catch::Contains(expected));
  CHECK_FALSE(c[1].fs.Lstat("f.bin"));  // nothing half-received lands
}

TEST_CASE("while the session cannot take more, requests wait and are served as it drains",
          "[exchange]") {
  EngineCluster c(2);
  Link link(c);
  link[0].shared = {Shared(c, 0)};
  link[1].shared = {Shared(c, 1)};
  const std::string content = RandomBytes(400'000, 11);
  c[0].fs.WriteFile("f.bin", content, c.clock.now - 10'000'000'000);
  REQUIRE(link[0].exchange->Refresh());
  REQUIRE(link[1].exchange->Refresh());
  link[0].can_write = false;
  link.Settle();  // quiet: every request is held, none answered
  auto responses = std::count_if(link[0].sent.begin(), link[0].sent.end(), [](const Wire& w) {
    return w.type == wire::RecordType::kResponse;
  });
  CHECK(responses == 0);
  CHECK_FALSE(c[1].fs.Lstat("f.bin"));
  link[0].can_write = true;
  REQUIRE(link[0].exchange->OnWritable());
  link.Settle();
  CHECK(c[1].fs.Content("f.bin") == content);
}

TEST_CASE("a peer that stops sharing and shares again picks up where both left off", "[exchange]") {
  EngineCluster c(2);
  Link link(c);
  link[0].shared = {Shared(c, 0)};
  link[1].shared = {Shared(c, 1)};
  c[0].fs.WriteFile("before.txt", "first", c.clock.now - 10'000'000'000);
  REQUIRE(link[0].exchange->Refresh());
  REQUIRE(link[1].exchange->Refresh());
  link.Settle();
  REQUIRE(c[1].fs.Content("before.txt") == "first");

  link[1].shared.clear();
  REQUIRE(link[1].exchange->Refresh());
  c[0].fs.WriteFile("while-apart-0.txt", "zero", c.clock.now - 10'000'000'000);
  c[1].fs.WriteFile("while-apart-1.txt", "one", c.clock.now - 10'000'000'000);
  link.Settle();
  CHECK_FALSE(c[1].fs.Lstat("while-apart-0.txt"));
  CHECK_FALSE(c[0].fs.Lstat("while-apart-1.txt"));

  link[1].shared = {Shared(c, 1)};
  REQUIRE(link[1].exchange->Refresh());
  link.Settle();
  CHECK(c[1].fs.Content("while-apart-0.txt") == "zero");
  CHECK(c[0].fs.Content("while-apart-1.txt") == "one");
}

TEST_CASE("block answers that arrive after an unshare and reshare are dropped", "[exchange]") {
  EngineCluster c(2);
  Link link(c);
  link[0].shared = {Shared(c, 0)};
  link[1].shared = {Shared(c, 1)};
  const std::string content = RandomBytes(300'000, 5);
  c[0].fs.WriteFile("f.bin", content, c.clock.now - 10'000'000'000);
  REQUIRE(link[0].exchange->Refresh());
  REQUIRE(link[1].exchange->Refresh());
  link[0].can_write = false;
  link.Settle();  // device 1 asked for the blocks; device 0 holds the requests
  REQUIRE_FALSE(c[1].fs.Lstat("f.bin"));
  link[1].shared.clear();
  REQUIRE(link[1].exchange->Refresh());
  link[1].shared = {Shared(c, 1)};
  REQUIRE(link[1].exchange->Refresh());  // a new connection of the folder's engine
  link[0].can_write = true;
  REQUIRE(link[0].exchange->OnWritable());  // answers to the old connection's requests
  link.Settle();  // are dropped, not handed to the new connection; it asks again
  CHECK(c[1].fs.Content("f.bin") == content);
}

TEST_CASE("a peer that keeps asking while we cannot answer is cut off at the cap", "[exchange]") {
  EngineCluster c(2);
  Link link(c);
  link[0].can_write = false;
  wire::Request request;
  request.folder = "f";
  request.name = "x";
  request.size = 1;
  for (std::size_t i = 0; i < SessionExchange::kMaxHeldRequests; ++i) {
    request.request_id = static_cast<std::uint32_t>(i + 1);
    REQUIRE(link[0].exchange->OnMessage(request));
  }
  request.request_id = 0xffff'ffff;
  auto refused = link[0].exchange->OnMessage(request);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kProtocol);
  CHECK(link[0].sent.empty());  // nothing was answered while not writable
}

TEST_CASE("Responses that do not match an outstanding request are protocol errors", "[exchange]") {
  EngineCluster c(2);
  Link link(c);
  SessionExchange& exchange = *link[0].exchange;
  CHECK_FALSE(exchange.OnMessage(wire::Response{42, wire::ResponseCode::kOk, 0, Bytes(10)}));
}

}  // namespace shoal::net
