#include "core/scan/scan_stream.h"

#include <algorithm>

#include "core/base/relative_path.h"
#include "core/scan/scan_diff.h"
#include "core/scan/walk.h"

namespace shoal {

struct ScanStream::State {
  State(FileSystem& f, Index& i, ScanConfig c, IgnoreMatcher m)
      : fs(f),
        index(i),
        config(std::move(c)),
        ignore(std::move(m)),
        walk(fs, ignore, "", config.cancel) {}

  FileSystem& fs;
  Index& index;
  ScanConfig config;
  IgnoreMatcher ignore;
  SortedWalk walk;
  std::vector<ScanProblem> rule_problems;  // reported with the first plan
  // The walk's next entry (looked at, not yet taken); `walk_done` at its end.
  std::optional<FoundEntry> found;
  bool walk_done = false;
  // The index's current page and the next row in it.
  std::vector<FileInfo> page;
  std::size_t page_pos = 0;
  bool index_done = false;
  // Indexed names the walk did not find, for the last plan.
  std::vector<FileInfo> tombstones;
  ScanResult deletions;  // its counts (deleted, removed_files)
  bool merged = false;   // walk and index fully merged
  bool ended = false;    // the last plan handed out

  const FoundEntry* PeekFound() {
    if (!found && !walk_done) {
      const FoundEntry* next = walk.Next();
      if (next == nullptr) {
        walk_done = true;
      } else {
        found = *next;
      }
    }
    return found ? &*found : nullptr;
  }

  Result<const FileInfo*> PeekIndexed() {
    if (page_pos == page.size() && !index_done) {
      const std::string after = page.empty() ? std::string() : page.back().name;
      auto next = index.ListMetadataAfter(config.folder_key, config.local_device_key, after,
                                          kStreamIndexPage);
      if (!next) return next.error();
      page = std::move(*next);
      page_pos = 0;
      index_done = page.size() < static_cast<std::size_t>(kStreamIndexPage);
    }
    return page_pos < page.size() ? &page[page_pos] : nullptr;
  }

  // An indexed name the walk did not find: gone, unless the walk could not
  // look (unreadable) or was told not to (ignored).
  void NotFound(const FileInfo& old) {
    if (old.deleted) return;
    const WalkOutput& report = walk.report();
    bool unreadable = std::any_of(report.unreadable.begin(), report.unreadable.end(),
                                  [&](const std::string& u) { return IsUnder(old.name, u); });
    if (unreadable || ignore.IsIgnored(old.name, old.type == FileType::kDirectory)) return;
    tombstones.push_back(MakeTombstone(old));
    deletions.deleted++;
    if (old.type == FileType::kFile && old.size >= kRemovedFileReportBytes &&
        deletions.removed_files.size() < kRemovedFilesReported) {
      deletions.removed_files.push_back(old.name);
    }
  }
};

ScanStream::ScanStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
ScanStream::ScanStream(ScanStream&&) noexcept = default;
ScanStream& ScanStream::operator=(ScanStream&&) noexcept = default;
ScanStream::~ScanStream() = default;

Result<ScanStream> Scanner::Stream() {
  if (auto ok = CheckPreconditions(); !ok) return ok.error().Wrap("scan");
  std::vector<ScanProblem> problems;
  auto rules = LoadRules(problems);
  if (!rules) return rules.error().Wrap("scan");
  auto state = std::make_unique<ScanStream::State>(fs_, index_, config_, std::move(*rules));
  state->rule_problems = std::move(problems);
  return ScanStream(std::move(state));
}

Result<std::optional<ScanPlan>> ScanStream::Next() {
  State& st = *state_;
  if (st.ended) return std::optional<ScanPlan>();
  auto plan = std::make_unique<ScanPlan::State>();
  ScanPlan::State& s = *plan;
  s.fs = &st.fs;
  s.config = st.config;
  s.started = std::chrono::steady_clock::now();
  ScanResult& result = s.result;
  result.problems = std::move(st.rule_problems);
  st.rule_problems.clear();

  if (st.merged) {  // the last plan: every tombstone, for the brake to weigh
    s.changes = std::move(st.tombstones);
    result.walked_all = true;  // walk and index merged to their ends
    result.deleted = st.deletions.deleted;
    result.removed_files = std::move(st.deletions.removed_files);
    st.ended = true;
  }
  std::size_t work = 0;
  const std::size_t max_work = std::max<std::size_t>(st.config.stream_plan_entries, 1);
  while (!st.merged && work < max_work && s.bytes_to_hash < kStreamPlanBytes) {
    const FoundEntry* found = st.PeekFound();
    auto indexed = st.PeekIndexed();
    if (!indexed) return indexed.error().Wrap("scan");
    if (st.walk.report().cancelled) return Fail(ErrorCode::kCancelled, "scan cancelled");
    const FileInfo* old = *indexed;
    if (found == nullptr && old == nullptr) {
      st.merged = true;
      break;
    }
    if (old != nullptr && (found == nullptr || old->name < found->path)) {
      st.NotFound(*old);
      st.page_pos++;
      continue;
    }
    if (old != nullptr && old->name != found->path) old = nullptr;
    CountPresent(*found, result);
    Change change = Compare(*found, old, s.config.held_dirs.count(found->path) != 0);
    if (change != Change::kNone) {
      work++;
      if (old != nullptr) s.indexed.emplace(old->name, *old);
      if (found->stat.kind == EntryKind::kFile && change == Change::kContent) {
        s.to_hash.push_back(s.walk.entries.size());
        s.bytes_to_hash += found->stat.size;
        s.walk.entries.push_back(std::move(*st.found));
      } else {
        FileInfo info = FromDisk(*found);
        if (found->stat.kind == EntryKind::kFile) {  // permissions only: keep the blocks
          auto full = st.index.GetFile(s.config.folder_key, s.config.local_device_key, found->path);
          if (!full) return full.error().Wrap("scan");
          if (*full) info.blocks = std::move((*full)->blocks);
        }
        s.changes.push_back(std::move(info));
      }
    }
    st.found.reset();
    if (old != nullptr) st.page_pos++;
  }
  // What the walk reported while this plan's stretch was walked.
  WalkOutput& report = st.walk.report();
  for (ScanProblem& p : report.problems) result.problems.push_back(std::move(p));
  report.problems.clear();
  result.temp_dirs = std::move(report.temp_dirs);
  report.temp_dirs.clear();
  if (report.cancelled) return Fail(ErrorCode::kCancelled, "scan cancelled");
  s.walked = std::chrono::steady_clock::now();
  s.hashed_at = s.walked;
  result.walk_time = s.walked - s.started;
  return std::optional<ScanPlan>(ScanPlan(std::move(plan)));
}

}  // namespace shoal
