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

# mounted_root DIR: makes DIR a root for `chroot DIR ...` that is a mount of its own (a tmpfs)
# with L1's programs, libraries and /dev bound in and a /proc, as a host with a real root file
# system has. L1 itself runs from its initramfs (rootfs), which has no parent mount, so no
# process rooted there can pivot_root(): virtiofsd's sandbox needs to (and the VMM's jail then
# falls back to chroot).
mounted_root() {
  mkdir -p "$1" && mount -t tmpfs tmpfs "$1" || return 1
  for d in bin sbin lib lib64 usr opt dev rig; do mkdir -p "$1/$d" && mount --bind "/$d" "$1/$d" || return 1; done
  mkdir -p "$1/proc" "$1/sys" "$1/tmp" "$1/run" && mount -t proc proc "$1/proc"
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

# shim_case_setup: what every ppc-kvm-shim case needs: $S (the CLI with its --root and --log),
# its host config, a busybox root filesystem, and helpers: bundle, state_of, wait_state,
# wait_grep, alive, root_clean, reaped, create_bg, show_logs, ok, fail ($status).
shim_case_setup() {
# (Not indented: the here-documents below end at column 0.)
status=0
fail() { echo "FAIL: $*"; status=1; }
ok() { echo "ok: $*"; }
root=/run/shim-test
S="ppc-kvm-shim --root $root --log /tmp/shim.log"
# ptys for --console-socket and exec --tty (L1's init mounts no devpts).
mkdir -p /dev/pts
grep -q " /dev/pts " /proc/mounts || mount -t devpts devpts /dev/pts
cat > /tmp/shim.json <<JSON
{"kernel":"$SHARE/guest-vmlinux","kernel_cmdline":"console=hvc0 panic=-1 quiet","boot_timeout_seconds":600,
 "default_memory_mib":128}
JSON
export PPC_KVM_SHIM_CONFIG=/tmp/shim.json

# The containers' root: L1's static busybox with a link per applet.
rootfs=/tmp/rootfs
mkdir -p $rootfs/bin $rootfs/proc $rootfs/sys $rootfs/dev $rootfs/tmp $rootfs/etc $rootfs/root
cp /bin/busybox $rootfs/bin/busybox
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"; done
echo "root:x:0:0:root:/root:/bin/sh" > $rootfs/etc/passwd
echo "root:x:0:" > $rootfs/etc/group

# bundle NAME ARGS_JSON [TERMINAL] [MOUNTS_EXTRA] [TOP_EXTRA]: /tmp/bundles/NAME/config.json
bundle() {
  mkdir -p /tmp/bundles/$1
  cat > /tmp/bundles/$1/config.json <<JSON
{"ociVersion":"1.0.2","root":{"path":"$rootfs"},"hostname":"shimbox",
 "process":{"terminal":${3:-false},"user":{"uid":0,"gid":0},"args":$2,
   "env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin","HOME=/root","TERM=xterm"],"cwd":"/"},
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
   {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
   {"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620"]},
   {"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["nosuid","noexec","nodev","mode=1777"]},
   {"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]},
   {"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev"]}$4],
 "linux":{"namespaces":[{"type":"mount"},{"type":"uts"},{"type":"ipc"},{"type":"network"}]}$5}
JSON
  echo /tmp/bundles/$1
}
state_of() { $S state "$1" 2>/dev/null | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p'; }
# wait_state NAME WANT [SECONDS]
wait_state() {
  for _ in $(seq $((${3:-120} * 4))); do [ "$(state_of "$1")" = "$2" ] && return 0; sleep 0.25; done
  fail "$1: state $(state_of "$1"), want $2"; return 1
}
# wait_grep FILE PATTERN [SECONDS]: FILE (\r dropped) gets a line matching PATTERN
wait_grep() {
  for _ in $(seq $((${3:-120} * 4))); do tr -d '\r' < "$1" 2>/dev/null | grep -q "$2" && return 0; sleep 0.25; done
  fail "'$2' never appeared in $1: $(tr -d '\r' < "$1" 2>/dev/null | tail -5)"; return 1
}
# A process that exists and is not a zombie.
# Read once: the process may be reaped between a test for the file and the read.
alive() {
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$(echo "$st" | sed 's/.*) //' | cut -d' ' -f1)" != Z ]
}
root_clean() { [ -z "$(ls -A $root 2>/dev/null)" ] && ok "$1: --root is clean" || fail "$1: --root holds $(ls -A $root)"; }
# reaped LOG PID: the exit status the subreaper logged for PID (waits for it).
reaped() {
  for _ in $(seq 480); do
    st=$(sed -n "s/^$2 \([0-9]*\)$/\1/p" "$1" 2>/dev/null)
    [ -n "$st" ] && { echo "$st"; return 0; }
    sleep 0.25
  done
  echo "none"
}
# create_bg NAME BUNDLE STDIN STDOUT [CREATE_FLAGS...]: `create` under a subreaper (as conmon
# runs it), in the background; returns once create has, with $pid the VMM's. The subreaper
# logs the exit status of every process below it to /tmp/NAME.reaped, the VMM's included.
create_bg() {
  name=$1 b=$2 in=$3 out=$4
  shift 4
  rm -f /tmp/$name.pid /tmp/$name.created /tmp/$name.reaped
  reaper /tmp/$name.reaped sh -c "$S create --bundle $b --pid-file /tmp/$name.pid $* $name <$in >$out 2>&1; echo \$? > /tmp/$name.created" &
  for _ in $(seq 2400); do [ -s /tmp/$name.created ] && break; sleep 0.25; done
  pid=$(cat /tmp/$name.pid 2>/dev/null)
  [ "$(cat /tmp/$name.created 2>/dev/null)" = 0 ] && return 0
  fail "create $name: exit $(cat /tmp/$name.created 2>/dev/null)"; tail -20 $out; show_logs; return 1
}
show_logs() { echo "--- shim log:"; tail -20 /tmp/shim.log 2>/dev/null; for c in $root/*/console.log $root/*/vmm.log; do [ -f "$c" ] && { echo "--- $c:"; tr -d '\r' < "$c" | tail -20; }; done; }
}
