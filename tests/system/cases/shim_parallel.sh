# Runs in L1: 8 containers started at once through ppc-kvm-shim run, each in its own guest with
# its own bind-mounted file; each must finish with its own output and exit status.
. /rig/case_lib.sh
shim_case_setup

echo "== 8 containers run at once"
n=8
for i in $(seq $n); do
  b=$(bundle p$i "[\"sh\",\"-c\",\"echo container $i: \$(($i * $i)); cat /etc/which; exit $i\"]" false \
    ",{\"destination\":\"/etc/which\",\"type\":\"bind\",\"source\":\"/tmp/which$i\",\"options\":[\"rbind\",\"ro\"]}" \
    ',"annotations":{"io.ppc-kvm.memory":"128M"}')
  echo "file of $i" > /tmp/which$i
  ( $S run --bundle $b p$i > /tmp/p$i.out 2>/tmp/p$i.err; echo $? > /tmp/p$i.rc ) &
done
# While they run, list shows them (those created by now): each row of one listing one of
# these, in a state a container can be in.
rows=0 listing= rc=1
for _ in $(seq 240); do
  listing=$($S list 2>/dev/null); rc=$?
  rows=$(echo "$listing" | tail -n +2 | awk '$1 ~ /^p[1-8]$/' | wc -l)
  [ "$rows" -gt 0 ] && break
  sleep 0.25
done
echo "$listing"
odd=$(echo "$listing" | tail -n +2 | awk '$1 !~ /^p[1-8]$/ || $3 !~ /^(creating|created|running|stopped)$/')
[ $rc -eq 0 ] && [ "$rows" -gt 0 ] && [ -z "$odd" ] && ok "list shows $rows of them while they run" \
  || fail "list: exit $rc, $rows of ours, odd rows '$odd'"
start=$(date +%s)
wait
echo "all $n finished after $(( $(date +%s) - start )) s more"
for i in $(seq $n); do
  rc=$(cat /tmp/p$i.rc)
  got=$(tr -d '\r' < /tmp/p$i.out)
  if [ "$rc" = "$i" ] && [ "$got" = "container $i: $((i * i))
file of $i" ]; then ok "p$i: exit $rc, its own output"; else fail "p$i: exit $rc, output '$got'"; cat /tmp/p$i.err; fi
done
root_clean "parallel"
any_failed && show_logs
finish
