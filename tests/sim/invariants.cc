#include "tests/sim/invariants.h"

#include <cstdio>
#include <set>

#include "tests/sim/sim_clock.h"

namespace shoal::sim {
namespace {

constexpr std::size_t kMaxLines = 12;  // per check: enough to see the pattern

std::uint64_t Fnv(std::uint64_t h, const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

std::uint64_t FnvString(std::uint64_t h, const std::string& s) {
  std::uint64_t size = s.size();
  h = Fnv(h, &size, sizeof size);
  return Fnv(h, s.data(), s.size());
}

template <typename T>
std::uint64_t FnvValue(std::uint64_t h, T value) {
  return Fnv(h, &value, sizeof value);
}

std::string Dev(std::size_t d) {
  std::string out("dev");
  out.append(std::to_string(d));
  return out;
}

std::string EntryText(const TreeEntry& e) {
  std::string out(KindName(e.kind));
  char mode[8];
  std::snprintf(mode, sizeof mode, " %04o", e.permissions);
  out.append(mode);
  if (e.kind == EntryKind::kFile) {
    out.append(" ").append(ContentTag(e.data));
    // mtime in simulated seconds (SimClock's epoch), to tell versions apart.
    char mtime[32];
    std::snprintf(mtime, sizeof mtime, " mtime %.1fs",
                  static_cast<double>(e.mtime_ns - kSimEpochNs) / 1e9);
    out.append(mtime);
  }
  if (e.kind == EntryKind::kSymlink) out.append(" -> ").append(e.data);
  return out;
}

std::string StateText(const IndexEntryState& s) {
  std::string out = VersionText(s.version);
  if (s.deleted) out.append(" deleted");
  return out;
}

bool SameForConvergence(const TreeEntry& a, const TreeEntry& b) {
  return a.kind == b.kind && a.permissions == b.permissions && a.data == b.data;
}

void Add(std::vector<std::string>& out, std::string line) {
  if (out.size() < kMaxLines) {
    out.push_back(std::move(line));
  } else if (out.size() == kMaxLines) {
    out.push_back("...");
  }
}

void CompareTrees(const Tree& base, const Tree& other, std::size_t d,
                  std::vector<std::string>& out) {
  auto a = base.begin();
  auto b = other.begin();
  while (a != base.end() || b != other.end()) {
    std::string line;
    if (b == other.end() || (a != base.end() && a->first < b->first)) {
      line.append(a->first).append(": dev0 has ").append(EntryText(a->second));
      line.append(", ").append(Dev(d)).append(" nothing");
      ++a;
    } else if (a == base.end() || b->first < a->first) {
      line.append(b->first).append(": dev0 has nothing, ").append(Dev(d)).append(" has ");
      line.append(EntryText(b->second));
      ++b;
    } else {
      if (!SameForConvergence(a->second, b->second)) {
        line.append(a->first).append(": dev0 has ").append(EntryText(a->second)).append(", ");
        line.append(Dev(d)).append(" has ").append(EntryText(b->second));
      }
      ++a;
      ++b;
    }
    if (!line.empty()) Add(out, std::move(line));
  }
}

void CompareGlobals(const IndexState& base, const IndexState& other, std::size_t d,
                    std::vector<std::string>& out) {
  std::set<std::string> names;
  for (const auto& [name, state] : base.global) names.insert(name);
  for (const auto& [name, state] : other.global) names.insert(name);
  for (const std::string& name : names) {
    auto a = base.global.find(name);
    auto b = other.global.find(name);
    if (a != base.global.end() && b != other.global.end() && a->second == b->second) continue;
    std::string line("index ");
    line.append(name).append(": global on dev0 ");
    line.append(a == base.global.end() ? "none" : StateText(a->second));
    line.append(", on ").append(Dev(d)).append(" ");
    line.append(b == other.global.end() ? "none" : StateText(b->second));
    Add(out, std::move(line));
  }
}

void CompareLocalToGlobal(const IndexState& state, std::size_t d, std::vector<std::string>& out) {
  for (const auto& [name, global] : state.global) {
    auto local = state.local.find(name);
    if (local == state.local.end()
            ? global.deleted
            : local->second.version == global.version && local->second.deleted == global.deleted) {
      continue;
    }
    std::string line("index ");
    line.append(name).append(": ").append(Dev(d)).append(" local ");
    line.append(local == state.local.end() ? "none" : StateText(local->second));
    line.append(" but global ").append(StateText(global));
    Add(out, std::move(line));
  }
}

// True when `path` is `name` or a conflict copy of it, at any depth. Not
// ConflictOriginalName alone: a copy of "d.sync-conflict-A" gets its marker
// before what looks like an extension ("d.sync-conflict-B.sync-conflict-A"),
// so removing the last marker does not lead back. Any marker may go.
bool NamedAs(const std::string& path, const std::string& name, int depth = 0) {
  if (path == name) return true;
  if (depth == 6) return false;
  static constexpr std::string_view kMarker = ".sync-conflict-";
  static constexpr std::size_t kStampLength = 8 + 1 + 6 + 1 + 7;  // conflict.cc
  for (std::size_t at = path.find(kMarker); at != std::string::npos;
       at = path.find(kMarker, at + 1)) {
    if (at + kMarker.size() + kStampLength > path.size()) break;
    std::string shorter = path.substr(0, at);
    shorter.append(path.substr(at + kMarker.size() + kStampLength));
    if (NamedAs(shorter, name, depth + 1)) return true;
  }
  return false;
}

}  // namespace

std::string VersionText(const VersionVector& version) {
  std::string out("{");
  for (const auto& entry : version.entries()) {
    if (out.size() > 1) out.push_back(',');
    // SimCluster fills a device's key with its number + 1.
    out.append(Dev(static_cast<std::size_t>(entry.device >> 56) - 1));
    out.push_back(':');
    out.append(std::to_string(entry.counter));
  }
  out.push_back('}');
  return out;
}

std::string ContentTag(const std::string& content) {
  char text[48];
  std::snprintf(text, sizeof text, "%zuB #%08llx", content.size(),
                static_cast<unsigned long long>(FnvString(0xcbf29ce484222325ull, content) >> 32));
  return text;
}

Result<IndexState> ReadIndexState(Index& index, FolderKey folder_key, DeviceKey local_device_key) {
  IndexState state;
  auto walked = index.ForEachGlobal(folder_key, [&](GlobalFile&& g) {
    state.global[g.file.name] = {g.file.version, g.file.deleted, g.file.type};
    return true;
  });
  if (!walked) return walked.error().Wrap("global entries");
  auto local = index.ListMetadataUnder(folder_key, local_device_key, "");
  if (!local) return local.error().Wrap("local entries");
  std::vector<FileInfo> entries = std::move(*local);
  for (const FileInfo& f : entries) state.local[f.name] = {f.version, f.deleted, f.type};
  return state;
}

std::vector<KeptContent> ContentsToKeep(const std::vector<Tree>& trees,
                                        const std::vector<IndexState>& indexes) {
  std::vector<KeptContent> kept;
  std::set<std::pair<std::string, std::string>> seen;  // (name, content)
  for (std::size_t d = 0; d < trees.size(); ++d) {
    for (const auto& [path, entry] : trees[d]) {
      if (entry.kind != EntryKind::kFile || IsTempName(path)) continue;
      auto own = indexes[d].local.find(path);
      bool known = own != indexes[d].local.end() && !own->second.deleted &&
                   own->second.type == FileType::kFile;
      bool superseded = false;
      for (std::size_t e = 0; known && e < indexes.size() && !superseded; ++e) {
        auto other = indexes[e].local.find(path);
        superseded = other != indexes[e].local.end() &&
                     other->second.version.Compare(own->second.version) == Ordering::kGreater;
      }
      if (superseded || !seen.insert({path, entry.data}).second) continue;
      kept.push_back({path, entry.data, static_cast<int>(d)});
    }
  }
  return kept;
}

std::vector<std::string> CheckConvergence(const std::vector<Tree>& trees,
                                          const std::vector<IndexState>& indexes) {
  std::vector<std::string> out;
  for (std::size_t d = 1; d < trees.size(); ++d) CompareTrees(trees[0], trees[d], d, out);
  for (std::size_t d = 1; d < indexes.size(); ++d) CompareGlobals(indexes[0], indexes[d], d, out);
  for (std::size_t d = 0; d < indexes.size(); ++d) CompareLocalToGlobal(indexes[d], d, out);
  return out;
}

std::vector<std::string> CheckNoDataLoss(const std::vector<KeptContent>& kept,
                                         const std::vector<Tree>& trees) {
  std::vector<std::string> out;
  for (const KeptContent& k : kept) {
    for (std::size_t d = 0; d < trees.size(); ++d) {
      bool found = false;
      for (const auto& [path, entry] : trees[d]) {
        if (entry.kind == EntryKind::kFile && entry.data == k.content && NamedAs(path, k.name)) {
          found = true;
          break;
        }
      }
      if (found) continue;
      std::string line(Dev(d));
      line.append(" lost ").append(k.name).append(" ").append(ContentTag(k.content));
      line.append(" (current on ").append(Dev(k.device)).append(" at heal time)");
      Add(out, std::move(line));
    }
  }
  return out;
}

std::vector<std::string> CheckNothingDropped(const std::vector<Tree>& heal_trees,
                                             const std::vector<Tree>& trees,
                                             const std::vector<Tree>& versions) {
  std::vector<std::string> out;
  for (std::size_t d = 0; d < heal_trees.size(); ++d) {
    std::set<std::string> held;  // contents on d now, anywhere
    for (const Tree* tree : {&trees[d], &versions[d]}) {
      for (const auto& [path, entry] : *tree) {
        if (entry.kind == EntryKind::kFile) held.insert(entry.data);
      }
    }
    for (const auto& [path, entry] : heal_trees[d]) {
      if (entry.kind != EntryKind::kFile || IsTempName(path) || held.count(entry.data)) continue;
      std::string line(Dev(d));
      line.append(" dropped ").append(path).append(" ").append(ContentTag(entry.data));
      line.append(" (held at heal time, now neither under a name nor in versions)");
      Add(out, std::move(line));
    }
  }
  return out;
}

std::vector<std::string> CheckNoTempFiles(const std::vector<Tree>& trees) {
  std::vector<std::string> out;
  for (std::size_t d = 0; d < trees.size(); ++d) {
    for (const auto& [path, entry] : trees[d]) {
      if (!IsTempName(path)) continue;
      std::string line(Dev(d));
      line.append(" has temp file ").append(path).append(" ").append(EntryText(entry));
      Add(out, std::move(line));
    }
  }
  return out;
}

std::uint64_t StateHash(const std::vector<Tree>& trees, const std::vector<IndexState>& indexes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const Tree& tree : trees) {
    h = FnvValue(h, tree.size());
    for (const auto& [path, e] : tree) {
      h = FnvString(h, path);
      h = FnvValue(h, e.kind);
      h = FnvValue(h, e.permissions);
      h = FnvValue(h, e.mtime_ns);
      h = FnvString(h, e.data);
    }
  }
  for (const IndexState& index : indexes) {
    for (const auto* entries : {&index.global, &index.local}) {
      h = FnvValue(h, entries->size());
      for (const auto& [name, s] : *entries) {
        h = FnvString(h, name);
        Bytes encoded = s.version.Encode();
        h = Fnv(h, encoded.data(), encoded.size());
        h = FnvValue(h, s.deleted);
        h = FnvValue(h, s.type);
      }
    }
  }
  return h;
}

}  // namespace shoal::sim
