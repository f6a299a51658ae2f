#!/bin/sh
# release-command: runs one subcommand of the release's binary BINARY as the app user the env file
# ENV_FILE is shared with (its group: secrets push makes it root:USER 0640), in an empty environment,
# the binary reading ENV_FILE itself (`--env-file`, parsed as systemd's EnvironmentFile= reads it):
# the env file is never run as shell, and nothing of it runs as root (`healthcheck` after a switch
# and in verify, `check-api` in verify).
# Arguments: ENV_FILE BINARY SUBCOMMAND [ARGUMENT…]
# Prints: what the binary prints; refused=<why> when ENV_FILE is not shared with an app user
# Exit: the binary's status; 65 ENV_FILE's group is root or names no user; >0 ENV_FILE cannot be read.
set -eu
env_file=$1
binary=$2
shift 2
user=$(stat -c %G "$env_file")
if [ "$user" = root ] || ! id -u "$user" >/dev/null 2>&1; then
	echo "refused=$env_file belongs to group $user, not to the app user (secrets push makes it root:USER 0640)"
	exit 65
fi
exec runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin "$binary" "$@" --env-file "$env_file"
