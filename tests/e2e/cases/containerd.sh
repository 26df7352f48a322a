# shellcheck shell=bash
# containerd drives ppc-kvm-shim through its runc v2 shim (containerd-shim-runc-v2 runs our
# binary in runc's place), in the e2e L1 host. As in podman.sh every check runs with crun
# first (the differential), then with ppc-kvm-shim; only the isolation checks expect
# different answers.
#
# Runtime selection: `ctr run --runc-binary B` gives the runc v2 shim the same options
# (BinaryName = B) as the handler `ppc-kvm` in /etc/containerd/config.toml gives it for CRI.
# containerd 1.6's `ctr run --runtime` takes shim names only (io.containerd.runc.v2), never a
# CRI handler, and Debian 12 has no CRI client (crictl): here the handler is only checked to
# be loaded, with its BinaryName, by containerd.
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

# A CNI network for `ctr run --cni` (ctr looks for plugins in /opt/cni/bin; Debian's are in
# /usr/lib/cni), and a server on L1 for its containers.
mkdir -p /etc/cni/net.d /opt/cni /tmp/l1-cni-www
[ -e /opt/cni/bin ] || ln -s /usr/lib/cni /opt/cni/bin
cat > /etc/cni/net.d/10-e2e.conflist <<'EOF'
{"cniVersion": "1.0.0", "name": "e2e",
 "plugins": [{"type": "bridge", "bridge": "cni-e2e", "isGateway": true, "ipMasq": false,
              "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.99.0.0/24", "gateway": "10.99.0.1"}]],
                       "routes": [{"dst": "0.0.0.0/0"}]}}]}
EOF
echo "hello from L1" > /tmp/l1-cni-www/index.html
busybox httpd -p 8098 -h /tmp/l1-cni-www

checks crun /usr/bin/crun no
checks ppc-kvm-shim "$shim" yes
if pgrep -f ppc-kvm-vmm >/dev/null; then fail "VMMs still running: $(pgrep -af ppc-kvm-vmm)"; else ok "no VMM left running"; fi
finish
