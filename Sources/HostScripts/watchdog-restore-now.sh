#!/bin/sh
# watchdog-restore-now: puts back at once what the watchdog in DIR armed by RUN saved (a deploy
# that failed before its switch), by running its DIR/run.sh with the deadline passed, and leaves
# no fired record behind. Given UNITs, only those of the saved units are put back (what the deploy
# touched before it failed); without, every one.
# Arguments: DIR RUN [UNIT...]
# Prints: restored=yes when it restored; nothing when no watchdog armed by RUN waits
# Exit: 0 restored or nothing to restore; >0 the deadline could not be written.
set -eu
w=$1
run=$2
shift 2
[ "$(cat "$w/state" 2>/dev/null)" = "run=$run" ] || exit 0
rm -f "$w/only"
[ "$#" -eq 0 ] || printf '%s\n' "$@" >"$w/only"
echo 0 >"$w/deadline"
sh "$w/run.sh" "$w"
rm -f "$w/fired"
echo restored=yes
