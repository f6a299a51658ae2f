#!/bin/sh
# release-objects: which of a release's files the host's object store OBJECTS (one file per
# SHA-256, OBJECTS/ab/cdef…) lacks, and which decompressors it has. A present object is hashed
# again: one whose content does not match its name is reported corrupt (and is replaced when the
# upload brings it again). Changes nothing.
# Arguments: OBJECTS HASH...
# Prints: zstd=yes|no; missing=<hash> for each HASH with no object; corrupt=<hash> for each whose
#   object's content hashes to something else
# Exit: 0 answered; 64 a HASH is not lowercase hex; other >0 an object could not be read.
set -eu
objects=$1
shift
if command -v zstd >/dev/null; then echo zstd=yes; else echo zstd=no; fi
present=
for h in "$@"; do
	case $h in
	*[!0-9a-f]* | "") echo "not a SHA-256: $h" >&2 && exit 64 ;;
	esac
	rest=${h#??}
	o="$objects/${h%"$rest"}/$rest"
	if [ -f "$o" ]; then
		present="$present $h"
	else
		echo "missing=$h"
	fi
done
[ -n "$present" ] || exit 0
cd "$objects"
# shellcheck disable=SC2086 # the names are SHA-256 hex digests, one word each
for h in $present; do
	rest=${h#??}
	printf '%s/%s\n' "${h%"$rest"}" "$rest"
done | xargs sha256sum -- | while read -r sum path; do
	name=$(printf '%s' "$path" | tr -d /)
	[ "$sum" = "$name" ] || echo "corrupt=$name"
done
