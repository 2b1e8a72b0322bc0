#include "core/scan/scan_diff.h"

namespace shoal {

FileType TypeOf(EntryKind kind) {
  switch (kind) {
    case EntryKind::kDirectory:
      return FileType::kDirectory;
    case EntryKind::kSymlink:
      return FileType::kSymlink;
    default:
      return FileType::kFile;
  }
}

FileInfo FromDisk(const FoundEntry& found) {
  FileInfo info;
  info.name = found.path;
  info.type = TypeOf(found.stat.kind);
  info.size = found.stat.kind == EntryKind::kFile ? found.stat.size : 0;
  info.mtime_ns = found.stat.mtime_ns;
  info.permissions = found.stat.permissions;
  info.inode = found.stat.inode;
  info.symlink_target = found.symlink_target;
  return info;
}

Change Compare(const FoundEntry& found, const FileInfo* old, bool held) {
  if (old == nullptr || old->deleted || old->type != TypeOf(found.stat.kind)) {
    return Change::kContent;
  }
  switch (found.stat.kind) {
    case EntryKind::kDirectory:
      if (held && found.stat.permissions == (old->permissions | 0700)) return Change::kNone;
      return old->permissions == found.stat.permissions ? Change::kNone : Change::kMetadata;
    case EntryKind::kSymlink:
      return old->symlink_target == found.symlink_target ? Change::kNone : Change::kContent;
    default:
      break;
  }
  if (old->size != found.stat.size || old->mtime_ns != found.stat.mtime_ns ||
      old->inode != found.stat.inode) {
    return Change::kContent;
  }
  return old->permissions == found.stat.permissions ? Change::kNone : Change::kMetadata;
}

void CountPresent(const FoundEntry& found, ScanResult& result) {
  switch (found.stat.kind) {
    case EntryKind::kFile:
      result.files++;
      result.bytes += found.stat.size;
      break;
    case EntryKind::kDirectory:
      result.directories++;
      break;
    case EntryKind::kSymlink:
      result.symlinks++;
      break;
    case EntryKind::kSpecial:
      break;
  }
}

FileInfo MakeTombstone(const FileInfo& old) {
  FileInfo tombstone = old;
  tombstone.deleted = true;
  tombstone.size = 0;
  tombstone.inode = 0;
  tombstone.blocks.clear();
  tombstone.symlink_target.clear();
  return tombstone;
}

}  // namespace shoal
