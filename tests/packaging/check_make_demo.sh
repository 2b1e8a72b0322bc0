#!/usr/bin/env bash
# `make demo` and `make demo-internet` build only the `shoal` binary they
# run, not the tests and benchmarks; `make test` still builds everything.
# Reads what make would run (make -n: nothing is built or installed).
# Usage: check_make_demo.sh SOURCE_DIR
set -euo pipefail
src="$1"
fail=0
for target in demo demo-internet; do
  builds="$(make -n -C "$src" "$target" BUILD=/nonexistent/build | grep 'cmake --build' || true)"
  if [ "$(wc -l <<<"$builds")" -ne 1 ] || ! grep -q -- '--target shoal$' <<<"$builds"; then
    echo "make $target should build only --target shoal, but runs:"; echo "$builds"; fail=1
  fi
done
builds="$(make -n -C "$src" test BUILD=/nonexistent/build | grep 'cmake --build' || true)"
if [ -z "$builds" ] || grep -q -- '--target' <<<"$builds"; then
  echo "make test should build every target, but runs:"; echo "$builds"; fail=1
fi
exit "$fail"
