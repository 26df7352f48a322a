# Runs in L1: the guest agent runs OCI processes. Each check boots a guest whose initramfs
# holds the agent and a busybox root filesystem, sends a config.json with agent_ctl and
# checks output and exit status; the guest must power off (VMM exit 0) after each. The last
# runs a pod: two containers in one guest.
. /rig/case_lib.sh
uds=/tmp/agent.sock
console=/tmp/console.log

make_container_initramfs /tmp/container.cpio || { fail "building the initramfs"; finish; }

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
# stdin, its stdout in /tmp/out and stderr in /tmp/err, writes its status to /tmp/rc, and
# checks that the guest powered off afterwards.
container() {
  : > /tmp/out
  boot_agent_guest /tmp/container.cpio $uds $console
  agent_ctl --uds $uds run "$2" ${3:+"$3"} > /tmp/out 2>/tmp/err
  echo $? > /tmp/rc
  wait_vmm "$1"
}

# wait_vmm NAME: a check: the guest powers off by itself (VMM exit 0) within 30 s of the
# container's end; a guest that does not is killed. (Also from a background job: the checks
# count there too.)
wait_vmm() {
  local vmm_rc
  for _ in $(seq 120); do kill -0 $vmm 2>/dev/null || break; sleep 0.25; done
  if kill -0 $vmm 2>/dev/null; then
    fail "$1: the guest did not power off"
    kill -9 $vmm
  fi
  wait $vmm
  vmm_rc=$?
  if [ "$vmm_rc" -eq 0 ]; then ok "$1: the guest powered off, VMM exit 0"; return 0; fi
  fail "$1: VMM exited $vmm_rc"
  echo "--- console and VMM log of $1:"
  tr -d '\r' < $console | tail -20
  cat /tmp/vmm.log
}

# expect_status NAME WANT
expect_status() {
  rc=$(cat /tmp/rc)
  if [ "$rc" -eq "$2" ]; then ok "$1 exit $rc"; else fail "$1: exit $rc, want $2"; cat /tmp/err 2>/dev/null; fi
}
# expect_output NAME FILE WANT_TEXT (exact, after stripping \r)
expect_output() {
  got=$(tr -d '\r' < "$2")
  if [ "$got" = "$3" ]; then ok "$1 output"; else fail "$1: output differs"; echo "--- got:"; echo "$got"; echo "--- want:"; echo "$3"; fi
}

# 1. echo hello
config '["echo","hello"]' > /tmp/c.json
container echo /tmp/c.json
expect_status echo 0; expect_output echo /tmp/out "hello"

# 2. the exit status comes through; a recursive read-only bind mount of a guest directory
MOUNTS_EXTRA=',{"destination":"/mnt","type":"bind","source":"/rootfs/etc","options":["rbind","rro"]}' \
  config '["sh","-c","head -1 /mnt/passwd; touch /mnt/x 2>/dev/null || echo ro-bind; exit 3"]' > /tmp/c.json
container exit3 /tmp/c.json
expect_status exit3 3
expect_output exit3 /tmp/out "root:x:0:0:root:/root:/bin/sh
ro-bind"

# 3. SIGTERM to a running process gives 143. Without a pid namespace the process is not an
# init that ignores TERM (with one it would, as under runc).
config '["sh","-c","echo started; exec sleep 100"]' > /tmp/c.json
container sigterm /tmp/c.json &
runner=$!
expect_line_soon /tmp/out "^started$" 60 && agent_ctl --uds $uds kill init 15
wait $runner
expect_status sigterm 143

# 4. env, cwd, uid/gid, additional groups, umask and hostname are the config's; no seccomp
# here, so mkdir works (the control for check 6).
USER_IDS='"uid":1000,"gid":1001,"additionalGids":[2000],"umask":63' CWD=/tmp \
  config '["sh","-c","echo \"$GREETING\"; pwd; id -u; id -g; id -G; umask; hostname; echo home=$HOME; mkdir /tmp/d && echo made"]' > /tmp/c.json
container identity /tmp/c.json guest-host
expect_status identity 0
expect_output identity /tmp/out "hi there
/tmp
1000
1001
1001 2000
0077
guest-host
home=/
made"

# 5. a read-only root refuses a write (and /tmp, a tmpfs mount, still takes one)
# masked and read-only paths too (as root, so that only the mounts can refuse), as crun makes
# them: a masked file is /dev/null read-only (a device still takes writes there), a read-only
# path keeps its mount's other flags (/proc has none, the guest's /dev is nosuid). Also as crun: no process.capabilities gives none, and HOME (not in env)
# comes from the root's /etc/passwd entry.
READONLY=true config '["sh","-c","touch /tmp/ok && echo tmp-ok; wc -c < /proc/kallsyms; echo x > /proc/sys/kernel/domainname || echo ro-proc-sys; awk \"\\$5 == \\\"/proc/kallsyms\\\" || \\$5 == \\\"/proc/sys\\\" {print \\$5, \\$6}\" /proc/self/mountinfo; echo home=$HOME; grep CapEff /proc/self/status; touch /newfile"]' \
  '' ',"maskedPaths":["/proc/kallsyms"],"readonlyPaths":["/proc/sys"]' > /tmp/c.json
container readonly /tmp/c.json
expect_status readonly 1
expect_output readonly /tmp/out "tmp-ok
0
ro-proc-sys
/proc/kallsyms ro,nosuid,relatime
/proc/sys ro,relatime
home=/root
CapEff:	0000000000000000"
if grep -q "Read-only file system" /tmp/err; then ok "readonly error"; else fail "readonly: no EROFS message"; cat /tmp/err; fi

# 6. seccomp answers mkdir with EPERM (errnoRet 1), everything else allowed
config '["sh","-c","mkdir /tmp/d"]' '' ',"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_PPC64LE"],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}' > /tmp/c.json
container seccomp /tmp/c.json
expect_status seccomp 1
if grep -q "Operation not permitted" /tmp/err; then ok "seccomp EPERM"; else fail "seccomp: no EPERM"; cat /tmp/err; fi

# 7. 10 MiB of stdout arrive intact (the guest prints the checksum of what it sends on stderr)
config '["sh","-c","head -c 10485760 /dev/urandom > /tmp/f; md5sum /tmp/f >&2; cat /tmp/f"]' > /tmp/c.json
container bulk /tmp/c.json
expect_status bulk 0
want=$(tr -d '\r' < /tmp/err | cut -d' ' -f1)
got=$(md5sum < /tmp/out | cut -d' ' -f1)
size=$(wc -c < /tmp/out)
if [ "$size" -eq 10485760 ] && [ "$want" = "$got" ]; then ok "10 MiB intact"; else fail "bulk: $size bytes, md5 $got, guest sent $want"; fi

# 8. cat echoes 1 MiB of stdin back and ends at its EOF
head -c 1048576 /dev/urandom > /tmp/in
config '["cat"]' > /tmp/c.json
container stdin /tmp/c.json < /tmp/in
expect_status stdin 0
if cmp -s /tmp/in /tmp/out; then ok "stdin echoed"; else fail "stdin: output differs from input ($(wc -c < /tmp/out) bytes)"; fi

# 9. an exec'd ps runs beside the main process, in its pid namespace; SIGKILL then ends it
NAMESPACES_EXTRA=',{"type":"pid"}' config '["sh","-c","echo started; exec sleep 100"]' > /tmp/c.json
container exec /tmp/c.json &
runner=$!
expect_line_soon /tmp/out "^started$" 60
cat > /tmp/p.json <<'JSON'
{"args":["ps","-o","pid,args"],"cwd":"/","env":["PATH=/bin"],"user":{"uid":0,"gid":0}}
JSON
agent_ctl --uds $uds exec ps1 /tmp/p.json > /tmp/ps.out 2>&1
exec_rc=$?
agent_ctl --uds $uds kill init 9
wait $runner
expect_status exec 137
if tr -d '\r' < /tmp/ps.out | grep -Eq '^ *1 sleep 100$' && tr -d '\r' < /tmp/ps.out | grep -q 'ps -o pid,args' && [ $exec_rc -eq 0 ]; then
  ok "exec ps sees the container's process as pid 1"
else
  fail "exec: ps (exit $exec_rc) printed:"; cat /tmp/ps.out
fi

# 10. a terminal process sees a tty
TERMINAL=true config '["sh","-c","tty; [ -t 0 ] && echo stdin-is-a-tty"]' > /tmp/c.json
container tty /tmp/c.json
expect_status tty 0
expect_output tty /tmp/out "/dev/pts/0
stdin-is-a-tty"

# 11. capabilities: a non-root process keeps what the ambient set carries across exec,
# within the bounding set
USER_IDS='"uid":1000,"gid":1000' config '["sh","-c","grep -E \"CapEff|CapBnd\" /proc/self/status"]' \
  ',"capabilities":{"bounding":["CAP_CHOWN","CAP_DAC_OVERRIDE"],"effective":["CAP_CHOWN"],"permitted":["CAP_CHOWN"],"inheritable":["CAP_CHOWN"],"ambient":["CAP_CHOWN"]}' > /tmp/c.json
container caps /tmp/c.json
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
if grep -q 'exec: "nope": executable file not found in \$PATH' /tmp/err; then ok "missing executable message"; else fail "missing: message"; cat /tmp/err; fi

# no_sync_at_power_off NAME: the guest's power-off did not sync() (it logs only a sync, with why).
no_sync_at_power_off() {
  if tr -d '\r' < $console | grep -q "ppc-kvm-agent: power-off:"; then
    fail "$1: the power-off synced: $(tr -d '\r' < $console | grep "ppc-kvm-agent: power-off:")"
  else ok "$1: the power-off did not sync"; fi
}

# 13. the root file system from the VM's share (virtio-fs): an initramfs with only the agent,
# the root under <share>/test/root on L1, the container's write seen there afterwards. Its
# last write goes through a shared mapping, by a process left running when the container's
# first process ends (mmap_write, no pid namespace): dirty pages in the guest when the guest
# ends. The power-off kills that process, whose exit writes them back, and waits for the
# answers without a sync(), whose FUSE SYNCFS would make virtiofsd flush L1's file systems
# (its FUSE connections must be the share's alone, and its mounts the share or in memory).
mkdir -p /tmp/empty-rootfs /tmp/share/test
ppc-kvm-rootfs --agent /opt/ppc-kvm-shim/bin/ppc-kvm-agent --rootfs /tmp/empty-rootfs -o /tmp/agent-only.cpio
make_busybox_root /tmp/share/test/root
cp /opt/ppc-kvm-shim/bin/mmap_write /tmp/share/test/root/bin/
echo "root file system from the share" > /tmp/share/test/root/marker
mount --bind /tmp/share /tmp/share && mount --make-shared /tmp/share
config '["sh","-c","cat /marker; echo written > /newfile && cat /newfile; mmap_write /mapped \"through a mapping\" > /tmp/w & n=0; until [ -s /tmp/w ] || [ $n -ge 600 ]; do sleep 0.1; n=$((n + 1)); done"]' |
  sed 's|"path": *"[^"]*"|"path": "/share/test/root"|' > /tmp/c.json
boot_agent_guest /tmp/agent-only.cpio $uds $console --fs-share /tmp/share
agent_ctl --uds $uds run /tmp/c.json "" ppc-kvm-share > /tmp/out 2>/tmp/err
echo $? > /tmp/rc
wait_vmm share
expect_status share 0
expect_output share /tmp/out "root file system from the share
written"
[ "$(cat /tmp/share/test/root/newfile 2>&1)" = written ] && ok "share: L1 sees the container's write" ||
  fail "share: /tmp/share/test/root/newfile: $(cat /tmp/share/test/root/newfile 2>&1)"
[ "$(cat /tmp/share/test/root/mapped 2>&1)" = "through a mapping" ] && ok "share: L1 sees the write through a mapping" ||
  fail "share: /tmp/share/test/root/mapped: '$(cat /tmp/share/test/root/mapped 2>&1)'"
no_sync_at_power_off share

# 14. a pod: a second container in the guest, its root from the share, joining the first
# one's network, UTS and pid namespaces where its config names them by path. It reaches the
# first one's server on 127.0.0.1 and sees its processes; its end does not end the guest;
# it is removed once the connection that created it closed, and its id used again; it can be
# frozen and thawed alone (pause of one container); the first container's end powers the
# guest off.
make_busybox_root /tmp/share/member/root
echo "the member's own root" > /tmp/share/member/root/marker
mkdir -p /tmp/share/test/root/www && echo "served by the sandbox" > /tmp/share/test/root/www/index.html
NAMESPACES_EXTRA=',{"type":"pid"}' config '["sh","-c","httpd -f -p 127.0.0.1:8080 -h /www & until wget -q -O /dev/null http://127.0.0.1:8080/; do sleep 0.1; done; echo sandbox-up; wait"]' |
  sed 's|"path": *"[^"]*"|"path": "/share/test/root"|' > /tmp/sandbox.json
# The pod's namespaces as an engine names them: host paths, meaningless in the guest.
member_config() {
  NAMESPACES_EXTRA=',{"type":"pid","path":"/proc/1/ns/pid"}' config "$1" |
    sed -e 's|"path": *"rootfs"|"path": "/share/member/root"|' \
        -e 's|{"type":"uts"},{"type":"ipc"},{"type":"network"}|{"type":"uts","path":"/proc/1/ns/uts"},{"type":"ipc"},{"type":"network","path":"/proc/1/ns/net"}|'
}
member_config '["sh","-c","cat /marker; wget -q -O - http://127.0.0.1:8080/index.html; hostname; ps -o args | grep -c ^httpd; exit 7"]' > /tmp/member.json
boot_agent_guest /tmp/agent-only.cpio $uds $console --fs-share /tmp/share
agent_ctl --uds $uds run /tmp/sandbox.json pod-host ppc-kvm-share > /tmp/sandbox.out 2>&1 < /dev/null &
sandbox=$!
expect_line_soon /tmp/sandbox.out "^sandbox-up$" 120
agent_ctl --uds $uds --container member run /tmp/member.json member-host ppc-kvm-share test > /tmp/out 2>/tmp/err < /dev/null
echo $? > /tmp/rc
expect_status pod-member 7
expect_output pod-member /tmp/out "the member's own root
served by the sandbox
pod-host
1"
sleep 2
kill -0 $vmm 2>/dev/null && ok "pod: the guest runs on after the member's end" || fail "pod: the guest ended with the member"
# agent_ctl_fails NAME WANT_MESSAGE ARGS...: the agent refuses the request with this message.
agent_ctl_fails() {
  local name=$1 want=$2
  shift 2
  if agent_ctl --uds $uds "$@" > /tmp/refused 2>&1 < /dev/null; then fail "$name: accepted"
  elif grep -qF "$want" /tmp/refused; then ok "$name: refused"
  else fail "$name: $(cat /tmp/refused)"; fi
}
agent_ctl_fails pod-second-sandbox 'this guest already runs container "test"' --container other create /tmp/member.json "" ppc-kvm-share
agent_ctl_fails pod-no-share 'must come through the shared file system' --container other create /tmp/member.json "" "" test
agent_ctl_fails pod-unknown-sandbox 'sandbox container "nope" is not' --container other create /tmp/member.json "" ppc-kvm-share nope
agent_ctl_fails pod-remove-sandbox "is this guest's first container" remove
# The connection that created the member closed after its end: the agent removed it.
for _ in $(seq 40); do
  agent_ctl --uds $uds --container member wait init > /tmp/refused 2>&1 < /dev/null
  grep -qF 'no container "member"' /tmp/refused && break
  sleep 0.25
done
grep -qF 'no container "member"' /tmp/refused && ok "pod: the member is removed once its connection closed" ||
  fail "pod: the member is still there: $(cat /tmp/refused)"
member_config '["sh","-c","echo again; while :; do echo tick; sleep 0.2; done"]' > /tmp/member.json
agent_ctl --uds $uds --container member run /tmp/member.json "" ppc-kvm-share test > /tmp/member.out 2>&1 < /dev/null &
member=$!
expect_line_soon /tmp/member.out "^again$" 60
agent_ctl_fails pod-same-id 'container "member" exists already' --container member create /tmp/member.json "" ppc-kvm-share test
agent_ctl_fails pod-remove-running 'container "member" is running' --container member remove
# One container of the pod frozen (pause): its processes stop, an exec into it is refused,
# the sandbox runs on and takes an exec; thawed, it goes on.
ticks() { grep -c '^tick$' /tmp/member.out; }
if agent_ctl --uds $uds --container member freeze < /dev/null; then
  before=$(ticks); sleep 2; after=$(ticks)
  [ "$before" = "$after" ] && ok "pod-freeze: the member's processes stopped ($before ticks)" ||
    fail "pod-freeze: the member ticked on, $before then $after"
  cat > /tmp/p.json <<'JSON'
{"args":["echo","the sandbox runs"],"cwd":"/","env":["PATH=/bin"],"user":{"uid":0,"gid":0}}
JSON
  agent_ctl --uds $uds exec sb-while-frozen /tmp/p.json > /tmp/exec.out 2>&1 < /dev/null
  [ $? = 0 ] && [ "$(cat /tmp/exec.out)" = "the sandbox runs" ] && ok "pod-freeze: the sandbox takes an exec" ||
    fail "pod-freeze: exec into the sandbox: $(cat /tmp/exec.out)"
  agent_ctl_fails pod-freeze-exec 'the container is paused' --container member exec e1 /tmp/p.json
  agent_ctl_fails pod-freeze-twice 'the container is paused already' --container member freeze
  agent_ctl --uds $uds --container member thaw < /dev/null || fail "pod-freeze: thaw"
  before=$(ticks); sleep 2; after=$(ticks)
  [ "$after" -gt "$before" ] && ok "pod-freeze: thawed, the member ticks on ($before, then $after)" ||
    fail "pod-freeze: thawed, the member's ticks stay at $after"
  agent_ctl_fails pod-thaw-twice 'the container is not paused' --container member thaw
else
  fail "pod-freeze: the agent refused to freeze the member"
fi
agent_ctl_fails pod-freeze-unknown 'no container "nope"' --container nope freeze
# The sandbox's end ends the pod: the running member goes with the guest.
agent_ctl --uds $uds kill init 9
wait $sandbox
echo $? > /tmp/rc
expect_status pod-sandbox 137
wait_vmm pod
no_sync_at_power_off pod
wait $member
[ $? -ne 0 ] && ok "pod: the member ended with the guest" || fail "pod: the member's run exited 0"
umount /tmp/share

finish
