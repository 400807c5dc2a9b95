# lib.sh - what the script tests share: strict mode, a temp dir, servers
# that are always stopped, and raw calls with nngcat and protoc.
#
# Source it first thing: . "$(dirname "$0")/lib.sh". It needs
# HUES_SOURCE_DIR and HUES_SERVER_BIN (hues_script_test sets them, with
# HUES_BUILD_DIR). Nothing here waits on a timer for a test to pass: loops
# wait for a log line and have a bound only so that a broken server fails
# the test instead of hanging it.

set -euo pipefail

: "${HUES_SOURCE_DIR:?HUES_SOURCE_DIR must name the source tree}"
: "${HUES_SERVER_BIN:?HUES_SERVER_BIN must name hues-server}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hues-script.XXXXXX")
server_pids=()
failures=0

# Stops every server still running (kill, then wait), then removes $tmp.
cleanup() {
	local pid
	for pid in "${server_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${server_pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# fail MESSAGE: ends the test now.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# check_failed MESSAGE: records a failure and goes on, so that one broken
# rule does not hide the others; finish reports them.
check_failed() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

ok() {
	echo "ok: $*"
}

# finish: the exit status of a test that uses check_failed.
finish() {
	if [ "$failures" -gt 0 ]; then
		echo "$failures check(s) failed" >&2
		exit 1
	fi
	echo "all checks passed"
}

# wait_for_line FILE PATTERN [PID] [COUNT]: waits (up to 20 s, in 0.05 s
# steps) until FILE holds COUNT (default 1) lines matching the fixed string
# PATTERN. Fails early when PID is given and that process has exited.
wait_for_line() {
	local file=$1 pattern=$2 pid=${3:-} count=${4:-1} i n
	for ((i = 0; i < 400; i++)); do
		n=$(grep -cF -- "$pattern" "$file" 2>/dev/null || true)
		if [ "${n:-0}" -ge "$count" ]; then
			return 0
		fi
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			echo "--- $file" >&2
			cat "$file" >&2 || true
			fail "process $pid exited before '$pattern' appeared"
		fi
		sleep 0.05
	done
	echo "--- $file" >&2
	cat "$file" >&2 || true
	fail "no '$pattern' in $file after 20 s"
}

# start_server NAME [FLAGS...]: starts hues-server with a fresh data dir
# ($tmp/NAME-data, unless FLAGS name another) and its log (stderr) in
# $tmp/NAME.log, and waits for its " ready: " line. Sets SERVER_PID,
# SERVER_LOG and SERVER_URL (the first URL it listens on, with the port
# the kernel chose for tcp://...:0).
start_server() {
	local name=$1
	shift
	SERVER_LOG="$tmp/$name.log"
	"$HUES_SERVER_BIN" --data-dir "$tmp/$name-data" "$@" \
	    2>"$SERVER_LOG" </dev/null &
	SERVER_PID=$!
	server_pids+=("$SERVER_PID")
	wait_for_line "$SERVER_LOG" " ready: " "$SERVER_PID"
	SERVER_URL=$(sed -n 's/.* listening on \(.*\)$/\1/p' "$SERVER_LOG" |
	    sed -n 1p)
	[ -n "$SERVER_URL" ] || fail "no 'listening on' line in $SERVER_LOG"
}

# stop_server PID: SIGTERM, then waits; returns the server's exit status.
# The pid leaves the list cleanup kills, so that it is never signalled again
# once reaped.
stop_server() {
	local pid=$1 rv=0 p rest=()
	kill "$pid" 2>/dev/null || true
	wait "$pid" || rv=$?
	for p in "${server_pids[@]}"; do
		[ "$p" = "$pid" ] || rest+=("$p")
	done
	server_pids=("${rest[@]}")
	return "$rv"
}

# ----- raw calls ----------------------------------------------------------

proto_dir="$HUES_SOURCE_DIR/proto"

# encode TYPE FILE: protobuf text on stdin -> binary on stdout, with TYPE
# a message of hues/v1/FILE (e.g. encode hues.v1.Request rpc.proto).
encode() {
	protoc -I"$proto_dir" --encode="$1" "hues/v1/$2"
}

# decode TYPE FILE: binary on stdin -> protobuf text on stdout.
decode() {
	protoc -I"$proto_dir" --decode="$1" "hues/v1/$2"
}

# escape_bytes: binary on stdin -> the same bytes as \NNN octal escapes,
# ready to go between the quotes of a text-format bytes field.
escape_bytes() {
	# shellcheck disable=SC1003 # '\\' is tr's backslash
	od -An -v -to1 | tr ' ' '\\' | tr -d '\n'
}

# unescape_field NAME: reads protobuf text on stdin and writes the bytes of
# the top-level string/bytes field NAME. protoc escapes bytes as \NNN
# (always three octal digits), \n, \r, \t, \", \' and \\, all of which
# bash's printf reads in its format string; '%' is the only character
# printf would misread, so it is doubled.
unescape_field() {
	local s
	s=$(sed -n "s/^$1: \"\\(.*\\)\"\$/\\1/p")
	s=${s//%/%%}
	# shellcheck disable=SC2059 # the format is the escaped text itself
	printf -- "$s"
}

# raw_call URL IN OUT: sends the message in file IN and writes the reply to
# file OUT (REQ/REP: one message each way). Returns nngcat's status: non-
# zero when no reply came within 20 s or the URL could not be dialled.
raw_call() {
	nngcat --req --connect "$1" --recv-timeout 20 --file "$2" --raw \
	    >"$3" 2>"$3.err"
}

# call URL: a hues.v1.Request in text format on stdin; prints the decoded
# hues.v1.Reply. Fails the test when no reply arrives.
call_n=0
call() {
	local url=$1
	call_n=$((call_n + 1))
	local req="$tmp/call-$call_n.req" rep="$tmp/call-$call_n.rep"
	encode hues.v1.Request rpc.proto >"$req"
	raw_call "$url" "$req" "$rep" ||
	    fail "no reply from $url: $(cat "$rep.err")"
	decode hues.v1.Reply rpc.proto <"$rep"
}

# ----- the installed SDK ------------------------------------------------------

# install_sdk: installs the build tree into $tmp/prefix (once) and sets
# PREFIX and SDK_LIBDIR (the directory holding libhues.so and hues.pc's
# pkgconfig/ directory).
install_sdk() {
	: "${HUES_BUILD_DIR:?HUES_BUILD_DIR must name the build tree}"
	PREFIX="$tmp/prefix"
	if [ ! -d "$PREFIX" ]; then
		cmake --install "$HUES_BUILD_DIR" --prefix "$PREFIX" \
		    >"$tmp/install.log" 2>&1 || {
			cat "$tmp/install.log" >&2
			fail "cmake --install failed"
		}
	fi
	local so
	so=$(find "$PREFIX" -name 'libhues.so' -print -quit)
	[ -n "$so" ] || fail "no libhues.so under $PREFIX"
	SDK_LIBDIR=$(dirname "$so")
}

# build_gateway OUT: compiles client-sdk/examples/gateway.c against the
# installed SDK with plain cc and explicit paths (warnings are errors).
build_gateway() {
	install_sdk
	# shellcheck disable=SC2086 # the flags are words
	cc -std=c11 -Wall -Wextra -Werror ${HUES_SANITIZE_FLAGS:-} \
	    -I"$PREFIX/include" \
	    "$HUES_SOURCE_DIR/client-sdk/examples/gateway.c" -o "$1" \
	    -L"$SDK_LIBDIR" -Wl,-rpath,"$SDK_LIBDIR" -lhues -lprotobuf-c \
	    -lpthread || fail "cannot build the gateway example"
}
