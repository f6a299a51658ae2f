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
