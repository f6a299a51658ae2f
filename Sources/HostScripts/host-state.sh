#!/bin/sh
# host-state: what the host runs under ROOT, for a deploy's plan: the current and previous release,
# the complete releases, the units the current release ships and its manifest, the deploy lock
# LOCK, the free space where ROOT is (or would be), the host's clock, and for each UNIT its file in
# the units folder UNITS and its drop-in DROPIN (a file name in <unit>.d/), with their SHA-256.
# Arguments: ROOT LOCK UNITS DROPIN UNIT...
# Prints: current=, previous=, release=<id> each, currentunit=<name> each, the block manifest,
#   lock=<JSON>, free=<KiB>, now=<seconds since 1970>; per UNIT present unit:<name>=<sha256> and
#   the block text:<name>; per drop-in present dropin:<name>=<sha256> and the block droptext:<name>
# Exit: 0 read; >0 a file could not be read.
set -eu
root=$1
lock=$2
units=$3
dropin=$4
shift 4
c=$(readlink "$root/current" 2>/dev/null || true)
[ -z "$c" ] || echo "current=${c##*/}"
[ ! -f "$root/shared/previous" ] || echo "previous=$(cat "$root/shared/previous")"
for d in "$root"/releases/*/; do [ -f "$d/RELEASE" ] && echo "release=$(basename "$d")"; done 2>/dev/null || true
if [ -f "$root/current/manifest.json" ]; then
	for f in "$root"/current/systemd/*; do [ -f "$f" ] && echo "currentunit=${f##*/}"; done
	echo '<<manifest'
	cat "$root/current/manifest.json"
	echo '>>manifest'
fi
[ ! -f "$lock" ] || echo "lock=$(cat "$lock")"
d=$root
while [ ! -e "$d" ]; do d=$(dirname "$d"); done
echo "free=$(df -Pk "$d" | awk 'NR==2 {print $4}')"
echo "now=$(date +%s)"
for u in "$@"; do
	f="$units/$u"
	if [ -f "$f" ]; then
		echo "unit:$u=$(sha256sum <"$f" | cut -c1-64)"
		echo "<<text:$u"
		cat "$f"
		echo
		echo ">>text:$u"
	fi
	f="$units/$u.d/$dropin"
	if [ -f "$f" ]; then
		echo "dropin:$u=$(sha256sum <"$f" | cut -c1-64)"
		echo "<<droptext:$u"
		cat "$f"
		echo
		echo ">>droptext:$u"
	fi
done
