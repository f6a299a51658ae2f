#!/bin/sh
# watchdog-arm: saves what the host runs under DIR (each UNIT's file and drop-ins in the units
# folder UNITS, whether it is enabled and active, ROOT/current and ROOT/shared/previous), sets the
# deadline WINDOW s ahead in seconds since boot (/proc/uptime), installs RESTORE (watchdog-restore's text) as
# DIR/run.sh with its inputs in DIR/inputs, marks the watchdog armed by RUN, and starts the
# transient timer NAME.timer that runs DIR/run.sh every CHECK s. An earlier firing's record still
# in DIR is printed and removed.
# Arguments: DIR ROOT UNITS NAME WINDOW CHECK RUN RELEASE ACTOR RESTORE UNIT...
# Prints: fired=<the earlier firing's JSON> when there was one; armed=yes once the timer is started
# Exit: 0 armed; >0 the lock, the snapshot or systemd-run failed (armed=yes is not printed).
set -eu
w=$1
root=$2
units=$3
name=$4
window=$5
check=$6
run=$7
release=$8
actor=$9
restore=${10}
shift 10
mkdir -p "$w"
exec 9>>"$w/.lock"
flock -w 10 9
if [ -f "$w/fired" ]; then
	echo "fired=$(cat "$w/fired")"
	rm -f "$w/fired"
fi
systemctl stop "$name.timer" "$name.service" 2>/dev/null || true
systemctl reset-failed "$name.timer" "$name.service" 2>/dev/null || true
rm -rf "$w/units" "$w/state" "$w/enabled" "$w/active"
mkdir -p "$w/units"
for u in "$@"; do
	if [ -e "$units/$u" ]; then cp -a "$units/$u" "$w/units/$u"; fi
	if [ -d "$units/$u.d" ]; then cp -a "$units/$u.d" "$w/units/$u.d"; fi
	if [ "$(systemctl is-enabled "$u" 2>/dev/null || true)" = enabled ]; then echo "$u" >>"$w/enabled"; fi
	if [ "$(systemctl show -p ActiveState --value "$u" 2>/dev/null || true)" = active ]; then echo "$u" >>"$w/active"; fi
done
touch "$w/enabled" "$w/active"
c=$(readlink "$root/current" 2>/dev/null || true)
printf '%s\n' "${c##*/}" >"$w/current"
if [ -f "$root/shared/previous" ]; then cp "$root/shared/previous" "$w/previous"; else rm -f "$w/previous"; fi
read -r up _ </proc/uptime
echo $((${up%.*} + window)) >"$w/deadline"
printf '%s\n' "$restore" >"$w/run.sh"
printf '%s\n' "$units" "$root" "$name" "$window" "$release" "$actor" "$@" >"$w/inputs"
printf 'run=%s\n' "$run" >"$w/state"
systemd-run --quiet --unit="$name" \
	--description="deployctl: restore the previous release unless the deploy of $release is confirmed" \
	--on-active="${check}s" --on-unit-active="${check}s" --timer-property=AccuracySec=1s /bin/sh "$w/run.sh" "$w"
echo armed=yes
