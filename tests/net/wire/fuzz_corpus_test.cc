// Writes the fuzz seed corpus (tests/fuzz/corpus/<target>/). Hidden from the
// normal run; regenerate with
//   build/tests/shoal_tests '[wire-corpus]'
// The files are deterministic (fixed seeds), so regenerating changes nothing
// unless the wire format did.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "net/wire/frame.h"
#include "net/wire/record_packer.h"
#include "tests/net/wire/random_messages.h"

namespace shoal::net::wire {
namespace {

const std::filesystem::path kCorpus = std::filesystem::path(SHOAL_TEST_DATA_DIR) / "../fuzz/corpus";

void Write(const std::string& target, const std::string& name, ByteSpan bytes) {
  std::filesystem::create_directories(kCorpus / target);
  std::ofstream out(kCorpus / target / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// fuzz_messages input: type byte (1..9, taken mod 9) then the body.
void WriteMessage(RecordType type, const Bytes& body, int i) {
  Bytes input = {static_cast<std::uint8_t>(static_cast<int>(type) - 1)};
  input.insert(input.end(), body.begin(), body.end());
  Write("fuzz_messages", std::string(RecordTypeName(type)) + "-" + std::to_string(i), input);
}

// fuzz_frames input: chunk seed byte, then frames of plaintext records.
void WriteStream(const std::string& name, const std::vector<Bytes>& records) {
  Bytes input = {0x5a};
  for (const Bytes& r : records) REQUIRE(AppendFrame(input, r));
  Write("fuzz_frames", name, input);
}

}  // namespace

TEST_CASE("write the fuzz seed corpus", "[.wire-corpus]") {
  testing::SplitMix64 rng(2024);
  Compressor zstd;
  for (int i = 0; i < 3; ++i) {
    WriteMessage(RecordType::kHello, Encode(testing::RandomHello(rng)), i);
    WriteMessage(RecordType::kClusterConfig, Encode(testing::RandomClusterConfig(rng)), i);
    Index index = testing::RandomIndex(rng);
    while (Encode(index).size() > 1500) index = testing::RandomIndex(rng);  // keep seeds small
    WriteMessage(RecordType::kIndex, Encode(index), i);
    WriteMessage(RecordType::kRequest, Encode(testing::RandomRequest(rng)), i);
    WriteMessage(RecordType::kResponse, Encode(testing::RandomResponse(rng)), i);
    WriteMessage(RecordType::kClose, Encode(testing::RandomClose(rng)), i);
    WriteMessage(RecordType::kPairAccept, Encode(testing::RandomPairAccept(rng)), i);
    WriteMessage(RecordType::kPunch, Encode(testing::RandomPunch(rng)), i);
    WriteMessage(RecordType::kPairReveal, Encode(testing::RandomPairReveal(rng)), i);
  }
  WriteMessage(RecordType::kPing, {}, 0);

  std::vector<Bytes> session;
  for (auto& r : Pack(Hello{"laptop", "shoal", "0.1.0", 42, {"relay://198.51.100.10:50001"}}, zstd))
    session.push_back(r);
  for (auto& r : Pack(testing::RandomClusterConfig(rng), zstd)) session.push_back(r);
  IndexUpdate update;
  update.folder = "docs";
  update.files.push_back(testing::RandomFileInfo(rng));
  update.files[0].name = "notes/todo.txt";
  for (auto& r : Pack(update, zstd)) session.push_back(r);
  for (auto& r : PackResponse(1, ResponseCode::kOk, Bytes(600, 'x'), zstd)) session.push_back(r);
  for (auto& r : PackResponse(2, ResponseCode::kBusy, {}, zstd)) session.push_back(r);
  for (auto& r : Pack(Close{CloseReason::kNormal, "bye"}, zstd)) session.push_back(r);
  WriteStream("session", session);
  // One message cut into three fragments by hand (the packer only cuts at 64 KiB).
  Bytes body = Encode(Request{7, "docs", "a.txt", 0, 100, {}});
  std::size_t third = body.size() / 3;
  WriteStream(
      "fragments",
      {EncodeRecord(RecordType::kRequest, kFlagMoreFragments, ByteSpan(body).first(third)),
       EncodeRecord(RecordType::kRequest, kFlagMoreFragments, ByteSpan(body).subspan(third, third)),
       EncodeRecord(RecordType::kRequest, 0, ByteSpan(body).subspan(2 * third))});
  WriteStream("ping", {EncodeRecord(RecordType::kPing, 0, {})});
}

}  // namespace shoal::net::wire
