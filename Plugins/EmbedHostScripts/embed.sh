#!/bin/sh
# embed.sh: writes a Swift file that defines one `HostScriptSource` per script, its text as a raw
# string literal, and `HostScriptSource.all`.
# Arguments: OUTPUT SCRIPT...
# Exit: 0 written; 1 a script holds the raw literal's delimiter or escape (`"""##`, `\##`).
set -eu
output=$1
shift
tmp=$output.tmp.$$
trap 'rm -f "$tmp"' EXIT
{
	echo '// Generated at build time by Plugins/EmbedHostScripts from the target'"'"'s *.sh files. Do not edit.'
	echo
	echo 'extension HostScriptSource {'
	names=
	for script in "$@"; do
		if grep -q -e '"""##' -e '\\##' "$script"; then
			echo "embed.sh: $script holds \"\"\"## or \\##, which would end or escape its Swift literal" >&2
			exit 1
		fi
		file=${script##*/}
		name=${file%.sh}
		swift=$(printf '%s\n' "$name" | awk -F- '{ out = $1; for (i = 2; i <= NF; i++) out = out toupper(substr($i, 1, 1)) substr($i, 2); print out }')
		names="$names .$swift,"
		echo "    /// \`$file\`."
		echo "    public static let $swift = HostScriptSource("
		echo "        name: \"$name\","
		echo '        text: ##"""'
		cat "$script"
		echo '"""##'
		echo '    )'
	done
	echo
	echo '    /// Every embedded script, in file name order.'
	echo "    public static let all: [HostScriptSource] = [${names%,} ]"
	echo '}'
} >"$tmp"
mv -f "$tmp" "$output"
