#!/bin/bash
# Runs inside the new Debian ppc64el root at image build time (chroot; on x86_64 every
# program here runs under qemu-user through binfmt_misc). L1 has no registry, so the image
# gets its container image here: a busybox-static root file system, imported into podman's
# storage as localhost/busybox:latest and, from `podman save`, into containerd's default
# namespace (ctr) and its k8s.io namespace (CRI) under the same name; CRI's sandbox image
# too. The tarballs stay in /usr/share/e2e/ for cases that want a plain OCI bundle or a
# fresh import.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
image=localhost/busybox:latest
out=/usr/share/e2e
mkdir -p "$out"

# The busybox root: one static binary, a link for every applet at its usual path.
rootfs=$(mktemp -d /tmp/busybox-rootfs.XXXXXX)
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,root,var/tmp}
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
/bin/busybox --list-full | while read -r applet; do
  [ "$applet" = bin/busybox ] || [ -e "$rootfs/$applet" ] || ln -s /bin/busybox "$rootfs/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
tar --numeric-owner -C "$rootfs" -cf "$out/busybox-rootfs.tar" .
rm -rf "$rootfs"

podman import --change CMD=/bin/sh "$out/busybox-rootfs.tar" "$image" >/dev/null
podman save --format docker-archive -o "$out/busybox-image.tar" "$image"

# CRI's sandbox ("pause") image, for containerd's CRI plugin only (config.toml's
# sandbox_image): busybox with a /pause that waits until TERM or INT.
pause=$(mktemp -d /tmp/pause-rootfs.XXXXXX)
tar -C "$pause" -xf "$out/busybox-rootfs.tar"
printf '#!/bin/sh\ntrap "exit 0" TERM INT\nwhile :; do sleep 3600 & wait $!; done\n' > "$pause/pause"
chmod 0755 "$pause/pause"
tar --numeric-owner -C "$pause" -cf - . | podman import --change CMD=/pause - localhost/pause:latest >/dev/null
podman save --format docker-archive -o "$out/pause-image.tar" localhost/pause:latest
podman rmi localhost/pause:latest >/dev/null
rm -rf "$pause"

# A large image (busybox plus a 512 MiB file), for what create costs with a large root: only
# in podman's storage (the tar stream is not kept).
big=$(mktemp -d /tmp/big-rootfs.XXXXXX)
tar -C "$big" -xf "$out/busybox-rootfs.tar"
mkdir -p "$big/big" && head -c 512M /dev/zero > "$big/big/blob"
tar --numeric-owner -C "$big" -cf - . | podman import --change CMD=/bin/sh - localhost/big:latest >/dev/null
rm -rf "$big"

# ctr talks to a running containerd: start one just for the import.
containerd >/tmp/containerd-provision.log 2>&1 &
containerd_pid=$!
for _ in $(seq 120); do ctr version >/dev/null 2>&1 && break; sleep 1; done
ctr -n default images import "$out/busybox-image.tar"
# CRI's images live in containerd's k8s.io namespace.
ctr -n k8s.io images import "$out/busybox-image.tar"
ctr -n k8s.io images import "$out/pause-image.tar"
podman images
ctr -n default images ls
ctr -n k8s.io images ls
kill "$containerd_pid"
wait "$containerd_pid" || true
# Nothing from this boot-less run may look like live state in L1.
rm -rf /run/containerd /run/containers /run/libpod /tmp/containerd-provision.log /var/tmp/*
