#include "core/base/temp_name.h"

#include <xxhash.h>

#include <cstdio>

namespace shoal {

std::string TempNameFor(const std::string& name) {
  auto slash = name.rfind('/');
  std::string dir = slash == std::string::npos ? std::string() : name.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  std::string out = dir;
  out.append(kTempPrefix);
  if (base.size() + kTempPrefix.size() <= 255) {
    out.append(base);
  } else {  // would exceed the 255-byte component limit: name it by a hash
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016llx",
                  static_cast<unsigned long long>(XXH3_64bits(base.data(), base.size())));
    out.append(hex);
  }
  return out;
}

}  // namespace shoal
