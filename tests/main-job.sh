#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: builds the project and runs a container with
# `ppc-kvm-shim run` (a busybox bundle printing a line) in its own PowerPC KVM guest, with the
# VMM confined. On x86_64 that happens inside the PowerPC host rig (an emulated POWER machine),
# in both KVM flavours; on a POWER host with /dev/kvm, directly.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

"$top/tests/build.sh" >/dev/null
bin=$top/build/ppc64le/bin
if [ "$(uname -m)" = ppc64le ] && [ -c /dev/kvm ]; then
  PATH=$bin:$PATH SHARE=$top/build/ppc64le/share BUSYBOX=$("$top/tests/rig/fetch-busybox.sh") \
    exec sh "$top/tests/main-job/container_run.sh"
fi
for profile in hv pr; do
  "$top/tests/rig/run.sh" --profile "$profile" --bin-dir "$bin" --share-dir "$top/build/ppc64le/share" \
    --case "$top/tests/main-job/container_run.sh"
done
