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
status=$?
echo "(exit status $status: ClickHouse is not on the testbed hosts yet, so its checks fail; the migrator issue adds it)"

step exec fleet -- 'systemctl is-system-running; systemd-analyze --version | head -n1'
deployctl exec fleet -- 'systemctl is-system-running; systemd-analyze --version | head -n1'

step exec museshow -- 'exit 3'
deployctl exec museshow -- 'exit 3'
echo "(exit status $?)"
