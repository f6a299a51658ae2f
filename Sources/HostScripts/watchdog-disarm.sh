#!/bin/sh
# watchdog-disarm: confirms a deploy to the watchdog in DIR: if the watchdog armed by RUN still
# waits, stops its timer NAME.timer and removes its snapshot; if it fired first, says what it did.
# Arguments: DIR RUN NAME
# Prints: disarmed=yes; or fired=<the firing's JSON> (watchdog-restore's record); or nothing
# Exit: 0 answered; >0 DIR or its lock could not be opened.
set -eu
w=$1
run=$2
name=$3
exec 9>>"$w/.lock"
flock -w 30 9
if [ "$(cat "$w/state" 2>/dev/null)" = "run=$run" ]; then
	systemctl stop "$name.timer" 2>/dev/null || true
	systemctl reset-failed "$name.timer" "$name.service" 2>/dev/null || true
	rm -rf "$w/state" "$w/units" "$w/enabled" "$w/active" "$w/current" "$w/previous" "$w/inputs" \
		"$w/run.sh" "$w/deadline"
	echo disarmed=yes
elif [ -f "$w/fired" ]; then
	echo "fired=$(cat "$w/fired")"
fi
