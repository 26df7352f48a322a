# Runs in L1: the soak. Cycles of WIDTH containers created, run and deleted at once through
# `ppc-kvm-shim run`, each with its own cgroup, network namespace and tap, its root and a
# shared volume through virtiofsd, until SECONDS have passed (at least 3 cycles). After each
# cycle L1 is counted: processes, open fds, sockets, mounts, state directories, cgroups,
# L1's network interfaces; every count must equal the first cycle's (the first one warms the
# agent's initramfs cache). While a cycle's containers run, the VMMs' resident memory is
# sampled; the last cycles' must stay within 10% of the first's.
# The test command runs the short variant (defaults); the long one is documented in README:
#   --append "soak.seconds=600 soak.width=16"
. /rig/case_lib.sh
shim_case_setup
seconds=$(sed -n 's/.*soak\.seconds=\([0-9]*\).*/\1/p' /proc/cmdline)
width=$(sed -n 's/.*soak\.width=\([0-9]*\).*/\1/p' /proc/cmdline)
seconds=${seconds:-45} width=${width:-4}
mkdir -p /sys/fs/cgroup
grep -q " /sys/fs/cgroup cgroup2 " /proc/mounts || mount -t cgroup2 cgroup2 /sys/fs/cgroup
vol=/tmp/soak-vol
mkdir -p $vol

# The bundles: container i waits (polling the shared volume, no fixed sleep) for the case's
# "go", writes its own file there and exits with status i.
for i in $(seq $width); do
  b=$(bundle s$i "[\"sh\",\"-c\",\"echo up; while [ ! -e /vol/go ]; do sleep 0.1; done; echo s$i > /vol/s$i; echo done; exit $i\"]" false \
    ",{\"destination\":\"/vol\",\"type\":\"bind\",\"source\":\"$vol\",\"options\":[\"rbind\",\"rw\"]}" \
    ',"annotations":{"io.ppc-kvm.memory":"96M"}')
  sed -i "s|\"linux\":{|\"linux\":{\"cgroupsPath\":\"/soak/s$i\",|" "$b/config.json"
done

# counts: one line of what L1 holds now. User processes only (kernel threads come and go);
# fds and sockets summed over their fds (a VMM's sockets live in its container's network
# namespace, which /proc/net of L1's does not show). The containers' taps live in those
# namespaces too: they go with them, and a kept namespace shows as a mount.
counts() {
  local procs=0 fds=0 sockets=0 p
  for p in /proc/[0-9]*; do
    [ -n "$(readlink $p/exe 2>/dev/null)" ] || continue
    procs=$((procs + 1))
    fds=$((fds + $(ls $p/fd 2>/dev/null | wc -l)))
    sockets=$((sockets + $(ls -l $p/fd 2>/dev/null | grep -c 'socket:')))
  done
  echo "processes=$procs fds=$fds mounts=$(wc -l < /proc/self/mountinfo)" \
    "state=$(ls -A $root | grep -vc '^agent-initramfs')" \
    "cgroups=$(find /sys/fs/cgroup/soak -mindepth 1 -type d 2>/dev/null | wc -l)" \
    "sockets=$sockets interfaces=$(ls /sys/class/net | wc -l)"
}

cycle=0 first= rss_first= rss_last= started=$(date +%s)
while [ $cycle -lt 3 ] || [ $(( $(date +%s) - started )) -lt "$seconds" ]; do
  cycle=$((cycle + 1))
  rm -f $vol/*
  for i in $(seq $width); do
    ( $S run --bundle /tmp/bundles/s$i s$i > /tmp/s$i.out 2>/tmp/s$i.err; echo $? > /tmp/s$i.rc ) &
  done
  for i in $(seq $width); do
    wait_for_line /tmp/s$i.out '^up$' 300 || { fail "cycle $cycle: s$i never started: $(tail -3 /tmp/s$i.err)"; show_logs; }
  done
  # The counts see what a cycle makes (else an unchanged count would prove nothing).
  during=$(counts)
  case "$during" in *"cgroups=$((width * 2)) "*) ;; *) fail "cycle $cycle: while $width run, L1 holds '$during'" ;; esac
  set -- $(vmm_memory)
  # Two processes per VM: the supervisor and the jailed VMM (guest RAM counts in the latter).
  per_vm=0
  [ "$2" -gt 0 ] && per_vm=$(( $1 * 2 / $2 ))
  touch $vol/go
  wait
  bad=
  for i in $(seq $width); do
    [ "$(cat /tmp/s$i.rc)" = $i ] && [ "$(tr -d '\r' < /tmp/s$i.out)" = "up
done" ] && [ "$(cat $vol/s$i 2>/dev/null)" = s$i ] || bad="$bad s$i(exit $(cat /tmp/s$i.rc))"
  done
  now=$(counts)
  echo "cycle $cycle ($(( $(date +%s) - started )) s): $width run, VMM RSS $per_vm KiB per VM ($2 processes)"
  echo "  while running: $during"
  echo "  after:         $now"
  [ -z "$bad" ] || { fail "cycle $cycle: wrong exit or output:$bad"; tail -3 /tmp/s*.err; show_logs; break; }
  if [ $cycle -eq 1 ]; then first=$now rss_first=$per_vm; continue; fi
  rss_last=$per_vm
  [ "$now" = "$first" ] || { fail "cycle $cycle: L1 holds '$now', after cycle 1 '$first'"; break; }
done
[ "$now" = "$first" ] && [ -z "$bad" ] && ok "$cycle cycles of $width containers: every count as after the first ($first)"
root_clean "after the soak"
# Guest RAM touched at boot dominates; a leak per cycle in the VMM would grow it.
if [ -n "$rss_last" ] && [ "$rss_last" -le $((rss_first + rss_first / 10)) ]; then
  ok "VMM RSS per VM flat: $rss_first KiB in cycle 1, $rss_last KiB in cycle $cycle"
else
  fail "VMM RSS per VM: $rss_first KiB in cycle 1, '$rss_last' KiB in cycle $cycle"
fi
finish
