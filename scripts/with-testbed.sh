#!/usr/bin/env bash
# Runs a command with the testbed up, and brings the testbed down afterwards whatever happens,
# unless it was already running before (then it is left as it was).
set -euo pipefail
cd "$(dirname "$0")/.."

started_here=0
if [[ ! -f .testbed/testbed.json ]]; then
    bash testbed/testbed.sh up
    started_here=1
fi
stop() {
    local status=$?
    if [[ $started_here == 1 ]]; then bash testbed/testbed.sh down || true; fi
    exit "$status"
}
trap stop EXIT INT TERM
"$@"
