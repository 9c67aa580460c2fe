#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 only,
# on a free port, with trust authentication for the superuser "toolcapture" and a database of
# the same name. Nothing outside the temporary directory is touched.
#
#   scripts/start-postgres.sh              prints the connection URL; stop with --stop DIR
#   eval "$(scripts/start-postgres.sh --env)"   exports TOOLCAPTURE_PG_URL, TOOLCAPTURE_PG_DIR,
#                                          PGHOST, PGPORT, PGUSER, PGDATABASE
#   scripts/start-postgres.sh -- CMD ...   runs CMD with those variables, then stops the cluster
#   scripts/start-postgres.sh --stop DIR   stops the cluster in DIR and deletes DIR
#   scripts/start-postgres.sh --halt DIR   stops the server of the cluster in DIR, keeping it
#   scripts/start-postgres.sh --resume DIR starts it again on the same port (outage tests)
#
# As root the server runs as the "postgres" user (initdb refuses root); otherwise as the caller.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() { tc_usage; }

pg_bindir() {
    local dir
    for dir in $(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

# as_owner CMD...: runs CMD as the user who owns the cluster.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop_cluster() {
    local dir="$1"
    [[ "$dir" == /tmp/toolcapture-pg.* && -f "$dir/data/PG_VERSION" ]] ||
        tc_die "$dir is not a cluster made by start-postgres.sh"
    local bindir
    bindir="$(pg_bindir)" || tc_die "PostgreSQL server binaries not found"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf -- "$dir"
}

start_cluster() {
    local bindir
    bindir="$(pg_bindir)" ||
        tc_die "no /usr/lib/postgresql/*/bin/initdb; run scripts/install-deps.sh"
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        tc_die "running as root needs the 'postgres' user (created by the postgresql package)"
    fi
    PG_DIR="$(mktemp -d /tmp/toolcapture-pg.XXXXXX)"
    chmod 755 "$PG_DIR"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$PG_DIR"
    fi
    PG_PORT="$(tc_free_ports 1)"
    if ! as_owner "$bindir/initdb" -D "$PG_DIR/data" -U toolcapture --auth=trust -E UTF8 \
        --no-locale -N >"$PG_DIR/initdb.log" 2>&1; then
        cat "$PG_DIR/initdb.log" >&2
        rm -rf -- "$PG_DIR"
        tc_die "initdb failed"
    fi
    # Kept for --resume: the same address, port and socket directory.
    echo "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off" >"$PG_DIR/options"
    if ! as_owner "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
        -o "$(cat "$PG_DIR/options")" start >/dev/null; then
        cat "$PG_DIR/server.log" >&2 || true
        stop_cluster "$PG_DIR"
        tc_die "the PostgreSQL server did not start"
    fi
    if ! "$bindir/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U toolcapture -d postgres \
        -c 'CREATE DATABASE toolcapture' >/dev/null 2>&1; then
        stop_cluster "$PG_DIR"
        tc_die "could not create the database"
    fi
    PG_URL="postgresql://toolcapture@127.0.0.1:$PG_PORT/toolcapture"
}

export_env() {
    export TOOLCAPTURE_PG_URL="$PG_URL" TOOLCAPTURE_PG_DIR="$PG_DIR"
    export PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=toolcapture PGDATABASE=toolcapture
}

# halt_server DIR / resume_server DIR: the server of a cluster made by this script, stopped
# (fast: connections are cut) and started again with the same options.
cluster_bindir() {
    [[ "$1" == /tmp/toolcapture-pg.* && -f "$1/data/PG_VERSION" && -f "$1/options" ]] ||
        tc_die "$1 is not a cluster made by start-postgres.sh"
    pg_bindir || tc_die "PostgreSQL server binaries not found"
}

case "${1:-}" in
-h | --help)
    usage
    ;;
--halt)
    [[ $# -eq 2 ]] || tc_die "usage: $0 --halt DIR"
    bindir="$(cluster_bindir "$2")"
    as_owner "$bindir/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null
    ;;
--resume)
    [[ $# -eq 2 ]] || tc_die "usage: $0 --resume DIR"
    bindir="$(cluster_bindir "$2")"
    as_owner "$bindir/pg_ctl" -D "$2/data" -l "$2/server.log" -w -t 30 -o "$(cat "$2/options")" \
        start >/dev/null
    ;;
--stop)
    [[ $# -eq 2 ]] || tc_die "usage: $0 --stop DIR"
    stop_cluster "$2"
    ;;
--env)
    start_cluster
    printf "export TOOLCAPTURE_PG_URL='%s' TOOLCAPTURE_PG_DIR='%s'\n" "$PG_URL" "$PG_DIR"
    printf "export PGHOST=127.0.0.1 PGPORT=%s PGUSER=toolcapture PGDATABASE=toolcapture\n" \
        "$PG_PORT"
    echo "start-postgres: $PG_URL; stop with: $0 --stop $PG_DIR" >&2
    ;;
--)
    shift
    [[ $# -gt 0 ]] || tc_die "usage: $0 -- CMD [ARGS...]"
    start_cluster
    trap 'stop_cluster "$PG_DIR"' EXIT
    trap 'exit 130' INT TERM
    export_env
    echo "start-postgres: $PG_URL" >&2
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
"")
    start_cluster
    echo "$PG_URL"
    echo "start-postgres: stop with: $0 --stop $PG_DIR" >&2
    ;;
*)
    usage >&2
    exit 2
    ;;
esac
