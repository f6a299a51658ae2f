#!/bin/sh
# deploy-lock: shows the deploy lock LOCK (ACTION show) or shows and removes it (ACTION break).
# Arguments: LOCK ACTION
# Prints: lock=<the lock's JSON> when there is one
# Exit: 0 shown (and removed); 64 ACTION is neither show nor break; other non-zero it could not be removed.
set -eu
lock=$1
action=$2
case $action in
show | break) ;;
*)
	echo "deploy-lock: ACTION is show or break, not $action" >&2
	exit 64
	;;
esac
[ ! -f "$lock" ] || echo "lock=$(cat "$lock")"
[ "$action" = show ] || rm -f "$lock"
