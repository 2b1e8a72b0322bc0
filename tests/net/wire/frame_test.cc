#include "net/wire/frame.h"

#include <catch2/catch.hpp>

#include "tests/support/test_bytes.h"

namespace shoal::net::wire {
namespace {

using shoal::testing::RandomBytes;
using shoal::testing::SplitMix64;

// Feeds `stream` in pieces chosen by `next_size` and collects the frames.
template <typename NextSize>
std::vector<Bytes> ReadAll(const Bytes& stream, NextSize next_size) {
  FrameReader reader;
  std::vector<Bytes> frames;
  ByteSpan rest = stream;
  while (!rest.empty()) {
    std::size_t n = std::min(rest.size(), next_size());
    auto ok = reader.Feed(rest.first(n), [&](ByteSpan body) -> Result<void> {
      frames.emplace_back(body.begin(), body.end());
      return {};
    });
    REQUIRE(ok);
    rest = rest.subspan(n);
  }
  CHECK(reader.at_boundary());
  return frames;
}

TEST_CASE("FeedUntil stops after the frame that satisfies stop and the rest can be fed later",
          "[wire]") {
  SplitMix64 rng(15);
  Bytes stream;
  std::vector<Bytes> sent;
  for (int i = 0; i < 50; ++i) {
    sent.push_back(RandomBytes(1 + rng.Below(3000), rng.Next()));
    REQUIRE(AppendFrame(stream, sent.back()));
  }
  FrameReader reader;
  std::vector<Bytes> frames;
  ByteSpan rest = stream;
  while (!rest.empty()) {
    const std::size_t before = frames.size();
    auto used = reader.FeedUntil(
        rest,
        [&](ByteSpan body) -> Result<void> {
          frames.emplace_back(body.begin(), body.end());
          return {};
        },
        [&] { return frames.size() > before; });
    REQUIRE(used);
    REQUIRE(*used > 0);
    // One frame per call: it stopped right after the frame it completed.
    CHECK(frames.size() == before + 1);
    rest = rest.subspan(*used);
  }
  CHECK(frames == sent);
  CHECK(reader.at_boundary());
}

TEST_CASE("a frame longer than the reader's lowered maximum is refused before it is buffered",
          "[wire]") {
  FrameReader reader;
  reader.set_max_body(1024);
  Bytes stream;
  REQUIRE(AppendFrame(stream, Bytes(1024, 7)));
  REQUIRE(AppendFrame(stream, Bytes(1025, 7)));
  int frames = 0;
  // Only the header of the second frame is fed: it is refused on its length.
  auto ok = reader.Feed(ByteSpan(stream).first(2 + 1024 + 2), [&](ByteSpan) -> Result<void> {
    ++frames;
    return {};
  });
  CHECK(frames == 1);
  REQUIRE_FALSE(ok);
  CHECK(ok.error().code == ErrorCode::kProtocol);
  CHECK_THAT(ok.error().message, Catch::Contains("1025"));
  CHECK(reader.failed());
}

}  // namespace

TEST_CASE("frames survive any chunking: byte by byte, random sizes, all at once", "[wire]") {
  SplitMix64 rng(3);
  std::vector<Bytes> sent;
  Bytes stream;
  for (int i = 0; i < 200; ++i) {
    std::size_t size = 1 + (rng.Below(5) == 0 ? rng.Below(kMaxFrameBody) : rng.Below(300));
    sent.push_back(RandomBytes(size, rng.Next()));
    REQUIRE(AppendFrame(stream, sent.back()));
  }
  CHECK(ReadAll(stream, [] { return std::size_t{1}; }) == sent);
  CHECK(ReadAll(stream, [&] { return 1 + rng.Below(100000); }) == sent);
  CHECK(ReadAll(stream, [&] { return stream.size(); }) == sent);
}

TEST_CASE("frame encoding refuses empty and oversized bodies", "[wire]") {
  CHECK_FALSE(EncodeFrame(Bytes{}));
  CHECK_FALSE(EncodeFrame(Bytes(kMaxFrameBody + 1)));
  auto largest = EncodeFrame(Bytes(kMaxFrameBody, 7));
  REQUIRE(largest);
  CHECK((*largest)[0] == 0xff);
  CHECK((*largest)[1] == 0xff);
  CHECK(largest->size() == kMaxFrameBody + 2);
}

TEST_CASE("a zero frame length is a protocol error and the reader stays failed", "[wire]") {
  FrameReader reader;
  int frames = 0;
  auto count = [&](ByteSpan) -> Result<void> {
    ++frames;
    return {};
  };
  auto result = reader.Feed(Bytes{0, 1, 9, 0, 0, 0, 1, 9}, count);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::kProtocol);
  CHECK(frames == 1);
  CHECK(reader.failed());
  CHECK_FALSE(reader.Feed(Bytes{0, 1, 9}, count));
  CHECK(frames == 1);
}

TEST_CASE("a frame cut short leaves the reader off a frame boundary", "[wire]") {
  FrameReader reader;
  auto ignore = [](ByteSpan) -> Result<void> { return {}; };
  REQUIRE(reader.Feed(Bytes{0xff}, ignore));
  CHECK_FALSE(reader.at_boundary());  // EOF here is a truncation
  REQUIRE(reader.Feed(Bytes{0xff, 1, 2, 3}, ignore));
  CHECK_FALSE(reader.at_boundary());
}

TEST_CASE("a handler error stops the reader", "[wire]") {
  FrameReader reader;
  int frames = 0;
  auto result = reader.Feed(Bytes{0, 1, 1, 0, 1, 2}, [&](ByteSpan) -> Result<void> {
    ++frames;
    return Fail(ErrorCode::kCrypto, "bad tag");
  });
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::kCrypto);
  CHECK(frames == 1);
}

}  // namespace shoal::net::wire
