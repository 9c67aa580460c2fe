# Shared helpers for the scripts in this folder. Source it; do not run it.
# shellcheck shell=bash disable=SC2016
# Sets TC_ROOT (the repository root) and TC_JOBS, and defines tc_* functions.

TC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TC_JOBS="$(nproc 2>/dev/null || echo 2)"
export TC_ROOT TC_JOBS

# tc_header TEXT: a visible stage header.
tc_header() {
    printf '\n==> %s\n' "$*"
}

tc_die() {
    printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2
    exit 1
}

# tc_configure BUILD_DIR [cmake args...]: configures with Ninja unless BUILD_DIR already has a
# cache (then the cached generator is kept and only the given -D options are updated).
tc_configure() {
    local dir="$1"
    shift
    # ccache, when installed, makes a rebuild of unchanged sources (another build tree, a fresh
    # clone in CI on the same machine) a cache hit. base_dir and hash_dir make hits independent
    # of where the checkout is.
    local launcher=()
    if command -v ccache >/dev/null 2>&1; then
        export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(dirname "$TC_ROOT")}" CCACHE_NOHASHDIR=1
        launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    fi
    if [[ -f "$dir/CMakeCache.txt" ]]; then
        cmake -S "$TC_ROOT" -B "$dir" "${launcher[@]}" "$@"
    else
        cmake -S "$TC_ROOT" -B "$dir" -G Ninja "${launcher[@]}" "$@"
    fi
}

# tc_free_ports N: prints N distinct free TCP ports on 127.0.0.1, one per line, chosen by the
# kernel (bind to port 0). All sockets stay open until every port is chosen, so the ports
# differ; another process could still take one before we bind it (small, accepted race).
# perl-base is Essential on Debian, so this needs nothing extra.
tc_free_ports() {
    perl -MIO::Socket::INET -e '
        my @s;
        for (1 .. $ARGV[0]) {
            my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                          Proto => "tcp", Listen => 1, ReuseAddr => 0)
                or die "bind: $!\n";
            push @s, $s;
            print $s->sockport(), "\n";
        }' "$1"
}

# tc_http_status HOST PORT PATH: prints the status code of GET PATH (empty when the connection
# fails). Uses bash's /dev/tcp so it needs neither curl nor wget.
tc_http_status() {
    local host="$1" port="$2" path="$3"
    timeout 3 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$2" "$0" "$1" >&3
        IFS=" " read -r _ code _ <&3 && printf "%s\n" "$code"
    ' "$host" "$port" "$path" 2>/dev/null || true
}

# tc_wait_http NAME HOST PORT PATH PID [SECONDS]: waits until GET PATH answers 2xx, failing
# early when PID has exited.
tc_wait_http() {
    local name="$1" host="$2" port="$3" path="$4" pid="$5" seconds="${6:-15}"
    local deadline=$((SECONDS + seconds)) code
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            printf '%s exited before answering on %s:%s\n' "$name" "$host" "$port" >&2
            return 1
        fi
        code="$(tc_http_status "$host" "$port" "$path")"
        if [[ "$code" == 2* ]]; then
            return 0
        fi
        sleep 0.2
    done
    printf '%s did not answer 2xx on http://%s:%s%s within %ss (last status: %s)\n' \
        "$name" "$host" "$port" "$path" "$seconds" "${code:-none}" >&2
    return 1
}

# tc_usage: prints the comment block at the top of a script (after the #! line).
tc_usage() {
    awk 'NR == 1 { next } /^#/ { if ($0 ~ /^# shellcheck/) next; sub(/^# ?/, ""); print; next } { exit }' \
        "$0"
}
