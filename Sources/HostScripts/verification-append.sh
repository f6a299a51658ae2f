#!/bin/sh
# verification-append: appends the verification record RECORD (one JSON line) to
# SHARED/verifications.jsonl, making SHARED when missing.
# Arguments: SHARED RECORD
# Prints: nothing
# Exit: 0 appended; >0 the file could not be written.
set -eu
mkdir -p "$1"
printf '%s\n' "$2" >>"$1/verifications.jsonl"
