// The invariants a simulated cluster must satisfy once it is quiet again
// (tests/sim/README in docs/simulation.md): (1) convergence, (2) no data
// loss, (3) no temp files left, (6) nothing a device held dropped (kept
// versions count), and the state hash behind (5) determinism. Termination
// (4) is the cluster's own bound on quiescence rounds.
//
// Each check returns one line per violation, empty when it holds. They work
// on plain snapshots (Tree, IndexState), so they are tested on their own.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/model/file_info.h"
#include "core/store/index.h"
#include "tests/sim/tree.h"

namespace shoal::sim {

struct IndexEntryState {
  VersionVector version;
  bool deleted = false;
  FileType type = FileType::kFile;
  friend bool operator==(const IndexEntryState&, const IndexEntryState&) = default;
};

// One device's index of the folder: the global version of every name, and
// the local device's own entries.
struct IndexState {
  std::map<std::string, IndexEntryState> global;
  std::map<std::string, IndexEntryState> local;
};

Result<IndexState> ReadIndexState(Index& index, FolderKey folder_key, DeviceKey local_device_key);

// A file content that was current on some device when the partitions
// healed and that no device had knowingly replaced (no local entry of the
// name on any device had a strictly newer version vector).
struct KeptContent {
  std::string name;
  std::string content;
  int device = 0;  // where it was seen
};

// `trees` (with contents) and `indexes` are per device, taken after a scan
// of every device at heal time. A file the index does not know is kept.
std::vector<KeptContent> ContentsToKeep(const std::vector<Tree>& trees,
                                        const std::vector<IndexState>& indexes);

// (1) Every device holds the same tree (paths, kinds, permissions, file
// contents, symlink targets; not mtimes), the same global version and
// deleted flag for every name, and a local entry equal to the global one
// (or none, where the global one is a tombstone).
std::vector<std::string> CheckConvergence(const std::vector<Tree>& trees,
                                          const std::vector<IndexState>& indexes);
// (2) Every kept content is on every device, under its name or as a
// conflict copy of that name (or a conflict copy of one).
std::vector<std::string> CheckNoDataLoss(const std::vector<KeptContent>& kept,
                                         const std::vector<Tree>& trees);
// (3) No ".shoal.tmp." name anywhere.
std::vector<std::string> CheckNoTempFiles(const std::vector<Tree>& trees);

// (6) Every file content a device held at heal time is still on that
// device once settled: under some name, or in its kept versions (what a
// peer's change replaces or deletes is moved there, never dropped).
// `heal_trees`, `trees` and `versions` are per device.
std::vector<std::string> CheckNothingDropped(const std::vector<Tree>& heal_trees,
                                             const std::vector<Tree>& trees,
                                             const std::vector<Tree>& versions);

// (5) A hash of everything the run ends with: trees (mtimes included) and
// index states of every device.
std::uint64_t StateHash(const std::vector<Tree>& trees, const std::vector<IndexState>& indexes);

// "{dev1:1800000012,dev3:1800000020}" with the simulation's device names
// (the first key byte names the device, see SimCluster).
std::string VersionText(const VersionVector& version);

// "4096B #1a2b3c4d": a short name for a content in messages.
std::string ContentTag(const std::string& content);

}  // namespace shoal::sim
