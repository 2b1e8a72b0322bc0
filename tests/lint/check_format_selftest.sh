#!/usr/bin/env bash
# Proves the format check can fail: a badly formatted copy of a file must be
# rejected, and a well formatted one accepted, using the repo's .clang-format.
set -u
checker=${1:?usage: check_format_selftest.sh CHECKER REPO_ROOT}
root=${2:?usage: check_format_selftest.sh CHECKER REPO_ROOT}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
cp "$root/.clang-format" "$tmp/"
mkdir -p "$tmp/core"
printf 'int Good(int a) { return a + 1; }\n' >"$tmp/core/good.cc"
printf 'int  Bad( int a ){return a+1;}\n' >"$tmp/core/bad.cc"
"$checker" "$tmp" core/good.cc >/dev/null || { echo "FAIL: formatted file rejected"; exit 1; }
if "$checker" "$tmp" core/bad.cc >/dev/null; then echo "FAIL: unformatted file accepted"; exit 1; fi
echo "format check rejects unformatted files"
