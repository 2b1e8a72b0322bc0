#include "core/model/version_vector.h"

#include <algorithm>
#include <limits>
#include <string>

namespace shoal {

Ordering VersionVector::Compare(const VersionVector& other) const {
  bool some_greater = false;
  bool some_lesser = false;
  auto a = entries_.begin();
  auto b = other.entries_.begin();
  // Merge-walk both sorted lists; a device missing on one side counts as 0.
  while (a != entries_.end() || b != other.entries_.end()) {
    if (b == other.entries_.end() || (a != entries_.end() && a->device < b->device)) {
      some_greater = true;
      ++a;
    } else if (a == entries_.end() || b->device < a->device) {
      some_lesser = true;
      ++b;
    } else {
      some_greater |= a->counter > b->counter;
      some_lesser |= a->counter < b->counter;
      ++a;
      ++b;
    }
    if (some_greater && some_lesser) return Ordering::kConcurrent;
  }
  if (some_greater) return Ordering::kGreater;
  if (some_lesser) return Ordering::kLesser;
  return Ordering::kEqual;
}

VersionVector VersionVector::Merge(const VersionVector& other) const {
  VersionVector out;
  out.entries_.reserve(entries_.size() + other.entries_.size());
  auto a = entries_.begin();
  auto b = other.entries_.begin();
  while (a != entries_.end() || b != other.entries_.end()) {
    if (b == other.entries_.end() || (a != entries_.end() && a->device < b->device)) {
      out.entries_.push_back(*a++);
    } else if (a == entries_.end() || b->device < a->device) {
      out.entries_.push_back(*b++);
    } else {
      out.entries_.push_back({a->device, std::max(a->counter, b->counter)});
      ++a;
      ++b;
    }
  }
  return out;
}

void VersionVector::Bump(std::uint64_t device, std::uint64_t now_seconds) {
  const std::uint64_t old = Get(device);
  const std::uint64_t next = old == std::numeric_limits<std::uint64_t>::max() ? old : old + 1;
  // Above every other device's counter, so the last change is the one with
  // the largest counter (LastModifier): two devices that change the same
  // version within one second would otherwise tie at `now`. Never more than
  // kMaxBumpLeadSeconds ahead of the clock, so a peer whose clock (or whose
  // claim) runs far ahead cannot drag this device's counters along.
  std::uint64_t others = 0;
  for (const Entry& e : entries_) {
    if (e.device != device) others = std::max(others, e.counter);
  }
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t lead_cap =
      now_seconds > max - kMaxBumpLeadSeconds ? max : now_seconds + kMaxBumpLeadSeconds;
  const std::uint64_t above = std::min(others == max ? max : others + 1, lead_cap);
  Set(device, std::max({next, now_seconds, above}));
}

Result<void> VersionVector::CheckBounds() const {
  if (entries_.size() > kMaxVersionEntries) {
    return Fail(ErrorCode::kInvalidArgument,
                "version vector of " + std::to_string(entries_.size()) + " entries (at most " +
                    std::to_string(kMaxVersionEntries) + ")");
  }
  for (const Entry& e : entries_) {
    if (e.counter > kMaxVersionCounter) {
      return Fail(ErrorCode::kInvalidArgument,
                  "version counter " + std::to_string(e.counter) + " above 2^62");
    }
  }
  return {};
}

std::uint64_t VersionVector::Get(std::uint64_t device) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), device,
                             [](const Entry& e, std::uint64_t d) { return e.device < d; });
  return it != entries_.end() && it->device == device ? it->counter : 0;
}

void VersionVector::Set(std::uint64_t device, std::uint64_t counter) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), device,
                             [](const Entry& e, std::uint64_t d) { return e.device < d; });
  bool present = it != entries_.end() && it->device == device;
  if (counter == 0) {
    if (present) entries_.erase(it);
  } else if (present) {
    it->counter = counter;
  } else {
    entries_.insert(it, Entry{device, counter});
  }
}

void VersionVector::EncodeTo(Bytes& out) const {
  AppendVarint(out, entries_.size());
  for (const Entry& e : entries_) {
    AppendBigEndian64(out, e.device);
    AppendVarint(out, e.counter);
  }
}

Bytes VersionVector::Encode() const {
  Bytes out;
  EncodeTo(out);
  return out;
}

Result<VersionVector> VersionVector::DecodeFrom(ByteReader& reader) {
  auto count = reader.ReadVarint();
  if (!count) return count.error().Wrap("version vector");
  // Each entry takes at least 9 bytes; a larger count cannot be genuine and
  // must not drive an allocation.
  if (*count > reader.remaining() / 9) {
    return Fail(ErrorCode::kCorrupt, "version vector: entry count exceeds the data");
  }
  VersionVector vv;
  vv.entries_.reserve(*count);
  for (std::uint64_t i = 0; i < *count; ++i) {
    auto device = reader.ReadBigEndian64();
    if (!device) return device.error().Wrap("version vector");
    auto counter = reader.ReadVarint();
    if (!counter) return counter.error().Wrap("version vector");
    if (*counter == 0) return Fail(ErrorCode::kCorrupt, "version vector: zero counter");
    if (!vv.entries_.empty() && vv.entries_.back().device >= *device) {
      return Fail(ErrorCode::kCorrupt, "version vector: devices not strictly ascending");
    }
    vv.entries_.push_back({*device, *counter});
  }
  return vv;
}

Result<VersionVector> VersionVector::Decode(ByteSpan bytes) {
  ByteReader reader(bytes);
  auto vv = DecodeFrom(reader);
  if (!vv) return vv;
  if (!reader.at_end()) return Fail(ErrorCode::kCorrupt, "version vector: trailing bytes");
  return vv;
}

}  // namespace shoal
