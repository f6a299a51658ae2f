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

# A host reached only through another: a private link joins museshow's and prod2's network
# namespaces (10.77.200.1 and .2), an address this machine cannot reach; prod2 is reached there
# with museshow as its jump host. The link is deleted right after (and at exit).
init_pid() { python3 -c 'import json, sys; pid = next(h["pid"] for h in json.load(open(".testbed/testbed.json"))["hosts"] if h["name"] == sys.argv[1]); print(open(f"/proc/{pid}/task/{pid}/children").read().split()[0])' "$1"; }
bastion_pid=$(init_pid museshow)
unlink_jump() { nsenter -t "$bastion_pid" -n ip link del dctl-jump0 2>/dev/null || true; }
trap unlink_jump EXIT
unlink_jump
ip link add dctl-jump0 type veth peer name dctl-jump1
ip link set dctl-jump0 netns "$bastion_pid"
ip link set dctl-jump1 netns "$(init_pid prod2)"
nsenter -t "$bastion_pid" -n sh -c 'ip addr add 10.77.200.1/30 dev dctl-jump0 && ip link set dctl-jump0 up'
nsenter -t "$(init_pid prod2)" -n sh -c 'ip addr add 10.77.200.2/30 dev dctl-jump1 && ip link set dctl-jump1 up'
jumped=$(mktemp -d)
{ cat .testbed/known_hosts; sed -n 's/^10\.77\.3\.2 /10.77.200.2 /p' .testbed/known_hosts; } >"$jumped/known_hosts"
sed -e 's/^name = "museshow"/name = "prod2"/' -e 's/^address = .*/address = "10.77.200.2"\njump = "root@10.77.1.2"/' \
    -e "s|^known_hosts = .*|known_hosts = \"$jumped/known_hosts\"|" .testbed/environments/museshow.toml >"$jumped/prod2-via-museshow.toml"
echo
echo '(prod2-via-museshow.toml: host prod2 at 10.77.200.2, jump = "root@10.77.1.2"; that link joins only museshow, 10.77.200.1, and prod2)'
step exec prod2-via-museshow -- 'echo "$(hostname), connected from ${SSH_CLIENT%% *}"'
.build/debug/deployctl --env-dir "$jumped" exec prod2-via-museshow -- 'echo "$(hostname), connected from ${SSH_CLIENT%% *}"'
unlink_jump
rm -rf "$jumped"

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
trap 'kill "${simulators[@]}" 2>/dev/null; unlink_jump; rm -rf "$work"' EXIT
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

# The healthcheck's Prometheus endpoint on museshow's loopback, through an ssh -L of this machine's.
printf '\n\033[1m$ curl -s localhost:18080/metrics | grep qtickets_health_status\033[0m  (museshow, through ssh -L)\n'
ssh -N -o BatchMode=yes -o ExitOnForwardFailure=yes -i .testbed/keys/id_ed25519 -o UserKnownHostsFile=.testbed/known_hosts \
    -L 127.0.0.1:18180:127.0.0.1:18080 "root@$(address museshow)" &
forward=$!
for _ in $(seq 100); do curl -s -o /dev/null 127.0.0.1:18180/healthz && break; sleep 0.05; done
curl -s 127.0.0.1:18180/metrics | grep '^qtickets_health_status.* 1$'
kill "$forward"

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
