#!/usr/bin/env bash
# protocol_example.sh - runs the worked example of docs/protocol.md exactly
# as written (the one ```sh block between <!-- example:begin --> and
# <!-- example:end -->) against a fresh server, so that the document and
# the server cannot drift apart.
. "$(dirname "$0")/lib.sh"

doc="$HUES_SOURCE_DIR/docs/protocol.md"
[ -f "$doc" ] || fail "$doc is missing"

# The lines between the markers, then the body of the fenced block.
awk '/<!-- example:begin -->/ { inside = 1; next }
     /<!-- example:end -->/ { inside = 0 }
     inside' "$doc" >"$tmp/between.md"
[ -s "$tmp/between.md" ] || fail "no example markers in $doc"
fences=$(grep -c '^```' "$tmp/between.md" || true)
[ "$fences" -eq 2 ] ||
    fail "expected one fenced block between the markers, found $fences fences"
[ "$(grep -m1 '^```' "$tmp/between.md")" = '```sh' ] ||
    fail "the block between the markers is not a \`\`\`sh block"
awk '/^```/ { n++; next } n == 1' "$tmp/between.md" >"$tmp/example.sh"
grep -q 'HUES_URL' "$tmp/example.sh" || fail "the example does not use HUES_URL"

start_server example --listen "ipc://$tmp/hues.sock"

# Strict mode catches any step of the example that fails; the repository
# root is the example's working directory, as the document says.
(cd "$HUES_SOURCE_DIR" &&
    HUES_URL="$SERVER_URL" bash -euo pipefail "$tmp/example.sh") \
    >"$tmp/out.txt" 2>"$tmp/err.txt" || {
	cat "$tmp/out.txt" "$tmp/err.txt" >&2
	fail "the example failed"
}
cat "$tmp/out.txt"

grep -qx 'code: OK' "$tmp/out.txt" || fail "the output does not show code: OK"
if grep '^code:' "$tmp/out.txt" | grep -vx 'code: OK' >/dev/null; then
	fail "the reply has an error code"
fi
grep -qx 'status: SERVING' "$tmp/out.txt" ||
    fail "the decoded HealthCheckResponse is not status: SERVING"
grep -qx 'call_id: 1' "$tmp/out.txt" || fail "the reply does not echo call_id 1"
# The x-request-id the example sends comes back as trailing metadata.
grep -qx '  value: "protocol-example"' "$tmp/out.txt" ||
    fail "the reply does not echo the x-request-id"
[ ! -s "$tmp/err.txt" ] || fail "the example wrote to stderr: $(cat "$tmp/err.txt")"
stop_server "$SERVER_PID" || fail "the server did not stop cleanly"
echo "ok: the documented example works"
