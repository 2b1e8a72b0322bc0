// Typed reads of control request fields (docs/api.md). A request comes from
// any local process: a missing field or one of the wrong type reads as
// absent, and nothing here throws.
#pragma once

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace shoal::cli {

inline std::string StringField(const nlohmann::json& request, const char* key) {
  auto it = request.find(key);
  return it != request.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// True only for a JSON `true`; absent or any other type reads as false.
inline bool BoolField(const nlohmann::json& request, const char* key) {
  auto it = request.find(key);
  return it != request.end() && it->is_boolean() && it->get<bool>();
}

inline std::optional<std::uint64_t> UintField(const nlohmann::json& request, const char* key) {
  auto it = request.find(key);
  if (it == request.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint64_t>();
}

// An integer field clamped to [low, high]; `fallback` when absent or not a number.
inline std::int64_t ClampedIntField(const nlohmann::json& request, const char* key,
                                    std::int64_t fallback, std::int64_t low, std::int64_t high) {
  auto it = request.find(key);
  if (it == request.end() || !it->is_number()) return fallback;
  const double value = it->get<double>();
  if (!(value >= static_cast<double>(low))) return low;  // also NaN
  if (value >= static_cast<double>(high)) return high;
  return std::clamp(static_cast<std::int64_t>(value), low, high);
}

}  // namespace shoal::cli
