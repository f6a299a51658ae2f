#!/bin/sh
# status: what the host runs under ROOT and whether it is still what was deployed: the current and
# previous release, the deploy lock LOCK, the newest deploy in the audit log AUDIT, the watchdog in
# WATCHDOG, the files under current that differ from its SHA256SUMS, and for each unit the current
# release ships: whether the file in the units folder UNITS is the shipped one, the shipped text,
# the drop-in DROPIN (a file name in <unit>.d/) and what systemd says of it.
# Arguments: ROOT LOCK AUDIT WATCHDOG UNITS DROPIN
# Prints: current=, previous=, release=<id> for each release folder, passed=<id> for each deploy
#   or rollback the audit log records as succeeded (oldest first), lock=<JSON>,
#   last_deploy=<audit line>, watchdog_fired=<JSON>,
#   watchdog_armed=<seconds left>; with a current release: altered=<file> each, revision=,
#   override=<audit line of its gate override>, deployed=<audit line of its last good deploy>, and
#   per unit unit=<name>, same:<name>=yes|no and the blocks text:<name>, dropin:<name>, show:<name>
# Exit: 0 read; >0 the audit log or the current release could not be read.
set -eu
root=$1
lock=$2
audit=$3
w=$4
units=$5
dropin=$6
c=$(readlink "$root/current" 2>/dev/null || true)
[ -z "$c" ] || echo "current=${c##*/}"
[ ! -f "$root/shared/previous" ] || echo "previous=$(cat "$root/shared/previous")"
for d in "$root"/releases/*/; do
	[ ! -f "$d/RELEASE" ] || echo "release=$(basename "$d")"
done
[ ! -f "$audit" ] || grep -E '"command":"(deploy|rollback)"' "$audit" | grep '"result":"ok"' |
	sed -n 's/.*"release":"\([^"]*\)".*/passed=\1/p'
[ ! -f "$lock" ] || echo "lock=$(cat "$lock")"
[ ! -f "$audit" ] || grep '"command":"deploy"' "$audit" | tail -n 1 | sed 's/^/last_deploy=/'
[ ! -f "$w/fired" ] || echo "watchdog_fired=$(cat "$w/fired")"
if [ -f "$w/state" ]; then
	read -r up _ </proc/uptime
	echo "watchdog_armed=$(($(cat "$w/deadline" 2>/dev/null || echo 0) - ${up%.*}))"
fi
if [ -n "$c" ] && [ -f "$root/current/SHA256SUMS" ]; then
	(cd "$root/current" && sha256sum --quiet -c SHA256SUMS 2>/dev/null | sed -n 's/: FAILED.*//p' | sed 's/^/altered=/') || true
	sed -n 's/.*"revision" : "\(.*\)".*/revision=\1/p' "$root/current/manifest.json"
	[ ! -f "$audit" ] || grep '"command":"gate override"' "$audit" | grep "\"release\":\"${c##*/}\"" |
		tail -n 1 | sed 's/^/override=/'
	[ ! -f "$audit" ] || grep '"command":"deploy"' "$audit" | grep '"result":"ok"' | grep "\"release\":\"${c##*/}\"" |
		tail -n 1 | sed 's/^/deployed=/'
	for f in "$root"/current/systemd/*; do
		u=${f##*/}
		echo "unit=$u"
		if cmp -s "$f" "$units/$u"; then echo "same:$u=yes"; else echo "same:$u=no"; fi
		echo "<<text:$u"
		cat "$f"
		echo
		echo ">>text:$u"
		d="$units/$u.d/$dropin"
		if [ -f "$d" ]; then
			echo "<<dropin:$u"
			cat "$d"
			echo
			echo ">>dropin:$u"
		fi
		echo "<<show:$u"
		systemctl show -p ActiveState -p SubState -p UnitFileState -p Result -p NextElapseUSecRealtime "$u" 2>/dev/null || true
		echo ">>show:$u"
	done
fi
