/*
 * sweep.c - closes resolved reports whose rating window passed without a
 * rating (expire_rating, by the system). A thread of the service wakes
 * every sweep_ms, reads the rating index up to now and closes each due
 * report as a job of its own, through the store's group commit like any
 * call: the state is checked again in the write, so a rating that lands
 * first wins.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "svc/feedback/fb.h"

#define SWEEP_BATCH 256

static const svc_principal system_principal = {.subject = NULL, .role = 0};

static int
apply_expire(fb_job *j, store_txn *txn)
{
	(void) txn;
	if (j->rep->state != HUES__V1__REPORT_STATE__REPORT_STATE_RESOLVED ||
	    j->rep->resolved_at + j->svc->rating_window_s > j->now) {
		j->no_save = true; /* rated, or reopened, meanwhile */
		return HUES_OK;
	}
	int rv = fb_job_transition(j, FEEDBACK_ACTION_EXPIRE_RATING, "", "");
	if (rv == HUES_OK) {
		j->rep->closed_at = j->now;
	}
	return rv;
}

/* The seqs whose rating deadline is at or before now. */
static size_t
due(fb_service *svc, int64_t now, uint64_t *out)
{
	store_reader *r;
	store_txn    *txn;
	store_cursor *c;
	store_item    it;
	store_key     hi;
	size_t        n = 0;

	store_key_init(&hi);
	store_key_i64(&hi, now);
	store_range rg = {.hi = store_key_data(&hi),
	    .hi_len           = store_key_len(&hi),
	    .flags            = STORE_RANGE_HI_INCL,
	    .limit            = SWEEP_BATCH};
	if (store_reader_create(svc->st, &r) != HUES_OK) {
		return 0;
	}
	if (store_read_begin(r, &txn) == HUES_OK) {
		if (store_cursor_open(txn, svc->t.rating, &rg, &c) == HUES_OK) {
			while (store_cursor_next(c, &it) == HUES_OK) {
				store_key_view v;
				int64_t        at;
				store_key_view_init(&v, it.key, it.klen);
				if (store_key_get_i64(&v, &at) == HUES_OK &&
				    store_key_get_u64(&v, &out[n]) == HUES_OK) {
					n++;
				}
			}
			store_cursor_close(c);
		}
		store_read_end(r);
	}
	store_reader_destroy(r);
	return n;
}

static size_t
sweep_once(fb_service *svc)
{
	uint64_t seqs[SWEEP_BATCH];
	int64_t  now = clock_unix_s();
	size_t   n   = due(svc, now, seqs);
	size_t   closed = 0;

	for (size_t i = 0; i < n; i++) {
		fb_job j = {
		    .svc   = svc,
		    .who   = &system_principal,
		    .role  = FEEDBACK_ROLE_SYSTEM,
		    .seq   = seqs[i],
		    .now   = now,
		    .apply = apply_expire,
		    .authz = FB_AUTHZ_SYSTEM,
		};
		if (fb_job_run(&j, svc->st) == HUES_OK && !j.no_save) {
			closed++;
		}
	}
	return closed;
}

static void *
sweeper(void *arg)
{
	fb_service *svc = arg;

	pthread_mutex_lock(&svc->sweep_mtx);
	while (!svc->stopping) {
		pthread_mutex_unlock(&svc->sweep_mtx);
		size_t closed = sweep_once(svc);
		if (closed > 0) {
			LOG_INFO(NULL,
			    "feedback: closed %zu reports whose rating window "
			    "passed",
			    closed);
		}
		pthread_mutex_lock(&svc->sweep_mtx);
		uint64_t        until = clock_now_ns() +
		                 (uint64_t) svc->sweep_ms * 1000000u;
		struct timespec ts    = {(time_t) (until / 1000000000u),
		       (long) (until % 1000000000u)};
		while (!svc->stopping &&
		       pthread_cond_timedwait(&svc->sweep_cv, &svc->sweep_mtx,
		           &ts) != ETIMEDOUT) {
		}
	}
	pthread_mutex_unlock(&svc->sweep_mtx);
	return NULL;
}

int
fb_sweeper_start(fb_service *svc)
{
	pthread_condattr_t a;

	/* The wait is on CLOCK_MONOTONIC, like every deadline. */
	pthread_cond_destroy(&svc->sweep_cv);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&svc->sweep_cv, &a);
	pthread_condattr_destroy(&a);
	if (pthread_create(&svc->sweeper, NULL, sweeper, svc) != 0) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	svc->sweeper_started = true;
	return HUES_OK;
}

void
fb_sweeper_stop(fb_service *svc)
{
	pthread_mutex_lock(&svc->sweep_mtx);
	svc->stopping = true;
	pthread_cond_broadcast(&svc->sweep_cv);
	bool join            = svc->sweeper_started;
	svc->sweeper_started = false;
	pthread_mutex_unlock(&svc->sweep_mtx);
	if (join) {
		pthread_join(svc->sweeper, NULL);
	}
}
