#include "cli/commands/usage_error.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace shoal::cli {
namespace {

// The innermost command given so far: `shoal folder` for `shoal folder ad`.
const CLI::App* Innermost(const CLI::App& app, std::string* path) {
  const CLI::App* inner = &app;
  *path = app.get_name();
  while (!inner->get_subcommands().empty()) {
    inner = inner->get_subcommands().back();
    *path += " " + inner->get_name();
  }
  return inner;
}

// "add, remove, list": the commands `app` takes.
std::string CommandNames(const CLI::App& app) {
  std::string names;
  for (const CLI::App* sub : app.get_subcommands({})) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  return names;
}

}  // namespace

std::string UsageError(const CLI::App* app, const CLI::Error& e) {
  std::string path;
  const CLI::App* inner = Innermost(*app, &path);
  std::vector<std::string> extra = inner->remaining();
  if (extra.empty()) extra = app->remaining();  // fallen through to the top
  if (!inner->get_subcommands({}).empty()) {
    const std::string list =
        inner == app ? "`shoal --help` lists the commands" : "they are: " + CommandNames(*inner);
    if (!extra.empty() && extra.front().rfind('-', 0) != 0) {
      return "shoal: " + extra.front() + " is not a" + (inner == app ? "" : " `" + path + "`") +
             " command — " + list + "\n";
    }
    if (dynamic_cast<const CLI::RequiredError*>(&e) && inner->get_subcommands().empty()) {
      return "shoal: `" + path + "` needs a command — " + list + "\n";
    }
  }
  std::string what = e.what();
  // "The following…" reads on as "the following…"; "DEVICE is required" stays.
  const std::string first_word = what.substr(0, what.find(' '));
  if (first_word.size() == 1 || std::any_of(first_word.begin(), first_word.end(),
                                            [](unsigned char c) { return std::islower(c); })) {
    what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
  }
  return "shoal: " + what + " — see `" + path + " --help`\n";
}

}  // namespace shoal::cli
