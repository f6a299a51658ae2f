#!/usr/bin/env bash
# The demo, run by `make demo` with the testbed up: what a user sees, step by step.
set -uo pipefail
cd "$(dirname "$0")/.."
deployctl() { .build/debug/deployctl --env-dir .testbed/environments "$@"; }
step() { printf '\n\033[1m$ deployctl %s\033[0m\n' "$*"; }

step env list
deployctl env list

step trust museshow --yes
deployctl trust museshow --yes

step env check museshow
deployctl env check museshow
echo "(exit status $?: the pipeline's units are not installed yet, which is only a warning)"

step exec fleet -- 'systemctl is-system-running; systemd-analyze --version | head -n1'
deployctl exec fleet -- 'systemctl is-system-running; systemd-analyze --version | head -n1'

step exec museshow -- 'exit 3'
deployctl exec museshow -- 'exit 3'
echo "(exit status $?)"

step migrate lint
deployctl migrate lint

step migrate plan museshow
deployctl migrate plan museshow | head -n 12
echo "…"

step migrate up museshow
deployctl migrate up museshow

step migrate status museshow
deployctl migrate status museshow

step migrate down museshow --steps 1
deployctl migrate down museshow --steps 1

step migrate validate --replay museshow
deployctl migrate validate --replay museshow

step lock status museshow
deployctl lock status museshow

# The pipeline deployctl ships: qtickets-api against the QTickets simulator (it plays the API,
# which is not reachable from here), writing to museshow's ClickHouse through an SSH tunnel.
# Secrets travel in environment variables only; every process started here is stopped by its PID.
qtickets() { printf '\n\033[1m$ qtickets-api %s\033[0m\n' "$*"; .build/debug/qtickets-api "$@"; }
deployctl migrate up museshow >/dev/null
museshow=$(python3 -c 'import json; print(next(h["address"] for h in json.load(open(".testbed/testbed.json"))["hosts"] if h["name"] == "museshow"))')
QTICKETS_SIM_TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export QTICKETS_SIM_TOKEN
.build/debug/qtickets-sim --listen 127.0.0.1:18088 --orders 5000 >/dev/null &
simulator=$!
ssh -N -o ExitOnForwardFailure=yes -o BatchMode=yes -i .testbed/keys/id_ed25519 -o UserKnownHostsFile=.testbed/known_hosts \
    -L 18124:127.0.0.1:8123 "root@$museshow" &
tunnel=$!
trap 'kill "$simulator" "$tunnel" 2>/dev/null' EXIT
sleep 2
export QTICKETS_BASE_URL=http://127.0.0.1:18088/api/rest/v1 QTICKETS_TOKEN=$QTICKETS_SIM_TOKEN ORG_NAME=demo \
    CLICKHOUSE_HOST=127.0.0.1 CLICKHOUSE_PORT=18124 CLICKHOUSE_USER=etl_writer
CLICKHOUSE_PASSWORD=$(cat .testbed/secrets/clickhouse-writer)
export CLICKHOUSE_PASSWORD

qtickets check-api
qtickets run --dry-run | grep -v '^level=' | cut -c1-150
qtickets run | tail -n 2
qtickets healthcheck
echo "(exit status $?)"
