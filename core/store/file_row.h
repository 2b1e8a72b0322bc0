// Internal to core/store: decoding one FileInfo from a query row whose first
// eleven columns are the file fields that schema.cc selects for files.
#pragma once

#include "core/base/result.h"
#include "core/model/file_info.h"
#include "core/store/statement.h"

namespace shoal {

Result<FileInfo> ReadFileRow(const Statement& s);

}  // namespace shoal
