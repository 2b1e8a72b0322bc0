// The daemon's home directory (DESIGN.md "Daemon and control"): where the
// identity, the index and the control socket live. Chosen by --home, else
// SHOAL_HOME, else $XDG_STATE_HOME/shoal, else ~/.local/state/shoal.
// Created 0700; an existing one with a looser mode is tightened to 0700.
#pragma once

#include <string>

#include "core/base/result.h"

namespace shoal::cli {

struct HomePaths {
  std::string dir;
  std::string identity() const { return dir; }  // Identity takes the directory
  std::string index() const { return dir + "/index.db"; }
  std::string socket() const { return dir + "/control.sock"; }
  std::string lock() const { return dir + "/daemon.lock"; }
};

// Resolves the home from `flag` (empty when not given) and the environment.
Result<HomePaths> ResolveHome(const std::string& flag);
// Creates the directory (0700, parents as needed) or checks its mode.
Result<void> PrepareHome(const HomePaths& home);

}  // namespace shoal::cli
