/*
 * store_bench.c - what the store's group commit gives: durable writes of
 * ~300-byte records from T threads that each block in store_write, and
 * from one thread that keeps N store_write_submit requests in flight.
 * Prints one RESULT line per load, in the peers' format plus
 * commits_per_s and per_commit (records per commit). Figures only: it
 * never passes or fails on time.
 *
 *   hues-store-bench [--duration S] [--warmup S] [--concs 1,16,64]
 *                    [--async 64] [--value-size 300] [--dir DIR]
 *
 * Each load writes new keys (8-byte big-endian ids, one counter for the
 * run) into one table of a store in a temp dir (removed at the end). The
 * latency of a write runs from just before it is handed to the store
 * until the store says it is committed; only writes that complete inside
 * the window count, and qps = count / window.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hues/status.h"
#include "store/store.h"

/* Log-linear histogram of ns: exact below 128, then 64 buckets per power
 * of two (error under 1/64), as the peers' bench_common.h measures. */
#define HIST_BUCKETS (128 + 57 * 64)

typedef struct {
	uint64_t n;
	uint64_t b[HIST_BUCKETS];
} hist;

static unsigned
hist_index(uint64_t v)
{
	if (v < 128) {
		return (unsigned) v;
	}
	unsigned e = 63u - (unsigned) __builtin_clzll(v);
	return 128 + (e - 7) * 64 + (unsigned) ((v >> (e - 6)) & 63);
}

static uint64_t
hist_lower(unsigned i)
{
	if (i < 128) {
		return i;
	}
	unsigned e = (i - 128) / 64 + 7, sub = (i - 128) % 64;
	return (uint64_t) (64 + sub) << (e - 6);
}

static void
hist_add(hist *h, uint64_t v)
{
	h->b[hist_index(v)]++;
	h->n++;
}

static void
hist_merge(hist *d, const hist *s)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		d->b[i] += s->b[i];
	}
	d->n += s->n;
}

/* Nearest rank, reported as the bucket's lower bound. */
static uint64_t
hist_quantile(const hist *h, double q)
{
	uint64_t rank = (uint64_t) (q * (double) h->n + 0.999999), seen = 0;
	if (rank == 0) {
		rank = 1;
	}
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		if ((seen += h->b[i]) >= rank) {
			return hist_lower(i);
		}
	}
	return 0;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static void
sleep_until(uint64_t t)
{
	uint64_t now;
	while ((now = now_ns()) < t) {
		uint64_t        d  = t - now;
		struct timespec ts = { (time_t) (d / 1000000000u),
			(long) (d % 1000000000u) };
		nanosleep(&ts, NULL);
	}
}

static store           *g_st;
static store_table     *g_tab;
static size_t           g_value_size = 300;
static double           g_duration = 3, g_warmup = 1;
static _Atomic uint64_t g_next_id = 1;

/* One write: a record under the next id. The value is filled from the id
 * (deterministic bytes, like the peers' records) on every run of fn, so a
 * retried batch writes the same thing. */
typedef struct {
	uint64_t id;
	uint8_t  key[8];
	uint8_t *val;
	uint64_t t0;
} put_arg;

static void
put_prepare(put_arg *a)
{
	a->id      = atomic_fetch_add(&g_next_id, 1);
	uint64_t x = a->id * 0x9E3779B97F4A7C15ull;
	for (int i = 0; i < 8; i++) {
		a->key[i] = (uint8_t) (a->id >> (56 - 8 * i));
	}
	for (size_t i = 0; i < g_value_size; i++) {
		x ^= x >> 33, x *= 0xff51afd7ed558ccdull;
		a->val[i] = (uint8_t) (' ' + (x >> 58));
	}
}

static int
put_fn(store_txn *txn, void *arg)
{
	put_arg *a = arg;
	return store_put(txn, g_tab, a->key, sizeof(a->key), a->val,
	    g_value_size, STORE_PUT_NOOVERWRITE);
}

typedef struct {
	pthread_t tid;
	uint64_t  start, win_lo, win_hi;
	uint64_t  count, errors;
	unsigned  inflight; /* async: requests in flight; 0 = blocking */
	hist     *h;
} worker;

/* Records a completion at time t of a write started at t0. */
static void
record(worker *w, uint64_t t0, uint64_t t, int rc)
{
	if (t < w->win_lo || t >= w->win_hi) {
		return;
	}
	if (rc != HUES_OK) {
		w->errors++;
		return;
	}
	w->count++;
	hist_add(w->h, t - t0);
}

static void *
blocking_main(void *p)
{
	worker  *w   = p;
	uint8_t *val = malloc(g_value_size);
	put_arg  a   = { .val = val };

	sleep_until(w->start);
	for (uint64_t t = now_ns(); t < w->win_hi; t = now_ns()) {
		put_prepare(&a);
		int rc = store_write(g_st, put_fn, &a);
		record(w, t, now_ns(), rc);
	}
	free(val);
	return NULL;
}

/* One thread, a ring of requests: wait for the oldest, start a new one in
 * its place. The writer completes requests in submission order, so the
 * oldest is the next to finish. */
static void *
async_main(void *p)
{
	worker           *w  = p;
	unsigned          n  = w->inflight;
	store_write_req **rq = calloc(n, sizeof(*rq));
	put_arg          *a  = calloc(n, sizeof(*a));

	for (unsigned i = 0; i < n; i++) {
		store_write_req_create(&rq[i]);
		a[i].val = malloc(g_value_size);
	}
	sleep_until(w->start);
	for (unsigned i = 0; i < n; i++) {
		put_prepare(&a[i]);
		store_write_req_set(rq[i], put_fn, &a[i], NULL, NULL);
		a[i].t0 = now_ns();
		store_write_submit(g_st, rq[i]);
	}
	for (unsigned i = 0;; i = (i + 1) % n) {
		int      rc = store_write_wait(rq[i]);
		uint64_t t  = now_ns();
		record(w, a[i].t0, t, rc);
		if (t >= w->win_hi) {
			/* Drain the others, then stop. */
			for (unsigned j = (i + 1) % n; j != i;
			     j          = (j + 1) % n) {
				store_write_wait(rq[j]);
			}
			break;
		}
		put_prepare(&a[i]);
		a[i].t0 = now_ns();
		store_write_submit(g_st, rq[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		store_write_req_destroy(rq[i]);
		free(a[i].val);
	}
	free(rq);
	free(a);
	return NULL;
}

/* Runs one load: T blocking threads, or one thread with `inflight`
 * requests in flight. */
static void
run_load(const char *method, unsigned threads, unsigned inflight)
{
	worker     *w   = calloc(threads, sizeof(*w));
	hist       *all = calloc(1, sizeof(*all));
	store_stats s0, s1;
	uint64_t    start  = now_ns() + 20000000u; /* threads are up by then */
	uint64_t    win_lo = start + (uint64_t) (g_warmup * 1e9);
	uint64_t    win_hi = win_lo + (uint64_t) (g_duration * 1e9);
	uint64_t    count = 0, errors = 0;

	for (unsigned i = 0; i < threads; i++) {
		w[i] = (worker) { .start = start,
			.win_lo          = win_lo,
			.win_hi          = win_hi,
			.inflight        = inflight,
			.h               = calloc(1, sizeof(hist)) };
		pthread_create(&w[i].tid, NULL,
		    inflight ? async_main : blocking_main, &w[i]);
	}
	sleep_until(win_lo);
	store_stats_get(g_st, &s0);
	sleep_until(win_hi);
	store_stats_get(g_st, &s1);
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		hist_merge(all, w[i].h);
		count += w[i].count;
		errors += w[i].errors;
		free(w[i].h);
	}
	uint64_t commits = s1.commits - s0.commits;
	uint64_t recs    = s1.requests_committed - s0.requests_committed;
	unsigned conc    = inflight ? inflight : threads;
	printf("RESULT tool=hues-store method=%s conc=%u qps=%.1f p50_us=%llu "
	       "p90_us=%llu p99_us=%llu errors=%llu commits_per_s=%.1f "
	       "per_commit=%.2f\n",
	    method, conc, (double) count / g_duration,
	    (unsigned long long) (hist_quantile(all, 0.50) / 1000),
	    (unsigned long long) (hist_quantile(all, 0.90) / 1000),
	    (unsigned long long) (hist_quantile(all, 0.99) / 1000),
	    (unsigned long long) errors, (double) commits / g_duration,
	    commits ? (double) recs / (double) commits : 0.0);
	fflush(stdout);
	fprintf(stderr,
	    "hues-store-bench: %s conc=%u: %llu writes in %.1f s, %llu "
	    "commits, largest batch so far %llu\n",
	    method, conc, (unsigned long long) count, g_duration,
	    (unsigned long long) commits,
	    (unsigned long long) s1.largest_batch);
	free(all);
	free(w);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: hues-store-bench [--duration S] [--warmup S] "
	           "[--concs 1,16,64] [--async N] [--value-size B] "
	           "[--dir DIR]\n");
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "concs", required_argument, NULL, 'c' },
		{ "async", required_argument, NULL, 'a' },
		{ "value-size", required_argument, NULL, 'v' },
		{ "dir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char concs[128] = "1,16,64", tmpl[] = "/tmp/hues-store-bench.XXXXXX";
	const char *dir     = NULL;
	unsigned    async_n = 64;
	int         opt;
	char        err[256];

	while ((opt = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (opt) {
		case 'd': g_duration = atof(optarg); break;
		case 'w': g_warmup = atof(optarg); break;
		case 'c': snprintf(concs, sizeof(concs), "%s", optarg); break;
		case 'a': async_n = (unsigned) atoi(optarg); break;
		case 'v': g_value_size = (size_t) atol(optarg); break;
		case 'D': dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (g_duration <= 0 || g_value_size == 0) {
		usage(stderr);
		return 2;
	}
	bool made = dir == NULL;
	if (made && (dir = mkdtemp(tmpl)) == NULL) {
		perror("hues-store-bench: mkdtemp");
		return 1;
	}
	const char *tables[] = { "records", NULL };
	store_opts  so       = { .dir = dir, .tables = tables };
	if (store_open(&so, &g_st, err, sizeof(err)) != HUES_OK ||
	    store_table_open(g_st, "records", 0, &g_tab) != HUES_OK) {
		fprintf(stderr, "hues-store-bench: %s\n", err);
		return 1;
	}
	for (char *save = NULL, *t = strtok_r(concs, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		run_load("put", (unsigned) atoi(t), 0);
	}
	if (async_n > 0) {
		run_load("put_async", 1, async_n);
	}
	store_close(g_st);
	if (made) {
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0) {
			fprintf(stderr, "hues-store-bench: cannot remove %s\n",
			    dir);
		}
	}
	return 0;
}
