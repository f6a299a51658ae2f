#!/bin/sh
# verify-release: accepts release ID into RELEASES/ID. An upload (RELEASES/.incoming-ID.tar) is
# first checked against its signature (.incoming-ID.tar.sig, by a trusted release key in
# ALLOWED_SIGNERS) before anything is unpacked; its listing must hold only regular files and
# directories, relative, without .. or setuid, setgid or sticky bits; it is unpacked without owners
# or the archive's modes into a scratch folder. Then (for an upload or a folder already there) the
# files must be exactly the PATH arguments plus manifest.json, SHA256SUMS, SHA256SUMS.sig and
# RELEASE, nothing else but directories; SHA256SUMS.sig must be a trusted signature of SHA256SUMS,
# every file must match SHA256SUMS, manifest.json and RELEASE must name ID; each PATH gets its MODE.
# Only then is the scratch folder made root's and renamed to RELEASES/ID.
# Arguments: RELEASES ID ALLOWED_SIGNERS SIGNER_IDENTITY NAMESPACE [PATH MODE]…
# Prints: verified=yes, or refused=<why> (a refused upload is deleted)
# Exit: 0 verified; 65 refused; other non-zero: unpacking or renaming failed.
set -eu
releases=$1
id=$2
signers=$3
identity=$4
namespace=$5
shift 5
umask 022
cd "$releases"
dir=$id
refuse() {
	echo "refused=$1"
	if [ "$dir" != "$id" ]; then
		rm -rf "${releases:?}/$dir"
	fi
	rm -f "${releases:?}/.incoming-$id.tar" "${releases:?}/.incoming-$id.tar.sig"
	exit 65
}
if [ -f ".incoming-$id.tar" ]; then
	dir=.incoming-$id
	[ -f ".incoming-$id.tar.sig" ] || refuse "the upload has no signature"
	if ! out=$(ssh-keygen -Y verify -f "$signers" -I "$identity" -n "$namespace" -s ".incoming-$id.tar.sig" \
		<".incoming-$id.tar" 2>&1); then
		refuse "the upload's tar is not signed by a trusted release key ($out)"
	fi
	bad=$(tar -tvf ".incoming-$id.tar" | awk '$1 !~ /^[-d][-r][-w][-x][-r][-w][-x][-r][-w][-x]$/ { print; exit }')
	[ -z "$bad" ] || refuse "the tar holds something other than a plain file or directory: $bad"
	bad=$(tar -tf ".incoming-$id.tar" | awk '$0 !~ /^\.\// || $0 ~ /(^|\/)\.\.(\/|$)/ { print; exit }')
	[ -z "$bad" ] || refuse "the tar holds a path outside its folder: $bad"
	rm -rf "$dir"
	mkdir "$dir"
	tar -xf ".incoming-$id.tar" -C "$dir" --no-same-owner --no-same-permissions
	rm -f ".incoming-$id.tar" ".incoming-$id.tar.sig"
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
if ! out=$(ssh-keygen -Y verify -f "$signers" -I "$identity" -n "$namespace" -s SHA256SUMS.sig <SHA256SUMS 2>&1); then
	refuse "the signature of SHA256SUMS is not from a trusted release key ($out)"
fi
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
