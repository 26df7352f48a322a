#!/bin/sh
# Builds the Debian package with cpack into a scratch directory and checks it: exactly the
# files of the runtime, each at its own path and the paths the shim looks at by default
# (shim_config.h), owned by root, the binaries executable, the guest kernel a file (not the
# build's link), the /etc files as conffiles, and the control fields. Any difference fails.
#   deb_test.sh CPackConfig.cmake shim_config.h
config=$1
header=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

cpack --config "$config" -B "$tmp" >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; echo "FAIL: cpack"; exit 1; }
set -- "$tmp"/*.deb
[ $# -eq 1 ] && [ -f "$1" ] || { cat "$tmp/cpack.log"; echo "FAIL: expected one .deb, found: $*"; exit 1; }
deb=$1
echo "package: $(basename "$deb")"
dpkg-deb -c "$deb" | tee "$tmp/contents"

# Every entry: its type and mode, owner, path (symbolic links would show "-> target").
awk '{ print substr($1, 1, 1), $1, $2, $6 }' "$tmp/contents" >"$tmp/entries"
grep -q ' -> ' "$tmp/contents" && fail "symbolic links in the package: $(grep ' -> ' "$tmp/contents")"
awk '$3 != "root/root" { print $4 }' "$tmp/entries" | while read -r p; do echo "FAIL: $p not owned by root/root"; done | grep . && failed=1

cat >"$tmp/want-files" <<'LIST'
./etc/containers/containers.conf.d/ppc-kvm-shim.conf
./etc/ppc-kvm-shim/config.json.example
./usr/bin/ppc-kvm-shim
./usr/libexec/ppc-kvm-shim/ppc-kvm-agent
./usr/libexec/ppc-kvm-shim/ppc-kvm-vmm
./usr/share/doc/ppc-kvm-shim/README.md
./usr/share/ppc-kvm-shim/containerd-ppc-kvm.toml
./usr/share/ppc-kvm-shim/guest-vmlinux
LIST
cat >"$tmp/want-dirs" <<'LIST'
./etc/
./etc/containers/
./etc/containers/containers.conf.d/
./etc/ppc-kvm-shim/
./usr/
./usr/bin/
./usr/libexec/
./usr/libexec/ppc-kvm-shim/
./usr/share/
./usr/share/doc/
./usr/share/doc/ppc-kvm-shim/
./usr/share/ppc-kvm-shim/
LIST
awk '$1 != "d" { print $4 }' "$tmp/entries" | sort >"$tmp/files"
awk '$1 == "d" { print $4 }' "$tmp/entries" | sort >"$tmp/dirs"
for kind in files dirs; do
  comm -23 "$tmp/want-$kind" "$tmp/$kind" | while read -r p; do echo "FAIL: missing from the package: $p"; done | grep . && failed=1
  comm -13 "$tmp/want-$kind" "$tmp/$kind" | while read -r p; do echo "FAIL: not ours to install: $p"; done | grep . && failed=1
done

for p in ./usr/bin/ppc-kvm-shim ./usr/libexec/ppc-kvm-shim/ppc-kvm-vmm ./usr/libexec/ppc-kvm-shim/ppc-kvm-agent; do
  grep -q "^- -rwxr-xr-x root/root $p\$" "$tmp/entries" || fail "$p is not a file of mode 0755"
done
for p in ./etc/ppc-kvm-shim/config.json.example ./etc/containers/containers.conf.d/ppc-kvm-shim.conf \
         ./usr/share/ppc-kvm-shim/guest-vmlinux; do
  grep -q "^- -rw-r--r-- root/root $p\$" "$tmp/entries" || fail "$p is not a file of mode 0644"
done
kernel_size=$(awk '$6 == "./usr/share/ppc-kvm-shim/guest-vmlinux" { print $3 }' "$tmp/contents")
[ "${kernel_size:-0}" -gt 1000000 ] || fail "guest-vmlinux is ${kernel_size:-0} bytes: not the kernel"

# The shim's defaults are where the package puts the files.
for name in kDefaultKernel kDefaultVmm kDefaultAgent; do
  path=$(sed -n "s/.*$name = \"\\(.*\\)\";/\\1/p" "$header")
  [ -n "$path" ] || fail "$name not found in $header"
  grep -qx ".$path" "$tmp/files" || fail "$name ($path) is not in the package"
done
settings=$(sed -n 's/.*kDefaultShimConfig = "\(.*\)";/\1/p' "$header")
grep -qx ".$settings.example" "$tmp/files" || fail "no example beside kDefaultShimConfig ($settings)"

[ "$(dpkg-deb -f "$deb" Package)" = ppc-kvm-shim ] || fail "Package: $(dpkg-deb -f "$deb" Package)"
[ "$(dpkg-deb -f "$deb" Architecture)" = ppc64el ] || fail "Architecture: $(dpkg-deb -f "$deb" Architecture)"
[ "$(dpkg-deb -f "$deb" Depends)" = qemu-system-common ] || fail "Depends: $(dpkg-deb -f "$deb" Depends)"
echo "Depends: $(dpkg-deb -f "$deb" Depends)"
dpkg-deb -I "$deb" conffiles >"$tmp/conffiles" 2>&1 || fail "no conffiles: $(cat "$tmp/conffiles")"
printf '%s\n' /etc/containers/containers.conf.d/ppc-kvm-shim.conf /etc/ppc-kvm-shim/config.json.example >"$tmp/want-conffiles"
sort "$tmp/conffiles" | cmp -s - "$tmp/want-conffiles" || fail "conffiles: $(cat "$tmp/conffiles")"

dpkg-deb -x "$deb" "$tmp/root"
grep -qx 'ppc-kvm-shim = \["/usr/bin/ppc-kvm-shim"\]' "$tmp/root/etc/containers/containers.conf.d/ppc-kvm-shim.conf" ||
  fail "the containers.conf drop-in does not declare /usr/bin/ppc-kvm-shim"
grep -q 'BinaryName = "/usr/bin/ppc-kvm-shim"' "$tmp/root/usr/share/ppc-kvm-shim/containerd-ppc-kvm.toml" ||
  fail "the containerd snippet does not name /usr/bin/ppc-kvm-shim"

[ "$failed" -eq 0 ] && echo "deb: all passed"
exit "$failed"
