#!/bin/sh
# verify-release: unpacks an uploaded release (RELEASES/.incoming-ID.tar) into a scratch folder, or
# takes RELEASES/ID as it is, and accepts it only when SHA256SUMS.sig is a signature by a trusted
# release key (the host's allowed_signers), every file matches SHA256SUMS, and manifest.json and
# RELEASE name ID. Only then is the scratch folder made root's and renamed to RELEASES/ID.
# Arguments: RELEASES ID ALLOWED_SIGNERS SIGNER_IDENTITY NAMESPACE
# Prints: verified=yes, or refused=<why> (a refused upload is deleted)
# Exit: 0 verified; 65 refused; other non-zero: unpacking or renaming failed.
set -eu
releases=$1
id=$2
signers=$3
identity=$4
namespace=$5
cd "$releases"
if [ -f ".incoming-$id.tar" ]; then
	rm -rf ".incoming-$id"
	mkdir ".incoming-$id"
	tar -xf ".incoming-$id.tar" -C ".incoming-$id" --no-same-owner
	rm -f ".incoming-$id.tar"
	dir=.incoming-$id
else
	dir=$id
fi
refuse() {
	echo "refused=$1"
	[ "$dir" = "$id" ] || rm -rf "${releases:?}/$dir"
	exit 65
}
cd "$dir"
if ! out=$(ssh-keygen -Y verify -f "$signers" -I "$identity" -n "$namespace" -s SHA256SUMS.sig <SHA256SUMS 2>&1); then
	refuse "the signature of SHA256SUMS is not from a trusted release key ($out)"
fi
if ! out=$(sha256sum --quiet -c SHA256SUMS 2>&1); then
	refuse "files differ from the signed SHA256SUMS: $out"
fi
grep -qF "\"id\" : \"$id\"" manifest.json || refuse "manifest.json does not name release $id"
[ "$(cat RELEASE)" = "$id" ] || refuse "RELEASE does not name $id"
cd "$releases"
if [ "$dir" != "$id" ]; then
	chown -R root:root "$dir"
	chmod -R go-w "$dir"
	rm -rf "$id"
	mv -T "$dir" "$id"
fi
echo verified=yes
