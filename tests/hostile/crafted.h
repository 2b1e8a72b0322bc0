// Crafted bodies for the hostile tests: what no encoder of ours would
// produce, built byte by byte so the tests control every count and size.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "core/base/bytes.h"
#include "core/model/file_info.h"
#include "tests/hostile/hostile_peer.h"

namespace shoal::hostile {

// The encoded FileInfo `file` as it appears inside an Index body.
Bytes EncodedEntry(const FileInfo& file);
// An Index body for `folder` that declares `count` entries and repeats
// `entry` that many times.
Bytes IndexBody(const std::string& folder, std::size_t count, ByteSpan entry);
// The smallest valid entry: an empty regular file called `name`.
FileInfo MinimalFile(const std::string& name);
// An entry Mallory announces as its own newest version of `name` (0644,
// no content: add blocks and size as the attack needs).
FileInfo Announced(const std::string& name, std::int64_t sequence);
// The first block of `name` as the victim announces it to `mallory` (read
// from the Index messages it sends; others are skipped).
std::optional<BlockRef> AnnouncedBlock(HostilePeer& mallory, const std::string& name);

}  // namespace shoal::hostile
