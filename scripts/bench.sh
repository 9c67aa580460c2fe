#!/usr/bin/env bash
# Builds ToolCapture in build/ (RelWithDebInfo) and runs tests/bench/haproxy_compare.sh with the
# same arguments (see its --help). With --only-baselines or --toolcapture PATH nothing is built.
#   scripts/bench.sh                          default: 10 s per target, 64 connections, 1 worker
#   scripts/bench.sh --workers 2 --duration 30
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$TC_ROOT"

case "${1:-}" in
-h | --help)
    tc_usage
    echo
    exec tests/bench/haproxy_compare.sh --help
    ;;
esac
build=1
for arg in "$@"; do
    case "$arg" in
    --only-baselines | --toolcapture) build=0 ;;
    esac
done
if ((build)); then
    tc_header "installing dependencies (scripts/install-deps.sh --bench)"
    scripts/install-deps.sh --bench
    tc_header "building build/app/toolcapture (RelWithDebInfo)"
    tc_configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build --target toolcapture -j"$TC_JOBS"
fi
exec tests/bench/haproxy_compare.sh "$@"
