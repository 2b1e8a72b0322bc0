// What a usage error (CLI11's parse errors, exit code 2) prints: one line
// like every other error, "shoal: <sentence>\n", that says where the right
// spelling is (docs/cli.md "Messages").
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace shoal::cli {

// For App::failure_message on the top-level app: a missing or unknown
// command gets the list of commands ("shoal: ad is not a `shoal folder`
// command — they are: add, ..."), anything else CLI11's sentence and the
// --help of the command it was given to.
std::string UsageError(const CLI::App* app, const CLI::Error& e);

}  // namespace shoal::cli
