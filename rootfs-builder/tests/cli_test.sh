#!/bin/sh
# ppc-kvm-rootfs as a program: exit statuses, messages, and that a failed run leaves no
# output (nor OUT.tmp) behind.
#   cli_test.sh [EMULATOR] PPC-KVM-ROOTFS   (the program may be prefixed by an emulator)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/tree" "$tmp/tree/etc"
echo hello > "$tmp/tree/etc/motd"
printf 'agent\n' > "$tmp/agent"
failed=0
check() {  # check STATUS EXPECTED-SUBSTRING ARGS...
  want_rc=$1 want=$2; shift 2
  out=$("$@" 2>&1 >/dev/null); rc=$?
  case "$out" in
    *"$want"*) if [ "$rc" -eq "$want_rc" ]; then echo "ok: exit $rc: $out"; return; fi ;;
  esac
  echo "FAIL: $* -> exit $rc, message '$out' (wanted exit $want_rc and '$want')"; failed=1
}
no_output() {
  for f in "$tmp/out.cpio" "$tmp/out.cpio.tmp"; do
    if [ -e "$f" ]; then echo "FAIL: $f left behind"; failed=1; fi
  done
}
tool="$*"

out=$($tool --help); rc=$?
case "$out" in
  "usage: ppc-kvm-rootfs"*) if [ "$rc" -eq 0 ]; then echo "ok: --help"; else echo "FAIL: --help printed the usage but exited $rc"; failed=1; fi ;;
  *) echo "FAIL: --help -> exit $rc"; failed=1 ;;
esac
check 2 "ppc-kvm-rootfs: --agent is required" $tool --rootfs "$tmp/tree" -o "$tmp/out.cpio"
check 2 "ppc-kvm-rootfs: unknown argument '--bogus'" $tool --bogus
check 2 "ppc-kvm-rootfs: --mtime: 'x' is not a decimal number" $tool --agent "$tmp/agent" --rootfs "$tmp/tree" --mtime x -o "$tmp/out.cpio"
check 2 "ppc-kvm-rootfs: --add a: expected SRC:DEST" $tool --agent "$tmp/agent" --rootfs "$tmp/tree" --add a -o "$tmp/out.cpio"
no_output
check 1 "ppc-kvm-rootfs: agent: stat $tmp/missing: No such file or directory" $tool --agent "$tmp/missing" --rootfs "$tmp/tree" -o "$tmp/out.cpio"
check 1 "ppc-kvm-rootfs: rootfs: open directory $tmp/nodir: No such file or directory" $tool --agent "$tmp/agent" --rootfs "$tmp/nodir" -o "$tmp/out.cpio"
no_output

$tool --agent "$tmp/agent" --rootfs "$tmp/tree" --add "$tmp/agent:/bin/extra:0700" --mtime 7 -o "$tmp/out.cpio" || { echo "FAIL: build -> exit $?"; failed=1; }
$tool --agent "$tmp/agent" --rootfs "$tmp/tree" --add "$tmp/agent:/bin/extra:0700" --mtime 7 -o "$tmp/again.cpio" || failed=1
[ -e "$tmp/out.cpio.tmp" ] && { echo "FAIL: out.cpio.tmp left after success"; failed=1; }
if cmp -s "$tmp/out.cpio" "$tmp/again.cpio"; then echo "ok: two runs give the same bytes"; else echo "FAIL: two runs differ"; failed=1; fi
listing=$(/usr/bin/cpio -it --quiet < "$tmp/out.cpio" | tr '\n' ' ')
want="bin bin/extra dev init proc rootfs rootfs/etc rootfs/etc/motd run sys tmp "
if [ "$listing" = "$want" ]; then echo "ok: listing"; else echo "FAIL: listing '$listing', wanted '$want'"; failed=1; fi
exit $failed
