#!/bin/sh
# release-files: the describing files of the release folder DIRECTORY (manifest.json, systemd/*,
# migrations/*, checks/smoke/*; not the binary), each file's content as one block.
# Arguments: DIRECTORY
# Prints: <<file:<path relative to DIRECTORY> … >>file:<path> for each file
# Exit: 0 listed; >0 DIRECTORY or a file could not be read.
set -eu
cd "$1"
for f in manifest.json systemd/* migrations/* checks/smoke/*; do
	if [ -f "$f" ]; then
		echo "<<file:$f"
		cat "$f"
		echo
		echo ">>file:$f"
	fi
done
