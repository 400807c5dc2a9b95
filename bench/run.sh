#!/usr/bin/env bash
# bench/run.sh - hues echo against its peers (gRPC C++ and raw NNG), all
# measured in one run on this machine, with a markdown table of ratios.
#
#   bench/run.sh                    # ~3 min; the table and RESULT lines on
#                                   # stdout, progress on stderr
#   DURATION=3 REPEAT=3 bench/run.sh
#
# Steps (per repeat): hues-server on tcp://127.0.0.1:0 + hues-bench echo at
# each concurrency, then the peers' own run.sh (PEERS="grpc nng"), then the
# table (bench/ratios.py). Figures only: nothing here passes or fails on
# time. Everything is bounded by timeouts; the EXIT trap stops every server
# and removes the temp dir, whatever happens.
#
# Environment knobs (defaults in brackets):
#   DURATION [5]  WARMUP [1]  CONCS ["1 16 64"]  PAYLOAD [64]  REPEAT [1]
#   BUILD_DIR [<repo>/build-bench]   hues Release build (configured if new)
#   PEERS_DIR [<repo>/../shared/bench/peers]   read-only peer sources
#   PEERS_BUILD [$BUILD_DIR/peers]   where the peers are built
#   SKIP_BUILD [0]  1: use the binaries already built
#   HUES_SERVER_ARGS [""]  e.g. "--workers 1"
#   HUES_BENCH_ARGS [""]   e.g. "--connections 4 --max-batch 1"
#   PEERS_ARGS [""]        extra VAR=value for the peers' run.sh, e.g.
#                          "GRPC_SERVER_ARGS=--threads=1"
#   BUDGET [computed]      seconds before the watchdog ends the whole run
set -euo pipefail

DURATION="${DURATION:-5}"
WARMUP="${WARMUP:-1}"
CONCS="${CONCS:-1 16 64}"
PAYLOAD="${PAYLOAD:-64}"
REPEAT="${REPEAT:-1}"
NCONCS=$(wc -w <<<"$CONCS")
# One load lasts warmup + window + drain; a repeat runs 3 per concurrency
# for hues, gRPC (echo, get, put) and NNG (echo, get): 6 in all.
LOAD_S=$(awk -v d="$DURATION" -v w="$WARMUP" 'BEGIN { printf "%d", d + w + 5 }')
PEERS_BUDGET=$((5 * NCONCS * LOAD_S + 120))
BUDGET="${BUDGET:-$((600 + REPEAT * (NCONCS * LOAD_S + PEERS_BUDGET + 30)))}"

# Re-run under a watchdog: after $BUDGET s `timeout` signals this script,
# whose traps stop the servers and remove the temp dir.
if [[ -z "${HUES_BENCH_RUN_INNER:-}" ]]; then
	export HUES_BENCH_RUN_INNER=1
	exec timeout -k 20 "$BUDGET" bash "$0" "$@"
fi

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
PEERS_DIR="${PEERS_DIR:-$ROOT/../shared/bench/peers}"
PEERS_BUILD="${PEERS_BUILD:-$BUILD_DIR/peers}"
SKIP_BUILD="${SKIP_BUILD:-0}"
HUES_SERVER_ARGS="${HUES_SERVER_ARGS:-}"
HUES_BENCH_ARGS="${HUES_BENCH_ARGS:-}"
PEERS_ARGS="${PEERS_ARGS:-}"

T_START=$(date +%s)
TMP="$(mktemp -d /tmp/hues-bench-run.XXXXXX)"
SRV_PID=""
PEERS_PID=""

log() { printf '[%4ds] %s\n' "$(($(date +%s) - T_START))" "$*" >&2; }

# Stops a process: SIGTERM, up to 15 s to exit, then SIGKILL.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -KILL "$pid" 2>/dev/null; then
		log "pid $pid did not exit within 15 s of SIGTERM: killed"
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	trap - INT TERM
	if [[ -n "$PEERS_PID" ]]; then
		stop_pid "$PEERS_PID" # its own trap stops the peer servers
	fi
	if [[ -n "$SRV_PID" ]]; then
		stop_pid "$SRV_PID"
	fi
	if [[ "$rc" != 0 ]] && compgen -G "$TMP/results.*.txt" >/dev/null; then
		log "partial results (the run did not finish):"
		cat "$TMP"/results.*.txt
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted (budget ${BUDGET}s exceeded or signal)"; exit 124' INT TERM

# ------------------------------------------------------------------ build
if [[ "$SKIP_BUILD" != 1 ]]; then
	if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
		log "configuring a Release build in $BUILD_DIR"
		cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
			-DHUES_BUILD_TESTS=OFF >"$TMP/cmake.log" 2>&1 || {
			cat "$TMP/cmake.log" >&2
			exit 1
		}
	fi
	log "building hues-server and hues-bench in $BUILD_DIR"
	cmake --build "$BUILD_DIR" --target hues-server hues-bench -j2 \
		>"$TMP/build.log" 2>&1 || {
		cat "$TMP/build.log" >&2
		exit 1
	}
	log "peer dependencies ($PEERS_DIR/deps.sh; installs only what is missing)"
	sh "$PEERS_DIR/deps.sh" >"$TMP/deps.log" 2>&1 || {
		cat "$TMP/deps.log" >&2
		exit 1
	}
	log "building the peers in $PEERS_BUILD"
	mkdir -p "$PEERS_BUILD"
	make -C "$PEERS_DIR" BUILD="$PEERS_BUILD" -j2 all >"$TMP/peers-build.log" 2>&1 || {
		cat "$TMP/peers-build.log" >&2
		exit 1
	}
	# The peers' numbers rest on their histogram and encoder: check them.
	timeout 120 "$PEERS_BUILD/selftest" 2>&1 | sed 's/^/  /' >&2
fi
SERVER="$BUILD_DIR/server/hues-server"
BENCH="$BUILD_DIR/tools/hues-bench"
for f in "$SERVER" "$BENCH" "$PEERS_DIR/run.sh" "$PEERS_BUILD/grpc_load" "$PEERS_BUILD/nng_load"; do
	[[ -e "$f" ]] || {
		log "missing $f (build first, or unset SKIP_BUILD)"
		exit 1
	}
done
log "machine: $(nproc) cores, $(uname -r); servers and load generators share the cores"

# ------------------------------------------------------------------- hues
start_hues() { # -> SRV_PID, SRV_PORT
	local i
	rm -rf "$TMP/hues-data"
	# shellcheck disable=SC2086
	"$SERVER" --listen tcp://127.0.0.1:0 --data-dir "$TMP/hues-data" \
		$HUES_SERVER_ARGS 2>"$TMP/hues-server.err" >/dev/null &
	SRV_PID=$!
	for ((i = 0; i < 100; i++)); do
		SRV_PORT=$(sed -n 's|.*listening on tcp://127\.0\.0\.1:\([0-9]*\).*|\1|p' \
			"$TMP/hues-server.err" | head -n1)
		if [[ -n "$SRV_PORT" ]]; then
			log "hues-server listening on 127.0.0.1:$SRV_PORT (pid $SRV_PID)"
			return 0
		fi
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	log "hues-server failed to start:"
	cat "$TMP/hues-server.err" >&2
	return 1
}

stop_hues() {
	if [[ -n "$SRV_PID" ]]; then
		stop_pid "$SRV_PID"
		SRV_PID=""
		# Only what the server had to say beyond its start and stop.
		grep -v -e 'listening on' -e 'ready:' -e 'draining:' -e 'stopped' \
			"$TMP/hues-server.err" | sed 's/^/  server: /' >&2 || true
	fi
}

# run_hues R C: one hues-bench load; its RESULT line goes to results.R.txt.
run_hues() {
	local r=$1 c=$2 out="$TMP/hues-bench.out"
	log "hues echo conc=$c"
	# shellcheck disable=SC2086
	if timeout --foreground -k 5 $((LOAD_S + 10)) "$BENCH" --url "tcp://127.0.0.1:$SRV_PORT" \
		--method echo --payload "$PAYLOAD" --concurrency "$c" \
		--duration "$DURATION" --warmup "$WARMUP" $HUES_BENCH_ARGS \
		>"$out" 2> >(sed 's/^/  /' >&2); then
		:
	else
		log "hues-bench conc=$c exited with $? (its RESULT line is kept)"
	fi
	grep '^RESULT ' "$out" >>"$TMP/results.$r.txt" || printf 'FAILED hues echo conc=%s\n' "$c" >>"$TMP/results.$r.txt"
	sed 's/^/  /' "$out" >&2
}

# ------------------------------------------------------------------ peers
run_peers() {
	local r=$1 rc=0
	log "peers: gRPC and raw NNG (their run.sh: echo, get, put; the table uses echo)"
	# The peers' dir is read-only: BUILD points at our build of them.
	# shellcheck disable=SC2086
	env -u PEERS_RUN_INNER PEERS="grpc nng" CONCS="$CONCS" DURATION="$DURATION" \
		WARMUP="$WARMUP" PAYLOAD="$PAYLOAD" BUILD="$PEERS_BUILD" SKIP_BUILD=1 \
		BUDGET="$PEERS_BUDGET" $PEERS_ARGS bash "$PEERS_DIR/run.sh" \
		>"$TMP/peers.$r.out" 2> >(sed 's/^/  | /' >&2) &
	PEERS_PID=$!
	wait "$PEERS_PID" || rc=$?
	PEERS_PID=""
	if [[ $rc != 0 ]]; then
		log "peers' run.sh exited with $rc; keeping what it measured"
	fi
	# Its stdout is the RESULT lines (and FAILED lines for failed loads).
	grep -E '^(RESULT|FAILED) ' "$TMP/peers.$r.out" >>"$TMP/results.$r.txt" || true
}

for ((r = 1; r <= REPEAT; r++)); do
	log "=== repeat $r of $REPEAT"
	: >"$TMP/results.$r.txt"
	start_hues
	for c in $CONCS; do
		run_hues "$r" "$c"
	done
	stop_hues
	run_peers "$r"
done

# ---------------------------------------------------------------- summary
log "done in $(($(date +%s) - T_START))s"
python3 "$HERE/ratios.py" "$TMP"/results.*.txt
echo
echo "## All RESULT lines"
echo
for ((r = 1; r <= REPEAT; r++)); do
	echo "# repeat $r"
	cat "$TMP/results.$r.txt"
done
