#!/usr/bin/env bash
# Installs what `make compare` (tests/bench/compare) needs besides Shoal
# itself, from Debian's packages: Syncthing and rsync to race against, and
# iproute2 for `ss` (wire bytes per connection). Idempotent: packages already
# present are left alone, and apt is not touched at all when nothing is
# missing. Uses sudo when not run as root. Downloads nothing else.
set -euo pipefail

packages=(syncthing rsync iproute2 procps)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-bench-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-bench-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
