#!/usr/bin/env bash
# Prints the path of a directory holding Debian 12's ppc64el virtiofsd with everything it needs
# to run in the rig's busybox-only L1, laid out as in a root file system:
#   usr/lib/qemu/virtiofsd, lib64/ld64.so.2 (its interpreter), and the shared libraries it
#   loads (its NEEDED closure, libc included) in lib/powerpc64le-linux-gnu/ and
#   usr/lib/powerpc64le-linux-gnu/
# Taken from the packages (qemu-system-common and the libraries' packages) with apt-get
# download and dpkg-deb -x, unpacked, not installed, and cached by the packages' versions.
set -euo pipefail
cache=${PPC_KVM_SHIM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ppc-kvm-shim}
packages=(qemu-system-common libc6 libglib2.0-0 libpcre2-8-0 libnuma1 libcap-ng0 libseccomp2)
if [ "$(uname -m)" = ppc64le ]; then tools=""; else tools=powerpc64le-linux-gnu-; fi

versions=""
for p in "${packages[@]}"; do
  v=$(apt-cache policy "$p:ppc64el" | sed -n 's/^ *Candidate: //p')
  [ -n "$v" ] && [ "$v" != "(none)" ] ||
    { echo "fetch-virtiofsd: no $p:ppc64el in apt (dpkg --add-architecture ppc64el; apt-get update)" >&2; exit 1; }
  versions+="$p=$v "
done
key=$( { echo "$versions"; cat "$0"; } | sha256sum | cut -c1-16)
out="$cache/virtiofsd/$key"
if [ -x "$out/usr/lib/qemu/virtiofsd" ]; then echo "$out"; exit 0; fi

mkdir -p "$cache/virtiofsd"
exec 9>"$cache/virtiofsd/.lock"
flock 9
if [ -x "$out/usr/lib/qemu/virtiofsd" ]; then echo "$out"; exit 0; fi

tmp="$out.tmp"
rm -rf "$tmp" && mkdir -p "$tmp/debs" "$tmp/x"
for pv in $versions; do
  (cd "$tmp/debs" && apt-get download -q -o APT::Sandbox::User=root "${pv%%=*}:ppc64el=${pv#*=}" >&2)
done
for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/x"; done

# The library closure, from the ELF dynamic sections (readelf reads any architecture's).
root="$tmp/root"
install -D -m 0755 "$tmp/x/usr/lib/qemu/virtiofsd" "$root/usr/lib/qemu/virtiofsd"
install -D -m 0755 "$tmp/x/lib/powerpc64le-linux-gnu/ld64.so.2" "$root/lib/powerpc64le-linux-gnu/ld64.so.2"
mkdir -p "$root/lib64"
ln -s ../lib/powerpc64le-linux-gnu/ld64.so.2 "$root/lib64/ld64.so.2"
needed() { "${tools}readelf" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
todo=("$root/usr/lib/qemu/virtiofsd")
while [ ${#todo[@]} -gt 0 ]; do
  file=${todo[0]}; todo=("${todo[@]:1}")
  for lib in $(needed "$file"); do
    found=""
    for dir in lib/powerpc64le-linux-gnu usr/lib/powerpc64le-linux-gnu; do
      if [ -e "$tmp/x/$dir/$lib" ]; then found=$dir/$lib; break; fi
    done
    [ -n "$found" ] || { echo "fetch-virtiofsd: $lib (needed by $(basename "$file")) is in none of ${packages[*]}" >&2; exit 1; }
    [ -e "$root/$found" ] && continue
    install -D -m 0644 "$(realpath "$tmp/x/$found")" "$root/$found"
    todo+=("$root/$found")
  done
done
# Keep L1's initramfs small: nothing but what the dynamic linker needs.
"${tools}strip" --strip-unneeded "$root/usr/lib/qemu/virtiofsd" "$root"/lib/powerpc64le-linux-gnu/*.so* \
  "$root"/usr/lib/powerpc64le-linux-gnu/*.so* 2>/dev/null || true
echo "$versions" > "$root/VERSIONS"
rm -rf "$out" && mv "$root" "$out" && rm -rf "$tmp"
echo "fetch-virtiofsd: $(du -sh "$out" | cut -f1) in $out" >&2
echo "$out"
