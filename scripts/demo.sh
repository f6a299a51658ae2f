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

# The pipeline deployctl ships, deployed for real: a signed release is built here, museshow is set
# up, the loader's env file pushed, and the release deployed; systemd on museshow then runs the
# loader from the release. The QTickets simulator plays the API (the real one is not reachable from
# here) on this machine's end of museshow's link. Secrets travel in files of mode 0600 and
# environment variables only; every process started here is stopped by its PID.
address() { python3 -c 'import json, sys; print(next(h["address"] for h in json.load(open(".testbed/testbed.json"))["hosts"] if h["name"] == sys.argv[1]))' "$1"; }
QTICKETS_SIM_TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export QTICKETS_SIM_TOKEN
work=$(mktemp -d)
simulators=()
trap 'kill "${simulators[@]}" 2>/dev/null; rm -rf "$work"' EXIT
export DEPLOYCTL_SIGNING_KEY=$PWD/.testbed/keys/release_ed25519 DEPLOYCTL_RELEASES=$work/releases
# One simulator on each host's link (the machine's end), and an env file pointing at it.
for host in museshow client-prod; do
    outside=$(address "$host")
    outside=${outside%.*}.1
    .build/debug/qtickets-sim --listen "$outside:18088" --orders 5000 --recent-days 30 >/dev/null &
    simulators+=($!)
    (
        umask 077
        printf '%s\n' "QTICKETS_BASE_URL=http://$outside:18088/api/rest/v1" "QTICKETS_TOKEN=$QTICKETS_SIM_TOKEN" ORG_NAME=demo \
            CLICKHOUSE_HOST=127.0.0.1 CLICKHOUSE_PORT=8123 CLICKHOUSE_DB=zakaz CLICKHOUSE_USER=etl_writer \
            "CLICKHOUSE_PASSWORD=$(cat .testbed/secrets/clickhouse-writer)" >"$work/$host.env"
    )
done
dirty=()
[[ -z $(git status --porcelain --untracked-files=no) ]] || dirty=(--allow-dirty)

step release build "${dirty[@]}"
deployctl release build "${dirty[@]}"

step setup museshow
deployctl setup museshow

step secrets push museshow --from museshow.env
deployctl secrets push museshow --from "$work/museshow.env"

step deploy museshow --dry-run
deployctl deploy museshow --dry-run

step deploy museshow
deployctl deploy museshow

step status museshow
deployctl status museshow

step deploy museshow
deployctl deploy museshow
echo "(the same release again: nothing is uploaded, written or restarted)"

step audit museshow
deployctl audit museshow

# Production takes only a release that passed on staging.
step setup client-prod
deployctl setup client-prod
step secrets push client-prod --from client-prod.env
deployctl secrets push client-prod --from "$work/client-prod.env"

step deploy client-prod
deployctl deploy client-prod
echo "(exit status $?: refused, the release has not been verified on museshow yet)"

step verify museshow --output-dir "$work"
deployctl verify museshow --output-dir "$work"
echo "(exit status $?; the report: $work/TASK-QT-API-E2E-REPORT.md, its first lines:)"
head -n 5 "$work/TASK-QT-API-E2E-REPORT.md"

step gate status client-prod
deployctl gate status client-prod

step deploy client-prod
deployctl deploy client-prod

step status client-prod
deployctl status client-prod

# The next release (the timer's random delay changed), through staging into production.
next=$(mktemp -d "$work/checkout.XXXX")
cp -r systemd migrations checks "$next/"
sed -i 's/^RandomizedDelaySec=60/RandomizedDelaySec=90/' "$next/systemd/qtickets_api.timer"
deployctl release build --checkout "$next" --binary .build/static/qtickets-api >/dev/null
echo
echo "(built the next release quietly: the same files but the timer's RandomizedDelaySec=90; a new release id)"
step deploy museshow
deployctl deploy museshow
step verify museshow
deployctl verify museshow --output-dir "$work" | tail -n 1
step deploy client-prod
deployctl deploy client-prod

# The failure story: a release whose loader fails on museshow (its unit gained ExecStartPre=/bin/false).
broken=$(mktemp -d "$work/checkout.XXXX")
cp -r "$next"/. "$broken/"
sed -i 's/^\[Service\]$/[Service]\nExecStartPre=\/bin\/false/' "$broken/systemd/qtickets_api.service"
deployctl release build --checkout "$broken" --binary .build/static/qtickets-api >/dev/null
echo
echo "(built a broken release quietly: its loader unit gained ExecStartPre=/bin/false, so every run fails)"
step deploy museshow
deployctl deploy museshow
echo "(exit status $?: the loader failed after the switch, and the deploy rolled itself back)"

step status museshow
deployctl status museshow

step rollback client-prod --dry-run
deployctl rollback client-prod --dry-run | head -n 4
step rollback client-prod --yes
deployctl rollback client-prod --yes

step status client-prod
deployctl status client-prod
