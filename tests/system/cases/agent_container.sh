# Runs in L1: the guest agent runs OCI processes. Each check boots a guest whose initramfs
# holds the agent and a busybox root filesystem, sends a config.json with agent_ctl and
# checks output and exit status; the guest must power off (VMM exit 0) after each.
. /rig/case_lib.sh
status=0
uds=/tmp/agent.sock
console=/tmp/console.log
fail() { echo "FAIL: $*"; status=1; }

make_container_initramfs /tmp/container.cpio || { echo "FAIL: building the initramfs"; exit 1; }

# config ARGS_JSON [PROCESS_EXTRA] [LINUX_EXTRA] > config.json. Variables: READONLY, TERMINAL,
# USER_IDS ("uid":..,"gid":..), CWD, NAMESPACES_EXTRA (e.g. ',{"type":"pid"}').
config() {
  ids=${USER_IDS:-'"uid":0,"gid":0'}
  cat <<JSON
{"ociVersion":"1.0.2","root":{"path":"rootfs","readonly":${READONLY:-false}},"hostname":"agent-test",
 "process":{"terminal":${TERMINAL:-false},"user":{$ids},"args":$1,
   "env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin","GREETING=hi there"],"cwd":"${CWD:-/}"$2},
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
   {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
   {"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620"]},
   {"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["nosuid","noexec","nodev","mode=1777"]},
   {"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","options":["nosuid","noexec","nodev"]},
   {"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]},
   {"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev"]}${MOUNTS_EXTRA:-}],
 "linux":{"namespaces":[{"type":"mount"},{"type":"uts"},{"type":"ipc"},{"type":"network"}${NAMESPACES_EXTRA:-}]$3}}
JSON
}

# container NAME CONFIG_FILE [HOSTNAME]: boots a guest, runs the container with this shell's
# stdio, writes its status to /tmp/rc, and checks that the guest powered off afterwards.
container() {
  name=$1
  boot_agent_guest /tmp/container.cpio $uds $console
  agent_ctl --uds $uds run "$2" ${3:+"$3"}
  echo $? > /tmp/rc
  wait_vmm "$name"
}

# wait_vmm NAME: the guest must power off by itself (VMM exit 0) within 30 s of the
# container's end; a guest that does not is a failure and is killed.
wait_vmm() {
  bad=0
  for _ in $(seq 120); do kill -0 $vmm 2>/dev/null || break; sleep 0.25; done
  if kill -0 $vmm 2>/dev/null; then
    echo "FAIL: $1: the guest did not power off" >&2
    kill -9 $vmm
    bad=1
  fi
  wait $vmm
  vmm_rc=$?
  [ "$vmm_rc" -eq 0 ] || { echo "FAIL: $1: VMM exited $vmm_rc" >&2; bad=1; }
  if [ $bad -eq 1 ]; then
    echo 1 > /tmp/vmm_failed
    echo "--- console and VMM log of $1:" >&2
    tr -d '\r' < $console | tail -20 >&2
    cat /tmp/vmm.log >&2
  fi
  return 0
}

# expect_status NAME WANT
expect_status() {
  rc=$(cat /tmp/rc)
  [ "$rc" -eq "$2" ] && echo "ok: $1 exit $rc" || { fail "$1: exit $rc, want $2"; cat /tmp/err 2>/dev/null; }
}
# expect_output NAME FILE WANT_TEXT (exact, after stripping \r)
expect_output() {
  got=$(tr -d '\r' < "$2")
  [ "$got" = "$3" ] && echo "ok: $1 output" || { fail "$1: output differs"; echo "--- got:"; echo "$got"; echo "--- want:"; echo "$3"; }
}
# wait_for_output FILE TEXT: until FILE has a line TEXT (a container announcing it runs).
wait_for_output() {
  for _ in $(seq 240); do tr -d '\r' < "$1" 2>/dev/null | grep -qx "$2" && return 0; sleep 0.25; done
  fail "'$2' never appeared in $1"; return 1
}

# 1. echo hello
config '["echo","hello"]' > /tmp/c.json
container echo /tmp/c.json > /tmp/out 2>/tmp/err
expect_status echo 0; expect_output echo /tmp/out "hello"

# 2. the exit status comes through; a recursive read-only bind mount of a guest directory
MOUNTS_EXTRA=',{"destination":"/mnt","type":"bind","source":"/rootfs/etc","options":["rbind","rro"]}' \
  config '["sh","-c","head -1 /mnt/passwd; touch /mnt/x 2>/dev/null || echo ro-bind; exit 3"]' > /tmp/c.json
container exit3 /tmp/c.json > /tmp/out 2>/tmp/err
expect_status exit3 3
expect_output exit3 /tmp/out "root:x:0:0:root:/root:/bin/sh
ro-bind"

# 3. SIGTERM to a running process gives 143. Without a pid namespace the process is not an
# init that ignores TERM (with one it would, as under runc).
config '["sh","-c","echo started; exec sleep 100"]' > /tmp/c.json
container sigterm /tmp/c.json > /tmp/out 2>/tmp/err &
runner=$!
wait_for_output /tmp/out started && agent_ctl --uds $uds kill init 15
wait $runner
expect_status sigterm 143

# 4. env, cwd, uid/gid, additional groups, umask and hostname are the config's; no seccomp
# here, so mkdir works (the control for check 6).
USER_IDS='"uid":1000,"gid":1001,"additionalGids":[2000],"umask":63' CWD=/tmp \
  config '["sh","-c","echo \"$GREETING\"; pwd; id -u; id -g; id -G; umask; hostname; mkdir /tmp/d && echo made"]' > /tmp/c.json
container identity /tmp/c.json guest-host > /tmp/out 2>/tmp/err
expect_status identity 0
expect_output identity /tmp/out "hi there
/tmp
1000
1001
1001 2000
0077
guest-host
made"

# 5. a read-only root refuses a write (and /tmp, a tmpfs mount, still takes one)
# masked and read-only paths too (as root, so that only the mounts can refuse)
READONLY=true config '["sh","-c","touch /tmp/ok && echo tmp-ok; wc -c < /proc/kallsyms; echo x > /proc/sys/kernel/domainname || echo ro-proc-sys; touch /newfile"]' \
  '' ',"maskedPaths":["/proc/kallsyms"],"readonlyPaths":["/proc/sys"]' > /tmp/c.json
container readonly /tmp/c.json > /tmp/out 2>/tmp/err
expect_status readonly 1
expect_output readonly /tmp/out "tmp-ok
0
ro-proc-sys"
grep -q "Read-only file system" /tmp/err && echo "ok: readonly error" || { fail "readonly: no EROFS message"; cat /tmp/err; }

# 6. seccomp answers mkdir with EPERM (errnoRet 1), everything else allowed
config '["sh","-c","mkdir /tmp/d"]' '' ',"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_PPC64LE"],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}' > /tmp/c.json
container seccomp /tmp/c.json > /tmp/out 2>/tmp/err
expect_status seccomp 1
grep -q "Operation not permitted" /tmp/err && echo "ok: seccomp EPERM" || { fail "seccomp: no EPERM"; cat /tmp/err; }

# 7. 10 MiB of stdout arrive intact (the guest prints the checksum of what it sends on stderr)
config '["sh","-c","head -c 10485760 /dev/urandom > /tmp/f; md5sum /tmp/f >&2; cat /tmp/f"]' > /tmp/c.json
container bulk /tmp/c.json > /tmp/out 2>/tmp/err
expect_status bulk 0
want=$(tr -d '\r' < /tmp/err | cut -d' ' -f1)
got=$(md5sum < /tmp/out | cut -d' ' -f1)
size=$(wc -c < /tmp/out)
[ "$size" -eq 10485760 ] && [ "$want" = "$got" ] && echo "ok: 10 MiB intact" || fail "bulk: $size bytes, md5 $got, guest sent $want"

# 8. cat echoes 1 MiB of stdin back and ends at its EOF
head -c 1048576 /dev/urandom > /tmp/in
config '["cat"]' > /tmp/c.json
container stdin /tmp/c.json < /tmp/in > /tmp/out 2>/tmp/err
expect_status stdin 0
cmp -s /tmp/in /tmp/out && echo "ok: stdin echoed" || fail "stdin: output differs from input ($(wc -c < /tmp/out) bytes)"

# 9. an exec'd ps runs beside the main process, in its pid namespace; SIGKILL then ends it
NAMESPACES_EXTRA=',{"type":"pid"}' config '["sh","-c","echo started; exec sleep 100"]' > /tmp/c.json
container exec /tmp/c.json > /tmp/out 2>/tmp/err &
runner=$!
wait_for_output /tmp/out started
cat > /tmp/p.json <<'JSON'
{"args":["ps","-o","pid,args"],"cwd":"/","env":["PATH=/bin"],"user":{"uid":0,"gid":0}}
JSON
agent_ctl --uds $uds exec ps1 /tmp/p.json > /tmp/ps.out 2>&1
exec_rc=$?
agent_ctl --uds $uds kill init 9
wait $runner
expect_status exec 137
tr -d '\r' < /tmp/ps.out | grep -Eq '^ *1 sleep 100$' && tr -d '\r' < /tmp/ps.out | grep -q 'ps -o pid,args' && [ $exec_rc -eq 0 ] \
  && echo "ok: exec ps sees the container's process as pid 1" || { fail "exec: ps (exit $exec_rc) printed:"; cat /tmp/ps.out; }

# 10. a terminal process sees a tty
TERMINAL=true config '["sh","-c","tty; [ -t 0 ] && echo stdin-is-a-tty"]' > /tmp/c.json
container tty /tmp/c.json > /tmp/out 2>/tmp/err
expect_status tty 0
expect_output tty /tmp/out "/dev/pts/0
stdin-is-a-tty"

# 11. capabilities: a non-root process keeps what the ambient set carries across exec,
# within the bounding set
USER_IDS='"uid":1000,"gid":1000' config '["sh","-c","grep -E \"CapEff|CapBnd\" /proc/self/status"]' \
  ',"capabilities":{"bounding":["CAP_CHOWN","CAP_DAC_OVERRIDE"],"effective":["CAP_CHOWN"],"permitted":["CAP_CHOWN"],"inheritable":["CAP_CHOWN"],"ambient":["CAP_CHOWN"]}' > /tmp/c.json
container caps /tmp/c.json > /tmp/out 2>/tmp/err
expect_status caps 0
expect_output caps /tmp/out "CapEff:	0000000000000001
CapBnd:	0000000000000003"

# 12. a missing executable: runc's message and 127, and the guest still powers off
# The container was never created: the host powers the guest off.
config '["nope"]' > /tmp/c.json
boot_agent_guest /tmp/container.cpio $uds $console
agent_ctl --uds $uds run /tmp/c.json > /tmp/out 2>/tmp/err
echo $? > /tmp/rc
agent_ctl --uds $uds shutdown
wait_vmm missing
expect_status missing 127
grep -q 'exec: "nope": executable file not found in \$PATH' /tmp/err && echo "ok: missing executable message" || { fail "missing: message"; cat /tmp/err; }

# 13. the root filesystem on a read-only virtio-blk disk with a writable overlay
mkdir -p /tmp/empty-rootfs
ppc-kvm-rootfs --agent /opt/ppc-kvm-shim/bin/ppc-kvm-agent --rootfs /tmp/empty-rootfs -o /tmp/agent-only.cpio
config '["sh","-c","cat /marker; echo written > /newfile && cat /newfile"]' > /tmp/c.json
GUEST_CMDLINE=PPC_KVM_ROOTFS_DISK=/dev/vda boot_agent_guest /tmp/agent-only.cpio $uds $console --drive $SHARE/container-disk.ext4,ro
agent_ctl --uds $uds run /tmp/c.json > /tmp/out 2>/tmp/err
echo $? > /tmp/rc
wait_vmm disk
expect_status disk 0
expect_output disk /tmp/out "root filesystem from a virtio-blk disk
written"

[ -f /tmp/vmm_failed ] && status=1
exit $status
