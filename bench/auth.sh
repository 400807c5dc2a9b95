#!/usr/bin/env bash
# bench/auth.sh - what authentication costs: hues echo calls without a token
# and with an HS256, RS256 and ES256 bearer token, against one server that
# has all three keys, in one run, modes interleaved within each repeat so
# that machine drift hits them alike. Prints a markdown table of
# qps(no token) / qps(token) per algorithm (the cost ratio; issue target
# <= 1.10) and every RESULT line (tool=hues-none|hues-hs256|...).
# Figures only: nothing here passes or fails on time.
#
#   bench/auth.sh                         # about 2 min
#   REPEAT=5 DURATION=3 CONCS="16 64" bench/auth.sh
set -euo pipefail

DURATION="${DURATION:-4}"
WARMUP="${WARMUP:-1}"
CONCS="${CONCS:-16 64}"
REPEAT="${REPEAT:-3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
SKIP_BUILD="${SKIP_BUILD:-0}"
TMP="$(mktemp -d /tmp/hues-bench-auth.XXXXXX)"
SRV_PID=""
T_START=$(date +%s)

log() { printf '[%4ds] %s\n' "$(($(date +%s) - T_START))" "$*" >&2; }
cleanup() {
	if [[ -n "$SRV_PID" ]]; then
		kill -TERM "$SRV_PID" 2>/dev/null || true
		timeout 15 tail --pid="$SRV_PID" -f /dev/null 2>/dev/null ||
			kill -KILL "$SRV_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

if [[ "$SKIP_BUILD" != 1 ]]; then
	bash "$ROOT/scripts/setup.sh" >&2
	[[ -f "$BUILD_DIR/CMakeCache.txt" ]] ||
		cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
			-DHUES_BUILD_TESTS=OFF >"$TMP/cmake.log"
	log "building hues-server, hues-bench and hues-token in $BUILD_DIR"
	cmake --build "$BUILD_DIR" --target hues-server hues-bench hues-token \
		-j2 >"$TMP/build.log"
fi
SERVER="$BUILD_DIR/server/hues-server"
BENCH="$BUILD_DIR/tools/hues-bench"
TOKEN="$BUILD_DIR/tools/hues-token"

# Keys made for this run only.
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/hs.secret"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "$TMP/rs.key" 2>/dev/null
openssl pkey -in "$TMP/rs.key" -pubout -out "$TMP/rs.pub"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-out "$TMP/es.key" 2>/dev/null
openssl pkey -in "$TMP/es.key" -pubout -out "$TMP/es.pub"

"$SERVER" --listen tcp://127.0.0.1:0 --data-dir "$TMP/data" \
	--jwt-key "hs:HS256:$TMP/hs.secret" --jwt-key "rs:RS256:$TMP/rs.pub" \
	--jwt-key "es:ES256:$TMP/es.pub" 2>"$TMP/server.err" >/dev/null &
SRV_PID=$!
for ((i = 0; i < 100; i++)); do
	PORT=$(sed -n 's|.*listening on tcp://127\.0\.0\.1:\([0-9]*\).*|\1|p' \
		"$TMP/server.err" | head -n1)
	[[ -n "$PORT" ]] && break
	kill -0 "$SRV_PID" 2>/dev/null || { cat "$TMP/server.err" >&2; exit 1; }
	sleep 0.1
done
[[ -n "${PORT:-}" ]] || { log "the server did not start"; exit 1; }
log "hues-server on 127.0.0.1:$PORT with HS256, RS256 and ES256 keys"

declare -A TOK=([none]="")
TOK[hs256]=$("$TOKEN" --key "$TMP/hs.secret" --alg HS256 --kid hs --sub citizen-1 --role citizen --ttl 86400)
TOK[rs256]=$("$TOKEN" --key "$TMP/rs.key" --alg RS256 --kid rs --sub citizen-1 --role citizen --ttl 86400)
TOK[es256]=$("$TOKEN" --key "$TMP/es.key" --alg ES256 --kid es --sub citizen-1 --role citizen --ttl 86400)

: >"$TMP/results.txt"
for ((r = 1; r <= REPEAT; r++)); do
	log "repeat $r of $REPEAT"
	for c in $CONCS; do
		for mode in none hs256 rs256 es256; do
			args=(--url "tcp://127.0.0.1:$PORT" --method echo --payload 64
				--concurrency "$c" --duration "$DURATION" --warmup "$WARMUP")
			[[ -n "${TOK[$mode]}" ]] && args+=(--token "${TOK[$mode]}")
			line=$(timeout -k 5 $((DURATION + WARMUP + 30)) "$BENCH" "${args[@]}" \
				2>/dev/null | grep '^RESULT ' || echo "FAILED mode=$mode conc=$c")
			echo "${line/tool=hues/tool=hues-$mode}" | tee -a "$TMP/results.txt" >&2
		done
	done
done

# A call rejected by the verifier would count as an error: none may be.
python3 - "$TMP/results.txt" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = dict(re.findall(r'(\w+)=(\S+)', line))
    if not line.startswith('RESULT'):
        continue
    rows.setdefault((m['tool'][5:], int(m['conc'])), []).append(m)
concs = sorted({c for _, c in rows})
print("## Cost of authentication: hues echo, 64-B payload, medians\n")
print("| C | no token qps | HS256 qps | RS256 qps | ES256 qps | cost HS256 | cost RS256 | cost ES256 | p50 µs none / HS / RS / ES | errors |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for c in concs:
    q = {k: statistics.median(float(m['qps']) for m in rows.get((k, c), [{'qps': 'nan'}]))
         for k in ('none', 'hs256', 'rs256', 'es256')}
    p = {k: int(statistics.median(int(m['p50_us']) for m in rows.get((k, c), [{'p50_us': '0'}])))
         for k in q}
    errs = sum(int(m['errors']) for k in q for m in rows.get((k, c), []))
    cost = {k: q['none'] / q[k] for k in ('hs256', 'rs256', 'es256')}
    print(f"| {c} | {q['none']:,.0f} | {q['hs256']:,.0f} | {q['rs256']:,.0f} | {q['es256']:,.0f} | "
          f"{cost['hs256']:.2f} | {cost['rs256']:.2f} | {cost['es256']:.2f} | "
          f"{p['none']} / {p['hs256']} / {p['rs256']} / {p['es256']} | {errs} |")
print("\ncost = qps without a token / qps with one (target <= 1.10); "
      f"{len(next(iter(rows.values())))} repeat(s), modes interleaved.\n")
print("## All RESULT lines\n")
print(open(sys.argv[1]).read())
PY
