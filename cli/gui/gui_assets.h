// The web interface's files (cli/gui/assets/), embedded in the binary at
// build time by cmake/EmbedFiles.cmake: the page needs nothing but the
// daemon, and no build step needs the network.
#pragma once

#include <string_view>

namespace shoal::cli {

struct GuiAsset {
  std::string_view path;  // "/app.js"; the page itself is "/index.html"
  std::string_view content_type;
  std::string_view bytes;
};

// The asset at `path` ("/" is "/index.html"), or null.
const GuiAsset* FindGuiAsset(std::string_view path);

}  // namespace shoal::cli
