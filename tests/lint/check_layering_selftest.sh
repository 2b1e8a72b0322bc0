#!/usr/bin/env bash
# Proves the layering check can fail: it must reject a tree where core/
# includes net/, one where net/ includes cli/ and one where net/ includes
# core/store, and accept a clean tree.
set -u
checker=${1:?usage: check_layering_selftest.sh CHECKER}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/core/x" "$tmp/net/y" "$tmp/cli"
echo '#include "core/base/result.h"' >"$tmp/net/y/ok.cc"
echo '#include "net/y/ok.h"' >"$tmp/cli/ok.cc"
"$checker" "$tmp" >/dev/null || { echo "FAIL: clean tree rejected"; exit 1; }
echo '  #include "net/loop/event_loop.h"' >"$tmp/core/x/bad.h"
if "$checker" "$tmp" >/dev/null; then echo "FAIL: core -> net accepted"; exit 1; fi
rm "$tmp/core/x/bad.h"
echo '#include <cli/commands/commands.h>' >"$tmp/net/y/bad.cc"
if "$checker" "$tmp" >/dev/null; then echo "FAIL: net -> cli accepted"; exit 1; fi
rm "$tmp/net/y/bad.cc"
echo '#include "core/store/index.h"' >"$tmp/net/y/bad.cc"
if "$checker" "$tmp" >/dev/null; then echo "FAIL: net -> core/store accepted"; exit 1; fi
echo "layering check rejects wrong-way includes"
