#!/usr/bin/env bash
# Stops a cluster started by scripts/start-postgres.sh and deletes its directory.
#   scripts/stop-postgres.sh DIR      (DIR: the TOOLCAPTURE_PG_DIR it printed)
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/start-postgres.sh" --stop "${1:?usage: $0 DIR}"
