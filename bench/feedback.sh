#!/usr/bin/env bash
# bench/feedback.sh - the Feedback service against its peers, all measured
# in one run on this machine, with a markdown table of ratios.
#
#   bench/feedback.sh                     # 1M reports: ~5-10 min warm
#   FEED_REPORTS=100000 bench/feedback.sh # a quick run
#   REPEAT=3 bench/feedback.sh > r.md
#
# Once per run: hues-server on a temp data dir, loaded with FEED_REPORTS
# reports by `hues-bench --method publish` (SubmitReport, then Triage
# ACCEPT by a coordinator, so PublicFeed shows them). Then per repeat:
#   a. SubmitReport (durable) at C=64 on a fresh data dir, and the store's
#      writes per commit from the server's shutdown line; right after it,
#      the gRPC peer's put at C=64, so that the two durable loads meet the
#      same disk (its syncs vary by 2x within minutes here);
#   b. GetReport at C=64 and PublicFeed near a point at C=16 on the
#      loaded data dir, then the peers' gets (gRPC and raw NNG at C=64);
#   c. PublicFeed again against a server with FEED_WORKERS workers.
# Figures only: nothing here passes or fails on time. Everything is
# bounded by timeouts; the EXIT trap stops every server and removes the
# temp dir, whatever happens.
#
# Environment knobs (defaults in brackets):
#   DURATION [5]  WARMUP [1]  REPEAT [1]
#   READ_WARMUP [30]      GetReport's warmup: a restarted server maps its
#                         (GB-sized) store page by page as it reads it
#   FEED_REPORTS [1000000]  reports loaded for GetReport and PublicFeed
#   SUBMIT_CONC [64]  GET_CONC [64]  FEED_CONC [16]
#   LOAD_CONC [256]       report chains in flight while loading (more in
#                         flight make larger group commits)
#   USERS [1000]          citizens whose tokens the loads take in turn
#   FEED_RADIUS [1000]    PublicFeed: metres around the point
#   FEED_PAGE [20]        PublicFeed: page size
#   FEED_WORKERS [1]      PublicFeed again, against a server with this many
#                         workers: on a 2-core machine that leaves a core
#                         to the load generator beside it ("": skip)
#   PEER_RECORDS [100000] records the peers' servers start with
#   LOAD_TIMEOUT [120 + FEED_REPORTS/400]  seconds the loading may take
#   BUILD_DIR [<repo>/build-bench]   hues Release build (configured if new)
#   PEERS_DIR [<repo>/../shared/bench/peers]   read-only peer sources
#   PEERS_BUILD [$BUILD_DIR/peers]   where the peers are built
#   SKIP_BUILD [0]  1: use the binaries already built
#   HUES_SERVER_ARGS [""]  extra server flags (the script always passes
#                          --write-rate-per-hour 0: the loads write far
#                          faster than a person)
#   HUES_BENCH_ARGS [""]   extra hues-bench flags for the measured loads
#   GRPC_SERVER_ARGS [""]  e.g. "--api callback"
#   BUDGET [computed]      seconds before the watchdog ends the whole run
set -euo pipefail

DURATION="${DURATION:-5}"
WARMUP="${WARMUP:-1}"
READ_WARMUP="${READ_WARMUP:-30}"
REPEAT="${REPEAT:-1}"
FEED_REPORTS="${FEED_REPORTS:-1000000}"
SUBMIT_CONC="${SUBMIT_CONC:-64}"
GET_CONC="${GET_CONC:-64}"
FEED_CONC="${FEED_CONC:-16}"
LOAD_CONC="${LOAD_CONC:-256}"
USERS="${USERS:-1000}"
FEED_RADIUS="${FEED_RADIUS:-1000}"
FEED_PAGE="${FEED_PAGE:-20}"
FEED_WORKERS="${FEED_WORKERS-1}"
PEER_RECORDS="${PEER_RECORDS:-100000}"
LOAD_TIMEOUT="${LOAD_TIMEOUT:-$((120 + FEED_REPORTS / 400))}"
# One load lasts warmup + window + drain; a repeat runs 7 of them and
# starts 5 servers (the peers' fill PEER_RECORDS first).
LOAD_S=$(awk -v d="$DURATION" -v w="$WARMUP" 'BEGIN { printf "%d", d + w + 10 }')
READ_S=$(awk -v d="$DURATION" -v w="$READ_WARMUP" 'BEGIN { printf "%d", d + w + 10 }')
BUDGET="${BUDGET:-$((600 + LOAD_TIMEOUT + REPEAT * (6 * LOAD_S + READ_S + 5 * 40)))}"

# Re-run under a watchdog: after $BUDGET s `timeout` signals this script,
# whose traps stop the servers and remove the temp dir.
if [[ -z "${HUES_FEEDBACK_BENCH_INNER:-}" ]]; then
	export HUES_FEEDBACK_BENCH_INNER=1
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
GRPC_SERVER_ARGS="${GRPC_SERVER_ARGS:-}"

T_START=$(date +%s)
TMP="$(mktemp -d /tmp/hues-feedback-bench.XXXXXX)"
SRV_PID=""
PEER_PID=""

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
	[[ -z "$PEER_PID" ]] || stop_pid "$PEER_PID"
	[[ -z "$SRV_PID" ]] || stop_pid "$SRV_PID"
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
	timeout 120 "$PEERS_BUILD/selftest" 2>&1 | sed 's/^/  /' >&2
fi
SERVER="$BUILD_DIR/server/hues-server"
BENCH="$BUILD_DIR/tools/hues-bench"
for f in "$SERVER" "$BENCH" "$PEERS_BUILD/grpc_server" "$PEERS_BUILD/grpc_load" \
	"$PEERS_BUILD/nng_server" "$PEERS_BUILD/nng_load"; do
	[[ -e "$f" ]] || {
		log "missing $f (build first, or unset SKIP_BUILD)"
		exit 1
	}
done
log "machine: $(nproc) cores, $(uname -r); servers and load generators share the cores"
# What was measured: the commit, and whether the sources differed from it
# (a build of a dirty tree measures the uncommitted changes too).
REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ "$SKIP_BUILD" == 1 ]]; then
	REV="$REV (SKIP_BUILD=1: binaries of $BUILD_DIR, built from whatever was there)"
elif [[ -n "$(git -C "$ROOT" status --porcelain -- server client-sdk include proto tools 2>/dev/null)" ]]; then
	REV="$REV + uncommitted changes"
fi
log "sources: $REV"

# ------------------------------------------------------------------- hues
# start_hues DIR [FLAGS...]: a server on DIR -> SRV_PID, SRV_PORT; its
# log is $TMP/hues-server.err.
start_hues() {
	local dir=$1 i
	shift
	# shellcheck disable=SC2086
	"$SERVER" --listen tcp://127.0.0.1:0 --data-dir "$dir" \
		--write-rate-per-hour 0 $HUES_SERVER_ARGS "$@" \
		2>"$TMP/hues-server.err" >/dev/null &
	SRV_PID=$!
	for ((i = 0; i < 300; i++)); do
		SRV_PORT=$(sed -n 's|.*listening on tcp://127\.0\.0\.1:\([0-9]*\).*|\1|p' \
			"$TMP/hues-server.err" | head -n1)
		if [[ -n "$SRV_PORT" ]]; then
			log "hues-server on $dir listening on 127.0.0.1:$SRV_PORT (pid $SRV_PID)"
			return 0
		fi
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	log "hues-server failed to start:"
	cat "$TMP/hues-server.err" >&2
	return 1
}

# stop_hues [TAG R]: stops the server; with a tag, its "store: N writes in
# M commits (largest K), F failed, B batches redone" line goes to
# results.R.txt as a STORE line.
stop_hues() {
	local tag=${1:-} r=${2:-} line
	[[ -n "$SRV_PID" ]] || return 0
	stop_pid "$SRV_PID"
	SRV_PID=""
	line=$(sed -n 's/.*store: \([0-9]*\) writes in \([0-9]*\) commits (largest \([0-9]*\)), \([0-9]*\) failed, \([0-9]*\) batches redone.*/writes=\1 commits=\2 largest=\3 failed=\4 redone=\5/p' \
		"$TMP/hues-server.err" | tail -n1)
	if [[ -n "$tag" && -n "$line" ]]; then
		echo "STORE phase=$tag $line" >>"$TMP/results.$r.txt"
		log "store ($tag): $line"
	fi
	# Where the writer's time went per commit (server/store/write.c).
	line=$(sed -n 's/.*store: writer per commit: \([0-9]*\) us running the writes, \([0-9]*\) us committing them, \([0-9]*\) us completing them.*/run_us=\1 commit_us=\2 complete_us=\3/p' \
		"$TMP/hues-server.err" | tail -n1)
	if [[ -n "$tag" && -n "$line" ]]; then
		echo "WRITER phase=$tag $line" >>"$TMP/results.$r.txt"
		log "writer ($tag): $line"
	fi
	# The warm pass at open: how much of the map it left in huge pages.
	line=$(sed -n 's/.*store: \([0-9]*\) MB mapped ahead, \([0-9]*\) MB in huge pages (\([0-9]*\) MB before the reread).*/mapped_mb=\1 huge_mb=\2 before_mb=\3/p' \
		"$TMP/hues-server.err" | tail -n1)
	if [[ -n "$tag" && -n "$line" ]]; then
		echo "WARM phase=$tag $line" >>"$TMP/results.$r.txt"
		log "store warm ($tag): $line"
	fi
	# Only what the server had to say beyond its start and stop.
	grep -v -e 'listening on' -e 'ready:' -e 'draining:' -e 'stopped' \
		-e 'store: ' -e 'no JWT keys configured' "$TMP/hues-server.err" |
		head -n 20 | sed 's/^/  server: /' >&2 || true
}

# run_hues R SECONDS ARGS...: one hues-bench load; its RESULT line goes
# to results.R.txt (a FAILED line if it printed none).
run_hues() {
	local r=$1 limit=$2 out="$TMP/hues-bench.out" rc=0
	shift 2
	timeout --foreground -k 5 "$limit" "$BENCH" --url "tcp://127.0.0.1:$SRV_PORT" \
		"$@" >"$out" 2> >(sed -u 's/^/  /' >&2) || rc=$?
	[[ $rc == 0 ]] || log "hues-bench $* exited with $rc (its RESULT line is kept)"
	grep '^RESULT ' "$out" >>"$TMP/results.$r.txt" ||
		printf 'FAILED hues %s\n' "$*" >>"$TMP/results.$r.txt"
	sed 's/^/  /' "$out" >&2
}

# ------------------------------------------------------------------ peers
# start_peer NAME ARGS...: a peer server -> PEER_PID, PEER_PORT.
start_peer() {
	local name=$1 i
	shift
	"$PEERS_BUILD/$name" --port 0 --max-seconds "$BUDGET" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	PEER_PID=$!
	for ((i = 0; i < 600; i++)); do
		PEER_PORT=$(sed -n 's/^LISTENING port=//p' "$TMP/$name.out" | head -n1)
		if [[ -n "$PEER_PORT" ]]; then
			log "$name listening on 127.0.0.1:$PEER_PORT (pid $PEER_PID)"
			return 0
		fi
		kill -0 "$PEER_PID" 2>/dev/null || break
		sleep 0.1
	done
	log "$name failed to start:"
	cat "$TMP/$name.err" >&2
	return 1
}

stop_peer() {
	[[ -n "$PEER_PID" ]] || return 0
	stop_pid "$PEER_PID"
	PEER_PID=""
}

# run_peer R NAME LOAD ARGS...: one peer load; RESULT lines to results.R.txt.
run_peer() {
	local r=$1 name=$2 out="$TMP/peer-load.out" rc=0
	shift 2
	log "$name $*"
	timeout --foreground -k 5 "$LOAD_S" "$PEERS_BUILD/$name" "$@" \
		--duration "$DURATION" --warmup "$WARMUP" \
		>"$out" 2> >(sed -u 's/^/  | /' >&2) || rc=$?
	[[ $rc == 0 ]] || log "$name exited with $rc"
	grep '^RESULT ' "$out" >>"$TMP/results.$r.txt" ||
		printf 'FAILED %s %s\n' "$name" "$*" >>"$TMP/results.$r.txt"
	sed 's/^/  | /' "$out" >&2
}

# ------------------------------------------------------------ the data set
FEED_DIR="$TMP/feed-data"
: >"$TMP/results.load.txt"
log "loading $FEED_REPORTS reports (SubmitReport + Triage ACCEPT, C=$LOAD_CONC, at most ${LOAD_TIMEOUT}s)"
start_hues "$FEED_DIR"
T0=$(date +%s.%N)
# The loader's own cap ends it (and prints what it made) before timeout.
run_hues load "$LOAD_TIMEOUT" --method publish --reports "$FEED_REPORTS" \
	--concurrency "$LOAD_CONC" --jwt-secret "$FEED_DIR/jwt-secret" \
	--users "$USERS" --duration "$((LOAD_TIMEOUT - 30))" --progress 30
T1=$(date +%s.%N)
stop_hues load load
LOAD_WALL=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }')
echo "LOADED wall_s=$LOAD_WALL data_mb=$(du -sm "$FEED_DIR" | cut -f1)" >>"$TMP/results.load.txt"
log "loaded in ${LOAD_WALL}s; data dir $(du -sh "$FEED_DIR" | cut -f1)"
# GetReport reads ids 1 .. the reports made (ids are dense on a fresh dir).
IDS=$(sed -n 's/.*method=publish .* submitted=\([0-9]*\).*/\1/p' "$TMP/results.load.txt" | tail -n1)
if [[ -z "$IDS" || "$IDS" == 0 ]]; then
	log "the loader made no report; GetReport and PublicFeed are skipped"
	IDS=0
fi

# ------------------------------------------------------------------- runs
for ((r = 1; r <= REPEAT; r++)); do
	log "=== repeat $r of $REPEAT"
	: >"$TMP/results.$r.txt"

	SUB_DIR="$TMP/submit-data.$r"
	start_hues "$SUB_DIR"
	log "hues SubmitReport conc=$SUBMIT_CONC (fresh data dir)"
	# shellcheck disable=SC2086
	run_hues "$r" "$LOAD_S" --method submit --concurrency "$SUBMIT_CONC" \
		--jwt-secret "$SUB_DIR/jwt-secret" --users "$USERS" \
		--duration "$DURATION" --warmup "$WARMUP" $HUES_BENCH_ARGS
	stop_hues submit "$r"
	rm -rf "$SUB_DIR"

	# shellcheck disable=SC2086
	start_peer grpc_server --db "$TMP/grpc-db" --records "$PEER_RECORDS" \
		$GRPC_SERVER_ARGS
	run_peer "$r" grpc_load --addr "127.0.0.1:$PEER_PORT" --method put \
		--concurrency "$SUBMIT_CONC" --records "$PEER_RECORDS"
	stop_peer
	rm -rf "$TMP/grpc-db"

	if [[ "$IDS" != 0 ]]; then
		start_hues "$FEED_DIR"
		log "hues GetReport conc=$GET_CONC (ids 1..$IDS, ${READ_WARMUP}s warmup)"
		# shellcheck disable=SC2086
		run_hues "$r" "$READ_S" --method get-report --ids "$IDS" \
			--concurrency "$GET_CONC" --jwt-secret "$FEED_DIR/jwt-secret" \
			--users "$USERS" --duration "$DURATION" --warmup "$READ_WARMUP" \
			$HUES_BENCH_ARGS
		log "hues PublicFeed conc=$FEED_CONC (near a point, ${FEED_RADIUS} m, page $FEED_PAGE)"
		# shellcheck disable=SC2086
		run_hues "$r" "$LOAD_S" --method feed --radius "$FEED_RADIUS" \
			--page-size "$FEED_PAGE" --concurrency "$FEED_CONC" \
			--jwt-secret "$FEED_DIR/jwt-secret" --users "$USERS" \
			--duration "$DURATION" --warmup "$WARMUP" $HUES_BENCH_ARGS
		stop_hues reads "$r"
	fi

	# shellcheck disable=SC2086
	start_peer grpc_server --db "$TMP/grpc-db" --records "$PEER_RECORDS" \
		$GRPC_SERVER_ARGS
	run_peer "$r" grpc_load --addr "127.0.0.1:$PEER_PORT" --method get \
		--concurrency "$GET_CONC" --records "$PEER_RECORDS"
	stop_peer
	rm -rf "$TMP/grpc-db"

	start_peer nng_server --db "$TMP/nng-db" --records "$PEER_RECORDS"
	run_peer "$r" nng_load --addr "tcp://127.0.0.1:$PEER_PORT" --method get \
		--concurrency "$GET_CONC" --records "$PEER_RECORDS"
	stop_peer
	rm -rf "$TMP/nng-db"

	# PublicFeed with FEED_WORKERS comes after the peers, so that their
	# gets run soon after GetReport.
	if [[ "$IDS" != 0 && -n "$FEED_WORKERS" ]]; then
		start_hues "$FEED_DIR" --workers "$FEED_WORKERS"
		log "hues PublicFeed conc=$FEED_CONC, server with $FEED_WORKERS worker(s)"
		# shellcheck disable=SC2086
		run_hues "$r" "$READ_S" --method feed --radius "$FEED_RADIUS" \
			--page-size "$FEED_PAGE" --concurrency "$FEED_CONC" \
			--jwt-secret "$FEED_DIR/jwt-secret" --users "$USERS" \
			--duration "$DURATION" --warmup "$READ_WARMUP" $HUES_BENCH_ARGS
		# Tags its RESULT line (the last one) for the report.
		sed -i '$ s/^\(RESULT tool=hues method=feed .*\)$/\1 workers='"$FEED_WORKERS"'/' \
			"$TMP/results.$r.txt"
		stop_hues
	fi
done

# ---------------------------------------------------------------- summary
log "done in $(($(date +%s) - T_START))s"
python3 - "$FEED_REPORTS" "$FEED_CONC" "$REV" "$TMP/results.load.txt" "$TMP"/results.[0-9]*.txt <<'EOF'
import statistics
import sys

feed_reports, feed_conc, rev = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
load_path, paths = sys.argv[4], sys.argv[5:]


def parse(path):
    """[(kind, {key: value})] of the RESULT, STORE, WRITER, LOADED and WARM
    lines."""
    out, failed = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "FAILED":
                failed.append(" ".join(w[1:]))
            elif w[0] in ("RESULT", "STORE", "WRITER", "LOADED", "WARM"):
                kv = {}
                for x in w[1:]:
                    if "=" in x:
                        k, v = x.split("=", 1)
                        try:
                            kv[k] = float(v)
                        except ValueError:
                            kv[k] = v
                out.append((w[0], kv))
    return out, failed


def find(lines, kind, **want):
    for k, kv in lines:
        if k == kind and all(kv.get(a) == b for a, b in want.items()):
            return kv
    return None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def num(v, d=0):
    return "–" if v is None else f"{v:,.{d}f}".replace(",", " ")


def rng(xs):
    xs = [x for x in xs if x is not None]
    return f" ({num(min(xs))}–{num(max(xs))})" if len(xs) > 1 else ""


def rat(v):
    return "–" if v is None else f"{v:.2f}×"


runs, failed = [], []
for p in paths:
    lines, f = parse(p)
    runs.append(lines)
    failed += f
load_lines, f = parse(load_path)
failed += f
n = len(runs)

rows = [  # label, hues method, peer tool, peer method, target ratio
    ("SubmitReport (durable) ÷ gRPC Put", "submit", "grpc", "put", 10.0),
    ("GetReport ÷ gRPC Get", "get-report", "grpc", "get", 2.0),
    ("GetReport ÷ raw NNG get", "get-report", "nng", "get", 0.8),
]
print(f"## Feedback against the peers ({n} repeat{'s' if n != 1 else ''}"
      f"{', medians' if n > 1 else ''})")
print()
print(f"hues at {rev}.")
print()
print("| load | C | hues qps | peer qps | ratio | target | hues p50 / p99 µs "
      "| peer p50 / p99 µs | errors hues / peer |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
targets = []
for label, hm, pt, pm, want in rows:
    hs = [find(r, "RESULT", tool="hues", method=hm) for r in runs]
    ps = [find(r, "RESULT", tool=pt, method=pm) for r in runs]
    ratios = [h["qps"] / p["qps"] if h and p and p["qps"] else None
              for h, p in zip(hs, ps)]
    ratio = med(ratios)
    conc = next((h["conc"] for h in hs if h), None)
    hq = [h and h["qps"] for h in hs]
    pq = [p and p["qps"] for p in ps]
    cells = [label, num(conc), num(med(hq)) + rng(hq), num(med(pq)) + rng(pq),
             rat(ratio), f"≥ {want}×",
             f"{num(med([h and h['p50_us'] for h in hs]))} / "
             f"{num(med([h and h['p99_us'] for h in hs]))}",
             f"{num(med([p and p['p50_us'] for p in ps]))} / "
             f"{num(med([p and p['p99_us'] for p in ps]))}",
             f"{num(sum(h['errors'] for h in hs if h))} / "
             f"{num(sum(p['errors'] for p in ps if p))}"]
    print("| " + " | ".join(cells) + " |")
    targets.append((label, ratio, want, ">="))

def feed_row(label, fs):
    p99 = med([f and f["p99_us"] for f in fs])
    fq = [f and f["qps"] for f in fs]
    print(f"| {label} | "
          f"{num(next((f['conc'] for f in fs if f), None))} | "
          f"{num(med(fq))}{rng(fq)} | – | – | p99 < 5 000 µs | "
          f"{num(med([f and f['p50_us'] for f in fs]))} / {num(p99)} | – | "
          f"{num(sum(f['errors'] for f in fs if f))} / – |")
    return p99


# The first feed line of a run is the default server's, the tagged one
# the run against a server with FEED_WORKERS workers.
fs = [next((kv for k, kv in r if k == "RESULT" and kv.get("tool") == "hues"
            and kv.get("method") == "feed" and "workers" not in kv), None)
      for r in runs]
fws = [next((kv for k, kv in r if k == "RESULT" and kv.get("tool") == "hues"
             and kv.get("method") == "feed" and "workers" in kv), None)
       for r in runs]
p99 = feed_row(f"PublicFeed near a point, {num(feed_reports)} reports", fs)
workers = next((f["workers"] for f in fws if f), None)
p99w = None
if workers is not None:
    p99w = feed_row(f"PublicFeed, the same, server `--workers "
                    f"{num(workers)}`", fws)
print()

stores = [find(r, "STORE", phase="submit") for r in runs]
subs = [find(r, "RESULT", tool="hues", method="submit") for r in runs]
per = [s["writes"] / s["commits"] if s and s["commits"] else None for s in stores]
cps = [h["qps"] / p if h and p else None for h, p in zip(subs, per)]
print(f"- SubmitReport's group commit: {num(med(per), 1)} writes per commit, "
      f"so about {num(med(cps))} commits/s in the window (qps ÷ writes per "
      f"commit; largest commit {num(med([s and s['largest'] for s in stores]))}"
      f" writes, {num(sum(s['failed'] for s in stores if s))} failed, "
      f"{num(sum(s['redone'] for s in stores if s))} batches redone with "
      f"child txns).")
writers = [find(r, "WRITER", phase="submit") for r in runs]
if any(writers):
    print("- SubmitReport's writer thread, per commit (median of the repeats): "
          f"{num(med([w and w['run_us'] for w in writers]))} µs running the "
          f"writes, {num(med([w and w['commit_us'] for w in writers]))} µs in "
          "LMDB's commit (its page writes and two syncs), "
          f"{num(med([w and w['complete_us'] for w in writers]))} µs "
          "completing them (on the completer thread, beside the next "
          "commit).")
warms = [find(r, "WARM", phase="reads") for r in runs]
if any(warms):
    print("- The reads' server at open (GetReport, PublicFeed): "
          + "; ".join(f"{num(w['mapped_mb'])} MB mapped, {num(w['huge_mb'])} MB "
                      f"in 2 MiB pages ({num(w['before_mb'])} MB before the reread)"
                      for w in warms if w) + ".")
items = med([f and f.get("items_per_page") for f in fs])
if items is not None:
    print(f"- PublicFeed: {items:.1f} items per page on average, "
          f"{num(sum(f.get('empty_pages', 0) for f in fs if f))} empty pages.")
ld = find(load_lines, "RESULT", tool="hues", method="publish")
lw = find(load_lines, "LOADED")
ls = find(load_lines, "STORE", phase="load")
if ld and lw:
    made = ld.get("published", 0)
    print(f"- Loading: {num(ld.get('submitted'))} reports submitted, "
          f"{num(ld.get('accepted'))} accepted at triage, {num(made)} "
          f"published, in {lw['wall_s']:.0f} s wall time "
          f"({num(made / lw['wall_s'] if lw['wall_s'] else None)} reports/s, "
          f"two durable writes each; {num(ld['qps'])} calls/s, p99 "
          f"{num(ld['p99_us'])} µs, {num(ld['errors'])} errors); data dir "
          f"{num(lw['data_mb'])} MB.")
    if ls and ls["commits"]:
        print(f"  Its store: {num(ls['writes'])} writes in "
              f"{num(ls['commits'])} commits, "
              f"{ls['writes'] / ls['commits']:.1f} per commit.")
print()
print("Targets (informative; one run on a shared machine is noisy):")
print()
for label, got, want, op in targets:
    if got is None:
        print(f"- {label}: not measured")
    else:
        print(f"- {label} = {got:.2f} (target ≥ {want}): "
              f"{'met' if got >= want else 'not met'}")
feeds = [(f"PublicFeed p99 at C={feed_conc}", p99)]
if workers is not None:
    feeds.append((f"PublicFeed p99 at C={feed_conc}, server --workers "
                  f"{num(workers)}", p99w))
for label, p in feeds:
    if p is None:
        print(f"- {label}: not measured")
    else:
        print(f"- {label} = {p / 1000:.2f} ms "
              f"(target < 5 ms): {'met' if p < 5000 else 'not met'}")
if failed:
    print()
    print("Failed loads: " + "; ".join(failed))
EOF
echo
echo "## All RESULT lines"
echo
echo "# loading"
cat "$TMP/results.load.txt"
for ((r = 1; r <= REPEAT; r++)); do
	echo "# repeat $r"
	cat "$TMP/results.$r.txt"
done
