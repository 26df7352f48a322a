#!/bin/sh
# ppc-kvm-shim against bad input, and through create/kill/delete with a stand-in VMM (a
# shell script that follows the ready-fd contract): no KVM needed, so this also runs under
# qemu-user. Each failure must print a clear message, exit with the right status and leave
# --root clean; the stand-in VMM must be gone after a failed create.
#   bad_input_test.sh [EMULATOR...] SHIM
tmp=$(mktemp -d)
trap 'for p in $(cat "$tmp/vmm-pids" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
root=$tmp/root
# With --log, errors go to the log file in the log format and, plainly, to stderr: check()
# compares the plain message. The log formats themselves are checked further down.
shim="$* --root $root --log $tmp/shim.log"
shim_stderr_log="$* --root $root"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# A bundle with a root filesystem, and the host settings pointing at the stand-in VMM.
mkdir -p "$tmp/b/rootfs/bin" "$tmp/conf"
echo "not a real agent" > "$tmp/agent"
echo "busybox" > "$tmp/b/rootfs/bin/sh"
echo "127.0.0.1 localhost" > "$tmp/hosts"
echo "in a directory" > "$tmp/conf/file"
cat > "$tmp/fake-vmm" <<'VMM'
#!/bin/sh
# The stand-in VMM: records its arguments and request, then acts as $FAKE_VMM says.
dir=$(dirname "$0")
echo "$@" > "$dir/vmm-args"
echo $$ >> "$dir/vmm-pids"
readlink /proc/$$/ns/net > "$dir/vmm-netns"
while [ $# -gt 0 ]; do
  case "$1" in
    --container-request) cp "$2" "$dir/vmm-request.json" ;;
    --console) console=$2 ;;
  esac
  shift
done
case "$FAKE_VMM" in
  error) echo 'error 127 exec: "nope": executable file not found in $PATH' >&3; exec sleep 100 ;;
  die) printf 'booting\r\nguest says goodbye\r\n' > "$console"; exit 3 ;;
  *) echo ok >&3; exec 3>&-; exec sleep 100 ;;
esac
VMM
chmod +x "$tmp/fake-vmm"
# /bin/true stands in for virtiofsd: the stand-in VMM never runs it.
echo "{\"vmm\":\"$tmp/fake-vmm\",\"kernel\":\"/fake/vmlinux\",\"boot_timeout_seconds\":60,\"virtiofsd\":\"/bin/true\",\"allowed_annotations\":[\"io.ppc-kvm.vcpus\"]}" > "$tmp/shim.json"
export PPC_KVM_SHIM_CONFIG=$tmp/shim.json PPC_KVM_SHIM_AGENT=$tmp/agent

# config [PROCESS_EXTRA] [TOP_EXTRA] [LINUX_EXTRA] > config.json; linux.namespaces is $NAMESPACES
# (a network namespace without a path, the shim's own, unless set).
config() {
  ns=${NAMESPACES-'{"type":"network"}'}
  echo "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"$1}$2,
    \"linux\":{\"namespaces\":[$ns]$3}}"
}
root_clean() {  # no container directory may be left behind (the agent's cached initramfs stays), no mount
  left=$(ls -A "$root" 2>/dev/null | grep -v '^agent-initramfs')
  [ -z "$left" ] || { fail "$1: --root not clean: $left"; rm -rf "${root:?}"/*; }
  ! grep -q " $root/" /proc/self/mountinfo || fail "$1: mounts left below --root: $(grep " $root/" /proc/self/mountinfo)"
}
# A process that exists and is not a zombie (an orphaned VMM waits for a reaper that may
# never come in a test machine).
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ]; }
vmm_gone() {  # the stand-in execs sleep: its pid is in vmm-pids
  for p in $(cat "$tmp/vmm-pids" 2>/dev/null); do
    alive "$p" && { fail "$1: the stand-in VMM $p was left running"; kill -9 "$p"; }
  done
  : > "$tmp/vmm-pids"
}
# check NAME WANT_STATUS WANT_SUBSTRING COMMAND...: the status, and the message on stderr.
check() {
  name=$1 want_rc=$2 want=$3; shift 3
  err=$("$@" 2>&1 >/dev/null); rc=$?
  case "$err" in
    *"$want"*) if [ "$rc" -eq "$want_rc" ]; then echo "ok: $name: exit $rc: $err"; return 0; fi ;;
  esac
  fail "$name: exit $rc (want $want_rc), message '$err' (want '$want')"
  return 1
}

# --- bad input: nothing may be created ---
check "missing bundle" 1 "bundle $tmp/nope: No such file or directory" $shim create --bundle "$tmp/nope" c1
root_clean "missing bundle"
: > "$tmp/b/config.json"
check "empty config.json" 1 "$tmp/b/config.json: invalid JSON" $shim create --bundle "$tmp/b" c1
config ',"user":{"uid":"zero"}' > "$tmp/b/config.json"
check "invalid field" 1 "$tmp/b/config.json: process.user.uid: expected an unsigned 32-bit integer" $shim create --bundle "$tmp/b" c1
config '' ',"mounts":[{"destination":"relative","type":"tmpfs"}]' > "$tmp/b/config.json"
check "relative mount" 1 "mounts[0].destination: must be an absolute path" $shim create --bundle "$tmp/b" c1
config '' ',"mounts":[{"destination":"/etc/x","type":"bind","source":"/nonexistent/x","options":["rbind"]}]' > "$tmp/b/config.json"
check "missing bind source" 1 "mounts[0] (/etc/x): source /nonexistent/x: No such file or directory" $shim create --bundle "$tmp/b" c1
config '' ',"annotations":{"io.ppc-kvm.vcpus":"99"}' > "$tmp/b/config.json"
check "bad annotation" 1 "annotations[\"io.ppc-kvm.vcpus\"]: 99 is not between 1 and 16" $shim create --bundle "$tmp/b" c1
config '' ',"annotations":{"io.ppc-kvm.vcpus":"4"}' ',"resources":{"cpu":{"cpus":"0-1"}}' > "$tmp/b/config.json"
check "annotation beyond the CPU limit" 1 "annotations[\"io.ppc-kvm.vcpus\"]: 4 is more than the container's CPU limit allows (2)" $shim create --bundle "$tmp/b" c1
config ',"terminal":true' > "$tmp/b/config.json"
check "terminal without console socket" 1 "--console-socket is needed" $shim create --bundle "$tmp/b" c1
config > "$tmp/b/config.json"
check "console socket without terminal" 1 "process.terminal is false" $shim create --bundle "$tmp/b" --console-socket "$tmp/cs" c1
check "preserve-fds" 1 "cannot be passed into the container's VM" $shim create --bundle "$tmp/b" --preserve-fds 2 c1
check "id with a slash" 1 "invalid container ID format" $shim create --bundle "$tmp/b" a/b
check "id .." 1 "invalid container ID format" $shim create --bundle "$tmp/b" ..
check "unknown flag" 1 "flag provided but not defined: -bogus" $shim create --bogus --bundle "$tmp/b" c1
check "no id" 1 "\"create\" requires exactly 1 argument(s)" $shim create --bundle "$tmp/b"
root_clean "bad input"
for cmd in start state kill delete pause resume exec ps; do
  extra=""; [ $cmd = exec ] && extra="true"
  check "$cmd of an unknown id" 1 "container does not exist" $shim $cmd nosuch $extra
done
check "delete --force of an unknown id" 0 "" $shim delete --force nosuch
check "unknown signal" 1 "unknown signal \"SIGBOGUS\"" $shim kill nosuch SIGBOGUS
# Every command checks the id before it touches anything: none may leave --root.
mkdir -p "$tmp/outside" && echo "{}" > "$tmp/outside/state.json" && echo "{}" > "$tmp/r.json"
for cmd in "kill ../outside KILL" "state ../outside" "start ../outside" "pause ../outside" "resume ../outside" \
           "ps ../outside" "exec ../outside true" "delete --force ../outside" "update --resources $tmp/r.json ../outside"; do
  check "$cmd" 1 "invalid container ID format" $shim $cmd
done
[ -f "$tmp/outside/state.json" ] && echo "ok: nothing outside --root was touched" || fail "../outside was touched"
check "unknown command" 1 "No help topic for 'frobnicate'" $shim frobnicate
config > "$tmp/b/config.json"
echo "{\"vmm\":\"$tmp/fake-vmm\",\"virtiofsd\":\"/nonexistent/virtiofsd\"}" > "$tmp/no-virtiofsd.json"
check "no virtiofsd" 1 "virtiofsd /nonexistent/virtiofsd: No such file or directory" \
  env PPC_KVM_SHIM_CONFIG="$tmp/no-virtiofsd.json" $shim create --bundle "$tmp/b" c1
root_clean "no virtiofsd"

# --- networks a VM cannot have: refused before anything is made, naming the field ---
NAMESPACES='{"type":"mount"}' config > "$tmp/b/config.json"
check "host network" 1 "config.json: linux.namespaces: no network namespace, so the container would share the host's network" \
  $shim create --bundle "$tmp/b" c1
NAMESPACES='{"type":"user"},{"type":"network"}' config > "$tmp/b/config.json"
check "user namespace, network without a path" 1 \
  "config.json: linux.namespaces[1]: a network namespace without a path beside a user namespace" $shim create --bundle "$tmp/b" c1
NAMESPACES="{\"type\":\"network\",\"path\":\"/proc/$$/ns/net\"}" config > "$tmp/b/config.json"
check "the host's network namespace by path" 1 \
  "linux.namespaces: network namespace /proc/$$/ns/net is the host's own (the host's network)" $shim create --bundle "$tmp/b" c1
NAMESPACES='{"type":"network","path":"/nonexistent/netns"}' config > "$tmp/b/config.json"
check "a network namespace path that is none" 1 "linux.namespaces: network namespace /nonexistent/netns: no such file" \
  $shim create --bundle "$tmp/b" c1
root_clean "refused networks"
vmm_gone "refused networks"

# --- the log formats: the same message in runc's text and JSON lines ---
err=$($shim_stderr_log --log-format json state nosuch 2>&1)
case "$err" in '{"level":"error","msg":"container does not exist","time":"'*'"}') echo "ok: json error line: $err" ;;
  *) fail "json error line: $err" ;; esac
err=$($shim_stderr_log state nosuch 2>&1)
case "$err" in 'time="'*'" level=error msg="container does not exist"') echo "ok: text error line: $err" ;;
  *) fail "text error line: $err" ;; esac
err=$($shim_stderr_log --log "$tmp/log.json" --log-format json kill nosuch 2>&1)
[ "$err" = "container does not exist" ] && grep -q '"msg":"container does not exist"' "$tmp/log.json" \
  && echo "ok: --log gets the JSON line, stderr the message" || fail "--log: stderr '$err', log '$(cat "$tmp/log.json")'"

# --- create with the stand-in VMM: what it is given, state, pid file, duplicate id ---
config '' ",\"mounts\":[{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"$tmp/hosts\",\"options\":[\"rbind\",\"ro\"]},
  {\"destination\":\"/etc/conf\",\"type\":\"bind\",\"source\":\"$tmp/conf\",\"options\":[\"rbind\"]}],
  \"annotations\":{\"a\":\"b\"}" \
  ",\"resources\":{\"memory\":{\"limit\":268435456},\"cpu\":{\"quota\":200000,\"period\":100000}}" > "$tmp/b/config.json"
if $shim create --bundle "$tmp/b" --pid-file "$tmp/pid" c1; then
  pid=$(cat "$tmp/pid")
  state=$($shim state c1)
  echo "$state" | grep -q '"status": "created"' && echo "$state" | grep -q "\"pid\": $pid" && alive "$pid" \
    && echo "ok: created, pid $pid alive" || fail "state after create: $state (pid file $pid)"
  echo "$state" | grep -q "\"bundle\": \"$tmp/b\"" && echo "$state" | grep -q '"a": "b"' \
    && echo "ok: bundle and annotations" || fail "state lacks bundle or annotations: $state"
  grep -q -- "--memory 336M --vcpus 2 " "$tmp/vmm-args" && grep -q -- "--ready-fd 3" "$tmp/vmm-args" \
    && grep -q -- "--container-request $root/c1/create.json" "$tmp/vmm-args" \
    && echo "ok: VMM arguments" || fail "VMM arguments: $(cat "$tmp/vmm-args")"
  grep -q '"source":"/share/c1/m0"' "$tmp/vmm-request.json" && grep -q '"source":"/share/c1/m1"' "$tmp/vmm-request.json" \
    && grep -q '"path":"/share/c1/root"' "$tmp/vmm-request.json" && grep -q '"container_id":"c1"' "$tmp/vmm-request.json" \
    && grep -q '"shared_fs_tag":"ppc-kvm-share"' "$tmp/vmm-request.json" \
    && echo "ok: root and bind sources are guest paths in the share" || fail "request: $(cat "$tmp/vmm-request.json")"
  ! grep -q '"annotations"' "$tmp/vmm-request.json" && echo "ok: the guest gets no annotations" \
    || fail "annotations reached the guest: $(cat "$tmp/vmm-request.json")"
  grep -q -- "--fs-share $root/c1/share --fs-tag ppc-kvm-share --virtiofsd /bin/true" "$tmp/vmm-args" \
    && echo "ok: the VMM serves the share" || fail "VMM share arguments: $(cat "$tmp/vmm-args")"
  # A network entry without a path: the shim's own namespace, the VMM in it, one tap for a NIC
  # whose interface may come at start (a placeholder MAC, no MTU).
  grep -q -- "--net tap=tap0_kvm,mac=02:[0-9a-f:]* --vsock-uds" "$tmp/vmm-args" \
    && echo "ok: the VMM gets the tap" || fail "VMM network arguments: $(cat "$tmp/vmm-args")"
  [ "$(cat "$tmp/vmm-netns")" = "net:[$(stat -L -c %i "$root/c1/netns")]" ] \
    && [ "$(cat "$tmp/vmm-netns")" != "$(readlink /proc/$$/ns/net)" ] \
    && echo "ok: the VMM runs in the container's network namespace" \
    || fail "VMM network namespace $(cat "$tmp/vmm-netns"), the container's $(stat -L -c %i "$root/c1/netns")"
  nsenter --net="$root/c1/netns" ip -o link show tap0_kvm | grep -q tap0_kvm \
    && echo "ok: tap0_kvm in the container's network namespace" || fail "no tap0_kvm in $root/c1/netns"
  # The host's files, live: what the host writes the container's share shows.
  [ "$(cat "$root/c1/share/c1/m0")" = "127.0.0.1 localhost" ] && [ "$(cat "$root/c1/share/c1/m1/file")" = "in a directory" ] \
    && [ "$(cat "$root/c1/share/c1/root/bin/sh")" = busybox ] && echo "ok: root and binds are in the share" \
    || fail "share contents: $(ls -R "$root/c1/share")"
  ( : > "$root/c1/share/c1/m0" ) 2>/dev/null && fail "the ro bind of /etc/hosts is writable on the host" \
    || echo "ok: a ro bind is read-only on the host"
  [ "$(stat -c %a "$root")" = 700 ] && [ "$(stat -c %a "$root/c1")" = 700 ] && echo "ok: state directories are 0700" \
    || fail "modes $(stat -c %a "$root") $(stat -c %a "$root/c1")"
  check "duplicate id" 1 "container with id c1 already exists" $shim create --bundle "$tmp/b" c1
  $shim list | grep -q "^c1 " && echo "ok: list shows c1" || fail "list: $($shim list)"
  $shim list --format json | grep -q '"id":"c1"' && echo "ok: list --format json" || fail "list json: $($shim list --format json)"
  # The stand-in cannot answer the agent protocol: SIGKILL then ends the VM itself.
  $shim kill c1 KILL || fail "kill KILL"
  for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  $shim state c1 | grep -q '"status": "stopped"' && echo "ok: stopped after kill" || fail "after kill: $($shim state c1)"
  check "kill of a stopped container" 1 "container not running" $shim kill c1
  check "start of a stopped container" 1 "cannot start a container that has stopped" $shim start c1
  $shim delete c1 && [ ! -e "$root/c1" ] && echo "ok: delete" || fail "delete left $(ls -A "$root")"
else
  fail "create with the stand-in VMM failed"
fi
root_clean "lifecycle"

# delete --force of a live (created) container kills its VMM
config > "$tmp/b/config.json"
if $shim create --bundle "$tmp/b" --pid-file "$tmp/pid" c2; then
  pid=$(cat "$tmp/pid")
  $shim delete --force c2 && ! alive "$pid" && echo "ok: delete --force killed the VMM" \
    || fail "delete --force: pid $pid still there or error"
else
  fail "create c2"
fi
root_clean "delete --force"

# --- create failures reported by (or instead of) the VMM ---
check "agent refuses the process" 127 'exec: "nope": executable file not found in $PATH' \
  env FAKE_VMM=error $shim create --bundle "$tmp/b" c3
root_clean "agent error"
vmm_gone "agent error"
check "VMM dies before reporting" 1 "the VMM exited before the container was created (exit status 3)
guest console (last lines):
booting
guest says goodbye" env FAKE_VMM=die $shim create --bundle "$tmp/b" c4
root_clean "VMM death"
config '' ",\"hooks\":{\"createRuntime\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"echo hook-broke >&2; exit 5\"]}]}" > "$tmp/b/config.json"
check "failing createRuntime hook" 1 "createRuntime hook 0 (/bin/sh): exit status 5, output: hook-broke" \
  $shim create --bundle "$tmp/b" c5
root_clean "hook failure"
vmm_gone "hook failure"

exit $failed
