#!/bin/sh
# watchdog-push: moves the deadline of the watchdog in DIR to WINDOW s from now, if the watchdog
# armed by RUN still waits. Deadlines count seconds since boot (/proc/uptime, CLOCK_BOOTTIME): a
# step of the wall clock neither fires the watchdog early nor holds it back.
# Arguments: DIR RUN WINDOW
# Prints: nothing
# Exit: 0 pushed, or nothing armed by RUN; >0 the deadline could not be written.
set -eu
w=$1
run=$2
window=$3
[ "$(cat "$w/state" 2>/dev/null)" = "run=$run" ] || exit 0
read -r up _ </proc/uptime
echo $((${up%.*} + window)) >"$w/deadline.new"
mv "$w/deadline.new" "$w/deadline"
