// Bash completion as a user's shell runs it: packaging/completion/shoal.bash
// sourced in a real `bash`, COMP_WORDS and COMP_CWORD set as readline sets
// them, the function called, COMPREPLY read back. The candidates come from
// the binary (`shoal __complete`) and, for folders and devices, from a real
// daemon on loopback (docs/cli.md "Completion").
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace shoal::e2e {
namespace {

namespace fs = std::filesystem;
using shoal::testing::TempDir;
using Words = std::set<std::string>;

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Reply {
  Words words;         // COMPREPLY
  std::string err;     // what the function wrote on stderr
  int exit_code = -1;  // the function's return status
};

// Completes `words` (after `shoal`; the last is the word under the cursor,
// exactly as bash splits it) with SHOAL_HOME pointing at `home`.
Reply Complete(const std::vector<std::string>& words, const std::string& home,
               const TempDir& scratch) {
  const std::string err_file = scratch.File("completion.err");
  std::string command = "env SHOAL_HOME=" + ShellQuote(home) +
                        " bash --norc --noprofile -c 'source \"$1\"; err=$2; shift 2; "
                        "COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _shoal 2>\"$err\"; "
                        "rc=$?; printf \"%s\\n\" \"${COMPREPLY[@]}\"; echo \"rc=$rc\"' _ " +
                        ShellQuote(SHOAL_COMPLETION_SCRIPT) + " " + ShellQuote(err_file) + " " +
                        ShellQuote(SHOAL_BINARY);
  for (const std::string& w : words) command += " " + ShellQuote(w);
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::vector<std::string> lines;
  std::string line;
  for (int c; (c = std::fgetc(pipe)) != EOF;) {
    if (c != '\n') {
      line.push_back(static_cast<char>(c));
      continue;
    }
    lines.push_back(line);
    line.clear();
  }
  REQUIRE(::pclose(pipe) == 0);
  REQUIRE(!lines.empty());
  Reply reply;
  REQUIRE(lines.back().rfind("rc=", 0) == 0);
  reply.exit_code = std::stoi(lines.back().substr(3));
  lines.pop_back();
  for (const std::string& l : lines) {
    if (!l.empty()) reply.words.insert(l);
  }
  if (FILE* f = std::fopen(err_file.c_str(), "r")) {
    for (int c; (c = std::fgetc(f)) != EOF;) reply.err.push_back(static_cast<char>(c));
    std::fclose(f);
  }
  return reply;
}

bool Has(const Words& words, const std::string& word) { return words.count(word) > 0; }

}  // namespace

TEST_CASE("completion: bash completes commands and options and log levels from the binary",
          "[e2e][completion]") {
  TempDir dir;
  const std::string no_home = dir.File("no-home");  // no daemon runs here

  Reply top = Complete({""}, no_home, dir);
  CHECK(top.exit_code == 0);
  CHECK(top.err.empty());
  for (const char* command : {"daemon", "folder", "devices", "pair", "share", "status", "help",
                              "internet", "debug", "versions", "restore", "gui"}) {
    CHECK(Has(top.words, command));
  }
  CHECK_FALSE(Has(top.words, "__complete"));
  CHECK(Complete({"fo"}, no_home, dir).words == Words{"folder"});
  CHECK(Complete({"folder", ""}, no_home, dir).words ==
        Words{"add", "accept", "list", "offers", "remove", "resume"});
  CHECK(Complete({"devices", "re"}, no_home, dir).words == Words{"remove", "rename", "resume"});

  Words accept_options = Complete({"folder", "accept", "--"}, no_home, dir).words;
  for (const char* option : {"--wait", "--help", "--home", "--json"}) {
    CHECK(Has(accept_options, option));
  }
  CHECK(Complete({"daemon", "--no-"}, no_home, dir).words ==
        Words{"--no-discovery", "--no-gui", "--no-port-mapping", "--no-relay", "--no-watch"});

  const Words levels{"debug", "info", "warning", "error"};
  CHECK(Complete({"daemon", "--log-level", ""}, no_home, dir).words == levels);
  CHECK(Complete({"daemon", "--name", "x", "--log-level", "w"}, no_home, dir).words ==
        Words{"warning"});
  // bash splits --log-level=w at '=': the words are "--log-level" "=" "w".
  CHECK(Complete({"daemon", "--log-level", "=", "w"}, no_home, dir).words == Words{"warning"});
  CHECK(Complete({"daemon", "--log-level", "="}, no_home, dir).words ==
        Words{"=debug", "=info", "=warning", "=error"});
  CHECK(Complete({"internet", "set", "--port-mapping", ""}, no_home, dir).words ==
        Words{"on", "off"});
  CHECK(Complete({"help", "fol"}, no_home, dir).words == Words{"folder"});

  SECTION("paths complete as files and --home as directories") {
    fs::create_directories(dir.path() / "place" / "subdir");
    WriteFile((dir.path() / "place" / "subfile").string(), "x");
    const std::string base = (dir.path() / "place" / "sub").string();
    CHECK(Complete({"folder", "add", base}, no_home, dir).words ==
          Words{base + "dir", base + "file"});
    CHECK(Complete({"--home", base}, no_home, dir).words == Words{base + "dir"});
  }

  SECTION("folders and devices: nothing and no error when no daemon runs") {
    for (const auto& words :
         std::vector<std::vector<std::string>>{{"share", ""},
                                               {"share", "x", ""},
                                               {"folder", "accept", ""},
                                               {"--home", no_home, "devices", "remove", ""}}) {
      Reply reply = Complete(words, no_home, dir);
      CHECK(reply.words.empty());
      CHECK(reply.err.empty());
      CHECK(reply.exit_code == 0);
    }
  }
}

TEST_CASE("completion: bash completes folder labels and device names from the running daemon",
          "[e2e][completion]") {
  TempDir dir;
  TestDevice a(dir.path().string(), "alpha");
  TestDevice b(dir.path().string(), "beta");
  a.Start();
  b.Start();
  fs::create_directories(dir.path() / "docs");
  fs::create_directories(dir.path() / "photos");
  const std::string docs_id =
      a.Json({"folder", "add", (dir.path() / "docs").string(), "--label", "My Documents"})["id"];
  const std::string photos_id =
      a.Json({"folder", "add", (dir.path() / "photos").string(), "--label", "photos"})["id"];
  // The home is taken from --home on the line; SHOAL_HOME points elsewhere.
  const std::string elsewhere = dir.File("elsewhere");
  auto complete = [&](std::vector<std::string> words) {
    words.insert(words.begin(), {"--home", a.home()});
    Reply reply = Complete(words, elsewhere, dir);
    CHECK(reply.err.empty());
    CHECK(reply.exit_code == 0);
    return reply.words;
  };

  Words folders = complete({"share", ""});
  CHECK(Has(folders, "My\\ Documents"));  // escaped as bash needs it
  CHECK(Has(folders, "photos"));
  CHECK(Has(folders, docs_id));
  CHECK(complete({"share", "My\\ D"}) == Words{"My\\ Documents"});
  CHECK(complete({"rescan", "ph"}) == Words{"photos"});
  CHECK(complete({"conflicts", ""}) ==
        Words{"keep", "My\\ Documents", "photos", docs_id, photos_id});
  CHECK(complete({"pair", "--share", "My"}) == Words{"My\\ Documents"});

  Pair(a, b);
  Words devices = complete({"share", "photos", ""});
  CHECK(Has(devices, "beta"));
  CHECK(Has(devices, b.id()));
  CHECK(complete({"devices", "pause", "be"}) == Words{"beta"});
  a.Cli({"devices", "rename", "beta", "beta laptop"});
  CHECK(complete({"devices", "rename", "beta"}) == Words{"beta\\ laptop"});

  // `folder accept` offers what other devices offer, not the folders here.
  fs::create_directories(dir.path() / "holiday");
  const std::string holiday_id = b.Json(
      {"folder", "add", (dir.path() / "holiday").string(), "--label", "Holiday Photos"})["id"];
  b.Json({"share", holiday_id, a.id()});
  REQUIRE(Eventually([&] { return !a.Json({"folder", "offers"})["offers"].empty(); }));
  CHECK(complete({"folder", "accept", ""}) == Words{"Holiday\\ Photos", holiday_id});
  CHECK(complete({"folder", "accept", "Hol"}) == Words{"Holiday\\ Photos"});
}

}  // namespace shoal::e2e
