#!/bin/sh
# No Catch test name may hold a ';': CTest splits names at it, so
# catch_discover_tests would turn one test into two that both fail.
# Usage: check_test_names.sh TEST-BINARY...
status=0
for binary in "$@"; do
  # --list-test-names-only prints one name per line, unwrapped.
  bad=$("$binary" --list-test-names-only | grep ';')
  if [ -n "$bad" ]; then
    echo "$binary: test names with ';' (CTest would split them):"
    echo "$bad"
    status=1
  fi
done
exit $status
