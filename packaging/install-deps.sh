#!/usr/bin/env bash
# Installs exactly what building and testing Shoal needs, from Debian's packages.
# Idempotent: packages already present are left alone, and apt is not touched at
# all when nothing is missing. Uses sudo when not run as root.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # libraries (DESIGN.md "Dependencies")
  libsodium-dev libuv1-dev libsqlite3-dev libxxhash-dev libzstd-dev
  # port mapping on home routers: UPnP-IGD (miniupnpc) and NAT-PMP (libnatpmp)
  libminiupnpc-dev libnatpmp-dev
  # the session ciphers (AES-GCM, ChaCha20-Poly1305) through OpenSSL's libcrypto
  libssl-dev
  # rendezvous over HTTPS with a client certificate (a Syncthing discovery server)
  libcurl4-openssl-dev
  # the web interface's HTTP server: libwebsockets on the daemon's libuv loop
  # (its -dev package brings the libuv event library, libwebsockets-evlib-uv)
  libwebsockets-dev
  # header-only: argument parsing (CLI11) and JSON (nlohmann)
  libcli11-dev nlohmann-json3-dev
  # the manual page is generated from docs/cli.md by a Python script
  # (packaging/man); its test renders it with groff
  python3 groff-base
  # tests
  catch2
  # the web interface's browser test: headless chromium driven over the
  # DevTools protocol from Python (tests/browser)
  chromium python3-websocket
  # end-to-end LAN tests (`ip netns`, veth pairs); curl fetches the demo's pages
  iproute2 curl
  # relay tests: a TURN server (coturn) and NAT routers (nftables masquerade)
  # in network namespaces; nothing is started outside the tests
  coturn nftables syncthing-discosrv
  # conntrack: a test router forgets its NAT mappings silently; a UPnP-IGD /
  # NAT-PMP router for the port-mapping test (miniupnpd on nftables)
  conntrack miniupnpd-nftables
  # case-folding file systems for the case-collision tests: a vfat image where
  # the kernel mounts vfat, else exFAT through FUSE on a loop device
  dosfstools exfatprogs exfat-fuse fuse3
  # format check, fuzzing (clang + libFuzzer runtime)
  clang clang-format libclang-rt-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
