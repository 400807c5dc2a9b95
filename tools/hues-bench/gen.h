/*
 * gen.h - the Feedback load generators of hues-bench: realistic calls of
 * SubmitReport, GetReport and PublicFeed from many citizens, and the
 * "publish" chain that fills a data set (each report submitted, then
 * accepted at triage by a coordinator, so that PublicFeed shows it).
 * Requests are drawn from a pool made before the run, so a call costs a
 * copy and a few patched bytes, not a fresh encoding.
 */
#ifndef HUES_BENCH_GEN_H
#define HUES_BENCH_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "load.h"
#include "tokens.h"

typedef enum gen_kind {
	GEN_SUBMIT = 1, /* SubmitReport of a new report per call */
	GEN_GET,        /* GetReport of R1 .. R<ids>, uniformly */
	GEN_FEED,       /* PublicFeed near a point of the city */
	GEN_PUBLISH,    /* SubmitReport, then Triage ACCEPT of it */
} gen_kind;

typedef struct gen_opts {
	gen_kind kind;
	unsigned slots;     /* the load's concurrency */
	uint64_t seed;      /* the same seed makes the same pool */
	size_t   pool;      /* SubmitReport requests made ahead [4096] */
	uint64_t ids;       /* GEN_GET: ids 1 .. ids */
	uint64_t reports;   /* GEN_PUBLISH: reports to make; 0: until the
	                       window ends */
	uint32_t radius_m;  /* GEN_FEED [1000] */
	uint32_t page_size; /* GEN_FEED [20] */
	/* Citizens' tokens, used round-robin, one call each; NULL or empty:
	 * the load's own --token for every call. */
	const tokens *citizens;
	/* GEN_PUBLISH: the coordinator's token for Triage. */
	const char *coordinator;
} gen_opts;

typedef struct gen gen;

/* Makes the generator and its pool. Returns 0, or -1 with a reason in
 * why (whylen bytes). */
int gen_create(const gen_opts *o, gen **out, char *why, size_t whylen);

/* NULL is fine. Only once no call of the load can run any more. */
void gen_destroy(gen *g);

/* The hooks for load_cfg.gen; valid until gen_destroy(). */
const load_gen *gen_hooks(gen *g);

/* The options the generator was made with, its defaults filled in. */
const gen_opts *gen_options(const gen *g);

/* The full method name of the kind's (first) call. */
const char *gen_method(gen_kind kind);

/* What the replies said, on f, one line per fact (items per page, ids
 * made, replays ...): after the load. */
void gen_summary(FILE *f, const gen *g);

/* The same facts as key=value words, for the RESULT line (buf of len
 * bytes, always terminated; "" when there is nothing to add). */
void gen_result_words(const gen *g, char *buf, size_t len);

/* Prints the first n calls the generator would make, decoded, on f (for
 * --print: no server is needed). Returns false when a request did not
 * decode, which is a bug of ours. */
bool gen_print(FILE *f, gen *g, unsigned n);

#endif /* HUES_BENCH_GEN_H */
