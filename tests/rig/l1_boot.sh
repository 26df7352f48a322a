# shellcheck shell=bash
# Booting an emulated POWER host ("L1") under QEMU, shared by the two runners: tests/rig/run.sh
# (a busybox initramfs, profiles pr and hv) and tests/e2e/run-l1.sh (the cached Debian image,
# hv); tests/bench/run-suite.sh takes the pSeries caps from here for its own guests in L1.
# A runner sets L1_NAME (its name in messages) and L1_TIMEOUT (its default), then:
#   l1_parse_args "EXTRA_OPTIONS" "$@"   the command line: --case FILE [--bin-dir DIR]
#                      [--share-dir DIR] [--timeout S] [--log FILE], plus the EXTRA_OPTIONS
#                      the runner takes (rig: "profile append"); sets L1_CASE, L1_BIN_DIR,
#                      L1_SHARE_DIR, L1_TIMEOUT, L1_LOG, L1_PROFILE, L1_APPEND
#   l1_make_work       $L1_WORK (removed at exit, QEMU stopped), $L1_LOG (a file in it
#                      unless --log), $L1_KEEP_LOG (the --log given)
#   l1_copy_bins DIR / l1_copy_share DIR    what goes into L1 from --bin-dir and --share-dir
#   l1_pack_cpio DIR OUT                    DIR as a newc cpio archive
#   l1_machine PROFILE                      $L1_MACHINE, QEMU's machine and CPU options
#   l1_boot KERNEL INITRD MEMORY CPUS APPEND [QEMU_ARGS...]   boots and exits (never returns)
# Exit statuses: those of serial_watch.sh; l1_fail exits 120 (the rig failed).
. "$(dirname "${BASH_SOURCE[0]}")/serial_watch.sh"  # RIG_* statuses, watch_serial_and_exit

l1_fail() { echo "$L1_NAME: $*" >&2; exit "$RIG_FAILURE"; }

l1_parse_args() {
  local extra=" $1 " name
  shift
  L1_CASE="" L1_BIN_DIR="" L1_SHARE_DIR="" L1_LOG="" L1_PROFILE="" L1_APPEND=""
  while [ $# -gt 0 ]; do
    name=${1#--}
    case "$1" in
      --case|--bin-dir|--share-dir|--timeout|--log) ;;
      --profile|--append) [[ $extra == *" $name "* ]] || l1_fail "unknown argument '$1'" ;;
      *) l1_fail "unknown argument '$1'" ;;
    esac
    [ $# -ge 2 ] || l1_fail "$1 needs a value"
    case "$1" in
      --case) L1_CASE=$2 ;;
      --bin-dir) L1_BIN_DIR=$2 ;;
      --share-dir) L1_SHARE_DIR=$2 ;;
      --timeout) L1_TIMEOUT=$2 ;;
      --log) L1_LOG=$2 ;;
      --profile) L1_PROFILE=$2 ;;
      --append) L1_APPEND=$2 ;;
    esac
    shift 2
  done
  [ -r "$L1_CASE" ] || l1_fail "--case: cannot read '$L1_CASE'"
  [ -z "$L1_BIN_DIR" ] || [ -d "$L1_BIN_DIR" ] || l1_fail "--bin-dir: no folder '$L1_BIN_DIR'"
  [ -z "$L1_SHARE_DIR" ] || [ -d "$L1_SHARE_DIR" ] || l1_fail "--share-dir: no folder '$L1_SHARE_DIR'"
}

l1_make_work() {
  L1_WORK=$(mktemp -d "/tmp/ppc-kvm-$L1_NAME.XXXXXX") || l1_fail "no temporary folder"
  L1_QEMU=""
  trap l1_cleanup EXIT
  L1_KEEP_LOG=$L1_LOG
  [ -n "$L1_LOG" ] || L1_LOG=$L1_WORK/serial.log
  mkdir -p "$(dirname "$L1_LOG")" && : > "$L1_LOG" || l1_fail "cannot write the serial log $L1_LOG"
}

l1_cleanup() {
  if [ -n "$L1_QEMU" ]; then kill "$L1_QEMU" 2>/dev/null || true; wait "$L1_QEMU" 2>/dev/null || true; fi
  rm -rf "$L1_WORK"
}

# l1_copy_bins DIR: every executable of --bin-dir, without debug information: with it the
# rig's initramfs grows larger than powernv8 can load (QEMU: "Could not load initial ram
# disk"), and any L1 boots slower.
l1_copy_bins() {
  local dir=$1 f strip
  mkdir -p "$dir" || l1_fail "cannot make $dir"
  [ -n "$L1_BIN_DIR" ] || return 0
  for f in "$L1_BIN_DIR"/*; do
    if [ -f "$f" ] && [ -x "$f" ]; then cp "$f" "$dir/" || l1_fail "copying $f failed"; fi
  done
  strip=$(command -v powerpc64le-linux-gnu-strip || { [ "$(uname -m)" = ppc64le ] && command -v strip; } || true)
  if [ -n "$strip" ]; then "$strip" --strip-debug "$dir"/* 2>/dev/null || true; fi
}

# l1_copy_share DIR: the files of --share-dir, symlinks followed.
l1_copy_share() {
  mkdir -p "$1" || l1_fail "cannot make $1"
  [ -n "$L1_SHARE_DIR" ] || return 0
  cp -rL "$L1_SHARE_DIR"/. "$1/" || l1_fail "copying $L1_SHARE_DIR failed"
}

l1_pack_cpio() {
  (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$2" || l1_fail "packing $1 failed"
}

# The pSeries capabilities L1 gets: the Spectre mitigations that QEMU's TCG cannot give a
# guest turned off. L1's KVM-HV can give its own guests no more than that, so the benchmark's
# QEMU guests in L1 ask for the same.
L1_PSERIES_CAPS=cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off

# l1_machine PROFILE: pr, KVM-PR on a POWER8 PowerNV (hash-MMU guests; the BMC makes the
# guest's power-off end QEMU); hv, nested KVM-HV on a POWER9 pSeries (radix guests).
l1_machine() {
  case "$1" in
    pr) L1_MACHINE=(-machine powernv8 -cpu POWER8 -device ipmi-bmc-sim,id=bmc0 -device isa-ipmi-bt,bmc=bmc0,irq=10) ;;
    hv) L1_MACHINE=(-machine "pseries,$L1_PSERIES_CAPS,cap-nested-hv=on,x-vof=on" -cpu POWER9) ;;
    *) l1_fail "--profile must be pr or hv" ;;
  esac
}

# l1_boot KERNEL INITRD MEMORY CPUS APPEND [QEMU_ARGS...]: starts L1 (console in $L1_LOG,
# QEMU's temporary files such as snapshot=on overlays in $L1_WORK) and exits as
# watch_serial_and_exit says. --timeout counts from here.
l1_boot() {
  local kernel=$1 initrd=$2 memory=$3 cpus=$4 append=$5 start
  shift 5
  start=$(date +%s)
  TMPDIR=$L1_WORK qemu-system-ppc64 "${L1_MACHINE[@]}" -nodefaults -m "$memory" -smp "$cpus" \
    -display none -monitor none -no-reboot -serial "file:$L1_LOG" \
    -kernel "$kernel" -initrd "$initrd" -append "$append" "$@" &
  L1_QEMU=$!
  watch_serial_and_exit "$L1_NAME" "$L1_QEMU" "$L1_LOG" "$start" "$L1_TIMEOUT"
}
