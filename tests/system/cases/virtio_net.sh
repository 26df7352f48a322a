# Runs in L1: virtio-net on a tap. L1 makes a persistent tap (busybox tunctl, as the shim makes
# one in a container's network namespace) with an address and MTU 1400; a busybox guest gets
# it with --net tap=...,mac=...,mtu=1400, sees that MAC and MTU, configures eth0 with busybox
# ip, and passes traffic both ways: ping each way, a page each way over HTTP (busybox httpd
# and wget on both sides), and 8 MiB each way, checked by md5 and timed (TCP segmentation
# offload and mergeable receive buffers: the VMM's counters must show both, and no drops).
# The VMM runs jailed under its seccomp filters. Then the same guest and checks again with
# vhost=on: the host kernel's vhost-net moves the frames (its worker thread runs, the VMM
# counts none). Bad input: a tap that does not exist, and one in use by another VMM, exit 2
# naming the flag.
# Debian 12's busybox wget crashes (SIGSEGV) with -T: timeout(1) bounds each fetch instead.
. /rig/case_lib.sh
mac=02:00:0a:00:02:02
tap=tap0_ppc

echo "== --net on a tap that does not exist: exit 2, naming it"
out=$(ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --net tap=nonexistent,mac=$mac 2>&1)
rc=$?
echo "  $out"
[ "$rc" -eq 2 ] && ok "exit 2" || fail "exit $rc"
case "$out" in *"--net tap=nonexistent,mac=$mac: tap nonexistent: no such interface"*) ok "names the flag and the tap" ;; *) fail "message" ;; esac
ip link show nonexistent >/dev/null 2>&1 && fail "the VMM made the tap it was asked to attach" || ok "no tap made"

echo "== L1: a persistent tap with an address, and files to serve"
tunctl -t $tap >/dev/null || { fail "tunctl -t $tap"; finish; }
ip link set $tap mtu 1400 up && ip addr add 10.0.2.1/24 dev $tap || { fail "configuring $tap"; finish; }
mkdir -p /tmp/www
echo "hello from L1" > /tmp/www/hello.txt
dd if=/dev/urandom of=/tmp/www/big bs=1M count=8 2>/dev/null
l1_sum=$(md5sum < /tmp/www/big | cut -d' ' -f1)
httpd -p 8080 -h /tmp/www || { fail "httpd on L1"; finish; }

make_initramfs /tmp/guest.cpio <<'INIT'
b=/bin/busybox
$b mount -t proc proc /proc
$b mount -t sysfs sysfs /sys
$b mount -t devtmpfs devtmpfs /dev
now() { $b cut -d' ' -f1 /proc/uptime; }
echo "guest-mac: $($b cat /sys/class/net/eth0/address)"
echo "guest-mtu: $($b cat /sys/class/net/eth0/mtu)"
echo "guest-net-features: $($b cat /sys/class/net/eth0/device/features)"
$b ip link set lo up
$b ip link set eth0 up && $b ip addr add 10.0.2.2/24 dev eth0 && echo "guest-configured"
$b ping -c 3 -W 10 10.0.2.1 > /dev/null && echo "guest-ping: ok" || echo "guest-ping: failed"
echo "guest-hello: $($b timeout 30 $b wget -q -O - http://10.0.2.1:8080/hello.txt)"
t0=$(now)
$b timeout 180 $b wget -q -O /tmp/big http://10.0.2.1:8080/big
t1=$(now)
echo "guest-download: $($b md5sum < /tmp/big | $b cut -d' ' -f1) $t0 $t1"
# The device's interrupts (its sysfs name, e.g. virtio1, names their handlers), one per line.
dev=$($b basename $($b readlink /sys/class/net/eth0/device))
echo "guest-irqs: $($b grep " $dev\$" /proc/interrupts | $b tr -s ' ' | $b tr '\n' ';')"
$b rm -f /tmp/big
$b mkdir -p /www
echo "hello from the guest" > /www/hello.txt
$b dd if=/dev/urandom of=/www/big bs=1M count=8 2>/dev/null
echo "guest-serves: $($b md5sum < /www/big | $b cut -d' ' -f1)"
$b httpd -p 8080 -h /www && echo "guest-serving"
# Until L1 says it is done.
while ! $b timeout 10 $b wget -q -O /dev/null http://10.0.2.1:8080/done 2>/dev/null; do $b sleep 1; done
$b poweroff -f
INIT

# guest_on_tap NAME NET_OPTIONS: boots the guest on $tap (--net tap=...,mtu=1400NET_OPTIONS;
# console /tmp/console-NAME.log, the VMM's log /tmp/vmm-NAME.log), checks what it saw and did
# and that L1 reaches it, then has it power off. Sets $vmm_log. False when it never served.
guest_on_tap() {
  local name=$1 options=$2 console=/tmp/console-$1.log vmm rc watchdog t0 t1 fetched features irqs by_source download guest_sum
  vmm_log=/tmp/vmm-$1.log
  rm -f /tmp/www/done /tmp/from-guest
  echo "== the guest on $tap ($name)"
  ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 256M --cmdline "console=hvc0 panic=-1 quiet" \
    --console $console --net tap=$tap,mac=$mac,mtu=1400$options 2>$vmm_log &
  vmm=$!
  if ! expect_line_soon $console "^guest-serving" 400; then
    cat $vmm_log; kill $vmm; return 1
  fi
  tr -d '\r' < $console | grep '^guest-'
  expect_line $console "^guest-mac: $mac$"
  expect_line $console "^guest-mtu: 1400$"
  # EVENT_IDX (bit 29): our transport offers it for the rings it serves, and so does the
  # kernel's vhost-net for the rings it serves; Linux takes it.
  features=$(tr -d '\r' < $console | sed -n 's/^guest-net-features: //p')
  [ "${features:29:1}" = 1 ] && ok "EVENT_IDX negotiated" || fail "features: '$features'"
  expect_line $console "^guest-configured"
  expect_line $console "^guest-ping: ok"
  expect_line $console "^guest-hello: hello from L1$"
  # Two interrupt sources (kernel/patches/guest/0002): used buffers on the even XICS source,
  # which the guest handles without reading InterruptStatus, config changes on the odd one
  # after it. The traffic came on the first; no config change happened.
  irqs=$(tr -d '\r' < $console | sed -n 's/^guest-irqs: //p')
  by_source=$(echo "$irqs" | tr ';' '\n' | awk 'NF { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i;
    if ($i == "XICS") printf "%s%d", ($(i + 1) % 2 ? " config=" : " used="), n }')
  case "$by_source" in
    " used="[1-9]*" config=0" | " config=0 used="[1-9]*) ok "used-buffer and config interrupts apart:$by_source" ;;
    *) fail "interrupts:$by_source ('$irqs')" ;;
  esac
  download=$(tr -d '\r' < $console | sed -n 's/^guest-download: //p')
  [ -n "$l1_sum" ] && [ "${download%% *}" = "$l1_sum" ] && ok "8 MiB L1 -> guest intact" || fail "guest's md5 '${download%% *}', L1's $l1_sum"

  echo "== L1 reaches the guest ($name)"
  ping -c 3 -W 10 10.0.2.2 >/dev/null && ok "L1 pings the guest" || fail "L1 cannot ping the guest"
  [ "$(timeout 30 wget -q -O - http://10.0.2.2:8080/hello.txt)" = "hello from the guest" ] && ok "L1 fetches a page" || fail "L1's fetch"
  t0=$(cut -d' ' -f1 /proc/uptime)
  # Bounded against a hang, not timed: on a loaded build machine this path has taken over 60 s.
  timeout 180 wget -q -O /tmp/from-guest http://10.0.2.2:8080/big; fetched=$?
  t1=$(cut -d' ' -f1 /proc/uptime)
  guest_sum=$(tr -d '\r' < $console | sed -n 's/^guest-serves: //p')
  if [ "$fetched" -ne 0 ]; then
    fail "L1's fetch of the guest's 8 MiB ended with status $fetched ($(wc -c < /tmp/from-guest) bytes; 143: not done in 180 s)"
  elif [ -n "$guest_sum" ] && [ "$(md5sum < /tmp/from-guest | cut -d' ' -f1)" = "$guest_sum" ]; then
    ok "8 MiB guest -> L1 intact"
  else
    fail "L1's copy differs from the guest's ('$guest_sum')"
  fi
  echo "$download" | awk -v u0="$t0" -v u1="$t1" -v name="$name" '{ d = $3 - $2; u = u1 - u0;
    printf "throughput (emulated, %s): L1 -> guest 8 MiB in %.2f s = %.2f MiB/s; guest -> L1 8 MiB in %.2f s = %.2f MiB/s\n",
           name, d, (d > 0 ? 8 / d : 0), u, (u > 0 ? 8 / u : 0) }'
  # What moves the frames, while the guest runs: the kernel's vhost-net has a worker thread
  # named after the process that owns it (the jailed VMM); our own device has none.
  jailed=$(jailed_vmm_pid $vmm_log)
  vhost_workers=$(cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^vhost-')
  vhost_worker_of_vmm=no
  [ -n "$jailed" ] && grep -qx "vhost-$jailed" /proc/[0-9]*/comm 2>/dev/null && vhost_worker_of_vmm=yes

  if [ "$name" = vmm ]; then
    echo "== one VMM per tap"
    out=$(ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --net tap=$tap,mac=$mac 2>&1)
    rc=$?
    echo "  $out"
    [ "$rc" -eq 2 ] && ok "a second VMM on the tap exits 2" || fail "second VMM: exit $rc"
    case "$out" in *"--net tap=$tap,mac=$mac: tap $tap: already in use"*) ok "names the flag and the tap" ;; *) fail "message" ;; esac
  fi

  echo "== the guest powers off when L1 is done ($name)"
  : > /tmp/www/done
  # SIGTERM first: a VMM that stops cleanly still logs its counters.
  (sleep 120; kill -TERM $vmm 2>/dev/null; sleep 30; kill -KILL $vmm 2>/dev/null) &
  watchdog=$!
  wait $vmm
  rc=$?
  kill $watchdog 2>/dev/null
  [ "$rc" -eq 0 ] && ok "VMM exit 0" || fail "VMM exit $rc"
  grep "virtio-net" $vmm_log
  return 0
}

if guest_on_tap vmm ""; then
  [ "$vhost_workers" -eq 0 ] && ok "no vhost-net worker: the VMM moved the frames" || fail "$vhost_workers vhost workers"
  grep -q "virtio-net $tap: driver ready; tap offloads csum tso4 tso6; mergeable receive buffers" $vmm_log &&
    ok "the guest acked checksum, TSO and mergeable buffers" || fail "offloads"
  counters=$(grep "virtio-net $tap: received" $vmm_log)
  merged=$(echo "$counters" | sed -n 's/.* bytes, \([0-9]*\) over several buffers.*/\1/p')
  segmented=$(echo "$counters" | sed -n 's/.* \([0-9]*\) segmented.*/\1/p')
  [ "${merged:-0}" -gt 0 ] && ok "$merged frames over several receive buffers" || fail "no merged receive"
  [ "${segmented:-0}" -gt 0 ] && ok "$segmented segmented frames sent" || fail "no TSO from the guest"
  case "$counters" in *" 0 dropped, 0 unusable buffers), sent "*" 0 dropped, 0 refused by the tap)") ok "nothing dropped" ;; *) fail "drops: $counters" ;; esac
fi

# The same guest and checks with the host kernel's vhost-net moving the frames (vhost=on).
modprobe vhost_net 2>/dev/null
if [ ! -c /dev/vhost-net ]; then
  fail "no /dev/vhost-net in L1 (modprobe vhost_net: the L1 kernel builds it as a module)"
elif guest_on_tap vhost ",vhost=on"; then
  [ "$vhost_worker_of_vmm" = yes ] && ok "the kernel's vhost-net worker of the jailed VMM ($jailed) ran" ||
    fail "no vhost-$jailed worker ($vhost_workers vhost workers)"
  # The worker belongs to the VMM's vhost-net fd: it ends with the VMM.
  grep -qx "vhost-$jailed" /proc/[0-9]*/comm 2>/dev/null && fail "vhost-$jailed outlived its VMM" || ok "the worker ended with the VMM"
  grep -q "virtio-net $tap (vhost-net): driver ready; tap offloads csum tso4 tso6; mergeable receive buffers" $vmm_log &&
    ok "vhost-net: the guest acked checksum, TSO and mergeable buffers" || fail "vhost-net offloads"
  # The VMM's own device logs its frame counters; with vhost-net no frame passed through it.
  grep -q "virtio-net $tap: received" $vmm_log && fail "frames went through the VMM" || ok "no frame went through the VMM"
  faults=$(grep "(vhost-net): " $vmm_log | grep -v ": driver ready; ")
  [ -z "$faults" ] && ok "no vhost-net fault" || fail "vhost-net faults: $faults"
fi

tunctl -d $tap >/dev/null
finish
