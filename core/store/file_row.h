// Internal to core/store: decoding one FileInfo from a query row whose first
// eleven columns are the file fields that schema.cc selects for files.
#pragma once

#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/model/file_info.h"
#include "core/store/statement.h"

namespace shoal {

Result<FileInfo> ReadFileRow(const Statement& s);

// Steps `s` to its end and reads every row with ReadFileRow; `what` names
// the query in an error.
Result<std::vector<FileInfo>> ReadFileRows(Statement& s, const std::string& what);

}  // namespace shoal
