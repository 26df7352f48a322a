# Helpers for case scripts, installed by run.sh as /rig/case_lib.sh in L1 (busybox sh; the
# bench suite sources it in the e2e L1 too, from RIG_LIB_DIR): the checks, guest fixtures
# made from L1's own static busybox, console waits, guests to boot, and the helpers of the
# ppc-kvm-shim cases.
SHARE=/opt/ppc-kvm-shim/share
. "${RIG_LIB_DIR:-/rig}/checks.sh"  # ok, fail, any_failed, finish

# ---- guest fixtures ---------------------------------------------------------------------------
# make_initramfs OUT [PROGRAM...] <INIT_BODY: a guest initramfs whose /init is INIT_BODY (read
# from stdin), run by busybox sh; each PROGRAM (a path in L1) is copied into the guest's /bin.
make_initramfs() {
  local out=$1 dir program
  shift
  dir=$(mktemp -d)
  mkdir -p "$dir/bin" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/mnt"
  cp /bin/busybox "$dir/bin/busybox"
  for program in "$@"; do cp "$program" "$dir/bin/"; done
  { echo '#!/bin/busybox sh'; cat; } > "$dir/init"
  chmod +x "$dir/init"
  (cd "$dir" && find . | cpio -o -H newc 2>/dev/null) > "$out"
  rm -rf "$dir"
}

# mounted_root DIR: makes DIR a root for `chroot DIR ...` that is a mount of its own (a tmpfs)
# with L1's programs, libraries and /dev bound in and a /proc, as a host with a real root file
# system has (L1 itself runs from one too, unless booted with rig.root=initramfs).
mounted_root() {
  mkdir -p "$1" && mount -t tmpfs tmpfs "$1" || return 1
  for d in bin sbin lib lib64 usr opt dev rig; do mkdir -p "$1/$d" && mount --bind "/$d" "$1/$d" || return 1; done
  mkdir -p "$1/proc" "$1/sys" "$1/tmp" "$1/run" && mount -t proc proc "$1/proc"
}

# make_marker_initramfs OUT MARKER [SHELL_LINES]: /init prints MARKER (expanded by the guest's
# shell) before anything else, runs SHELL_LINES and powers the guest off.
make_marker_initramfs() {
  printf 'echo "%s"\n%s\n/bin/busybox poweroff -f\n' "$2" "${3:-}" | make_initramfs "$1"
}

# make_waiting_initramfs OUT MARKER [SHELL_LINES]: the same, but the guest then waits forever
# (for a VMM to be stopped from outside).
make_waiting_initramfs() {
  printf 'echo "%s"\n%s\nwhile true; do /bin/busybox sleep 1000; done\n' "$2" "${3:-}" | make_initramfs "$1"
}

# make_vsock_peer_initramfs OUT: /init serves vsock data connections on port 1234 (vsock_peer
# listen) and commands on port 9999 (vsock_peer control; "shutdown" powers the guest off).
make_vsock_peer_initramfs() {
  make_initramfs "$1" /opt/ppc-kvm-shim/bin/vsock_peer <<'INIT'
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/vsock_peer listen 1234 &
/bin/vsock_peer control 9999
/bin/busybox poweroff -f
INIT
}

# make_busybox_root DIR [APPLET...]: a container's root filesystem: a static busybox
# ($BUSYBOX, default L1's) with a link per APPLET (default: every applet it has), root in
# /etc/passwd and /etc/group.
make_busybox_root() {
  local dir=$1 busybox=${BUSYBOX:-/bin/busybox} applet
  shift
  mkdir -p "$dir/bin" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/etc" "$dir/root"
  cp "$busybox" "$dir/bin/busybox"
  [ $# -gt 0 ] || set -- $("$busybox" --list)
  for applet in "$@"; do [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"; done
  echo "root:x:0:0:root:/root:/bin/sh" > "$dir/etc/passwd"
  echo "root:x:0:" > "$dir/etc/group"
}

# make_container_initramfs OUT: the agent as /init and a busybox root (make_busybox_root)
# under /rootfs, built by ppc-kvm-rootfs.
make_container_initramfs() {
  local dir
  dir=$(mktemp -d)
  make_busybox_root "$dir"
  ppc-kvm-rootfs --agent /opt/ppc-kvm-shim/bin/ppc-kvm-agent --rootfs "$dir" -o "$1" || return 1
  rm -rf "$dir"
}

# ---- console ----------------------------------------------------------------------------------
# The hvc console ends lines with \r\n: every match drops the \r.
# expect_line FILE PATTERN: a check: FILE has a line matching PATTERN.
expect_line() {
  if tr -d '\r' 2>/dev/null < "$1" | grep -q "$2"; then ok "$2"; else fail "$1 lacks '$2'"; return 1; fi
}

# wait_for_line FILE PATTERN [SECONDS]: waits (default 120 s) until FILE has a line matching
# PATTERN; false if it never does.
wait_for_line() {
  for _ in $(seq $((${3:-120} * 4))); do
    tr -d '\r' 2>/dev/null < "$1" | grep -q "$2" && return 0
    sleep 0.25
  done
  return 1
}

# expect_line_soon FILE PATTERN [SECONDS]: a check: wait_for_line; the failure shows FILE's end.
expect_line_soon() {
  if wait_for_line "$@"; then ok "'$2' in $1"; return 0; fi
  fail "'$2' never appeared in $1: $(tr -d '\r' 2>/dev/null < "$1" | tail -5)"
  return 1
}

# ---- guests -----------------------------------------------------------------------------------
# boot_vsock_guest UDS: boots a guest (2 vCPUs, 512 MiB) of make_vsock_peer_initramfs;
# returns once it listens (false, with the logs printed, if it never does). Sets $vmm to the
# VMM's pid; the console goes to /tmp/console.log, the VMM's log (with --stats) to /tmp/vmm.log.
boot_vsock_guest() {
  make_vsock_peer_initramfs /tmp/vsock-guest.cpio
  ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/vsock-guest.cpio --memory 512M --vcpus 2 --vsock-uds "$1" \
    --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log --stats 2>/tmp/vmm.log &
  vmm=$!
  wait_for_line /tmp/console.log "vsock_peer: control on port 9999" || { cat /tmp/console.log /tmp/vmm.log; kill $vmm; return 1; }
}

# boot_agent_guest INITRD UDS CONSOLE [VMM_ARGS...]: boots a guest whose /init is the agent
# (2 vCPUs, 512 MiB) in the background; sets $vmm to the VMM's pid. The host reaches the
# agent through UDS with agent_ctl, which waits for the agent to listen. The VMM's own
# messages go to /tmp/vmm.log, apart from the container's output. GUEST_CMDLINE adds to the
# guest kernel's command line.
boot_agent_guest() {
  local initrd=$1 uds=$2 console=$3
  shift 3
  rm -f "$uds" "$console"
  ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd "$initrd" --memory 512M --vcpus 2 --vsock-uds "$uds" \
    --cmdline "console=hvc0 panic=-1 quiet ${GUEST_CMDLINE:-}" --console "$console" "$@" 2>/tmp/vmm.log &
  vmm=$!
}

# vmm_memory: "KIB N": the resident memory of the N ppc-kvm-vmm processes in L1 (the supervisor
# and the jailed VMM, whose exe link /proc still resolves from outside its mount namespace).
vmm_memory() {
  local total=0 count=0 p
  for p in /proc/[0-9]*; do
    [ "$(basename "$(readlink $p/exe 2>/dev/null)")" = ppc-kvm-vmm ] || continue
    total=$((total + $(awk '/^VmRSS:/ { print $2; found = 1 } END { if (!found) print 0 }' $p/status 2>/dev/null || echo 0)))
    count=$((count + 1))
  done
  echo $total $count
}

# jailed_vmm_pid LOG: the jailed VMM's pid as L1 sees it, from its supervisor's log.
jailed_vmm_pid() { sed -n 's/.*the VMM is process \([0-9]*\) .*/\1/p' "$1" | head -1; }

# ---- ppc-kvm-shim cases -----------------------------------------------------------------------
# shim_case_setup: what every ppc-kvm-shim case needs first: $S (the CLI with its state under
# $root and its log in /tmp/shim.log), its host config, ptys, and the containers' root $rootfs.
shim_case_setup() {
  root=/run/shim-test rootfs=/tmp/rootfs
  S="ppc-kvm-shim --root $root --log /tmp/shim.log"
  mount_devpts
  write_shim_config /tmp/shim.json
  make_busybox_root $rootfs
}

# mount_devpts: ptys for --console-socket and exec --tty (L1's init mounts no devpts).
mount_devpts() {
  mkdir -p /dev/pts
  grep -q " /dev/pts " /proc/mounts || mount -t devpts devpts /dev/pts
}

# write_shim_config FILE: the shim's host config for L1 (guest kernel, a boot timeout for
# emulation, small guests), exported as PPC_KVM_SHIM_CONFIG.
write_shim_config() {
  cat > "$1" <<JSON
{"kernel":"$SHARE/guest-vmlinux","kernel_cmdline":"console=hvc0 panic=-1 quiet","boot_timeout_seconds":600,
 "default_memory_mib":128,"allowed_annotations":["io.ppc-kvm.memory","io.ppc-kvm.vcpus"]}
JSON
  export PPC_KVM_SHIM_CONFIG=$1
}

# bundle NAME ARGS_JSON [TERMINAL] [MOUNTS_EXTRA] [TOP_EXTRA]: /tmp/bundles/NAME/config.json
# over $rootfs; prints the bundle's path.
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

# wait_state NAME WANT [SECONDS]: waits for the container's state; a failed check if it never comes.
wait_state() {
  for _ in $(seq $((${3:-120} * 4))); do [ "$(state_of "$1")" = "$2" ] && return 0; sleep 0.25; done
  fail "$1: state $(state_of "$1"), want $2"; return 1
}

# alive PID: a process that exists and is not a zombie. Its stat is read once: the process
# may be reaped between a test for the file and the read.
alive() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$(echo "$st" | sed 's/.*) //' | cut -d' ' -f1)" != Z ]
}

# root_clean WHAT: a check: nothing is left under --root but the agent's cached initramfs, and
# no mount below it.
root_clean() {
  left=$(ls -A $root 2>/dev/null | grep -v '^agent-initramfs')
  mounts=$(grep -c " $root/" /proc/self/mountinfo)
  if [ -z "$left" ] && [ "$mounts" -eq 0 ]; then ok "$1: --root is clean"; else fail "$1: --root holds '$left', $mounts mount(s)"; fi
}

# reaped LOG PID: the exit status the subreaper logged for PID (waits up to 2 min for it).
reaped() {
  local st
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
  local name=$1 b=$2 in=$3 out=$4
  shift 4
  rm -f /tmp/$name.pid /tmp/$name.created /tmp/$name.reaped
  reaper /tmp/$name.reaped sh -c "$S create --bundle $b --pid-file /tmp/$name.pid $* $name <$in >$out 2>&1; echo \$? > /tmp/$name.created" &
  for _ in $(seq 2400); do [ -s /tmp/$name.created ] && break; sleep 0.25; done
  pid=$(cat /tmp/$name.pid 2>/dev/null)
  [ "$(cat /tmp/$name.created 2>/dev/null)" = 0 ] && return 0
  fail "create $name: exit $(cat /tmp/$name.created 2>/dev/null)"; tail -20 $out; show_logs; return 1
}

# start_announced NAME BUNDLE: create_bg (stdin /dev/null, stdout /tmp/NAME.out) and start a
# container whose process prints "started" first; returns once it has. $pid is the VMM's.
start_announced() {
  create_bg "$1" "$2" /dev/null /tmp/$1.out
  $S start "$1" || fail "start $1"
  expect_line_soon /tmp/$1.out "^started$"
}

# show_logs: the ends of the shim's log and of each container's console and VMM log.
show_logs() {
  local c
  echo "--- shim log:"; tail -20 /tmp/shim.log 2>/dev/null
  for c in $root/*/console.log $root/*/vmm.log; do [ -f "$c" ] && { echo "--- $c:"; tr -d '\r' < "$c" | tail -20; }; done
}
