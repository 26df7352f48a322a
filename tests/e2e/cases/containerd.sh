# shellcheck shell=bash
# containerd drives ppc-kvm-shim through its runc v2 shim (containerd-shim-runc-v2 runs our
# binary in runc's place), in the e2e L1 host. As in podman.sh every check runs with crun
# first (the differential), then with ppc-kvm-shim; only the isolation checks expect
# different answers.
#
# Runtime selection: `ctr run --runc-binary B` gives the runc v2 shim the same options
# (BinaryName = B) as the handler `ppc-kvm` in /etc/containerd/config.toml gives it for CRI.
# containerd 1.6's `ctr run --runtime` takes shim names only (io.containerd.runc.v2), never a
# CRI handler. Kubernetes' path is checked through CRI itself (cri_checks): a pod driven as
# kubelet drives it, by /e2e/cri/cri.py (Debian 12 has no crictl), with the handlers `crun`
# and `ppc-kvm`.
. /e2e/case_lib.sh

echo "L1: kernel $L1_KERNEL; $(ctr --version)"
expect_host_check
shim=$(command -v ppc-kvm-shim)

if containerd config dump 2>/dev/null | tr -d ' ' |
   grep -A3 -F '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ppc-kvm.options]' |
   grep -qF "BinaryName=\"$shim\""; then
  ok "containerd loaded the runtime handler ppc-kvm (BinaryName $shim)"
else
  fail "containerd's configuration has no handler ppc-kvm naming ppc-kvm-shim"
fi

# wait_task ID STATUS: waits (up to 60 s) until the task has that status (RUNNING, STOPPED).
wait_task() {
  local n=240
  while [ $n -gt 0 ]; do
    ctr task ls | awk -v id="$1" '$1 == id { print $3 }' | grep -qx "$2" && return 0
    sleep 0.25; n=$((n - 1))
  done
  return 1
}
wait_running() { wait_task "$1" RUNNING; }
wait_stopped() { wait_task "$1" STOPPED; }

checks() {
  local name=$1 bin=$2 ours=$3 c=e2e-$1
  local r=(ctr run --runc-binary "$bin")
  echo "== runtime $name ($bin)"

  timed "ctr_run_echo[$name]" "${r[@]}" --rm "$IMG" "$c-echo" echo hi
  expect_run "[$name] ctr run --rm echo hi" 0 hi
  timed "ctr_run_exit7[$name]" "${r[@]}" --rm "$IMG" "$c-exit7" sh -c 'exit 7'
  expect_run "[$name] ctr run sh -c 'exit 7'" 7 ""
  timed "ctr_run_stderr[$name]" "${r[@]}" --rm "$IMG" "$c-stderr" sh -c 'echo out; echo err >&2; exit 3'
  expect_run "[$name] stdout and stderr apart" 3 out
  [ "$ERR" = err ] && ok "[$name] stderr came through" || fail "[$name] stderr '$ERR' (want 'err')"

  # A volume is L1's directory, live (ours: through the VM's share); a read-only one refuses.
  local vol=/tmp/e2e-ctr-vol-$name
  rm -rf "$vol" && mkdir -p "$vol" && echo "from L1" > "$vol/host-file"
  timed "ctr_run_volume[$name]" "${r[@]}" --rm --mount "type=bind,src=$vol,dst=/v,options=rbind:rw" "$IMG" "$c-vol" \
    sh -c 'cat /v/host-file && echo from-the-container > /v/written && sync /v/written'
  expect_run "[$name] a volume: the host's file read" 0 "from L1"
  [ "$(cat "$vol/written" 2>&1)" = from-the-container ] && ok "[$name] L1 reads what the container wrote" ||
    fail "[$name] the container's write on L1: $(cat "$vol/written" 2>&1)"
  timed "ctr_run_volume_ro[$name]" "${r[@]}" --rm --mount "type=bind,src=$vol,dst=/v,options=rbind:ro" "$IMG" "$c-ro" \
    sh -c 'touch /v/x 2>/dev/null && echo writable || echo read-only'
  expect_run "[$name] a read-only volume refuses writes" 0 read-only

  # A long-running task: exec, ps, kill (SIGTERM, which the container's handler answers).
  # `ctr run` stays in the background and exits with the task's status.
  "${r[@]}" --rm "$IMG" "$c" sh -c 'trap "exit 0" TERM; while true; do sleep 1; done' </dev/null &
  local main=$!
  wait_running "$c" && ok "[$name] the task runs" || fail "[$name] the task did not start: $(ctr task ls)"
  timed "ctr_exec[$name]" ctr task exec --exec-id e1 "$c" sh -c 'echo from exec; cat /proc/1/cmdline | tr "\0" " "'
  expect_run "[$name] task exec sees the container's init" 0 "from exec
sh -c trap \"exit 0\" TERM; while true; do sleep 1; done "
  timed "ctr_exec_exit5[$name]" ctr task exec --exec-id e2 "$c" sh -c 'exit 5'
  expect_run "[$name] task exec's exit code" 5 ""
  timed "ctr_task_ps[$name]" ctr task ps "$c"
  [ "$RC" = 0 ] && [ "$(tail -n +2 <<<"$OUT" | grep -c .)" -ge 1 ] && ok "[$name] task ps lists the task's host processes" ||
    fail "[$name] task ps: exit $RC, '$OUT' $ERR"
  timed "ctr_kill[$name]" ctr task kill "$c"
  wait "$main"
  local status=$?
  [ "$RC" = 0 ] && [ "$status" = 0 ] && ok "[$name] task kill (TERM): the handler ran, ctr run exits 0" ||
    fail "[$name] task kill (TERM): kill exit $RC, ctr run exit $status"

  # SIGKILL of a process that ignores TERM: 137.
  "${r[@]}" --rm "$IMG" "$c-kill" sh -c 'trap "" TERM; while true; do sleep 1; done' </dev/null &
  main=$!
  wait_running "$c-kill"
  timed "ctr_kill_9[$name]" ctr task kill -s KILL "$c-kill"
  wait "$main"
  status=$?
  [ "$RC" = 0 ] && [ "$status" = 137 ] && ok "[$name] task kill -s KILL: ctr run exits 137" ||
    fail "[$name] task kill -s KILL: kill exit $RC, ctr run exit $status (want 137)"

  # A terminal (ctr run -t), driven through a pty.
  expect_terminal "[$name] ctr run -t" "ctr_run_tty[$name]" "ctr run --runc-binary $bin --rm -t $IMG $c-tty sh"

  # Isolation: kernel, RAM and CPUs, process table.
  timed "ctr_run_uname[$name]" "${r[@]}" --rm "$IMG" "$c-uname" uname -r
  expect_kernel "[$name]" "$ours"
  # Sized: a detached container, measured by exec (crun's cgroup limit is read from L1: in the
  # container's cgroup namespace its own group is the root, which has no memory.max).
  "${r[@]}" -d --memory-limit 536870912 --cpus 1 "$IMG" "$c-sized" sleep 300 >/dev/null
  timed "ctr_exec_sized[$name]" ctr task exec --exec-id sized "$c-sized" \
    sh -c 'awk "/^MemTotal:/ { print \$2 }" /proc/meminfo; nproc'
  local mem pid limit
  if [ "$ours" = yes ]; then
    expect_guest_size "[$name]"
  else
    mem=$(sed -n 1p <<<"$OUT")
    pid=$(ctr task ls | awk -v id="$c-sized" '$1 == id { print $2 }')
    limit=$(cat "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")/memory.max" 2>&1)
    [ "$RC" = 0 ] && [ "$mem" = "$L1_MEM_KIB" ] && [ "$limit" = 536870912 ] &&
      ok "[$name] 512 MiB: L1's MemTotal ($mem kB), a cgroup limit of $limit bytes" ||
      fail "[$name] 512 MiB: exit $RC, MemTotal '$mem', cgroup memory.max '$limit'"
  fi
  ctr task kill -s KILL "$c-sized" >/dev/null 2>&1; wait_stopped "$c-sized"
  ctr task delete "$c-sized" >/dev/null 2>&1; ctr container delete "$c-sized" >/dev/null 2>&1
  # ctr run --cni: containerd's CNI (Debian's bridge and host-local plugins) gives the
  # namespace its interface after create (ours: connected to the guest at start); the
  # container reaches L1's server over the bridge.
  timed "ctr_run_cni[$name]" "${r[@]}" --rm --cni "$IMG" "$c-cni" sh -c \
    'ip -o -4 addr show eth0 | awk "{ print \$4 }" | cut -d. -f1-3; wget -qO- http://10.99.0.1:8098/'
  expect_run "[$name] --cni: eth0 in the bridge's subnet, L1's server reached" 0 "10.99.0
hello from L1"
  "${r[@]}" -d "$IMG" "$c-iso" sleep 4243 >/dev/null
  expect_container_runs "[$name]" "sleep 4243" ctr task exec --exec-id iso "$c-iso"
  expect_in_process_table "[$name]" "sleep 4243" "$ours"
  ctr task kill -s KILL "$c-iso" >/dev/null 2>&1; wait_stopped "$c-iso"
  ctr task delete "$c-iso" >/dev/null 2>&1; ctr container delete "$c-iso" >/dev/null 2>&1

  [ -z "$(ctr task ls -q)" ] && [ -z "$(ctr container ls -q)" ] && ok "[$name] no task or container left" ||
    fail "[$name] left: tasks '$(ctr task ls -q)', containers '$(ctr container ls -q)'"
}

# ---- CRI: a pod as kubelet makes one ---------------------------------------------------------
cri() { python3 /e2e/cri/cri.py "$@"; }
cri_get() { python3 /e2e/cri/cri.py get "$1"; }
cri_state() { cri ContainerStatus "{\"container_id\": \"$1\"}" | cri_get status.state; }
cri_exited() { [ "$(cri_state "$1")" = CONTAINER_EXITED ]; }
CRI_NAMESPACES='{"network": "POD", "pid": "CONTAINER", "ipc": "POD"}'

cri_version() {
  timed cri_version cri Version '{"version": "v1"}'
  local api name
  api=$(cri_get runtime_api_version <<<"$OUT") name=$(cri_get runtime_name <<<"$OUT")
  [ "$RC" = 0 ] && [ "$api" = v1 ] && [ "$name" = containerd ] && ok "CRI Version: $name $(cri_get runtime_version <<<"$OUT"), API $api" ||
    fail "CRI Version: exit $RC, '$OUT' $ERR"
}

# cri_container POD CONFIG NAME COMMAND: CreateContainer (busybox, the pod's volume at
# /shared) and StartContainer; sets CID.
cri_container() {
  local request
  request=$(printf '{"pod_sandbox_id": "%s", "sandbox_config": %s, "config": {"metadata": {"name": "%s"},
    "image": {"image": "%s"}, "command": ["sh", "-c", %s], "log_path": "%s.log",
    "mounts": [{"container_path": "/shared", "host_path": "%s"}],
    "linux": {"security_context": {"namespace_options": %s}}}}' "$1" "$2" "$3" "$IMG" "$4" "$3" "$CRI_VOL" "$CRI_NAMESPACES")
  timed "cri_create_$3[$CRI_RT]" cri CreateContainer "$request"
  CID=$(cri_get container_id <<<"$OUT")
  [ "$RC" = 0 ] && [ -n "$CID" ] || { fail "[cri $CRI_RT] CreateContainer $3: exit $RC: $ERR"; return 1; }
  timed "cri_start_$3[$CRI_RT]" cri StartContainer "{\"container_id\": \"$CID\"}"
  [ "$RC" = 0 ] || { fail "[cri $CRI_RT] StartContainer $3: exit $RC: $ERR"; return 1; }
}

# cri_checks NAME HANDLER OURS PORT: a pod with a port mapping and the pod's resources (384 MiB,
# 2 CPUs); a web server and a client container sharing a volume; the client reaches the server
# on 127.0.0.1 and L1 through the pod's port; ExecSync's output and exit code; one VM for the
# pod (ours) sized by CRI's pod annotations; the client's end leaves the pod up; killing the
# sandbox's process ends its containers (ours: their VM) but not crun's; Stop/RemovePodSandbox
# leave nothing.
cri_checks() {
  CRI_RT=$1 CRI_VOL=/tmp/e2e-cri-vol-$1
  local handler=$2 ours=$3 port=$4 config pod web client ids id vms=0 left
  echo "== CRI, handler $handler"
  rm -rf "$CRI_VOL" "/tmp/e2e-cri-logs/$1" && mkdir -p "$CRI_VOL" "/tmp/e2e-cri-logs/$1"
  [ "$ours" = yes ] && set_host_setting '"allowed_annotations": ["io.kubernetes.cri.sandbox-memory",
    "io.kubernetes.cri.sandbox-cpu-quota", "io.kubernetes.cri.sandbox-cpu-period"]'
  # The namespaces as kubelet asks for them by default: the pod's network and IPC, a pid
  # namespace per container.
  config=$(printf '{"metadata": {"name": "e2e-%s", "uid": "e2e-uid-%s", "namespace": "e2e"}, "hostname": "pod-%s",
    "log_directory": "/tmp/e2e-cri-logs/%s", "port_mappings": [{"protocol": "TCP", "container_port": 80, "host_port": %s}],
    "linux": {"cgroup_parent": "/e2e-cri-%s", "security_context": {"namespace_options": %s},
              "resources": {"memory_limit_in_bytes": 402653184, "cpu_period": 100000, "cpu_quota": 200000}}}' \
    "$1" "$1" "$1" "$1" "$port" "$1" "$CRI_NAMESPACES")
  # The pod's readiness: the CRI calls' own times (cri.py's start in the emulated L1 aside).
  rm -f /tmp/e2e-cri-timing
  export CRI_TIMING=/tmp/e2e-cri-timing
  timed "cri_run_pod_sandbox[$1]" cri RunPodSandbox "{\"config\": $config, \"runtime_handler\": \"$handler\"}"
  pod=$(cri_get pod_sandbox_id <<<"$OUT")
  [ "$RC" = 0 ] && [ -n "$pod" ] && ok "[cri $1] RunPodSandbox with handler $handler" ||
    { fail "[cri $1] RunPodSandbox: exit $RC: $ERR"; [ "$ours" = yes ] && restore_host_settings; return; }
  cri_container "$pod" "$config" web \
    '"mkdir -p /www && echo hello-over-the-pod > /www/index.html && echo from-web > /shared/web && exec httpd -f -p 80 -h /www"' &&
    web=$CID
  cri_container "$pod" "$config" client '"trap \"exit 0\" TERM; while :; do sleep 1; done"' && client=$CID
  unset CRI_TIMING
  echo "TIME cri_pod_ready[$1]: $(awk '{ s += $2 } END { printf "%.3f", s }' /tmp/e2e-cri-timing) s" \
    "(RunPodSandbox, then CreateContainer and StartContainer twice: $(awk '{ printf "%s %s ", $1, $2 }' /tmp/e2e-cri-timing))"
  [ "$ours" = yes ] && restore_host_settings
  [ -n "$web" ] && [ -n "$client" ] || { cri StopPodSandbox "{\"pod_sandbox_id\": \"$pod\"}" >/dev/null;
                                         cri RemovePodSandbox "{\"pod_sandbox_id\": \"$pod\"}" >/dev/null; return; }
  [ "$(cri_state "$web")" = CONTAINER_RUNNING ] && [ "$(cri_state "$client")" = CONTAINER_RUNNING ] &&
    ok "[cri $1] ContainerStatus: both containers running" || fail "[cri $1] ContainerStatus: web $(cri_state "$web"), client $(cri_state "$client")"

  timed "cri_exec_loopback[$1]" cri exec "$client" sh -c \
    'for i in $(seq 100); do wget -qO- http://127.0.0.1:80/ 2>/dev/null && cat /shared/web && exit; sleep 0.2; done; exit 1'
  expect_run "[cri $1] ExecSync: the client reaches the server on 127.0.0.1 and reads its write to the shared volume" 0 \
    "hello-over-the-pod
from-web"
  timed "cri_exec_status[$1]" cri exec "$client" sh -c 'echo from-client > /shared/client; echo out; echo err >&2; exit 3'
  expect_run "[cri $1] ExecSync: stdout and exit code 3" 3 out
  [ "$ERR" = err ] && [ "$(cat "$CRI_VOL/client" 2>&1)" = from-client ] && ok "[cri $1] ExecSync: stderr; L1 reads the write to the volume" ||
    fail "[cri $1] ExecSync: stderr '$ERR', the volume's file '$(cat "$CRI_VOL/client" 2>&1)'"
  wait_for 30 busybox wget -qO- "http://127.0.0.1:$port/"
  timed "cri_port[$1]" busybox wget -qO- "http://127.0.0.1:$port/"
  expect_run "[cri $1] L1 reaches the server through the pod's port $port" 0 hello-over-the-pod
  timed "cri_exec_uname[$1]" cri exec "$web" uname -r
  expect_kernel "[cri $1]" "$ours"

  ids="$pod $web $client"
  if [ "$ours" = yes ]; then
    for id in $ids; do
      ps -eo args | grep -v grep | grep -q -- "--vsock-uds [^ ]*/$id/vm/vsock.sock" && vms=$((vms + 1))
    done
    [ "$vms" = 1 ] && ok "[cri $1] one VM for the pod's sandbox and two containers" || fail "[cri $1] $vms VMs for the pod"
    # CRI's pod annotations sized the VM: 384 MiB and the overhead, 2 CPUs.
    timed "cri_exec_size[$1]" cri exec "$web" sh -c 'awk "/^MemTotal:/ { print \$2 }" /proc/meminfo; nproc'
    local mem cpus
    mem=$(sed -n 1p <<<"$OUT") cpus=$(sed -n 2p <<<"$OUT")
    [ "$RC" = 0 ] && [ "$mem" -gt 380000 ] 2>/dev/null && [ "$mem" -lt 470000 ] && [ "$cpus" = 2 ] &&
      ok "[cri $1] the pod's VM has the pod's resources: MemTotal $mem kB, $cpus vCPUs" ||
      fail "[cri $1] the pod's VM: exit $RC, MemTotal '$mem' kB, nproc '$cpus' (want 384 MiB and the overhead, 2)"
  fi

  # A container's end leaves the pod up.
  timed "cri_stop_container[$1]" cri StopContainer "{\"container_id\": \"$client\", \"timeout\": 10}"
  [ "$RC" = 0 ] && [ "$(cri_state "$client")" = CONTAINER_EXITED ] && [ "$(cri_state "$web")" = CONTAINER_RUNNING ] &&
    ok "[cri $1] StopContainer: the client exited, the server runs on" ||
    fail "[cri $1] StopContainer: exit $RC; client $(cri_state "$client"), web $(cri_state "$web")"
  cri RemoveContainer "{\"container_id\": \"$client\"}" >/dev/null
  timed "cri_exec_after_stop[$1]" cri exec "$web" wget -qO- http://127.0.0.1:80/
  expect_run "[cri $1] the pod serves on after a container's end" 0 hello-over-the-pod

  # The sandbox's process killed (as a crash would): ours ends the pod's VM and so the server;
  # crun's server is a process of its own and runs on.
  ctr -n k8s.io task kill -s KILL "$pod" >/dev/null 2>&1
  if [ "$ours" = yes ]; then
    wait_for 30 cri_exited "$web"
    [ "$(cri_state "$web")" = CONTAINER_EXITED ] && ok "[cri $1] killing the sandbox's process ends the pod's containers" ||
      fail "[cri $1] the server after the sandbox's kill: $(cri_state "$web")"
  else
    sleep 2
    [ "$(cri_state "$web")" = CONTAINER_RUNNING ] && ok "[cri $1] killing the sandbox's process leaves crun's server running" ||
      fail "[cri $1] crun's server after the sandbox's kill: $(cri_state "$web")"
  fi

  timed "cri_stop_pod[$1]" cri StopPodSandbox "{\"pod_sandbox_id\": \"$pod\"}"
  [ "$RC" = 0 ] && [ "$(cri_state "$web")" = CONTAINER_EXITED ] && ok "[cri $1] StopPodSandbox: its containers exited" ||
    fail "[cri $1] StopPodSandbox: exit $RC, web $(cri_state "$web"): $ERR"
  timed "cri_remove_pod[$1]" cri RemovePodSandbox "{\"pod_sandbox_id\": \"$pod\"}"
  [ "$RC" = 0 ] && ok "[cri $1] RemovePodSandbox" || fail "[cri $1] RemovePodSandbox: exit $RC: $ERR"
  # Nothing of the pod left: a process, a mount, a runtime state directory, a network namespace.
  for _ in $(seq 40); do
    left=
    for id in $ids; do
      ps -eo args | grep -v grep | grep -q -- "$id" && left="$left process($id)"
      grep -q -- "$id" /proc/self/mountinfo && left="$left mount($id)"
      [ -e "/run/containerd/runc/k8s.io/$id" ] && left="$left state($id)"
    done
    ip netns list 2>/dev/null | grep -q '^cni-' && left="$left netns($(ip netns list | tr '\n' ' '))"
    [ -z "$left" ] && break
    sleep 0.25
  done
  [ -z "$left" ] && [ "$(cri ListContainers '{}' | cri_get containers)" = "" ] &&
    ok "[cri $1] nothing of the pod is left (process, mount, state, netns, container)" ||
    fail "[cri $1] left 10 s after RemovePodSandbox:$left $(cri ListContainers '{}' | cri_get containers)"
  rm -rf "$CRI_VOL"
}

# A CNI network for `ctr run --cni` (ctr looks for plugins in /opt/cni/bin; Debian's are in
# /usr/lib/cni), and a server on L1 for its containers.
mkdir -p /etc/cni/net.d /opt/cni /tmp/l1-cni-www
[ -e /opt/cni/bin ] || ln -s /usr/lib/cni /opt/cni/bin
# CRI uses the same network (its first configuration there), with portmap for the pods' ports.
cat > /etc/cni/net.d/10-e2e.conflist <<'EOF'
{"cniVersion": "1.0.0", "name": "e2e",
 "plugins": [{"type": "bridge", "bridge": "cni-e2e", "isGateway": true, "ipMasq": false,
              "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.99.0.0/24", "gateway": "10.99.0.1"}]],
                       "routes": [{"dst": "0.0.0.0/0"}]}},
             {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
echo "hello from L1" > /tmp/l1-cni-www/index.html
busybox httpd -p 8098 -h /tmp/l1-cni-www

checks crun /usr/bin/crun no
checks ppc-kvm-shim "$shim" yes
cri_version
cri_checks crun crun no 8091
cri_checks ppc-kvm ppc-kvm yes 8092
if pgrep -f ppc-kvm-vmm >/dev/null; then fail "VMMs still running: $(pgrep -af ppc-kvm-vmm)"; else ok "no VMM left running"; fi
finish
