#!/usr/bin/env bash
# `make install PREFIX=…`: the static deployctl (no Swift toolchain needed to run it), its man pages
# and its shell completions, generated from the command definitions by argument-parser.
#
#   PREFIX/bin/deployctl
#   PREFIX/share/man/man1/deployctl*.1
#   PREFIX/share/bash-completion/completions/deployctl
#   PREFIX/share/zsh/site-functions/_deployctl
#   PREFIX/share/fish/vendor_completions.d/deployctl.fish
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:?usage: scripts/install.sh PREFIX}
swift=${SWIFT:-swift}

# The revision goes into the binary through BuildRevision.swift, rewritten for this build only.
revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- 2>/dev/null || revision+=+dirty
source_file=Sources/deployctl/Support/BuildRevision.swift
saved=$(mktemp)
cp "$source_file" "$saved"
trap 'cp "$saved" "$source_file"; rm -f "$saved"' EXIT
sed -i "s|static let revision: String? = nil|static let revision: String? = \"$revision\"|" "$source_file"

libs=()
for lib in Foundation FoundationEssentials FoundationInternationalization CoreFoundation _FoundationICU _FoundationCShims _FoundationCollections; do
    libs+=(-Xlinker "-l$lib")
done
static=("$swift" build --force-resolved-versions -c release --scratch-path .build-static --static-swift-stdlib -Xlinker --start-group "${libs[@]}" -Xlinker --end-group)
"${static[@]}" --product deployctl
binary=$("${static[@]}" --show-bin-path)/deployctl
"$swift" build --force-resolved-versions -c release --product generate-manual
manual=$("$swift" build --force-resolved-versions -c release --show-bin-path)/generate-manual

install -d "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
    "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
strip -o "$prefix/bin/deployctl" "$binary"
chmod 755 "$prefix/bin/deployctl"
"$manual" "$prefix/bin/deployctl" --multi-page --output-directory "$prefix/share/man/man1" --authors "the deployctl developers"
"$prefix/bin/deployctl" --generate-completion-script bash >"$prefix/share/bash-completion/completions/deployctl"
"$prefix/bin/deployctl" --generate-completion-script zsh >"$prefix/share/zsh/site-functions/_deployctl"
"$prefix/bin/deployctl" --generate-completion-script fish >"$prefix/share/fish/vendor_completions.d/deployctl.fish"
echo "installed $("$prefix/bin/deployctl" --version) into $prefix ($(ls "$prefix/share/man/man1" | wc -l) man pages, bash/zsh/fish completions)"
