#!/usr/bin/env bash
# Slow clients against normal traffic: wrk's p99 through ToolCapture (1 worker, capture off,
# in front of nginx, a pool with room for every client as in haproxy_compare.sh) alone, then
# while 1,000 other connections each send one header byte per second; and the same through
# HAProxy (nbthread 1, `timeout http-request` 10 s), the reference for what this machine does
# to a proxy's tail under that load. The slow connections send their bytes spread over each
# second, as independent clients would (a burst of 1,000 sends from one process is the load
# generator's own stall on a small machine, and moved HAProxy's p99 by 24-49%). Rounds
# alternate alone and with; medians are printed, and how each slow connection ended (all
# should get 408 at the header timeout, 10 s after their first byte). Everything on
# 127.0.0.1, free ports.
#
#   tests/bench/slow_clients.sh [--slow N] [--duration SECONDS] [--rounds N] [--toolcapture PATH]
set -euo pipefail
# shellcheck source=SCRIPTDIR/../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
bench_dir="$TC_ROOT/tests/bench"

slow=1000
duration=8
rounds=3
toolcapture="$TC_ROOT/build/app/toolcapture"
usage() { tc_usage; }
while (($#)); do
    case "$1" in
    --slow) slow="${2:?}" && shift ;;
    --duration) duration="${2:?}" && shift ;;
    --rounds) rounds="${2:?}" && shift ;;
    --toolcapture) toolcapture="$(realpath "${2:?}")" && shift ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && exit 2 ;;
    esac
    shift
done
((duration < 10)) || tc_die "--duration must stay below the 10 s header timeout"
((rounds >= 1)) || tc_die "--rounds must be at least 1"
[[ -x "$toolcapture" ]] || tc_die "no ToolCapture binary at $toolcapture"
export PATH="$PATH:/usr/sbin"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

workdir="$(mktemp -d /tmp/toolcapture-slow.XXXXXX)"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf -- "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mapfile -t ports < <(tc_free_ports 4)
nginx_port="${ports[0]}"
tc_port="${ports[1]}"
tc_admin_port="${ports[2]}"
haproxy_port="${ports[3]}"
body='{"ok":true}'
mkdir -p "$workdir/nginx-tmp"
sed -e "s|@WORKDIR@|$workdir|g" -e "s|@NGINX_PORT@|$nginx_port|g" -e "s|@BODY@|$body|g" \
    "$bench_dir/nginx.conf.in" >"$workdir/nginx.conf"
nginx -c "$workdir/nginx.conf" -p "$workdir/" >"$workdir/nginx.out" 2>&1 &
pids+=($!)
tc_wait_http nginx 127.0.0.1 "$nginx_port" / "${pids[-1]}" || tc_die "nginx did not start"
cat >"$workdir/tc.json" <<EOF
{
  "listen": "127.0.0.1:$tc_port",
  "admin": "127.0.0.1:$tc_admin_port",
  "workers": 1,
  "pool": { "max_connections": 256, "max_idle": 256 },
  "kafka": { "brokers": "embedded", "spool_dir": "$workdir/spool" },
  "capture": { "enabled": false, "store_path": "$workdir/captures.sqlite" },
  "services": { "bench": { "match": { "path_prefix": "/" },
    "instances": [ { "id": "nginx-1", "url": "http://127.0.0.1:$nginx_port" } ] } }
}
EOF
"$toolcapture" --no-gui --config "$workdir/tc.json" --workers 1 >"$workdir/tc.out" 2>&1 &
pids+=($!)
tc_wait_http toolcapture 127.0.0.1 "$tc_port" / "${pids[-1]}" 30 || tc_die "toolcapture did not start"

sed -e "s|@WORKDIR@|$workdir|g" -e "s|@NGINX_PORT@|$nginx_port|g" \
    -e "s|@HAPROXY_PORT@|$haproxy_port|g" -e "s|@THREADS@|1|g" -e "s|@MAXCONN@|9950|g" \
    "$bench_dir/haproxy.cfg.in" >"$workdir/haproxy.cfg"
# HAProxy answers a head not complete after this long with 408, as ToolCapture does.
sed -i -e 's|^\(\s*\)timeout client .*|&\n\1timeout http-request 10s|' "$workdir/haproxy.cfg"
haproxy -db -f "$workdir/haproxy.cfg" >"$workdir/haproxy.out" 2>&1 &
pids+=($!)
tc_wait_http haproxy 127.0.0.1 "$haproxy_port" / "${pids[-1]}" || tc_die "haproxy did not start"

# The slow clients: one header byte per second each, the connections spread evenly over the
# second in 10 ms steps; then how each connection ended.
cat >"$workdir/slow.py" <<'EOF'
import socket, sys, time
port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
head = b"GET /slow HTTP/1.1\r\nHost: slow\r\nX-Padding: " + b"p" * 64 + b"\r\n\r\n"
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
start = time.monotonic()
per_step = max(1, count // 100)
for second in range(seconds):
    for first in range(0, count, per_step):
        for s in socks[first:first + per_step]:
            try:
                s.send(head[second:second + 1])
            except OSError:
                pass
        due = start + second + (first + per_step) / count
        time.sleep(max(0.0, due - time.monotonic()))
ended = {"408": 0, "other": 0, "open": 0}
for s in socks:
    s.settimeout(5)
    try:
        data = s.recv(65536)
        ended["408" if data.startswith(b"HTTP/1.1 408") else "other"] += 1
    except OSError:
        ended["open"] += 1
print(" ".join(f"{k}={v}" for k, v in ended.items()))
EOF

# p99 of a wrk --latency report, in ms.
p99() {
    awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
        else if (v ~ /ms$/) sub(/ms$/, "", v); else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
        printf "%.2f", v }' "$1"
}

# measure NAME PORT ROUND: one run alone, one beside the slow clients; a line of results.
measure() {
    local name="$1" port="$2" round="$3" url="http://127.0.0.1:$2/bench" slow_pid
    wrk -t1 -c64 -d1s "$url" >/dev/null
    wrk -t1 -c64 -d"${duration}s" --latency "$url" >"$workdir/$name-alone-$round.txt"
    python3 "$workdir/slow.py" "$port" "$slow" "$((duration + 4))" \
        >"$workdir/$name-slow-$round.txt" &
    slow_pid=$!
    pids+=("$slow_pid")
    sleep 1
    wrk -t1 -c64 -d"${duration}s" --latency "$url" >"$workdir/$name-with-$round.txt"
    wait "$slow_pid" || true
    echo "$name $round $(p99 "$workdir/$name-alone-$round.txt")" \
        "$(p99 "$workdir/$name-with-$round.txt") $(cat "$workdir/$name-slow-$round.txt")" |
        tee -a "$workdir/results.txt"
}

echo "name round p99-alone-ms p99-with-ms slow-connections-ended"
for ((round = 1; round <= rounds; round++)); do
    measure toolcapture "$tc_port" "$round"
    measure haproxy "$haproxy_port" "$round"
done
python3 - "$workdir/results.txt" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, _, alone, with_slow = line.split()[:4]
    rows.setdefault(name, []).append((float(alone), float(with_slow)))
for name, runs in rows.items():
    alone = statistics.median(a for a, _ in runs)
    with_slow = statistics.median(w for _, w in runs)
    changes = ", ".join(f"{100 * (w / a - 1):+.0f}%" for a, w in runs)
    print(f"{name}: p99 alone {alone:.2f} ms, with slow clients {with_slow:.2f} ms"
          f" (medians; change per round: {changes})")
EOF
