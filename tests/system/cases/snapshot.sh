# Runs in L1: a guest saved while it runs (--snapshot-to, on SIGUSR2) and continued in new
# VMMs (--restore-from), twice from the same files. The guest's /init prints a numbered tick
# with its uptime every 0.2 s: a restored guest goes on from the next number (no new boot), its
# clock from where it stopped (its timers fire: the ticks keep coming). KVM-PR refuses to save
# (its decrementer is out of the VMM's reach) without leaving a VMM behind.
. /rig/case_lib.sh
ticker=$(cat <<'INIT'
/bin/busybox mount -t proc proc /proc
i=0
while true; do echo "tick $i up $(/bin/busybox cut -d' ' -f1 /proc/uptime)"; i=$((i + 1)); /bin/busybox sleep 0.2; done
INIT
)
make_marker_initramfs /tmp/ticker.cpio TICKER-BOOTED "$ticker"
snap=/tmp/snap
guest="--memory 256M --vcpus 2 --no-rng"
tick_of() { tr -d '\r' < "$1" | sed -n 's/^tick \([0-9]*\) up .*/\1/p' | sed -n "$2"; }
uptime_of() { tr -d '\r' < "$1" | sed -n "s/^tick $2 up \([0-9.]*\)\$/\1/p"; }

ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/ticker.cpio $guest --cmdline "console=hvc0 panic=-1 quiet" \
  --console /tmp/boot.log --snapshot-to $snap 2> /tmp/save.log &
vmm=$!
if [ "$RIG_PROFILE" = pr ]; then
  wait $vmm
  rc=$?
  cat /tmp/save.log
  if [ "$rc" -eq 1 ]; then ok "KVM-PR: the VMM exits 1"; else fail "KVM-PR: the VMM exited $rc"; fi
  expect_line /tmp/save.log "KVM-PR guest cannot be saved or restored: its decrementer is out of reach"
  if [ -e $snap ]; then fail "the refused snapshot left $snap: $(ls -la $snap)"; else ok "nothing left in $snap"; fi
  finish
  exit
fi

expect_line_soon /tmp/boot.log "^tick 5 " 180
kill -USR2 $vmm
wait $vmm
rc=$?
cat /tmp/save.log
if [ "$rc" -eq 0 ]; then ok "saving: the VMM exits 0"; else fail "saving: the VMM exited $rc"; fi
expect_line /tmp/save.log "saved to $snap: 256 MiB of RAM, 2 vCPU(s)"
size=$(stat -c %s $snap/ram 2>/dev/null)
if [ "$size" = $((256 << 20)) ]; then ok "ram holds the guest's 256 MiB"; else fail "ram holds '$size' bytes"; fi
# Sparse: only the pages the guest wrote take room (a ticking busybox touched far less).
used=$(( $(stat -c %b $snap/ram) * $(stat -c %B $snap/ram) ))
echo "ram takes $((used >> 20)) MiB on disk"
if [ "$used" -lt $((128 << 20)) ]; then ok "ram is sparse"; else fail "ram takes $used bytes"; fi
mode=$(stat -c %a $snap 2>/dev/null)
if [ "$mode" = 700 ]; then ok "the snapshot's directory is 0700"; else fail "the snapshot's directory is '$mode'"; fi
last=$(tick_of /tmp/boot.log '$p')
last_up=$(uptime_of /tmp/boot.log "$last")
echo "saved after tick $last (guest uptime $last_up s); the boot's ticks:" $(tr -d '\r' < /tmp/boot.log | grep '^tick')

# Refused before any VM exists, naming what is wrong: another machine size, a state file cut
# short (a save that did not finish), RAM of the wrong size.
refused() {  # refused WHAT EXPECTED-TEXT VMM-ARGS...
  local what=$1 text=$2 rc
  shift 2
  ppc-kvm-vmm "$@" --console /tmp/refused.log 2> /tmp/refused.vmm.log
  rc=$?
  if [ "$rc" -eq 2 ] && grep -q "$text" /tmp/refused.vmm.log; then ok "$what: refused (exit 2)"
  else fail "$what: exit $rc, $(cat /tmp/refused.vmm.log)"; fi
}
refused "another --memory" "memory 512 MiB: the snapshot in $snap has 256 MiB" --restore-from $snap --memory 512M --vcpus 2 --no-rng
mkdir -p /tmp/cut /tmp/small
ln $snap/ram /tmp/cut/ram && head -c 200 $snap/state.json > /tmp/cut/state.json
refused "a state file cut short" "state.json: not JSON (an unfinished snapshot?)" --restore-from /tmp/cut $guest
cp $snap/state.json /tmp/small/ && head -c 65536 $snap/ram > /tmp/small/ram
refused "RAM of another size" "ram holds 65536 bytes, not the 268435456" --restore-from /tmp/small $guest

for clone in 1 2; do
  echo "== restore $clone"
  ppc-kvm-vmm --restore-from $snap $guest --console /tmp/restore$clone.log 2> /tmp/restore$clone.vmm.log &
  vmm=$!
  expect_line_soon /tmp/restore$clone.log "^tick $((last + 10)) " 120
  kill -TERM $vmm
  wait $vmm
  cat /tmp/restore$clone.vmm.log
  echo "restore $clone's first ticks:" $(tr -d '\r' < /tmp/restore$clone.log | grep '^tick' | head -4)
  first=$(tick_of /tmp/restore$clone.log 1p)
  if [ "$first" = $((last + 1)) ]; then ok "restore $clone goes on from tick $first"; else fail "restore $clone began at tick '$first', not $((last + 1))"; fi
  if tr -d '\r' < /tmp/restore$clone.log | grep -q TICKER-BOOTED; then fail "restore $clone booted again"; else ok "restore $clone did not boot again"; fi
  up=$(uptime_of /tmp/restore$clone.log "$first")
  # The guest's clock went on where it stopped: its next tick 0.2 s later, give or take the
  # timebase offset's rounding (2^24 ticks, 33 ms) and the emulated host's slowness.
  if awk -v a="$last_up" -v b="$up" 'BEGIN { d = b - a; exit !(d > 0 && d < 1) }'; then
    ok "restore $clone: the guest's clock went on (uptime $last_up -> $up)"
  else
    fail "restore $clone: uptime $last_up -> '$up'"
  fi
done
finish
