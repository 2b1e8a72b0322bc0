// `shoal __complete WORD...`: the hidden entry point the bash completion
// (packaging/completion/shoal.bash) calls with the words typed after
// `shoal`, the last one being the word under the cursor. It prints, one per
// line, first what kind of word that is — `words`, or `files` / `dirs` for
// the shell to complete itself — then the candidates that start with what
// is typed. Folder and device candidates come from the running daemon (the
// home given by --home on the line, else the usual one); when none runs
// there are none, and never an error: completion must stay silent.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace shoal::cli {

inline constexpr const char* kCompleteCommand = "__complete";

// Prints the completion of `words` on stdout; returns the exit code (0).
int RunCompletion(const CLI::App& app, const std::vector<std::string>& words);

}  // namespace shoal::cli
