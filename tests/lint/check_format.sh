#!/usr/bin/env bash
# Fails when a C++ file under core/ net/ cli/ tests/ differs from what the
# repo's .clang-format produces. Usage: check_format.sh REPO_ROOT [FILE...]
# Without files, checks every tracked (or, outside git, every present) file.
set -u
root=${1:?usage: check_format.sh REPO_ROOT [FILE...]}
shift
cd "$root" || exit 2
formatter=$(command -v clang-format || command -v clang-format-14 || true)
if [ -z "$formatter" ]; then
  echo "clang-format not found: run packaging/install-deps.sh"
  exit 1
fi
if [ $# -gt 0 ]; then
  files=("$@")
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
    'core/*.h' 'core/*.cc' 'net/*.h' 'net/*.cc' 'cli/*.h' 'cli/*.cc' 'tests/*.h' 'tests/*.cc')
else
  mapfile -t files < <(find core net cli tests -name '*.h' -o -name '*.cc' | sort)
fi
bad=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if ! "$formatter" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f   (fix: $formatter -i $f)"
    bad=$((bad + 1))
  fi
done
if [ $bad -ne 0 ]; then
  echo "$bad file(s) not formatted with .clang-format"
  exit 1
fi
echo "format ok: ${#files[@]} files"
