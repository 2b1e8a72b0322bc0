// The version string, set by CMake from project(VERSION ...).
#pragma once

namespace shoal::cli {

inline constexpr const char* kVersion = SHOAL_VERSION;

}  // namespace shoal::cli
