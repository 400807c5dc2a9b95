/*
 * corpus.h - what hues-bench's generated reports say and where they are:
 * a category of the default catalog drawn by how often residents report
 * it, its attributes filled with valid values, a Vietnamese title and
 * description, an address and a point inside Huế, media links.
 */
#ifndef HUES_BENCH_CORPUS_H
#define HUES_BENCH_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Huế city centre (Đại Nội, the citadel) and the spread of the points. */
#define CORPUS_CENTRE_LAT 16.4637
#define CORPUS_CENTRE_LON 107.5909
#define CORPUS_SPREAD_DEG 0.06

/* A splitmix64 generator: cheap, and one per thread or slot. */
typedef struct corpus_rng {
	uint64_t s;
} corpus_rng;

uint64_t corpus_rand(corpus_rng *r);
/* Uniform in [0, 1). */
double corpus_unit(corpus_rng *r);
/* Uniform in 0 .. n - 1 (n > 0). */
uint32_t corpus_below(corpus_rng *r, uint32_t n);

/*
 * A point inside the city, within CORPUS_SPREAD_DEG of the centre each
 * way, denser at the centre: a normal spread around it (sigma 0.018°,
 * about 2 km) for 55 % of the points, uniform over the square for the
 * rest. Feeds are asked near points drawn the same way.
 */
void corpus_point(corpus_rng *r, double *lat, double *lon);

typedef struct corpus corpus;

/* Loads the default catalog (server/svc/feedback/catalog_default.c).
 * Returns 0 and sets *out, or -1 with a reason in why. */
int corpus_create(corpus **out, char *why, size_t whylen);

/* NULL is fine. */
void corpus_destroy(corpus *c);

/* A generated SubmitReportRequest, packed without its idempotency key
 * (field 9, which the caller appends per call). */
typedef struct corpus_report {
	uint8_t *data; /* malloc'd; the caller frees it */
	size_t   len;
	/* Offsets in data of the 8 bytes of location.point's latitude and
	 * longitude, so that every call can carry a point of its own. */
	size_t lat_off, lon_off;
	/* Whether the routing table names an agency for the category and
	 * ward: if not, triage must name one (ACCEPT of "other"). */
	bool routable;
} corpus_report;

/* Generates one report. Returns false when memory runs out. Any thread,
 * one call at a time per corpus_rng. */
bool corpus_report_make(const corpus *c, corpus_rng *r, corpus_report *out);

/* The agency a coordinator names at triage when the routing table has
 * none for a report (the city's people's committee when the catalog has
 * it); NULL when the catalog has no active agency at all. */
const char *corpus_fallback_agency(const corpus *c);

#endif /* HUES_BENCH_CORPUS_H */
