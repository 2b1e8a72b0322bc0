#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in BUILD_DIR (a separate build
# tree, configured with SHOAL_FUZZ=ON) and runs each for SECONDS on a copy of
# its seed corpus (tests/fuzz/corpus/<target>). Exits non-zero on any crash,
# leak, sanitizer report or broken invariant (a re-encode mismatch, an ignore
# verdict the reference disagrees with); the reproducer is left in
# BUILD_DIR/fuzz-artifacts/<target>/.
# Usage: tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run_fuzzers.sh BUILD_DIR SECONDS}
root=$(cd "$(dirname "$0")/../.." && pwd)
jobs=${SHOAL_FUZZ_JOBS:-1}
# The same names as in tests/fuzz/CMakeLists.txt.
targets=(fuzz_announcement fuzz_frames fuzz_messages fuzz_stun fuzz_ignore fuzz_control_request)

CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$root" -B "$build" -G Ninja \
  -DSHOAL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" -j"$jobs" "${targets[@]}"

status=0
for target in "${targets[@]}"; do
  work="$build/fuzz-corpus/$target"        # grows while fuzzing; not committed
  artifacts="$build/fuzz-artifacts/$target/"
  mkdir -p "$work" "$artifacts"
  echo "== $target for ${seconds}s"
  if ! "$build/tests/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$artifacts" -rss_limit_mb=2048 \
      "$work" "$root/tests/fuzz/corpus/$target" 2>"$build/$target.log"; then
    echo "FAIL: $target found a crash; see $build/$target.log and $artifacts"
    status=1
  fi
  grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$build/$target.log" || true
done
exit $status
