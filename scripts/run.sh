#!/usr/bin/env bash
# run.sh [server flags...] - the quick start: installs what is missing,
# builds a release build in build/, and starts hues-server in the
# foreground on its embedded default (tcp://127.0.0.1:7483, data in
# ./hues-data). Extra flags go to the server (see hues-server --help).
# Ctrl-C stops it gracefully.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/setup.sh"
bash "$top/scripts/build.sh" "$top/build" -DCMAKE_BUILD_TYPE=Release \
	-DHUES_BUILD_TESTS=OFF
cd "$top"
exec "$top/build/server/hues-server" "$@"
