#!/bin/sh
# place-file: as root, moves a file a non-root SSH user staged into its target's folder, makes it
# root's with MODE, and renames it over TARGET (which holds the old file or the whole new one).
# Arguments: STAGED TARGET MODE SUFFIX (the temporary name is TARGET.deployctl-SUFFIX.tmp)
# Prints: nothing
# Exit: 0 placed; >0 a step failed (the staged file may remain: the caller removes it).
set -eu
staged=$1
target=$2
mode=$3
temporary=$target.deployctl-$4.tmp
mkdir -p "$(dirname "$target")"
mv -f "$staged" "$temporary"
chown root:root "$temporary"
chmod "$mode" "$temporary"
mv -f "$temporary" "$target"
