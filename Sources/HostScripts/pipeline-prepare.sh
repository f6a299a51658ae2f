#!/bin/sh
# pipeline-prepare: creates the system user USER (no login shell) when missing, and the config
# folder ENV_DIR (mode 0750, group USER).
# Arguments: USER ENV_DIR
# Prints: nothing
# Exit: 0 prepared; >0 the user or the folder could not be made.
set -eu
id -u "$1" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$1"
install -d -m 0750 -g "$1" "$2"
