#!/usr/bin/env bash
# auth_token.sh - JWT authentication end to end, with no configuration: the
# server makes an HS256 secret in its data dir (mode 0600, the same one on
# the next start), hues-token mints a token from that file, and the real
# server accepts it on a call, while a wrong, forged or expired token gets
# UNAUTHENTICATED with its reason. Also: the secret never reaches the log,
# a missing key file or a short production secret stops the server with
# one line, and SIGHUP swaps keys.
. "$(dirname "$0")/lib.sh"

: "${HUES_BUILD_DIR:?HUES_BUILD_DIR must name the build tree}"
token_bin="$HUES_BUILD_DIR/tools/hues-token"
[ -x "$token_bin" ] || fail "no hues-token at $token_bin"

# check_call URL TOKEN WANT_CODE [WANT_REASON]: calls Health/Check with
# "authorization: Bearer TOKEN" and checks the reply's code and reason.
n_call=0
check_call() {
	local url=$1 token=$2 want=$3 reason=${4:-} out
	n_call=$((n_call + 1))
	out=$(call "$url" <<EOF
version: 1
method: "/hues.v1.Health/Check"
call_id: $n_call
timeout_ms: 5000
metadata { key: "authorization" value: "Bearer $token" }
EOF
)
	local code
	code=$(sed -n 's/^  code: \(.*\)$/\1/p; s/^code: \(.*\)$/\1/p' <<<"$out" |
	    sed -n 1p)
	code=${code:-OK}
	if [ "$code" != "$want" ]; then
		check_failed "call $n_call: code $code, expected $want:"$'\n'"$out"
		return
	fi
	if [ -n "$reason" ] && ! grep -q "reason: \"$reason\"" <<<"$out"; then
		check_failed "call $n_call: no reason $reason:"$'\n'"$out"
		return
	fi
	ok "call $n_call: $want${reason:+ $reason}"
}

# ----- hues-token's own contract ---------------------------------------------

"$token_bin" --help >"$tmp/token-help.txt" 2>&1 &&
    grep -q -- '--nbf-offset' "$tmp/token-help.txt" &&
    ok "hues-token --help" || check_failed "hues-token --help"
rv=0
"$token_bin" --sub a >/dev/null 2>"$tmp/token.err" || rv=$?
[ "$rv" -eq 2 ] && grep -q 'are required' "$tmp/token.err" &&
    ok "hues-token without --key and --role: status 2" ||
    check_failed "hues-token without --key: status $rv, $(cat "$tmp/token.err")"
# --aud repeats into an array; --ttl and --nbf-offset set exp and nbf.
printf 'a-development-secret-of-32-bytes!\n' >"$tmp/dev"
t=$("$token_bin" --key "$tmp/dev" --sub a --role citizen --aud x --aud y \
    --ttl 100 --nbf-offset -5) || fail "hues-token failed"
payload=$(cut -d. -f2 <<<"$t" | tr '_-' '/+')
while [ $((${#payload} % 4)) -ne 0 ]; do payload+="="; done
json=$(base64 -d <<<"$payload")
grep -q '"aud":\["x","y"\]' <<<"$json" &&
    [ "$(sed 's/.*"exp":\([0-9]*\).*/\1/' <<<"$json")" -eq \
        $(($(sed 's/.*"iat":\([0-9]*\).*/\1/' <<<"$json") + 100)) ] &&
    [ "$(sed 's/.*"nbf":\([0-9]*\).*/\1/' <<<"$json")" -eq \
        $(($(sed 's/.*"iat":\([0-9]*\).*/\1/' <<<"$json") - 5)) ] &&
    ok "hues-token claims: $json" || check_failed "hues-token claims: $json"

# ----- zero configuration ---------------------------------------------------

start_server zero --listen "ipc://$tmp/zero.sock"
secret="$tmp/zero-data/jwt-secret"
[ -f "$secret" ] || fail "no secret at $secret"
mode=$(stat -c %a "$secret")
[ "$mode" = 600 ] && ok "secret made with mode 600" ||
    check_failed "secret has mode $mode, not 600"
grep -q "hues-token --key $secret" "$SERVER_LOG" &&
    ok "the log says how to mint a token" ||
    check_failed "no hues-token hint in the log:"$'\n'"$(cat "$SERVER_LOG")"

good=$("$token_bin" --key "$secret" --sub alice --role citizen) ||
    fail "hues-token failed"
check_call "$SERVER_URL" "$good" OK
# Twice: the second call is answered from the verified-token cache.
check_call "$SERVER_URL" "$good" OK
# One character in the middle of the signature changed.
sig=${good##*.}
c=${sig:10:1}
[ "$c" = A ] && repl=B || repl=A
check_call "$SERVER_URL" "${good%.*}.${sig:0:10}$repl${sig:11}" \
    UNAUTHENTICATED BAD_SIGNATURE
check_call "$SERVER_URL" "not-a-token" UNAUTHENTICATED TOKEN_MALFORMED
expired=$("$token_bin" --key "$secret" --sub alice --role citizen \
    --ttl -3600) || fail "hues-token --ttl -3600 failed"
check_call "$SERVER_URL" "$expired" UNAUTHENTICATED TOKEN_EXPIRED
printf 'another-secret-of-thirty-two-bytes!\n' >"$tmp/other"
forged=$("$token_bin" --key "$tmp/other" --sub mallory --role admin)
check_call "$SERVER_URL" "$forged" UNAUTHENTICATED BAD_SIGNATURE

# Neither the secret nor a token is ever written to the log.
if grep -qF -e "$(head -c 64 "$secret")" -e "$good" "$SERVER_LOG"; then
	check_failed "the log holds the secret or a token"
else
	ok "the log holds neither the secret nor tokens"
fi
stop_server "$SERVER_PID" || check_failed "the server did not stop cleanly"

# The next start reuses the secret, so the old token still works.
before=$(cat "$secret")
start_server zero --listen "ipc://$tmp/zero2.sock" \
    --data-dir "$tmp/zero-data"
[ "$(cat "$secret")" = "$before" ] && ok "the secret is reused" ||
    check_failed "the secret changed on restart"
check_call "$SERVER_URL" "$good" OK
stop_server "$SERVER_PID" || check_failed "the server did not stop cleanly"

# ----- configured keys, rotation on SIGHUP ----------------------------------

printf 'first-secret-0123456789abcdef0123\n' >"$tmp/k1"
printf 'second-secret-0123456789abcdef012\n' >"$tmp/k2"
chmod 600 "$tmp/k1" "$tmp/k2"
t1=$("$token_bin" --key "$tmp/k1" --kid k1 --sub bob --role officer \
    --agency water)
t2=$("$token_bin" --key "$tmp/k2" --kid k2 --sub bob --role officer \
    --agency water)
printf 'jwt_keys = k1:HS256:%s, k2:HS256:%s\n' "$tmp/k1" "$tmp/k2" \
    >"$tmp/hues.conf"
start_server keys --listen "ipc://$tmp/keys.sock" --config "$tmp/hues.conf"
[ ! -e "$tmp/keys-data/jwt-secret" ] && ok "no secret made when keys are set" ||
    check_failed "a secret was made although keys are configured"
check_call "$SERVER_URL" "$t1" OK
check_call "$SERVER_URL" "$t2" OK
printf 'jwt_keys = k2:HS256:%s\n' "$tmp/k2" >"$tmp/hues.conf"
kill -HUP "$SERVER_PID"
wait_for_line "$SERVER_LOG" "SIGHUP: 1 JWT keys in force" "$SERVER_PID"
check_call "$SERVER_URL" "$t1" UNAUTHENTICATED UNKNOWN_KID
check_call "$SERVER_URL" "$t2" OK
# A broken configuration on SIGHUP keeps the keys in force.
printf 'jwt_keys = k3:HS256:%s\n' "$tmp/missing" >"$tmp/hues.conf"
kill -HUP "$SERVER_PID"
wait_for_line "$SERVER_LOG" "SIGHUP: keeping the JWT keys in force" \
    "$SERVER_PID"
check_call "$SERVER_URL" "$t2" OK
stop_server "$SERVER_PID" || check_failed "the server did not stop cleanly"

# ----- configurations that must not start -------------------------------------

# expect_refusal WHAT REGEX FLAGS...: one stderr line, non-zero status.
expect_refusal() {
	local what=$1 pattern=$2 rv=0
	shift 2
	timeout 30 "$HUES_SERVER_BIN" --listen "ipc://$tmp/refused.sock" \
	    --data-dir "$tmp/refused-data" "$@" >/dev/null 2>"$tmp/refused.err" \
	    </dev/null || rv=$?
	if [ "$rv" -eq 0 ] || [ "$rv" -eq 124 ]; then
		check_failed "$what: status $rv"
	elif [ "$(wc -l <"$tmp/refused.err")" -ne 1 ] ||
	    ! grep -qE -- "^hues-server: .*$pattern" "$tmp/refused.err"; then
		check_failed "$what: $(cat "$tmp/refused.err")"
	else
		ok "$what: $(cat "$tmp/refused.err")"
	fi
}
printf 'short\n' >"$tmp/short"
expect_refusal "short secret in production" "at least 32" \
    --production --jwt-key "s:HS256:$tmp/short"
expect_refusal "unreadable key file" "cannot read $tmp/missing" \
    --jwt-key "m:HS256:$tmp/missing"
expect_refusal "malformed key spec" "expected kid:alg:path" \
    --jwt-key "m:HS512:$tmp/k1"
chmod 644 "$secret"
expect_refusal "a secret others can read" "readable by others" \
    --data-dir "$tmp/zero-data"

finish
