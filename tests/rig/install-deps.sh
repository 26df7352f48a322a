#!/usr/bin/env bash
# Installs everything the project needs to build and test on a Debian 12 machine: the ppc64le
# cross toolchain and libraries (through multiarch) on x86_64, or the native ones on POWER,
# plus the rig's QEMU, kernel source and tools. Idempotent: does nothing when all is there.
set -euo pipefail

arch=$(dpkg --print-architecture)
if [ "$arch" = ppc64el ]; then
  t=""                       # native: the host's own -dev packages
  compilers=(g++ binutils)
else
  t=":ppc64el"
  compilers=(g++-powerpc64le-linux-gnu binutils-powerpc64le-linux-gnu qemu-user-static)
fi
packages=(
  "${compilers[@]}" cmake ninja-build pkg-config
  "libfdt-dev$t" "libseccomp-dev$t" "libcap-dev$t" "libgtest-dev$t" nlohmann-json3-dev
  "libnl-3-dev$t" "libnl-route-3-dev$t"  # netlink/: the shim's and the agent's network set-up
  libgtest-dev clang-14 libclang-rt-14-dev  # the build machine's own: native unit tests, libFuzzer
  libnl-3-dev libnl-route-3-dev              # netlink/'s unit tests, natively
  qemu-system-ppc linux-source-6.1 flex bison bc kmod cpio xz-utils e2fsprogs patch
  universal-ctags  # tests/lint: function lengths
  # (the rig's virtiofsd is unpacked from Debian's ppc64el packages by fetch-virtiofsd.sh:
  # apt-get download, dpkg-deb and the binutils above)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}" >&2
if [ -n "$t" ] && ! dpkg --print-foreign-architectures | grep -qx ppc64el; then
  $SUDO dpkg --add-architecture ppc64el
fi
# A mirror caught mid-sync can serve an inconsistent index (seen for bookworm-security's
# ppc64el list): retry, then go on with what was fetched. The install below fails loudly
# if a package really cannot be had.
for attempt in 1 2 3; do
  $SUDO apt-get update -q && break
  echo "install-deps: apt-get update failed (attempt $attempt), retrying" >&2
  sleep $((attempt * 5))
done
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
