#!/bin/sh
# host-setup: prepares a host for deploys, changing only what differs: the system user USER (no
# login shell), the folders ROOT, RELEASES, SHARED (755 root:root), ENV_DIR (750 root:USER) and
# UNITS_DIR (755 root:root), the allowed-signers file SIGNERS holding exactly SIGNERS_TEXT (one
# trusted key a line), no unfinished upload left in RELEASES; then names the tools it lacks.
# Arguments: USER ROOT RELEASES SHARED ENV_DIR UNITS_DIR SIGNERS SIGNERS_TEXT
# Prints: changed=<what it changed> for each change; missing=<tool (package)> for each tool not found
# Exit: 0 set up (missing tools are printed, not an exit status); >0 a step could not be done.
set -eu
user=$1
root=$2
releases=$3
shared=$4
env_dir=$5
units_dir=$6
signers=$7
signers_text=$8
if ! id -u "$user" >/dev/null 2>&1; then
	useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin "$user"
	echo "changed=created the system user $user (no login shell)"
fi
# folder PATH MODE GROUP: makes PATH, or sets its mode and owner root:GROUP when they differ.
folder() {
	if [ ! -d "$1" ]; then
		install -d -m "$2" -o root -g "$3" "$1"
		echo "changed=created $1 ($2 root:$3)"
	elif [ "$(stat -c '%a %U %G' "$1")" != "$2 root $3" ]; then
		was=$(stat -c '%a %U:%G' "$1")
		chmod "$2" "$1"
		chown root:"$3" "$1"
		echo "changed=$1: $was -> $2 root:$3"
	fi
}
folder "$root" 755 root
folder "$releases" 755 root
folder "$shared" 755 root
folder "$env_dir" 750 "$user"
folder "$units_dir" 755 root
printf '%s' "$signers_text" >"$signers.tmp"
if cmp -s "$signers.tmp" "$signers"; then
	rm -f "$signers.tmp"
else
	keys=$(wc -l <"$signers.tmp")
	chmod 644 "$signers.tmp"
	mv "$signers.tmp" "$signers"
	echo "changed=trusted $keys release key(s) in $signers"
fi
for stale in "$releases"/.incoming-* "$releases"/..incoming-*.deployctl-*.tmp; do
	if [ -e "$stale" ]; then
		rm -rf "$stale"
		echo "changed=removed the unfinished upload $stale"
	fi
done
command -v ssh-keygen >/dev/null || echo 'missing=ssh-keygen (package openssh-client): the host checks release signatures with it'
command -v sha256sum >/dev/null || echo 'missing=sha256sum (package coreutils)'
command -v flock >/dev/null || echo 'missing=flock (package util-linux)'
command -v systemd-analyze >/dev/null || echo 'missing=systemd-analyze (package systemd)'
