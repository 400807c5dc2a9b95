/*
 * load.c - the drivers of hues-bench. The closed loop keeps exactly C calls
 * in flight: each completion callback records its call and starts the next
 * one. The open loop has a pacer thread start calls at their scheduled
 * times and measures each from that time, so a slow server cannot hide
 * its slowness by delaying the sends (coordinated omission).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "load.h"
#include "tally.h"

#define MS 1000000ull
#define S  1000000000ull

typedef struct run run;

/* One call in flight and when it started (or, in the open loop, was due
 * to start). Closed loop: ticket i is slot i for the whole run. Open loop:
 * tickets come from a free list, which caps the calls in flight at C. */
typedef struct ticket {
	run           *r;
	uint64_t       t0;
	bool           measured; /* --calls: one of the calls measured */
	load_call      call;     /* with a generator: the call in flight */
	struct ticket *next_free;
} ticket;

struct run {
	const load_cfg  *cfg;
	hues_client     *client;
	uint64_t         begin_ns;
	uint64_t         win_start;
	_Atomic uint64_t win_end;   /* brought forward by an interrupt */
	_Atomic uint64_t last_done; /* --calls: end of the window */
	atomic_bool      stop;      /* start no more calls */
	/* Calls started and not yet completed. A callback counts its
	 * successor before it uncounts itself, so this reaches 0 only when
	 * no callback can start another call. */
	atomic_uint_fast64_t outstanding;
	atomic_uint_fast64_t completions; /* progress, for the watchdog */
	atomic_uint_fast64_t budget;      /* --calls: still to start */
	tally_set            tallies;
	ticket              *tickets;
	/* Open loop, under mtx. */
	pthread_mutex_t mtx;
	ticket         *free;
	uint64_t        next_k;    /* the next call of the schedule */
	uint64_t        capped_at; /* last time a due call found no ticket */
	uint64_t        late;
	bool            schedule_over;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * S + (uint64_t) ts.tv_nsec;
}

static void
sleep_until(uint64_t t)
{
	struct timespec ts = { (time_t) (t / S), (long) (t % S) };
	while (
	    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
		/* EINTR (a signal): sleep on; callers re-check their state. */
	}
}

static double
cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* --calls: takes one of the calls to measure, if any is left. */
static bool
take_budget(run *r)
{
	uint_fast64_t left = atomic_load(&r->budget);
	while (left > 0) {
		if (atomic_compare_exchange_weak(&r->budget, &left, left - 1)) {
			return true;
		}
	}
	return false;
}

static void on_done(hues_result *res, void *arg);

static unsigned
slot_of(const run *r, const ticket *t)
{
	return (unsigned) (t - r->tickets);
}

/* With a generator, asks it for the next call of t's slot. Returns false
 * when the slot has no more calls. Without one, t sends load_cfg.req. */
static bool
prepare(run *r, ticket *t)
{
	const load_gen *g = r->cfg->gen;

	if (g == NULL) {
		return true;
	}
	memset(&t->call, 0, sizeof(t->call));
	return g->next(g->arg, slot_of(r, t), &t->call);
}

/* Starts the call of t. On failure the call is counted as an error and
 * the ticket is the caller's again. */
static int
issue(run *r, ticket *t)
{
	const load_cfg *cfg = r->cfg;
	int             rv;

	atomic_fetch_add(&r->outstanding, 1);
	if (cfg->gen == NULL) {
		rv = hues_call_async(r->client, cfg->method, cfg->req,
		    cfg->req_len, &cfg->call, on_done, t);
	} else {
		/* The options are copied by the call: a stack copy that
		 * names this call's caller is enough. */
		hues_call_opts o = cfg->call;
		if (t->call.token != NULL) {
			o.bearer_token = t->call.token;
		}
		rv = hues_call_async(r->client,
		    t->call.method ? t->call.method : cfg->method, t->call.req,
		    t->call.len, &o, on_done, t);
	}
	if (rv != HUES_OK) {
		tally_count(&r->tallies, TALLY_ERROR, rv, 0, false);
		atomic_fetch_sub(&r->outstanding, 1);
	}
	return rv;
}

/* Closed loop: starts the next call of slot t unless the run is over for
 * it. Returns HUES_OK when it started one or had none to start. */
static int
closed_next(run *r, ticket *t)
{
	uint64_t now = now_ns();

	if (atomic_load(&r->stop) || now >= atomic_load(&r->win_end)) {
		return HUES_OK;
	}
	t->measured = false;
	if (r->cfg->calls > 0 && now >= r->win_start) {
		if (!take_budget(r)) {
			return HUES_OK;
		}
		t->measured = true;
	}
	if (!prepare(r, t)) {
		return HUES_OK; /* the generator has no more for this slot */
	}
	/* The clock is read last so that latency covers the SDK's work on
	 * the call and nothing of ours (the generator's included). */
	t->t0 = now_ns();
	return issue(r, t);
}

/* Time the k-th call of the open-loop schedule is due. */
static uint64_t
due_time(const run *r, uint64_t k)
{
	return r->begin_ns + (uint64_t) ((double) k * 1e9 / r->cfg->rate);
}

/* Open loop: takes a ticket for the next scheduled call if it is due and
 * one is free. Returns NULL otherwise. */
static ticket *
claim_due(run *r, uint64_t now)
{
	ticket *t = NULL;

	pthread_mutex_lock(&r->mtx);
	uint64_t due = due_time(r, r->next_k);
	if (atomic_load(&r->stop) || due >= atomic_load(&r->win_end)) {
		r->schedule_over = true;
	} else if (due <= now && r->free == NULL) {
		r->capped_at = now;
	} else if (due <= now) {
		bool measured = false;
		if (r->cfg->calls > 0 && due >= r->win_start) {
			if (!take_budget(r)) {
				r->schedule_over = true;
				goto out;
			}
			measured = true;
		}
		t           = r->free;
		r->free     = t->next_free;
		t->t0       = due;
		t->measured = measured;
		if (due <= r->capped_at) {
			r->late++;
		}
		r->next_k++;
	}
out:
	pthread_mutex_unlock(&r->mtx);
	return t;
}

static void
release(run *r, ticket *t)
{
	pthread_mutex_lock(&r->mtx);
	t->next_free = r->free;
	r->free      = t;
	pthread_mutex_unlock(&r->mtx);
}

/* Open loop: starts every call that is due and has a ticket. */
static void
send_due(run *r)
{
	ticket *t;
	while ((t = claim_due(r, now_ns())) != NULL) {
		if (!prepare(r, t)) {
			/* A finite generator ran out: so did the schedule. */
			release(r, t);
			pthread_mutex_lock(&r->mtx);
			r->schedule_over = true;
			pthread_mutex_unlock(&r->mtx);
			return;
		}
		if (issue(r, t) != HUES_OK) {
			release(r, t);
			return;
		}
	}
}

/* Decides what a completed call counts as; a generator sees every
 * outcome, so that it can follow a call with the next of a chain. */
static enum tally_outcome
judge(run *r, const ticket *t, const hues_result *res)
{
	const load_gen *g    = r->cfg->gen;
	int             code = hues_result_code(res);

	if (g != NULL) {
		size_t      len = 0;
		const void *p =
		    code == HUES_OK ? hues_result_payload(res, &len) : NULL;
		bool right = g->done(g->arg, slot_of(r, t), code, p, len);
		if (code == HUES_OK) {
			return right ? TALLY_OK : TALLY_BAD_REPLY;
		}
	} else if (code == HUES_OK) {
		size_t      len;
		const void *p = hues_result_payload(res, &len);
		return r->cfg->check == NULL ||
		               r->cfg->check(p, len, r->cfg->check_arg)
		           ? TALLY_OK
		           : TALLY_BAD_REPLY;
	}
	/* Our own shutdown cancelled it: the call did not fail. */
	if (code == HUES_CANCELLED && atomic_load(&r->stop)) {
		return TALLY_ABANDONED;
	}
	return TALLY_ERROR;
}

/* --calls, or a generator that runs out: the window closes with the
 * last measured call rather than at a set time. */
static bool
ends_with_last_call(const load_cfg *cfg)
{
	return cfg->calls > 0 || (cfg->gen != NULL && cfg->gen->finite);
}

static void
on_done(hues_result *res, void *arg)
{
	ticket  *t  = arg;
	run     *r  = t->r;
	uint64_t t1 = now_ns();

	enum tally_outcome o    = judge(r, t, res);
	int                code = hues_result_code(res);
	hues_result_free(res);

	bool measured;
	if (r->cfg->calls > 0) {
		measured = t->measured;
	} else {
		measured = t1 >= r->win_start && t1 < atomic_load(&r->win_end);
	}
	if (measured && ends_with_last_call(r->cfg)) {
		/* The window ends with the last measured call. */
		uint64_t last = atomic_load(&r->last_done);
		while (t1 > last && !atomic_compare_exchange_weak(
		                        &r->last_done, &last, t1)) {
		}
	}
	tally_count(&r->tallies, o, code, t1 - t->t0, measured);
	atomic_fetch_add(&r->completions, 1);

	if (r->cfg->rate > 0) {
		release(r, t);
		send_due(r);
	} else {
		closed_next(r, t);
	}
	atomic_fetch_sub(&r->outstanding, 1);
}

/* The open loop's pacer: starts the calls that are due, then sleeps until
 * the next one is. While C calls are in flight the completions start the
 * due calls; the pacer then only looks in now and then. */
static void *
pacer(void *arg)
{
	run *r = arg;

	for (;;) {
		send_due(r);
		uint64_t now = now_ns();
		pthread_mutex_lock(&r->mtx);
		bool     over = r->schedule_over || atomic_load(&r->stop);
		uint64_t next = due_time(r, r->next_k);
		pthread_mutex_unlock(&r->mtx);
		if (over) {
			return NULL;
		}
		/* Wake at least every 20 ms to notice the end of the run. */
		uint64_t wake = next > now ? next : now + MS;
		sleep_until(wake < now + 20 * MS ? wake : now + 20 * MS);
	}
}

static bool
schedule_over(run *r)
{
	pthread_mutex_lock(&r->mtx);
	bool over = r->schedule_over;
	pthread_mutex_unlock(&r->mtx);
	return over;
}

/* hues_client_destroy() on its own thread, so that waiting for it can be
 * bounded: after a server went away it can block for good in nng_close()
 * (NNG 1.5.2; the peers' raw nng_load hangs there the same way). */
typedef struct destroyer {
	hues_client *client;
	atomic_bool  done;
} destroyer;

static void *
destroy_main(void *arg)
{
	destroyer *d = arg;
	hues_client_destroy(d->client);
	atomic_store(&d->done, true);
	return NULL;
}

/* Returns false when the client is still being destroyed after ms; the
 * destroyer is then left to its thread (and leaked). */
static bool
destroy_bounded(hues_client *c, uint32_t ms)
{
	destroyer *d = malloc(sizeof(*d));
	pthread_t  thr;

	if (d == NULL) {
		hues_client_destroy(c);
		return true;
	}
	d->client = c;
	atomic_init(&d->done, false);
	if (pthread_create(&thr, NULL, destroy_main, d) != 0) {
		free(d);
		hues_client_destroy(c);
		return true;
	}
	uint64_t end = now_ns() + ms * MS;
	while (!atomic_load(&d->done) && now_ns() < end) {
		sleep_until(now_ns() + 2 * MS);
	}
	if (!atomic_load(&d->done)) {
		pthread_detach(thr);
		return false;
	}
	pthread_join(thr, NULL);
	free(d);
	return true;
}

/* Starts the first calls: C slots (closed loop) or the pacer. */
static int
start(run *r, pthread_t *pacer_thread, bool *pacing, char *why, size_t whylen)
{
	const load_cfg *cfg = r->cfg;

	if (cfg->rate > 0) {
		for (unsigned i = 0; i < cfg->concurrency; i++) {
			r->tickets[i].next_free = r->free;
			r->free                 = &r->tickets[i];
		}
		if (pthread_create(pacer_thread, NULL, pacer, r) != 0) {
			snprintf(why, whylen, "cannot start the pacer thread");
			return HUES_RESOURCE_EXHAUSTED;
		}
		*pacing = true;
		return HUES_OK;
	}
	for (unsigned i = 0; i < cfg->concurrency; i++) {
		int rv = closed_next(r, &r->tickets[i]);
		if (rv != HUES_OK && i == 0) {
			snprintf(why, whylen, "cannot start a call of %s: %s",
			    cfg->method, hues_status_name(rv));
			return rv;
		}
	}
	return HUES_OK;
}

/* Waits for the end of the window: its time (--duration), the last
 * measured call (--calls), an interrupt, or a run that can make no more
 * progress. Samples the CPU clock at both ends of the window. */
static void
wait_window(run *r, bool pacing, double *cpu0, double *cpu1)
{
	const load_cfg *cfg   = r->cfg;
	uint64_t        stall = (cfg->timeout_ms + 2000ull) * MS;
	uint64_t        seen = 0, seen_at = now_ns();
	uint64_t tick = cfg->progress_s > 0 ? (uint64_t) (cfg->progress_s * 1e9)
	                                    : UINT64_MAX;
	uint64_t next_tick =
	    tick == UINT64_MAX ? UINT64_MAX : r->begin_ns + tick;
	bool sampled = false;

	for (;;) {
		uint64_t now = now_ns();
		if (!sampled && now >= r->win_start) {
			*cpu0   = cpu_seconds();
			sampled = true;
		}
		if (cfg->interrupt != NULL && *cfg->interrupt) {
			if (now < atomic_load(&r->win_end)) {
				atomic_store(&r->win_end, now);
			}
			break;
		}
		if (now >= atomic_load(&r->win_end)) {
			break;
		}
		/* Nothing in flight and nothing more to start: every slot
		 * retired (closed loop) or the schedule ran out. */
		uint64_t out = atomic_load(&r->outstanding);
		if (out == 0 && (!pacing || schedule_over(r))) {
			break;
		}
		uint64_t done = atomic_load(&r->completions);
		if (now >= next_tick) {
			fprintf(stderr, "hues-bench: %.0f s: %llu calls done\n",
			    (double) (now - r->begin_ns) / 1e9,
			    (unsigned long long) done);
			next_tick += tick;
		}
		if (done != seen || out == 0) {
			seen    = done;
			seen_at = now;
		} else if (now - seen_at > stall) {
			break; /* calls stopped completing: give up on them */
		}
		uint64_t wake = now + 20 * MS;
		if (!sampled && r->win_start < wake) {
			wake = r->win_start;
		}
		if (atomic_load(&r->win_end) < wake) {
			wake = atomic_load(&r->win_end);
		}
		if (next_tick < wake) {
			wake = next_tick;
		}
		sleep_until(wake);
	}
	if (!sampled) {
		*cpu0 = cpu_seconds();
	}
	*cpu1 = cpu_seconds();
}

int
load_run(const load_cfg *cfg, load_report *rep, char *why, size_t whylen)
{
	run       r = { .cfg = cfg };
	pthread_t pacer_thread;
	bool      pacing = false;
	double    cpu0 = 0, cpu1 = 0;
	int       rv;

	memset(rep, 0, sizeof(*rep));
	hist_init(&rep->lat);
	pthread_mutex_init(&r.mtx, NULL);
	r.tickets = calloc(cfg->concurrency, sizeof(*r.tickets));
	if (r.tickets == NULL || !tally_set_init(&r.tallies)) {
		snprintf(why, whylen, "out of memory");
		rv = HUES_RESOURCE_EXHAUSTED;
		goto fail;
	}
	for (unsigned i = 0; i < cfg->concurrency; i++) {
		r.tickets[i].r = &r;
	}
	if ((rv = hues_client_create(
	         cfg->urls, cfg->nurls, &cfg->client, &r.client)) != HUES_OK) {
		snprintf(why, whylen, "cannot create the client: %s",
		    hues_strerror(rv));
		goto fail;
	}

	r.begin_ns  = now_ns();
	r.win_start = r.begin_ns + (uint64_t) (cfg->warmup_s * 1e9);
	atomic_store(&r.win_end,
	    cfg->calls > 0 ? UINT64_MAX
	                   : r.win_start + (uint64_t) (cfg->duration_s * 1e9));
	atomic_store(&r.budget, cfg->calls);
	if ((rv = start(&r, &pacer_thread, &pacing, why, whylen)) != HUES_OK) {
		atomic_store(&r.stop, true);
		hues_client_destroy(r.client);
		goto fail;
	}
	wait_window(&r, pacing, &cpu0, &cpu1);
	uint64_t end = ends_with_last_call(cfg) ? atomic_load(&r.last_done)
	                                        : atomic_load(&r.win_end);

	/* After the window: no new calls; those in flight get until their
	 * deadline (and a second) before destroy cancels them. */
	atomic_store(&r.stop, true);
	if (pacing) {
		pthread_join(pacer_thread, NULL);
	}
	uint64_t drain_end = now_ns() + (cfg->timeout_ms + 1000ull) * MS;
	while (atomic_load(&r.outstanding) > 0 && now_ns() < drain_end) {
		sleep_until(now_ns() + 2 * MS);
	}
	/* Unfinished calls that the client never completes count as
	 * abandoned; they cannot be told apart from the lost ones. */
	uint64_t left = atomic_load(&r.outstanding);
	if (!destroy_bounded(r.client, 5000)) {
		rep->client_stuck = true;
		rep->abandoned    = left;
	}
	tally_set_sum(&r.tallies, rep);
	rep->window_s =
	    end > r.win_start ? (double) (end - r.win_start) / 1e9 : 0.0;
	rep->cpu_s       = cpu1 - cpu0;
	rep->late_sends  = r.late;
	rep->interrupted = cfg->interrupt != NULL && *cfg->interrupt;
	rv               = HUES_OK;
	if (rep->client_stuck) {
		/* Callbacks may still run: leave what they use alone. */
		return rv;
	}
fail:
	tally_set_fini(&r.tallies);
	free(r.tickets);
	pthread_mutex_destroy(&r.mtx);
	return rv;
}
