# shellcheck shell=bash
# The network benchmark (issue 15), sourced by suite_l1.sh, whose helpers it uses (sample,
# progress, us, ms, qemu_cmd, $W, $IMG, $K_OF); bench_net runs it.
# A server on podman's default network (netavark's bridge), measured from L1:
#   up, down  TCP throughput for NET_SECONDS: iperf3 -c from L1, and -R (server to L1)
#   ping      ICMP round trip, NET_PINGS echoes 0.2 s apart (busybox ping)
#   http      NET_REQUESTS sequential requests for a 1 KiB page (busybox wget against busybox
#             httpd; each request is a new L1 process and a new connection, the same for all)
# Contenders, interleaved run by run: ours and crun (`podman run` of a test image with iperf3),
# and ours with the host setting vhost_net (the kernel's vhost-net moving the frames) where L1
# has /dev/vhost-net;
# QEMU pSeries whose virtio-net-pci sits on a tap in a crun container's network namespace,
# joined to its eth0 by a tc redirect each way as the shim joins ours (userspace virtio-net,
# vhost=off, as ours has it by default), and the same QEMU with vhost-net when L1 has
# /dev/vhost-net (the like of ours-vhost). Guests: NET_MEM_MIB, 1 vCPU.

NET_RUNS=${NET_RUNS:-3} NET_SECONDS=${NET_SECONDS:-10} NET_PINGS=${NET_PINGS:-20} NET_REQUESTS=${NET_REQUESTS:-50}
NET_MEM_MIB=${NET_MEM_MIB:-512}
NET_IMG=localhost/bench-iperf3:latest
NET_ROOT=$W/net-root
NET_SERVE='httpd -p 80 -h /www; exec iperf3 -s'

# net_image: the test image: the busybox image's files, iperf3 and every library it loads
# (L1's own, as ldd finds them), a 1 KiB page in /www.
net_image() {
  local lib
  rm -rf $NET_ROOT && mkdir -p $NET_ROOT/www
  tar -C $NET_ROOT -xf /usr/share/e2e/busybox-rootfs.tar || return 1
  cp /usr/bin/iperf3 $NET_ROOT/bin/iperf3 || return 1
  for lib in $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do
    mkdir -p "$NET_ROOT$(dirname "$lib")" && cp -L "$lib" "$NET_ROOT$lib" || return 1
  done
  head -c 1024 /dev/zero | tr '\0' x > $NET_ROOT/www/index.html
  podman rmi -f $NET_IMG >/dev/null 2>&1
  tar -C $NET_ROOT -c . | podman import - $NET_IMG >/dev/null
}

get() { timeout 10 busybox wget -q -O /dev/null "http://$1/" 2>/dev/null; }  # the page, or false within 10 s

# net_measure CONTENDER RUN IP STDERR_FILES...: one sample: the four measurements of a server
# at IP, each checked (a missing figure is an error, never a zero).
net_measure() {
  local who=$1 run=$2 ip=$3 bad=() a out mbps dir flag i t0 t1 failed=0
  shift 3
  a=(kind=net contender="$who" run="$run" seconds="$NET_SECONDS" requests="$NET_REQUESTS")
  t0=$(date +%s)
  until get "$ip"; do [ $(( $(date +%s) - t0 )) -ge 180 ] && break; sleep 0.5; done
  if ! get "$ip"; then
    sample "${a[@]}" error="the server at $ip never answered; stderr: $(cat "$@" 2>/dev/null | tail -n 5 | tr '\n' ' ' | head -c 600)"
    return 1
  fi
  for dir in up down; do
    flag=""; [ $dir = down ] && flag=-R
    # iperf3 -s may start a moment after httpd: a refused first connection is retried.
    for i in $(seq 10); do
      out=$(timeout $((NET_SECONDS + 60)) iperf3 -c "$ip" -t "$NET_SECONDS" -f m $flag 2>&1) && break
      sleep 1
    done
    mbps=$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") v = $(i - 1) } END { print v }' <<<"$out")
    if [ -n "$mbps" ]; then a+=("${dir}_mbit_s=$mbps"); else bad+=("iperf3 $dir: $(tail -n 2 <<<"$out" | tr '\n' ' ')"); fi
  done
  out=$(busybox ping -q -c "$NET_PINGS" -i 0.2 "$ip" 2>&1)
  i=$(sed -n 's|.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p' <<<"$out")
  if [ -n "$i" ]; then a+=(ping_avg_ms="$i"); else bad+=("ping: $(tail -n 2 <<<"$out" | tr '\n' ' ')"); fi
  t0=$EPOCHREALTIME
  for i in $(seq "$NET_REQUESTS"); do get "$ip" || failed=$((failed + 1)); done
  t1=$EPOCHREALTIME
  if [ $failed = 0 ]; then a+=(http_ms_per_request="$(ms $(( ($(us $t1) - $(us $t0)) / NET_REQUESTS )))")
  else bad+=("http: $failed of $NET_REQUESTS requests failed"); fi
  [ ${#bad[@]} -gt 0 ] && a+=(error="$(IFS=';'; echo "${bad[*]}")")
  sample "${a[@]}"
}

# net_podman CONTENDER RUNTIME RUN: the server as a container on the default network.
net_podman() {
  local c=bench-net ip
  podman rm -f -t 0 $c >/dev/null 2>&1
  if ! timeout 300 podman --runtime "$2" run -d --name $c --annotation io.ppc-kvm.memory=${NET_MEM_MIB}M \
      $NET_IMG sh -c "$NET_SERVE" </dev/null >/dev/null 2>$W/net.err; then
    sample kind=net contender="$1" run="$3" rc=1 error="podman run: $(tail -n 4 $W/net.err | tr '\n' ' ' | head -c 600)"
    return
  fi
  ip=$(podman inspect --format '{{.NetworkSettings.IPAddress}}' $c)
  # The contender must be what it says: the kernel's vhost-net has a worker thread per VM.
  if [ "$1" = ours-vhost ] && ! cat /proc/[0-9]*/comm 2>/dev/null | grep -q '^vhost-'; then
    sample kind=net contender="$1" run="$3" rc=1 error="no vhost-net worker runs: the setting did not take"
    podman rm -f -t 0 $c >/dev/null 2>&1
    return
  fi
  net_measure "$1" "$3" "$ip" $W/net.err
  podman logs $c > $W/net.logs 2>&1
  podman rm -f -t 0 $c >/dev/null 2>&1
}

# net_qemu CONTENDER RUN VHOST(on|off): a crun container holds the namespace podman set up;
# a tap beside its eth0 with a u32 match-all mirred redirect each way (ingress qdiscs), as
# the shim makes them; QEMU in that namespace on the tap, the guest given eth0's MAC and
# address, the default route podman gave.
net_qemu() {
  local who=$1 run=$2 vhost=$3 c=bench-qnet pid n addr mac mtu gw rc=0 qpid
  podman rm -f -t 0 $c >/dev/null 2>&1
  if ! podman --runtime crun run -d --name $c "$IMG" sleep 1000000 </dev/null >/dev/null 2>$W/qnet.err; then
    sample kind=net contender="$who" run="$run" rc=1 error="the namespace's container: $(tail -n 3 $W/qnet.err | tr '\n' ' ')"
    return
  fi
  pid=$(podman inspect --format '{{.State.Pid}}' $c)
  n="nsenter --net=/proc/$pid/ns/net"
  addr=$($n ip -o -4 addr show eth0 | awk '{ print $4 }')
  mac=$($n ip -o link show eth0 | sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p')
  mtu=$($n ip -o link show eth0 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
  gw=$($n ip route | awk '/^default/ { print $3 }')
  { $n ip tuntap add dev tap0 mode tap && $n ip link set tap0 mtu "$mtu" up &&
    $n tc qdisc add dev eth0 ingress && $n tc qdisc add dev tap0 ingress &&
    $n tc filter add dev eth0 parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev tap0 &&
    $n tc filter add dev tap0 parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev eth0; } 2>$W/qnet.err || rc=$?
  if [ $rc != 0 ] || [ -z "$addr" ] || [ -z "$mac" ] || [ -z "$gw" ]; then
    sample kind=net contender="$who" run="$run" rc=1 error="the tap and redirects (addr '$addr', mac '$mac', gw '$gw'): $(tr '\n' ' ' < $W/qnet.err)"
    podman rm -f -t 0 $c >/dev/null 2>&1
    return
  fi
  cat > $NET_ROOT/init <<EOF
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc; /bin/busybox mount -t sysfs sysfs /sys; /bin/busybox mount -t devtmpfs devtmpfs /dev
export PATH=/bin
for d in /sys/class/net/*; do [ "\$(cat \$d/address)" = "$mac" ] && dev=\${d##*/}; done
ip link set lo up; ip link set "\$dev" mtu $mtu up; ip addr add $addr dev "\$dev"; ip route add default via $gw
$NET_SERVE
EOF
  chmod +x $NET_ROOT/init
  (cd $NET_ROOT && find . | cpio -o -H newc 2>/dev/null) > $W/net-guest.cpio
  eval "$n $(qemu_cmd "$K_OF" $W/net-guest.cpio ${NET_MEM_MIB}M \
    -netdev tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=$vhost -device virtio-net-pci,netdev=n0,mac=$mac,romfile= \
    -serial file:$W/qnet.console)" '</dev/null >$W/qnet.qemu.err 2>&1 &'
  qpid=$!
  net_measure "$who" "$run" "${addr%/*}" $W/qnet.qemu.err $W/qnet.console
  kill $qpid 2>/dev/null; wait $qpid 2>/dev/null
  podman rm -f -t 0 $c >/dev/null 2>&1
}

# net_podman_vhost CONTENDER RUNTIME RUN: net_podman with the shim's host setting vhost_net
# true (added last to the suite's settings file, where it wins), then the file as it was.
net_podman_vhost() {
  local conf=/etc/ppc-kvm-shim/config.json body
  body=$(cat $conf 2>/dev/null) && cp $conf $W/config.saved && body=${body%\}} &&
    printf '%s, "vhost_net": true}\n' "$body" > $W/config.vhost && cp $W/config.vhost $conf
  if ! cmp -s $W/config.vhost $conf; then
    sample kind=net contender="$1" run="$3" rc=1 error="could not set vhost_net in $conf"
    [ -f $W/config.saved ] && cp $W/config.saved $conf
    return
  fi
  net_podman "$@"
  cp $W/config.saved $conf
}

bench_net() {
  local i vhost=no
  progress "net: test image, then $NET_RUNS runs each (ours, ours with vhost-net, QEMU, crun): iperf3 ${NET_SECONDS} s each way, ping, $NET_REQUESTS requests"
  if ! net_image 2>$W/net-image.err; then
    sample kind=net_setup error="the test image: $(tail -n 3 $W/net-image.err | tr '\n' ' ')"
    return
  fi
  modprobe vhost_net 2>/dev/null
  [ -c /dev/vhost-net ] && vhost=yes
  sample kind=net_setup iperf3="$(iperf3 --version 2>&1 | head -1)" guest_mib="$NET_MEM_MIB" qemu_kernel="$(basename "$K_OF")" \
    vhost_net="$vhost" network="$(podman network inspect podman --format '{{range .Subnets}}{{.Subnet}} {{end}}' 2>&1)"
  for i in $(seq "$NET_RUNS"); do
    net_podman ours ppc-kvm-shim "$i"
    [ $vhost = yes ] && net_podman_vhost ours-vhost ppc-kvm-shim "$i"
    net_qemu qemu "$i" off
    [ $vhost = yes ] && net_qemu qemu-vhost "$i" on
    net_podman crun crun "$i"
  done
  podman rmi -f $NET_IMG >/dev/null 2>&1
}
