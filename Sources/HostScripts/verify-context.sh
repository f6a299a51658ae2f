#!/bin/sh
# verify-context: what verify needs to know of a host before it checks it: the release the link
# CURRENT points at, and ENV_FILE itself, whose secret values verify hides wherever they would
# appear in its report (parsed on the workstation as the loader and systemd read the file).
# Arguments: CURRENT ENV_FILE
# Prints: release=<the release id> (nothing when CURRENT is no link), env=<ENV_FILE in base64, one line>
# Exit: 0 read; >0 ENV_FILE could not be read.
set -eu
c=$(readlink "$1" 2>/dev/null || true)
[ -z "$c" ] || echo "release=${c##*/}"
env=$(base64 -w 0 "$2")
echo "env=$env"
