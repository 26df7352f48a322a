# Runs in L1: --console-socket with a real pty. console_receiver plays conmon: it receives the
# pty master, reads sh's prompt and types commands; create/start, run and exec --tty --detach.
. /rig/case_lib.sh
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

echo "== 1. create --console-socket: the receiver gets the pty master and talks to sh"
b=$(bundle tty '["sh"]' true)
console_receiver /tmp/cs1.sock /tmp/tty1.out 'echo tty-$((6*7))' 'exit 7' 2>/tmp/recv1.err &
recv=$!
for _ in $(seq 40); do [ -S /tmp/cs1.sock ] && break; sleep 0.25; done
create_bg tty $b /dev/null /tmp/tty.out --console-socket /tmp/cs1.sock || { echo "the first container could not be created: the remaining checks need one"; exit 1; }
[ "$(state_of tty)" = created ] && ok "created with a console socket" || { fail "create: $(state_of tty)"; show_logs; }
$S start tty || fail "start tty"
st=$(reaped /tmp/tty.reaped "$pid")
[ "$st" = 7 ] && ok "sh exited 7 as typed" || fail "VMM status '$st', want 7"
wait $recv && ok "receiver got a terminal: $(cat /tmp/recv1.err)" || fail "receiver: $(cat /tmp/recv1.err)"
tr -d '\r' < /tmp/tty1.out | grep -q "# " && ok "the receiver read sh's prompt" || fail "no prompt in '$(cat /tmp/tty1.out)'"
tr -d '\r' < /tmp/tty1.out | grep -qx "tty-42" && ok "sh ran the typed command" || fail "no tty-42 in '$(cat /tmp/tty1.out)'"
# One echo only: the host pty is raw, the guest's pty echoes.
[ "$(tr -d '\r' < /tmp/tty1.out | grep -c 'echo tty-')" = 1 ] && ok "typed line echoed once" || fail "echo count: $(cat /tmp/tty1.out)"
wait_state tty stopped
$S delete tty || fail "delete tty"

echo "== 2. run --console-socket returns sh's exit status"
console_receiver /tmp/cs2.sock /tmp/tty2.out 'exit 11' 2>/tmp/recv2.err &
recv=$!
for _ in $(seq 40); do [ -S /tmp/cs2.sock ] && break; sleep 0.25; done
$S run --bundle $b --console-socket /tmp/cs2.sock ttyrun; rc=$?
[ $rc -eq 11 ] && ok "run exit 11" || { fail "run exit $rc, want 11"; show_logs; }
wait $recv

echo "== 3. exec --tty --detach --console-socket into a running container"
b=$(bundle host '["sh","-c","echo started; exec sleep 1000"]')
create_bg host $b /dev/null /tmp/host.out
hpid=$pid
$S start host || fail "start host"
wait_grep /tmp/host.out "^started$"
console_receiver /tmp/cs3.sock /tmp/tty3.out 'tty' 'exit 9' 2>/tmp/recv3.err &
recv=$!
for _ in $(seq 40); do [ -S /tmp/cs3.sock ] && break; sleep 0.25; done
rm -f /tmp/x.pid
reaper /tmp/x.reaped $S exec --tty --detach --console-socket /tmp/cs3.sock --pid-file /tmp/x.pid host sh
xpid=$(cat /tmp/x.pid 2>/dev/null)
st=$(sed -n "s/^$xpid \([0-9]*\)$/\1/p" /tmp/x.reaped)
[ -n "$xpid" ] && [ "$st" = 9 ] && ok "exec --tty --detach: pid $xpid exited 9" || fail "exec tty: pid '$xpid' status '$st'"
wait $recv
tr -d '\r' < /tmp/tty3.out | grep -q "^/dev/pts/[0-9]" && ok "the exec'd sh has a guest terminal" || fail "tty output '$(cat /tmp/tty3.out)'"
err=$($S exec --tty --detach host sh 2>&1); [ $? -eq 1 ] && echo "$err" | grep -q "console socket" && ok "tty + detach without a socket refused" || fail "$err"
$S delete --force host || fail "delete host"
[ "$(reaped /tmp/host.reaped "$hpid")" = 137 ] && ok "host VMM killed" || fail "host VMM status"
root_clean "console"
[ $status -ne 0 ] && show_logs
exit $status
