#!/bin/sh
# loader-run: starts one run of the loader's service and waits for it (a oneshot start returns when
# the run has ended), then says how it ended as systemd recorded it. A start systemd refuses (a
# masked unit, a failed dependency) or one that runs nothing (a failed condition) leaves Result and
# ExecMainStatus at the previous run's, so start_status and the main process' start before and
# after tell whether this run happened at all (while the timer keeps the unit loaded: systemd
# unloads a finished unit nothing refers to, and then shows 0 for both). A run the timer began just
# before this start is joined, not repeated: its start time was read before, but its exit time moves.
# Arguments: UNIT
# Prints: start_status=<systemctl start's exit status>, start_error=<its last line of output> when
#   it failed, started_before= and started_after= (ExecMainStartTimestampMonotonic), exited_before=
#   and exited_after= (ExecMainExitTimestampMonotonic), Result=<systemd's
#   result> and ExecMainStatus=<exit status> (systemctl show)
# Exit: 0 when systemctl show answered (the run's own outcome is in the lines above), else systemctl's status.
set -eu
unit=$1
echo "started_before=$(systemctl show -p ExecMainStartTimestampMonotonic --value "$unit" 2>/dev/null || true)"
echo "exited_before=$(systemctl show -p ExecMainExitTimestampMonotonic --value "$unit" 2>/dev/null || true)"
if output=$(systemctl start "$unit" 2>&1); then
	echo start_status=0
else
	echo "start_status=$?"
	echo "start_error=$(printf '%s\n' "$output" | tail -n 1)"
fi
echo "started_after=$(systemctl show -p ExecMainStartTimestampMonotonic --value "$unit" 2>/dev/null || true)"
echo "exited_after=$(systemctl show -p ExecMainExitTimestampMonotonic --value "$unit" 2>/dev/null || true)"
systemctl show -p Result -p ExecMainStatus "$unit"
