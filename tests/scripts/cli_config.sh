#!/usr/bin/env bash
# cli_config.sh - the command-line contract of hues-server: --help and
# --version; every bad configuration ends with exactly one line on stderr,
# "hues-server: ...", and a non-zero status; flags override the
# environment, which overrides the config file; and with no configuration
# at all the server listens on tcp://127.0.0.1:7483 with ./hues-data
# (skipped when that port is taken: ctest runs this test under
# RESOURCE_LOCK port7483).
. "$(dirname "$0")/lib.sh"

server=$HUES_SERVER_BIN

# HUES_<OPTION> variables of the caller would change what is tested here.
for v in $("$server" --help | sed -n 's/^  --\([a-z-]*\) .*/\1/p' |
    tr 'a-z-' 'A-Z_'); do
	unset "HUES_$v"
done

# ----- --help and --version ----------------------------------------------

rv=0
"$server" --help >"$tmp/help.txt" 2>"$tmp/help.err" || rv=$?
if [ "$rv" -ne 0 ] || [ -s "$tmp/help.err" ]; then
	check_failed "--help: status $rv, stderr: $(cat "$tmp/help.err")"
elif ! grep -q '^usage: hues-server' "$tmp/help.txt"; then
	check_failed "--help prints no usage line"
else
	for flag in --config --listen --data-dir --workers --log-level \
	    --tls-cert --tls-key --max-request-bytes --version; do
		grep -qe "^  $flag " "$tmp/help.txt" ||
		    check_failed "--help does not list $flag"
	done
	ok "--help"
fi

rv=0
"$server" --version >"$tmp/version.txt" 2>"$tmp/version.err" || rv=$?
if [ "$rv" -ne 0 ] || [ -s "$tmp/version.err" ] ||
    ! grep -qxE 'hues-server [0-9]+\.[0-9]+\.[0-9]+' "$tmp/version.txt"; then
	check_failed "--version: status $rv, output: $(cat "$tmp/version.txt" "$tmp/version.err")"
else
	ok "--version: $(cat "$tmp/version.txt")"
fi

# ----- bad configurations --------------------------------------------------

# expect_error WHAT REGEX COMMAND...: COMMAND (a hues-server run, in $tmp)
# must exit non-zero with exactly one stderr line, starting "hues-server: "
# and matching the extended REGEX. The bound only turns a server that
# wrongly accepted the configuration (and serves) into a failure.
n_err=0
expect_error() {
	local what=$1 pattern=$2 rv=0
	shift 2
	n_err=$((n_err + 1))
	local out="$tmp/err-$n_err.out" err="$tmp/err-$n_err.err"
	(cd "$tmp" && timeout 30 "$@") >"$out" 2>"$err" </dev/null || rv=$?
	local lines
	lines=$(wc -l <"$err")
	if [ "$rv" -eq 0 ]; then
		check_failed "$what: exit status 0"
	elif [ "$rv" -eq 124 ]; then
		check_failed "$what: accepted (still running after 30 s)"
	elif [ "$lines" -ne 1 ]; then
		check_failed "$what: $lines lines on stderr, not 1:
$(cat "$err")"
	elif ! grep -q '^hues-server: ' "$err"; then
		check_failed "$what: the line does not start 'hues-server: ': $(cat "$err")"
	elif ! grep -qE -- "$pattern" "$err"; then
		check_failed "$what: '$(cat "$err")' does not match /$pattern/"
	else
		ok "$what (status $rv): $(cat "$err")"
	fi
}

# Port in use: a second server on the port of the first.
start_server first --listen tcp://127.0.0.1:0
port=${SERVER_URL##*:}
expect_error "port in use" \
    "cannot listen on tcp://127\\.0\\.0\\.1:$port: .*[Aa]ddress in use" \
    "$server" --listen "tcp://127.0.0.1:$port" --data-dir "$tmp/d-port"
stop_server "$SERVER_PID" || check_failed "the first server did not stop cleanly"

# An unusable data dir. Tests run as root, which permissions do not stop:
# a path under a regular file cannot be a directory for anyone.
touch "$tmp/file"
expect_error "data dir under a regular file" "data dir $tmp/file/data" \
    "$server" --listen "ipc://$tmp/dd.sock" --data-dir "$tmp/file/data"

# TLS: a real certificate, with a key file that is missing, unreadable (a
# directory: reading it fails even for root) or not a key.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -keyout "$tmp/tls.key" -out "$tmp/tls.pem" 2>/dev/null ||
    fail "openssl cannot make a certificate"
mkdir "$tmp/keydir"
expect_error "missing TLS key" "$tmp/missing\\.key" \
    "$server" --listen tls+tcp://127.0.0.1:0 --data-dir "$tmp/d-tls1" \
    --tls-cert "$tmp/tls.pem" --tls-key "$tmp/missing.key"
expect_error "unreadable TLS key" "$tmp/keydir" \
    "$server" --listen tls+tcp://127.0.0.1:0 --data-dir "$tmp/d-tls2" \
    --tls-cert "$tmp/tls.pem" --tls-key "$tmp/keydir"
expect_error "TLS key that is no key" "$tmp/tls\\.pem" \
    "$server" --listen tls+tcp://127.0.0.1:0 --data-dir "$tmp/d-tls3" \
    --tls-cert "$tmp/tls.pem" --tls-key "$tmp/tls.pem"
expect_error "tls+tcp:// without a certificate" "tls_cert" \
    "$server" --listen tls+tcp://127.0.0.1:0 --data-dir "$tmp/d-tls4"

expect_error "bad URL scheme" "foo://x" \
    "$server" --listen foo://x --data-dir "$tmp/d-url"
expect_error "unknown flag" "unknown option '--no-such-flag'" \
    "$server" --no-such-flag
expect_error "flag without its value" "'--listen' needs a value" \
    "$server" --listen
expect_error "positional argument" "unexpected argument 'serve'" \
    "$server" serve
expect_error "bad flag value" "invalid value for --workers: 'many'" \
    "$server" --workers many
expect_error "bad environment value" "invalid value for HUES_WORKERS: 'many'" \
    env HUES_WORKERS=many "$server"

printf '# hues test config\n\nlog_level = info\nbogus_key = 1\n' \
    >"$tmp/unknown.conf"
expect_error "unknown key in a config file" \
    "$tmp/unknown\\.conf line 4: unknown key 'bogus_key'" \
    "$server" --config "$tmp/unknown.conf"
printf 'log_level = info\nworkers = many\n' >"$tmp/badvalue.conf"
expect_error "bad value in a config file" \
    "workers in $tmp/badvalue\\.conf line 2" \
    "$server" --config "$tmp/badvalue.conf"
expect_error "missing config file" "$tmp/none\\.conf" \
    "$server" --config "$tmp/none.conf"

# ----- precedence: flag > environment > config file ------------------------

# count_debug NAME [FLAGS...]: starts a server (with whatever environment
# the caller put before the call), makes one call, stops it, and sets
# DEBUG_COUNT to the number of DEBUG lines it logged. At debug level every
# call logs one before its reply is sent, so the count is final once the
# reply is in. (Not run in $(...): a server started in a subshell would
# escape the cleanup.)
count_debug() {
	local name=$1
	shift
	start_server "$name" --listen "ipc://$tmp/$name.sock" "$@"
	printf 'version: 1\nmethod: "/hues.v1.Health/Check"\n' |
	    call "$SERVER_URL" >/dev/null
	stop_server "$SERVER_PID" || check_failed "$name: unclean stop"
	DEBUG_COUNT=$(grep -c ' DEBUG ' "$SERVER_LOG" || true)
}

# expect_level WHAT LEVEL: checks DEBUG_COUNT against the level expected.
expect_level() {
	local what=$1 want=$2 got=$DEBUG_COUNT
	if { [ "$want" = debug ] && [ "$got" -gt 0 ]; } ||
	    { [ "$want" = info ] && [ "$got" -eq 0 ]; }; then
		ok "precedence: $what -> $want ($got DEBUG lines)"
	else
		check_failed "precedence: $what should log at $want, got $got DEBUG lines"
	fi
}

printf 'log_level = debug\n' >"$tmp/debug.conf"
printf 'log_level = info\n' >"$tmp/info.conf"

count_debug p1 --config "$tmp/debug.conf"
expect_level "file debug" debug
HUES_LOG_LEVEL=info count_debug p2 --config "$tmp/debug.conf"
expect_level "file debug, HUES_LOG_LEVEL=info" info
HUES_LOG_LEVEL=info count_debug p3 --config "$tmp/debug.conf" \
    --log-level debug
expect_level "file debug, HUES_LOG_LEVEL=info, --log-level debug" debug
HUES_LOG_LEVEL=debug count_debug p4 --config "$tmp/info.conf" \
    --log-level info
expect_level "file info, HUES_LOG_LEVEL=debug, --log-level info" info
HUES_CONFIG="$tmp/debug.conf" count_debug p5
expect_level "HUES_CONFIG names a file with debug" debug

# ----- zero configuration ------------------------------------------------

zero="$tmp/zero"
mkdir "$zero"
if (exec 3<>/dev/tcp/127.0.0.1/7483) 2>/dev/null; then
	echo "SKIP: zero configuration (127.0.0.1:7483 is in use)"
else
	log="$tmp/zero.log"
	(cd "$zero" && exec "$server") 2>"$log" </dev/null &
	pid=$!
	server_pids+=("$pid")
	# Ready, or gone (maybe 7483 was taken in the meantime).
	for ((i = 0; i < 400; i++)); do
		if grep -qF ' ready: ' "$log" || ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	if grep -q 'Address in use' "$log"; then
		echo "SKIP: zero configuration (127.0.0.1:7483 was taken meanwhile)"
		wait "$pid" || true
	elif ! grep -qF ' ready: ' "$log"; then
		cat "$log" >&2
		check_failed "zero configuration: the server did not start"
	else
		before=$failures
		grep -qF 'listening on tcp://127.0.0.1:7483' "$log" ||
		    check_failed "zero configuration: not listening on tcp://127.0.0.1:7483"
		reply=$(printf 'version: 1\nmethod: "/hues.v1.Health/Check"\n' |
		    call tcp://127.0.0.1:7483)
		grep -q '^code:' <<<"$reply" &&
		    check_failed "zero configuration: Health/Check failed: $reply"
		[ -f "$zero/hues-data/data.mdb" ] ||
		    check_failed "zero configuration: no ./hues-data/data.mdb"
		rv=0
		stop_server "$pid" || rv=$?
		[ "$rv" -eq 0 ] ||
		    check_failed "zero configuration: exit status $rv after SIGTERM"
		left=$(cd "$zero" && find . -mindepth 1 -maxdepth 1 | sort | tr '\n' ' ')
		[ "$left" = "./hues-data " ] ||
		    check_failed "zero configuration: left $left in its directory"
		[ "$failures" -ne "$before" ] ||
		    ok "zero configuration: tcp://127.0.0.1:7483 and ./hues-data"
	fi
fi

finish
