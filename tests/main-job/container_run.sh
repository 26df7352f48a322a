# The main job's container, run in L1 by tests/main-job.sh (or directly on a POWER host):
# `ppc-kvm-shim run` of a busybox bundle, the container in its own PowerPC KVM guest. Prints
# the container's line and checks that it came from the guest kernel, not this host's.
SHARE=${SHARE:-/opt/ppc-kvm-shim/share}
work=$(mktemp -d)
mkdir -p $work/bundle/rootfs/bin $work/bundle/rootfs/proc $work/bundle/rootfs/dev $work/bundle/rootfs/tmp
cp "${BUSYBOX:-/bin/busybox}" $work/bundle/rootfs/bin/busybox
for applet in sh echo uname cat; do ln -s busybox $work/bundle/rootfs/bin/$applet; done
cat > $work/bundle/config.json <<'JSON'
{"ociVersion":"1.0.2","root":{"path":"rootfs","readonly":true},"hostname":"main-job",
 "process":{"args":["sh","-c","echo \"CONTAINER: hello from $(hostname), a container in a PowerPC KVM guest running Linux $(uname -r)\""],
   "env":["PATH=/bin"],"cwd":"/","user":{"uid":0,"gid":0}},
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"}],
 "linux":{"namespaces":[{"type":"mount"},{"type":"uts"},{"type":"pid"}]}}
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
[ "$(echo "$out" | sed 's/.*running Linux //')" != "$(uname -r)" ] || { echo "FAIL: the container saw this host's kernel"; exit 1; }
echo "ok: the container ran in its own guest kernel (this host runs $(uname -r))"
