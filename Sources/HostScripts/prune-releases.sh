#!/bin/sh
# prune-releases: removes the oldest releases beyond the newest KEEP, never the one ROOT/current
# points at nor the one ROOT/shared/previous names; then every object of ROOT/shared/objects whose hash
# no release folder left (nor an unfinished upload) lists in its SHA256SUMS.
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
# The objects still used: every hash in the SHA256SUMS of a release folder or an unfinished upload.
if [ -d ../shared/objects ]; then
	used=$(cat ./*/SHA256SUMS ./.incoming-*/SHA256SUMS 2>/dev/null | cut -c1-64 | sort -u || true)
	cd ../shared/objects
	find . -type f | awk -v used="$used" '
		BEGIN { n = split(used, list, "\n"); for (i = 1; i <= n; i++) keep[list[i]] = 1 }
		{ h = $0; gsub(/[.\/]/, "", h); if (!(h in keep)) print }' | xargs -r rm -f --
	find . -mindepth 1 -type d -empty -delete
fi
