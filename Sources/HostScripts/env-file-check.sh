#!/bin/sh
# env-file-check: the facts to judge the env file FILE by: its owner, group and mode, the other
# members of its group, the variables it sets (names only), and the verdict of the release's loader
# BINARY (`BINARY check-config --env-file FILE`, which names problems by variable, never by value),
# run as the app user FILE is shared with (its group), never as root.
# Arguments: FILE BINARY
# Prints: missing=yes (and nothing else) when FILE does not exist; else ownership=<owner group mode>,
#   group_members=<comma-separated>, variable=<name> for each, then nobinary=yes when BINARY is not
#   executable, or check=<line> for each line the loader printed
# Exit: 0 read (the loader's verdict is in the check= lines); >0 FILE could not be read.
set -eu
file=$1
binary=$2
if [ ! -f "$file" ]; then
	echo missing=yes
	exit 0
fi
echo "ownership=$(stat -c '%U %G %a' "$file")"
echo "group_members=$(getent group "$(stat -c %G "$file")" | cut -d: -f4)"
sed -n 's/^[[:space:]]*\(export[[:space:]]\{1,\}\)\{0,1\}\([A-Za-z_][A-Za-z0-9_]*\)=.*/variable=\2/p' "$file"
if [ ! -x "$binary" ]; then
	echo "nobinary=yes"
	exit 0
fi
user=$(stat -c %G "$file")
if [ "$user" = root ] || ! id -u "$user" >/dev/null 2>&1; then
	echo "check=problem: $file belongs to group $user, not to the app user, so the loader cannot be run to check it"
	exit 0
fi
runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin "$binary" check-config --env-file "$file" 2>&1 |
	sed 's/^/check=/' || true
