#!/usr/bin/env bash
# Installs the dependencies and builds the project: the ppc64le build (cross on x86_64,
# native on POWER) and, with --host, the build machine's sanitizer build of the portable code.
# Prints the ppc64le preset's name last, for the callers.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/tests/rig/install-deps.sh" >&2
if [ "$(uname -m)" = ppc64le ]; then preset=ppc64le-native; else preset=ppc64le-cross; fi
cmake --preset "$preset" >&2
cmake --build --preset "$preset" >&2
if [ "${1:-}" = --host ] && [ "$(uname -m)" != ppc64le ]; then
  cmake --preset host >&2
  cmake --build --preset host >&2
fi
echo "$preset"
