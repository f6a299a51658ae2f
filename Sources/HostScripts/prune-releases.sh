#!/bin/sh
# prune-releases: removes the oldest releases beyond the newest KEEP, never the one ROOT/current
# points at nor the one ROOT/shared/previous names.
# Arguments: ROOT KEEP
# Prints: nothing
# Exit: 0 pruned; >0 the releases folder could not be read.
set -eu
root=$1
keep=$2
cd "$root/releases"
current=$(readlink ../current 2>/dev/null | sed 's|.*/||' || true)
previous=$(cat ../shared/previous 2>/dev/null || true)
# ls -t orders by age (hidden upload folders are not listed); release folders are fingerprints.
# shellcheck disable=SC2012
ls -1t | tail -n +"$((keep + 1))" | while read -r old; do
	[ "$old" = "$current" ] || [ "$old" = "$previous" ] || rm -rf -- "$old"
done
