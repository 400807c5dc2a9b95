/*
 * tally.c - per-thread tallies of call outcomes (see tally.h). A thread
 * gets its tally on its first count; a thread-local pointer finds it
 * again without a lock.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

struct tally {
	hist     lat;
	uint64_t by_code[HUES_STATUS_COUNT];
	uint64_t bad_replies;
	uint64_t abandoned;
	tally   *next;
};

static _Thread_local tally   *tl_tally;
static _Thread_local uint64_t tl_set; /* the set tl_tally belongs to */
static atomic_uint_fast64_t   set_ids = 1;

static tally *
tally_new(void)
{
	tally *t = malloc(sizeof(*t));
	if (t != NULL) {
		memset(t, 0, sizeof(*t));
		hist_init(&t->lat);
	}
	return t;
}

bool
tally_set_init(tally_set *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->id     = atomic_fetch_add(&set_ids, 1);
	ts->shared = tally_new();
	if (ts->shared == NULL) {
		return false;
	}
	pthread_mutex_init(&ts->mtx, NULL);
	return true;
}

void
tally_set_fini(tally_set *ts)
{
	while (ts->list != NULL) {
		tally *next = ts->list->next;
		free(ts->list);
		ts->list = next;
	}
	if (ts->shared != NULL) {
		free(ts->shared);
		ts->shared = NULL;
		pthread_mutex_destroy(&ts->mtx);
	}
}

/* The calling thread's tally, or NULL when it has none and none can be
 * allocated. */
static tally *
my_tally(tally_set *ts)
{
	if (tl_tally != NULL && tl_set == ts->id) {
		return tl_tally;
	}
	tally *t = tally_new();
	if (t == NULL) {
		return NULL;
	}
	pthread_mutex_lock(&ts->mtx);
	t->next  = ts->list;
	ts->list = t;
	pthread_mutex_unlock(&ts->mtx);
	tl_tally = t;
	tl_set   = ts->id;
	return t;
}

void
tally_count(tally_set *ts, enum tally_outcome o, int code, uint64_t latency,
    bool measured)
{
	tally *t = my_tally(ts);
	if (t == NULL) {
		pthread_mutex_lock(&ts->mtx);
		t = ts->shared;
	}
	switch (o) {
	case TALLY_OK:
		if (measured) {
			hist_add(&t->lat, latency);
		}
		break;
	case TALLY_ERROR:
		if (code < 0 || code >= HUES_STATUS_COUNT) {
			code = HUES_UNKNOWN;
		}
		t->by_code[code]++;
		break;
	case TALLY_BAD_REPLY: t->bad_replies++; break;
	case TALLY_ABANDONED: t->abandoned++; break;
	}
	if (t == ts->shared) {
		pthread_mutex_unlock(&ts->mtx);
	}
}

static void
add(load_report *rep, const tally *t)
{
	hist_merge(&rep->lat, &t->lat);
	for (int i = 0; i < HUES_STATUS_COUNT; i++) {
		rep->by_code[i] += t->by_code[i];
		rep->errors += t->by_code[i];
	}
	rep->bad_replies += t->bad_replies;
	rep->errors += t->bad_replies;
	rep->abandoned += t->abandoned;
}

void
tally_set_sum(tally_set *ts, load_report *rep)
{
	add(rep, ts->shared);
	for (const tally *t = ts->list; t != NULL; t = t->next) {
		add(rep, t);
	}
	rep->ok = rep->lat.count;
}
