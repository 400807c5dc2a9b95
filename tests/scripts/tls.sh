#!/usr/bin/env bash
# tls.sh - tls+tcp:// end to end: a server with a certificate from a fresh
# CA; the gateway example (built against the installed SDK) calls it when
# given that CA, fails with UNAVAILABLE when given another CA, and cannot
# even create its client without a CA (INVALID_ARGUMENT); raw nngcat works
# with --cacert.
. "$(dirname "$0")/lib.sh"

build_gateway "$tmp/gateway"

# A CA, a server certificate it signs, and an unrelated CA. The server name
# is 127.0.0.1, as a DNS name too: mbed TLS 2.x (under NNG 1.5) matches the
# name against DNS names only, never IP addresses.
pki="$tmp/pki"
mkdir "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hues test CA" \
    -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null
cat >"$pki/server.ext" <<'EXT'
subjectAltName = DNS:127.0.0.1, IP:127.0.0.1, DNS:localhost
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
EXT
openssl x509 -req -days 2 -in "$pki/server.csr" -CA "$pki/ca.pem" \
    -CAkey "$pki/ca.key" -CAcreateserial -extfile "$pki/server.ext" \
    -out "$pki/server.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" \
    -keyout "$pki/other.key" -out "$pki/other.pem" 2>/dev/null
openssl verify -CAfile "$pki/ca.pem" "$pki/server.pem" >/dev/null ||
    fail "the test PKI is broken"

start_server tls --listen tls+tcp://127.0.0.1:0 \
    --tls-cert "$pki/server.pem" --tls-key "$pki/server.key"
case $SERVER_URL in
tls+tcp://127.0.0.1:[0-9]*) ;;
*) fail "unexpected URL $SERVER_URL" ;;
esac

# 1. The right CA: everything works.
rv=0
"$tmp/gateway" --url "$SERVER_URL" --ca "$pki/ca.pem" >"$tmp/good.out" 2>&1 ||
    rv=$?
cat "$tmp/good.out"
if [ "$rv" -eq 0 ] && grep -qx 'health: SERVING (OK)' "$tmp/good.out" &&
    grep -qx 'echo: 8/8 ok' "$tmp/good.out"; then
	ok "calls over TLS with the right CA"
else
	check_failed "the gateway over TLS with the right CA: status $rv"
fi

# 2. Another CA: the handshake fails, no connection, UNAVAILABLE. (The
#    deadline only shortens the wait: any deadline ends in UNAVAILABLE.)
rv=0
"$tmp/gateway" --url "$SERVER_URL" --ca "$pki/other.pem" --timeout-ms 1500 \
    >"$tmp/wrong.out" 2>&1 || rv=$?
cat "$tmp/wrong.out"
if [ "$rv" -eq 1 ] && grep -q '^health: UNAVAILABLE: ' "$tmp/wrong.out"; then
	ok "a client trusting another CA gets UNAVAILABLE"
else
	check_failed "a client trusting another CA: status $rv, expected UNAVAILABLE"
fi

# 3. No CA at all: the client is not even created.
rv=0
"$tmp/gateway" --url "$SERVER_URL" >"$tmp/noca.out" 2>&1 || rv=$?
cat "$tmp/noca.out"
if [ "$rv" -eq 1 ] && grep -q '^client: INVALID_ARGUMENT' "$tmp/noca.out"; then
	ok "no CA file: hues_client_create fails with INVALID_ARGUMENT"
else
	check_failed "a client without a CA: status $rv, expected INVALID_ARGUMENT"
fi

# 4. Raw protocol over TLS, as docs/protocol.md describes it.
printf 'version: 1\nmethod: "/hues.v1.Health/Check"\ncall_id: 3\n' |
    encode hues.v1.Request rpc.proto >"$tmp/req.bin"
if nngcat --req --connect "$SERVER_URL" --cacert "$pki/ca.pem" \
    --recv-timeout 20 --file "$tmp/req.bin" --raw >"$tmp/rep.bin"; then
	decode hues.v1.Reply rpc.proto <"$tmp/rep.bin" >"$tmp/rep.txt"
	unescape_field payload <"$tmp/rep.txt" |
	    decode hues.v1.HealthCheckResponse health.proto >"$tmp/health.txt"
	if ! grep -q '^code:' "$tmp/rep.txt" &&
	    grep -qx 'status: SERVING' "$tmp/health.txt"; then
		ok "nngcat --cacert over TLS"
	else
		check_failed "nngcat over TLS: $(cat "$tmp/rep.txt")"
	fi
else
	check_failed "nngcat --cacert could not call over TLS"
fi

stop_server "$SERVER_PID" || check_failed "the server did not stop cleanly"
finish
