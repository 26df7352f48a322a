# The main job's container, run in L1 by tests/main-job.sh (or directly on a POWER host):
# `ppc-kvm-shim run` of a busybox bundle (read-only root, /dev a tmpfs and a network namespace,
# as `crun spec` makes them), the container in its own PowerPC KVM guest. Prints
# the container's line and checks that it came from a guest of its own: the guest's memory,
# not this host's (both kernels may be the same version).
SHARE=${SHARE:-/opt/ppc-kvm-shim/share}
work=$(mktemp -d)
mkdir -p $work/bundle/rootfs/bin $work/bundle/rootfs/proc $work/bundle/rootfs/dev $work/bundle/rootfs/tmp
cp "${BUSYBOX:-/bin/busybox}" $work/bundle/rootfs/bin/busybox
for applet in sh echo uname cat grep; do ln -s busybox $work/bundle/rootfs/bin/$applet; done
cat > $work/bundle/config.json <<'JSON'
{"ociVersion":"1.0.2","root":{"path":"rootfs","readonly":true},"hostname":"main-job",
 "process":{"args":["sh","-c","echo \"CONTAINER: hello from $(hostname), a container in a PowerPC KVM guest running Linux $(uname -r)\"; grep MemTotal /proc/meminfo"],
   "env":["PATH=/bin"],"cwd":"/","user":{"uid":0,"gid":0}},
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
           {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]}],
 "linux":{"namespaces":[{"type":"mount"},{"type":"uts"},{"type":"pid"},{"type":"network"}]}}
JSON
cat > $work/shim.json <<JSON
{"kernel":"$SHARE/guest-vmlinux"}
JSON
out=$(PPC_KVM_SHIM_CONFIG=$work/shim.json ppc-kvm-shim --root $work/state run --bundle $work/bundle main-job)
rc=$?
echo "$out"
rm -rf $work
[ $rc -eq 0 ] || { echo "FAIL: ppc-kvm-shim run exited $rc"; exit 1; }
echo "$out" | grep -q "^CONTAINER: hello from main-job" || { echo "FAIL: no line from the container"; exit 1; }
guest_mem=$(echo "$out" | sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p')
host_mem=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)
[ -n "$guest_mem" ] && [ "$guest_mem" != "$host_mem" ] || { echo "FAIL: the container saw this host's memory ($host_mem kB)"; exit 1; }
echo "ok: the container ran in a guest of its own ($guest_mem kB of RAM; this host has $host_mem kB)"
