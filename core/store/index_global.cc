// Index: the global version of each name and the local need list, updated
// one name at a time as entries change (never recomputed wholesale).
#include <vector>

#include "core/store/file_row.h"
#include "core/store/index.h"
#include "core/store/schema.h"
#include "core/store/transaction.h"
#include "core/version/global_version.h"

namespace shoal {
namespace {

constexpr std::int64_t kGlobalPageSize = 1000;

struct VersionRow {
  std::int64_t file_row = 0;
  DeviceKey device_key;
  VersionVector version;
  bool deleted = false;
  std::int64_t mtime_ns = 0;
  std::int64_t type = 0;
  std::int64_t block_list = 0;  // deduplicated: equal lists have equal IDs
  std::string symlink_target;
  std::int64_t size = 0;
  Bytes inline_blocks;  // a one-block list, kept in the row (schema v7)
  bool global = false;  // the row stands for the name's global version (schema v9)
  bool need = false;    // ... and the local device needs it
};

// Two rows hold the same version only when their vectors AND their content
// agree: equal vectors with different content (a cloned device identity, a
// lost index, a lying peer) are a conflict to resolve, never "in sync".
bool SameVersion(const VersionRow& a, const VersionRow& b) {
  return a.version == b.version && a.deleted == b.deleted && a.type == b.type &&
         (a.deleted || (a.block_list == b.block_list && a.inline_blocks == b.inline_blocks &&
                        a.symlink_target == b.symlink_target));
}

}  // namespace

Result<void> Index::UpdateGlobal(FolderKey folder_key, const std::string& name) {
  auto local_key = LocalDeviceKey();
  if (!local_key) return local_key.error();
  std::vector<VersionRow> rows;
  {
    auto stmt = db_.Prepare(sql::kSelectVersionsOfName);
    if (!stmt) return stmt.error();
    Statement& s = **stmt;
    s.Bind(1, folder_key.value).Bind(2, name);
    for (;;) {
      auto row = s.Step();
      if (!row) return row.error().Wrap("global '" + name + "'");
      if (!*row) break;
      auto version = VersionVector::Decode(s.ColumnBlob(2));
      if (!version) {
        return version.error().Wrap("global '" + name + "'");
      }
      rows.push_back({s.ColumnInt(0),
                      DeviceKey(s.ColumnInt(1)),
                      std::move(*version),
                      s.ColumnInt(3) != 0,
                      s.ColumnInt(4),
                      s.ColumnInt(5),
                      s.ColumnInt(6),
                      s.ColumnText(7),
                      s.ColumnInt(8),
                      {}});
      ByteSpan inline_blocks = s.ColumnBlob(9);
      rows.back().inline_blocks.assign(inline_blocks.begin(), inline_blocks.end());
      rows.back().global = s.ColumnInt(10) != 0;
      rows.back().need = s.ColumnInt(11) != 0;
    }
  }
  if (rows.empty()) {  // the name's last row went, and its marks with it
    need_->Record(folder_key, name, std::nullopt);
    return {};
  }
  std::vector<VersionCandidate> candidates;
  candidates.reserve(rows.size());
  for (const VersionRow& r : rows) candidates.push_back({&r.version, r.deleted, r.mtime_ns});
  const VersionRow& winner = rows[PickGlobal(candidates)];
  const VersionRow* local = nullptr;
  for (const VersionRow& r : rows) {
    if (r.device_key == *local_key) local = &r;
  }
  // Prefer pointing at our own row when it holds the winning version.
  const VersionRow& chosen = local && SameVersion(*local, winner) ? *local : winner;
  bool need = local ? !SameVersion(*local, winner) : !winner.deleted;
  // Only rows whose marks change are written: usually the one just put,
  // whose row is in the page the put dirtied.
  for (const VersionRow& r : rows) {
    const bool global = &r == &chosen;
    if (r.global == global && r.need == (global && need)) continue;
    auto stmt = db_.Prepare(sql::kSetGlobal);
    if (!stmt) return stmt.error();
    (*stmt)
        ->Bind(1, r.file_row)
        .Bind(2, std::int64_t{global})
        .Bind(3, std::int64_t{global && need});
    if (auto ok = (*stmt)->Run(); !ok) return ok;
  }
  const bool has_bytes = !winner.deleted && winner.type == static_cast<int>(FileType::kFile);
  std::optional<NeededName> needed;
  if (need) {
    needed = NeededName{name, static_cast<FileType>(winner.type), winner.deleted,
                        has_bytes ? winner.size : 0, winner.version};
  }
  need_->Record(folder_key, name, std::move(needed));
  return {};
}

Result<std::vector<GlobalFile>> Index::ReadGlobalRows(const char* query, FolderKey folder_key,
                                                      const std::string& after,
                                                      std::int64_t limit) {
  auto stmt = db_.Prepare(query);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value).Bind(2, after).Bind(3, limit);
  std::vector<GlobalFile> out;
  for (;;) {
    auto row = s.Step();
    if (!row) return row.error().Wrap("read global entries");
    if (!*row) break;
    auto file = ReadFileRow(s);
    if (!file) {
      return file.error();
    }
    out.push_back({std::move(*file), DeviceKey(s.ColumnInt(11))});
  }
  return out;
}

Result<std::optional<GlobalFile>> Index::ReadOneGlobal(const char* query, FolderKey folder_key,
                                                       const std::string& name) {
  auto stmt = db_.Prepare(query);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value).Bind(2, name);
  auto row = s.Step();
  if (!row) return row.error().Wrap("global '" + name + "'");
  if (!*row) return std::optional<GlobalFile>();
  auto file = ReadFileRow(s);
  if (!file) return file.error();
  return std::optional<GlobalFile>(GlobalFile{std::move(*file), DeviceKey(s.ColumnInt(11))});
}

Result<std::optional<GlobalFile>> Index::GetGlobal(FolderKey folder_key, const std::string& name) {
  return ReadOneGlobal(sql::kSelectGlobal, folder_key, name);
}

Result<std::vector<GlobalFile>> Index::ListNeeded(FolderKey folder_key, const std::string& after,
                                                  std::int64_t limit) {
  return ReadGlobalRows(sql::kSelectNeeded, folder_key, after, limit);
}

Result<std::vector<NeededName>> Index::ListNeededNames(FolderKey folder_key,
                                                       const std::string& after,
                                                       std::int64_t limit) {
  auto stmt = db_.Prepare(sql::kSelectNeededNames);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value).Bind(2, after).Bind(3, limit);
  std::vector<NeededName> out;
  for (;;) {
    auto row = s.Step();
    if (!row) return row.error().Wrap("read needed names");
    if (!*row) break;
    auto version = VersionVector::Decode(s.ColumnBlob(4));
    if (!version) {
      return version.error().Wrap("needed '" + s.ColumnText(0) + "'");
    }
    out.push_back({s.ColumnText(0), static_cast<FileType>(s.ColumnInt(1)), s.ColumnInt(2) != 0,
                   s.ColumnInt(3), std::move(*version)});
  }
  return out;
}

Result<std::optional<VersionVector>> Index::GetGlobalVersion(FolderKey folder_key,
                                                             const std::string& name) {
  auto stmt = db_.Prepare(sql::kSelectGlobalVersion);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  auto row = s.Bind(1, folder_key.value).Bind(2, name).Step();
  if (!row) return row.error().Wrap("global version of '" + name + "'");
  if (!*row) return std::optional<VersionVector>();
  auto version = VersionVector::Decode(s.ColumnBlob(0));
  if (!version) return version.error().Wrap("global version of '" + name + "'");
  return std::optional<VersionVector>(std::move(*version));
}

Result<std::optional<GlobalFile>> Index::GetNeeded(FolderKey folder_key, const std::string& name) {
  return ReadOneGlobal(sql::kSelectNeededOne, folder_key, name);
}

Result<NeedTotals> Index::CountNeeded(FolderKey folder_key) {
  auto stmt = db_.Prepare(sql::kNeedTotals);
  if (!stmt) return stmt.error();
  auto row = (*stmt)->Bind(1, folder_key.value).Step();
  if (!row) return row.error();
  NeedTotals totals;
  if (*row) totals = {(*stmt)->ColumnInt(0), (*stmt)->ColumnInt(1)};
  return totals;
}

Result<bool> Index::HasLiveGlobalUnder(FolderKey folder_key, const std::string& dir) {
  // "dir/" .. "dir0" ('0' follows '/') is every name beneath dir/.
  std::string low = dir;
  low.push_back('/');
  std::string high = dir;
  high.push_back('0');
  auto stmt = db_.Prepare(sql::kSelectLiveGlobalUnder);
  if (!stmt) return stmt.error();
  auto row = (*stmt)->Bind(1, folder_key.value).Bind(2, low).Bind(3, high).Step();
  if (!row) return row.error().Wrap("live entries under '" + dir + "'");
  bool found = *row;
  return found;
}

Result<void> Index::ForEachGlobal(FolderKey folder_key,
                                  const std::function<bool(GlobalFile&&)>& visit) {
  std::string after;
  for (;;) {
    auto page = ReadGlobalRows(sql::kSelectGlobalRange, folder_key, after, kGlobalPageSize);
    if (!page) return page.error();
    for (GlobalFile& g : *page) {
      after = g.file.name;
      if (!visit(std::move(g))) return {};
    }
    if (static_cast<std::int64_t>(page->size()) < kGlobalPageSize) return {};
  }
}

Result<std::vector<std::string>> Index::ConflictCopyNames(FolderKey folder_key) {
  auto stmt = db_.Prepare(sql::kSelectConflictCopies);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value);
  std::vector<std::string> names;
  for (;;) {
    auto row = s.Step();
    if (!row) return row.error().Wrap("conflict copies");
    if (!*row) break;
    names.push_back(s.ColumnText(0));
  }
  return names;
}

Result<std::vector<DeviceKey>> Index::DevicesWithVersion(FolderKey folder_key,
                                                         const std::string& name,
                                                         const VersionVector& version) {
  auto stmt = db_.Prepare(sql::kSelectVersionsOfName);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value).Bind(2, name);
  Bytes wanted = version.Encode();
  std::vector<DeviceKey> out;
  for (;;) {
    auto row = s.Step();
    if (!row) return row.error().Wrap("devices with '" + name + "'");
    if (!*row) break;
    ByteSpan blob = s.ColumnBlob(2);
    if (Bytes(blob.begin(), blob.end()) == wanted) out.push_back(DeviceKey(s.ColumnInt(1)));
  }
  return out;
}

}  // namespace shoal
