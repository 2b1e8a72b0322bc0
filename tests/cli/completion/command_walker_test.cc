// The completion walker over the real command table (RegisterCommands): what
// it says the word under the cursor is, for lines a user types.
#include "cli/completion/command_walker.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "cli/commands/commands.h"

namespace shoal::cli {
namespace {

struct Table {
  CLI::App app{"shoal", "shoal"};
  CommandContext context;
  Table() { RegisterCommands(app, context); }
  Completion Complete(const std::vector<std::string>& words) { return CompleteWords(app, words); }
};

}  // namespace

TEST_CASE("completion walker: positionals are told apart by position and command", "[completion]") {
  Table t;
  CHECK(t.Complete({"share", ""}).kind == CompletionKind::kFolders);
  CHECK(t.Complete({"share", "docs", ""}).kind == CompletionKind::kDevices);
  CHECK(t.Complete({"share", "docs", "laptop", ""}).kind == CompletionKind::kNothing);
  CHECK(t.Complete({"folder", "accept", ""}).kind == CompletionKind::kOffers);
  CHECK(t.Complete({"folder", "accept", "docs", ""}).kind == CompletionKind::kFiles);
  CHECK(t.Complete({"folder", "remove", ""}).kind == CompletionKind::kFolders);
  CHECK(t.Complete({"devices", "rename", "laptop", ""}).kind == CompletionKind::kNothing);
  CHECK(t.Complete({"pair", "--share", ""}).kind == CompletionKind::kFolders);
  CHECK(t.Complete({"debug", "scan", "--db", ""}).kind == CompletionKind::kFiles);
  CHECK(t.Complete({"--home", ""}).kind == CompletionKind::kDirs);
  // A command with both: its commands and its positional's kind.
  Completion conflicts = t.Complete({"conflicts", ""});
  CHECK(conflicts.kind == CompletionKind::kFolders);
  CHECK(conflicts.words == std::vector<std::string>{"keep"});
  CHECK(t.Complete({"conflicts", "keep", ""}).kind == CompletionKind::kFiles);
  CHECK(t.Complete({"conflicts", "docs", ""}).kind == CompletionKind::kNothing);
  // An option's value is skipped, not counted as a positional.
  CHECK(t.Complete({"folder", "accept", "--wait", "5", "docs", ""}).kind == CompletionKind::kFiles);
  CHECK(t.Complete({"folder", "accept", "--wait=5", ""}).kind == CompletionKind::kOffers);
}

TEST_CASE("completion walker: fixed values come from the option's check", "[completion]") {
  Table t;
  Completion level = t.Complete({"daemon", "--log-level=wa"});
  CHECK(level.kind == CompletionKind::kWords);
  CHECK(level.prefix == "wa");
  CHECK(level.words == std::vector<std::string>{"warning"});
  CHECK(t.Complete({"internet", "set", "--port-mapping", ""}).words ==
        std::vector<std::string>{"on", "off"});
  // A flag takes no value: the next word is the command's again.
  CHECK(t.Complete({"daemon", "--no-gui", "--log-le"}).words ==
        std::vector<std::string>{"--log-level"});
}

TEST_CASE("completion walker: --home anywhere on the line is kept with ~ expanded",
          "[completion]") {
  Table t;
  const char* home = std::getenv("HOME");
  REQUIRE(home != nullptr);
  CHECK(t.Complete({"--home", "/tmp/h", "share", ""}).home == "/tmp/h");
  CHECK(t.Complete({"share", "--home=~/h", ""}).home == std::string(home) + "/h");
  CHECK(t.Complete({"share", ""}).home.empty());
}

}  // namespace shoal::cli
