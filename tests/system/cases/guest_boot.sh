# Runs in L1: our VMM boots the minimal guest kernel with a busybox initramfs whose /init
# prints a marker from userspace and what the guest sees (CPUs, memory), then powers off.
# Checked for 1 and 2 vCPUs; the VMM must exit 0 each time.
. /rig/case_lib.sh
# After the marker: what the guest sees.
what_the_guest_sees=$(cat <<'INIT'
/bin/busybox mount -t proc proc /proc
echo "guest-cpus=$(/bin/busybox grep -c ^processor /proc/cpuinfo)"
echo "guest-memtotal-kb=$(/bin/busybox awk '/^MemTotal/ {print $2}' /proc/meminfo)"
echo "guest-mmu=$(/bin/busybox awk '/^MMU/ {print $3}' /proc/cpuinfo)"
echo "guest-page-orders=$(/bin/busybox dmesg | /bin/busybox grep -o 'Page orders: linear mapping = [0-9]*, virtual = [0-9]*')"
echo "guest-linear-map=$(/bin/busybox dmesg | /bin/busybox grep -o 'Mapped 0x[0-9a-f]*-0x[0-9a-f]* with [0-9.]* [KMG]iB' | /bin/busybox tr '\n' ' ')"
/bin/busybox mount -t sysfs sysfs /sys
echo "guest-spectre-v1=$(/bin/busybox cat /sys/devices/system/cpu/vulnerabilities/spectre_v1)"
echo "guest-l1d-bytes=$(/bin/busybox od -An -td8 -w16 -v /proc/self/auxv | /bin/busybox awk '$1 == 42 {print $2}')"
INIT
)
# expect_cpu_characteristics VMM_LOG CONSOLE: the guest's view of Spectre v1 follows what the
# VMM answered to H_GET_CPU_CHARACTERISTICS (the host KVM's characteristics, or H_FUNCTION,
# after which the guest assumes every mitigation is needed). Bits as in PAPR: character
# 63 = ori31 speculation barrier; behaviour 63 = favour security, 61 = bounds-check barrier.
expect_cpu_characteristics() {
  local line c b want
  line=$(grep -o 'CPU characteristics for the guest, from the host.s KVM: character 0x[0-9a-f]*, behaviour 0x[0-9a-f]*' "$1")
  if [ -n "$line" ]; then
    c=$(echo "$line" | sed 's/.*character \(0x[0-9a-f]*\).*/\1/') b=$(echo "$line" | sed 's/.*behaviour \(0x[0-9a-f]*\).*/\1/')
  elif grep -q 'CPU characteristics: the host.s KVM knows none' "$1"; then
    c=0x0 b=0xa000000000000000  # the guest's defaults
  else
    fail "the VMM's log says nothing of the CPU characteristics"; return
  fi
  # Bits 63..60 are the top hex digit of the 64-bit value (sh arithmetic stops at 2^63 - 1).
  local c_top b_top
  c_top=$(top_hex_digit "$c") b_top=$(top_hex_digit "$b")
  if [ $(( b_top & 2 )) != 0 ]; then
    want="Vulnerable"; [ $(( b_top & 8 )) != 0 ] && want="Mitigation: __user pointer sanitization"
    [ $(( c_top & 8 )) != 0 ] && want="$want, ori31 speculation barrier enabled"
  else
    want="Not affected"
  fi
  local whose="the host KVM's"; [ -n "$line" ] || whose="none, H_FUNCTION: the guest's defaults"
  echo "CPU characteristics: character $c, behaviour $b ($whose)"
  expect_line "$2" "guest-spectre-v1=$want\$"
}
top_hex_digit() {
  local h=${1#0x}
  while [ ${#h} -lt 16 ]; do h=0$h; done
  echo $(( 0x$(echo "$h" | cut -c1) ))
}
make_marker_initramfs /tmp/guest.cpio GUEST-USERSPACE-MARKER "$what_the_guest_sees"
# L1's own L1 data cache size as its kernel tells processes (auxv entry 42, AT_L1D_CACHESIZE).
host_l1d=$(od -An -td8 -w16 -v /proc/self/auxv | awk '$1 == 42 {print $2}')
for spec in "1 256" "2 384"; do
  set -- $spec
  vcpus=$1 mib=$2
  echo "== boot: $vcpus vCPU(s), $mib MiB"
  ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --vcpus "$vcpus" --memory "${mib}M" \
    --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log 2>/tmp/vmm.err
  rc=$?
  cat /tmp/vmm.err /tmp/console.log
  if [ "$rc" -eq 0 ]; then ok "VMM exited 0"; else fail "VMM exited $rc"; continue; fi
  expect_line /tmp/console.log GUEST-USERSPACE-MARKER
  expect_line /tmp/console.log "guest-cpus=$vcpus\$"
  kb=$(tr -d '\r' < /tmp/console.log | sed -n 's/^guest-memtotal-kb=\([0-9]*\)$/\1/p')
  # MemTotal is RAM less what the kernel keeps for itself: within 15 % of what we asked for.
  if [ -n "$kb" ] && [ "$kb" -le $((mib * 1024)) ] && [ "$kb" -ge $((mib * 1024 * 85 / 100)) ]; then
    ok "MemTotal ${kb} kB for ${mib} MiB"
  else
    fail "MemTotal '${kb}' kB does not match ${mib} MiB"
  fi
  expect_cpu_characteristics /tmp/vmm.err /tmp/console.log
  # The guest learns the host's L1 data cache size from the device tree (d-cache-size) and sizes
  # its L1D displacement flush, run at every kernel entry and exit, by it: without it, 64 KiB.
  if [ "${host_l1d:-0}" -gt 0 ]; then
    expect_line /tmp/console.log "guest-l1d-bytes=$host_l1d\$"
  else
    fail "L1's kernel gives no L1 data cache size (auxv AT_L1D_CACHESIZE '$host_l1d'): nothing to check the guest's against"
  fi
  want_mmu=Hash; [ "$RIG_PROFILE" = hv ] && want_mmu=Radix
  expect_line /tmp/console.log "guest-mmu=$want_mmu"
  # A radix guest maps its memory in 2 MiB pages (1 GiB from 1 GiB up) when the device tree
  # lists the page sizes KVM allows; with 64 KiB pages only, the kernel's copies miss the TLB
  # far more often.
  # A hash guest (KVM-PR) backs its 64 KiB pages with 64 KiB hash entries when the device tree
  # lists them, which KVM-PR does only once vCPU 0 exists; else sixteen 4 KiB entries each.
  if [ "$RIG_PROFILE" = hv ]; then
    expect_line /tmp/console.log "guest-linear-map=.* with 2.00 MiB"
  else
    expect_line /tmp/console.log "guest-page-orders=Page orders: linear mapping = 24, virtual = 16"
  fi
done
finish
