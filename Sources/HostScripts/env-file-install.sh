#!/bin/sh
# env-file-install: puts the checked upload INCOMING in place as the env file FILE, owned
# root:USER with mode 0640, in one rename.
# Arguments: INCOMING FILE USER
# Prints: nothing
# Exit: 0 in place; >0 the owner, mode or rename failed (FILE is unchanged).
set -eu
incoming=$1
file=$2
user=$3
chown root:"$user" "$incoming"
chmod 0640 "$incoming"
mv -f "$incoming" "$file"
