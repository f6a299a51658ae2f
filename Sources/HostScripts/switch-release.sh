#!/bin/sh
# switch-release: points ROOT/current at releases/RELEASE in one rename, and records the release it
# pointed at before (when another) in ROOT/shared/previous.
# Arguments: ROOT RELEASE
# Prints: nothing
# Exit: 0 switched; >0 the link could not be made or renamed (current is unchanged).
set -eu
root=$1
release=$2
old=$(readlink "$root/current" 2>/dev/null || true)
ln -sfn "releases/$release" "$root/current.deployctl-new"
mv -T "$root/current.deployctl-new" "$root/current"
if [ -n "$old" ] && [ "${old##*/}" != "$release" ]; then
	printf '%s\n' "${old##*/}" >"$root/shared/previous"
fi
