# Runs in L1 for tests/bench/rootfs.sh: alternates a guest with the rootfs in its initramfs
# and one with the rootfs on a virtio-blk disk; the container's process reports the guest's
# memory use, L1 times the whole run.
. /rig/case_lib.sh
RUNS=$(sed -n 's/.*RUNS=\([0-9]*\).*/\1/p' /proc/cmdline); RUNS=${RUNS:-3}
uds=/tmp/bench.sock console=/tmp/console.log
cat > /tmp/c.json <<'JSON'
{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["sh","-c","cat /proc/uptime; grep -E 'MemTotal|MemAvailable' /proc/meminfo; ls -ln /payload"],
 "cwd":"/","user":{"uid":0,"gid":0},"env":["PATH=/bin"]},
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"}],"linux":{"namespaces":[{"type":"mount"}]}}
JSON
now_ms() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; }
for i in $(seq "$RUNS"); do
  for t in cpio disk; do
    start=$(now_ms)
    if [ $t = cpio ]; then
      boot_agent_guest $SHARE/rootfs.cpio $uds $console
    else
      GUEST_CMDLINE=PPC_KVM_ROOTFS_DISK=/dev/vda boot_agent_guest $SHARE/agent-only.cpio $uds $console \
        --drive $SHARE/rootfs-disk.ext4,ro
    fi
    if agent_ctl --uds $uds run /tmp/c.json > /tmp/out 2>&1; then ok "$t run $i"; else fail "$t run $i"; cat /tmp/out /tmp/vmm.log; fi
    end=$(now_ms)
    wait $vmm
    total=$(sed -n 's/MemTotal: *\([0-9]*\).*/\1/p' /tmp/out)
    avail=$(sed -n 's/MemAvailable: *\([0-9]*\).*/\1/p' /tmp/out)
    bytes=$(tail -1 /tmp/out | awk '{print $5}')
    guest_ms=$(head -1 /tmp/out | awk '{printf "%d", $1 * 1000}')
    echo "BENCH transport=$t run=$i first_process_ms=$((end - start)) guest_uptime_ms=$guest_ms ram_used_kib=$((total - avail)) payload_bytes=$bytes"
  done
done
finish
