#!/usr/bin/env bash
# Installs every Debian package ToolCapture needs to build, run, test and benchmark.
# Idempotent: skips apt entirely when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  clang libclang-rt-14-dev clang-format lld
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
  libqt6sql6-sqlite libqt6sql6-psql libqt6svg6 libqt6opengl6-dev libgl-dev libxkbcommon-dev
  librdkafka-dev nlohmann-json3-dev node-llhttp liblz4-dev libhiredis-dev redis-server
  kcat postgresql xvfb xauth
  libbenchmark-dev
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(haproxy nginx-light wrk imagemagick)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
