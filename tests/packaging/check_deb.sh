#!/usr/bin/env bash
# Builds the .deb with cpack in a scratch directory and checks what is in it:
# the binary, the systemd user unit, the docs, the manual page, the bash
# completion, and library dependencies.
# Usage: check_deb.sh BUILD_DIR
set -euo pipefail
build="$1"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
(cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log"; exit 1; }
deb="$(ls "$out"/*.deb)"
contents="$(dpkg-deb -c "$deb")"
fail=0
for want in ./usr/bin/shoal ./usr/lib/systemd/user/shoal.service \
            ./usr/share/doc/shoal/user-guide.md ./usr/share/doc/shoal/api.md \
            ./usr/share/man/man1/shoal.1.gz ./usr/share/bash-completion/completions/shoal; do
  if ! grep -q " $want\$" <<<"$contents"; then
    echo "missing from the package: $want"; fail=1
  fi
done
depends="$(dpkg-deb -f "$deb" Depends)"
for lib in libsodium libuv1 libsqlite3 libzstd; do
  if ! grep -q "$lib" <<<"$depends"; then
    echo "Depends lacks $lib: $depends"; fail=1
  fi
done
# The packaged binary runs.
dpkg-deb -x "$deb" "$out/root"
"$out/root/usr/bin/shoal" --version | grep -q '^shoal ' || { echo "packaged shoal does not run"; fail=1; }
# The packaged manual page is shoal(1), gzipped, and man reads it.
if ! zcat "$out/root/usr/share/man/man1/shoal.1.gz" | grep -q '^\.TH SHOAL 1 '; then
  echo "usr/share/man/man1/shoal.1.gz is not the shoal(1) page"; fail=1
fi
# The packaged completion defines the completion for `shoal`.
if ! bash --norc -c 'source "$1" && complete -p shoal' _ \
     "$out/root/usr/share/bash-completion/completions/shoal" >/dev/null; then
  echo "the packaged completion does not complete shoal"; fail=1
fi
[ $fail -eq 0 ] && echo "package ok: $(basename "$deb")"
exit $fail
