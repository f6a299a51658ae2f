#!/bin/sh
# verify-facts: everything verify reads from a host's shell, in one round trip: the release
# ROOT/current points at, ClickHouse's state (the systemd unit or docker container NAME, as RUNTIME
# says), the listening TCP sockets, the files under current that differ from its SHA256SUMS, and for
# each UNIT whether the file in the units folder UNITS is the one current ships, its drop-in DROPIN
# (a file name in <unit>.d/) and what systemd says of it; then what systemd-analyze verify says of
# the installed units, the newest gate override in ROOT/shared/audit.jsonl for the running release,
# and the units' journal error lines since current was switched.
# Arguments: ROOT UNITS DROPIN RUNTIME NAME [UNIT…] (RUNTIME: systemd or docker)
# Prints: current=, clickhouse_runtime=<state>, listen_read=yes|no (whether ss or netstat answered)
#   and the block listen (one local address a line); with a SHA256SUMS the block sums (what
#   sha256sum -c says of the files that differ) and sums_present=yes; deployed_epoch= (when current
#   was switched) and now_epoch= (the host's clock, for the ages of both); per unit
#   unit_same:<name>=yes|no, the blocks dropin:<name>, show:<name>, started_epoch:<name>=,
#   triggered_epoch:<name>= (empty: never since boot) and for a calendar timer period:<name>=; the block analyze,
#   gate_override=<audit line> when there is one, journal_read=yes|no (…) and the block journal (at
#   most 20 lines)
# Exit: 0 read; 64 RUNTIME is neither systemd nor docker.
set -eu
root=$1
units=$2
dropin=$3
runtime=$4
name=$5
shift 5
c=$(readlink "$root/current" 2>/dev/null || true)
echo "current=${c##*/}"
case $runtime in
systemd) echo "clickhouse_runtime=$(systemctl show -p ActiveState --value "$name" 2>/dev/null)" ;;
docker)
	echo "clickhouse_runtime=$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$name" 2>&1 | head -n1)"
	;;
*)
	echo "verify-facts: RUNTIME is systemd or docker, not $runtime" >&2
	exit 64
	;;
esac
# The listening TCP sockets by ss, else netstat (without its two header lines); listen_read says
# whether either answered, so that a host without both is not taken for one that listens nowhere.
if sockets=$(ss -Hltn 2>/dev/null); then
	echo listen_read=yes
elif sockets=$(netstat -ltn 2>/dev/null); then
	echo listen_read=yes
	sockets=$(printf '%s\n' "$sockets" | tail -n +3)
else
	echo listen_read=no
	sockets=
fi
echo '<<listen'
[ -z "$sockets" ] || printf '%s\n' "$sockets" | awk '{print $4}'
echo '>>listen'
if [ -f "$root/current/SHA256SUMS" ]; then
	echo '<<sums'
	(cd "$root/current" && sha256sum --quiet -c SHA256SUMS 2>&1) || true
	echo '>>sums'
	echo sums_present=yes
fi
# started_epoch:UNIT= and triggered_epoch:UNIT=, seconds since the epoch of the unit's last main
# process start (a service) and last trigger (a timer), empty when it never did since boot; for a
# timer with an OnCalendar= also period:UNIT=, the seconds between its next two elapses.
epochs() {
	for p in ExecMainStartTimestamp:started LastTriggerUSec:triggered; do
		t=$(systemctl show -p "${p%%:*}" --value "$1" 2>/dev/null || true)
		e=
		[ -z "$t" ] || [ "$t" = n/a ] || e=$(date -d "$t" +%s 2>/dev/null || true)
		echo "${p#*:}_epoch:$1=$e"
	done
	case $1 in
	*.timer)
		spec=$(systemctl show -p TimersCalendar --value "$1" 2>/dev/null | sed -n 's/.*OnCalendar=\([^;]*[^ ;]\) *;.*/\1/p' | head -n 1)
		[ -z "$spec" ] || systemd-analyze calendar --iterations=2 "$spec" 2>/dev/null |
			sed -n 's/^ *\(Next elapse\|Iter\. #2\): //p' | {
			read -r first || first=
			read -r second || second=
			a=$(date -d "$first" +%s 2>/dev/null || true)
			b=$(date -d "$second" +%s 2>/dev/null || true)
			[ -z "$a" ] || [ -z "$b" ] || echo "period:$1=$((b - a))"
		}
		;;
	esac
}

echo "now_epoch=$(date +%s)"
echo "deployed_epoch=$(stat -c %Y "$root/current" 2>/dev/null || true)"
for u in "$@"; do
	if cmp -s "$root/current/systemd/$u" "$units/$u"; then echo "unit_same:$u=yes"; else echo "unit_same:$u=no"; fi
	d="$units/$u.d/$dropin"
	echo "<<dropin:$u"
	[ ! -f "$d" ] || cat "$d"
	echo
	echo ">>dropin:$u"
	echo "<<show:$u"
	systemctl show -p ActiveState -p SubState -p Result -p UnitFileState -p NextElapseUSecRealtime -p ExecMainStatus \
		-p ExecMainStartTimestamp -p LastTriggerUSec -p NRestarts -p ExecStart "$u" 2>/dev/null || true
	echo ">>show:$u"
	epochs "$u"
done

# systemd-analyze verify of the installed unit files, by their full paths.
analyze() {
	for u in "$@"; do
		set -- "$@" "$units/$u"
		shift
	done
	systemd-analyze verify "$@" 2>&1 || true
}

# The journal's error lines of the units since SINCE (seconds since the epoch).
journal() {
	since=$1
	shift
	for u in "$@"; do
		set -- "$@" -u "$u"
		shift
	done
	if lines=$(journalctl --no-pager -o cat -p err --since "@$since" "$@" 2>/dev/null); then
		echo journal_read=yes
	else
		echo "journal_read=no (journalctl exit $?)"
		lines=
	fi
	echo '<<journal'
	[ -z "$lines" ] || printf '%s\n' "$lines" | tail -n 20
	echo '>>journal'
}

echo '<<analyze'
cd /
analyze "$@"
echo '>>analyze'
a=$root/shared/audit.jsonl
[ ! -f "$a" ] || grep '"command":"gate override"' "$a" | grep "\"release\":\"${c##*/}\"" | tail -n 1 |
	sed 's/^/gate_override=/'
journal "$(stat -c %Y "$root/current" 2>/dev/null || echo 0)" "$@"
