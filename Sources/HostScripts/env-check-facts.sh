#!/bin/sh
# env-check-facts: the facts `env check` judges a host by: its OS, kernel, systemd and the system's
# state, the free space where ROOT is or would be made, whether ROOT exists, each UNIT's state, and
# on the ClickHouse host its service: the systemd unit or docker container NAME, as RUNTIME says.
# Arguments: ROOT RUNTIME NAME [UNIT…] (RUNTIME: none (not the ClickHouse host), systemd or docker)
# Prints: os=, kernel=, systemd=<systemctl --version's first line>, state=, disk_path=<nearest
#   existing folder of ROOT>, disk=<KiB free>, root_exists=yes|no, unit:<UNIT>=<load active file
#   states>; with systemd or docker: clickhouse_service=<state>
# Exit: 0 read.
set -eu
root=$1
runtime=$2
name=$3
shift 3
if [ -r /etc/os-release ]; then
	# shellcheck source=/dev/null
	. /etc/os-release
fi
echo "os=${PRETTY_NAME:-unknown}"
echo "kernel=$(uname -r)"
echo "systemd=$(systemctl --version 2>/dev/null | head -n1)"
echo "state=$(systemctl is-system-running 2>/dev/null)"
d=$root
while [ ! -e "$d" ]; do d=$(dirname "$d"); done
echo "disk_path=$d"
echo "disk=$(df -Pk "$d" | awk 'NR==2 {print $4}')"
if [ -d "$root" ]; then echo root_exists=yes; else echo root_exists=no; fi
for unit in "$@"; do
	echo "unit:$unit=$(systemctl show -p LoadState -p ActiveState -p UnitFileState --value "$unit" 2>/dev/null | tr '\n' ' ')"
done
case $runtime in
systemd) echo "clickhouse_service=$(systemctl is-active "$name" 2>/dev/null)" ;;
docker)
	echo "clickhouse_service=$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$name" 2>&1 | head -n1)"
	;;
esac
