#!/bin/sh
# stop-timer: stops the loader's timers and waits until none of the loader's services is running a
# job (a run in progress finishes; nothing new starts), for at most SECONDS.
# Arguments: SECONDS TIMER... -- JOB...
# Prints: nothing; on a timeout, which job did not finish (standard error)
# Exit: 0 stopped and idle; 1 a run in progress outlived SECONDS.
set -eu
seconds=$1
shift
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
	systemctl stop "$1" 2>/dev/null || true
	shift
done
[ "$#" -eq 0 ] || shift
# Seconds since boot: a step of the wall clock neither ends the wait early nor prolongs it.
since_boot() {
	read -r up _ </proc/uptime
	echo "${up%.*}"
}
deadline=$(($(since_boot) + seconds))
for job in "$@"; do
	while case $(systemctl show -p ActiveState --value "$job" 2>/dev/null) in activating | deactivating | reloading) true ;; *) false ;; esac do
		if [ "$(since_boot)" -ge "$deadline" ]; then
			echo "the loader run in progress ($job) did not finish within $seconds s" >&2
			exit 1
		fi
		sleep 1
	done
done
