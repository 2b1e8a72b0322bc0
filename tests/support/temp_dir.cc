#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include "core/base/check.h"

namespace shoal::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/shoal-test-XXXXXX";
  SHOAL_CHECK(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;  // best effort: a destructor must not throw
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace shoal::testing
