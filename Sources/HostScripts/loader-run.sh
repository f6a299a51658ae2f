#!/bin/sh
# loader-run: starts one run of the loader's service and waits for it (a oneshot start returns when
# the run has ended), then says how it ended as systemd recorded it.
# Arguments: UNIT
# Prints: Result=<systemd's result> and ExecMainStatus=<exit status> (systemctl show)
# Exit: 0 when systemctl show answered (the run's own outcome is in Result), else systemctl's status.
set -eu
unit=$1
systemctl start "$unit" >/dev/null 2>&1 || true
systemctl show -p Result -p ExecMainStatus "$unit"
