#!/usr/bin/env bash
# Slow clients against normal traffic: wrk's p99 through ToolCapture (1 worker, capture off,
# in front of nginx) alone, then while 1,000 other connections each send one header byte per
# second. Prints both p99s, their change, and how the slow connections ended (all should get
# 408 at the header timeout, 10 s after their first byte). Everything on 127.0.0.1, free ports.
#
#   tests/bench/slow_clients.sh [--slow N] [--duration SECONDS] [--toolcapture PATH]
set -euo pipefail
# shellcheck source=SCRIPTDIR/../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
bench_dir="$TC_ROOT/tests/bench"

slow=1000
duration=8
toolcapture="$TC_ROOT/build/app/toolcapture"
usage() { tc_usage; }
while (($#)); do
    case "$1" in
    --slow) slow="${2:?}" && shift ;;
    --duration) duration="${2:?}" && shift ;;
    --toolcapture) toolcapture="$(realpath "${2:?}")" && shift ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && exit 2 ;;
    esac
    shift
done
((duration < 10)) || tc_die "--duration must stay below the 10 s header timeout"
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

mapfile -t ports < <(tc_free_ports 3)
nginx_port="${ports[0]}"
tc_port="${ports[1]}"
tc_admin_port="${ports[2]}"
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
  "kafka": { "brokers": "embedded", "spool_dir": "$workdir/spool" },
  "capture": { "enabled": false, "store_path": "$workdir/captures.sqlite" },
  "services": { "bench": { "match": { "path_prefix": "/" },
    "instances": [ { "id": "nginx-1", "url": "http://127.0.0.1:$nginx_port" } ] } }
}
EOF
"$toolcapture" --no-gui --config "$workdir/tc.json" --workers 1 >"$workdir/tc.out" 2>&1 &
pids+=($!)
tc_wait_http toolcapture 127.0.0.1 "$tc_port" / "${pids[-1]}" 30 || tc_die "toolcapture did not start"

url="http://127.0.0.1:$tc_port/bench"
p99() { awk '$1 == "99%" { print $2 }' "$1"; }
wrk -t1 -c64 -d1s "$url" >/dev/null
wrk -t1 -c64 -d"${duration}s" --latency "$url" >"$workdir/alone.txt"

# The slow clients: one header byte per second each, then report how each connection ended.
python3 - "$tc_port" "$slow" "$((duration + 4))" >"$workdir/slow.txt" <<'EOF' &
import socket, sys, time
port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
head = b"GET /slow HTTP/1.1\r\nHost: slow\r\nX-Padding: " + b"p" * 64 + b"\r\n\r\n"
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
start = time.monotonic()
for second in range(seconds):
    for s in socks:
        try:
            s.send(head[second:second + 1])
        except OSError:
            pass
    time.sleep(max(0.0, start + second + 1 - time.monotonic()))
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
slow_pid=$!
pids+=("$slow_pid")
sleep 1
wrk -t1 -c64 -d"${duration}s" --latency "$url" >"$workdir/slow-wrk.txt"
wait "$slow_pid" || true

alone="$(p99 "$workdir/alone.txt")"
with="$(p99 "$workdir/slow-wrk.txt")"
echo "p99 alone: $alone, with $slow slow clients: $with"
echo "requests/s alone: $(awk '/^Requests\/sec:/ { print $2 }' "$workdir/alone.txt")," \
    "with slow clients: $(awk '/^Requests\/sec:/ { print $2 }' "$workdir/slow-wrk.txt")"
echo "slow connections ended: $(cat "$workdir/slow.txt")"
