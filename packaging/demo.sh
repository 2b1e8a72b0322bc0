#!/usr/bin/env bash
# `make demo`: Shoal's main job on one machine. Starts two devices (two
# daemons with their own homes) on loopback, pairs them through the CLI,
# shares a folder, and shows edits on one appear on the other. The daemons
# keep running afterwards so you can poke at them; `make demo-stop` (or the
# commands printed at the end) stops them.
set -euo pipefail
shoal="$(realpath "${1:-build/cli/shoal}")"
base="$(mktemp -d /tmp/shoal-demo.XXXXXX)"
ln -sfn "$base" /tmp/shoal-demo.last
laptop="$base/laptop"
desktop="$base/desktop"
bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*" | sed "s|$shoal|shoal|; s|$base|\$DEMO|g"; }
run() { show "$@"; "$@"; }
# Shows a shell command line as typed (a redirection included) and runs it.
run_sh() { show "$1"; sh -c "$1"; }
a() { "$shoal" --home "$laptop/home" "$@"; }
b() { "$shoal" --home "$desktop/home" "$@"; }

bold "Two devices, 'laptop' and 'desktop', each with its own daemon (homes under $base)"
for dev in laptop desktop; do
  mkdir -p "$base/$dev"
  # Any free ports: a daemon of your own may hold 22011 and 8385.
  "$shoal" --home "$base/$dev/home" daemon --listen 127.0.0.1:0 --name "$dev" --no-discovery \
    --gui 127.0.0.1:0 >"$base/$dev/daemon.log" 2>&1 &
  echo $! >"$base/$dev/pid"
done
for dev in laptop desktop; do
  for _ in $(seq 100); do
    "$shoal" --home "$base/$dev/home" status >/dev/null 2>&1 && break
    sleep 0.1
  done
done
port="$(a status --json | sed -n 's/.*"listen_port": *\([0-9]*\).*/\1/p' | head -1)"
echo "laptop:  $(a id)"
echo "desktop: $(b id)"

bold "1. Pair them: 'shoal pair' on the laptop prints a one-time code..."
a pair >"$base/pair.out" 2>/dev/null &
pair_pid=$!
for _ in $(seq 100); do [ -s "$base/pair.out" ] && break; sleep 0.1; done
code="$(head -1 "$base/pair.out")"
echo "$code"
bold "...and 'shoal pair CODE' on the desktop joins (@host:port because discovery is off here)"
run "$shoal" --home "$desktop/home" pair "$code@127.0.0.1:$port"
wait "$pair_pid"
echo "(the laptop printed:)"; sed 's/^/  /' "$base/pair.out" | tail -n +2

bold "2. The laptop adds a folder and shares it; the desktop accepts it"
mkdir -p "$laptop/Documents"
echo "Shopping: bread, coffee" >"$laptop/Documents/notes.txt"
head -c 3000000 /dev/urandom >"$laptop/Documents/photo.raw"
run "$shoal" --home "$laptop/home" folder add "$laptop/Documents" --id docs --label Documents
run "$shoal" --home "$laptop/home" share docs desktop
run "$shoal" --home "$desktop/home" folder accept docs "$desktop/Documents"

wait_for() {  # condition, what
  for _ in $(seq 300); do eval "$1" && return 0; sleep 0.1; done
  echo "demo: timed out waiting for $2 (logs: $base/*/daemon.log)" >&2; exit 1
}
wait_for 'cmp -s "$laptop/Documents/photo.raw" "$desktop/Documents/photo.raw" 2>/dev/null' "the first sync"
bold "3. The desktop now has the laptop's files:"
run ls -l "$desktop/Documents"
run "$shoal" --home "$desktop/home" status

bold "4. Edit on the desktop; no command needed, the laptop's copy follows within moments"
run_sh "echo 'Shopping: bread, coffee, oranges' > $desktop/Documents/notes.txt"
wait_for 'grep -q oranges "$laptop/Documents/notes.txt"' "the edit"
run cat "$laptop/Documents/notes.txt"
run mkdir -p "$laptop/Documents/trip"
run_sh "echo 'day 1: arrive' > $laptop/Documents/trip/plan.txt"
wait_for '[ -f "$desktop/Documents/trip/plan.txt" ]' "the new directory"
run cat "$desktop/Documents/trip/plan.txt"

bold "5. Each device has a web interface (these links log you in):"
echo "  laptop:  $(a gui --no-browser)"
echo "  desktop: $(b gui --no-browser)"

cat <<MSG

$(printf '\033[1m')Both daemons are still running. Try:$(printf '\033[0m')
  $shoal --home $laptop/home status --watch       (live view; Ctrl-C to leave)
  echo hello > $laptop/Documents/hello.txt; ls $desktop/Documents
  $shoal --home $desktop/home devices
  $shoal --home $laptop/home conflicts
Logs: $laptop/daemon.log, $desktop/daemon.log
Stop both:  make demo-stop   (or: shoal --home $laptop/home shutdown; shoal --home $desktop/home shutdown)
MSG
