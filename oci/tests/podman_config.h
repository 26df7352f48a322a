#pragma once
// A config.json as podman 4 writes it for `podman run --rm -it alpine sh` (written from
// memory of podman/crun output, abridged where lists are long), plus a createRuntime hook,
// uid/gid mappings, a device and fields this library skips (resources.devices, blockIO,
// scheduler, personality, an unknown top-level extension), so that one document exercises
// every field the parser reads.
namespace ppc::oci::testing {

inline constexpr const char* kPodmanConfig = R"json({
  "ociVersion": "1.1.0",
  "process": {
    "terminal": true,
    "consoleSize": {"height": 50, "width": 160},
    "user": {
      "uid": 0,
      "gid": 0,
      "umask": 18,
      "additionalGids": [0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27]
    },
    "args": ["sh"],
    "env": [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "TERM=xterm",
      "container=podman",
      "HOME=/root",
      "HOSTNAME=4f1e2b3c9d0a"
    ],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                   "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID",
                   "CAP_SYS_CHROOT"],
      "effective": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID",
                    "CAP_SYS_CHROOT"],
      "inheritable": [],
      "permitted": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID",
                    "CAP_SYS_CHROOT"],
      "ambient": ["CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [
      {"type": "RLIMIT_NOFILE", "hard": 1048576, "soft": 1024},
      {"type": "RLIMIT_NPROC", "hard": 4194304, "soft": 4194304},
      {"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 18446744073709551615}
    ],
    "noNewPrivileges": true,
    "oomScoreAdj": -500,
    "apparmorProfile": "containers-default-0.57.4",
    "selinuxLabel": "system_u:system_r:container_t:s0:c374,c815",
    "scheduler": {"policy": "SCHED_OTHER"}
  },
  "root": {
    "path": "/var/lib/containers/storage/overlay/8e1f6c1b9e5d/merged",
    "readonly": true
  },
  "hostname": "4f1e2b3c9d0a",
  "domainname": "example.test",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/etc/hostname", "type": "bind",
     "source": "/run/containers/storage/overlay-containers/4f1e2b3c9d0a/userdata/hostname",
     "options": ["bind", "rprivate"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"]},
    {"destination": "/tmp", "options": ["rbind", "rw", "tmpcopyup"], "source": "/var/tmp/scratch"}
  ],
  "hooks": {
    "createRuntime": [
      {"path": "/usr/bin/nvidia-container-runtime-hook", "args": ["nvidia-container-runtime-hook", "prestart"],
       "env": ["LANG=C"], "timeout": 10}
    ],
    "poststop": [{"path": "/usr/libexec/podman/cleanup"}]
  },
  "annotations": {
    "io.container.manager": "libpod",
    "io.podman.annotations.autoremove": "TRUE",
    "org.opencontainers.image.stopSignal": "15"
  },
  "linux": {
    "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}, {"containerID": 1, "hostID": 100000, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}, {"containerID": 1, "hostID": 100000, "size": 65536}],
    "sysctl": {"net.ipv4.ping_group_range": "0 0"},
    "resources": {
      "devices": [{"allow": false, "access": "rwm"}],
      "memory": {"limit": 536870912, "reservation": 268435456, "swap": -1},
      "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0-1", "mems": "0"},
      "pids": {"limit": 2048},
      "blockIO": {"weight": 500}
    },
    "cgroupsPath": "user.slice:libpod:4f1e2b3c9d0a",
    "namespaces": [
      {"type": "pid"},
      {"type": "network", "path": "/run/user/1000/netns/netns-5b1a"},
      {"type": "ipc"},
      {"type": "uts"},
      {"type": "mount"},
      {"type": "user"},
      {"type": "cgroup"}
    ],
    "devices": [
      {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}
    ],
    "seccomp": {
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 38,
      "architectures": ["SCMP_ARCH_PPC64LE", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC"],
      "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
      "syscalls": [
        {"names": ["bdflush", "io_pgetevents", "kexec_file_load", "kexec_load", "migrate_pages"],
         "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
        {"names": ["accept", "accept4", "access", "brk", "clock_gettime", "execve", "exit_group", "read", "write"],
         "action": "SCMP_ACT_ALLOW"},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
         "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 9, "op": "SCMP_CMP_EQ"}]},
        {"names": ["ptrace"], "action": "SCMP_ACT_LOG"}
      ]
    },
    "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                    "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
                    "/sys/dev/block"],
    "readonlyPaths": ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    "rootfsPropagation": "rslave",
    "mountLabel": "system_u:object_r:container_file_t:s0:c374,c815",
    "personality": {"domain": "LINUX"}
  },
  "io.example.extension": {"anything": [1, 2, 3]}
})json";

}  // namespace ppc::oci::testing
