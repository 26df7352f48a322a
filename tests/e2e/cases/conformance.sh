# shellcheck shell=bash
# The differential conformance harness (issue 20), in the e2e L1: every config.json variant of
# `crun spec`'s default that conformance_variants writes runs conformance_probe under crun and
# under ppc-kvm-shim; each line of the probe's output that differs must be listed, with its
# reason, in tests/conformance/differences.txt, and each entry there must still occur. A
# variant crun itself cannot run proves nothing and fails the run.
# Not yet in the test command (see differences.txt): run it with
#   tests/e2e/run-l1.sh --case tests/e2e/cases/conformance.sh --bin-dir build/ppc64le/e2e/bin \
#     --share-dir build/ppc64le/e2e/share --timeout 1800
. /e2e/case_lib.sh

echo "== conformance: the probe under crun and under ppc-kvm-shim"
w=/tmp/conformance
mkdir -p $w/spec $w/variants $w/data $w/template
tar -C $w/template -xf /usr/share/e2e/busybox-rootfs.tar
cp "$E2E_BIN/conformance_probe" $w/template/probe
echo data > $w/data/file
(cd $w/spec && crun spec) || fail "crun spec"
conformance_variants $w/spec/config.json rootfs $w/variants > $w/names || fail "conformance_variants"
# The documented differences: KEY VARIANT REASON..., each a shell pattern; # starts a comment.
keys=() variants=() used=()
while read -r key variant reason; do
  case $key in ''|'#'*) continue ;; esac
  [ -n "$reason" ] || fail "differences.txt: '$key $variant' gives no reason"
  keys+=("$key") variants+=("$variant") used+=(0)
done < "$E2E_SHARE/conformance-differences.txt"
# explained KEY VARIANT: true when an entry covers it (and marks the entry used).
explained() {
  local i
  for i in "${!keys[@]}"; do
    # shellcheck disable=SC2053
    [[ $1 == ${keys[$i]} && $2 == ${variants[$i]} ]] && { used[$i]=1; return 0; }
  done
  return 1
}
# probe RUNTIME BUNDLE NAME: the probe's output there, sorted, with the runtime's exit status.
probe() {
  local rc
  "$1" run --bundle "$2" "$3" </dev/null >"$2/$1.raw" 2>"$2/$1.err"
  rc=$?
  { cat "$2/$1.raw"; echo "runtime.exit=$rc"; } | LC_ALL=C sort > "$2/$1.out"
}
n=0 unexplained=0 t0=$(date +%s)
while read -r v; do
  b=$w/b-$v
  mkdir -p $b && cp $w/variants/$v.json $b/config.json
  for runtime in crun ppc-kvm-shim; do
    rm -rf $b/rootfs && cp -a $w/template $b/rootfs
    probe $runtime $b conf-$v
  done
  n=$((n + 1))
  grep -qx 'runtime.exit=0' $b/crun.out || { fail "$v: crun itself fails it: $(tail -n 2 $b/crun.err)"; continue; }
  for key in $(LC_ALL=C comm -3 $b/crun.out $b/ppc-kvm-shim.out | sed 's/^\t//; s/=.*//' | sort -u); do
    explained "$key" "$v" && continue
    unexplained=$((unexplained + 1))
    echo "  $v: $key: crun '$(grep "^$key=" $b/crun.out | cut -d= -f2- | tr '\n' '|')'," \
      "ppc-kvm-shim '$(grep "^$key=" $b/ppc-kvm-shim.out | cut -d= -f2- | tr '\n' '|')'"
    [ "$key" = runtime.exit ] && sed 's/^/    /' $b/ppc-kvm-shim.err $b/crun.err | tail -n 6
  done
done < $w/names
echo "conformance: $n variants in $(( $(date +%s) - t0 )) s, $unexplained unexplained difference(s)"
[ "$n" -ge 60 ] && ok "conformance: $n variants ran" || fail "conformance: only $n variants"
[ "$unexplained" -eq 0 ] && ok "conformance: every difference from crun is a documented one" ||
  fail "conformance: $unexplained difference(s) from crun not in differences.txt"
for i in "${!keys[@]}"; do
  [ "${used[$i]}" = 1 ] || fail "differences.txt: '${keys[$i]} ${variants[$i]}' no longer occurs: remove it"
done

finish
