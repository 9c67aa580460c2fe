#!/usr/bin/env bash
# Compares ToolCapture's proxy with HAProxy in front of the same nginx upstream, with wrk.
# Everything listens on 127.0.0.1, on ports the kernel picks, from a temporary directory, and is
# stopped on exit. Output: one table row per target, the toolcapture/haproxy ratio (capture and
# Kafka publishing on) and the cost of capture (against a second ToolCapture with capture off).
#
#   tests/bench/haproxy_compare.sh [options]
#     --duration SECONDS     wrk run per target (default 10)
#     --connections N        wrk connections (default 64; wrk uses 1 thread)
#     --workers N            ToolCapture workers = HAProxy threads (default 1)
#     --toolcapture PATH     the binary (default build/app/toolcapture)
#     --only-baselines       nginx and HAProxy only (no ToolCapture needed)
#     --path PATH            request path (default /bench/items)
#     --warmup SECONDS       unmeasured run before each measured one (default 1; 0: none)
#     --rounds N             measure every target N times, in turn (default 1): on a machine
#                            whose speed drifts, each round's ratio compares runs seconds apart;
#                            prints every round's ratio and p99s and their medians (the table
#                            and the CPU figures are the last round's)
#     --keep                 keep the temporary directory (configs, logs, raw wrk output)
#     --cache                the response cache on in both ToolCaptures (off otherwise), and two
#                            more runs on a cacheable path (/bench/cached, max-age=600): HAProxy
#                            (which forwards it) and ToolCapture with capture (answered from its
#                            cache); prints the hit path's ratio to the upstream path
#     --compression NAME     the Kafka producer's compression (none, gzip, snappy, lz4, zstd;
#                            default: the product's default, lz4)
#     --content-mode NAME    the CloudEvents content mode of the events (structured, binary;
#                            default: the product's default, structured)
#     --intelligence         the pattern analysis and the store's exchange rows on in both
#                            ToolCaptures (off otherwise: the standing bar is capture and Kafka
#                            publishing; a fleet's proxies leave the analysis to one process)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
bench_dir="$TC_ROOT/tests/bench"

duration=10
connections=64
workers=1
toolcapture="$TC_ROOT/build/app/toolcapture"
only_baselines=0
path="/bench/items"
warmup=1
rounds=1
keep=0
cache=false
intelligence=false
compression=lz4
content_mode=structured

usage() { tc_usage; }

while (($#)); do
    case "$1" in
    --duration) duration="${2:?}" && shift ;;
    --connections) connections="${2:?}" && shift ;;
    --workers) workers="${2:?}" && shift ;;
    --toolcapture) toolcapture="$(realpath "${2:?}")" && shift ;;
    --only-baselines) only_baselines=1 ;;
    --path) path="${2:?}" && shift ;;
    --warmup) warmup="${2:?}" && shift ;;
    --rounds) rounds="${2:?}" && shift ;;
    --keep) keep=1 ;;
    --cache) cache=true ;;
    --intelligence) intelligence=true ;;
    --compression) compression="${2:?}" && shift ;;
    --content-mode) content_mode="${2:?}" && shift ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && exit 2 ;;
    esac
    shift
done
duration="${duration%s}"
warmup="${warmup%s}"
for n in "$duration" "$connections" "$workers" "$warmup" "$rounds"; do
    [[ "$n" =~ ^[0-9]+$ ]] || tc_die "not a whole number: $n"
done
((duration > 0 && connections > 0 && workers > 0 && rounds > 0)) || tc_die "values must be positive"
[[ "$path" == /* ]] || tc_die "--path must start with /"
if ((only_baselines == 0)) && [[ ! -x "$toolcapture" ]]; then
    tc_die "no ToolCapture binary at $toolcapture: build it (scripts/bench.sh does)," \
        "pass --toolcapture PATH, or use --only-baselines"
fi

"$TC_ROOT/scripts/install-deps.sh" --bench
for tool in nginx haproxy wrk; do
    command -v "$tool" >/dev/null || [[ -x "/usr/sbin/$tool" ]] || tc_die "$tool not found"
done
export PATH="$PATH:/usr/sbin"

# Every process here may hold a few thousand sockets: raise the soft limit as far as allowed.
hard_nofile="$(ulimit -Hn)"
[[ "$hard_nofile" == unlimited ]] && hard_nofile=65536
ulimit -n "$((hard_nofile > 65536 ? 65536 : hard_nofile))" 2>/dev/null || true
nofile="$(ulimit -n)"
maxconn=$(((nofile - 100) / 2))
((maxconn > 10000)) && maxconn=10000
((connections <= maxconn)) || tc_die "--connections $connections exceeds the fd limit ($nofile)"

workdir="$(mktemp -d /tmp/toolcapture-bench.XXXXXX)"
chmod 755 "$workdir"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if ((keep)); then
        echo "bench: kept $workdir"
    else
        rm -rf -- "$workdir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mapfile -t ports < <(tc_free_ports 6)
nginx_port="${ports[0]}"
haproxy_port="${ports[1]}"
tc_port="${ports[2]}"
tc_admin_port="${ports[3]}"
tc_nocapture_port="${ports[4]}"
tc_nocapture_admin_port="${ports[5]}"
body='{"ok":true,"service":"bench","items":[1,2,3,4,5],"note":"a small JSON body for the proxy benchmark"}'

# render TEMPLATE OUTPUT: fills in the @VARS@ of a template.
render() {
    sed -e "s|@WORKDIR@|$workdir|g" -e "s|@NGINX_PORT@|$nginx_port|g" \
        -e "s|@HAPROXY_PORT@|$haproxy_port|g" -e "s|@THREADS@|$workers|g" -e "s|@MAXCONN@|$maxconn|g" \
        -e "s|@BODY@|$body|g" "$1" >"$2"
}

# fail_start NAME LOG: reports a process that did not come up.
fail_start() {
    echo "bench: $1 did not start; last lines of $2:" >&2
    tail -n 20 "$2" >&2 || true
    exit 1
}

echo "bench: starting nginx on 127.0.0.1:$nginx_port (1 worker)"
mkdir -p "$workdir/nginx-tmp"
render "$bench_dir/nginx.conf.in" "$workdir/nginx.conf"
nginx -e "$workdir/nginx-error.log" -p "$workdir" -c "$workdir/nginx.conf" \
    >"$workdir/nginx.out" 2>&1 &
pids+=($!)
tc_wait_http nginx 127.0.0.1 "$nginx_port" "$path" "${pids[-1]}" ||
    fail_start nginx "$workdir/nginx.out"

echo "bench: starting haproxy on 127.0.0.1:$haproxy_port (nbthread $workers)"
render "$bench_dir/haproxy.cfg.in" "$workdir/haproxy.cfg"
haproxy -db -f "$workdir/haproxy.cfg" >"$workdir/haproxy.out" 2>&1 &
pids+=($!)
declare -A pid_of admin_of
pid_of[haproxy]=$!
tc_wait_http haproxy 127.0.0.1 "$haproxy_port" "$path" "${pids[-1]}" ||
    fail_start haproxy "$workdir/haproxy.out"

targets=("nginx (direct)=$nginx_port" "haproxy=$haproxy_port")
if ((only_baselines == 0)); then
    # HAProxy's backend has no connection limit (it opens what the clients need); the
    # development profile's pool holds 20 connections per instance, which would queue 64
    # clients behind 20 upstream connections. The same freedom for both: room for every client.
    pool_connections=$((connections * 2 > 256 ? connections * 2 : 256))
    # Two ToolCaptures: capture and Kafka publishing on (the standing bar's configuration:
    # every exchange stored and published as three events to the embedded cluster), and
    # capture off, for the cost of capture.
    start_toolcapture() {
        local name="$1" port="$2" admin_port="$3" capture="$4"
        echo "bench: starting $name on 127.0.0.1:$port (--workers $workers, capture $capture)," \
            "admin on 127.0.0.1:$admin_port"
        mkdir -p "$workdir/$name"
        cat >"$workdir/$name.json" <<EOF
{
  "listen": "127.0.0.1:$port",
  "admin": "127.0.0.1:$admin_port",
  "workers": $workers,
  "pool": { "max_connections": $pool_connections, "max_idle": $pool_connections },
  "kafka": { "brokers": "embedded", "spool_dir": "$workdir/$name/spool", "compression": "$compression", "content_mode": "$content_mode" },
  "capture": { "enabled": $capture, "store_path": "$workdir/$name/captures.sqlite" },
  "cache": { "enabled": $cache },
  "store": "$workdir/$name/intelligence.sqlite",
  "intelligence": { "analysis": $intelligence, "store_exchanges": $intelligence },
  "services": {
    "bench": {
      "match": { "path_prefix": "/" },
      "instances": [ { "id": "nginx-1", "url": "http://127.0.0.1:$nginx_port" } ]
    }
  }
}
EOF
        "$toolcapture" --no-gui --config "$workdir/$name.json" --workers "$workers" \
            >"$workdir/$name.out" 2>&1 &
        pids+=($!)
        pid_of[$name]=$!
        [[ "$capture" == true ]] && admin_of[$name]="$admin_port"
        tc_wait_http "$name" 127.0.0.1 "$port" "$path" "${pids[-1]}" 30 ||
            fail_start "$name" "$workdir/$name.out"
        targets+=("$name=$port")
    }
    # Capture off is measured first: the capturing one may still be publishing after its run.
    start_toolcapture tc-nocapture "$tc_nocapture_port" "$tc_nocapture_admin_port" false
    start_toolcapture toolcapture "$tc_port" "$tc_admin_port" true
    if [[ "$cache" == true ]]; then
        # The cacheable path: HAProxy forwards it, ToolCapture (capture on) answers from its
        # cache after the first request.
        targets+=("haproxy-cacheable=$haproxy_port=/bench/cached")
        pid_of[haproxy-cacheable]="${pid_of[haproxy]}"
        targets+=("tc-cache-hit=$tc_port=/bench/cached")
        pid_of[tc-cache-hit]="${pid_of[toolcapture]}"
        admin_of[tc-cache-hit]="${admin_of[toolcapture]}"
    fi
fi

# to_ms VALUE: wrk's "607.43us" / "1.23ms" / "1.05s" / "2.00m" in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
        if (f < 0) { print "?"; exit }
        printf "%.2f", n * f }'
}

# thread_ticks PID: "name ticks" per thread (utime + stime, in clock ticks), threads of the same
# name summed, the data-path workers as one.
thread_ticks() {
    local task
    for task in /proc/"$1"/task/*; do
        # comm may contain spaces; stat's fields after the ")" are fixed.
        awk -v comm="$(tr ' ' '_' <"$task/comm")" '{
            sub(/^.*\) /, ""); print comm, $12 + $13 }' "$task/stat" 2>/dev/null
    done | sed -E 's/^proxy-worker-[0-9]+/proxy-workers/' |
        awk '{ t[$1] += $2 } END { for (n in t) print n, t[n] }' | sort
}

# loss_counters ADMIN_PORT: "dropped spooled failed": exchanges the capture thread dropped,
# events that went to the on-disk spool, events lost (the spool full too).
loss_counters() {
    curl -s "http://127.0.0.1:$1/metrics" | awk '
        /^toolcapture_captures_total\{outcome="dropped"\}/ { d = $2 }
        /^toolcapture_events_total\{outcome="spooled"\}/ { s = $2 }
        /^toolcapture_events_total\{outcome="failed"\}/ { f = $2 }
        END { printf "%d %d %d", d, s, f }'
}

declare -A rps=() p50=() p99=() non2xx=() errors=() requests=() cpu_report=() loss_report=() lossy=()
run_wrk() {
    local name="$1" port="$2" target_path="${3:-$path}" out
    local url="http://127.0.0.1:$port$target_path"
    out="$workdir/wrk-${name%% *}.txt"
    if ((warmup > 0)); then
        wrk -t1 -c"$connections" -d"${warmup}s" "$url" >/dev/null
    fi
    echo "bench: wrk -t1 -c$connections -d${duration}s --latency $url   ($name)"
    local pid="${pid_of[$name]:-}" before=""
    [[ -n "$pid" ]] && before="$(thread_ticks "$pid")"
    local admin="${admin_of[$name]:-}" losses_before=""
    [[ -n "$admin" ]] && losses_before="$(loss_counters "$admin")"
    wrk -t1 -c"$connections" -d"${duration}s" --latency "$url" >"$out"
    rps[$name]="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
    requests[$name]="$(awk '/ requests in / { print $1 }' "$out")"
    if [[ -n "$pid" ]]; then
        # CPU per request of each thread (microseconds), over the measured run.
        cpu_report[$name]="$(join -a2 -e0 -o 0,1.2,2.2 <(echo "$before") <(thread_ticks "$pid") |
            awk -v n="${requests[$name]}" -v hz="$(getconf CLK_TCK)" '{
                us = ($3 - $2) * 1e6 / hz / n; total += us
                if (us >= 0.05) line = line sprintf(" %s %.2f", $1, us) }
                END { printf "%.2f us/request:%s", total, line }')"
    fi
    if [[ -n "$admin" ]]; then
        # What the measured run did not capture or publish at once: a run that dropped
        # exchanges or lost events does not meet the bar's condition (every exchange captured,
        # its events delivered), whatever its requests/s.
        read -r d0 s0 f0 <<<"$losses_before"
        read -r d1 s1 f1 <<<"$(loss_counters "$admin")"
        loss_report[$name]="captures dropped $((d1 - d0)), events spooled $((s1 - s0)), events lost $((f1 - f0))"
        (((d1 - d0) + (f1 - f0) > 0)) && lossy[$name]=1
    fi
    p50[$name]="$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")"
    p99[$name]="$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")"
    non2xx[$name]="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
    errors[$name]="$(awk '/Socket errors:/ {
        n = 0; for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i + 0; print n }' "$out")"
    [[ -n "${rps[$name]}" ]] || {
        cat "$out" >&2
        tc_die "could not read wrk's output for $name"
    }
}

# median LIST...: the middle value (the mean of the two middle ones for an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) exit
        printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# A target is NAME=PORT or NAME=PORT=PATH. With --rounds, every target once per round, in turn.
round_ratios=() round_costs=() round_tc_p99=() round_haproxy_p99=()
for ((round = 1; round <= rounds; round++)); do
    ((rounds > 1)) && echo "bench: round $round of $rounds"
    for entry in "${targets[@]}"; do
        IFS='=' read -r t_name t_port t_path <<<"$entry"
        run_wrk "$t_name" "$t_port" "$t_path"
    done
    if ((only_baselines == 0)); then
        round_ratios+=("$(awk -v a="${rps[toolcapture]}" -v b="${rps[haproxy]}" \
            'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')")
        round_costs+=("$(awk -v a="${rps[toolcapture]}" -v b="${rps[tc-nocapture]}" \
            'BEGIN { printf "%.1f", (b > 0) ? 100 * (1 - a / b) : 0 }')")
        round_tc_p99+=("${p99[toolcapture]}")
        round_haproxy_p99+=("${p99[haproxy]}")
    fi
done

echo
printf 'wrk -t1 -c%s -d%ss, path %s, %s byte body, workers/threads %s, %s cores, events %s/%s\n' \
    "$connections" "$duration" "$path" "${#body}" "$workers" "$TC_JOBS" "$content_mode" "$compression"
((rounds > 1)) && echo "(the last of $rounds rounds; every round's ratio below)"
printf '%-18s %12s %9s %9s %9s %9s\n' target requests/s "p50 ms" "p99 ms" non-2xx errors
for entry in "${targets[@]}"; do
    name="${entry%%=*}"
    printf '%-18s %12s %9s %9s %9s %9s\n' "$name" "${rps[$name]}" "${p50[$name]}" \
        "${p99[$name]}" "${non2xx[$name]:-0}" "${errors[$name]:-0}"
done
echo "CPU per request (whole process, then per thread, microseconds; clock ticks of $(getconf CLK_TCK) Hz):"
for entry in "${targets[@]}"; do
    name="${entry%%=*}"
    [[ -n "${cpu_report[$name]:-}" ]] && printf '  %-14s %s\n' "$name" "${cpu_report[$name]}"
done
if ((${#loss_report[@]} > 0)); then
    echo "Capture and publishing during each measured run (spooled events are delivered later):"
    for entry in "${targets[@]}"; do
        name="${entry%%=*}"
        [[ -n "${loss_report[$name]:-}" ]] && printf '  %-14s %s\n' "$name" "${loss_report[$name]}"
    done
fi
if ((only_baselines == 0)); then
    ratio="$(awk -v a="${rps[toolcapture]}" -v b="${rps[haproxy]}" \
        'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
    echo "ratio toolcapture/haproxy: $ratio (requests/s), p99 ${p99[toolcapture]} ms vs" \
        "${p99[haproxy]} ms (capture and Kafka publishing on)"
    if [[ "$cache" == true ]]; then
        hit="$(awk -v a="${rps[tc-cache-hit]}" -v b="${rps[toolcapture]}" \
            'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
        vs="$(awk -v a="${rps[tc-cache-hit]}" -v b="${rps[haproxy-cacheable]}" \
            'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
        echo "cache: hit path / upstream path $hit (requests/s, both with capture on);" \
            "toolcapture hits / haproxy forwarding the cacheable path $vs, p99" \
            "${p99[tc-cache-hit]} ms vs ${p99[haproxy-cacheable]} ms"
    fi
    cost="$(awk -v a="${rps[toolcapture]}" -v b="${rps[tc-nocapture]}" \
        'BEGIN { printf "%.1f", (b > 0) ? 100 * (1 - a / b) : 0 }')"
    echo "capture cost: $cost% fewer requests/s than with capture off" \
        "(${rps[toolcapture]} vs ${rps[tc-nocapture]}), p99 ${p99[toolcapture]} ms vs" \
        "${p99[tc-nocapture]} ms"
    if [[ -x "$(command -v curl)" ]]; then
        curl -s "http://127.0.0.1:$tc_admin_port/metrics" |
            grep -E '^toolcapture_(captures|events)_total' | sed 's/^/bench: /' || true
    fi
    if ((rounds > 1)); then
        echo "rounds: toolcapture/haproxy ${round_ratios[*]} (median $(median "${round_ratios[@]}"));" \
            "p99 toolcapture ${round_tc_p99[*]} ms (median $(median "${round_tc_p99[@]}")), haproxy" \
            "${round_haproxy_p99[*]} ms (median $(median "${round_haproxy_p99[@]}")); capture cost" \
            "${round_costs[*]}% (median $(median "${round_costs[@]}")%)"
    fi
    for name in "${!lossy[@]}"; do
        echo "bench: WARNING: $name dropped exchanges or lost events during its run: not every" \
            "exchange was captured and published, so its requests/s is not the bar's figure" >&2
    done
    if [[ -n "${non2xx[toolcapture]:-}" || "${errors[toolcapture]:-0}" != 0 ]]; then
        echo "bench: WARNING: toolcapture had non-2xx responses or socket errors;" \
            "its numbers are not comparable (see --keep and toolcapture.out)" >&2
    fi
else
    ratio="$(awk -v a="${rps[haproxy]}" -v b="${rps[nginx (direct)]}" \
        'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
    echo "ratio haproxy/nginx (direct): $ratio (requests/s); ToolCapture skipped (--only-baselines)"
fi
