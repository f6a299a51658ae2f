#!/bin/sh
# lease-take: takes the deploy lock LOCK for the run ID, or renews that run's own (its start kept),
# under a flock in SHARED; a lock of another run that has not expired is refused. Expiry counts
# seconds since boot (/proc/uptime, CLOCK_BOOTTIME, with the boot's id), so a step of the wall
# clock neither frees a live lock nor keeps a dead one; a lock from another boot has expired, and
# one without those fields (older versions) is judged by the wall clock. The lock is one JSON
# line naming OWNER, PID, COMMAND and RELEASE, valid TTL s; its started and expires are wall-clock
# times, for people.
# Arguments: SHARED LOCK ID OWNER PID COMMAND RELEASE TTL
# Prints: taken=<the host's time>; refused: now=<the host's time>, left=<seconds until it expires>
# and holder=<the lock's JSON>
# Exit: 0 taken or renewed; 73 another run holds the lock; other non-zero the lock could not be written.
set -eu
shared=$1
lock=$2
id=$3
owner=$4
pid=$5
command=$6
release=$7
ttl=$8
# A JSON string's content: backslashes and quotes escaped.
json() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }
mkdir -p "$shared"
exec 9>>"$shared/.deploy.lock.flock"
flock -w 10 9
now=$(date +%s)
read -r up _ </proc/uptime
up=${up%.*}
boot=$(cat /proc/sys/kernel/random/boot_id)
started=$now
if [ -f "$lock" ]; then
	holder=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$lock")
	if [ "$holder" = "$id" ]; then
		started=$(sed -n 's/.*"started":\([0-9]*\).*/\1/p' "$lock")
	else
		deadline=$(sed -n 's/.*"deadline":\([0-9]*\).*/\1/p' "$lock")
		if [ -n "$deadline" ]; then
			left=$((deadline - up))
			grep -q "\"boot\":\"$boot\"" "$lock" || left=0
		else
			expires=$(sed -n 's/.*"expires":\([0-9]*\).*/\1/p' "$lock")
			left=$((${expires:-0} - now))
		fi
		if [ "$left" -gt 0 ]; then
			echo "now=$now"
			echo "left=$left"
			echo "holder=$(cat "$lock")"
			exit 73
		fi
	fi
fi
printf '{"command":"%s","id":"%s","owner":"%s","pid":%s,"release":"%s","started":%s,"expires":%s,"boot":"%s","deadline":%s}\n' \
	"$(json "$command")" "$(json "$id")" "$(json "$owner")" "$pid" "$(json "$release")" "$started" \
	"$((now + ttl))" "$boot" "$((up + ttl))" >"$lock.tmp"
mv "$lock.tmp" "$lock"
echo "taken=$now"
