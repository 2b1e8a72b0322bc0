#!/usr/bin/env bash
# Fails when an include points the wrong way (STYLE.md principle 2):
# cli -> net -> core, so core/ may include neither net/ nor cli/, and net/
# may not include cli/. net/ also keeps out of core/store: the store is the
# sync engine's business, and a transport that needs it has the wrong seam.
# Usage: check_layering.sh REPO_ROOT
set -u
root=${1:?usage: check_layering.sh REPO_ROOT}
cd "$root" || exit 2
status=0
check() {  # $1 = layer folder, $2 = forbidden include prefix pattern
  [ -d "$1" ] || return 0
  local hits
  hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]($2)/" "$1" \
           --include='*.h' --include='*.cc' --include='*.hpp' --include='*.cpp' || true)
  if [ -n "$hits" ]; then
    echo "layering violation: $1/ must not include $2/:"
    echo "$hits"
    status=1
  fi
}
check core 'net|cli'
check net 'cli|core/store'
[ $status -eq 0 ] && echo "layering ok: cli -> net -> core, net not into core/store"
exit $status
