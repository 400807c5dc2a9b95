#!/usr/bin/env bash
# health_tool.sh - hues-health, the Dockerfile's HEALTHCHECK: exit 0 and
# SERVING from a running server, 1 for an unknown service, while the server
# drains, and when no server answers; 2 for bad flags.
. "$(dirname "$0")/lib.sh"
health="$HUES_BUILD_DIR/tools/hues-health"

start_server h --listen "ipc://$tmp/h.sock" --log-level debug --debug-methods
out=$("$health" --url "$SERVER_URL") && rv=0 || rv=$?
if [ "$rv" = 0 ] && [ "$out" = SERVING ]; then
	ok "a running server is SERVING (exit 0)"
else
	check_failed "running server: exit $rv, output '$out'"
fi

out=$("$health" --url "$SERVER_URL" --service no.such.Service) && rv=0 || rv=$?
if [ "$rv" = 1 ] && [ "$out" = SERVICE_UNKNOWN ]; then
	ok "an unknown service is SERVICE_UNKNOWN (exit 1)"
else
	check_failed "unknown service: exit $rv, output '$out'"
fi

"$health" --url "$SERVER_URL" --bogus >/dev/null 2>&1 && rv=0 || rv=$?
[ "$rv" = 2 ] && ok "bad flags exit 2" || check_failed "bad flags: exit $rv"

# While a call holds the server in its grace period, it is not healthy.
sleep_req=$(printf 'hold: true' | encode hues.v1.SleepRequest debug.proto |
	escape_bytes)
printf 'version: 1 method: "/hues.v1.Debug/Sleep" timeout_ms: 30000 payload: "%s"' \
	"$sleep_req" | encode hues.v1.Request rpc.proto >"$tmp/hold.bin"
nngcat --req --connect "$SERVER_URL" --file "$tmp/hold.bin" --raw \
	--recv-timeout 40 >/dev/null 2>&1 &
hold_pid=$!
wait_for_line "$SERVER_LOG" "debug sleep started" "$SERVER_PID"
kill -TERM "$SERVER_PID"
wait_for_line "$SERVER_LOG" "draining:" "$SERVER_PID"
out=$("$health" --url "$SERVER_URL") && rv=0 || rv=$?
if [ "$rv" = 1 ] && [[ "$out" == "service unavailable: "* ]]; then
	ok "a draining server is not healthy (exit 1: $out)"
else
	check_failed "draining server: exit $rv, output '$out'"
fi
kill -USR1 "$SERVER_PID"
wait "$hold_pid" 2>/dev/null || true
stop_server "$SERVER_PID" || true

out=$("$health" --url "$SERVER_URL" --timeout-ms 200) && rv=0 || rv=$?
[ "$rv" = 1 ] && ok "no server: exit 1 ($out)" ||
	check_failed "no server: exit $rv, output '$out'"
finish
