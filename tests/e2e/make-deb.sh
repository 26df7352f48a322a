#!/bin/sh
# make-deb.sh CPackConfig.cmake OUT: builds the Debian package with CPack (in a scratch
# directory, so the build tree's _CPack_Packages stays clean) and puts it at OUT.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cpack --config "$1" -B "$tmp" >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log" >&2; exit 1; }
set -- "$2" "$tmp"/*.deb
[ $# -eq 2 ] && [ -f "$2" ] || { cat "$tmp/cpack.log" >&2; echo "make-deb: expected one .deb" >&2; exit 1; }
mkdir -p "$(dirname "$1")"
mv "$2" "$1"
