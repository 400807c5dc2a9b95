/*
 * tally.h - outcomes of calls, counted per thread. Callbacks of many SDK
 * threads record calls at once; each thread counts into its own tally
 * (found through a thread-local pointer), so recording takes no lock.
 * The tallies are added up once no callback can run any more.
 */
#ifndef HUES_BENCH_TALLY_H
#define HUES_BENCH_TALLY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "load.h"

enum tally_outcome {
	TALLY_OK,        /* an OK reply that passed the check */
	TALLY_ERROR,     /* an error code, the SDK's or the server's */
	TALLY_BAD_REPLY, /* an OK reply that failed the check */
	TALLY_ABANDONED, /* cancelled by our own shutdown */
};

typedef struct tally tally;

/* The tallies of one run. */
typedef struct tally_set {
	uint64_t        id;  /* tells this set's tallies from an older set's */
	pthread_mutex_t mtx; /* guards list and shared */
	tally          *list;
	tally          *shared; /* for a thread whose own did not allocate */
} tally_set;

/* Returns false when memory runs out. */
bool tally_set_init(tally_set *ts);

/* Frees the tallies; after tally_set_sum or instead of it. */
void tally_set_fini(tally_set *ts);

/* Counts one call on the calling thread's tally; the latency (ns) goes
 * into the histogram only for a measured OK call. Any thread. */
void tally_count(tally_set *ts, enum tally_outcome o, int code,
    uint64_t latency, bool measured);

/* Adds every tally into rep (lat, by_code, errors, bad_replies,
 * abandoned, ok). Only once no thread counts any more. */
void tally_set_sum(tally_set *ts, load_report *rep);

#endif /* HUES_BENCH_TALLY_H */
