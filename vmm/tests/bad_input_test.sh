#!/bin/sh
# Bad input to ppc-kvm-vmm: each must print a clear message naming the problem and exit 2
# before any VM exists (no KVM is needed: this also runs under qemu-user).
#   bad_input_test.sh KERNEL VMM [EMULATOR...]   (the VMM command may be prefixed by an emulator)
kernel=$1; shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "not a kernel" > "$tmp/text"
head -c 8000000 /dev/zero > "$tmp/big.cpio"
: > "$tmp/empty"
failed=0
check() {  # check EXPECTED-SUBSTRING ARGS...
  want=$1; shift
  out=$("$@" 2>&1 >/dev/null); rc=$?
  case "$out" in
    *"$want"*) [ "$rc" -eq 2 ] && { echo "ok: exit 2: $out"; return; } ;;
  esac
  echo "FAIL: $* -> exit $rc, message '$out' (wanted exit 2 and '$want')"; failed=1
}
vmm="$*"
check "--kernel: open $tmp/missing: No such file" $vmm --kernel "$tmp/missing"
check "not an ELF64 PowerPC kernel" $vmm --kernel "$tmp/text"
check "file is empty" $vmm --kernel "$tmp/empty"
check "--initrd: open $tmp/missing" $vmm --kernel "$kernel" --initrd "$tmp/missing"
check "is too small for the kernel" $vmm --kernel "$kernel" --memory 16M --initrd "$tmp/big.cpio"
check "--memory 12582912 bytes: a whole number of MiB, at least 16 MiB" $vmm --kernel "$kernel" --memory 12M
check "--memory: size '1.5G' is not a number" $vmm --kernel "$kernel" --memory 1.5G
check "--vcpus 17: between 1 and 16" $vmm --kernel "$kernel" --vcpus 17
check "--vm-type: unknown type 'xx'" $vmm --kernel "$kernel" --vm-type xx
check "--kernel (or --restore-from) is required" $vmm --memory 1G
check "--snapshot-to and --restore-from: one at a time" $vmm --snapshot-to "$tmp/s" --restore-from "$tmp/s"
check "--restore-from: drop --kernel and --initrd" $vmm --kernel "$kernel" --restore-from "$tmp" --no-rng
check "--restore-from: $tmp/state.json: No such file" $vmm --restore-from "$tmp"
echo '{"format": "ppc-kvm-vmm snapshot 2", "memory": 536870912}' > "$tmp/state.json"
check "--restore-from: $tmp/state.json.radix: missing" $vmm --restore-from "$tmp" --no-rng
check "--snapshot-to: a machine with virtio-blk (--drive) cannot be saved yet (virtio-rng, virtio-vsock, virtio-fs and virtio-net can)" \
  $vmm --kernel "$kernel" --drive "$tmp/big.cpio" --snapshot-to "$tmp/s"
[ -e "$tmp/s" ] && { echo "FAIL: a refused --snapshot-to left $tmp/s"; failed=1; }
check "unknown argument '--bogus'" $vmm --kernel "$kernel" --bogus
check "--fs-share $tmp/missing: No such file" $vmm --kernel "$kernel" --fs-share "$tmp/missing"
check "--fs-share $tmp/text: not a directory" $vmm --kernel "$kernel" --fs-share "$tmp/text"
check "--virtiofsd $tmp/missing: No such file" $vmm --kernel "$kernel" --fs-share "$tmp" --virtiofsd "$tmp/missing"
check "--virtiofsd $tmp/text: not executable" $vmm --kernel "$kernel" --fs-share "$tmp" --virtiofsd "$tmp/text"
check "--fs-tag '0123456789012345678901234567890123456': 1 to 36 bytes" $vmm --kernel "$kernel" --fs-share "$tmp" \
  --fs-tag 0123456789012345678901234567890123456
check "--fs-tag, --virtiofsd and --virtiofsd-cgroup go with --fs-share" $vmm --kernel "$kernel" --fs-tag data
check "--net tap=nonexistent0,mac=02:00:00:00:00:01: tap nonexistent0: no such interface" \
  $vmm --kernel "$kernel" --net tap=nonexistent0,mac=02:00:00:00:00:01
check "--net tap=t0,mac=02:00:00:00:00:01,mtu=60: mtu '60': a number from 68 to 65535" \
  $vmm --kernel "$kernel" --net tap=t0,mac=02:00:00:00:00:01,mtu=60
check "--net tap=t0,mac=02:00:00:00:00: mac '02:00:00:00:00' is not six hex bytes" \
  $vmm --kernel "$kernel" --net tap=t0,mac=02:00:00:00:00
exit $failed
