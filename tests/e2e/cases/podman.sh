# shellcheck shell=bash
# podman drives ppc-kvm-shim as a user runs it: `podman --runtime ppc-kvm-shim ...` through
# conmon, in the e2e L1 host. Every check runs twice in this one boot, first with crun (the
# differential: the same commands must give the same outputs and exit codes, so a check that
# passes for the wrong reason shows up), then with ppc-kvm-shim. Only the isolation checks
# expect different answers, and they say which: a guest's kernel, RAM and vCPUs for ours, L1's
# for crun.
. /e2e/case_lib.sh

l1_kernel=$(uname -r) l1_mem_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
echo "L1: kernel $l1_kernel, $(nproc) CPUs, $l1_mem_kib kB; $(podman --version)"

# pm RUNTIME ARGS...: podman with that runtime, no network (L1 has none).
pm() { local rt=$1; shift; podman --runtime "$rt" "$@"; }

# wait_for SECONDS COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local n=$(($1 * 4)); shift
  while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; n=$((n - 1)); done
  return 1
}

# exit_code NAME: the container's recorded exit code.
exit_code() { podman inspect --format '{{.State.ExitCode}}' "$1"; }

checks() {
  local rt=$1 ours=$2 c
  echo "== runtime $rt"

  timed "podman_run_echo[$rt]" pm "$rt" run --rm --network=none "$IMG" echo hi
  expect_run "[$rt] run --rm echo hi" 0 hi
  timed "podman_run_echo_again[$rt]" pm "$rt" run --rm --network=none "$IMG" echo hi
  expect_run "[$rt] run --rm echo hi (again)" 0 hi
  timed "podman_run_exit7[$rt]" pm "$rt" run --rm --network=none "$IMG" sh -c 'exit 7'
  expect_run "[$rt] run sh -c 'exit 7'" 7 ""
  timed "podman_run_stderr[$rt]" pm "$rt" run --rm --network=none "$IMG" sh -c 'echo out; echo err >&2; exit 3'
  expect_run "[$rt] stdout and stderr apart" 3 out
  [ "$ERR" = err ] && ok "[$rt] stderr came through" || bad "[$rt] stderr '$ERR' (want 'err')"
  timed "podman_run_missing[$rt]" pm "$rt" run --rm --network=none "$IMG" /no/such/program
  [ "$RC" = 127 ] && ok "[$rt] a missing program gives 127" || bad "[$rt] a missing program gave $RC (want 127): $ERR"

  # What podman puts in the config reaches the process: env, workdir, user, hostname; a volume
  # (ours: copied into the guest at create); --read-only; the default network (netavark's
  # bridge; ours: the guest has only loopback, the container still runs).
  timed "podman_run_config[$rt]" pm "$rt" run --rm --network=none -e GREETING=hello -w /tmp -u 65534:65534 \
    --hostname box "$IMG" sh -c 'echo "$GREETING $(pwd) $(id -u):$(id -g) $(hostname)"'
  expect_run "[$rt] env, workdir, user, hostname" 0 "hello /tmp 65534:65534 box"
  mkdir -p /tmp/e2e-volume && echo "from L1" > /tmp/e2e-volume/file
  timed "podman_run_volume[$rt]" pm "$rt" run --rm --network=none -v /tmp/e2e-volume:/data:ro "$IMG" cat /data/file
  expect_run "[$rt] a bind-mounted volume" 0 "from L1"
  timed "podman_run_read_only[$rt]" pm "$rt" run --rm --network=none --read-only "$IMG" \
    sh -c 'touch /x 2>/dev/null && echo writable || echo read-only; touch /tmp/x && echo tmp-writable'
  expect_run "[$rt] --read-only: the root refuses writes, /tmp takes them" 0 "read-only
tmp-writable"
  timed "podman_run_default_network[$rt]" pm "$rt" run --rm "$IMG" echo networked
  expect_run "[$rt] the default network" 0 networked

  # Detached: exec, logs, ps, stop (a TERM handler ends it), kill, rm.
  c=e2e-$rt
  timed "podman_run_detached[$rt]" pm "$rt" run -d --network=none --name "$c" "$IMG" \
    sh -c 'trap "echo got TERM; exit 0" TERM; echo started; while true; do sleep 1; done'
  [ "$RC" = 0 ] && ok "[$rt] run -d" || bad "[$rt] run -d gave $RC: $ERR"
  wait_for 30 sh -c "podman logs $c | grep -q started" && ok "[$rt] logs show the container's output" ||
    bad "[$rt] logs: '$(podman logs "$c" 2>&1)'"
  timed "podman_ps[$rt]" podman ps --filter status=running --format '{{.Names}}'
  grep -qx "$c" <<<"$OUT" && ok "[$rt] ps lists it running" || bad "[$rt] ps: '$OUT'"
  timed "podman_exec[$rt]" pm "$rt" exec "$c" sh -c 'echo from exec; cat /proc/1/cmdline | tr "\0" " "'
  expect_run "[$rt] exec sees the container's init" 0 "from exec
sh -c trap \"echo got TERM; exit 0\" TERM; echo started; while true; do sleep 1; done "
  timed "podman_exec_exit5[$rt]" pm "$rt" exec "$c" sh -c 'exit 5'
  expect_run "[$rt] exec's exit code" 5 ""
  timed "podman_exec_stdin[$rt]" sh -c "printf 'line one\nline two\n' | podman --runtime $rt exec -i $c wc -l"
  expect_run "[$rt] exec -i gets stdin" 0 2
  timed "podman_stop[$rt]" pm "$rt" stop -t 20 "$c"
  [ "$RC" = 0 ] && ok "[$rt] stop" || bad "[$rt] stop gave $RC: $ERR"
  [ "$(exit_code "$c")" = 0 ] && ok "[$rt] stop: the TERM handler ran (exit 0)" || bad "[$rt] exit code after stop: $(exit_code "$c")"
  podman logs "$c" | grep -q 'got TERM' && ok "[$rt] logs show the TERM handler's line" || bad "[$rt] logs after stop: '$(podman logs "$c" 2>&1)'"
  timed "podman_rm[$rt]" pm "$rt" rm "$c"
  [ "$RC" = 0 ] && ! podman container exists "$c" && ok "[$rt] rm" || bad "[$rt] rm gave $RC: $ERR"

  # stop of a process that ignores TERM: SIGKILL after the timeout, exit 137.
  timed "podman_run_detached_ignoring[$rt]" pm "$rt" run -d --network=none --name "$c-stubborn" "$IMG" \
    sh -c 'trap "" TERM; while true; do sleep 1; done'
  timed "podman_stop_timeout[$rt]" pm "$rt" stop -t 2 "$c-stubborn"
  [ "$RC" = 0 ] && [ "$(exit_code "$c-stubborn")" = 137 ] && ok "[$rt] stop -t 2 of a TERM-ignoring process: 137" ||
    bad "[$rt] stop -t 2: exit $RC, container exit code $(exit_code "$c-stubborn"): $ERR"
  podman rm -f "$c-stubborn" >/dev/null 2>&1

  # kill, then rm.
  pm "$rt" run -d --network=none --name "$c-kill" "$IMG" sleep 1000 >/dev/null
  timed "podman_kill[$rt]" pm "$rt" kill "$c-kill"
  wait_for 30 sh -c "[ \"\$(podman inspect --format '{{.State.Status}}' $c-kill)\" = exited ]"
  [ "$RC" = 0 ] && [ "$(exit_code "$c-kill")" = 137 ] && ok "[$rt] kill: 137" ||
    bad "[$rt] kill: exit $RC, container exit code $(exit_code "$c-kill"): $ERR"
  pm "$rt" rm "$c-kill" >/dev/null 2>&1 && ok "[$rt] rm after kill" || bad "[$rt] rm after kill"

  # run -it through the console socket, driven through a pty (util-linux's script): the
  # container's stdin is a terminal, what is typed reaches its shell, its exit code returns.
  # The feeder keeps script's stdin open until the container has ended.
  rm -f /tmp/e2e-it-done
  timed "podman_run_it[$rt]" sh -c "(sleep 1; printf 'tty; echo typed-\$((6*7))\nexit 4\n'
      while [ ! -e /tmp/e2e-it-done ]; do sleep 0.2; done) |
    (script -qefc 'podman --runtime $rt run -it --rm --network=none $IMG sh' /dev/null; rc=\$?; touch /tmp/e2e-it-done; exit \$rc)"
  if [ "$RC" = 4 ] && grep -q '^/dev/pts/0' <<<"$OUT" && grep -q 'typed-42' <<<"$OUT"; then
    ok "[$rt] run -it: a tty, typed input, exit 4"
  else
    bad "[$rt] run -it: exit $RC, output: $(tr -d '\r' <<<"$OUT" | tail -n 8)"
  fi

  # Isolation: the kernel, RAM and CPUs the container sees. Ours: a guest's own (its kernel,
  # --memory plus the VM's overhead, --cpus vCPUs); crun: L1's, with cgroup limits.
  timed "podman_run_uname[$rt]" pm "$rt" run --rm --network=none "$IMG" uname -r
  if [ "$ours" = yes ]; then
    [ "$RC" = 0 ] && [ -n "$OUT" ] && [ "$OUT" != "$l1_kernel" ] && ok "[$rt] uname -r is the guest's kernel ($OUT), not L1's ($l1_kernel)" ||
      bad "[$rt] uname -r: '$OUT' (L1: $l1_kernel), exit $RC"
  else
    expect_run "[$rt] uname -r is L1's kernel" 0 "$l1_kernel"
  fi
  timed "podman_run_sized[$rt]" pm "$rt" run --rm --network=none --memory 512m --cpus 1 "$IMG" \
    sh -c 'awk "/^MemTotal:/ { print \$2 }" /proc/meminfo; nproc; cat /sys/fs/cgroup/memory.max 2>/dev/null || echo none'
  local mem cpus
  mem=$(sed -n 1p <<<"$OUT") cpus=$(sed -n 2p <<<"$OUT")
  if [ "$ours" = yes ]; then
    # 512 MiB is 524288 kB; the kernel reserves some, the VM adds its overhead (shim/README.md).
    [ "$RC" = 0 ] && [ "$mem" -gt 450000 ] && [ "$mem" -lt 700000 ] && [ "$cpus" = 1 ] &&
      ok "[$rt] --memory 512m --cpus 1: the guest has $mem kB and $cpus vCPU (L1: $l1_mem_kib kB, $(nproc))" ||
      bad "[$rt] --memory 512m --cpus 1: exit $RC, guest MemTotal '$mem' kB, nproc '$cpus'"
  else
    [ "$RC" = 0 ] && [ "$mem" = "$l1_mem_kib" ] && [ "$(sed -n 3p <<<"$OUT")" = 536870912 ] &&
      ok "[$rt] --memory 512m: L1's MemTotal with a cgroup limit of 512 MiB" ||
      bad "[$rt] --memory 512m: exit $RC, output '$OUT'"
  fi

  # The root on a disk: ours with "rootfs_disk_min_mib": 0 in its host config puts every
  # container root on a read-only ext4 drive under a tmpfs overlay (crun: podman's overlay).
  # Either way the image's files are there and the container writes to its root.
  local saved_config
  if [ "$ours" = yes ]; then
    saved_config=$(cat /etc/ppc-kvm-shim/config.json)
    sed -i '$ s/^}$/, "rootfs_disk_min_mib": 0\n}/' /etc/ppc-kvm-shim/config.json
  fi
  timed "podman_run_disk_root[$rt]" pm "$rt" run --rm --network=none "$IMG" \
    sh -c 'echo written > /new-file && cat /new-file && test -x /bin/busybox && echo busybox-there; grep -c "lowerdir=/run/container-disk" /proc/mounts'
  if [ "$ours" = yes ]; then
    printf '%s\n' "$saved_config" > /etc/ppc-kvm-shim/config.json
    expect_run "[$rt] a root on a disk: the image's files, a writable root, the disk's overlay" 0 "written
busybox-there
1"
  else
    expect_run "[$rt] the image's files and a writable root" 1 "written
busybox-there
0"
  fi
  pm "$rt" run -d --network=none --name "$c-iso" "$IMG" sleep 4242 >/dev/null
  if [ "$ours" = yes ]; then
    ! pgrep -f 'sleep 4242' >/dev/null && ok "[$rt] the container's sleep is not in L1's process table" ||
      bad "[$rt] L1 sees the container's process: $(pgrep -af 'sleep 4242')"
  else
    pgrep -f 'sleep 4242' >/dev/null && ok "[$rt] the container's sleep is in L1's process table" ||
      bad "[$rt] L1 does not see crun's container process"
  fi
  podman rm -f -t 0 "$c-iso" >/dev/null 2>&1

  # Nothing left behind: no container, no VMM.
  [ -z "$(podman ps -aq)" ] && ok "[$rt] no container left" || bad "[$rt] containers left: $(podman ps -a --format '{{.Names}}')"
}

# Where the time of `podman run --rm echo hi` goes, ours beside crun, in rounds: each runtime
# behind a wrapper of the same name (podman tells runtimes apart by name) that logs every call
# podman and conmon make (subcommand, wall time); the same bundle run by the runtime alone
# (no engine); and ppc-kvm-shim's phase clock (--debug) for that run. Only the commands'
# success is checked: the numbers are for the issue's note.
breakdown() {
  local rounds=${E2E_BREAKDOWN_ROUNDS:-3} dir=/tmp/e2e-timed bundle=/tmp/e2e-bundle rt i
  mkdir -p "$dir" "$bundle/rootfs"
  for rt in crun ppc-kvm-shim; do
    cat > "$dir/$rt" <<WRAPPER
#!/bin/sh
t0=\$(date +%s%N)
$(command -v "$rt") "\$@"
rc=\$?
for w in "\$@"; do case \$w in create|start|state|kill|delete|exec|features)
  echo "\$w \$(( (\$(date +%s%N) - t0) / 1000000 ))" >> $dir/calls.log; break ;; esac; done
exit \$rc
WRAPPER
    chmod +x "$dir/$rt"
  done
  tar -C "$bundle/rootfs" -xf /usr/share/e2e/busybox-rootfs.tar
  (cd "$bundle" && crun spec && sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"$/"echo", "hi"/' config.json)
  for i in $(seq "$rounds"); do
    for rt in crun ppc-kvm-shim; do
      : > "$dir/calls.log"
      timed "breakdown_podman[$rt]" podman --runtime "$dir/$rt" run --rm --network=none "$IMG" echo hi
      [ "$RC" = 0 ] && [ "$OUT" = hi ] || bad "breakdown: podman with $rt: exit $RC, '$OUT': $ERR"
      echo "BREAKDOWN round $i podman+$rt runtime calls: $(awk '{ n[$1] += $2; c[$1]++; t += $2 }
        END { for (k in n) printf "%s %dx %d ms, ", k, c[k], n[k]; printf "sum %d ms", t }' "$dir/calls.log")"
    done
    timed "breakdown_bundle[crun]" crun run --bundle "$bundle" e2e-breakdown
    [ "$RC" = 0 ] || bad "breakdown: crun run: exit $RC: $ERR"
    rm -f /tmp/e2e-shim-debug.log
    timed "breakdown_bundle[ppc-kvm-shim]" ppc-kvm-shim --debug --log /tmp/e2e-shim-debug.log run --bundle "$bundle" e2e-breakdown
    [ "$RC" = 0 ] || bad "breakdown: ppc-kvm-shim run: exit $RC: $ERR"
    sed -n "s/.*msg=\"\\(.* after [0-9]* ms.*\\)\"\$/BREAKDOWN round $i ppc-kvm-shim run: \\1/p" /tmp/e2e-shim-debug.log
  done
}

checks crun no
checks ppc-kvm-shim yes
[ "${E2E_BREAKDOWN_ROUNDS:-3}" = 0 ] || breakdown
if pgrep -f ppc-kvm-vmm >/dev/null; then bad "VMMs still running: $(pgrep -af ppc-kvm-vmm)"; else ok "no VMM left running"; fi
finish
