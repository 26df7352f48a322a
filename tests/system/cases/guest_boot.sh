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
INIT
)
make_marker_initramfs /tmp/guest.cpio GUEST-USERSPACE-MARKER "$what_the_guest_sees"
for spec in "1 256" "2 384"; do
  set -- $spec
  vcpus=$1 mib=$2
  echo "== boot: $vcpus vCPU(s), $mib MiB"
  ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --vcpus "$vcpus" --memory "${mib}M" \
    --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log
  rc=$?
  cat /tmp/console.log
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
  want_mmu=Hash; [ "$RIG_PROFILE" = hv ] && want_mmu=Radix
  expect_line /tmp/console.log "guest-mmu=$want_mmu"
done
finish
