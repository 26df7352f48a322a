#!/usr/bin/env bash
# Builds the end-to-end L1 host: a Debian bookworm ppc64el userspace (podman, crun, runc,
# conmon, containerd, ...) as an ext4 image, plus what boots it on Debian's stock ppc64el
# kernel (kernel/fetch-stock-kernel.sh): a small busybox initramfs that loads virtio-pci,
# virtio-blk and ext4 (modules in that kernel) and switches root to the image.
#
#   tests/e2e/build-l1-image.sh        prints the image's path; beside it in the same folder:
#     rootfs.ext4   the root file system (run-l1.sh boots it read-only, writes go to a
#                   throw-away overlay, so this cached copy stays pristine)
#     initrd.cpio   stage 1: busybox, the modules to reach the disk, l1/stage1-init.sh as /init
#     vmlinux       the stock kernel the modules belong to
#     info.txt      versions, package count, sizes and build time
#
# Cached under ${PPC_KVM_SHIM_CACHE:-~/.cache/ppc-kvm-shim}/e2e/l1-KEY/, KEY a hash of this
# script, the files it puts in the image, the package list and the candidate versions apt
# sees for the key packages and the kernel (a cheap stand-in for "the archive's state").
# Rebuilt when absent; older builds are removed after a successful one (each is ~0.5 GB).
#
# Needs root (mmdebstrap --mode=root, mount, chroot). On x86_64 the image's programs run
# under qemu-user through binfmt_misc, which this script mounts and enables if needed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
self="$here/$(basename "$0")"
cache=${PPC_KVM_SHIM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ppc-kvm-shim}
mirror=${E2E_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${E2E_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# What L1 needs to drive OCI runtimes as users do, rootful and without systemd. Recommends
# are not installed (mmdebstrap's default), so everything needed is named here.
packages=(
  podman crun runc conmon catatonit          # podman and its OCI runtimes, init for --init
  netavark containernetworking-plugins iptables  # container networks (tests use --network=none)
  containerd                                 # containerd and ctr
  iproute2 kmod procps util-linux cpio       # ip, modprobe, ps, nsenter/unshare/script, initramfs
  busybox-static                             # stage-1 init, syslogd, poweroff, the busybox image
  qemu-system-ppc                            # issue 9's benchmarks: QEMU pSeries with KVM in L1
  iperf3                                     # issue 15's network benchmark (L1 and its test image)
  strace                                     # debugging the runtime inside L1
  python3-grpcio python3-protobuf protobuf-compiler  # the CRI client of cases/cri.py (no crictl in Debian 12)
)
# Whose candidate versions key the cache (a new podman or kernel means a new image).
key_packages=(podman crun runc conmon containerd netavark catatonit busybox-static qemu-system-ppc libc6)

log() { echo "build-l1-image: $*" >&2; }
die() { log "$*"; exit 1; }

# ---- customize: "$self" customize ROOT, run below in a mount namespace of its own -----------
# Configures the new root and provisions its container image (image/provision.sh, run in a
# chroot). containers/storage remounts "/" private while unpacking layers, which fails unless
# the chroot's "/" is a mount point: the root is bind-mounted onto itself. Being in a private
# mount namespace, every mount made here (and any left by podman or containerd) vanishes with
# it, so nothing leaks into the build machine's mount table.
if [ "${1:-}" = customize ]; then
  root=$2
  install -m 0644 "$here/image/containers.conf" "$root/etc/containers/containers.conf"
  install -m 0644 "$here/image/storage.conf" "$root/etc/containers/storage.conf"
  install -m 0644 "$here/image/registries.conf" "$root/etc/containers/registries.conf"
  install -D -m 0644 "$here/image/containerd-config.toml" "$root/etc/containerd/config.toml"
  echo l1 > "$root/etc/hostname"
  printf '127.0.0.1 localhost l1\n::1 localhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
  # No DNS in L1; an empty resolv.conf keeps tools from waiting on the build machine's.
  : > "$root/etc/resolv.conf"
  # The kernel's modules, unpacked from its .deb. --keep-directory-symlink keeps the root's
  # /lib -> usr/lib link (plain dpkg-deb -x replaced it with a directory: L1 did not boot).
  tar -x --keep-directory-symlink -C "$root" -f "$E2E_MODULES_TAR"
  depmod -b "$root" "$E2E_KERNEL_RELEASE"
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs tmpfs "$root/run"
  mount -t tmpfs tmpfs "$root/tmp"
  install -m 0755 "$here/image/provision.sh" "$root/tmp/provision.sh"
  chroot "$root" /tmp/provision.sh
  exit 0
fi

[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap --mode=root, mount, chroot)"

# ---- dependencies ----------------------------------------------------------------------------
"$top/tests/rig/install-deps.sh" >&2 || die "installing the rig's dependencies failed"
host_arch=$(dpkg --print-architecture)
need=(mmdebstrap e2fsprogs cpio kmod)
[ "$host_arch" = ppc64el ] || need+=(qemu-user-static binfmt-support arch-test)  # arch-test: mmdebstrap checks foreign architectures with it
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  for attempt in 1 2 3; do apt-get update -q >&2 && break; sleep $((attempt * 5)); done
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# ppc64el programs on another architecture: qemu-user through binfmt_misc. qemu-user-static
# registers with the F flag (interpreter opened at registration), so it works in a chroot.
if [ "$host_arch" != ppc64el ]; then
  binfmt=/proc/sys/fs/binfmt_misc
  [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt" || die "cannot mount binfmt_misc"
  if ! grep -qx enabled "$binfmt/qemu-ppc64le" 2>/dev/null; then
    update-binfmts --enable qemu-ppc64le >&2 2>&1 || true
  fi
  if ! grep -qx enabled "$binfmt/qemu-ppc64le" 2>/dev/null; then
    # binfmt-support did not do it (e.g. it has no record): register qemu's own line.
    [ -e "$binfmt/qemu-ppc64le" ] && echo 1 > "$binfmt/qemu-ppc64le"
    [ -e "$binfmt/qemu-ppc64le" ] || cat /usr/lib/binfmt.d/qemu-ppc64le.conf > "$binfmt/register"
  fi
  grep -qx enabled "$binfmt/qemu-ppc64le" || die "qemu-ppc64le is not registered in binfmt_misc"
fi

# ---- the kernel and the cache key --------------------------------------------------------------
vmlinux=$("$top/kernel/fetch-stock-kernel.sh") || die "fetching Debian's stock ppc64el kernel failed"
kernel_id=$(basename "$(dirname "$vmlinux")")   # PACKAGE-VERSION, e.g. linux-image-6.1.0-50-powerpc64le-6.1.176-1
# One apt-cache call for all (each call costs about a second of cache loading).
candidates=$(apt-cache policy "${key_packages[@]/%/:ppc64el}" 2>/dev/null |
             awk '/^[^ ].*:$/ { p = $1; sub(/:$/, "", p) } /^ *Candidate:/ { print p, $2 }')
grep -q '^podman:ppc64el [0-9]' <<<"$candidates" || die "apt knows no podman:ppc64el (dpkg --add-architecture ppc64el; apt-get update)"
key=$( { cat "$self" "$here/image/"* "$here/l1/stage1-init.sh"
         echo "$mirror $security_mirror $kernel_id"
         echo "$candidates"; } | sha256sum | cut -c1-16)
out="$cache/e2e/l1-$key"
if [ -f "$out/rootfs.ext4" ] && [ -f "$out/initrd.cpio" ] && [ -f "$out/vmlinux" ]; then
  echo "$out/rootfs.ext4"
  exit 0
fi

mkdir -p "$cache/e2e"
# One build at a time; a run that waited here finds the image built by the other.
exec 9>"$cache/e2e/build.lock"
flock -w 3600 9 || die "another build holds $cache/e2e/build.lock"
if [ -f "$out/rootfs.ext4" ] && [ -f "$out/initrd.cpio" ] && [ -f "$out/vmlinux" ]; then
  echo "$out/rootfs.ext4"
  exit 0
fi

start=$(date +%s)
# The kernel's package and version, as fetch-stock-kernel.sh picked them.
kernel_pkg=$(apt-cache depends linux-image-powerpc64le:ppc64el 2>/dev/null |
             sed -n 's/^ *Depends: \(linux-image-[^:]*\):ppc64el$/\1/p' | head -1)
kernel_version=$(apt-cache policy "$kernel_pkg:ppc64el" | sed -n 's/^ *Candidate: //p')
[ "$kernel_id" = "$kernel_pkg-$kernel_version" ] || die "the stock kernel ($vmlinux) is not $kernel_pkg $kernel_version"
kernel_release=${kernel_pkg#linux-image-}
tmp="$out.tmp"
failed_logs="$cache/e2e/failed-build-logs"
cleanup() {
  # A half-build is removed, its logs kept in $failed_logs. mmdebstrap unmounts what it
  # mounted, even on failure, and the customize step's mounts die with its namespace.
  if [ -d "$tmp" ]; then
    rm -rf "$failed_logs" && mkdir -p "$failed_logs" && cp "$tmp"/*.log "$failed_logs/" 2>/dev/null || true
    if grep -q " $tmp/" /proc/mounts; then log "mounts left under $tmp; not removing it"; else rm -rf "$tmp"; fi
  fi
}
trap cleanup EXIT
rm -rf "$tmp" && mkdir -p "$tmp"
log "building $out (kernel $kernel_pkg $kernel_version)"

# The kernel's .deb: its modules go into the image (kvm-hv, overlay, ... for L1) and a few of
# them into stage 1. depmod on the build machine writes modules.dep (the .deb ships none).
debs="$cache/e2e/debs"
kernel_deb="$debs/${kernel_pkg}_${kernel_version}_ppc64el.deb"
if [ ! -f "$kernel_deb" ]; then
  rm -rf "$debs" "$debs.tmp" && mkdir -p "$debs.tmp"   # older kernels' .debs go
  (cd "$debs.tmp" && apt-get download -q -o APT::Sandbox::User=root "$kernel_pkg:ppc64el=$kernel_version" >&2)
  mv "$debs.tmp"/*.deb "$debs.tmp/${kernel_pkg}_${kernel_version}_ppc64el.deb" 2>/dev/null || true
  mv "$debs.tmp" "$debs"
fi
dpkg-deb --fsys-tarfile "$kernel_deb" | tar -x -C "$tmp" -f - ./lib/modules
tar -C "$tmp" -cf "$tmp/modules.tar" ./lib/modules
depmod -b "$tmp" "$kernel_release"

# ---- the Debian root ---------------------------------------------------------------------------
# Docs, man pages and translations are left out (smaller image, faster mke2fs and boot).
mmdebstrap_args=(
  --mode=root --variant=minbase --architectures=ppc64el --format=directory
  --include="$(IFS=,; echo "${packages[*]}")"
  --aptopt='Acquire::Retries "5"' --aptopt='Acquire::Languages "none"'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
)
with_security=("deb $mirror bookworm main" "deb $mirror bookworm-updates main"
               "deb $security_mirror bookworm-security main")
without_security=("deb $mirror bookworm main" "deb $mirror bookworm-updates main")
# A mirror caught mid-sync can serve an inconsistent index (seen for bookworm-security's
# ppc64el list): retry, then build without bookworm-security rather than not at all.
built=""
for attempt in 1 2 3 4; do
  if [ $attempt -le 2 ]; then sources=("${with_security[@]}"); suites="bookworm, -updates, -security"
  else sources=("${without_security[@]}"); suites="bookworm, -updates (without -security)"; fi
  log "mmdebstrap attempt $attempt from $suites"
  rm -rf "$tmp/root"
  if mmdebstrap "${mmdebstrap_args[@]}" bookworm "$tmp/root" "${sources[@]}" >"$tmp/mmdebstrap.log" 2>&1; then
    built=$suites; break
  fi
  grep -E '^(E|W): ' "$tmp/mmdebstrap.log" | tail -n 8 >&2
  grep -q " $tmp/root/" /proc/mounts && die "mmdebstrap left mounts under $tmp/root"
  sleep $((attempt * 10))
done
[ -n "$built" ] || die "mmdebstrap failed four times (log: $failed_logs/mmdebstrap.log)"
log "configuring the image and provisioning its container image"
E2E_MODULES_TAR="$tmp/modules.tar" E2E_KERNEL_RELEASE="$kernel_release" \
  unshare --mount --propagation private "$self" customize "$tmp/root" >"$tmp/customize.log" 2>&1 ||
  { tail -n 30 "$tmp/customize.log" >&2; die "configuring the image failed (log: $failed_logs/customize.log)"; }
npackages=$(chroot "$tmp/root" dpkg-query -W -f='${Status}\n' | grep -c '^install ok installed$' || true)
versions=$(chroot "$tmp/root" dpkg-query -W -f='${Package} ${Version}\n' "${key_packages[@]}" "$kernel_pkg" 2>/dev/null || true)

# ---- stage 1: the busybox initramfs that reaches the disk -----------------------------------
# Modules needed to mount the root, dependencies first (from modules.dep). crc32c is asked for
# through the crypto API by ext4 and jbd2 at mount time, with no modprobe to load it then.
mods="$tmp/lib/modules/$kernel_release"
order=()
add_module() {  # add_module PATH-IN-MODULES.DEP: its dependencies, then itself, once each
  local m=$1 dep
  for dep in $(sed -n "s|^$m: *||p" "$mods/modules.dep"); do add_module "$dep"; done
  [[ " ${order[*]} " == *" $m "* ]] || order+=("$m")
}
for name in crc32c_generic virtio_pci virtio_blk ext4; do
  path=$(grep -E "(^|/)$name\.ko:" "$mods/modules.dep" | cut -d: -f1)
  [ -n "$path" ] || die "module $name is not in $kernel_pkg"
  add_module "$path"
done
initrd="$tmp/initrd"
mkdir -p "$initrd"/{bin,dev,proc,sys,newroot,modules}
cp "$tmp/root/bin/busybox" "$initrd/bin/busybox"
for m in "${order[@]}"; do cp "$mods/$m" "$initrd/modules/"; basename "$m"; done > "$initrd/modules/load-order"
install -m 0755 "$here/l1/stage1-init.sh" "$initrd/init"
(cd "$initrd" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$tmp/initrd.cpio"

# ---- the ext4 image ----------------------------------------------------------------------------
# Room on top of the userspace for container layers, bundles and the runtimes' state in L1;
# the file is sparse, and run-l1.sh's overlay only stores what a run writes.
used_mib=$(du -sm "$tmp/root" | cut -f1)
size_mib=$((used_mib + 2048))
mke2fs -q -t ext4 -m 0 -L e2e-l1 -d "$tmp/root" "$tmp/rootfs.ext4" "${size_mib}M" >&2  # stdout: the path only
cp "$vmlinux" "$tmp/vmlinux"
elapsed=$(( $(date +%s) - start ))
cat > "$tmp/info.txt" <<EOF
key $key
built $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${elapsed} s from $built
kernel $kernel_pkg $kernel_version
packages installed: $npackages
userspace: ${used_mib} MiB; rootfs.ext4: ${size_mib} MiB apparent, $(du -m "$tmp/rootfs.ext4" | cut -f1) MiB on disk
stage 1 modules: ${order[*]##*/}
$versions
EOF
rm -rf "$tmp/root" "$tmp/initrd" "$tmp/lib" "$tmp/modules.tar"
rm -rf "$out" && mv "$tmp" "$out"
for old in "$cache"/e2e/l1-*; do
  [ "$old" = "$out" ] || [ ! -d "$old" ] || { log "removing the older build $old"; rm -rf "$old"; }
done
sed 's/^/build-l1-image: /' "$out/info.txt" >&2
echo "$out/rootfs.ext4"
