// Puller: the parts applied without waiting for blocks — directories,
// deletions, symlinks, starting a file (resume, rename, local blocks) —
// and the checks that keep a local change from being overwritten.
#include "core/base/relative_path.h"
#include "core/base/temp_name.h"
#include "core/hash/block_hash.h"
#include "core/pull/puller.h"
#include "core/pull/puller_job.h"
#include "core/pull/version_archive.h"
#include "core/version/conflict.h"
#include "core/version/global_version.h"

namespace shoal {

Result<bool> Puller::DiskMatchesIndex(const std::string& name,
                                      const std::optional<FileInfo>& local) {
  auto st = fs_.Lstat(name);
  if (!st) {
    if (st.error().code == ErrorCode::kNotFound) return !local || local->deleted;
    return st.error();
  }
  if (!local || local->deleted) return false;
  switch (local->type) {
    case FileType::kFile:
      return st->kind == EntryKind::kFile && st->size == local->size &&
             st->mtime_ns == local->mtime_ns &&
             (st->permissions & kSyncedPermissionBits) == local->permissions &&
             (local->inode == 0 || st->inode == local->inode);
    case FileType::kDirectory:
      return st->kind == EntryKind::kDirectory;
    case FileType::kSymlink: {
      if (st->kind != EntryKind::kSymlink) return false;
      auto target = fs_.ReadLink(name);
      if (!target) return target.error();
      return *target == local->symlink_target;
    }
  }
  return false;
}

Result<bool> Puller::KeepLosingVersion(const std::optional<FileInfo>& local, const FileInfo& global,
                                       std::vector<FileInfo>& commits, PullPass& pass) {
  if (!local || local->deleted) return false;
  Ordering order = local->version.Compare(global.version);
  if (order == Ordering::kLesser) return false;
  if (SameContentOrNothingToKeep(*local, global)) return false;
  // Concurrent (or an equal vector over different content, which can only
  // come from a diverged history), and ours lost: our content lives on under
  // the conflict name every device derives alike (an equal copy made
  // elsewhere merges with it).
  return MoveToConflictCopy(local->name, *local, commits, pass);
}

Result<bool> Puller::MoveToConflictCopy(const std::string& from, const FileInfo& content,
                                        std::vector<FileInfo>& commits, PullPass& pass) {
  const std::uint64_t modifier = LastModifier(content.version);
  std::string copy;
  for (int attempt = 0;; ++attempt) {
    copy = ConflictCopyName(content.name, content.mtime_ns + attempt * 1'000'000'000ll, modifier);
    auto moved = fs_.RenameNoReplace(from, copy);
    if (moved) break;
    if (moved.error().code != ErrorCode::kConflict || attempt >= 8) {
      return moved.error().Wrap("keep conflicting version of '" + content.name + "'");
    }
    auto existing = index_.GetFile(context_.folder_key, context_.local_device_key, copy);
    if (!existing) return StoreFailed(existing.error());
    if (*existing && !(*existing)->deleted && (*existing)->blocks == content.blocks) {
      return false;  // this very content is already kept under that name
    }
  }
  FileInfo kept = content;
  kept.name = copy;
  kept.sequence = 0;
  auto known = index_.GetGlobal(context_.folder_key, copy);
  if (!known) return StoreFailed(known.error());
  if (*known && !(*known)->file.deleted && (*known)->file.blocks == content.blocks &&
      (*known)->file.mtime_ns == content.mtime_ns &&
      (*known)->file.permissions == content.permissions) {
    kept.version = (*known)->file.version;  // another device made the same copy
  } else {
    kept.version = VersionVector();
    kept.version.Bump(context_.local_short_id, clock_.NowUnixSeconds());
  }
  auto st = fs_.Lstat(copy);
  if (!st) return st.error();
  kept.inode = st->inode;
  commits.push_back(std::move(kept));
  pass.conflicts++;
  return true;
}

Result<void> Puller::KeepDirectory(const FileInfo& local, const FileInfo& global,
                                   std::vector<FileInfo>& commits) {
  auto st = fs_.Lstat(local.name);
  if (!st) return st.error();
  FileInfo alive = local;
  alive.deleted = false;
  alive.version = local.version.Merge(global.version);
  alive.version.Bump(context_.local_short_id, clock_.NowUnixSeconds());
  alive.inode = st->inode;
  alive.sequence = 0;
  commits.push_back(std::move(alive));
  return {};
}

Result<void> Puller::EnsureParents(const std::string& name) {
  std::string parent = ParentOf(name);
  if (parent.empty()) return {};
  // Checked once a pass: the files of one directory arrive together. Should
  // it go meanwhile, the file's temp cannot be opened and is retried.
  if (parents_ready_.contains(parent)) return {};
  auto st = fs_.Lstat(parent);
  if (st) {
    if (st->kind != EntryKind::kDirectory) {
      return Fail(ErrorCode::kConflict,
                  "parent '" + parent + "' of '" + name + "' is not a directory");
    }
    if (auto held = HoldWritable(parent, *st); !held) return held;
    parents_ready_.insert(parent);
    return {};
  }
  if (st.error().code != ErrorCode::kNotFound) return st.error();
  if (auto ok = EnsureParents(parent); !ok) return ok;
  auto made = fs_.MakeDir(parent, 0755);
  if (!made && made.error().code != ErrorCode::kConflict) return made;
  if (made) parents_ready_.insert(parent);
  return {};
}

Result<void> Puller::HoldWritable(const std::string& dir, const FileStat& st) {
  if (dir.empty() || (st.permissions & 0300) == 0300) return {};
  auto global = index_.GetGlobal(context_.folder_key, dir);
  if (!global) return StoreFailed(global.error());
  // Only a directory whose mode is the one wanted everywhere: its final
  // mode is then known, and the scanner reads the change as no change.
  if (!*global || (*global)->file.deleted || (*global)->file.type != FileType::kDirectory ||
      (*global)->file.permissions != (st.permissions & kSyncedPermissionBits)) {
    return {};
  }
  if (auto ok = fs_.SetMetadata(dir, st.mtime_ns, st.permissions | 0700); !ok) return ok;
  FileInfo held = (*global)->file;
  held.permissions = st.permissions;  // given back exactly as it was
  held_dirs_[dir] = held;
  return {};
}

Result<void> Puller::ApplyDirectory(const GlobalFile& want, std::vector<FileInfo>& commits,
                                    PullPass& pass) {
  const FileInfo& g = want.file;
  const std::uint32_t mode = LocalMode(g.type, g.permissions, config_.umask);
  auto local = index_.GetFile(context_.folder_key, context_.local_device_key, g.name);
  if (!local) return StoreFailed(local.error());
  auto st = fs_.Lstat(g.name);
  if (!st && st.error().code != ErrorCode::kNotFound) return st.error();
  if (st && st->kind != EntryKind::kDirectory) {
    auto matches = DiskMatchesIndex(g.name, *local);
    if (!matches) return matches.error();
    if (!*matches) {
      pass.rescan.push_back(g.name);
      return {};
    }
    auto moved = KeepLosingVersion(*local, g, commits, pass);
    if (!moved) return moved.error();
    if (!*moved) {  // kept as a version, not removed
      if (auto kept = VersionArchive(fs_, clock_).Keep(g.name); !kept) return kept.error();
    }
  }
  // Owner-writable until its children are in (ReleaseDirectories), so a
  // directory whose mode denies its owner can still receive them (LocalMode
  // already keeps the owner's access; this holds whatever a mode may be).
  const std::uint32_t writable = mode | 0700;
  if (!st || st->kind != EntryKind::kDirectory) {
    if (auto ok = EnsureParents(g.name); !ok) return ok;
    auto made = fs_.MakeDir(g.name, writable);
    if (!made) return made;
  }
  // Directory mtimes follow their children and are not synced; the mode is.
  auto now = fs_.Lstat(g.name);
  if (!now) return now.error();
  if ((now->permissions & kSyncedPermissionBits) != writable) {
    if (auto ok = fs_.SetMetadata(g.name, now->mtime_ns, writable); !ok) return ok;
  }
  if (writable != mode) {
    FileInfo held = g;
    held.permissions = mode;
    held_dirs_[g.name] = held;
  } else {
    held_dirs_.erase(g.name);
  }
  FileInfo applied = g;
  applied.inode = now->inode;
  applied.permissions = mode;
  commits.push_back(std::move(applied));
  return {};
}

Result<void> Puller::ApplyDelete(const GlobalFile& want, std::vector<FileInfo>& commits,
                                 PullPass& pass) {
  const FileInfo& g = want.file;
  auto local = index_.GetFile(context_.folder_key, context_.local_device_key, g.name);
  if (!local) return StoreFailed(local.error());
  auto matches = DiskMatchesIndex(g.name, *local);
  if (!matches) return matches.error();
  if (!*matches) {
    pass.rescan.push_back(g.name);
    return {};
  }
  if (*local && !(*local)->deleted) {
    if ((*local)->type == FileType::kDirectory) {
      // Removed only once everything beneath it is deleted everywhere.
      auto live = index_.HasLiveGlobalUnder(context_.folder_key, g.name);
      if (!live) return StoreFailed(live.error());
      if (*live) return KeepDirectory(**local, g, commits);
    }
    auto st = fs_.Lstat(g.name);
    if (st) {
      if (auto parent = fs_.Lstat(ParentOf(g.name)); parent) {
        if (auto ok = HoldWritable(ParentOf(g.name), *parent); !ok) return ok;
      }
      Result<void> removed;
      if ((*local)->type == FileType::kDirectory) {
        removed = fs_.RemoveDir(g.name);
      } else if (auto kept = KeepReplacedVersion(fs_, clock_, *local, nullptr); !kept) {
        removed = kept.error();  // a deleted file is kept as a version, never removed
      }
      if (!removed && removed.error().code == ErrorCode::kConflict &&
          (*local)->type == FileType::kDirectory) {
        // Not empty: something in it is not deleted everywhere, so the
        // directory stays, as a new version every device will keep.
        return KeepDirectory(**local, g, commits);
      }
      if (!removed && removed.error().code != ErrorCode::kNotFound) return removed;
      if (auto ok = fs_.SyncDir(ParentOf(g.name)); !ok) return ok;
    }
  }
  FileInfo applied = g;
  applied.inode = 0;
  commits.push_back(std::move(applied));
  return {};
}

Result<bool> Puller::ApplyMetadataOnly(const GlobalFile& want, std::vector<FileInfo>& commits) {
  const FileInfo& g = want.file;
  if (g.type != FileType::kFile) return false;
  auto local = index_.GetFile(context_.folder_key, context_.local_device_key, g.name);
  if (!local) return StoreFailed(local.error());
  if (!*local || (*local)->deleted || (*local)->type != FileType::kFile) return false;
  const FileInfo& here = **local;
  if (here.size != g.size || here.blocks != g.blocks) return false;
  auto matches = DiskMatchesIndex(g.name, *local);
  if (!matches) return matches.error();
  if (!*matches) return false;  // changed here since the scan: the usual path rescans it
  FileInfo applied = g;
  applied.sequence = 0;
  // A newer version of what is here changed only metadata: it applies. The
  // same content found on both sides on its own (seeding) keeps its mtime
  // here: nothing on disk is touched unless the mode differs.
  if (here.version.Compare(g.version) != Ordering::kLesser) applied.mtime_ns = here.mtime_ns;
  const std::uint32_t mode = LocalMode(g.type, g.permissions, config_.umask);
  if (applied.mtime_ns != here.mtime_ns || (mode & kSyncedPermissionBits) != here.permissions) {
    if (auto ok = fs_.SetMetadata(g.name, applied.mtime_ns, mode); !ok) return ok.error();
  }
  auto st = fs_.Lstat(g.name);
  if (!st) return st.error();
  applied.inode = st->inode;
  applied.permissions = st->permissions & kSyncedPermissionBits;  // as applied
  commits.push_back(std::move(applied));
  return true;
}

Result<void> Puller::StartFile(const GlobalFile& want, PullPass& pass) {
  const FileInfo& g = want.file;
  auto job = std::make_unique<Job>();
  job->want = want;
  job->temp = TempNameFor(g.name);
  temps_made_.insert(job->temp);
  if (auto ok = EnsureParents(g.name); !ok) return ok;
  if (g.type == FileType::kSymlink) {
    auto removed = fs_.RemoveFile(job->temp);
    if (!removed && removed.error().code != ErrorCode::kNotFound) return removed;
    if (auto ok = fs_.MakeSymlink(job->temp, g.symlink_target); !ok) return ok;
    jobs_[g.name] = std::move(job);
    return {};
  }
  if (auto ok = RenameSourceToTemp(*job, pass); !ok) return ok;
  if (auto ok = CheckSpace(g, job->temp); !ok) return ok;
  auto opened = OpenTemp(*job);
  if (!opened) return opened.error();
  std::int64_t offset = 0;
  for (const BlockRef& b : g.blocks) {
    job->offsets.push_back(offset);
    offset += b.size;
  }
  job->have.assign(g.blocks.size(), false);
  job->requested.assign(g.blocks.size(), false);
  job->missing = g.blocks.size();
  // What a temp file left by an interrupted pull already holds is checked
  // block by block within the fill's budget (FillLocally), not all at once;
  // until a block there fails its check it is not counted as unwritten.
  job->resumable = opened->size;
  for (std::size_t i = 0; i < g.blocks.size(); ++i) {
    if (job->offsets[i] + g.blocks[i].size > job->resumable) job->unwritten += g.blocks[i].size;
  }
  job->filling = true;
  if (auto ok = FillLocally(*job, pass); !ok) return ok;
  if (pass_claimed_) *pass_claimed_ += std::max<std::int64_t>(job->unwritten, 0);
  jobs_[g.name] = std::move(job);
  return {};
}

Result<void> Puller::RenameSourceToTemp(Job& job, PullPass& pass) {
  const FileInfo& g = job.want.file;
  if (g.blocks.empty()) return {};
  // A needed delete with this very content: move it here instead.
  auto same = rename_sources_.equal_range(ContentId(g.blocks, context_.hash_seed));
  for (auto it = same.first; it != same.second; ++it) {
    auto matches = DiskMatchesIndex(it->second.name, it->second);
    if (!matches) return matches.error();
    if (!*matches) continue;
    if (auto ok = fs_.Rename(it->second.name, job.temp); !ok) continue;
    rename_sources_.erase(it);
    pass.renamed++;
    break;
  }
  return {};
}

Result<FileStat> Puller::OpenTemp(Job& job) {
  auto file = fs_.OpenWrite(job.temp);
  if (!file) return file.error();
  job.file = std::move(*file);
  auto opened = job.file->Stat();
  if (!opened) return opened.error();
  job.inode = opened->inode;
  // The same file under another job's temp name means it was moved here
  // from there (a renamed directory): that job must not write to it again.
  // The held files' inodes are gathered once a pass: going through 512
  // jobs for every file started was 3% of a small-file receiver's CPU.
  if (!pass_inodes_) {
    pass_inodes_.emplace();
    for (const auto& [name, other] : jobs_) {
      if (other->want.file.type == FileType::kFile) pass_inodes_->emplace(other->inode, name);
    }
  }
  auto [first, last] = pass_inodes_->equal_range(job.inode);
  for (auto it = first; it != last; ++it) {
    auto other = jobs_.find(it->second);  // a job that failed to start is not there
    if (other == jobs_.end() || other->second->inode != job.inode) continue;
    other->second->error = Error{ErrorCode::kConflict, "its temp file was moved away"};
    other->second->raced = true;
  }
  pass_inodes_->emplace(job.inode, job.want.file.name);
  return opened;
}

Result<void> Puller::FillLocally(Job& job, PullPass& pass) {
  std::map<std::string, std::unique_ptr<ReadableFile>> open;
  Bytes buffer;
  std::optional<Hash128> buffered;  // the block `buffer` holds, verified
  const std::vector<BlockRef>& blocks = job.want.file.blocks;
  std::size_t i = job.fill_next;
  for (; i < blocks.size() && job.missing > 0; ++i) {
    if (job.have[i]) continue;
    if (fill_left_ <= 0) break;  // the next pass goes on from here
    // The temp file may hold this block already (an interrupted pull).
    if (job.offsets[i] + blocks[i].size <= job.resumable) {
      buffer.resize(blocks[i].size);
      auto n = job.file->ReadAt(static_cast<std::uint64_t>(job.offsets[i]), buffer);
      fill_left_ -= blocks[i].size;
      buffered.reset();
      if (!n) return n.error();
      if (*n == blocks[i].size && HashBlock(buffer, context_.hash_seed) == blocks[i].hash) {
        buffered = blocks[i].hash;
        job.have[i] = true;
        job.missing--;
        pass.resumed_blocks++;
        continue;
      }
      job.unwritten += blocks[i].size;  // it must be written after all
      pass_claimed_.reset();            // the job's claim changed: summed again
    }
    // A block repeated in the file (runs of zeros, or a file made of one
    // block over and over) is looked up and read once.
    bool found = buffered == blocks[i].hash && buffer.size() == blocks[i].size;
    if (!found) {
      auto where = index_.FindBlock(context_.folder_key, blocks[i].hash);
      if (!where) return StoreFailed(where.error());
      for (const BlockLocation& loc : *where) {
        if (loc.size != blocks[i].size) continue;
        auto reader = open.find(loc.name);
        if (reader == open.end()) {
          auto opened = fs_.OpenRead(loc.name);
          if (!opened) continue;  // gone or unreadable: try elsewhere
          reader = open.emplace(loc.name, std::move(*opened)).first;
        }
        buffer.resize(loc.size);
        auto n = reader->second->ReadAt(static_cast<std::uint64_t>(loc.offset), buffer);
        fill_left_ -= loc.size;
        if (!n || *n != loc.size || HashBlock(buffer, context_.hash_seed) != blocks[i].hash) {
          continue;
        }
        buffered = blocks[i].hash;
        found = true;
        break;
      }
    }
    if (!found) continue;
    if (auto ok = job.file->WriteAt(static_cast<std::uint64_t>(job.offsets[i]), buffer); !ok) {
      job.error = ok.error();
      return {};
    }
    fill_left_ -= blocks[i].size;
    pass_written_ += blocks[i].size;
    job.unwritten -= blocks[i].size;
    pass_claimed_.reset();
    job.have[i] = true;
    job.missing--;
    pass.local_blocks++;
  }
  job.fill_next = i;
  if (i >= blocks.size() || job.missing == 0) job.filling = false;
  return {};
}

void Puller::NoteTempDirs(const std::set<std::string>& dirs, bool walked_all) {
  if (walked_all) swept_all_ = true;
  if (dirs.empty()) return;
  temp_dirs_.insert(dirs.begin(), dirs.end());
  swept_ = false;
}

Result<std::int64_t> Puller::SweepTemps() {
  if (!swept_all_) {
    auto removed = RemoveStaleTemps("", /*recursive=*/true);
    if (!removed) return removed;
    swept_all_ = true;
    temp_dirs_.clear();
    temps_made_.clear();
    return removed;
  }
  std::int64_t total = 0;
  for (auto it = temp_dirs_.begin(); it != temp_dirs_.end(); it = temp_dirs_.erase(it)) {
    auto removed = RemoveStaleTemps(*it, /*recursive=*/false);
    if (!removed) return removed;
    total += *removed;
  }
  for (auto it = temps_made_.begin(); it != temps_made_.end(); it = temps_made_.erase(it)) {
    auto removed = RemoveStaleTemp(*it);
    if (!removed) return removed;
    total += *removed;
  }
  return total;
}

Result<std::int64_t> Puller::RemoveStaleTemp(const std::string& path) {
  auto st = fs_.Lstat(path);
  if (!st) return st.error().code == ErrorCode::kNotFound ? Result<std::int64_t>(0) : st.error();
  if (st->kind == EntryKind::kDirectory) return 0;
  for (const auto& [name, job] : jobs_) {
    if (job->temp == path) return 0;
  }
  if (auto ok = fs_.RemoveFile(path); !ok) {
    return ok.error().code == ErrorCode::kNotFound ? Result<std::int64_t>(0) : ok.error();
  }
  return 1;
}

Result<std::int64_t> Puller::RemoveStaleTemps(const std::string& dir, bool recursive) {
  auto entries = fs_.ListDir(dir);
  if (!entries)
    return entries.error().code == ErrorCode::kNotFound ? Result<std::int64_t>(0) : entries.error();
  std::int64_t removed = 0;
  for (const DirEntry& e : *entries) {
    if (dir.empty() && e.name == ".shoal") continue;  // versions hold no temp files
    std::string path = dir.empty() ? e.name : dir + "/" + e.name;
    if (e.stat.kind == EntryKind::kDirectory) {
      if (!recursive) continue;
      auto below = RemoveStaleTemps(path, recursive);
      if (!below) return below.error();
      removed += *below;
    } else if (IsTempName(e.name)) {
      bool active = false;
      for (const auto& [name, job] : jobs_) active = active || job->temp == path;
      if (active) continue;
      if (auto ok = fs_.RemoveFile(path); !ok && ok.error().code != ErrorCode::kNotFound) {
        return ok.error();
      }
      removed++;
      temps_made_.erase(path);
    }
  }
  return removed;
}

}  // namespace shoal
