#!/usr/bin/env bash
# vsock benchmark (not a test): throughput both ways (64 MiB, three runs) and round-trip
# latency of one byte, host program <-> guest program through the VMM's hybrid Unix socket.
#   tests/bench/vsock.sh [hv|pr ...]   (default: hv pr)
# Times are inside the emulated L1: compare runs with each other, not with hardware.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/tests/build.sh" >/dev/null
for p in ${@:-hv pr}; do
  echo "== profile $p"
  "$top/tests/rig/run.sh" --profile "$p" --bin-dir "$top/build/ppc64le/bin" --share-dir "$top/build/ppc64le/share" \
    --case "$top/tests/bench/cases/vsock_bench.sh" --timeout 1800 | grep '^BENCH'
done
