#!/usr/bin/env bash
# `make demo-internet` (root): two homes behind NAT routers on a simulated
# internet, all in network namespaces on this machine, with a TURN relay
# (coturn) and a discovery server (stdiscosrv) on the internet side. The two
# devices pair by invite code alone, sync through the relay, punch a direct
# hole through both routers and carry on directly. Everything is removed at
# the end (KEEP=1 keeps it running to poke at; the script says how to stop).
#
#   laptop 10.0.1.2 ── router A (198.51.100.1) ─┐
#                                                ├─ internet 198.51.100.0/24:
#   desktop 10.0.2.2 ── router B (198.51.100.2) ─┘   relay + discovery at .10
#
# Addresses are TEST-NET-2 and 10/8 and exist only inside the namespaces.
set -euo pipefail
shoal="$(realpath "${1:-build/cli/shoal}")"
if [ "$(id -u)" -ne 0 ]; then
  echo "demo-internet: needs root (it creates network namespaces); try: sudo make demo-internet" >&2
  exit 1
fi
for tool in ip nft turnserver stdiscosrv openssl; do
  command -v "$tool" >/dev/null || {
    echo "demo-internet: $tool is missing (packaging/install-deps.sh installs it)" >&2
    exit 1
  }
done

p=shd-  # namespace prefix
base="$(mktemp -d /tmp/shoal-demo-internet.XXXXXX)"
secret="$(openssl rand -hex 16)"
bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*" | sed "s|$shoal|shoal|; s|$base|\$DEMO|g; s|$secret|SECRET|g"; }
a() { "$shoal" --home "$base/laptop/home" "$@"; }
b() { "$shoal" --home "$base/desktop/home" "$@"; }
run_a() { show shoal "$@" "   # on the laptop"; a "$@"; }
run_b() { show shoal "$@" "   # on the desktop"; b "$@"; }
since() {  # seconds since $start, one decimal
  local ms=$((($(date +%s%N) - start) / 1000000))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}
wait_for() {  # condition, what
  for _ in $(seq 600); do eval "$1" && return 0; sleep 0.1; done
  echo "demo-internet: timed out waiting for $2 (logs: $base)" >&2
  exit 1
}

teardown() {
  for dev in laptop desktop; do
    [ -d "$base/$dev/home" ] && "$shoal" --home "$base/$dev/home" shutdown >/dev/null 2>&1 || true
  done
  for f in "$base"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  for ns in inet rA rB hA hB; do ip netns delete "$p$ns" 2>/dev/null || true; done
}
for ns in inet rA rB hA hB; do ip netns delete "$p$ns" 2>/dev/null || true; done  # a stale run
if [ "${KEEP:-0}" != 1 ]; then trap teardown EXIT; fi

bold "The internet: a bridge, with the relay and the discovery server at 198.51.100.10"
ip netns add "${p}inet"
ip -n "${p}inet" link set lo up
ip -n "${p}inet" link add br0 type bridge
ip -n "${p}inet" addr add 198.51.100.10/24 dev br0
ip -n "${p}inet" link set br0 up
for side in A B; do
  net=$([ $side = A ] && echo 10.0.1 || echo 10.0.2)
  wan=$([ $side = A ] && echo 198.51.100.1 || echo 198.51.100.2)
  r="${p}r$side" h="${p}h$side"
  ip netns add "$r"
  ip netns add "$h"
  ip -n "$r" link set lo up
  ip -n "$h" link set lo up
  ip link add "w$side" netns "$r" type veth peer name "i$side" netns "${p}inet"
  ip -n "${p}inet" link set "i$side" master br0 up
  ip -n "$r" addr add "$wan/24" dev "w$side"
  ip -n "$r" link set "w$side" up
  ip link add "l$side" netns "$r" type veth peer name "e$side" netns "$h"
  ip -n "$r" addr add "$net.1/24" dev "l$side"
  ip -n "$r" link set "l$side" up
  ip -n "$h" addr add "$net.2/24" dev "e$side"
  ip -n "$h" link set "e$side" up
  ip -n "$h" route add default via "$net.1"
  ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
  # A home router: masquerade (keeping ports where it can, as most do), and
  # nothing from the internet gets in unless it answers something from home.
  ip netns exec "$r" nft -f - <<NFT
table ip nat {
  chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "w$side" masquerade; }
}
table inet filter {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "l$side" oifname "w$side" accept
  }
  chain input { type filter hook input priority filter; policy accept; iifname "w$side" ct state new drop; }
}
NFT
  echo "router $side: home $net.0/24 behind $wan (nftables masquerade)"
done

bold "On the internet: coturn (TURN over TCP) and stdiscosrv, as section 10 of the user guide sets them up"
ip netns exec "${p}inet" turnserver -n --listening-ip=198.51.100.10 --relay-ip=198.51.100.10 \
  --listening-port=3478 --min-port=50000 --max-port=50999 --realm=shoal.demo \
  --use-auth-secret --static-auth-secret="$secret" --no-tls --no-dtls --no-cli --no-udp \
  --fingerprint --no-multicast-peers --userdb="$base/turndb" --log-file="$base/turn.log" \
  --simple-log --pidfile="$base/turn.pid" >/dev/null 2>&1 &
echo $! >"$base/turnserver.pid"
(cd "$base" && openssl req -x509 -newkey ed25519 -nodes -days 30 -subj /CN=disco \
  -keyout disco.key -out disco.crt 2>/dev/null)
ip netns exec "${p}inet" stdiscosrv -listen=198.51.100.10:8443 -cert="$base/disco.crt" \
  -key="$base/disco.key" -db-dir="$base/disco.db" -replication-listen= >"$base/disco.log" 2>&1 &
echo $! >"$base/stdiscosrv.pid"
wait_for 'grep -q "Server device ID is" "$base/disco.log"' "stdiscosrv"
server_id="$(sed -n 's/.*Server device ID is \([A-Z0-9-]*\).*/\1/p' "$base/disco.log")"
relay="turn://demo:$secret@198.51.100.10:3478"
discovery="https://198.51.100.10:8443/?id=$server_id"

bold "Two devices, 'laptop' in home A and 'desktop' in home B, told only where the relay and the discovery server are"
for dev in laptop desktop; do
  ns=$([ $dev = laptop ] && echo "${p}hA" || echo "${p}hB")
  mkdir -p "$base/$dev"
  show ip netns exec "$ns" shoal daemon --name $dev --relay "$relay" --discovery "'$discovery'"
  ip netns exec "$ns" "$shoal" --home "$base/$dev/home" daemon --name "$dev" --no-discovery \
    --relay "$relay" --discovery "$discovery" >"$base/$dev/daemon.log" 2>&1 &
done
relayed() { "$shoal" --home "$base/$1/home" status --json 2>/dev/null | grep -q '"relayed": *"relay://'; }
wait_for 'relayed laptop && relayed desktop' "the relay allocations"
run_a internet

bold "1. Pair by code alone: no address typed, no LAN between the homes"
a pair >"$base/pair.out" 2>/dev/null &
pair_pid=$!
wait_for '[ -s "$base/pair.out" ]' "the invite code"
code="$(head -1 "$base/pair.out")"
start=$(date +%s%N)
show shoal pair   "   # on the laptop: prints $code"
run_b pair "$code"
wait "$pair_pid"
connected() { b devices --json | grep -q '"connected": *true'; }
path() { b devices --json | sed -n 's/.*"path": *"\([a-z]*\)".*/\1/p' | head -1; }
wait_for connected "the first session"
echo "connected $(since) s after 'pair', path: $(path)"
run_b devices

bold "2. Share a folder; the first files cross"
mkdir -p "$base/laptop/Documents"
echo "Shopping: bread, coffee" >"$base/laptop/Documents/notes.txt"
head -c 20000000 /dev/urandom >"$base/laptop/Documents/photo.raw"
run_a folder add "$base/laptop/Documents" --id docs --label Documents
run_a share docs desktop
run_b folder accept docs "$base/desktop/Documents"
wait_for 'cmp -s "$base/laptop/Documents/photo.raw" "$base/desktop/Documents/photo.raw" 2>/dev/null' "the first sync"
echo "the desktop has the laptop's files $(since) s after 'pair' (path: $(path))"

bold "3. Meanwhile the two devices agreed over the relay to punch a hole through both routers"
wait_for '[ "$(path)" = punched ]' "the punched path"
echo "punched $(since) s after 'pair'"
for dev in laptop desktop; do
  grep -h "hole punched\|connected (" "$base/$dev/daemon.log" | sed "s/^\([^ ]*\) *[A-Z]* */\1 $dev: /"
done | sort | cut -d' ' -f2-
run_b devices

bold "4. Edits now go straight from router to router"
show "echo 'Shopping: bread, coffee, oranges' > \$DEMO/desktop/Documents/notes.txt"
echo 'Shopping: bread, coffee, oranges' >"$base/desktop/Documents/notes.txt"
wait_for 'grep -q oranges "$base/laptop/Documents/notes.txt"' "the edit"
show cat "\$DEMO/laptop/Documents/notes.txt"
cat "$base/laptop/Documents/notes.txt"
run_a status

if [ "${KEEP:-0}" = 1 ]; then
  cat <<MSG

Everything is still running (KEEP=1). Try:
  $shoal --home $base/laptop/home devices
  echo hello > $base/laptop/Documents/hello.txt; ls $base/desktop/Documents
Stop: for ns in inet rA rB hA hB; do ip netns pids $p\$ns | xargs -r kill; ip netns delete $p\$ns; done
MSG
else
  bold "Done; the namespaces, the servers and the daemons are removed now (KEEP=1 keeps them)."
fi
