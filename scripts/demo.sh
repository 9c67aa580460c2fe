#!/usr/bin/env bash
# Installs the dependencies, builds ToolCapture in build/ and starts it in demo mode: the console
# when a display is available, headless otherwise. Extra arguments go to toolcapture.
#   scripts/demo.sh                 # console (or headless without a display)
#   scripts/demo.sh --no-gui        # headless even with a display
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$TC_ROOT"

case "${1:-}" in
-h | --help)
    tc_usage
    exit 0
    ;;
esac

tc_header "installing dependencies (scripts/install-deps.sh)"
"$TC_ROOT/scripts/install-deps.sh"

tc_header "configuring and building build/ (RelWithDebInfo, Ninja)"
tc_configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTOOLCAPTURE_BUILD_GUI=ON >/dev/null
cmake --build build --target toolcapture -j"$TC_JOBS"

binary="$TC_ROOT/build/app/toolcapture"
[[ -x "$binary" ]] || tc_die "the build did not produce $binary"

headless=0
for arg in "$@"; do
    [[ "$arg" == "--no-gui" ]] && headless=1
done
if ((headless == 0)) && [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    echo "demo: no display (DISPLAY and WAYLAND_DISPLAY are unset): starting headless (--no-gui)."
    echo "demo: admin API on http://127.0.0.1:8091 unless configured otherwise:" \
        "try /health, /metrics, /api/v1/services, /api/v1/status. Ctrl-C stops."
    set -- --no-gui "$@"
fi

tc_header "starting: $binary --demo $*"
exec "$binary" --demo "$@"
