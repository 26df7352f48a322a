# Helpers for case scripts, installed by run.sh as /rig/case_lib.sh in L1 (busybox sh):
# build a guest initramfs from L1's own static busybox and an /init script, check output.
SHARE=/opt/ppc-kvm-shim/share

# make_initramfs OUT INIT_SCRIPT: the guest's /init is INIT_SCRIPT, run by busybox sh.
make_initramfs() {
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  cp "$2" "$root/init"
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc 2>/dev/null) > "$1"
  rm -rf "$root"
}

# expect_line FILE PATTERN: the guest's console printed a line matching PATTERN (the hvc
# console ends lines with \r\n).
expect_line() {
  if tr -d '\r' < "$1" | grep -q "$2"; then echo "ok: $2"; else echo "FAIL: console lacks '$2'"; return 1; fi
}
