#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine. Until the runtime exists it proves the
# foundation: builds the project and runs a guest under real PowerPC KVM that makes PAPR
# hypercalls reaching our code. On x86_64 that happens inside the PowerPC host rig (an
# emulated POWER machine), in both KVM flavours; on a POWER host with /dev/kvm, directly.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

"$top/tests/build.sh" >/dev/null
bin=$top/build/ppc64le/bin
if [ "$(uname -m)" = ppc64le ] && [ -c /dev/kvm ]; then
  exec "$bin/kvm_smoke"
fi
for profile in hv pr; do
  "$top/tests/rig/run.sh" --profile "$profile" --bin-dir "$bin" --case "$top/tests/system/cases/kvm_smoke.sh"
done
