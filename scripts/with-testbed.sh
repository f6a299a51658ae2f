#!/usr/bin/env bash
# Runs a command with the testbed up — the nspawn hosts (each with its own ClickHouse) and the
# legacy ClickHouse servers on loopback — and brings down afterwards whatever it started,
# whatever happens. What was already running before is left as it was.
set -euo pipefail
cd "$(dirname "$0")/.."

hosts_started=0
legacy_started=0
stop() {
    local status=$?
    if [[ $legacy_started == 1 ]]; then bash testbed/clickhouse-legacy.sh down || true; fi
    if [[ $hosts_started == 1 ]]; then bash testbed/testbed.sh down || true; fi
    exit "$status"
}
trap stop EXIT INT TERM

if [[ ! -f .testbed/testbed.json ]]; then
    hosts_started=1
    bash testbed/testbed.sh up
fi
if [[ ! -f .testbed/legacy.json ]]; then
    legacy_started=1
    bash testbed/clickhouse-legacy.sh up
fi
"$@"
