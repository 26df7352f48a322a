#!/usr/bin/env bash
# run-config-fuzzer.sh SECONDS [OUTDIR]
# Builds the config.json fuzzer (oci/config_fuzzer.cpp) natively with clang's libFuzzer
# (ASan + UBSan), runs it for SECONDS with its corpus in OUTDIR/corpus (OUTDIR defaults to a
# temporary directory, removed afterwards unless the fuzzer found something) and exits
# non-zero when it found a crash, a hang (an input slower than 10 s), a leak or an
# out-of-memory. The corpus is seeded with a few valid configs so that the fuzzer starts
# from documents that get past the first checks. Installs clang-14 and libclang-rt-14-dev
# through apt-get when clang or its fuzzer runtime is missing (as tests/fuzz/run-fuzzer.sh).
set -euo pipefail

usage() { echo "usage: $0 SECONDS [OUTDIR]" >&2; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
duration=$1
[[ "$duration" =~ ^[1-9][0-9]*$ ]] || usage

top=$(cd "$(dirname "$0")/.." && pwd)

if [ $# -eq 2 ]; then
  outdir=$2
  keep=1
else
  outdir=$(mktemp -d "${TMPDIR:-/tmp}/oci-config-fuzzer.XXXXXX")
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
  echo "run-config-fuzzer: installing clang-14 and libclang-rt-14-dev" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q clang-14 libclang-rt-14-dev >&2 ||
    { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q clang-14 libclang-rt-14-dev >&2; }
}

cxx=$(find_clang || true)
if [ -z "$cxx" ] || ! can_fuzz "$cxx"; then
  install_clang
  cxx=$(find_clang) || { echo "run-config-fuzzer: no clang++ after installing clang-14" >&2; exit 1; }
  can_fuzz "$cxx" || { echo "run-config-fuzzer: $cxx cannot link libFuzzer programs" >&2; exit 1; }
fi

bin="$outdir/config_fuzzer"
echo "run-config-fuzzer: building $bin with $cxx" >&2
(cd "$top" && "$cxx" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$top/oci/include" -I"$top/base/include" \
  oci/config_fuzzer.cpp oci/src/*.cpp base/src/*.cpp -o "$bin")

# Seeds: the smallest valid config, and one that reaches every section.
printf '%s' '{"ociVersion":"1.0.2","root":{"path":"rootfs"}}' >"$outdir/corpus/seed-minimal.json"
cat >"$outdir/corpus/seed-full.json" <<'JSON'
{"ociVersion":"1.1.0","root":{"path":"rootfs","readonly":true},
 "process":{"terminal":true,"consoleSize":{"height":24,"width":80},
  "user":{"uid":1,"gid":2,"umask":18,"additionalGids":[3],"username":"u"},
  "args":["sh"],"env":["A=b"],"cwd":"/",
  "capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"inheritable":[],"permitted":["CAP_KILL"],"ambient":[]},
  "rlimits":[{"type":"RLIMIT_NOFILE","soft":1024,"hard":1024}],"noNewPrivileges":true,"oomScoreAdj":-5,
  "apparmorProfile":"p","selinuxLabel":"l"},
 "hostname":"h","domainname":"d",
 "mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","rbind","rro","mode=755"]}],
 "hooks":{"prestart":[{"path":"/bin/true","args":["true"],"env":["A=b"],"timeout":3}],"poststop":[{"path":"/x"}]},
 "annotations":{"k":"v"},
 "linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/proc/1/ns/net"}],
  "uidMappings":[{"containerID":0,"hostID":1000,"size":1}],"gidMappings":[{"containerID":0,"hostID":1000,"size":1}],
  "devices":[{"path":"/dev/fuse","type":"c","major":10,"minor":229,"fileMode":438,"uid":0,"gid":0}],
  "resources":{"memory":{"limit":1,"reservation":1,"swap":-1},"cpu":{"shares":2,"quota":3,"period":4,"cpus":"0","mems":"0"},"pids":{"limit":5}},
  "cgroupsPath":"/c","sysctl":{"a.b":"1"},
  "seccomp":{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_PPC64LE"],
   "flags":["SECCOMP_FILTER_FLAG_LOG"],"listenerPath":"/l",
   "syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","errnoRet":1,"args":[{"index":0,"value":1,"valueTwo":2,"op":"SCMP_CMP_MASKED_EQ"}]}]},
  "maskedPaths":["/proc/kcore"],"readonlyPaths":["/proc/sys"],"rootfsPropagation":"rslave","mountLabel":"m"}}
JSON

echo "run-config-fuzzer: fuzzing for ${duration}s, corpus $outdir/corpus" >&2
set +e
"$bin" -max_total_time="$duration" -timeout=10 -max_len=8192 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$outdir/artifacts/" "$outdir/corpus" 2>&1 | tee "$outdir/fuzzer.log"
rc=${PIPESTATUS[0]}
set -e

found=$(find "$outdir/artifacts" -type f | head -20)
if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
  echo "run-config-fuzzer: FAILED (exit $rc); artifacts in $outdir/artifacts:" >&2
  [ -n "$found" ] && echo "$found" >&2
  echo "run-config-fuzzer: reproduce with: $bin <artifact>" >&2
  exit 1
fi

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$outdir/fuzzer.log")
echo "run-config-fuzzer: clean, ${execs:-?} executions in ${duration}s" >&2
[ "$keep" -eq 1 ] || rm -rf "$outdir"
exit 0
