#include "cli/completion/command_walker.h"

#include <algorithm>
#include <cstdlib>

namespace shoal::cli {
namespace {

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// "-" alone is a value (`shoal pair -` reads the code from stdin).
bool IsOptionWord(const std::string& word) { return word.size() > 1 && word[0] == '-'; }

bool TakesValue(const CLI::Option& option) { return option.get_items_expected_max() > 0; }

// The option of `app` or of a command above it (the top-level --home and
// --json fall through to every command) spelled `name` ("--wait", "-V").
const CLI::Option* FindOption(const CLI::App* app, const std::string& name) {
  for (; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* option : app->get_options()) {
      if (option->nonpositional() && option->check_name(name)) return option;
    }
  }
  return nullptr;
}

const CLI::App* FindSubcommand(const CLI::App* app, const std::string& name) {
  for (const CLI::App* sub : app->get_subcommands({})) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

// The positional argument the `index`th (from 0) plain word after `app`
// fills, or null when `app` takes no more.
const CLI::Option* PositionalAt(const CLI::App* app, std::size_t index) {
  for (const CLI::Option* option : app->get_options()) {
    if (!option->get_positional() || option->nonpositional()) continue;
    const auto takes = static_cast<std::size_t>(std::max(1, option->get_items_expected_max()));
    if (index < takes) return option;
    index -= takes;
  }
  return nullptr;
}

std::vector<std::string> WithPrefix(const std::vector<std::string>& words,
                                    const std::string& prefix) {
  std::vector<std::string> kept;
  for (const std::string& w : words) {
    if (StartsWith(w, prefix)) kept.push_back(w);
  }
  return kept;
}

// What an argument named `name` (a positional's name, or an option's type
// name: FOLDER, DEVICE, PATH, FILE, DIR, COMMAND) of `app` can be.
Completion CompleteArgument(const CLI::App* app, const std::string& name) {
  Completion out;
  if (name == "FOLDER") {
    // `folder accept FOLDER` names a folder that is offered, not one synced.
    const bool accept = app->get_name() == "accept" && app->get_parent() != nullptr &&
                        app->get_parent()->get_name() == "folder";
    out.kind = accept ? CompletionKind::kOffers : CompletionKind::kFolders;
  } else if (name == "DEVICE") {
    out.kind = CompletionKind::kDevices;
  } else if (name == "PATH" || name == "FILE") {
    out.kind = CompletionKind::kFiles;
  } else if (name == "DIR") {
    out.kind = CompletionKind::kDirs;
  } else if (name == "COMMAND") {  // `shoal help COMMAND`: the top-level commands
    const CLI::App* root = app;
    while (root->get_parent() != nullptr) root = root->get_parent();
    out.kind = CompletionKind::kWords;
    for (const CLI::App* sub : root->get_subcommands({})) out.words.push_back(sub->get_name());
  }
  return out;
}

// An option's value: one of a fixed set (CLI11 writes an IsMember check
// into the type name as "TEXT:{on,off}"), else by its type name.
Completion CompleteValue(const CLI::App* app, const CLI::Option& option) {
  const std::string type = option.get_type_name();
  const auto open = type.find(":{");
  const auto close = type.find('}', open);
  if (open != std::string::npos && close != std::string::npos) {
    Completion out;
    out.kind = CompletionKind::kWords;
    std::string list = type.substr(open + 2, close - open - 2);
    for (std::size_t start = 0; start <= list.size();) {
      const std::size_t comma = std::min(list.find(',', start), list.size());
      out.words.push_back(list.substr(start, comma - start));
      start = comma + 1;
    }
    return out;
  }
  return CompleteArgument(app, type.substr(0, type.find(':')));
}

// "--wait", "--help", "--home": the long options `app` and the commands
// above it take (--version only at the top).
std::vector<std::string> OptionNames(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* at = app; at != nullptr; at = at->get_parent()) {
    for (const CLI::Option* option : at->get_options()) {
      for (const std::string& lname : option->get_lnames()) {
        const std::string name = "--" + lname;
        if (at != app && name == "--version") continue;
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      }
    }
  }
  return names;
}

std::string ExpandTilde(const std::string& path) {
  const char* home = std::getenv("HOME");
  if (home == nullptr || (path != "~" && !StartsWith(path, "~/"))) return path;
  return std::string(home) + path.substr(1);
}

// The current word `current` after the command `app` has taken
// `positionals` plain words.
Completion CompleteCurrent(const CLI::App* app, std::size_t positionals,
                           const std::string& current) {
  Completion out;
  if (IsOptionWord(current) && StartsWith(current, "--") &&
      current.find('=') != std::string::npos) {
    const std::size_t eq = current.find('=');
    const CLI::Option* option = FindOption(app, current.substr(0, eq));
    if (option != nullptr && TakesValue(*option)) out = CompleteValue(app, *option);
    out.prefix = current.substr(eq + 1);
  } else if (IsOptionWord(current)) {
    out.kind = CompletionKind::kWords;
    out.words = OptionNames(app);
    out.prefix = current;
  } else if (!app->get_subcommands({}).empty() && positionals == 0) {
    // Its commands, and what its first positional takes, if it has one
    // (`shoal conflicts keep` or `shoal conflicts FOLDER`).
    const CLI::Option* positional = PositionalAt(app, 0);
    if (positional != nullptr) out = CompleteArgument(app, positional->get_name());
    if (positional == nullptr || out.kind == CompletionKind::kNothing) {
      out.kind = CompletionKind::kWords;
    }
    for (const CLI::App* sub : app->get_subcommands({})) out.words.push_back(sub->get_name());
    out.prefix = current;
  } else if (const CLI::Option* positional = PositionalAt(app, positionals)) {
    out = CompleteArgument(app, positional->get_name());
    out.prefix = current;
  } else {
    out.prefix = current;
  }
  return out;
}

}  // namespace

Completion CompleteWords(const CLI::App& root, const std::vector<std::string>& words) {
  const CLI::App* app = &root;
  std::size_t positionals = 0;  // plain words `app` has taken
  std::string home;
  const std::size_t last = words.empty() ? 0 : words.size() - 1;
  Completion out;
  bool done = false;
  for (std::size_t i = 0; i < last && !done; ++i) {
    const std::string& word = words[i];
    if (IsOptionWord(word)) {
      const std::size_t eq = word.find('=');
      const CLI::Option* option = FindOption(app, word.substr(0, eq));
      if (option == nullptr || !TakesValue(*option)) continue;
      std::string value;
      if (eq != std::string::npos) {
        value = word.substr(eq + 1);
      } else if (i + 1 < last) {
        value = words[++i];
      } else {  // the word under the cursor is this option's value
        out = CompleteValue(app, *option);
        out.prefix = words[last];
        done = true;
      }
      if (!done && option->check_lname("home")) home = ExpandTilde(value);
    } else if (const CLI::App* sub = positionals == 0 ? FindSubcommand(app, word) : nullptr) {
      app = sub;
    } else {
      ++positionals;
    }
  }
  if (!done) out = CompleteCurrent(app, positionals, words.empty() ? "" : words[last]);
  out.words = WithPrefix(out.words, out.prefix);
  out.home = home;
  return out;
}

}  // namespace shoal::cli
