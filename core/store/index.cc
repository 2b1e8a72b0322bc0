// Index: opening, file entries, block lists and block locations.
// Devices, folders, shares and peer state are in index_config.cc.
#include "core/store/index.h"

#include <xxhash.h>

#include "core/store/file_row.h"
#include "core/store/schema.h"
#include "core/store/transaction.h"

namespace shoal {
namespace {

constexpr std::int64_t kPageSize = 1000;  // rows per ForEachSince query

}  // namespace

// Reads the columns selected by sql::kSelectFile / kSelectFilesSince (and
// the first eleven of the global queries).
Result<FileInfo> ReadFileRow(const Statement& s) {
  FileInfo f;
  f.name = s.ColumnText(0);
  std::int64_t type = s.ColumnInt(1);
  if (type < 0 || type > static_cast<std::int64_t>(FileType::kSymlink)) {
    return Fail(ErrorCode::kCorrupt, "file '" + f.name + "': unknown type " + std::to_string(type));
  }
  f.type = static_cast<FileType>(type);
  f.size = s.ColumnInt(2);
  f.mtime_ns = s.ColumnInt(3);
  f.permissions = static_cast<std::uint32_t>(s.ColumnInt(4));
  f.deleted = s.ColumnInt(5) != 0;
  auto version = VersionVector::Decode(s.ColumnBlob(6));
  if (!version) return version.error().Wrap("file '" + f.name + "'");
  f.version = std::move(*version);
  f.sequence = s.ColumnInt(7);
  if (!s.ColumnIsNull(8)) {
    auto blocks = DecodeBlockList(s.ColumnBlob(8));
    if (!blocks) return blocks.error().Wrap("file '" + f.name + "'");
    f.blocks = std::move(*blocks);
  }
  f.symlink_target = s.ColumnText(9);
  f.inode = static_cast<std::uint64_t>(s.ColumnInt(10));
  return f;
}

Result<std::vector<FileInfo>> ReadFileRows(Statement& s, const std::string& what) {
  std::vector<FileInfo> out;
  for (;;) {
    auto row = s.Step();
    if (!row) return row.error().Wrap(what);
    if (!*row) return out;
    auto file = ReadFileRow(s);
    if (!file) return file.error();
    out.push_back(std::move(*file));
  }
}

Index::Index(Database db) : db_(std::move(db)) {
  // What a rolled-back transaction recorded may not have happened: every
  // puller reads its window of the need list afresh.
  db_.SetRollbackHook([](void* journals) { static_cast<NeedJournals*>(journals)->ResetAll(); },
                      need_.get());
}

Result<Index> Index::Open(const std::string& path) {
  auto db = Database::Open(path);
  if (!db) return db.error().Wrap("index");
  if (auto ok = MigrateSchema(*db); !ok) return ok.error().Wrap("index '" + path + "'");
  return Index(std::move(*db));
}

Result<Index> Index::OpenReader(const std::string& path) {
  auto db = Database::OpenReadOnly(path);
  if (!db) return db.error().Wrap("index reader");
  return Index(std::move(*db));
}

Result<std::int64_t> Index::PutOneFile(FolderKey folder_key, DeviceKey device_key,
                                       const FileInfo& file, std::int64_t sequence) {
  std::optional<std::int64_t> list_key;
  Bytes encoded;
  if (!file.blocks.empty()) encoded = EncodeBlockList(file.blocks);
  // One block stays in the row (schema v7); a longer list is shared.
  bool inline_list = file.blocks.size() == 1;
  if (file.blocks.size() > 1) {
    // Unseeded: this hash only deduplicates rows inside one database.
    XXH128_canonical_t list_hash;
    XXH128_canonicalFromHash(&list_hash, XXH3_128bits(encoded.data(), encoded.size()));
    auto stmt = db_.Prepare(sql::kUpsertBlockList);
    if (!stmt) return stmt.error();
    (*stmt)->BindBlob(1, ByteSpan(list_hash.digest, sizeof(list_hash.digest))).BindBlob(2, encoded);
    auto row = (*stmt)->Step();
    if (!row) return row.error().Wrap("block list");
    if (*row) {
      list_key = (*stmt)->ColumnInt(0);
    } else {
      // A stored list has this hash but other blocks. XXH3 does not resist
      // a peer that chooses its lists, so the row keeps its own list rather
      // than share one it does not hold (docs/storage.md "Schema v7").
      inline_list = true;
    }
  }
  auto stmt = db_.Prepare(sql::kUpsertFile);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value).Bind(2, device_key.value).Bind(3, file.name);
  s.Bind(4, static_cast<std::int64_t>(file.type)).Bind(5, file.size).Bind(6, file.mtime_ns);
  s.Bind(7, static_cast<std::int64_t>(file.permissions)).Bind(8, std::int64_t{file.deleted});
  s.BindBlob(9, file.version.Encode()).Bind(10, sequence);
  if (list_key) {
    s.Bind(11, *list_key);
  } else {
    s.BindNull(11);
  }
  if (file.type == FileType::kSymlink) {
    s.Bind(12, file.symlink_target);
  } else {
    s.BindNull(12);
  }
  s.Bind(13, static_cast<std::int64_t>(file.inode));
  if (inline_list) {
    s.BindBlob(14, encoded);
  } else {
    s.BindNull(14);
  }
  auto row = s.Step();
  if (!row) return row.error();
  std::int64_t file_row = s.ColumnInt(0);
  return file_row;
}

Result<std::optional<Index::OldLocations>> Index::ReadOldLocations(FolderKey folder_key,
                                                                   DeviceKey device_key,
                                                                   const std::string& name) {
  auto stmt = db_.Prepare(sql::kSelectOldLocations);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value).Bind(2, device_key.value).Bind(3, name);
  auto row = s.Step();
  if (!row) return row.error();
  if (!*row) return std::optional<OldLocations>();
  OldLocations old{s.ColumnInt(0), {}};
  // Only a live file's blocks were indexed (IndexBlockLocations).
  if (s.ColumnInt(1) == 0 && s.ColumnInt(2) == static_cast<std::int64_t>(FileType::kFile)) {
    auto blocks = DecodeBlockList(s.ColumnBlob(3));
    if (!blocks) return blocks.error().Wrap("block list of '" + name + "'");
    old.blocks = std::move(*blocks);
  }
  s.Reset();
  return std::optional<OldLocations>(std::move(old));
}

Result<void> Index::DeleteLocations(const OldLocations& old) {
  std::int64_t offset = 0;
  for (const BlockRef& block : old.blocks) {
    auto stmt = db_.Prepare(sql::kDeleteLocation);
    if (!stmt) return stmt.error();
    if (auto ok =
            (*stmt)->BindBlob(1, block.hash.bytes).Bind(2, old.file_row).Bind(3, offset).Run();
        !ok) {
      return ok;
    }
    offset += block.size;
  }
  return {};
}

Result<void> Index::IndexBlockLocations(std::int64_t file_row, const FileInfo& file,
                                        const std::optional<OldLocations>& old) {
  const bool live = !file.deleted && file.type == FileType::kFile;
  // The upsert keeps a row's id, so the same blocks are the same rows.
  if (old && old->file_row == file_row &&
      (live ? old->blocks == file.blocks : old->blocks.empty())) {
    return {};
  }
  if (old) {
    if (auto ok = DeleteLocations(*old); !ok) return ok;
  }
  if (!live) return {};
  std::int64_t offset = 0;
  for (const BlockRef& block : file.blocks) {
    auto insert = db_.Prepare(sql::kInsertLocation);
    if (!insert) return insert.error();
    (*insert)->BindBlob(1, block.hash.bytes).Bind(2, file_row).Bind(3, offset);
    (*insert)->Bind(4, std::int64_t{block.size});
    if (auto ok = (*insert)->Run(); !ok) return ok;
    offset += block.size;
  }
  return {};
}

Result<void> Index::PutFiles(FolderKey folder_key, DeviceKey device_key,
                             std::span<FileInfo> files) {
  auto local_key = LocalDeviceKey();
  if (!local_key) return local_key.error();
  bool local = device_key == *local_key;
  auto tx = Transaction::Begin(db_);
  if (!tx) return tx.error().Wrap("put files");
  std::int64_t sequence = 0;
  if (local) {
    auto stmt = db_.Prepare(sql::kSelectMaxSequence);
    if (!stmt) return stmt.error();
    auto row = (*stmt)->Bind(1, folder_key.value).Step();
    if (!row) return row.error().Wrap("put files");
    if (!*row)
      return Fail(ErrorCode::kNotFound,
                  "put files: no folder with key " + std::to_string(folder_key.value));
    sequence = (*stmt)->ColumnInt(0);
  }
  for (FileInfo& file : files) {
    std::optional<OldLocations> old;
    if (local) {
      file.sequence = ++sequence;
      auto read = ReadOldLocations(folder_key, device_key, file.name);
      if (!read) return read.error().Wrap("put file '" + file.name + "'");
      old = std::move(*read);
    }
    // Other devices' rows keep sequence 0: nothing reads them back by it.
    auto file_row = PutOneFile(folder_key, device_key, file, local ? file.sequence : 0);
    if (!file_row) return file_row.error().Wrap("put file '" + file.name + "'");
    if (local) {
      if (auto ok = IndexBlockLocations(*file_row, file, old); !ok) {
        return ok.error().Wrap("index blocks of '" + file.name + "'");
      }
    }
    if (auto ok = UpdateGlobal(folder_key, file.name); !ok) return ok;
  }
  if (local) {
    auto stmt = db_.Prepare(sql::kUpdateMaxSequence);
    if (!stmt) return stmt.error();
    if (auto ok = (*stmt)->Bind(1, folder_key.value).Bind(2, sequence).Run(); !ok) return ok;
  }
  return tx->Commit();
}

Result<void> Index::SetLocalInode(FolderKey folder_key, DeviceKey device_key,
                                  const std::string& name, std::uint64_t inode) {
  auto stmt = db_.Prepare(sql::kUpdateInode);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value)
      .Bind(2, device_key.value)
      .Bind(3, name)
      .Bind(4, static_cast<std::int64_t>(inode));
  return s.Run();
}

Result<std::optional<FileInfo>> Index::GetFile(FolderKey folder_key, DeviceKey device_key,
                                               const std::string& name) {
  auto stmt = db_.Prepare(sql::kSelectFile);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value).Bind(2, device_key.value).Bind(3, name);
  auto row = s.Step();
  if (!row) return row.error().Wrap("get file '" + name + "'");
  if (!*row) return std::optional<FileInfo>();
  auto file = ReadFileRow(s);
  if (!file) return file.error();
  return std::optional<FileInfo>(std::move(*file));
}

Result<void> Index::DeleteFiles(FolderKey folder_key, DeviceKey device_key,
                                std::span<const std::string> names) {
  auto local_key = LocalDeviceKey();
  if (!local_key) return local_key.error();
  auto tx = Transaction::Begin(db_);
  if (!tx) return tx.error().Wrap("delete files");
  for (const std::string& name : names) {
    if (device_key == *local_key) {
      auto old = ReadOldLocations(folder_key, device_key, name);
      if (!old) return old.error().Wrap("delete file '" + name + "'");
      if (*old) {
        if (auto ok = DeleteLocations(**old); !ok)
          return ok.error().Wrap("delete file '" + name + "'");
      }
    }
    auto stmt = db_.Prepare(sql::kDeleteFile);
    if (!stmt) return stmt.error();
    if (auto ok = (*stmt)->Bind(1, folder_key.value).Bind(2, device_key.value).Bind(3, name).Run();
        !ok) {
      return ok.error().Wrap("delete file '" + name + "'");
    }
    if (auto ok = UpdateGlobal(folder_key, name); !ok) return ok;
  }
  return tx->Commit();
}

Result<void> Index::DeleteAllFiles(FolderKey folder_key, DeviceKey device_key) {
  std::vector<std::string> names;
  {
    auto stmt = db_.Prepare(sql::kSelectNamesOfDeviceInFolder);
    if (!stmt) return stmt.error();
    Statement& s = **stmt;
    s.Bind(1, folder_key.value).Bind(2, device_key.value);
    for (;;) {
      auto row = s.Step();
      if (!row) return row.error().Wrap("list files");
      if (!*row) break;
      names.emplace_back(s.ColumnText(0));
    }
  }
  return DeleteFiles(folder_key, device_key, names);
}

Result<void> Index::ForEachSince(FolderKey folder_key, DeviceKey device_key, std::int64_t since,
                                 const std::function<bool(FileInfo&&)>& visit) {
  // Pages keep the statement short-lived so `visit` never runs while a read
  // cursor holds the cached statement.
  for (;;) {
    auto stmt = db_.Prepare(sql::kSelectFilesSince);
    if (!stmt) return stmt.error();
    Statement& s = **stmt;
    s.Bind(1, folder_key.value).Bind(2, device_key.value).Bind(3, since).Bind(4, kPageSize);
    auto rows = ReadFileRows(s, "iterate files");
    if (!rows) return rows.error();
    std::vector<FileInfo> page = std::move(*rows);
    s.Reset();  // before visiting: a visitor may use the store, this statement too
    for (FileInfo& file : page) {
      since = file.sequence;
      if (!visit(std::move(file))) return {};
    }
    if (static_cast<std::int64_t>(page.size()) < kPageSize) return {};
  }
}

Result<std::vector<FileInfo>> Index::ListMetadataAfter(FolderKey folder_key, DeviceKey device_key,
                                                       const std::string& after,
                                                       std::int64_t limit) {
  auto stmt = db_.Prepare(sql::kSelectMetadataAfter);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value).Bind(2, device_key.value).Bind(3, after).Bind(4, limit);
  return ReadFileRows(s, "list files after '" + after + "'");
}

Result<std::vector<FileInfo>> Index::ListMetadataUnder(FolderKey folder_key, DeviceKey device_key,
                                                       const std::string& prefix) {
  // Names compare bytewise; "prefix" .. "prefix0" ('0' follows '/') covers the
  // name itself and "prefix/..." plus siblings like "prefix-x" that are
  // filtered out below. For the whole folder the upper bound 0xff is above
  // any byte valid UTF-8 contains.
  const std::string low = prefix;
  const std::string high = prefix.empty() ? std::string("\xff") : prefix + "0";
  const std::string dir_prefix = prefix + "/";
  auto stmt = db_.Prepare(sql::kSelectMetadataRange);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value).Bind(2, device_key.value).Bind(3, low).Bind(4, high);
  auto out = ReadFileRows(s, "list files under '" + prefix + "'");
  if (!out || prefix.empty()) return out;
  std::erase_if(*out, [&](const FileInfo& file) {
    return file.name != prefix && file.name.compare(0, dir_prefix.size(), dir_prefix) != 0;
  });
  return out;
}

Result<std::int64_t> Index::CountFiles(FolderKey folder_key, DeviceKey device_key) {
  auto stmt = db_.Prepare(sql::kCountFiles);
  if (!stmt) return stmt.error();
  auto row = (*stmt)->Bind(1, folder_key.value).Bind(2, device_key.value).Step();
  if (!row) return row.error();
  std::int64_t count = (*stmt)->ColumnInt(0);
  return count;
}

Result<LiveTotals> Index::CountLive(FolderKey folder_key, DeviceKey device_key) {
  auto stmt = db_.Prepare(sql::kLiveTotals);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.Bind(1, folder_key.value).Bind(2, device_key.value);
  LiveTotals totals;
  for (;;) {
    auto row = s.Step();
    if (!row) return row.error();
    if (!*row) break;
    const std::int64_t count = s.ColumnInt(1);
    switch (static_cast<FileType>(s.ColumnInt(0))) {
      case FileType::kFile:
        totals.files += count;
        totals.bytes += s.ColumnInt(2);
        break;
      case FileType::kDirectory:
        totals.directories += count;
        break;
      case FileType::kSymlink:
        totals.symlinks += count;
        break;
    }
  }
  return totals;
}

Result<std::vector<BlockLocation>> Index::FindBlock(FolderKey folder_key, const Hash128& hash,
                                                    std::int64_t limit) {
  auto stmt = db_.Prepare(sql::kSelectLocations);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.BindBlob(1, hash.bytes).Bind(2, folder_key.value).Bind(3, limit);
  std::vector<BlockLocation> out;
  for (;;) {
    auto row = s.Step();
    if (!row) return row.error().Wrap("find block");
    if (!*row) break;
    out.push_back({FolderKey(s.ColumnInt(0)), s.ColumnText(1), s.ColumnInt(2),
                   static_cast<std::uint32_t>(s.ColumnInt(3))});
  }
  return out;
}

Result<std::optional<std::uint32_t>> Index::LocalBlockAt(FolderKey folder_key,
                                                         const std::string& name,
                                                         std::int64_t offset, const Hash128& hash) {
  auto local_key = LocalDeviceKey();
  if (!local_key) return local_key.error();
  auto stmt = db_.Prepare(sql::kSelectLocationAt);
  if (!stmt) return stmt.error();
  Statement& s = **stmt;
  s.BindBlob(1, hash.bytes).Bind(2, folder_key.value).Bind(3, local_key->value).Bind(4, name);
  s.Bind(5, offset);
  auto row = s.Step();
  if (!row) return row.error().Wrap("block at");
  if (!*row) return std::optional<std::uint32_t>();
  return std::optional<std::uint32_t>(static_cast<std::uint32_t>(s.ColumnInt(0)));
}

}  // namespace shoal
