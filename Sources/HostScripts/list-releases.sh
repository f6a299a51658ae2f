#!/bin/sh
# list-releases: the releases under ROOT/releases (folders with a RELEASE file), the revision and
# build time their manifests name, the release ROOT/current points at and ROOT/shared/previous
# names, and the result of every deploy and rollback in the audit log AUDIT, by release.
# Arguments: ROOT AUDIT
# Prints: current=<id> (empty when none); previous=<id>; release=<id>, revision:<id>=<rev> and
#   built:<id>=<time> for each; result:<id>=<ok|failed> for each audited deploy or rollback, and
#   passed=<id> for each that succeeded, oldest first
# Exit: 0 listed; >0 the audit log could not be read.
set -eu
root=$1
audit=$2
c=$(readlink "$root/current" 2>/dev/null || true)
echo "current=${c##*/}"
[ ! -f "$root/shared/previous" ] || echo "previous=$(cat "$root/shared/previous")"
for d in "$root"/releases/*/; do
	[ -f "$d/RELEASE" ] || continue
	id=$(basename "$d")
	echo "release=$id"
	sed -n "s/.*\"revision\" : \"\(.*\)\".*/revision:$id=\1/p; s/.*\"builtAt\" : \"\(.*\)\".*/built:$id=\1/p" "$d/manifest.json"
done 2>/dev/null || true
[ ! -f "$audit" ] || grep -E '"command":"(deploy|rollback)"' "$audit" |
	sed -n 's/.*"release":"\([^"]*\)".*"result":"\([a-z]*\)".*/result:\1=\2/p; s/^result:\(.*\)=ok$/passed=\1/p'
