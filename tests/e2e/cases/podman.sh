# shellcheck shell=bash
# podman drives ppc-kvm-shim as a user runs it: `podman --runtime ppc-kvm-shim ...` through
# conmon, in the e2e L1 host. Every check runs twice in this one boot, first with crun (the
# differential: the same commands must give the same outputs and exit codes, so a check that
# passes for the wrong reason shows up), then with ppc-kvm-shim. Only the isolation checks
# expect different answers, and they say which: a guest's kernel, RAM and vCPUs for ours, L1's
# for crun.
. /e2e/case_lib.sh

echo "L1: kernel $L1_KERNEL, $(nproc) CPUs, $L1_MEM_KIB kB; $(podman --version)"

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
  [ "$ERR" = err ] && ok "[$rt] stderr came through" || fail "[$rt] stderr '$ERR' (want 'err')"
  timed "podman_run_missing[$rt]" pm "$rt" run --rm --network=none "$IMG" /no/such/program
  [ "$RC" = 127 ] && ok "[$rt] a missing program gives 127" || fail "[$rt] a missing program gave $RC (want 127): $ERR"

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
  [ "$RC" = 0 ] && ok "[$rt] run -d" || fail "[$rt] run -d gave $RC: $ERR"
  wait_for 30 sh -c "podman logs $c | grep -q started" && ok "[$rt] logs show the container's output" ||
    fail "[$rt] logs: '$(podman logs "$c" 2>&1)'"
  timed "podman_ps[$rt]" podman ps --filter status=running --format '{{.Names}}'
  grep -qx "$c" <<<"$OUT" && ok "[$rt] ps lists it running" || fail "[$rt] ps: '$OUT'"
  timed "podman_exec[$rt]" pm "$rt" exec "$c" sh -c 'echo from exec; cat /proc/1/cmdline | tr "\0" " "'
  expect_run "[$rt] exec sees the container's init" 0 "from exec
sh -c trap \"echo got TERM; exit 0\" TERM; echo started; while true; do sleep 1; done "
  timed "podman_exec_exit5[$rt]" pm "$rt" exec "$c" sh -c 'exit 5'
  expect_run "[$rt] exec's exit code" 5 ""
  timed "podman_exec_stdin[$rt]" sh -c "printf 'line one\nline two\n' | podman --runtime $rt exec -i $c wc -l"
  expect_run "[$rt] exec -i gets stdin" 0 2
  timed "podman_stop[$rt]" pm "$rt" stop -t 20 "$c"
  [ "$RC" = 0 ] && ok "[$rt] stop" || fail "[$rt] stop gave $RC: $ERR"
  [ "$(exit_code "$c")" = 0 ] && ok "[$rt] stop: the TERM handler ran (exit 0)" || fail "[$rt] exit code after stop: $(exit_code "$c")"
  podman logs "$c" | grep -q 'got TERM' && ok "[$rt] logs show the TERM handler's line" || fail "[$rt] logs after stop: '$(podman logs "$c" 2>&1)'"
  timed "podman_rm[$rt]" pm "$rt" rm "$c"
  [ "$RC" = 0 ] && ! podman container exists "$c" && ok "[$rt] rm" || fail "[$rt] rm gave $RC: $ERR"

  # stop of a process that ignores TERM: SIGKILL after the timeout, exit 137.
  timed "podman_run_detached_ignoring[$rt]" pm "$rt" run -d --network=none --name "$c-stubborn" "$IMG" \
    sh -c 'trap "" TERM; while true; do sleep 1; done'
  timed "podman_stop_timeout[$rt]" pm "$rt" stop -t 2 "$c-stubborn"
  [ "$RC" = 0 ] && [ "$(exit_code "$c-stubborn")" = 137 ] && ok "[$rt] stop -t 2 of a TERM-ignoring process: 137" ||
    fail "[$rt] stop -t 2: exit $RC, container exit code $(exit_code "$c-stubborn"): $ERR"
  podman rm -f "$c-stubborn" >/dev/null 2>&1

  # The container's cgroup (podman's linux.cgroupsPath, /libpod_parent/libpod-ID) holds its
  # pid (crun: the container's init; ours: the VMM) with the memory limit (ours: the VM's RAM
  # plus the VMM's headroom, above the container's 512 MiB), and is gone after rm.
  # Then kill, and rm.
  pm "$rt" run -d --network=none --memory 512m --name "$c-kill" "$IMG" sleep 1000 >/dev/null
  local pid cgroup limit
  pid=$(podman inspect --format '{{.State.Pid}}' "$c-kill")
  cgroup=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
  limit=$(cat "$cgroup/memory.max" 2>&1)
  local limit_ok=no
  if [ "$ours" = yes ]; then [ "$limit" -gt 536870912 ] 2>/dev/null && limit_ok=yes
  else [ "$limit" = 536870912 ] && limit_ok=yes; fi
  if [[ $cgroup == */libpod-$(podman inspect --format '{{.Id}}' "$c-kill") ]] && [ "$limit_ok" = yes ]; then
    ok "[$rt] the container's pid is in its cgroup ($cgroup), memory.max $limit"
  else
    fail "[$rt] container pid $pid in cgroup $cgroup, memory.max '$limit'"
  fi
  timed "podman_kill[$rt]" pm "$rt" kill "$c-kill"
  wait_for 30 sh -c "[ \"\$(podman inspect --format '{{.State.Status}}' $c-kill)\" = exited ]"
  [ "$RC" = 0 ] && [ "$(exit_code "$c-kill")" = 137 ] && ok "[$rt] kill: 137" ||
    fail "[$rt] kill: exit $RC, container exit code $(exit_code "$c-kill"): $ERR"
  pm "$rt" rm "$c-kill" >/dev/null 2>&1 && ok "[$rt] rm after kill" || fail "[$rt] rm after kill"
  [ ! -d "$cgroup" ] && ok "[$rt] the container's cgroup is gone" || fail "[$rt] $cgroup is left after rm"

  # run -it through the console socket, driven through a pty.
  expect_terminal "[$rt] run -it" "podman_run_it[$rt]" "podman --runtime $rt run -it --rm --network=none $IMG sh"

  # Isolation: the kernel, RAM and CPUs the container sees. Ours: a guest's own (its kernel,
  # --memory plus the VM's overhead, --cpus vCPUs); crun: L1's, with cgroup limits.
  timed "podman_run_uname[$rt]" pm "$rt" run --rm --network=none "$IMG" uname -r
  expect_kernel "[$rt]" "$ours"
  timed "podman_run_sized[$rt]" pm "$rt" run --rm --network=none --memory 512m --cpus 1 "$IMG" \
    sh -c 'awk "/^MemTotal:/ { print \$2 }" /proc/meminfo; nproc; cat /sys/fs/cgroup/memory.max 2>/dev/null || echo none'
  if [ "$ours" = yes ]; then
    expect_guest_size "[$rt] --memory 512m --cpus 1"
  else
    [ "$RC" = 0 ] && [ "$(sed -n 1p <<<"$OUT")" = "$L1_MEM_KIB" ] && [ "$(sed -n 3p <<<"$OUT")" = 536870912 ] &&
      ok "[$rt] --memory 512m: L1's MemTotal with a cgroup limit of 512 MiB" ||
      fail "[$rt] --memory 512m: exit $RC, output '$OUT'"
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
  expect_in_process_table "[$rt]" "sleep 4242" "$ours"
  podman rm -f -t 0 "$c-iso" >/dev/null 2>&1

  # Nothing left behind: no container, no VMM.
  [ -z "$(podman ps -aq)" ] && ok "[$rt] no container left" || fail "[$rt] containers left: $(podman ps -a --format '{{.Names}}')"
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
      [ "$RC" = 0 ] && [ "$OUT" = hi ] || fail "breakdown: podman with $rt: exit $RC, '$OUT': $ERR"
      echo "BREAKDOWN round $i podman+$rt runtime calls: $(awk '{ n[$1] += $2; c[$1]++; t += $2 }
        END { for (k in n) printf "%s %dx %d ms, ", k, c[k], n[k]; printf "sum %d ms", t }' "$dir/calls.log")"
    done
    timed "breakdown_bundle[crun]" crun run --bundle "$bundle" e2e-breakdown
    [ "$RC" = 0 ] || fail "breakdown: crun run: exit $RC: $ERR"
    rm -f /tmp/e2e-shim-debug.log
    timed "breakdown_bundle[ppc-kvm-shim]" ppc-kvm-shim --debug --log /tmp/e2e-shim-debug.log run --bundle "$bundle" e2e-breakdown
    [ "$RC" = 0 ] || fail "breakdown: ppc-kvm-shim run: exit $RC: $ERR"
    sed -n "s/.*msg=\"\\(.* after [0-9]* ms.*\\)\"\$/BREAKDOWN round $i ppc-kvm-shim run: \\1/p" /tmp/e2e-shim-debug.log
  done
}

checks crun no
checks ppc-kvm-shim yes
[ "${E2E_BREAKDOWN_ROUNDS:-3}" = 0 ] || breakdown
if pgrep -f ppc-kvm-vmm >/dev/null; then fail "VMMs still running: $(pgrep -af ppc-kvm-vmm)"; else ok "no VMM left running"; fi
finish
