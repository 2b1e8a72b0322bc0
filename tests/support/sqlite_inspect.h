// Looking at a database file from outside the code under test: what SQLite's
// planner does with a query, and raw SQL for setting up old schemas.
#pragma once

#include <string>

namespace shoal::testing {

// The EXPLAIN QUERY PLAN lines for `query` on the database at `path`.
std::string QueryPlan(const std::string& path, const char* query);
// Runs `sql` on the database at `path` (Catch REQUIREs success).
void ExecSql(const std::string& path, const char* sql);
// The names of the database's indexes (sqlite_schema), sorted.
std::string IndexNames(const std::string& path);
// The database's count of free pages (PRAGMA freelist_count), as text.
std::string FreePages(const std::string& path);
// The names of the database's tables, sorted, one per line.
std::string TableNames(const std::string& path);

// SQL that takes a v9 store back to v8 as an older Shoal left it: files
// keyed by (folder, device, name) without the global and need marks, and
// the global table with its indexes and triggers.
extern const char* const kUndoSchemaV9;
// SQL that takes a v9 store back to v7 as an older Shoal left it:
// kUndoSchemaV9, then block_locations with its foreign key and by-file
// index, and every row in files_by_sequence (peers' rows get made-up
// unique sequences).
extern const char* const kUndoSchemaV8;
// SQL that takes a v9 store back to v6: kUndoSchemaV8, then every block
// list in block_lists, none in a files row, no v7 column or index.
// For tests that fake an older store; run it before undoing older steps.
extern const char* const kUndoSchemaV7;

}  // namespace shoal::testing
