// FastCDC (Xia et al., IEEE TPDS 2020), see chunker.h. The constants below
// are part of the protocol (docs/protocol.md "Blocks and content IDs").
#include "core/chunk/chunker.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "core/base/check.h"
#include "core/model/block_ref.h"

namespace shoal {
namespace {

// FROZEN FOREVER. The gear table and masks decide every block boundary of
// every file on every device: changing one bit changes almost every block ID,
// so peers running different versions would share nothing. They were
// generated once by SplitMix64 (Steele et al. 2014, the standard constants)
// seeded with 0x73686f616c636463 ("shoalcdc"): the table is its first 256
// outputs, in order.
constexpr std::array<std::uint64_t, 256> kGear = {
    0x015df8793198fd20, 0xcef529a6ab37c331, 0xfce42a2cd58f7862, 0x613d233e8d9ed0d8,
    0x8b858eee782b6b14, 0xc178e446ce2890c5, 0xd1cffc67f261a014, 0xe6a664aa4c5b2183,
    0xc73fc3a7943c9992, 0x42025b630642e392, 0x24c9b0bf163df7cc, 0x2850fcab92ffc1da,
    0xd17061ab828be87c, 0x843d4922933451bf, 0xdbef66095ab0295c, 0x4e5f9e6909a7a92c,
    0x9f53b9cbab32e8ce, 0x3b76f1c3ee79eadf, 0x8ae3124632706bf8, 0x68bf4d3b61470a94,
    0x1c1aed5c8ea28998, 0xd6246a510eb15941, 0x3304ecd2d9b243d8, 0x6588458066dca8ef,
    0xaffe79559af5ccf0, 0x7c2489411813bfbd, 0x5ee2ac41e8c94125, 0x99818a506a716b4b,
    0xec9e8937033a3da9, 0xdc8fbd25645a63ec, 0x40c25332ede1ecab, 0x37a5fe44ab3ba83c,
    0xeb71f89bb55cfa9a, 0xd43142331fea599b, 0xc153687830006b2e, 0x7298cae26f819284,
    0xe65fa7f67cea97d1, 0x66e63e8df880604c, 0x90a0f2df9106870d, 0x8a8c2caf75e753fa,
    0x593a541d197b97eb, 0xf7cf6a3e8af53da6, 0xd01efe5bfae4f6f7, 0x9400459923011ab6,
    0xc0e7dc695c3509b9, 0x0ebd0fcfaeec3d56, 0x8b2bc58175eb1f07, 0x6e0ff89354d24143,
    0x9b48b2d81919888d, 0xaffd74b6ec3faa27, 0x018fd246e3ce2737, 0x6c78d1c87f763668,
    0x746518284d033d41, 0x6d21bab77946e883, 0x9f4d21a691a6cec7, 0x2bba86de0d896f72,
    0xc5af96902025def7, 0x4a57ac0518abd759, 0x335df1c1d7a8e68e, 0x0cd924674a93715b,
    0x7d8ca2c1ded6ee84, 0xf4877e8e5c34c13d, 0x2fc1369eb8ff23df, 0xd9e68af49f7b194f,
    0x73d746defc012557, 0xc2103226625be131, 0xa4024f11dbe6c91e, 0x405a325942628d5f,
    0x43f0c4f40c261782, 0x36b9e977b935911e, 0xf58db7dc07fcedf9, 0x11ce2c3f38169694,
    0x3cb176d9c92d0227, 0xa93a4df91fde600e, 0xff6233d1fc696419, 0x66ae57b1c3ef246c,
    0x3271e1d577cb3d39, 0xab3633a054fb8859, 0xae9cefae5d0350a7, 0x62bb9eb9b66602d9,
    0xaf4e44addbc82bde, 0x2b0ef2e7d19ce98e, 0xba6c693a2eaf8489, 0x2a4e21b915c12e2a,
    0xed21c9ebc790f963, 0x6ecb0d73f1053bd8, 0x2d94b8e4c750f091, 0xace6f1e716786c2c,
    0x7a5717ee5ae6bcd0, 0xa996d6686b03109c, 0xe87b343b4f2d2f4d, 0x2416f3326e1b410d,
    0x41c2fa721973fa5d, 0xd6292eae9d85fcb8, 0xa23707d0f768c2cb, 0x32f47dee1a6fa0f4,
    0x89e7edd49d7c98c9, 0xb56dc924ebfb9ac6, 0x578468002e85c93a, 0xfdc2ffd6bd749f5f,
    0xe4533eb3c659a73e, 0x2226ca19c626493f, 0x07c353d9a02508b4, 0x4612d46ca288dfc1,
    0x929fa604bb4bb766, 0x5284e3b6c657c85f, 0x20859bef2c996ab8, 0xb9813009cd4070c1,
    0x4314ee62a5789df0, 0xcafc6c5e4b1e2f2c, 0xf2c41dc40230ebb7, 0x988a9f2a859dc091,
    0xf2673470332e4975, 0xb593dd9de0c8cf5e, 0x2ca98f37b1755eda, 0x760f161f2384d5aa,
    0xe937661ae158a28e, 0x74359942a973106a, 0x9637aadde5cb298a, 0xc2f1afc50ec50027,
    0x70219a0c59b1a613, 0x90b04fd0a31abd6e, 0xd3265e85f0000859, 0x4d6369038b5e149c,
    0xdf56657f91169c52, 0x1c85a0967dfb5011, 0xbb6bbd67c4c7897a, 0x8f1535c4d8d29b17,
    0x92b30e659bfc5301, 0xe3adc9751da6c382, 0x76fab8919a636229, 0xc864b8b9ff55aac0,
    0x629db24d0af17081, 0xd219cca902ce96d6, 0xf608361c1ef8e745, 0x9ca91fa7519321ce,
    0x25c6ddfa5c0c3c39, 0xdcdf482f043ac5fc, 0x0c74787859d31ff4, 0x3f5e5f596dfd0117,
    0xd7bd28981b96f74f, 0x6d156b78b3902e9e, 0x209e2159b05b14ca, 0x19a1b53c5fc2d13f,
    0x591fa6802035f937, 0x99108fccaa29370f, 0x42555b4d8a7a0bdc, 0x7f25654c96494f3f,
    0xc99e33280bca57d1, 0xa2881481d6e2ed0e, 0x09e19ea4947cc339, 0x17dc547f87279a22,
    0x9b74e462d88a1f1e, 0xa7be4e264e9c9cfa, 0x5e1271118e99c370, 0x9924c32c1edb9d38,
    0x74a61a870d28db72, 0x28d4d57ea0b21bc6, 0xa41b0f6869e09d50, 0x8c1258952c1cf707,
    0x27c3084c2a626118, 0xc7cd1f248c5c2040, 0x6b0b29cd241e5e08, 0x4ac7f353453de6b7,
    0xd575f5a2f6fe56cc, 0x8c69841b28992367, 0x218b4160b1a9dc41, 0xaecd65f132182564,
    0x94b8ce1ed09c0b90, 0x131b50818970d37f, 0x0feb2ac0d9893e4b, 0x56813216f7a3c462,
    0xae3d37aeaa7b4d3b, 0xf1f381201b4c5d1a, 0x47b5e6c66f41d82c, 0x761be3b43fdb4648,
    0x29992c7cc7f9379b, 0xc7c448a5eb818c00, 0x31bd468af18fb674, 0xc0b5170d91101f6e,
    0x0e89f2b67a8d823a, 0x5663e24b08409c43, 0x41e979c9f7ee95c3, 0xcbd6e89fd2a4daa3,
    0x690433187f6d1e25, 0x0819d1904dc0db2d, 0x4d3cd6eb332b075e, 0x697c9630608be1e6,
    0x619b3ed449b2dad3, 0xb5589b912d458f9c, 0xfd6633c5368b18b9, 0x4284a7c79d32e0a4,
    0xd56ef943d103d73d, 0xaa8e85ce3154723d, 0x5285c75ffd21d792, 0xa05883dd1ed73e9d,
    0x217f0e5eafb41753, 0xb6e000aa173dbf2c, 0x59b503c0b038160b, 0x3d8b2d21d44ac2be,
    0x73de39c8c6c080eb, 0x991f884957f27eab, 0x19cbc2d127f5b200, 0x373816948e452abb,
    0xa2a638dda46048a0, 0xd6c138eef840eb61, 0x63beef071c0163f7, 0x9043cfb8b8fb22c5,
    0x7d63b76206a674ae, 0x1be4e2fa36078859, 0xaa9487e2b221ad40, 0x29a7360fabbcf5f2,
    0xf31ab327c12110ba, 0x9f2e83c4df40b5dc, 0x54d3032df005fa8d, 0xe686a2c36848f29a,
    0x4ed4d4ab9318fbea, 0x5fd41d3bc6908551, 0x185857e0b58fb5ae, 0x4a086efc50fe3e21,
    0x7805bb237d577bda, 0x26fa184e3677ad4c, 0x7e0dd9bf60563fdf, 0x8adba30c7307f8c6,
    0x1a9502c36f3cbd04, 0xf56333a4217dd37a, 0x0decb3eef39a3959, 0xaf949dc13d2cef74,
    0xb15d015bf2572382, 0x8603c9639712be18, 0x42d2c20743195225, 0x2a5f574ddf0e1f4a,
    0x2a607a6a9616a686, 0x766a0f2d39090a1c, 0xe01eaa0deb395d48, 0xf46b2377164c75ac,
    0xc2010dd98e5cbc85, 0x7056a980888d7fa1, 0xb8e4d2d811bb8c45, 0xceb5f5e8f4b02712,
    0xe97efa383f5d86b2, 0xfb60275b550ed8ea, 0xfb077198e8088f50, 0xca19ba37aca9d3e2,
    0x42ae8f95f523de95, 0x2c38ce39d7958d90, 0xbbef42c741d3c744, 0xe5194fa3254f7da8,
    0x5131c7849fe0bd59, 0xbb6ad8694a7fb25b, 0x92f5b72b1095cbd5, 0x4a5ddda700c438cc,
    0xeaadc99182bd7b4b, 0xa657676061208599, 0x95f2ed6f66d2943c, 0x1502288d5b9c280b,
};

// The masks continue the same generator: a hard mask of n bits takes one bit
// at random from each of n equal strata of bit positions 15..62 (spread bits,
// as in the paper, so a cut depends on the last ~62 bytes rather than on the
// last n), and its easy mask drops 4 of those bits at random. Easy is a
// subset of hard, so a position cut with the hard mask also cuts with the
// easy one, which helps boundaries resynchronize after an edit. Bit 63 is
// never used: the two-bytes-per-step loop tests the mask shifted left by one.
//
// Normalized chunking level 2: hard = log2(avg) + 2 bits, easy = log2(avg) - 2.
constexpr std::uint64_t kSmallHardMask = 0x2548a8c4a9290000;  // 18 bits, avg 64 KiB
constexpr std::uint64_t kSmallEasyMask = 0x2548a880a8090000;  // 14 bits
constexpr std::uint64_t kLargeHardMask = 0x2568b34a992a8000;  // 22 bits, avg 1 MiB
constexpr std::uint64_t kLargeEasyMask = 0x2528b302990a8000;  // 18 bits
static_assert(std::popcount(kSmallHardMask) == 18 && std::popcount(kSmallEasyMask) == 14);
static_assert(std::popcount(kLargeHardMask) == 22 && std::popcount(kLargeEasyMask) == 18);
static_assert((kSmallHardMask & kSmallEasyMask) == kSmallEasyMask);
static_assert((kLargeHardMask & kLargeEasyMask) == kLargeEasyMask);
static_assert((kSmallHardMask | kLargeHardMask) >> 63 == 0);

// kGear[b] << 1: the paper's left-shifted table for rolling two bytes per step.
constexpr std::array<std::uint64_t, 256> kGearShifted = [] {
  std::array<std::uint64_t, 256> shifted{};
  for (std::size_t i = 0; i < shifted.size(); ++i) shifted[i] = kGear[i] << 1;
  return shifted;
}();

static_assert(kLargeFileChunkSizes.max == kMaxBlockSize, "the largest block must fit a BlockRef");

struct Masks {
  std::uint64_t hard;  // before the average size: cuts are rarer
  std::uint64_t easy;  // after it: cuts are likelier
};

Masks MasksFor(const ChunkSizes& sizes) {
  if (sizes == kSmallFileChunkSizes) return {kSmallHardMask, kSmallEasyMask};
  SHOAL_CHECK(sizes == kLargeFileChunkSizes, "chunk sizes are not a size class");
  return {kLargeHardMask, kLargeEasyMask};
}

// Rolls data[i, end) into `fp`, two bytes per step, and returns the first
// position whose fingerprint has every `mask` bit clear, or `end` if none
// does (then `fp` holds the fingerprint through data[end - 1]).
//
// The paper's step: fp << 2 plus kGearShifted[b_i] is fp_i << 1, tested
// against mask << 1; adding kGear[b_{i+1}] then gives exactly fp_{i+1}. Four
// steps are unrolled: the loop is bound by instruction throughput, not by
// the fp dependency chain, so fewer loop-control instructions per byte make
// it about 10% faster (tests/bench/chunk_hash_bench.cc).
inline std::size_t Roll(const std::uint8_t* data, std::size_t i, std::size_t end,
                        std::uint64_t mask, std::uint64_t& fp) {
  const std::uint64_t mask_shifted = mask << 1;
  std::uint64_t h = fp;
  const std::uint8_t* p = data + i;
  const std::uint8_t* const stop = data + end;
  const auto at = [data, &p](std::size_t k) { return static_cast<std::size_t>(p - data) + k; };
  for (; stop - p >= 8; p += 8) {
    h = (h << 2) + kGearShifted[p[0]];
    if ((h & mask_shifted) == 0) return at(0);
    h += kGear[p[1]];
    if ((h & mask) == 0) return at(1);
    h = (h << 2) + kGearShifted[p[2]];
    if ((h & mask_shifted) == 0) return at(2);
    h += kGear[p[3]];
    if ((h & mask) == 0) return at(3);
    h = (h << 2) + kGearShifted[p[4]];
    if ((h & mask_shifted) == 0) return at(4);
    h += kGear[p[5]];
    if ((h & mask) == 0) return at(5);
    h = (h << 2) + kGearShifted[p[6]];
    if ((h & mask_shifted) == 0) return at(6);
    h += kGear[p[7]];
    if ((h & mask) == 0) return at(7);
  }
  for (; p < stop; ++p) {
    h = (h << 1) + kGear[*p];
    if ((h & mask) == 0) return at(0);
  }
  fp = h;
  return end;
}

// Runs of one repeated byte (zeros in sparse files, VM images, preallocated
// space) would otherwise roll to the maximum block size byte by byte. Once
// the last 64 bytes rolled are all b, every earlier byte has been shifted out
// and fp is the fixed point kGear[b] * (2^64 - 1) = -kGear[b], which the
// rest of the run leaves unchanged. If that fixed point cannot cut, no
// position inside the run cuts, so the scan jumps to the run's end.
constexpr std::size_t kRunWindow = 64;
// Roll() works in segments of this many bytes, checking for a run between
// them; one failed comparison per segment costs random data nothing.
constexpr std::size_t kRunProbeInterval = 4096;

// True if data[from, from + kRunWindow) are all equal to data[from].
bool IsRun(const std::uint8_t* data, std::size_t from) {
  std::uint64_t first = 0x0101010101010101ull * data[from];
  for (std::size_t k = 0; k < kRunWindow; k += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + from + k, 8);
    if (word != first) return false;
  }
  return true;
}

// The first position in [i, end) whose byte is not `value`, or `end`.
std::size_t RunEnd(const std::uint8_t* data, std::size_t i, std::size_t end, std::uint8_t value) {
  const std::uint64_t pattern = 0x0101010101010101ull * value;
  for (; i + 8 <= end; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, 8);
    if (word != pattern) break;
  }
  while (i < end && data[i] == value) ++i;
  return i;
}

// Roll() over [i, end), skipping runs (see kRunWindow). `hashed_from` is
// where rolling started with fp = 0: a run is recognised only once 64 of its
// bytes have been rolled since then.
std::size_t RollSkippingRuns(const std::uint8_t* data, std::size_t hashed_from, std::size_t i,
                             std::size_t end, std::uint64_t mask, std::uint64_t& fp) {
  while (i < end) {
    const std::size_t segment_end = std::min(end, i + kRunProbeInterval);
    i = Roll(data, i, segment_end, mask, fp);
    if (i < segment_end) return i;
    if (i == end || i - hashed_from < kRunWindow || !IsRun(data, i - kRunWindow)) continue;
    // fp is the run's fixed point, and Roll just tested it against `mask`
    // without cutting, so the rest of the run cannot cut either.
    i = RunEnd(data, i, end, data[i - 1]);
  }
  return end;
}

constexpr std::size_t kInitialBufferSize = 64 << 10;

}  // namespace

ChunkSizes ChunkSizesForFile(std::int64_t file_size) {
  return file_size < kLargeFileThreshold ? kSmallFileChunkSizes : kLargeFileChunkSizes;
}

std::size_t FindCutPoint(ByteSpan data, const ChunkSizes& sizes) {
  return FindCutPointFrom(data, sizes, 0);
}

// As in the paper, a cut at position i means the block is data[0, i): the
// fingerprint through byte i decides, and byte i starts the next block.
std::size_t FindCutPointFrom(ByteSpan data, const ChunkSizes& sizes, std::size_t no_cut_before) {
  const Masks masks = MasksFor(sizes);
  const std::size_t n = data.size();
  if (n <= sizes.min) return n;
  const std::size_t limit = std::min<std::size_t>(n, sizes.max);
  const std::size_t normal = std::min<std::size_t>(limit, sizes.avg);
  std::size_t i = std::max<std::size_t>(sizes.min, no_cut_before);
  if (i >= limit) return limit;

  // Hashing starts at `min` with fp = 0 (cut-point skipping). A byte's gear
  // value is shifted out of the 64-bit fp after 64 steps, so rolling the 64
  // bytes before i rebuilds the fp a scan from `min` would have reached.
  std::uint64_t fp = 0;
  for (std::size_t j = std::max<std::size_t>(sizes.min, i - 64); j < i; ++j) {
    fp = (fp << 1) + kGear[data[j]];
  }
  const std::size_t hashed_from = sizes.min;
  if (i < normal) {
    i = RollSkippingRuns(data.data(), hashed_from, i, normal, masks.hard, fp);
    if (i < normal) return i;
  }
  // A run that crosses `normal` meets the easy mask with its fixed point.
  return RollSkippingRuns(data.data(), hashed_from, i, limit, masks.easy, fp);
}

std::size_t FindCutPointReference(ByteSpan data, const ChunkSizes& sizes) {
  const Masks masks = MasksFor(sizes);
  const std::size_t n = data.size();
  if (n <= sizes.min) return n;
  const std::size_t limit = std::min<std::size_t>(n, sizes.max);
  std::uint64_t fp = 0;
  for (std::size_t i = sizes.min; i < limit; ++i) {
    fp = (fp << 1) + kGear[data[i]];
    const std::uint64_t mask = i < sizes.avg ? masks.hard : masks.easy;
    if ((fp & mask) == 0) return i;
  }
  return limit;
}

Chunker::Chunker(ChunkSizes sizes) : sizes_(sizes), capacity_(2 * std::size_t{sizes.max}) {
  MasksFor(sizes_);  // checks that `sizes` is a size class
}

Result<void> Chunker::Run(const ReadFunction& read, const BlockFunction& on_block) {
  if (buffer_.empty()) buffer_.resize(std::min(capacity_, kInitialBufferSize));
  std::size_t start = 0;  // buffer_[start, end) is read but not yet a block
  std::size_t end = 0;
  std::size_t scanned = 0;  // buffer_[start, start + scanned) holds no cut point
  bool eof = false;
  while (true) {
    auto filled = Fill(read, end, eof);
    if (!filled) return filled.error();
    end = *filled;
    while (start < end) {
      ByteSpan rest(buffer_.data() + start, end - start);
      const std::size_t cut = FindCutPointFrom(rest, sizes_, scanned);
      if (cut == rest.size() && rest.size() < sizes_.max && !eof) {
        scanned = cut;  // the block may go on past what was read so far
        break;
      }
      auto sent = on_block(rest.first(cut));
      if (!sent) return sent.error();
      start += cut;
      scanned = 0;
    }
    if (eof) return {};
    // The undecided tail is shorter than sizes_.max; move it to the front.
    // The buffer doubles until it reaches capacity_ (at least max of free
    // room after the tail), so small files never pay for a big buffer.
    std::memmove(buffer_.data(), buffer_.data() + start, end - start);
    end -= start;
    start = 0;
    if (2 * end > buffer_.size() && buffer_.size() < capacity_) {
      buffer_.resize(std::min(capacity_, 2 * buffer_.size()));
    }
  }
}

Result<std::size_t> Chunker::Fill(const ReadFunction& read, std::size_t end, bool& eof) {
  while (end < buffer_.size()) {
    auto got = read(std::span<std::uint8_t>(buffer_).subspan(end));
    if (!got) return got.error();
    SHOAL_CHECK(*got <= buffer_.size() - end, "reader returned more bytes than asked");
    if (*got == 0) {
      eof = true;
      break;
    }
    end += *got;
  }
  return end;
}

}  // namespace shoal
