#!/usr/bin/env bash
# tests/layers.sh [ROOT]: the tree's layers hold. Every file of src/ and
# include/cmon/ sits in a layer folder, includes go one way (down), and the
# pure layers (the core library) include neither curses nor curl. Prints
# each offending file:line and exits 1; run by the suite as "layers".
#
# The layers, lowest first, and what each may include:
#   base     containers and parsers        base
#   profile  profile engine and reports    base profile
#   viewer   the profile viewer's model    base profile viewer
#   monitor  the monitor's model           base monitor
#   net      curl and ssh                  the pure layers, net
#   ui       the curses screen             the pure layers, ui
#   app      command lines and loops       everything
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2

pure="base profile viewer monitor"
declare -A allowed=(
	[base]="base"
	[profile]="base profile"
	[viewer]="base profile viewer"
	[monitor]="base monitor"
	[net]="$pure net"
	[ui]="$pure ui"
	[app]="$pure net ui app"
)
bad=0
complain() { # FILE:LINE: MESSAGE
	echo "$1" >&2
	bad=$((bad + 1))
}

# to= the layer a quoted include names, for a file in layer $1 and folder
# $2; empty when the name is not one of ours. (No subshells: the check
# reads every include of the tree and should stay quick on a loaded host.)
header_layer() {
	local from=$1 dir=$2 name=$3
	to=
	case $name in
	cmon/*/*) to=${name#cmon/}; to=${to%%/*} ;;
	ui/*) to=ui ;;
	profile.pb-c.h) to=profile ;; # protoc-c's output of proto/profile.proto
	cmon_config.h) to=app ;;      # the build's configuration
	*/*) ;;
	*) [ -f "$dir/$name" ] && to=$from ;; # a header beside the file: its own layer
	esac
}

# layer= the layer of file $1, or empty when it sits in none.
file_layer() {
	case $1 in
	src/*/*) layer=${1#src/} ;;
	include/cmon/*/*) layer=${1#include/cmon/} ;;
	*) layer= ;;
	esac
	layer=${layer%%/*}
	[ -n "$layer" ] && [ -z "${allowed[$layer]+x}" ] && layer=
}

mapfile -t files < <(find src include -type f \( -name '*.c' -o -name '*.h' \) | sort)
for f in "${files[@]}"; do
	file_layer "$f"
	[ -n "$layer" ] ||
		complain "$f:1: not in a layer folder (src/LAYER/ or include/cmon/LAYER/, LAYER one of: ${!allowed[*]})"
done

# Every #include line of the tree, as FILE:LINE:TEXT, in one grep.
while IFS=: read -r f n line; do
	file_layer "$f"
	[ -n "$layer" ] || continue
	if [[ " $pure " == *" $layer "* ]]; then is_pure=1; else is_pure=0; fi
	if [[ $line =~ \#[[:space:]]*include[[:space:]]*\<([^\>]*)\> ]]; then
		name=${BASH_REMATCH[1]}
		if [ "$is_pure" = 1 ]; then
			case $name in
			curses.h | ncurses*.h | ncursesw/* | term.h | panel.h | menu.h | form.h)
				complain "$f:$n: $layer is pure and may not include curses: <$name>" ;;
			curl/*)
				complain "$f:$n: $layer is pure and may not include curl: <$name>" ;;
			esac
		fi
	elif [[ $line =~ \#[[:space:]]*include[[:space:]]*\"([^\"]*)\" ]]; then
		name=${BASH_REMATCH[1]}
		header_layer "$layer" "${f%/*}" "$name"
		if [ -z "$to" ]; then
			complain "$f:$n: \"$name\" is none of the layers' headers (use \"cmon/LAYER/NAME.h\")"
		elif [[ " ${allowed[$layer]} " != *" $to "* ]]; then
			complain "$f:$n: $layer may not include $to: \"$name\" (allowed: ${allowed[$layer]})"
		fi
	else
		complain "$f:$n: an #include this check cannot read: $line"
	fi
done < <(grep -Hn '^[[:space:]]*#[[:space:]]*include' "${files[@]}")

# Inside a layer, files whose calls go one way too: each group of files
# may call functions defined in a later group, never in its own group or an
# earlier one. (Defined: a function that starts at column 0 and is not
# static; called: NAME followed by "(".)
#   the viewer: the model, its navigation, the levels, their helpers
order_viewer="viewer | viewer_nav | viewer_top viewer_source viewer_peek viewer_labels viewer_flame viewer_tree viewer_mycode | viewer_common"
check_order() { # DIR "A | B C | D"
	local dir=$1 order=$2 rank=0 g f
	local -a args=()
	for g in $order; do
		if [ "$g" = "|" ]; then rank=$((rank + 1)); continue; fi
		[ -f "$dir/$g.c" ] || { complain "$dir/$g.c:1: named in tests/layers.sh's order but missing"; continue; }
		args+=("$dir/$g.c=$rank")
	done
	for f in "$dir"/*.c; do
		[[ " ${args[*]} " == *" $f="* ]] ||
			complain "$f:1: not placed in tests/layers.sh's call order for $dir"
	done
	local out
	out=$(awk '
		BEGIN {
			for (i = 1; i < ARGC; i++) {
				split(ARGV[i], kv, "="); ARGV[i] = kv[1]; rank[kv[1]] = kv[2]
				ARGV[ARGC - 1 + i] = kv[1]
			}
			n = ARGC - 1; ARGC = 2 * n + 1
		}
		FNR == 1 { seen[FILENAME]++ }
		seen[FILENAME] == 1 {
			if ($0 ~ /^[a-z]/ && $0 !~ /^static/ && $0 !~ /;[ \t]*$/ &&
			    match($0, /[A-Za-z_][A-Za-z0-9_]*\(/)) {
				name = substr($0, RSTART, RLENGTH - 1)
				if (name != "sizeof") def[name] = FILENAME
			}
			next
		}
		{
			line = $0
			while (match(line, /[A-Za-z_][A-Za-z0-9_]*\(/)) {
				name = substr(line, RSTART, RLENGTH - 1)
				line = substr(line, RSTART + RLENGTH)
				d = def[name]
				if (d != "" && d != FILENAME && rank[d] <= rank[FILENAME])
					printf "%s:%d: calls %s() of %s, which is not below it in the order\n",
					       FILENAME, FNR, name, d
			}
		}' "${args[@]}")
	if [ -n "$out" ]; then
		while IFS= read -r l; do complain "$l"; done <<<"$out"
	fi
}
check_order src/viewer "$order_viewer"

# The core library (what the unit tests link, without curses or curl) is
# built from the pure layers only.
while IFS=: read -r n line; do
	for s in $(grep -o "'src/[^']*'" <<<"$line" | tr -d "'"); do
		l=${s#src/}; l=${l%%/*}
		[[ " $pure " == *" $l "* ]] ||
			complain "meson.build:$n: core_sources lists $s, which is not in a pure layer ($pure)"
	done
done < <(awk '/^core_sources *= *files\(/ {on = 1} on {print NR ":" $0} on && /\)/ {exit}' meson.build)

if [ "$bad" -gt 0 ]; then
	echo "layers: $bad problem(s)" >&2
	exit 1
fi
echo "layers: ${#files[@]} files, includes go one way, the pure layers are free of curses and curl"
