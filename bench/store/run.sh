#!/usr/bin/env bash
# bench/store/run.sh - durable writes through the store's group commit
# (hues-store-bench: 1, 16 and 64 blocking writers, and one thread with 64
# async requests in flight) next to the raw LMDB peer (lmdb_raw put: one
# record per durable commit; put_batch64: 64 records per commit), in the
# same run on the same disk. Prints a markdown table of records/s and
# their ratios to lmdb_raw put, then every RESULT line. Figures only:
# nothing here passes or fails on time.
#
#   bench/store/run.sh                    # about 30 s with a warm build
#   DURATION=5 REPEAT=3 bench/store/run.sh
set -euo pipefail

DURATION="${DURATION:-3}"
WARMUP="${WARMUP:-1}"
CONCS="${CONCS:-1,16,64}"
ASYNC="${ASYNC:-64}"
REPEAT="${REPEAT:-1}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
PEERS_DIR="${PEERS_DIR:-$ROOT/../shared/bench/peers}"
PEERS_BUILD="${PEERS_BUILD:-$BUILD_DIR/peers}"
SKIP_BUILD="${SKIP_BUILD:-0}"
TMP="$(mktemp -d /tmp/hues-bench-store.XXXXXX)"
T_START=$(date +%s)

log() { printf '[%4ds] %s\n' "$(($(date +%s) - T_START))" "$*" >&2; }
trap 'rm -rf "$TMP"' EXIT

if [[ "$SKIP_BUILD" != 1 ]]; then
	[[ -f "$BUILD_DIR/CMakeCache.txt" ]] ||
		cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
			-DHUES_BUILD_TESTS=OFF >"$TMP/cmake.log" 2>&1 || {
			cat "$TMP/cmake.log" >&2
			exit 1
		}
	log "building hues-store-bench in $BUILD_DIR"
	cmake --build "$BUILD_DIR" --target hues-store-bench -j2 \
		>"$TMP/build.log" 2>&1 || { cat "$TMP/build.log" >&2; exit 1; }
	log "building lmdb_raw in $PEERS_BUILD"
	mkdir -p "$PEERS_BUILD"
	make -C "$PEERS_DIR" BUILD="$PEERS_BUILD" "$PEERS_BUILD/lmdb_raw" \
		>"$TMP/peers.log" 2>&1 || { cat "$TMP/peers.log" >&2; exit 1; }
fi
BENCH="$BUILD_DIR/bench/store/hues-store-bench"
RAW="$PEERS_BUILD/lmdb_raw"

: >"$TMP/results.txt"
for ((r = 1; r <= REPEAT; r++)); do
	log "repeat $r of $REPEAT: lmdb_raw put, put_batch64"
	# Each program gets its own temp dir under $TMP, on the same disk.
	timeout $((4 * DURATION + 120)) "$RAW" --db "$TMP/raw$r" \
		--phases put,put_batch --duration "$DURATION" 2>"$TMP/raw.err" |
		sed "s/^RESULT /RESULT repeat=$r /" >>"$TMP/results.txt" ||
		{ cat "$TMP/raw.err" >&2; exit 1; }
	log "repeat $r of $REPEAT: hues-store-bench"
	timeout $((8 * (DURATION + WARMUP) + 60)) "$BENCH" --dir "$TMP/hues$r" \
		--duration "$DURATION" --warmup "$WARMUP" --concs "$CONCS" \
		--async "$ASYNC" 2>"$TMP/bench.err" |
		sed "s/^RESULT /RESULT repeat=$r /" >>"$TMP/results.txt" ||
		{ cat "$TMP/bench.err" >&2; exit 1; }
	sed 's/^/| /' "$TMP/bench.err" >&2
	rm -rf "$TMP/raw$r" "$TMP/hues$r"
done

# The table: per repeat, each hues load against that repeat's lmdb_raw.
awk '
function field(line, name,    n, i, kv) {
	n = split(line, kv, " ")
	for (i = 1; i <= n; i++)
		if (index(kv[i], name "=") == 1)
			return substr(kv[i], length(name) + 2)
	return ""
}
/^RESULT/ {
	rep = field($0, "repeat"); tool = field($0, "tool")
	m = field($0, "method"); q = field($0, "qps")
	if (tool == "lmdb" && m == "put") raw[rep] = q
	else if (tool == "lmdb") batch[rep] = q
	else if (tool == "hues-store") {
		n++; rows[n] = $0; rrep[n] = rep
	}
}
END {
	print "| load | conc | hues records/s | commits/s | records/commit" \
	    " | p50 / p99 us | lmdb_raw put records/s | hues / lmdb_raw put" \
	    " | hues / lmdb_raw put_batch64 | errors |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= n; i++) {
		l = rows[i]; rp = rrep[i]
		q = field(l, "qps")
		fmt = "| %s | %s | %.0f | %.0f | %.1f | %s / %s | %.0f | %.1fx"
		fmt = fmt " | %.2fx | %s |\n"
		printf fmt, field(l, "method"), field(l, "conc"),
		    q, field(l, "commits_per_s"), field(l, "per_commit"),
		    field(l, "p50_us"), field(l, "p99_us"), raw[rp],
		    (raw[rp] > 0 ? q / raw[rp] : 0),
		    (batch[rp] > 0 ? q / batch[rp] : 0), field(l, "errors")
	}
}' "$TMP/results.txt"
echo
cat "$TMP/results.txt"
log "done"
