#!/bin/sh
# lease-take: takes the deploy lock LOCK for the run ID, or renews that run's own (its start kept),
# under a flock in SHARED; a lock of another run that has not expired by the host's clock is
# refused. The lock is one JSON line naming OWNER, PID, COMMAND and RELEASE, valid TTL s.
# Arguments: SHARED LOCK ID OWNER PID COMMAND RELEASE TTL
# Prints: taken=<the host's time>; refused: now=<the host's time> and holder=<the lock's JSON>
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
started=$now
if [ -f "$lock" ]; then
	expires=$(sed -n 's/.*"expires":\([0-9]*\).*/\1/p' "$lock")
	holder=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$lock")
	if [ "$holder" = "$id" ]; then
		started=$(sed -n 's/.*"started":\([0-9]*\).*/\1/p' "$lock")
	elif [ "${expires:-0}" -gt "$now" ]; then
		echo "now=$now"
		echo "holder=$(cat "$lock")"
		exit 73
	fi
fi
printf '{"command":"%s","id":"%s","owner":"%s","pid":%s,"release":"%s","started":%s,"expires":%s}\n' \
	"$(json "$command")" "$(json "$id")" "$(json "$owner")" "$pid" "$(json "$release")" "$started" \
	"$((now + ttl))" >"$lock.tmp"
mv "$lock.tmp" "$lock"
echo "taken=$now"
