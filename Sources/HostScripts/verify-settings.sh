#!/bin/sh
# verify-settings: the settings of the env file ENV_FILE that verify judges a host by, none of them
# secret: the loader's JOB_NAME and the healthcheck's HEALTHCHECK_*_MINUTES thresholds, as written
# (verify strips the quotes; the last assignment of a key wins, as in systemd's EnvironmentFile=).
# Arguments: ENV_FILE
# Prints: KEY=VALUE for each such assignment, in file order
# Exit: 0 read; 66 ENV_FILE cannot be read.
set -eu
if [ ! -r "$1" ]; then
	echo "verify-settings: cannot read $1" >&2
	exit 66
fi
grep -E '^[[:space:]]*(export[[:space:]]+)?(JOB_NAME|HEALTHCHECK_[A-Z_]+_MINUTES)[[:space:]]*=' "$1" |
	sed -E 's/^[[:space:]]*(export[[:space:]]+)?//; s/[[:space:]]*=[[:space:]]*/=/' || true
