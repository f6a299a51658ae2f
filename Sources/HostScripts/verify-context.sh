#!/bin/sh
# verify-context: what verify needs to know of a host before it checks it: the release the link
# CURRENT points at, and the values of ENV_FILE's *TOKEN*, *PASSWORD* and *SECRET* variables, which
# verify hides wherever they would appear in its report.
# Arguments: CURRENT ENV_FILE
# Prints: the release id on the first line (empty when CURRENT is no link), then one secret value a line
# Exit: 0 read; >0 ENV_FILE could not be read.
set -eu
c=$(readlink "$1" 2>/dev/null || true)
echo "${c##*/}"
sed -n 's/^[A-Z_]*\(TOKEN\|PASSWORD\|SECRET\)[A-Z_]*=//p' "$2" 2>/dev/null
