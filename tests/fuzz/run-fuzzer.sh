#!/usr/bin/env bash
# run-fuzzer.sh [--fuzzer queue|oci_config|vhost_user|virtio_net|protocol] SECONDS [OUTDIR]
# Builds one fuzzer (default: the virtqueue's, vmm/tests/virtio/queue_fuzzer.cpp; oci_config:
# oci/tests/config_fuzzer.cpp, seeded from tests/fuzz/seeds/oci_config/; vhost_user: the vhost-user
# frontend's reply decoding, vmm/tests/virtio/vhost_user_fuzzer.cpp, seeded from
# tests/fuzz/seeds/vhost_user/; virtio_net: what the guest controls in virtio-net, its rings,
# buffers and headers, against a fake tap, vmm/tests/virtio/net_fuzzer.cpp, seeded from
# tests/fuzz/seeds/virtio_net/; protocol: the host/agent frames and messages as a guest may
# send them, protocol/tests/decode_fuzzer.cpp, seeded from tests/fuzz/seeds/protocol/)
# natively with clang's libFuzzer (ASan + UBSan), runs it for
# SECONDS with its corpus in OUTDIR/corpus (OUTDIR defaults to a temporary directory, removed
# afterwards unless the fuzzer found something) and exits non-zero when it found a crash,
# a hang (an input slower than 10 s), a leak or an out-of-memory. Installs clang-14 and
# libclang-rt-14-dev through apt-get when clang or its fuzzer runtime is missing.
set -euo pipefail

usage() { echo "usage: $0 [--fuzzer queue|oci_config|vhost_user|virtio_net|protocol] SECONDS [OUTDIR]" >&2; exit 2; }
fuzzer=queue
if [ "${1:-}" = --fuzzer ]; then fuzzer=${2:-}; shift 2 || usage; fi
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
duration=$1
[[ "$duration" =~ ^[1-9][0-9]*$ ]] || usage

top=$(cd "$(dirname "$0")/../.." && pwd)

if [ $# -eq 2 ]; then
  outdir=$2
  keep=1
else
  outdir=$(mktemp -d "${TMPDIR:-/tmp}/$fuzzer-fuzzer.XXXXXX")
  keep=0
fi
mkdir -p "$outdir/corpus" "$outdir/artifacts"
outdir=$(cd "$outdir" && pwd)

find_clang() {
  local c
  for c in clang++-14 clang++; do
    if command -v "$c" >/dev/null 2>&1; then echo "$c"; return 0; fi
  done
  return 1
}

# True when $1 can link a libFuzzer program with the sanitizers.
can_fuzz() {
  local probe
  probe=$(mktemp -d)
  printf '#include <cstddef>\n#include <cstdint>\nextern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n' >"$probe/p.cpp"
  "$1" -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" >/dev/null 2>&1
  local rc=$?
  rm -rf "$probe"
  return $rc
}

install_clang() {
  local sudo=
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  echo "run-fuzzer: installing clang-14 and libclang-rt-14-dev" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q clang-14 libclang-rt-14-dev >&2 ||
    { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q clang-14 libclang-rt-14-dev >&2; }
}

cxx=$(find_clang || true)
if [ -z "$cxx" ] || ! can_fuzz "$cxx"; then
  install_clang
  cxx=$(find_clang) || { echo "run-fuzzer: no clang++ after installing clang-14" >&2; exit 1; }
  can_fuzz "$cxx" || { echo "run-fuzzer: $cxx cannot link libFuzzer programs" >&2; exit 1; }
fi

# What each fuzzer is built from.
case "$fuzzer" in
  # Sources are globbed relative to the top of the tree, where the compiler runs.
  queue) includes=(-I"$top/vmm" -I"$top/vmm/tests" -I"$top/base/include")
         sources="vmm/tests/virtio/queue_fuzzer.cpp vmm/virtio/queue.cpp vmm/memory/guest_memory.cpp base/src/*.cpp" ;;
  oci_config) includes=(-I"$top/oci/include" -I"$top/base/include")
              sources="oci/tests/config_fuzzer.cpp oci/src/*.cpp base/src/*.cpp" ;;
  vhost_user) includes=(-I"$top/vmm" -I"$top/vmm/tests" -I"$top/base/include")
              sources="vmm/tests/virtio/vhost_user_fuzzer.cpp vmm/virtio/vhost_user.cpp vmm/virtio/vhost_user_wire.cpp base/src/*.cpp" ;;
  virtio_net) includes=(-I"$top/vmm" -I"$top/vmm/tests" -I"$top/base/include")
              sources="vmm/tests/virtio/net_fuzzer.cpp vmm/virtio/net_rx.cpp vmm/virtio/net_tx.cpp vmm/virtio/net_header.cpp
                       vmm/virtio/queue.cpp vmm/memory/guest_memory.cpp vmm/log.cpp base/src/*.cpp" ;;
  protocol) includes=(-I"$top/protocol/include" -I"$top/protocol/src" -I"$top/base/include")
            sources="protocol/tests/decode_fuzzer.cpp protocol/src/*.cpp base/src/*.cpp" ;;
  *) usage ;;
esac
bin="$outdir/${fuzzer}_fuzzer"
echo "run-fuzzer: building $bin with $cxx" >&2
(cd "$top" && "$cxx" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  "${includes[@]}" $sources -o "$bin")
# Seeds, where a fuzzer has them: documents that get past the first checks.
[ -d "$top/tests/fuzz/seeds/$fuzzer" ] && cp "$top/tests/fuzz/seeds/$fuzzer"/* "$outdir/corpus/"

echo "run-fuzzer: fuzzing for ${duration}s, corpus $outdir/corpus" >&2
set +e
"$bin" -max_total_time="$duration" -timeout=10 -max_len=8192 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$outdir/artifacts/" "$outdir/corpus" 2>&1 | tee "$outdir/fuzzer.log"
rc=${PIPESTATUS[0]}
set -e

found=$(find "$outdir/artifacts" -type f | head -20)
if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
  echo "run-fuzzer: FAILED (exit $rc); artifacts in $outdir/artifacts:" >&2
  [ -n "$found" ] && echo "$found" >&2
  echo "run-fuzzer: reproduce with: $bin <artifact>" >&2
  exit 1
fi

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$outdir/fuzzer.log")
echo "run-fuzzer: clean, ${execs:-?} executions in ${duration}s" >&2
[ "$keep" -eq 1 ] || rm -rf "$outdir"
exit 0
