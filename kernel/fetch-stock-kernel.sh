#!/usr/bin/env bash
# Prints the path of Debian's stock ppc64el kernel (package linux-image-powerpc64le:ppc64el),
# unpacked from its .deb (not installed) and cached by version. Used to show that our VMM
# boots a kernel we did not configure.
set -euo pipefail
cache=${PPC_KVM_SHIM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ppc-kvm-shim}
image=$(apt-cache depends linux-image-powerpc64le:ppc64el 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^:]*\):ppc64el$/\1/p' | head -1)
[ -n "$image" ] || { echo "fetch-stock-kernel: linux-image-powerpc64le:ppc64el not in apt (dpkg --add-architecture ppc64el; apt-get update)" >&2; exit 1; }
version=$(apt-cache policy "$image:ppc64el" | sed -n 's/^ *Candidate: //p')
out="$cache/stock-kernel/$image-$version"
if [ ! -f "$out/vmlinux" ]; then
  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  (cd "$out.tmp" && apt-get download -q -o APT::Sandbox::User=root "$image:ppc64el=$version" >&2)
  dpkg-deb --fsys-tarfile "$out.tmp"/*.deb | tar -x -C "$out.tmp" --wildcards './boot/vmlinux-*'
  mv "$out.tmp"/boot/vmlinux-* "$out.tmp/vmlinux"
  rm -rf "$out.tmp/boot" "$out.tmp"/*.deb
  rm -rf "$out" && mv "$out.tmp" "$out"
fi
echo "$out/vmlinux"
