#!/usr/bin/env bash
# build.sh DIR [cmake options...] - configures (once) and builds hues in DIR
# with every core. Used by run.sh, test.sh and bench/run.sh.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
shift
if [ ! -f "$dir/CMakeCache.txt" ]; then
	cmake -S "$top" -B "$dir" "$@"
else
	cmake "$dir" "$@" >/dev/null
fi
cmake --build "$dir" -j"$(nproc)"
