#include "core/version/global_version.h"

#include "core/version/conflict.h"

namespace shoal {

std::uint64_t LastModifier(const VersionVector& version) {
  std::uint64_t device = 0;
  std::uint64_t best = 0;
  for (const auto& entry : version.entries()) {
    if (entry.counter > best || (entry.counter == best && entry.device > device)) {
      best = entry.counter;
      device = entry.device;
    }
  }
  return device;
}

namespace {

// True when `a` should be the global version rather than the undominated `b`.
bool Beats(const VersionCandidate& a, const VersionCandidate& b) {
  FileInfo fa;
  fa.deleted = a.deleted;
  fa.mtime_ns = a.mtime_ns;
  FileInfo fb;
  fb.deleted = b.deleted;
  fb.mtime_ns = b.mtime_ns;
  ConflictSide sa{fa, LastModifier(*a.version)};
  ConflictSide sb{fb, LastModifier(*b.version)};
  if (Wins(sa, sb)) return true;
  if (Wins(sb, sa)) return false;
  return a.version->Encode() > b.version->Encode();
}

}  // namespace

std::size_t PickGlobal(std::span<const VersionCandidate> candidates) {
  std::size_t best = candidates.size();
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < candidates.size() && !dominated; ++j) {
      dominated = candidates[i].version->Compare(*candidates[j].version) == Ordering::kLesser;
    }
    if (dominated) continue;
    if (best == candidates.size() || Beats(candidates[i], candidates[best])) best = i;
  }
  return best == candidates.size() ? 0 : best;
}

bool SameContentOrNothingToKeep(const FileInfo& a, const FileInfo& b) {
  if (a.deleted || a.type == FileType::kDirectory) return true;
  if (b.deleted || a.type != b.type) return false;
  if (a.type == FileType::kSymlink) return a.symlink_target == b.symlink_target;
  return a.blocks == b.blocks;
}

}  // namespace shoal
