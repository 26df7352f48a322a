#!/usr/bin/env bash
# Builds a ppc64le Linux kernel from Debian's linux-source-6.1: `allnoconfig` plus a config
# fragment, cross-compiled on x86_64 or native on POWER. The result is cached outside the
# clone, keyed by everything that goes into it, and reused while the key matches.
#
#   build-kernel.sh FRAGMENT NAME [PATCH_DIR]
#
# PATCH_DIR holds *.patch files (patch -p1) applied, in name order, to a hard-linked copy of
# the pristine source tree (GNU patch replaces files, so the pristine tree stays untouched).
#
# Prints the cache directory holding vmlinux, .config and (if the config has modules)
# modules/lib/modules/<release>/. Requires: linux-source-6.1, flex, bison, bc, and on x86
# gcc-powerpc64le-linux-gnu (tests/rig/install-deps.sh installs them).
set -euo pipefail

fragment=$(realpath "${1:?usage: build-kernel.sh FRAGMENT NAME [PATCH_DIR]}")
name=${2:?usage: build-kernel.sh FRAGMENT NAME [PATCH_DIR]}
patch_dir=${3:-}
patches=()
if [ -n "$patch_dir" ]; then
  for p in "$patch_dir"/*.patch; do [ -f "$p" ] && patches+=("$(realpath "$p")"); done
fi
cache=${PPC_KVM_SHIM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ppc-kvm-shim}
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { echo "build-kernel: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }

if [ "$(uname -m)" = ppc64le ]; then cross=""; else cross=powerpc64le-linux-gnu-; fi
src_version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { cat "$fragment" "$0" ${patches[@]+"${patches[@]}"}; echo "$src_version"; "${cross}gcc" --version | head -1; } | sha256sum | cut -c1-16)
out="$cache/kernel/$name-$key"
if [ -f "$out/.done" ]; then echo "$out"; exit 0; fi

mkdir -p "$cache/kernel"
exec 9>"$cache/kernel/.lock"
flock 9
if [ -f "$out/.done" ]; then echo "$out"; exit 0; fi

# One unpacked source tree per source version, shared by every kernel we build.
src="$cache/src/linux-source-6.1-$src_version"
if [ ! -f "$src/.done" ]; then
  echo "build-kernel: unpacking $tarball" >&2
  rm -rf "$src" && mkdir -p "$src"
  tar -xf "$tarball" -C "$src" --strip-components=1
  touch "$src/.done"
fi

if [ ${#patches[@]} -gt 0 ]; then
  patched="$cache/src-patched/$name-$key"
  if [ ! -f "$patched/.done" ]; then
    echo "build-kernel: applying ${#patches[@]} patch(es) for $name" >&2
    rm -rf "$patched" && mkdir -p "$(dirname "$patched")"
    cp -al "$src" "$patched"
    for p in "${patches[@]}"; do patch -p1 -s -d "$patched" < "$p" >&2; done
    touch "$patched/.done"
  fi
  src=$patched
fi

rm -rf "$out.tmp" && mkdir -p "$out.tmp/build"
mk=(make -C "$src" O="$out.tmp/build" ARCH=powerpc CROSS_COMPILE="$cross" -j"$(nproc)")
echo "build-kernel: configuring $name ($fragment)" >&2
"${mk[@]}" KCONFIG_ALLCONFIG="$fragment" allnoconfig >&2

# allnoconfig silently drops options whose dependencies are unmet: insist on every one.
missing=0
while IFS= read -r line; do
  case "$line" in
    CONFIG_*=*) grep -qxF "$line" "$out.tmp/build/.config" || { echo "build-kernel: $line did not stick" >&2; missing=1; } ;;
    "# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}
      ! grep -q "^$opt=" "$out.tmp/build/.config" || { echo "build-kernel: $opt should be off" >&2; missing=1; } ;;
  esac
done < "$fragment"
[ "$missing" = 0 ] || { echo "build-kernel: fragment $fragment does not apply" >&2; exit 1; }

echo "build-kernel: building $name with $(nproc) jobs" >&2
"${mk[@]}" vmlinux >&2
cp "$out.tmp/build/vmlinux" "$out.tmp/build/.config" "$out.tmp/"
if grep -q '^CONFIG_MODULES=y' "$out.tmp/build/.config"; then
  "${mk[@]}" modules >&2
  "${mk[@]}" INSTALL_MOD_PATH="$out.tmp/modules" INSTALL_MOD_STRIP=1 modules_install >&2
fi
rm -rf "$out.tmp/build"
touch "$out.tmp/.done"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "$out"
