# Helpers for case scripts, installed by run.sh as /rig/case_lib.sh in L1 (busybox sh):
# build a guest initramfs from L1's own static busybox and an /init script, check output.
SHARE=/opt/ppc-kvm-shim/share

# make_initramfs OUT INIT_SCRIPT [PROGRAM...]: the guest's /init is INIT_SCRIPT, run by
# busybox sh; each PROGRAM (a path in L1) is copied into the guest's /bin.
make_initramfs() {
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/mnt"
  cp /bin/busybox "$root/bin/busybox"
  out=$1 init=$2
  shift 2
  for program in "$@"; do cp "$program" "$root/bin/"; done
  cp "$init" "$root/init"
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc 2>/dev/null) > "$out"
  rm -rf "$root"
}

# expect_line FILE PATTERN: the guest's console printed a line matching PATTERN (the hvc
# console ends lines with \r\n).
expect_line() {
  if tr -d '\r' < "$1" | grep -q "$2"; then echo "ok: $2"; else echo "FAIL: console lacks '$2'"; return 1; fi
}

# wait_for_line FILE PATTERN [SECONDS]: waits until the console shows PATTERN.
wait_for_line() {
  for _ in $(seq $((${3:-120} * 2))); do
    [ -f "$1" ] && tr -d '\r' < "$1" | grep -q "$2" && return 0
    sleep 0.5
  done
  echo "FAIL: '$2' did not appear in $1"
  return 1
}

# boot_vsock_guest UDS: boots a guest (2 vCPUs, 512 MiB) whose init serves vsock data
# connections on port 1234 (vsock_peer listen) and commands on port 9999 (vsock_peer control;
# "shutdown" powers the guest off); returns once the guest listens. Sets $vmm to the VMM's pid;
# the console goes to /tmp/console.log, the VMM's log (with --stats) to /tmp/vmm.log.
boot_vsock_guest() {
  cat > /tmp/vsock-init.sh <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/vsock_peer listen 1234 &
/bin/vsock_peer control 9999
/bin/busybox poweroff -f
INIT
  make_initramfs /tmp/vsock-guest.cpio /tmp/vsock-init.sh /opt/ppc-kvm-shim/bin/vsock_peer
  ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/vsock-guest.cpio --memory 512M --vcpus 2 --vsock-uds "$1" \
    --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log --stats 2>/tmp/vmm.log &
  vmm=$!
  wait_for_line /tmp/console.log "vsock_peer: control on port 9999" || { cat /tmp/console.log /tmp/vmm.log; kill $vmm; return 1; }
}

# make_container_initramfs OUT: the agent as /init and a busybox root filesystem under
# /rootfs (one static busybox with a link per applet), built by ppc-kvm-rootfs.
make_container_initramfs() {
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp" "$rootfs/etc" "$rootfs/root"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  echo "root:x:0:0:root:/root:/bin/sh" > "$rootfs/etc/passwd"
  echo "root:x:0:" > "$rootfs/etc/group"
  ppc-kvm-rootfs --agent /opt/ppc-kvm-shim/bin/ppc-kvm-agent --rootfs "$rootfs" -o "$1" || return 1
  rm -rf "$rootfs"
}

# boot_agent_guest INITRD UDS CONSOLE [VMM_ARGS...]: boots a guest whose /init is the agent
# (2 vCPUs, 512 MiB) in the background; sets $vmm to the VMM's pid. The host reaches the
# agent through UDS with agent_ctl, which waits for the agent to listen. The VMM's own
# messages go to /tmp/vmm.log, apart from the container's output. GUEST_CMDLINE adds to the
# guest kernel's command line.
boot_agent_guest() {
  initrd=$1 uds=$2 console=$3
  shift 3
  rm -f "$uds" "$console"
  ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd "$initrd" --memory 512M --vcpus 2 --vsock-uds "$uds" \
    --cmdline "console=hvc0 panic=-1 quiet ${GUEST_CMDLINE:-}" --console "$console" "$@" 2>/tmp/vmm.log &
  vmm=$!
}
