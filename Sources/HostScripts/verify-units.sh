#!/bin/sh
# verify-units: runs `systemd-analyze verify` over the units staged in STAGE, in a private mount
# namespace where ROOT/current already points at ROOT/releases/ID (the host's own ROOT and current
# are untouched), then removes STAGE. systemd-analyze prints nothing for units it accepts.
# Arguments: ROOT ID STAGE
# Prints: what systemd-analyze said (nothing when every unit is accepted)
# Exit: systemd-analyze's status (0 accepted), or non-zero when the namespace could not be made.
set -eu
root=$1
id=$2
stage=$3
mkdir -p "$root/releases"
status=0
# The inner script runs in the new mount namespace; its values are its own positional arguments.
# shellcheck disable=SC2016
inner='set -e
keep=$(mktemp -d /run/deployctl-release.XXXXXX)
mount --bind "$1/releases/$2" "$keep"
mount -t tmpfs -o mode=0755 deployctl-verify "$1"
mkdir -p "$1/releases/$2"
mount --bind "$keep" "$1/releases/$2"
ln -s "releases/$2" "$1/current"
cd /
SYSTEMD_UNIT_PATH="$3:" systemd-analyze verify "$3"/*.service "$3"/*.timer 2>&1'
out=$(unshare --mount --propagation private sh -c "$inner" sh "$root" "$id" "$stage" 2>&1) || status=$?
rm -rf "$stage" /run/deployctl-release.*
printf '%s' "$out"
exit "$status"
