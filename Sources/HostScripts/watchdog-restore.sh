#!/bin/sh
# watchdog-restore: the host's watchdog, installed by watchdog-arm as DIR/run.sh and run by its
# timer: once the deadline in DIR/deadline has passed, if the watchdog is still armed, puts back
# the units (only those DIR/only names, when it exists), ROOT/current, ROOT/shared/previous and
# the enabled and active states saved in DIR, writes DIR/fired, removes the snapshot and stops its
# own timer. Its other inputs are in DIR/inputs, one a line as watchdog-arm wrote them (the units
# folder, ROOT, the timer's name, the window, the release it takes off, the actor, then the
# units): systemd would expand a `$` in a timer command's arguments.
# Arguments: DIR
# Prints: nothing (DIR/fired holds {"actor","at","from","to","window"} as JSON; a line goes to the journal)
# Exit: 0 restored, not due yet, or not armed; >0 DIR/inputs could not be read.
set -eu
w=$1
exec 9>>"$w/.lock"
flock -w 30 9 || exit 0
[ -f "$w/state" ] || exit 0
read -r up _ </proc/uptime
[ "${up%.*}" -lt "$(cat "$w/deadline")" ] && exit 0
set --
{
	IFS= read -r units
	IFS= read -r root
	IFS= read -r name
	IFS= read -r window
	IFS= read -r release
	IFS= read -r actor
	while IFS= read -r u; do set -- "$@" "$u"; done
} <"$w/inputs"
# A deploy that failed before its switch puts back only the units it touched (DIR/only, one a
# line, written by watchdog-restore-now): a unit it never changed is neither stopped nor restarted.
if [ -f "$w/only" ]; then
	set --
	while IFS= read -r u; do set -- "$@" "$u"; done <"$w/only"
fi
# Whether the restore puts UNIT back.
touched() { [ ! -f "$w/only" ] || grep -qxF -- "$1" "$w/only"; }
# A JSON string's content: backslashes and quotes escaped.
json() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }
# From here on a step that fails does not stop the restore: it puts back all it can.
set +e
systemctl stop "$@" 2>/dev/null
for u in "$@"; do
	systemctl disable "$u" 2>/dev/null
	rm -rf "${units:?}/$u" "$units/$u.d"
done
for u in "$@"; do
	[ -e "$w/units/$u" ] && cp -a "$w/units/$u" "$units/$u"
	[ -d "$w/units/$u.d" ] && cp -a "$w/units/$u.d" "$units/$u.d"
done
systemctl daemon-reload
old=$(cat "$w/current")
if [ -n "$old" ]; then
	ln -sfn "releases/$old" "$root/current.deployctl-new" && mv -T "$root/current.deployctl-new" "$root/current"
else
	rm -f "$root/current"
fi
if [ -f "$w/previous" ]; then cp "$w/previous" "$root/shared/previous"; else rm -f "$root/shared/previous"; fi
while IFS= read -r u; do touched "$u" && systemctl enable --quiet "$u"; done <"$w/enabled"
while IFS= read -r u; do touched "$u" && systemctl restart "$u"; done <"$w/active"
printf '{"actor":"%s","at":"%s","from":"%s","to":"%s","window":%s}\n' \
	"$(json "$actor")" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(json "$release")" "$(json "$old")" "$window" >"$w/fired"
rm -rf "$w/state" "$w/units" "$w/enabled" "$w/active" "$w/current" "$w/previous" "$w/inputs" "$w/only"
logger -t deployctl-watchdog "deployctl did not confirm the deploy of $release within $window s: restored ${old:-no release}"
systemctl stop --no-block "$name.timer"
