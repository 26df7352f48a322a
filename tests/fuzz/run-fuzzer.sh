#!/usr/bin/env bash
# run-fuzzer.sh [--binary BIN] [--save] NAME SECONDS [OUTDIR]
# Runs the libFuzzer target NAME (ppc_kvm_shim_fuzzer(NAME ...) in CMake: NAME_fuzzer of the
# host preset, clang with ASan + UBSan) for SECONDS, starting from its seed corpus
# tests/fuzz/seeds/NAME, and exits non-zero when an input crashed it, hung it (over 10 s),
# leaked or ran it out of memory; every seed is replayed before fuzzing starts.
#   --binary BIN  the fuzzer to run (the test command passes the one it built); without it the
#                 host preset is configured if need be and NAME_fuzzer built.
#   --save        a long campaign: afterwards the inputs that reach new code are merged back
#                 into tests/fuzz/seeds/NAME (libFuzzer's -merge=1), for a commit.
#   OUTDIR        keeps the corpus (OUTDIR/corpus) and what the fuzzer found (OUTDIR/artifacts);
#                 by default a temporary directory, removed unless something was found.
# A long campaign: tests/fuzz/run-fuzzer.sh --save vsock 3600 /var/tmp/vsock-campaign
set -euo pipefail

usage() { echo "usage: $0 [--binary BIN] [--save] NAME SECONDS [OUTDIR]" >&2; exit 2; }
bin= save=0
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) bin=${2:-}; [ -n "$bin" ] || usage; shift 2 ;;
    --save) save=1; shift ;;
    -*) usage ;;
    *) break ;;
  esac
done
if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
name=$1 duration=$2
[[ "$name" =~ ^[a-z0-9_]+$ ]] || usage
[[ "$duration" =~ ^[1-9][0-9]*$ ]] || usage

top=$(cd "$(dirname "$0")/../.." && pwd)
seeds="$top/tests/fuzz/seeds/$name"
[ -d "$seeds" ] || { echo "run-fuzzer: no seed corpus $seeds" >&2; exit 2; }

if [ -z "$bin" ]; then
  [ -f "$top/build/host/build.ninja" ] || (cd "$top" && cmake --preset host >&2)
  (cd "$top" && cmake --build --preset host --target "${name}_fuzzer" >&2)
  bin="$top/build/host/fuzzers/${name}_fuzzer"
fi
[ -x "$bin" ] || { echo "run-fuzzer: no fuzzer at $bin" >&2; exit 2; }

if [ $# -eq 3 ]; then outdir=$3; keep=1; else outdir=$(mktemp -d "${TMPDIR:-/tmp}/$name-fuzzer.XXXXXX"); keep=0; fi
mkdir -p "$outdir/corpus" "$outdir/artifacts"
outdir=$(cd "$outdir" && pwd)
cp -r "$seeds"/. "$outdir/corpus/"

echo "run-fuzzer: $name for ${duration}s from $(ls "$seeds" | wc -l) seeds, corpus $outdir/corpus" >&2
set +e
"$bin" -max_total_time="$duration" -timeout=10 -max_len=8192 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$outdir/artifacts/" "$outdir/corpus" >"$outdir/fuzzer.log" 2>&1
rc=$?
set -e

found=$(find "$outdir/artifacts" -type f | head -20)
if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
  tail -60 "$outdir/fuzzer.log" >&2
  echo "run-fuzzer: $name FAILED (exit $rc); artifacts in $outdir/artifacts:" >&2
  [ -z "$found" ] || echo "$found" >&2
  echo "run-fuzzer: reproduce with: $bin <artifact>" >&2
  exit 1
fi

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$outdir/fuzzer.log")
echo "run-fuzzer: $name clean, ${execs:-?} executions in ${duration}s" >&2
if [ "$save" -eq 1 ]; then
  before=$(ls "$seeds" | wc -l)
  "$bin" -merge=1 -max_len=8192 "$seeds" "$outdir/corpus" >>"$outdir/fuzzer.log" 2>&1 ||
    { echo "run-fuzzer: merging into $seeds failed, see $outdir/fuzzer.log" >&2; exit 1; }
  echo "run-fuzzer: $seeds had $before inputs, has $(ls "$seeds" | wc -l)" >&2
fi
[ "$keep" -eq 1 ] || rm -rf "$outdir"
exit 0
