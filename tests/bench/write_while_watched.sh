#!/bin/bash
# A daemon watches a folder while a large file is written into it: how much
# the daemon read and how much CPU it used, during the write and in the
# 7 s after (docs/performance.md "A file being written"). Asserts nothing.
#
#   tests/bench/write_while_watched.sh [BINARY [MB]]
#
# BINARY defaults to build/cli/shoal, MB (the file's size) to 1000. Reads
# are the daemon's rchar (/proc/PID/io: every byte read(2) returned, page
# cache included); data lives under $TMPDIR (default /tmp).
set -euo pipefail

binary=$(realpath "${1:-build/cli/shoal}")
mb=${2:-1000}
base=$(mktemp -d "${TMPDIR:-/tmp}/shoal-wbench.XXXXXX")
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$base"
}
trap cleanup EXIT

mkdir -p "$base/folder"
"$binary" --home "$base/home" daemon --listen 127.0.0.1:0 --no-discovery --gui 127.0.0.1:0 --name bench \
  >"$base/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  "$binary" --home "$base/home" status --json >/dev/null 2>&1 && break
  sleep 0.05
done
"$binary" --home "$base/home" folder add "$base/folder" --label bench >/dev/null
sleep 2

cpu_ms() { awk '{print ($14 + $15) * 10}' "/proc/$pid/stat"; }
read_mib() { awk '/^rchar/ {print int($2 / 1048576)}' "/proc/$pid/io"; }
indexed_bytes() {
  "$binary" --home "$base/home" status --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["folders"][0]["bytes"])'
}

r0=$(read_mib)
c0=$(cpu_ms)
t0=$(date +%s.%N)
head -c "$((mb * 1000000))" /dev/urandom >"$base/folder/big.bin"
t1=$(date +%s.%N)
c1=$(cpu_ms)
r1=$(read_mib)
sleep 7
c2=$(cpu_ms)
r2=$(read_mib)
printf '%s MB written in %s s; daemon CPU %d ms during the write, %d ms in the 7 s after; ' \
  "$mb" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" "$((c1 - c0))" \
  "$((c2 - c1))"
printf 'read %d MiB during the write, %d MiB in all; indexed %s bytes\n' \
  "$((r1 - r0))" "$((r2 - r0))" "$(indexed_bytes)"
