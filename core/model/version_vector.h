// VersionVector: {short device ID -> counter}, the causal history of one
// version of a file (DESIGN.md "Versions and conflicts"). Plain value.
//
// Invariant: entries are sorted by device and no counter is zero (an absent
// device means counter 0), so equal histories have equal representations and
// equal encodings.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/base/bytes.h"
#include "core/base/result.h"

namespace shoal {

enum class Ordering { kEqual, kGreater, kLesser, kConcurrent };

// Bounds a version vector from a peer must keep (docs/reliability.md).
// Counters are max(old + 1, now in seconds), about 2^31 today: 2^62 leaves
// room for millennia of edits while no sum or bump of an accepted counter
// can come near 2^64. A vector gains one entry per device that ever
// changed the name; thousands would already be no real cluster.
inline constexpr std::uint64_t kMaxVersionCounter = std::uint64_t{1} << 62;
inline constexpr std::size_t kMaxVersionEntries = 1024;
// How far ahead of its clock a bump may set a counter to rise above another
// device's. Well inside the day of slack a device allows its own counters
// when a peer echoes them (FolderEngine::CheckOwnCounter).
inline constexpr std::uint64_t kMaxBumpLeadSeconds = 3600;

class VersionVector {
 public:
  struct Entry {
    std::uint64_t device;  // DeviceId::ShortId()
    std::uint64_t counter;
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  VersionVector() = default;

  // How *this relates to `other`: kGreater means *this strictly dominates.
  Ordering Compare(const VersionVector& other) const;
  // Least upper bound: per device the larger counter.
  VersionVector Merge(const VersionVector& other) const;
  // Records a local change by `device`: its counter becomes
  // max(old + 1, now_seconds, every other counter + 1), the last term at most
  // kMaxBumpLeadSeconds ahead of now_seconds. Taking the time keeps counters
  // meaningful across a reinstall that lost the old vector; rising above the
  // others makes the device that changed a version last the one with the
  // largest counter, which is how a version names its author (LastModifier),
  // unless another device's clock runs more than the lead ahead. Saturates
  // at 2^64 - 1 and never wraps (a wrapped counter would make every later
  // edit lose).
  void Bump(std::uint64_t device, std::uint64_t now_seconds);
  // Within kMaxVersionEntries entries and kMaxVersionCounter per counter.
  Result<void> CheckBounds() const;
  // Counter of `device`, 0 when absent.
  std::uint64_t Get(std::uint64_t device) const;
  // Sets one counter directly (0 removes the entry). For decoding and tests.
  void Set(std::uint64_t device, std::uint64_t counter);

  std::span<const Entry> entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  // Compact binary form: varint entry count, then per entry the device as 8
  // bytes big-endian and the counter as a varint. Decode rejects unsorted or
  // duplicate devices, zero counters, trailing bytes and absurd counts.
  void EncodeTo(Bytes& out) const;
  Bytes Encode() const;
  static Result<VersionVector> Decode(ByteSpan bytes);
  // Decodes one vector from the reader's position (for embedding in larger
  // records); leaves the reader just past it.
  static Result<VersionVector> DecodeFrom(ByteReader& reader);

  friend bool operator==(const VersionVector&, const VersionVector&) = default;

 private:
  std::vector<Entry> entries_;
};

}  // namespace shoal
