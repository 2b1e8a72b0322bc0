// SHOAL_CHECK: broken invariants abort. Use it for programmer errors only
// (a state that correct code can never reach); anything that input, the disk
// or a peer can cause is an Error value instead (core/base/result.h).
#pragma once

namespace shoal::internal {

[[noreturn]] void CheckFailed(const char* expr, const char* file, int line, const char* message);

}  // namespace shoal::internal

// Evaluates `cond` exactly once in every build type (it is never compiled out);
// on false prints the expression, location and `msg` to stderr and aborts.
#define SHOAL_CHECK(cond, msg)                                          \
  do {                                                                  \
    if (!(cond)) [[unlikely]] {                                         \
      ::shoal::internal::CheckFailed(#cond, __FILE__, __LINE__, (msg)); \
    }                                                                   \
  } while (false)
