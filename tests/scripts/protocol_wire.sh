#!/usr/bin/env bash
# protocol_wire.sh - the rules of docs/protocol.md, checked on the wire with
# raw nngcat + protoc (no SDK in between): envelope and version, metadata
# rules and x-request-id, batches, size limits, INTERNAL hiding its cause,
# deadlines, idempotency keys, and the whole-message rejections QUEUE_FULL
# and DRAINING. Every failed rule is reported; none hides the others.
# Timing: the busy-server part waits for log lines, never for a guess.
. "$(dirname "$0")/lib.sh"

# req NAME: the request text on stdin is sent to $url; the decoded reply is
# left in $tmp/NAME.txt.
req() {
	call "$url" >"$tmp/$1.txt"
}

# has NAME REGEX WHAT / lacks NAME REGEX WHAT: one check on a reply
# (REGEX: grep -E, one line).
has() {
	if grep -qE -- "$2" "$tmp/$1.txt"; then
		ok "$1: $3"
	else
		check_failed "$1: $3 (no /$2/ in the reply:)"$'\n'"$(cat "$tmp/$1.txt")"
	fi
}
lacks() {
	if grep -qE -- "$2" "$tmp/$1.txt"; then
		check_failed "$1: $3 (/$2/ in the reply:)"$'\n'"$(cat "$tmp/$1.txt")"
	else
		ok "$1: $3"
	fi
}

# payload_of NAME TYPE FILE: the decoded response in reply NAME.
payload_of() {
	unescape_field payload <"$tmp/$1.txt" | decode "$2" "$3"
}

start_server wire --listen "ipc://$tmp/wire.sock" --debug-methods \
    --max-request-bytes 64KiB
url=$SERVER_URL

# ----- envelope -------------------------------------------------------------

req version2 <<<'version: 2 method: "/hues.v1.Health/Check" call_id: 7'
has version2 '^code: INVALID_ARGUMENT$' "version 2 is INVALID_ARGUMENT"
has version2 '^  reason: "UNSUPPORTED_VERSION"$' "reason UNSUPPORTED_VERSION"
has version2 '^call_id: 7$' "the call_id is echoed"
lacks version2 'x-request-id' "a whole-message error has no x-request-id"

req version0 <<<'method: "/hues.v1.Health/Check" call_id: 8'
has version0 '^  reason: "UNSUPPORTED_VERSION"$' "a missing version is rejected"

: >"$tmp/empty.bin"
raw_call "$url" "$tmp/empty.bin" "$tmp/empty.rep" || fail "no reply to an empty message"
decode hues.v1.Reply rpc.proto <"$tmp/empty.rep" >"$tmp/empty.txt"
has empty '^code: INVALID_ARGUMENT$' "an empty message is INVALID_ARGUMENT"
has empty '^  reason: "MALFORMED_ENVELOPE"$' "reason MALFORMED_ENVELOPE"
lacks empty '^call_id:' "call_id 0 when the envelope is unreadable"

printf '\377\377\377\377' >"$tmp/garbage.bin"
raw_call "$url" "$tmp/garbage.bin" "$tmp/garbage.rep" || fail "no reply to garbage"
decode hues.v1.Reply rpc.proto <"$tmp/garbage.rep" >"$tmp/garbage.txt"
has garbage '^  reason: "MALFORMED_ENVELOPE"$' "garbage is MALFORMED_ENVELOPE"

req neither <<<'version: 1 call_id: 9'
has neither '^  reason: "MALFORMED_ENVELOPE"$' "neither method nor batch"
req both <<<'version: 1 method: "/hues.v1.Health/Check" batch { method: "/hues.v1.Health/Check" }'
has both '^  reason: "MALFORMED_ENVELOPE"$' "both method and batch"

req unknown <<<'version: 1 method: "/hues.v1.Nope/Nothing" call_id: 10'
has unknown '^code: UNIMPLEMENTED$' "an unknown method is UNIMPLEMENTED"
has unknown '^message: .*/hues\.v1\.Nope/Nothing' "the message names the method"
has unknown '^  value: "[0-9a-f]{16}"$' "a generated x-request-id comes back"

# ----- metadata ---------------------------------------------------------------

req rid <<<'version: 1 method: "/hues.v1.Health/Check" metadata { key: "x-request-id" value: "Gw-1:a.b_c" }'
has rid '^  value: "Gw-1:a\.b_c"$' "a valid x-request-id is echoed"
req badrid <<<'version: 1 method: "/hues.v1.Health/Check" metadata { key: "x-request-id" value: "not valid!" }'
lacks badrid '^code:' "an invalid x-request-id does not fail the call"
has badrid '^  value: "[0-9a-f]{16}"$' "an invalid x-request-id is replaced"

req upper <<<'version: 1 method: "/hues.v1.Health/Check" metadata { key: "X-Id" value: "v" }'
has upper '^code: INVALID_ARGUMENT$' "an uppercase key is INVALID_ARGUMENT"
has upper '^    field: "metadata\[0\]\.key"$' "the violation names metadata[0].key"
req dup <<<'version: 1 method: "/hues.v1.Health/Check" metadata { key: "a" value: "1" } metadata { key: "a" value: "2" }'
has dup '^    field: "metadata\[1\]\.key"$' "a duplicate key is a violation"
req ctl <<<'version: 1 method: "/hues.v1.Health/Check" metadata { key: "a" value: "x\ty" }'
has ctl '^    field: "metadata\[0\]\.value"$' "a control character is a violation"

md64=$(for i in $(seq 64); do printf 'metadata { key: "k%d" value: "v" } ' "$i"; done)
req md64 <<<"version: 1 method: \"/hues.v1.Health/Check\" $md64"
lacks md64 '^code:' "64 metadata entries are allowed"
req md65 <<<"version: 1 method: \"/hues.v1.Health/Check\" $md64 metadata { key: \"k65\" value: \"v\" }"
has md65 '^code: INVALID_ARGUMENT$' "65 metadata entries are not"
v8191=$(head -c 8191 /dev/zero | tr '\0' v)
req md8k <<<"version: 1 method: \"/hues.v1.Health/Check\" metadata { key: \"k\" value: \"$v8191\" }"
lacks md8k '^code:' "8192 bytes of metadata are allowed"
req md8k1 <<<"version: 1 method: \"/hues.v1.Health/Check\" metadata { key: \"k\" value: \"${v8191}v\" }"
has md8k1 '^code: INVALID_ARGUMENT$' "8193 bytes are not"

# ----- payload, INTERNAL, auth --------------------------------------------------

req badpayload <<<'version: 1 method: "/hues.v1.Health/Check" payload: "\010\001"'
has badpayload '^code: INVALID_ARGUMENT$' "an undecodable payload is INVALID_ARGUMENT"
has badpayload '^  reason: "MALFORMED_PAYLOAD"$' "reason MALFORMED_PAYLOAD"
has badpayload '^    field: "service"$' "the violation names the field"

fail_req=$(printf 'code: 13 message: "secret: table users locked" field_violations { field: "x" description: "y" } reason: "LMDB_MAP_FULL"' |
    encode hues.v1.FailRequest debug.proto | escape_bytes)
req internal <<<"version: 1 method: \"/hues.v1.Debug/Fail\" metadata { key: \"x-request-id\" value: \"rid-internal\" } payload: \"$fail_req\""
has internal '^code: INTERNAL$' "a handler failure is INTERNAL"
has internal '^message: "internal error \(request id rid-internal\)"$' \
    "INTERNAL says only the request id"
lacks internal 'secret' "INTERNAL hides the handler's message"
lacks internal 'field_violations' "INTERNAL hides the handler's field violations"
lacks internal 'LMDB_MAP_FULL' "INTERNAL hides the handler's reason"

req bearer <<<'version: 1 method: "/hues.v1.Health/Check" metadata { key: "authorization" value: "Basic abc" }'
has bearer '^code: UNAUTHENTICATED$' "a non-Bearer authorization is UNAUTHENTICATED"
has bearer '^  reason: "BAD_AUTHORIZATION"$' "reason BAD_AUTHORIZATION"

# ----- batches ------------------------------------------------------------------

echo_req=$(printf 'payload: "hi"' | encode hues.v1.EchoRequest debug.proto | escape_bytes)
req batch <<<"version: 1 call_id: 99
batch { method: \"/hues.v1.Health/Check\" call_id: 11 }
batch { method: \"/hues.v1.Nope/Nothing\" call_id: 12 }
batch { method: \"/hues.v1.Debug/Echo\" call_id: 13 payload: \"$echo_req\" }"
if [ "$(grep -c '^batch {' "$tmp/batch.txt")" -eq 3 ] &&
    [ "$(grep '^  call_id: ' "$tmp/batch.txt" | tr -d ' \n')" = call_id:11call_id:12call_id:13 ] &&
    [ "$(grep -c '^  code: ' "$tmp/batch.txt")" -eq 1 ]; then
	ok "batch: one CallReply per call, in order, with their call ids"
else
	check_failed "batch: unexpected reply:"$'\n'"$(cat "$tmp/batch.txt")"
fi
has batch '^  code: UNIMPLEMENTED$' "one call failing does not stop the others"
lacks batch '^code:' "the top-level code is OK"

batch_of() {
	local i
	echo "version: 1 call_id: 5"
	for ((i = 1; i <= $1; i++)); do
		echo "batch { method: \"/hues.v1.Health/Check\" call_id: $i }"
	done
}
batch_of 1024 | req batch1024
if [ "$(grep -c '^batch {' "$tmp/batch1024.txt")" -eq 1024 ]; then
	ok "batch1024: 1024 calls are answered"
else
	check_failed "batch1024: not 1024 CallReplies"
fi
batch_of 1025 | req batch1025
has batch1025 '^  reason: "BATCH_TOO_LARGE"$' "1025 calls are BATCH_TOO_LARGE"
lacks batch1025 '^batch \{' "a whole-message error has an empty batch"

# ----- size limits (this server: --max-request-bytes 64KiB) ------------------

# echo_of_size N: an Echo request message of exactly N bytes (N near 64 KiB:
# the lengths' varints keep their size while the payload is adjusted).
echo_of_size() {
	local want=$1 p=65000 size
	for _ in 1 2; do
		head -c "$p" /dev/zero | tr '\0' a >"$tmp/echo-data"
		printf 'payload: "%s"' "$(cat "$tmp/echo-data")" |
		    encode hues.v1.EchoRequest debug.proto | escape_bytes >"$tmp/echo-esc"
		printf 'version: 1 method: "/hues.v1.Debug/Echo" payload: "%s"' \
		    "$(cat "$tmp/echo-esc")" | encode hues.v1.Request rpc.proto \
		    >"$tmp/sized.bin"
		size=$(wc -c <"$tmp/sized.bin")
		p=$((p + want - size))
	done
	[ "$size" -eq "$want" ] || fail "cannot make a $want-byte request"
}
echo_of_size 65536
raw_call "$url" "$tmp/sized.bin" "$tmp/max.rep" || fail "no reply at the limit"
decode hues.v1.Reply rpc.proto <"$tmp/max.rep" >"$tmp/max.txt"
lacks max '^code:' "a request of exactly max_request_bytes is served"
echo_of_size 65537
raw_call "$url" "$tmp/sized.bin" "$tmp/over.rep" || fail "no reply over the limit"
decode hues.v1.Reply rpc.proto <"$tmp/over.rep" >"$tmp/over.txt"
has over '^code: RESOURCE_EXHAUSTED$' "one byte more is RESOURCE_EXHAUSTED"
has over '^  reason: "REQUEST_TOO_LARGE"$' "reason REQUEST_TOO_LARGE"

# Past max + 1 MiB the server closes the connection without reading: no
# reply ever comes (a slow machine can only make this check laxer).
head -c $((65536 + 1048576 + 4096)) /dev/zero >"$tmp/huge.bin"
if nngcat --req --connect "$url" --recv-timeout 3 --file "$tmp/huge.bin" \
    --raw >"$tmp/huge.rep" 2>/dev/null && [ -s "$tmp/huge.rep" ]; then
	check_failed "a request past max + 1 MiB got a reply"
else
	ok "a request past max + 1 MiB gets no reply"
fi

# ----- deadlines and idempotency keys ---------------------------------------

sleep_req=$(printf 'ms: 200' | encode hues.v1.SleepRequest debug.proto | escape_bytes)
req late <<<"version: 1 method: \"/hues.v1.Debug/Sleep\" timeout_ms: 50 payload: \"$sleep_req\""
has late '^code: DEADLINE_EXCEEDED$' "a call that outlives its deadline is DEADLINE_EXCEEDED"
has late '^message: "deadline exceeded while the call ran"$' "... while it ran"
lacks late '^payload:' "... without its response"

bump() { # bump NAME [METADATA-TEXT] [PAYLOAD-ESCAPED]
	req "$1" <<<"version: 1 method: \"/hues.v1.Debug/Bump\" ${2:-} payload: \"${3:-}\""
}
value_of() {
	payload_of "$1" hues.v1.BumpResponse debug.proto | sed -n 's/^value: //p'
}
key='metadata { key: "idempotency-key" value: "report-7f3a" }'
bump b0
v0=$(value_of b0)
bump b1 "$key"
bump b2 "$key"
bump b3
v1=$(value_of b1)
v2=$(value_of b2)
v3=$(value_of b3)
echo "Bump values: $v0 (no key), $v1 (key), $v2 (same key), $v3 (no key)"
if [ "$v1" = $((v0 + 1)) ]; then
	ok "idempotency: the first call with a key runs"
else
	check_failed "idempotency: the first call with a key gave $v1 after $v0"
fi
if [ "$v2" = "$v1" ] && [ "$v3" = $((v0 + 2)) ]; then
	ok "idempotency: a retry with the same key gets the first outcome and does not run"
else
	check_failed "idempotency: a retry with the same key and payload ran the method again (replied value $v2 instead of the first outcome $v1; the next call without a key got $v3, not $((v0 + 2)))"
fi
bump reused "$key" '\120\001' # an unknown field: same method, other bytes
has reused '^code: INVALID_ARGUMENT$' "the same key with another payload is INVALID_ARGUMENT"
has reused '^  reason: "IDEMPOTENCY_KEY_REUSED"$' "reason IDEMPOTENCY_KEY_REUSED"
k128=$(head -c 128 /dev/zero | tr '\0' k)
bump key128 "metadata { key: \"idempotency-key\" value: \"$k128\" }"
lacks key128 '^code:' "a 128-character key is accepted"
bump key129 "metadata { key: \"idempotency-key\" value: \"${k128}k\" }"
has key129 '^code: INVALID_ARGUMENT$' "a 129-character key is INVALID_ARGUMENT"
has key129 '^    field: "metadata\.idempotency-key"$' "the violation names the key"
echo2=$(printf 'payload: "other"' | encode hues.v1.EchoRequest debug.proto | escape_bytes)
req echo_key1 <<<"version: 1 method: \"/hues.v1.Debug/Echo\" $key payload: \"$echo_req\""
req echo_key2 <<<"version: 1 method: \"/hues.v1.Debug/Echo\" $key payload: \"$echo2\""
lacks echo_key2 '^code:' "keys are ignored by idempotent methods"

stop_server "$SERVER_PID" || check_failed "the server did not stop cleanly"

# ----- a busy server: deadline before start, QUEUE_FULL, DRAINING -----------

# One worker, one queue slot. The worker is held by a Sleep with hold
# (released by SIGUSR1); the debug log says when each step has happened.
start_server busy --listen "ipc://$tmp/busy.sock" --debug-methods \
    --workers 1 --queue-depth 1 --log-level debug --grace-ms 60000
url=$SERVER_URL
busy_pid=$SERVER_PID
busy_log=$SERVER_LOG

printf 'hold: true' | encode hues.v1.SleepRequest debug.proto |
    escape_bytes >"$tmp/hold.esc"
printf 'version: 1 method: "/hues.v1.Debug/Sleep" call_id: 1 payload: "%s"' \
    "$(cat "$tmp/hold.esc")" | encode hues.v1.Request rpc.proto >"$tmp/hold.bin"
raw_call "$url" "$tmp/hold.bin" "$tmp/hold.rep" &
hold_job=$!
wait_for_line "$busy_log" "debug sleep started" "$busy_pid"

# A call with a 1 ms deadline waits in the queue behind the held worker.
printf 'version: 1 method: "/hues.v1.Debug/Bump" call_id: 2 timeout_ms: 1' |
    encode hues.v1.Request rpc.proto >"$tmp/queued.bin"
raw_call "$url" "$tmp/queued.bin" "$tmp/queued.rep" &
queued_job=$!
wait_for_line "$busy_log" "queued a request" "$busy_pid" 2

# Worker busy, queue full: the next message is turned away at once.
req queuefull <<<'version: 1 method: "/hues.v1.Health/Check" call_id: 3'
has queuefull '^code: UNAVAILABLE$' "a full queue is UNAVAILABLE"
has queuefull '^  reason: "QUEUE_FULL"$' "reason QUEUE_FULL"
has queuefull '^  retry_after_ms: 50$' "retry after 50 ms"
lacks queuefull 'x-request-id' "QUEUE_FULL is a whole-message reply"

# Draining: new messages are turned away; the calls in flight go on.
kill -TERM "$busy_pid"
wait_for_line "$busy_log" "draining:" "$busy_pid"
req draining <<<'version: 1 method: "/hues.v1.Health/Check" call_id: 4'
has draining '^code: UNAVAILABLE$' "a draining server answers UNAVAILABLE"
has draining '^  reason: "DRAINING"$' "reason DRAINING"
has draining '^  retry_after_ms: 1000$' "retry after 1000 ms"

# Release the worker. The queued call starts long after its 1 ms deadline
# (we have waited for two log lines and two replies since it arrived).
kill -USR1 "$busy_pid"
wait "$hold_job" || check_failed "no reply to the held call"
wait "$queued_job" || check_failed "no reply to the queued call"
decode hues.v1.Reply rpc.proto <"$tmp/hold.rep" >"$tmp/hold.txt"
decode hues.v1.Reply rpc.proto <"$tmp/queued.rep" >"$tmp/queued.txt"
lacks hold '^code:' "the held call completes during the drain"
has queued '^code: DEADLINE_EXCEEDED$' "a call whose deadline passed in the queue is DEADLINE_EXCEEDED"
has queued '^message: "deadline exceeded before the call started"$' "... before it started"
if grep -q 'call /hues.v1.Debug/Bump id=2 code=OK' "$busy_log"; then
	check_failed "the expired Bump ran"
fi
rv=0
wait "$busy_pid" || rv=$?
server_pids=()
if [ "$rv" -eq 0 ]; then
	ok "the drained server exits 0"
else
	check_failed "the drained server exited with $rv"
fi

finish
