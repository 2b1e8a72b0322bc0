#!/usr/bin/env bash
# Runs packaging/demo.sh (what `make demo` runs after building) with the
# built binary, as a newcomer would, and checks that it reached every step:
# paired, synced, the edit and the new directory followed, and both web
# interfaces answer at the URLs it printed. Then stops both daemons.
# Usage: check_demo.sh SOURCE_DIR SHOAL_BINARY
set -euo pipefail
src="$1"
shoal="$2"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
stop() {
  for d in /tmp/shoal-demo.last/laptop /tmp/shoal-demo.last/desktop; do
    [ -d "$d/home" ] && "$shoal" --home "$d/home" shutdown >/dev/null 2>&1 || true
  done
}
if ! "$src/packaging/demo.sh" "$shoal" >"$out" 2>&1; then
  cat "$out"; stop; echo "demo.sh failed"; exit 1
fi
fail=0
for want in "1. Pair them" "paired with" "3. The desktop now has" "photo.raw" \
            "Shopping: bread, coffee, oranges" "day 1: arrive" "5. Each device has a web interface"; do
  grep -qF -- "$want" "$out" || { echo "the demo's output lacks: $want"; fail=1; }
done
urls="$(grep -oE 'http://127\.0\.0\.1:[0-9]+/#token=[0-9a-f]{64}' "$out" || true)"
if [ "$(wc -l <<<"$urls")" -ne 2 ] || [ "$(head -1 <<<"$urls")" = "$(tail -1 <<<"$urls")" ]; then
  echo "the demo should print two different web interface URLs, got: $urls"; fail=1
fi
for url in $urls; do
  page="${url%%#*}"
  if ! curl -fsS -m 5 "$page" | grep -q '<html'; then
    echo "no page at $page"; fail=1
  fi
done
stop
[ $fail -eq 0 ] || { echo "--- demo output"; cat "$out"; }
exit $fail
