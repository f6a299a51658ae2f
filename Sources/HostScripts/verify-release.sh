#!/bin/sh
# verify-release: accepts release ID into RELEASES/ID, its files kept by SHA-256 in the object
# store OBJECTS (OBJECTS/ab/cdef…) and hard-linked into the release folder.
# An upload (RELEASES/.incoming-ID.tar, gzip or zstd compressed or not) carries the release's
# SHA256SUMS and SHA256SUMS.sig and the objects the host lacks, each named by its SHA-256. Before
# anything is unpacked its listing must hold only plain files with those names (no directory, link,
# device, setuid, setgid or sticky bit); it is unpacked without owners or the archive's modes into
# a scratch folder. SHA256SUMS.sig must then be a trusted signature (ALLOWED_SIGNERS) of SHA256SUMS,
# and every object must hash to its name and be listed in that SHA256SUMS; only then does it go
# into OBJECTS, replacing a corrupt one (and the corrupt copies release folders link). The release
# folder is assembled from OBJECTS: each PATH of the arguments and manifest.json must be in the
# signed SHA256SUMS and its object present.
# Then (for an upload or a folder already there) the files must be exactly the PATH arguments plus
# manifest.json, SHA256SUMS, SHA256SUMS.sig and RELEASE, nothing else but directories;
# SHA256SUMS.sig must be a trusted signature of SHA256SUMS, every file must match SHA256SUMS,
# manifest.json and RELEASE must name ID; each PATH gets its MODE (an object linked elsewhere with
# another mode is copied instead). Only then is the folder made root's and renamed to RELEASES/ID.
# Arguments: RELEASES OBJECTS ID ALLOWED_SIGNERS SIGNER_IDENTITY NAMESPACE [PATH MODE]…
# Prints: verified=yes and received=<number of objects taken from the upload>, or refused=<why>
#   (a refused upload and its scratch folders are deleted)
# Exit: 0 verified; 65 refused; other non-zero: unpacking or renaming failed.
set -eu
releases=$1
objects=$2
id=$3
signers=$4
identity=$5
namespace=$6
shift 6
umask 022
cd "$releases"
dir=$id
received=0
refuse() {
	echo "refused=$1"
	if [ "$dir" != "$id" ]; then
		rm -rf "${releases:?}/$dir"
	fi
	rm -rf "${releases:?}/.incoming-$id.tar" "${releases:?}/.incoming-$id.objects"
	exit 65
}
# object HASH: the path of HASH's object.
object() {
	rest=${1#??}
	printf '%s/%s/%s' "$objects" "${1%"$rest"}" "$rest"
}
signed() {
	ssh-keygen -Y verify -f "$signers" -I "$identity" -n "$namespace" -s "$1/SHA256SUMS.sig" <"$1/SHA256SUMS" 2>&1
}
if [ -f ".incoming-$id.tar" ]; then
	dir=.incoming-$id
	scratch=.incoming-$id.objects
	listing=$(tar -tvf ".incoming-$id.tar" 2>/dev/null) || refuse "the upload is not a readable tar (or its compression is not one this host can read)"
	bad=$(printf '%s\n' "$listing" | awk '$1 !~ /^-[-r][-w][-x][-r][-w][-x][-r][-w][-x]$/ { print; exit }')
	[ -z "$bad" ] || refuse "the upload holds something other than a plain file: $bad"
	# A plain file's line is `mode owner size date time name`: a name with a space has more fields.
	bad=$(printf '%s\n' "$listing" | awk 'NF != 6 || $6 !~ /^(\.\/)?(SHA256SUMS|SHA256SUMS\.sig|[0-9a-f]+)$/ || ($6 !~ /SHA256SUMS/ && length($6) != 64 + ($6 ~ /^\.\//) * 2) { print; exit }')
	[ -z "$bad" ] || refuse "the upload holds a name other than SHA256SUMS, its signature or a SHA-256: $bad"
	rm -rf "$scratch"
	mkdir "$scratch"
	tar -xf ".incoming-$id.tar" -C "$scratch" --no-same-owner --no-same-permissions
	rm -f ".incoming-$id.tar"
	if [ ! -f "$scratch/SHA256SUMS" ] || [ ! -f "$scratch/SHA256SUMS.sig" ]; then
		refuse "the upload has no signed SHA256SUMS"
	fi
	out=$(signed "$scratch") || refuse "the signature of SHA256SUMS is not from a trusted release key ($out)"
	for f in "$scratch"/*; do
		h=${f##*/}
		case $h in SHA256SUMS | SHA256SUMS.sig) continue ;; esac
		[ "$(sha256sum <"$f" | cut -c1-64)" = "$h" ] || refuse "the object $h does not hash to its name"
		grep -q "^$h  " "$scratch/SHA256SUMS" || refuse "the object $h is not in the signed SHA256SUMS"
	done
	for f in "$scratch"/*; do
		h=${f##*/}
		case $h in SHA256SUMS | SHA256SUMS.sig) continue ;; esac
		o=$(object "$h")
		mkdir -p "${o%/*}"
		chmod 0644 "$f"
		if [ -f "$o" ]; then
			# The object held other content: the release folders linking it get the new one.
			find "$releases" -type f -samefile "$o" | while read -r stale; do
				chmod "$(stat -c %a "$stale")" "$f"
				ln "$f" "$stale.deployctl-repair"
				mv -f "$stale.deployctl-repair" "$stale"
			done
		fi
		mv -f "$f" "$o"
		received=$((received + 1))
	done
	rm -rf "$dir"
	mkdir "$dir"
	mv "$scratch/SHA256SUMS" "$scratch/SHA256SUMS.sig" "$dir/"
	rm -rf "$scratch"
	printf '%s\n' "$id" >"$dir/RELEASE"
	# place PATH MODE: links PATH's object into the folder (copies it when the object is linked
	# elsewhere with another mode).
	place() {
		h=$(awk -v p="$1" '$2 == p { print $1; exit }' "$dir/SHA256SUMS")
		[ -n "$h" ] || refuse "$1 is not in the signed SHA256SUMS"
		o=$(object "$h")
		[ -f "$o" ] || refuse "the host has no object for $1 and the upload did not bring it"
		case $1 in */*) mkdir -p "$dir/${1%/*}" ;; esac
		if [ "$(stat -c %a "$o")" = "$2" ] || [ "$(stat -c %h "$o")" = 1 ]; then
			chmod "0$2" "$o"
			ln "$o" "$dir/$1" 2>/dev/null || cp "$o" "$dir/$1"
		else
			cp "$o" "$dir/$1"
		fi
	}
	place manifest.json 644
	n=$#
	while [ "$n" -ge 2 ]; do
		place "$1" "$2"
		set -- "$@" "$1" "$2"
		shift 2
		n=$((n - 2))
	done
fi
cd "$dir"
odd=$(find . ! -type f ! -type d | head -n 1)
[ -z "$odd" ] || refuse "the release holds something other than a plain file or directory: $odd"
expected=$(
	printf '%s\n' ./manifest.json ./SHA256SUMS ./SHA256SUMS.sig ./RELEASE
	while [ $# -ge 2 ]; do
		printf './%s\n' "$1"
		shift 2
	done
)
found=$(find . -type f | LC_ALL=C sort)
want=$(printf '%s\n' "$expected" | LC_ALL=C sort)
if [ "$found" != "$want" ]; then
	extra=$(printf '%s\n' "$found" | grep -vxF "$want" | head -n 3 | tr '\n' ' ' || true)
	missing=$(printf '%s\n' "$want" | grep -vxF "$found" | head -n 3 | tr '\n' ' ' || true)
	refuse "its files are not exactly the manifest's (extra: ${extra:-none}; missing: ${missing:-none})"
fi
out=$(signed .) || refuse "the signature of SHA256SUMS is not from a trusted release key ($out)"
if ! out=$(sha256sum --quiet -c SHA256SUMS 2>&1); then
	refuse "files differ from the signed SHA256SUMS: $out"
fi
grep -qF "\"id\" : \"$id\"" manifest.json || refuse "manifest.json does not name release $id"
[ "$(cat RELEASE)" = "$id" ] || refuse "RELEASE does not name $id"
find . -type d -exec chmod 0755 {} +
chmod 0644 manifest.json SHA256SUMS SHA256SUMS.sig RELEASE
while [ $# -ge 2 ]; do
	chmod "0$2" "./$1"
	shift 2
done
cd "$releases"
if [ "$dir" != "$id" ]; then
	chown -R root:root "$dir"
	rm -rf "$id"
	mv -T "$dir" "$id"
fi
echo verified=yes
echo "received=$received"
