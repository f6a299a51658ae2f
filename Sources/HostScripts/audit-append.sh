#!/bin/sh
# audit-append: appends ENTRY (a JSON object) to the audit log LOG as one line that starts with its
# sequence number and the SHA-256 of the line before it (GENESIS for the first), under a flock on
# LOG.flock so concurrent appends chain one after another; LOG is mode 0640.
# Arguments: LOG GENESIS ENTRY
# Prints: line=<the line written>
# Exit: 0 appended; >0 the lock was not had within 10 s or the log could not be written.
set -eu
log=$1
genesis=$2
entry=$3
mkdir -p "${log%/*}"
exec 9>>"$log.flock"
flock -w 10 9
touch "$log"
chmod 0640 "$log"
seq=$(($(wc -l <"$log") + 1))
if [ "$seq" -gt 1 ]; then
	prev=$(tail -n 1 "$log" | sha256sum | cut -c1-64)
else
	prev=$genesis
fi
line=$(printf '{"seq":%s,"prev":"%s",%s' "$seq" "$prev" "${entry#\{}")
printf '%s\n' "$line" >>"$log"
printf 'line=%s\n' "$line"
