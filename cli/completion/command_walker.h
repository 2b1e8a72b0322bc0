// Shell completion, the part that needs no daemon: walks the words typed so
// far through the CLI11 command table that `shoal` itself parses with, and
// says what the word under the cursor can be. The commands, their options,
// which options take a value and the positionals' names (FOLDER, DEVICE,
// PATH, ...) all come from the table, so the completion can never list a
// command the binary lacks (docs/cli.md "Completion").
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace shoal::cli {

// What the word under the cursor names.
enum class CompletionKind {
  kWords,    // `words` below and nothing else
  kFiles,    // a file or directory (PATH, FILE): the shell completes it
  kDirs,     // a directory (DIR, e.g. --home)
  kFolders,  // a folder this device syncs: its label or ID
  kOffers,   // a folder another device offers (`folder accept`)
  kDevices,  // a paired device: its name or ID
  kNothing,  // free text (a name, a code, a number)
};

struct Completion {
  CompletionKind kind = CompletionKind::kNothing;
  // Candidates, already filtered by the prefix: all of them for kWords; for
  // the other kinds, commands offered besides (`shoal conflicts` takes a
  // FOLDER or the command `keep`).
  std::vector<std::string> words;
  std::string prefix;  // the part of the current word typed so far
  std::string home;    // --home given earlier on the line, "" if none
};

// `words` are the command line after `shoal`, the last one being the word
// under the cursor (empty when the cursor follows a space). A current word
// `--option=VALUE` completes VALUE. A leading `~/` in --home is expanded.
Completion CompleteWords(const CLI::App& app, const std::vector<std::string>& words);

}  // namespace shoal::cli
