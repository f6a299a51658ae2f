#!/bin/sh
# free-space: makes the folder a release is uploaded into and says how much room it has.
# Arguments: RELEASES
# Prints: free=<KiB available on the file system that holds RELEASES>
# Exit: 0 read; >0 the folder could not be made or df failed.
set -eu
releases=$1
mkdir -p "$releases"
echo "free=$(df -Pk "$releases" | awk 'NR == 2 { print $4 }')"
