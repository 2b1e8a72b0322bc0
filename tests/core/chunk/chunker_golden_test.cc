// Block boundaries are part of the protocol (docs/protocol.md "Blocks and
// content IDs"): two versions of Shoal that cut differently share no blocks.
// These tests pin them to files in tests/data. They fail on any change.
//
// To regenerate after a deliberate, protocol-breaking change (never to make
// a failure go away):
//   SHOAL_UPDATE_GOLDEN=1 build/tests/shoal_tests '[golden]'
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/chunk/chunker.h"
#include "tests/support/test_bytes.h"

namespace shoal {
namespace {

struct Boundary {
  std::uint64_t offset;
  std::uint64_t length;
  friend bool operator==(const Boundary&, const Boundary&) = default;
};

std::vector<Boundary> Boundaries(ByteSpan data, const ChunkSizes& sizes) {
  std::vector<Boundary> out;
  std::uint64_t offset = 0;
  while (offset < data.size()) {
    const std::size_t length = FindCutPoint(data.subspan(offset), sizes);
    out.push_back({offset, length});
    offset += length;
  }
  return out;
}

std::string Header(std::size_t size, std::uint64_t seed, const ChunkSizes& sizes) {
  std::ostringstream out;
  out << "# FastCDC block boundaries (core/chunk/chunker.h), frozen: docs/protocol.md.\n"
      << "# input: tests/support/test_bytes.h RandomBytes(" << size << ", " << seed << ")\n"
      << "# size class: min " << sizes.min << ", avg " << sizes.avg << ", max " << sizes.max
      << "\n# regenerate: SHOAL_UPDATE_GOLDEN=1 build/tests/shoal_tests '[golden]'\n"
      << "# offset length\n";
  return out.str();
}

// Lines "offset length"; '#' starts a comment line.
std::vector<Boundary> ReadGolden(const std::string& path) {
  std::ifstream in(path);
  std::vector<Boundary> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Boundary b{};
    fields >> b.offset >> b.length;
    out.push_back(b);
  }
  return out;
}

void CheckGolden(const std::string& name, std::size_t size, std::uint64_t seed,
                 const ChunkSizes& sizes) {
  const std::string path = std::string(SHOAL_TEST_DATA_DIR) + "/" + name;
  const Bytes data = testing::RandomBytes(size, seed);
  const std::vector<Boundary> actual = Boundaries(data, sizes);
  const char* update = std::getenv("SHOAL_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream out(path, std::ios::trunc);
    out << Header(size, seed, sizes);
    for (const Boundary& b : actual) out << b.offset << ' ' << b.length << '\n';
    REQUIRE(out.good());
    WARN("rewrote " << path << " (" << actual.size() << " blocks)");
    return;
  }
  const std::vector<Boundary> expected = ReadGolden(path);
  REQUIRE_FALSE(expected.empty());  // a missing file is a failure, not a pass
  std::size_t i = 0;
  while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
  INFO(path << ": first difference at block " << i << " of " << expected.size()
            << "; block boundaries are frozen (docs/protocol.md)");
  CHECK(actual.size() == expected.size());
  CHECK(i == expected.size());
}

}  // namespace

TEST_CASE("small-file block boundaries match the frozen golden list", "[chunk][golden]") {
  CheckGolden("chunker_golden_small.txt", 8 << 20, 0x601d5a11, kSmallFileChunkSizes);
}

TEST_CASE("large-file block boundaries match the frozen golden list", "[chunk][golden]") {
  CheckGolden("chunker_golden_large.txt", 24 << 20, 0x601d1a26, kLargeFileChunkSizes);
}

}  // namespace shoal
