#!/usr/bin/env bash
# Starts a throwaway redis-server (Debian's) for the response cache's shared tier: listening on
# 127.0.0.1 only, on a free port, no persistence, its files in a temporary directory. Nothing
# outside that directory is touched.
#
#   scripts/start-redis.sh                 prints the URL; stop with --stop DIR
#   eval "$(scripts/start-redis.sh --env)" exports TOOLCAPTURE_REDIS_URL, TOOLCAPTURE_REDIS_DIR
#   scripts/start-redis.sh -- CMD ...      runs CMD with those variables, then stops the server
#   scripts/start-redis.sh --stop DIR      stops the server in DIR and deletes DIR
#   scripts/start-redis.sh --foreground PORT DIR
#                                          runs the server in the foreground on PORT with its
#                                          files in DIR (for tests that stop and restart it)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() { tc_usage; }

server_binary() {
    command -v redis-server || tc_die "no redis-server; run scripts/install-deps.sh"
}

# server_args PORT DIR: the server's settings (a cache: nothing is saved).
server_args() {
    printf '%s\n' --bind 127.0.0.1 --port "$1" --dir "$2" --save '' --appendonly no \
        --protected-mode yes --logfile "$2/redis.log" --pidfile "$2/redis.pid"
}

stop_server() {
    local dir="$1"
    [[ "$dir" == /tmp/toolcapture-redis.* && -d "$dir" ]] ||
        tc_die "$dir is not a directory made by start-redis.sh"
    if [[ -f "$dir/redis.pid" ]]; then
        local pid
        pid="$(cat "$dir/redis.pid")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -rf -- "$dir"
}

start_server() {
    local binary
    binary="$(server_binary)"
    REDIS_DIR="$(mktemp -d /tmp/toolcapture-redis.XXXXXX)"
    REDIS_PORT="$(tc_free_ports 1)"
    mapfile -t args < <(server_args "$REDIS_PORT" "$REDIS_DIR")
    if ! "$binary" "${args[@]}" --daemonize yes >"$REDIS_DIR/start.log" 2>&1; then
        cat "$REDIS_DIR/start.log" >&2
        rm -rf -- "$REDIS_DIR"
        tc_die "redis-server did not start"
    fi
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null; then
            REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
            return 0
        fi
        sleep 0.05
    done
    cat "$REDIS_DIR/redis.log" >&2 || true
    stop_server "$REDIS_DIR"
    tc_die "redis-server did not listen on 127.0.0.1:$REDIS_PORT"
}

case "${1:-}" in
-h | --help)
    usage
    ;;
--stop)
    [[ $# -eq 2 ]] || tc_die "usage: $0 --stop DIR"
    stop_server "$2"
    ;;
--foreground)
    [[ $# -eq 3 && "$2" =~ ^[0-9]+$ && -d "$3" ]] || tc_die "usage: $0 --foreground PORT DIR"
    mapfile -t args < <(server_args "$2" "$3")
    exec "$(server_binary)" "${args[@]}" --logfile ''
    ;;
--env)
    start_server
    printf "export TOOLCAPTURE_REDIS_URL='%s' TOOLCAPTURE_REDIS_DIR='%s'\n" "$REDIS_URL" "$REDIS_DIR"
    echo "start-redis: $REDIS_URL; stop with: $0 --stop $REDIS_DIR" >&2
    ;;
--)
    shift
    [[ $# -gt 0 ]] || tc_die "usage: $0 -- CMD [ARGS...]"
    start_server
    trap 'stop_server "$REDIS_DIR"' EXIT
    trap 'exit 130' INT TERM
    export TOOLCAPTURE_REDIS_URL="$REDIS_URL" TOOLCAPTURE_REDIS_DIR="$REDIS_DIR"
    echo "start-redis: $REDIS_URL" >&2
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
"")
    start_server
    echo "$REDIS_URL"
    echo "start-redis: stop with: $0 --stop $REDIS_DIR" >&2
    ;;
*)
    usage >&2
    exit 2
    ;;
esac
