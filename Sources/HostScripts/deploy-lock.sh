#!/bin/sh
# deploy-lock: shows the deploy lock LOCK (ACTION show) or shows and removes it (ACTION break), under
# the flock in SHARED that lease-take and lease-release hold, so that the lock shown is the lock
# removed: a deploy cannot take or renew it in between. With ID, break removes the lock only while
# the run ID holds it.
# Arguments: SHARED LOCK ACTION [ID]
# Prints: lock=<the lock's JSON> when there is one
# Exit: 0 shown (and removed); 64 ACTION is neither show nor break; 75 another run than ID holds the
# lock (it stays); other non-zero the flock could not be taken or the lock not removed.
set -eu
shared=$1
lock=$2
action=$3
id=${4-}
case $action in
show | break) ;;
*)
	echo "deploy-lock: ACTION is show or break, not $action" >&2
	exit 64
	;;
esac
[ -d "$shared" ] || exit 0
exec 9>>"$shared/.deploy.lock.flock"
flock -w 10 9
[ -f "$lock" ] || exit 0
echo "lock=$(cat "$lock")"
[ "$action" = break ] || exit 0
if [ -n "$id" ] && [ "$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$lock")" != "$id" ]; then exit 75; fi
rm -f "$lock"
