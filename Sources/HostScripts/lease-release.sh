#!/bin/sh
# lease-release: removes the deploy lock LOCK if the run ID holds it, under the flock in SHARED.
# Arguments: SHARED LOCK ID
# Prints: nothing
# Exit: 0 released, or the lock is another run's or absent; >0 the flock could not be taken.
set -eu
shared=$1
lock=$2
id=$3
exec 9>>"$shared/.deploy.lock.flock"
flock -w 10 9
if [ "$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$lock" 2>/dev/null)" = "$id" ]; then rm -f "$lock"; fi
