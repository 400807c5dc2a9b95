/*
 * nearby_bench.c - what SubmitReport's nearby search costs in the set of
 * reports that wait for the centre (server/svc/feedback/pending.c), by
 * how many wait: the cover of the 250 m circle, then the search of the
 * set, on one thread, with the points of hues-bench's generated reports
 * (tools/hues-bench/corpus.c: dense at Huế's centre, spread over the
 * city). It prints one RESULT line per size; figures only, it never
 * passes or fails on time. The set has no store and no lock contention:
 * this is the search alone, which end-to-end runs are too noisy to
 * compare at the microsecond.
 *
 *   hues-nearby-bench [--sizes 20000,150000,600000] [--searches 100000]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../tools/hues-bench/corpus.h"
#include "svc/feedback/fb.h"

#define NCATS 26 /* about the default catalog's */

static double
now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec * 1e9 + (double) t.tv_nsec;
}

static int
run(size_t size, unsigned searches)
{
	static char cats[NCATS][16];
	fb_pending *p;
	corpus_rng  rng = { 0x9e3779b97f4a7c15ull };

	if (fb_pending_create(&p) != HUES_OK) {
		return -1;
	}
	for (int i = 0; i < NCATS; i++) {
		snprintf(cats[i], sizeof(cats[i]), "cat.%d", i);
	}
	for (size_t i = 0; i < size; i++) {
		fb_summary s = { .seq = i + 1, .state = FEEDBACK_STATE_SUBMITTED,
			.category = cats[i % NCATS],
			.category_len = strlen(cats[i % NCATS]) };
		corpus_point(&rng, &s.lat, &s.lon);
		if (fb_pending_update(p, NULL, &s) != HUES_OK) {
			fb_pending_destroy(p);
			return -1;
		}
	}
	double   cover_ns = 0, near_ns = 0;
	size_t   hits_sum = 0, cells_sum = 0;
	unsigned done = 0;
	for (unsigned k = 0; k < searches; k++) {
		feedback_cell  cells[64];
		size_t         ncells, nhits = 0;
		fb_hit         hits[5];
		feedback_point c;
		corpus_point(&rng, &c.lat, &c.lon);
		double t0 = now_ns();
		if (feedback_geo_cover_circle(c, FEEDBACK_NEARBY_RADIUS_M, 7, cells,
		        64, &ncells) != HUES_OK) {
			continue;
		}
		double t1 = now_ns();
		fb_pending_near(p, cells, ncells, cats[k % NCATS], c,
		    FEEDBACK_NEARBY_RADIUS_M, 0, hits, &nhits, 5);
		double t2 = now_ns();
		cover_ns += t1 - t0;
		near_ns += t2 - t1;
		hits_sum += nhits;
		cells_sum += ncells;
		done++;
	}
	fb_pending_destroy(p);
	if (done == 0) {
		return -1;
	}
	printf("RESULT tool=hues method=nearby-search waiting=%zu searches=%u "
	       "cover_ns=%.0f search_ns=%.0f cells=%.1f hits=%.2f\n",
	    size, done, cover_ns / done, near_ns / done,
	    (double) cells_sum / done, (double) hits_sum / done);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *sizes    = "20000,150000,600000";
	unsigned    searches = 100000;
	int         c;

	static const struct option opts[] = {
		{ "sizes", required_argument, NULL, 's' },
		{ "searches", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': sizes = optarg; break;
		case 'n': searches = (unsigned) strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: %s [--sizes N,N,..] [--searches N]\n",
			    argv[0]);
			return 2;
		}
	}
	for (const char *s = sizes; *s != '\0';) {
		char  *end;
		size_t n = strtoul(s, &end, 10);
		if (end == s || run(n, searches) != 0) {
			fprintf(stderr, "%s: bad size or out of memory at '%s'\n",
			    argv[0], s);
			return 1;
		}
		s = *end == ',' ? end + 1 : end;
	}
	return 0;
}
