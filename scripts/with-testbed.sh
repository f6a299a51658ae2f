#!/usr/bin/env bash
# Runs a command with the testbed up and brings down afterwards whatever it started, whatever
# happens. What was already running before is left as it was.
#
#   scripts/with-testbed.sh [--hosts-only] [--fleet N] COMMAND...
#
# By default: the nspawn hosts (each with its own ClickHouse) and the legacy ClickHouse servers on
# loopback. --hosts-only starts the hosts alone (the demo never touches the legacy servers).
# --fleet N also boots N light hosts (testbed.sh up --fleet N) and stops them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

legacy=1
fleet=()
while true; do
    case ${1:-} in
    --hosts-only)
        legacy=0
        shift
        ;;
    --fleet)
        fleet=(--fleet "$2")
        shift 2
        ;;
    *) break ;;
    esac
done

hosts_started=0
fleet_started=0
legacy_started=0
stop() {
    local status=$?
    if [[ $legacy_started == 1 ]]; then bash testbed/clickhouse-legacy.sh down || true; fi
    if [[ $hosts_started == 1 ]]; then
        bash testbed/testbed.sh down || true
    elif [[ $fleet_started == 1 ]]; then
        bash testbed/testbed.sh down --fleet || true
    fi
    exit "$status"
}
trap stop EXIT INT TERM

if [[ ! -f .testbed/testbed.json ]]; then
    hosts_started=1
    bash testbed/testbed.sh up "${fleet[@]}"
elif ((${#fleet[@]} > 0)); then
    fleet_started=1
    bash testbed/testbed.sh up "${fleet[@]}"
fi
if [[ $legacy == 1 && ! -f .testbed/legacy.json ]]; then
    legacy_started=1
    bash testbed/clickhouse-legacy.sh up
fi
"$@"
