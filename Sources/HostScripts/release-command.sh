#!/bin/sh
# release-command: runs one subcommand of the release's binary BINARY with the variables of the
# pipeline's env file ENV_FILE exported, as its units run it (`healthcheck` after a switch and in
# verify, `check-api` in verify).
# Arguments: ENV_FILE BINARY [ARGUMENT…]
# Prints: what the binary prints
# Exit: the binary's status; >0 ENV_FILE could not be read.
set -eu
env_file=$1
shift
set -a
# shellcheck disable=SC1090 # the env file is the host's own
. "$env_file"
set +a
exec "$@"
