// BlockSource: where the puller gets blocks it cannot find locally. The
// folder engine implements it over its connected peers (every peer that
// announced the wanted version, least busy first); tests plug in fakes.
#pragma once

#include <functional>
#include <string>

#include "core/base/bytes.h"
#include "core/base/result.h"
#include "core/model/block_ref.h"
#include "core/model/version_vector.h"

namespace shoal {

struct BlockWant {
  std::string name;  // the file being pulled
  VersionVector version;
  std::int64_t offset = 0;
  BlockRef block;
};

class BlockSource {
 public:
  virtual ~BlockSource() = default;
  // Starts fetching one block. Returns false, without calling `done`, when
  // no source can serve it now (no connected peer has that version, or too
  // many requests are in flight). Otherwise `done` runs exactly once, later,
  // with the bytes as received (the puller verifies them) or an error;
  // kCancelled when the source went away.
  virtual bool Fetch(const BlockWant& want, std::function<void(Result<Bytes>)> done) = 0;
};

}  // namespace shoal
