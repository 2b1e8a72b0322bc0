// The web interface's login token: 32 random bytes, hex, in
// <home>/gui-token, mode 0600 (docs/security.md "Web interface"). Created by
// the daemon's first start with the interface on, then kept; deleting the
// file and restarting makes a new one. `shoal gui` reads it to print the
// login URL; only the home's owner can.
#pragma once

#include <string>

#include "core/base/result.h"

namespace shoal::cli {

std::string GuiTokenPath(const std::string& home_dir);
// Reads the token, creating the file first when it does not exist.
Result<std::string> LoadOrCreateGuiToken(const std::string& home_dir);
Result<std::string> ReadGuiToken(const std::string& home_dir);

}  // namespace shoal::cli
