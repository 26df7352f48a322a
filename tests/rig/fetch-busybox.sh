#!/usr/bin/env bash
# Prints the path of a static ppc64le busybox, taken from Debian's busybox-static:ppc64el
# package and cached by version. It is unpacked, not installed, so the build machine's own
# /bin/busybox (if any) is left alone.
set -euo pipefail
cache=${PPC_KVM_SHIM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ppc-kvm-shim}
version=$(apt-cache policy busybox-static:ppc64el | sed -n 's/^ *Candidate: //p')
[ -n "$version" ] && [ "$version" != "(none)" ] || { echo "fetch-busybox: no busybox-static:ppc64el in apt (dpkg --add-architecture ppc64el; apt-get update)" >&2; exit 1; }
out="$cache/busybox/$version"
if [ ! -x "$out/busybox" ]; then
  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  (cd "$out.tmp" && apt-get download -q -o APT::Sandbox::User=root "busybox-static:ppc64el=$version" >&2)
  dpkg-deb -x "$out.tmp"/busybox-static_*.deb "$out.tmp/x"
  install -m 0755 "$out.tmp/x/bin/busybox" "$out.tmp/busybox"
  rm -rf "$out.tmp/x" "$out.tmp"/*.deb
  rm -rf "$out" && mv "$out.tmp" "$out"
fi
echo "$out/busybox"
