#!/usr/bin/env bash
# Fails when a function in vmm/ or shim/ (tests and fuzzers aside) is longer than the limit,
# counted from the line that starts its definition to its closing brace (universal-ctags's
# line and end fields). A function allowed to be longer says why on one of the three lines
# above it:   // function-length: <reason>
#
#   function_length.sh [--limit N] [TOP]
set -euo pipefail
limit=60
if [ "${1:-}" = --limit ]; then limit=$2; shift 2; fi
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
command -v ctags >/dev/null && ctags --version 2>/dev/null | grep -q "Universal Ctags" ||
  { echo "function_length: universal-ctags is needed (apt-get install universal-ctags)" >&2; exit 2; }

files=$(git ls-files 'vmm/*.cpp' 'vmm/*.h' 'shim/*.cpp' 'shim/*.h' 2>/dev/null ||
        find vmm shim -name '*.cpp' -o -name '*.h')
files=$(grep -v -E '(_test|_fuzzer)\.cpp$|/tests/' <<<"$files" || true)
[ -n "$files" ] || { echo "function_length: no sources found under $top" >&2; exit 2; }

over=0 excused=0
while IFS=$'\t' read -r length file line name; do
  start=$((line > 3 ? line - 3 : 1))
  reason=$(sed -n "${start},$((line - 1))p" "$file" | grep -o 'function-length: .*' | head -1 || true)
  if [ -n "$reason" ]; then
    excused=$((excused + 1))
    echo "excused: $file:$line $name ($length lines) - ${reason#function-length: }"
  else
    over=$((over + 1))
    echo "too long: $file:$line $name: $length lines (limit $limit)"
  fi
done < <(ctags --languages=C++ --kinds-C++=f --fields=+ne -o - $files |
         awk -F'\t' -v limit="$limit" '{
           line = 0; end = 0
           for (i = 4; i <= NF; i++) {
             if ($i ~ /^line:/) line = substr($i, 6)
             if ($i ~ /^end:/) end = substr($i, 5)
           }
           if (end && end - line + 1 > limit) printf "%d\t%s\t%d\t%s\n", end - line + 1, $2, line, $1
         }' | sort -t$'\t' -k2,2 -k3,3n)

count=$(wc -w <<<"$files")
echo "function_length: $count files, $over over $limit lines, $excused excused"
[ "$over" -eq 0 ]
