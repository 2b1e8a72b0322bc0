// LegSorter (net/peer/leg_sorter.h): telling a relayed connection's kind
// from its opening, pairing a session's two legs by token, and not letting
// strangers hold sockets.
#include "net/peer/leg_sorter.h"

#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "net/loop/tcp_stream.h"
#include "net/wire/leg_opening.h"
#include "tests/net/session/session_harness.h"
#include "tests/support/test_bytes.h"

namespace shoal::net {
namespace {

using namespace std::chrono_literals;
using testing::RunUntil;

struct Events : ByteStream::Listener {
  void OnRead(ByteSpan bytes) override { read.insert(read.end(), bytes.begin(), bytes.end()); }
  void OnEof() override { ++eofs; }
  void OnStreamError(std::string_view, int) override { ++errors; }
  void OnShutdown() override {}
  void OnDrained() override {}
  void OnClosed() override {}
  Bytes read;
  int eofs = 0, errors = 0;
};

// One dialed connection whose accepted end went to the sorter.
struct Client {
  ByteStreamPtr stream;
  Events events;
  bool ended() const { return events.eofs > 0 || events.errors > 0; }
};

wire::LegToken SeededToken(std::uint64_t seed) {
  wire::LegToken token;
  const Bytes random = shoal::testing::RandomBytes(token.size(), seed);
  std::copy(random.begin(), random.end(), token.begin());
  return token;
}

Bytes FirstLegOpening(const wire::LegToken& token) {
  const auto preamble =
      wire::EncodePreamble({.handshake = wire::HandshakeType::kPaired,
                            .ciphers = wire::kOfferChaChaPoly | wire::kOfferTwoLegs});
  Bytes out(preamble.begin(), preamble.end());
  out.push_back(0);
  out.push_back(32);
  out.insert(out.end(), token.begin(), token.end());
  return out;
}

Bytes SecondLegOpening(const wire::LegToken& token) {
  const auto opening = wire::EncodeSecondLegOpening(token);
  return Bytes(opening.begin(), opening.end());
}

struct Fixture {
  explicit Fixture(LegSorter::Options options = {.wait = 300ms, .opening_timeout = 2000ms})
      : loop(std::move(EventLoop::Create().value())) {
    sorter = std::move(
        LegSorter::Create(
            *loop, [this](LegSorter::Sorted s) { sorted.push_back(std::move(s)); }, options)
            .value());
    listener = std::make_unique<testing::TcpListener>(*loop, [this](UvHandle<uv_tcp_t> tcp) {
      sorter->Add(std::move(tcp), "198.51.100.7:" + std::to_string(++accepted));
    });
  }
  ~Fixture() {
    clients.clear();
    sorted.clear();
    sorter.reset();
    listener.reset();
    CHECK(loop->Close().has_value());
  }
  // Dials the sorter and sends `bytes` (if any); returns once it was accepted.
  Client& Connect(const Bytes& bytes) {
    auto client = std::make_unique<Client>();
    Client* c = client.get();
    clients.push_back(std::move(client));
    const int before = accepted;
    testing::DialLoopback(*loop, listener->port(), [c](UvHandle<uv_tcp_t> tcp) {
      c->stream = std::move(TcpStream::Adopt(std::move(tcp)).value());
    });
    REQUIRE(RunUntil(*loop, [&] { return c->stream && accepted > before; }));
    REQUIRE(c->stream->Start(&c->events, {}));
    if (!bytes.empty()) REQUIRE(c->stream->Write(bytes));
    return *c;
  }
  // What the sorter left unread on a connection it handed over.
  Bytes ReadRest(UvHandle<uv_tcp_t> tcp, std::size_t size) {
    ByteStreamPtr stream = std::move(TcpStream::Adopt(std::move(tcp)).value());
    Events events;
    REQUIRE(stream->Start(&events, {}));
    REQUIRE(RunUntil(*loop, [&] { return events.read.size() >= size; }));
    return events.read;
  }

  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<LegSorter> sorter;
  std::unique_ptr<testing::TcpListener> listener;
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<LegSorter::Sorted> sorted;
  int accepted = 0;
};

}  // namespace

TEST_CASE("a connection without a leg opening is handed on at once, alone, with what was read",
          "[peer][legs]") {
  Fixture f;
  // A paired preamble without the offer (any Shoal before two legs), then
  // its message 1: only the preamble is read here.
  const auto preamble = wire::EncodePreamble({.handshake = wire::HandshakeType::kPaired});
  Bytes bytes(preamble.begin(), preamble.end());
  const Bytes rest = {0, 3, 'a', 'b', 'c'};
  bytes.insert(bytes.end(), rest.begin(), rest.end());
  f.Connect(bytes);
  REQUIRE(RunUntil(*f.loop, [&] { return f.sorted.size() == 1; }));
  CHECK(f.sorted[0].already_read == Bytes(preamble.begin(), preamble.end()));
  CHECK_FALSE(f.sorted[0].second);
  CHECK(f.sorted[0].peer == "198.51.100.7:1");
  CHECK(f.ReadRest(std::move(f.sorted[0].first), rest.size()) == rest);
  // Bytes that are no Shoal preamble at all go on too: the session says why.
  f.Connect(Bytes{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T'});
  REQUIRE(RunUntil(*f.loop, [&] { return f.sorted.size() == 2; }));
  CHECK(f.sorted[1].already_read.size() == 8);
  CHECK(f.sorter->pending() == 0);
}

TEST_CASE("a session's two legs are paired by their token, whichever arrives first",
          "[peer][legs]") {
  Fixture f;
  const bool second_first = GENERATE(false, true);
  INFO((second_first ? "second leg first" : "first leg first"));
  const wire::LegToken token = SeededToken(5);
  Bytes first_bytes = FirstLegOpening(token);
  const Bytes after = {0, 1, 'x'};
  first_bytes.insert(first_bytes.end(), after.begin(), after.end());
  // Another session's legs are in the way and stay unpaired.
  f.Connect(SecondLegOpening(SeededToken(6)));
  if (second_first) {
    f.Connect(SecondLegOpening(token));
    testing::RunFor(*f.loop, 50ms);
    CHECK(f.sorted.empty());
    f.Connect(first_bytes);
  } else {
    f.Connect(first_bytes);
    testing::RunFor(*f.loop, 50ms);
    CHECK(f.sorted.empty());
    f.Connect(SecondLegOpening(token));
  }
  REQUIRE(RunUntil(*f.loop, [&] { return f.sorted.size() == 1; }));
  LegSorter::Sorted& s = f.sorted[0];
  REQUIRE(s.second);
  CHECK(s.already_read == FirstLegOpening(token));
  CHECK(s.peer == (second_first ? "198.51.100.7:3" : "198.51.100.7:2"));
  CHECK(f.ReadRest(std::move(s.first), after.size()) == after);  // nothing past the opening
  CHECK(f.sorter->pending() == 1);  // the other session's second leg, until its wait ends
}

TEST_CASE(
    "a first leg whose second never comes goes on alone after the wait, and a lone second "
    "leg is closed",
    "[peer][legs]") {
  Fixture f;
  f.Connect(FirstLegOpening(SeededToken(1)));
  Client& lone = f.Connect(SecondLegOpening(SeededToken(2)));
  testing::RunFor(*f.loop, 100ms);
  CHECK(f.sorted.empty());
  REQUIRE(RunUntil(
      *f.loop, [&] { return f.sorted.size() == 1 && lone.ended(); }, 3s));
  CHECK_FALSE(f.sorted[0].second);
  CHECK(f.sorted[0].already_read == FirstLegOpening(SeededToken(1)));
  CHECK(f.sorter->pending() == 0);
  // A malformed second leg (its frame is not a 32-byte key) is closed at once.
  Bytes bad = SecondLegOpening(SeededToken(3));
  bad[9] = 31;
  Client& malformed = f.Connect(bad);
  REQUIRE(RunUntil(
      *f.loop, [&] { return malformed.ended(); }, 1s));
  CHECK(f.sorted.size() == 1);
}

TEST_CASE("at most max_pending connections are held: a newcomer makes the oldest go",
          "[peer][legs]") {
  // Long enough that only the bound can close anything here.
  Fixture f({.wait = 10s, .opening_timeout = 10s, .max_pending = 4});
  // The oldest is a first leg waiting for its second: it goes on alone.
  f.Connect(FirstLegOpening(SeededToken(1)));
  REQUIRE(RunUntil(*f.loop, [&] { return f.sorter->pending() == 1; }));
  testing::RunFor(*f.loop, 50ms);
  std::vector<Client*> silent;
  for (int i = 0; i < 5; ++i) silent.push_back(&f.Connect({}));
  REQUIRE(RunUntil(
      *f.loop, [&] { return f.sorted.size() == 1 && silent[0]->ended(); }, 1s));
  CHECK_FALSE(f.sorted[0].second);
  CHECK(f.sorted[0].already_read == FirstLegOpening(SeededToken(1)));
  // The silent ones are closed, oldest first.
  testing::RunFor(*f.loop, 100ms);
  CHECK(f.sorter->pending() == 4);
  for (int i = 1; i < 5; ++i) CHECK_FALSE(silent[i]->ended());
}

TEST_CASE("connections that never show a whole opening are closed after the opening timeout",
          "[peer][legs]") {
  Fixture f({.wait = 300ms, .opening_timeout = 600ms, .max_pending = 4});
  Client& silent = f.Connect({});
  Client& half = f.Connect(Bytes{'S', 'H', 'O'});  // half a preamble is no better
  testing::RunFor(*f.loop, 300ms);
  CHECK_FALSE(silent.ended());
  CHECK_FALSE(half.ended());
  REQUIRE(RunUntil(
      *f.loop, [&] { return silent.ended() && half.ended(); }, 3s));
  CHECK(f.sorter->pending() == 0);
  CHECK(f.sorted.empty());
}

}  // namespace shoal::net
