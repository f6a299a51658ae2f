#!/bin/sh
# pipeline-activate: points the link CURRENT at RELEASE_DIR (a new link under a temporary name,
# then one rename), reloads systemd and starts the TIMERs.
# Arguments: CURRENT RELEASE_DIR [TIMER…]
# Prints: nothing
# Exit: 0 switched and started; >0 the link, the reload or a start failed.
set -eu
current=$1
release=$2
shift 2
ln -sfn "$release" "$current.deployctl-new"
mv -T "$current.deployctl-new" "$current"
systemctl daemon-reload
if [ "$#" -gt 0 ]; then
	systemctl start "$@"
fi
