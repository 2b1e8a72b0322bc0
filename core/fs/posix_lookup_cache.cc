// PosixFileSystem's lookup cache (posix_file_system.h): the directories a
// thread resolved while its scope is open, kept per thread.
#include "core/fs/posix_file_system.h"

namespace shoal {

namespace {

// The lookup cache of this thread (PosixFileSystem::BeginLookupCache): for
// one object at a time, which the thread's outermost scope names.
struct LookupCache {
  const void* owner = nullptr;
  int depth = 0;
  std::map<std::string, ScopedFd, std::less<>> dirs;
};
thread_local LookupCache t_lookup_cache;

}  // namespace

void PosixFileSystem::BeginLookupCache() {
  LookupCache& cache = t_lookup_cache;
  if (cache.owner == nullptr) cache.owner = this;
  if (cache.owner == this) cache.depth++;  // another object's scope: uncached
}

void PosixFileSystem::EndLookupCache() {
  LookupCache& cache = t_lookup_cache;
  if (cache.owner != this || --cache.depth > 0) return;
  cache.dirs.clear();
  cache.owner = nullptr;
}

std::map<std::string, ScopedFd, std::less<>>* PosixFileSystem::CachedDirs() {
  LookupCache& cache = t_lookup_cache;
  return cache.owner == this ? &cache.dirs : nullptr;
}

void PosixFileSystem::ForgetCached(const std::string& path) {
  auto* dirs = CachedDirs();
  if (dirs == nullptr || dirs->empty()) return;
  dirs->erase(path);
  const std::string below = path + "/";
  for (auto it = dirs->lower_bound(below); it != dirs->end() && it->first.starts_with(below);) {
    it = dirs->erase(it);
  }
}

}  // namespace shoal
