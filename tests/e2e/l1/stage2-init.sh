#!/bin/bash
# Stage 2 of the e2e L1 host: PID 1 in the Debian ppc64el root (no systemd). Brings up what
# podman and containerd need, installs the project's binaries as a user would, runs the case
# and reports its exit status on the console (RIG-BEGIN / RIG-RESULT, as tests/rig/run.sh
# expects), then powers off. Comes with each run's payload (/e2e), not with the cached image.
#
# The payload (/e2e): stage2-init.sh, case.sh, case_lib.sh, bin/ (run-l1.sh --bin-dir),
# share/ (--share-dir). Every file of bin/ is also reachable in /opt/ppc-kvm-shim/bin (last
# in PATH) and share/ is /opt/ppc-kvm-shim/share, as in the rig.
# Not set -e: PID 1 must reach the power-off whatever fails.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/ppc-kvm-shim/bin
export HOME=/root LANG=C.UTF-8 TERM=${TERM:-linux}
cd /

msg() { echo "e2e: $*"; }
stage() { msg "$(cut -d' ' -f1 /proc/uptime) s since boot: $*"; }
power_off() { sync; /bin/busybox poweroff -f; sleep 60; }

# ---- file systems ------------------------------------------------------------------------------
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
# cgroup v2 with every controller handed down to children: podman's cgroupfs manager and
# runc/crun create their groups under the root.
mount -t cgroup2 cgroup2 /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; done
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -o remount,rw /
hostname l1
ip link set lo up
stage "file systems mounted"

# ---- daemons and modules -----------------------------------------------------------------------
# A syslog daemon, for /dev/log: without one `podman --log-level=debug` stalls 20 s.
mkdir -p /var/log
/bin/busybox syslogd -O /var/log/messages
# KVM-HV for our VMM (nested pseries POWER9); overlay for podman's and containerd's storage;
# tun for /dev/net/tun (a systemd host has the node from boot, and opening it loads tun).
for m in kvm_hv overlay tun; do modprobe "$m" || msg "modprobe $m failed"; done
[ -c /dev/net/tun ] || msg "/dev/net/tun is missing after loading tun"
[ -c /dev/kvm ] || msg "/dev/kvm is missing after loading kvm_hv"

# ---- the project's files, installed as a user would ---------------------------------------------
p=/e2e
mkdir -p /opt/ppc-kvm-shim
rm -rf /opt/ppc-kvm-shim/bin /opt/ppc-kvm-shim/share
ln -s $p/bin /opt/ppc-kvm-shim/bin
ln -s $p/share /opt/ppc-kvm-shim/share
installed=()
put() {  # put MODE SOURCE DEST: installs SOURCE if the payload has it
  if [ -f "$2" ]; then install -D -m "$1" "$2" "$3" && installed+=("$3"); fi
}
if [ -f $p/share/ppc-kvm-shim.deb ]; then
  # The Debian package, as a user installs it: the programs, the guest kernel, podman's
  # drop-in; containerd's handler is the package's snippet, copied into config.toml.
  if dpkg -i $p/share/ppc-kvm-shim.deb >/var/log/ppc-kvm-shim-install.log 2>&1; then
    installed+=("package $(dpkg-query -W -f='${Package} ${Version}' ppc-kvm-shim)")
    cat /usr/share/ppc-kvm-shim/containerd-ppc-kvm.toml >> /etc/containerd/config.toml
    installed+=("/etc/containerd/config.toml (handler ppc-kvm, the package's snippet)")
  else
    msg "dpkg -i ppc-kvm-shim.deb failed:"; cat /var/log/ppc-kvm-shim-install.log
  fi
else
  # No package in the payload (the benchmarks): the files by hand, as README's manual set-up.
  put 0755 $p/bin/ppc-kvm-shim /usr/local/bin/ppc-kvm-shim
  put 0755 $p/bin/ppc-kvm-vmm /usr/libexec/ppc-kvm-shim/ppc-kvm-vmm
  put 0755 $p/bin/ppc-kvm-agent /usr/libexec/ppc-kvm-shim/ppc-kvm-agent
  put 0644 $p/share/guest-vmlinux /usr/share/ppc-kvm-shim/guest-vmlinux
  if [ -x /usr/local/bin/ppc-kvm-shim ]; then
    # podman: `podman --runtime ppc-kvm-shim ...`
    cat >> /etc/containers/containers.conf <<'EOF'

[engine.runtimes]
ppc-kvm-shim = ["/usr/local/bin/ppc-kvm-shim"]
EOF
    # containerd: the runtime handler `ppc-kvm` (CRI's runtime class; the runc v2 shim runs
    # our binary in runc's place).
    cat >> /etc/containerd/config.toml <<'EOF'

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ppc-kvm]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ppc-kvm.options]
    BinaryName = "/usr/local/bin/ppc-kvm-shim"
EOF
    installed+=("/etc/containers/containers.conf (runtime ppc-kvm-shim)" "/etc/containerd/config.toml (handler ppc-kvm)")
  fi
fi
# The runtime's own settings when the share dir brings them (the shim's defaults otherwise).
put 0644 $p/share/ppc-kvm-shim-config.json /etc/ppc-kvm-shim/config.json

# containerd, for ctr (its log in /var/log/containerd.log).
containerd >/var/log/containerd.log 2>&1 &
for _ in $(seq 240); do ctr version >/dev/null 2>&1 && break; sleep 0.5; done
ctr version >/dev/null 2>&1 || { msg "containerd did not come up:"; tail -n 20 /var/log/containerd.log; }
stage "containerd up"

# ---- the case ----------------------------------------------------------------------------------
echo "RIG-BEGIN profile=hv kernel=$(uname -r) cpu=$(grep -m1 '^cpu' /proc/cpuinfo | cut -d: -f2) cpus=$(nproc) mem=$(sed -n 's/^MemTotal: *//p' /proc/meminfo)"
if [ ${#installed[@]} -gt 0 ]; then msg "installed: ${installed[*]}"; else msg "installed: nothing (no ppc-kvm-shim files in the payload)"; fi
export E2E_BIN=/opt/ppc-kvm-shim/bin E2E_SHARE=/opt/ppc-kvm-shim/share RIG_PROFILE=hv
bash $p/case.sh
echo "RIG-RESULT: $?"
power_off
