#!/usr/bin/env bash
# How responsive the daemon stays while it scans: starts a daemon in a
# temporary home, adds a folder of N empty files (default 50,000) and calls
# `shoal status` back to back until the first scan has indexed them all,
# then for 4 s more (the racy re-reads). Prints the slowest status call of
# each phase; a status call includes starting the CLI process.
#
#   tests/bench/status_latency.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-build}
n=${2:-50000}
shoal="$(cd "$build" && pwd)/cli/shoal"
dir=$(mktemp -d)
trap '"$shoal" --home "$dir/home" shutdown >/dev/null 2>&1 || true; sleep 0.3; rm -rf "$dir"' EXIT

mkdir -p "$dir/sync"
for ((i = 1; i <= (n + 999) / 1000; i++)); do
  mkdir -p "$dir/sync/d$i"
  (cd "$dir/sync/d$i" && seq 1 $((n - (i - 1) * 1000 < 1000 ? n - (i - 1) * 1000 : 1000)) | xargs touch)
done
"$shoal" --home "$dir/home" daemon --listen 127.0.0.1:0 --no-discovery --gui 127.0.0.1:0 >"$dir/daemon.log" 2>&1 &
until "$shoal" --home "$dir/home" status >/dev/null 2>&1; do sleep 0.05; done

now() { date +%s.%N; }
slowest() { python3 -c "import sys; print(max(map(float, sys.argv[1:])))" "$@"; }
files() { python3 -c 'import json,sys; f=json.load(sys.stdin)["folders"]; print(f[0]["files"] if f else 0)'; }

start=$(now)
"$shoal" --home "$dir/home" folder add "$dir/sync" >/dev/null &
during=()
while :; do
  t0=$(now); out=$("$shoal" --home "$dir/home" status --json); t1=$(now)
  during+=("$(echo "$t1 - $t0" | bc)")
  [ "$(echo "$out" | files)" = "$n" ] && break
done
scan=$(echo "$(now) - $start" | bc)
after=()
for _ in $(seq 40); do
  t0=$(now); "$shoal" --home "$dir/home" status --json >/dev/null; t1=$(now)
  after+=("$(echo "$t1 - $t0" | bc)")
  sleep 0.1
done
printf 'first scan of %d empty files: %.2f s; slowest status during it: %.3f s (%d calls); in the 4 s after: %.3f s\n' \
  "$n" "$scan" "$(slowest "${during[@]}")" "${#during[@]}" "$(slowest "${after[@]}")"
