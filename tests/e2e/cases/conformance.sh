# shellcheck shell=bash
# The differential conformance harness (issue 20), in the e2e L1: every config.json variant of
# `crun spec`'s default that conformance_variants writes runs conformance_probe under crun and
# under ppc-kvm-shim; each line of the probe's output that differs must be listed, with its
# reason, in tests/conformance/differences.txt, and each entry there must still occur. A
# variant crun itself cannot run proves nothing and fails the run. Then one container goes
# through its lifecycle under crun, runc and ppc-kvm-shim (states, wrong-state commands,
# signals, hooks' stdin, the pid file, run's exit status), compared the same way (VARIANT
# "lifecycle"); where crun and runc disagree the log says so.
# e2e.crun_baseline runs it at its end, in its boot; alone:
#   tests/e2e/run-l1.sh --case tests/e2e/cases/conformance.sh --bin-dir build/ppc64le/e2e/bin \
#     --share-dir build/ppc64le/e2e/share --timeout 900
. /e2e/case_lib.sh

echo "== conformance: the probe under crun and under ppc-kvm-shim"
w=/tmp/conformance
mkdir -p $w/spec $w/variants $w/data $w/template
tar -C $w/template -xf /usr/share/e2e/busybox-rootfs.tar
chmod 0755 $w/template  # the tar's root is mktemp's 0700: no user but root could run anything
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
# run_variant NAME: the probe under both runtimes, each on its own copy of the root (a runtime
# may create mount points in it). Two variants run at once: L1 has two CPUs.
run_variant() {
  local b=$w/b-$1 runtime
  mkdir -p $b && cp $w/variants/$1.json $b/config.json
  for runtime in crun ppc-kvm-shim; do
    rm -rf $b/rootfs && cp -a $w/template $b/rootfs
    probe $runtime $b conf-$1
  done
}
n=0 unexplained=0 t0=$(date +%s)
while read -r v; do
  [ "$(jobs -rp | wc -l)" -lt 2 ] || wait -n
  run_variant "$v" &
done < $w/names
wait
while read -r v; do
  b=$w/b-$v
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

echo "== conformance: the lifecycle under crun, runc and ppc-kvm-shim"
unexplained=0
# wait_for FILE TEXT: up to 30 s for a line TEXT in FILE.
wait_for() {
  local _
  for _ in $(seq 120); do grep -qx "$2" "$1" 2>/dev/null && return 0; sleep 0.25; done
  return 1
}
# state_of RUNTIME ID: the container's status, or "none" when the runtime knows no such one.
state_of() {
  local s
  s=$("$1" state "$2" 2>/dev/null) || { echo none; return; }
  sed -n 's/.*"status" *: *"\([a-z]*\)".*/\1/p' <<<"$s" | head -n 1
}
# outcome COMMAND...: "ok" or "error" as the command's exit status says.
outcome() { "$@" >/dev/null 2>&1 </dev/null && echo ok || echo error; }
# hook_facts KIND BUNDLE ID: what a hook of KIND received on stdin, one key=value each.
hook_facts() {
  local f=$2/hook-$1.json pid
  [ -s "$f" ] || { echo "hook.$1=not-run"; return; }
  echo "hook.$1.status=$(sed -n 's/.*"status" *: *"\([a-z]*\)".*/\1/p' "$f")"
  grep -q "\"id\" *: *\"$3\"" "$f" && echo "hook.$1.id=the container's" || echo "hook.$1.id=other"
  grep -q "\"bundle\" *: *\"$2\"" "$f" && echo "hook.$1.bundle=the bundle" || echo "hook.$1.bundle=other"
  pid=$(sed -n 's/.*"pid" *: *\([0-9]*\).*/\1/p' "$f")
  if [ -z "$pid" ]; then echo "hook.$1.pid=absent"
  elif [ "$pid" = 0 ]; then echo "hook.$1.pid=0"
  elif [ "$pid" = "$(cat "$2/pid" 2>/dev/null)" ]; then echo "hook.$1.pid=the pid file's"
  else echo "hook.$1.pid=other"; fi
}
# lifecycle RUNTIME: a container through its states, with the wrong-state commands in each and
# a signal of each kind to its handlers; prints one key=value per fact.
lifecycle() {
  local r=$1 b=$w/lc-$1 id=lc-$1 sig
  mkdir -p $b && cp $w/variants/lifecycle.json $b/config.json && cp -a $w/template $b/rootfs
  "$r" create --bundle $b --pid-file $b/pid $id </dev/null >$b/stdout 2>$b/stderr
  echo "create=$?"
  [ -s $b/pid ] && echo "pid-file.after-create=written" || echo "pid-file.after-create=missing"
  echo "state.after-create=$(state_of "$r" $id)"
  echo "hook.createRuntime.after-create=$([ -s $b/hook-createRuntime.json ] && echo ran || echo not-yet)"
  echo "hook.poststart.after-create=$([ -s $b/hook-poststart.json ] && echo ran || echo not-yet)"
  echo "create.same-id=$(outcome "$r" create --bundle $b $id)"
  echo "start=$(outcome "$r" start $id)"
  wait_for $b/stdout ready && echo "process=ready" || echo "process=silent"
  echo "state.after-start=$(state_of "$r" $id)"
  echo "start.running=$(outcome "$r" start $id) $(state_of "$r" $id)"
  echo "delete.running=$(outcome "$r" delete $id) $(state_of "$r" $id)"
  for sig in HUP INT USR1 USR2 TERM; do
    "$r" kill $id $sig >/dev/null 2>&1
    wait_for $b/stdout got-$sig && echo "kill.$sig=handled" || echo "kill.$sig=not-handled"
  done
  "$r" kill $id KILL >/dev/null 2>&1
  for _ in $(seq 120); do [ "$(state_of "$r" $id)" = stopped ] && break; sleep 0.25; done
  echo "state.after-kill=$(state_of "$r" $id)"
  echo "kill.stopped=$(outcome "$r" kill $id TERM)"
  echo "start.stopped=$(outcome "$r" start $id) $(state_of "$r" $id)"
  echo "delete.stopped=$(outcome "$r" delete $id) $(state_of "$r" $id)"
  echo "delete.again=$(outcome "$r" delete $id)"
  for kind in createRuntime poststart poststop; do hook_facts $kind $b $id; done
  # run: the runtime's own exit status when its container is killed
  rm -f $b/stdout $b/hook-*.json
  "$r" run --bundle $b $id-run </dev/null >$b/stdout 2>>$b/stderr &
  local run=$!
  wait_for $b/stdout ready || echo "run=silent"
  "$r" kill $id-run KILL >/dev/null 2>&1
  wait $run
  echo "run.killed=$?"
  "$r" delete --force $id-run >/dev/null 2>&1
}
for runtime in crun runc ppc-kvm-shim; do lifecycle $runtime | LC_ALL=C sort > $w/lc-$runtime.out; done
echo "  ppc-kvm-shim's lifecycle: $(tr '\n' ' ' < $w/lc-ppc-kvm-shim.out)"
while read -r line; do
  key=${line%%=*} theirs=${line#*=}
  runc_says=$(sed -n "s/^$key=//p" $w/lc-runc.out)
  ours=$(sed -n "s/^$key=//p" $w/lc-ppc-kvm-shim.out)
  [ "$runc_says" = "$theirs" ] || echo "  note: crun and runc differ on $key: crun '$theirs', runc '$runc_says'"
  [ "$ours" = "$theirs" ] && continue
  explained "$key" lifecycle && continue
  unexplained=$((unexplained + 1))
  echo "  lifecycle: $key: crun '$theirs', runc '$runc_says', ppc-kvm-shim '$ours'"
done < $w/lc-crun.out
[ "$(wc -l < $w/lc-ppc-kvm-shim.out)" -eq "$(wc -l < $w/lc-crun.out)" ] ||
  fail "lifecycle: ppc-kvm-shim gave $(wc -l < $w/lc-ppc-kvm-shim.out) facts, crun $(wc -l < $w/lc-crun.out)"
[ "$unexplained" -eq 0 ] && ok "conformance: the lifecycle is crun's, but for documented differences" ||
  fail "conformance: $unexplained lifecycle difference(s) from crun not in differences.txt"

for i in "${!keys[@]}"; do
  [ "${used[$i]}" = 1 ] || fail "differences.txt: '${keys[$i]} ${variants[$i]}' no longer occurs: remove it"
done

finish
