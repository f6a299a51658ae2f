#!/bin/sh
# stat-file: describes a path as the SFTP stat would, following a symlink.
# Arguments: PATH
# Prints: one line "<size> <octal mode> <type words> <uid> <gid> <mtime>", nothing when PATH is absent
# Exit: 0 (present or absent); >0 stat failed on a path that exists.
set -eu
path=$1
if [ -e "$path" ]; then
	stat -L -c '%s %a %F %u %g %Y' "$path"
fi
