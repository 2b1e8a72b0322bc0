#include "core/fs/case_folding.h"

#include <locale.h>
#include <wctype.h>

#include <chrono>
#include <cstdint>

namespace shoal {
namespace {

// Created once and never freed: a locale_t is read-only once made, so
// towlower_l may use it from any thread.
locale_t Utf8Locale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
  return locale;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string ToUpperAscii(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

}  // namespace

std::string FoldCase(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  const locale_t locale = Utf8Locale();
  for (std::size_t i = 0; i < name.size();) {
    const auto lead = static_cast<unsigned char>(name[i]);
    if (lead < 0x80) {
      out.push_back(lead >= 'A' && lead <= 'Z' ? static_cast<char>(lead - 'A' + 'a')
                                               : static_cast<char>(lead));
      ++i;
      continue;
    }
    const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (length == 1 || i + length > name.size() || locale == locale_t{}) {
      out.push_back(name[i++]);  // not valid UTF-8 (names are checked first), or no tables
      continue;
    }
    char32_t cp = lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(name[i + k]) & 0x3F);
    }
    AppendUtf8(out, static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), locale)));
    i += length;
  }
  return out;
}

Result<bool> ProbeFoldsCase(FileSystem& fs, const std::string& dir) {
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  const std::string probe = "case-probe-" + std::to_string(static_cast<std::uint64_t>(now)) + "-x";
  const std::string lower = JoinPath(dir, probe);
  const std::string upper = JoinPath(dir, ToUpperAscii(probe));
  auto file = fs.OpenWrite(lower);
  if (!file) return file.error().Wrap("case probe");
  file->reset();
  auto twin = fs.Lstat(upper);
  auto removed = fs.RemoveFile(lower);
  if (!removed) return removed.error().Wrap("case probe");
  if (twin) return true;
  if (twin.error().code == ErrorCode::kNotFound) return false;
  return twin.error().Wrap("case probe");
}

}  // namespace shoal
