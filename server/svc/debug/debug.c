/*
 * debug.c - the Debug service. Sleep waits on a condition variable so that
 * a release (SIGUSR1) or the start of a drain ends every sleep at once;
 * it logs "debug sleep started" so tests can wait for a worker to be held
 * instead of guessing with timers.
 */
#include "svc/debug/debug.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "hues/v1/debug.pb-c.h"
#include "svc/debug/store.h"

typedef struct debug_state {
	debug_store_ctx  kv; /* first: Put and Get read it as their state */
	pthread_mutex_t  mtx;
	pthread_cond_t   cv;
	unsigned long    generation; /* bumped by every release or drain */
	bool             draining;
	atomic_uint_fast64_t counter;
} debug_state;

static int
debug_echo(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__EchoRequest *req  = reqp;
	Hues__V1__EchoResponse      *resp = respp;
	(void) call;
	/* The request lives in the call's arena until the reply is sent, so
	 * the response may point into it. */
	resp->payload = req->payload;
	return HUES_OK;
}

/* Waits until the absolute monotonic time until_ns (0: forever), a release
 * or a drain; returns true when something other than the timer ended it. */
static bool
wait_until(debug_state *st, uint64_t until_ns)
{
	bool interrupted = false;

	pthread_mutex_lock(&st->mtx);
	unsigned long gen = st->generation;
	while (!st->draining && gen == st->generation) {
		if (until_ns == 0) {
			pthread_cond_wait(&st->cv, &st->mtx);
			continue;
		}
		struct timespec ts = {
		    .tv_sec  = (time_t) (until_ns / 1000000000u),
		    .tv_nsec = (long) (until_ns % 1000000000u),
		};
		if (pthread_cond_timedwait(&st->cv, &st->mtx, &ts) == ETIMEDOUT) {
			break;
		}
	}
	interrupted = st->draining || gen != st->generation;
	pthread_mutex_unlock(&st->mtx);
	return interrupted;
}

static int
debug_sleep(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__SleepRequest *req   = reqp;
	Hues__V1__SleepResponse      *resp  = respp;
	debug_state                  *st    = call_state(call);
	uint64_t                      start = clock_now_ns();
	uint64_t                      until = 0;
	int64_t                       left  = call_remaining_ms(call);

	/* A plain sleep stands for a slow handler and runs its full time,
	 * deadline or not; a hold ends at the deadline at the latest. */
	if (!req->hold) {
		until = start + (uint64_t) req->ms * 1000000u;
	} else if (left >= 0) {
		until = start + (uint64_t) left * 1000000u;
	}
	LOG_INFO(call_request_id(call), "debug sleep started hold=%d ms=%u",
	    req->hold ? 1 : 0, req->ms);
	resp->interrupted = wait_until(st, until);
	resp->slept_ms    = (uint32_t) ((clock_now_ns() - start) / 1000000u);
	return HUES_OK;
}

static int
debug_bump(svc_call *call, const void *reqp, void *respp)
{
	debug_state            *st   = call_state(call);
	Hues__V1__BumpResponse *resp = respp;
	(void) reqp;
	resp->value = atomic_fetch_add(&st->counter, 1) + 1;
	return HUES_OK;
}

static int
debug_fail(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__FailRequest *req = reqp;
	(void) respp;
	for (size_t i = 0; i < req->n_field_violations; i++) {
		call_violation(call, req->field_violations[i]->field, "%s",
		    req->field_violations[i]->description);
	}
	if (req->reason[0] != '\0') {
		call_set_reason(call, call_strdup(call, req->reason));
	}
	return call_fail(call, req->code, "%s", req->message);
}

static const svc_method debug_methods[] = {
    {
        .name     = "/hues.v1.Debug/Echo",
        .request  = &hues__v1__echo_request__descriptor,
        .response = &hues__v1__echo_response__descriptor,
        .handler  = debug_echo,
        .flags    = SVC_READ_ONLY | SVC_IDEMPOTENT,
        .auth     = SVC_AUTH_PUBLIC,
    },
    /* The methods below are served only with debug methods enabled. */
    {
        .name     = "/hues.v1.Debug/Sleep",
        .request  = &hues__v1__sleep_request__descriptor,
        .response = &hues__v1__sleep_response__descriptor,
        .handler  = debug_sleep,
        .flags    = SVC_READ_ONLY | SVC_IDEMPOTENT,
        .auth     = SVC_AUTH_PUBLIC,
    },
    {
        .name     = "/hues.v1.Debug/Bump",
        .request  = &hues__v1__bump_request__descriptor,
        .response = &hues__v1__bump_response__descriptor,
        .handler  = debug_bump,
        .flags    = 0, /* a write that must not run twice */
        .auth     = SVC_AUTH_PUBLIC,
    },
    {
        .name     = "/hues.v1.Debug/Fail",
        .request  = &hues__v1__fail_request__descriptor,
        .response = &hues__v1__fail_response__descriptor,
        .handler  = debug_fail,
        .flags    = SVC_READ_ONLY | SVC_IDEMPOTENT,
        .auth     = SVC_AUTH_PUBLIC,
    },
    /* Without a store these two answer UNAVAILABLE. */
    {
        .name     = "/hues.v1.Debug/Put",
        .request  = &hues__v1__put_request__descriptor,
        .response = &hues__v1__put_response__descriptor,
        .handler  = debug_put,
        .flags    = SVC_IDEMPOTENT | SVC_NO_RATE_LIMIT, /* one put, twice */
        .auth     = SVC_AUTH_PUBLIC,
    },
    {
        .name     = "/hues.v1.Debug/Get",
        .request  = &hues__v1__get_request__descriptor,
        .response = &hues__v1__get_response__descriptor,
        .handler  = debug_get,
        .flags    = SVC_READ_ONLY | SVC_IDEMPOTENT,
        .auth     = SVC_AUTH_PUBLIC,
    },
};
#define NMETHODS (sizeof(debug_methods) / sizeof(debug_methods[0]))

static void
debug_event(void *arg, svc_event ev)
{
	debug_state *st = arg;
	pthread_mutex_lock(&st->mtx);
	if (ev == SVC_EVENT_DRAIN) {
		st->draining = true;
	}
	st->generation++;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->mtx);
}

static void
debug_destroy(void *arg)
{
	debug_state *st = arg;
	pthread_cond_destroy(&st->cv);
	pthread_mutex_destroy(&st->mtx);
	free(st);
}

int
debug_service(bool with_test_methods, store *db, svc_service *out)
{
	debug_state       *st = calloc(1, sizeof(*st));
	pthread_condattr_t attr;
	int                rv;

	if (st == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	if (with_test_methods && db != NULL &&
	    (rv = debug_store_open(db, &st->kv.table)) != HUES_OK) {
		free(st);
		return rv;
	}
	st->kv.st = db;
	/* Sleep deadlines are on CLOCK_MONOTONIC, like every deadline. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&st->cv, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&st->mtx, NULL);
	*out = (svc_service) {
	    .name     = "hues.v1.Debug",
	    .methods  = debug_methods,
	    .nmethods = with_test_methods ? NMETHODS : 1,
	    .state    = st,
	    .event    = debug_event,
	    .destroy  = debug_destroy,
	};
	return HUES_OK;
}
