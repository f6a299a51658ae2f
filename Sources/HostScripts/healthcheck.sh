#!/bin/sh
# healthcheck: runs the current release's `qtickets-api healthcheck` with the pipeline's env file,
# as the post-deploy check does.
# Arguments: ENV_FILE BINARY
# Prints: the healthcheck's verdict
# Exit: the healthcheck's status (0 healthy).
set -eu
env_file=$1
binary=$2
set -a
# shellcheck disable=SC1090 # the env file is the host's own
. "$env_file"
set +a
exec "$binary" healthcheck
