/*
 * pending_test.c - the in-memory set of reports that wait for triage
 * (pending.c): a search returns what a scan of every report would (the
 * nearest five of the category within the radius, through 7- and
 * 6-character covers, after the table has grown), reports leave it when
 * they stop waiting or move, categories never mix, and exclude and hits
 * already found are not offered again.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "destination.h"
#include "svc/feedback/fb.h"

#define N 3000
#define WANT 5

static const char *cats[] = { "road.pothole", "light.out", "waste.missed" };

static fb_summary
report(uint64_t seq, double lat, double lon, int state, const char *cat)
{
	return (fb_summary) { .seq = seq, .lat = lat, .lon = lon,
		.state = (uint8_t) state, .category = cat,
		.category_len = strlen(cat) };
}

/* A deterministic spread over about 3 km around Huế's centre. */
static void
place(uint64_t i, double *lat, double *lon)
{
	uint64_t x = i * 2654435761u;
	*lat = 16.45 + (double) (x % 1000) * 0.00003;
	*lon = 107.58 + (double) ((x / 1000) % 1000) * 0.00003;
}

/* What a scan of every waiting report finds. */
static size_t
brute(const fb_summary *all, size_t n, const bool *waiting,
    const char *cat, feedback_point p, uint64_t exclude, fb_hit *hits)
{
	size_t nh = 0;
	uint8_t key[FB_GEO_KEY_BYTES] = { 0 };
	for (size_t i = 0; i < n; i++) {
		if (!waiting[i] || all[i].seq == exclude ||
		    strcmp(all[i].category, cat) != 0) {
			continue;
		}
		double d = feedback_distance_m(
		    p, (feedback_point) { all[i].lat, all[i].lon });
		if (d <= FEEDBACK_NEARBY_RADIUS_M) {
			fb_hits_keep(hits, &nh, WANT, d, all[i].seq, key);
		}
	}
	return nh;
}

static size_t
search(fb_pending *ps, unsigned precision, const char *cat, feedback_point p,
    uint64_t exclude, fb_hit *hits)
{
	feedback_cell cells[64];
	size_t        ncells = 0, nh = 0;
	assert_int_equal(feedback_geo_cover_circle(p, FEEDBACK_NEARBY_RADIUS_M,
	                     precision, cells, 64, &ncells),
	    HUES_OK);
	fb_pending_near(ps, cells, ncells, cat, p, FEEDBACK_NEARBY_RADIUS_M,
	    exclude, hits, &nh, WANT);
	return nh;
}

static void
check_all(fb_pending *ps, const fb_summary *all, const bool *waiting)
{
	size_t full = 0;
	for (uint64_t q = 0; q < 40; q++) {
		double lat, lon;
		place(q * 7 + 1, &lat, &lon);
		feedback_point p   = { lat, lon };
		const char    *cat = cats[q % 3];
		uint64_t       ex  = all[q * 11].seq;
		fb_hit         want[WANT], got[WANT];
		size_t         nw  = brute(all, N, waiting, cat, p, ex, want);
		full += nw == WANT;
		for (unsigned prec = 6; prec <= 7; prec++) {
			size_t ng = search(ps, prec, cat, p, ex, got);
			assert_int_equal(ng, nw);
			for (size_t i = 0; i < nw; i++) {
				assert_int_equal(got[i].seq, want[i].seq);
				assert_float_equal(got[i].d, want[i].d, 1e-9);
			}
		}
	}
	assert_true(full > 20); /* the searches found something to compare */
}

static void
test_pending_search_matches_a_scan(void **state)
{
	(void) state;
	static fb_summary all[N];
	static bool       waiting[N];
	fb_pending       *ps;

	assert_int_equal(fb_pending_create(&ps), HUES_OK);
	for (uint64_t i = 0; i < N; i++) {
		double lat, lon;
		place(i, &lat, &lon);
		int st = i % 2 ? FEEDBACK_STATE_SUBMITTED
		               : FEEDBACK_STATE_RETURNED_TO_TRIAGE;
		all[i] = report(1000 + i, lat, lon, st, cats[i % 3]);
		assert_int_equal(fb_pending_update(ps, NULL, &all[i]), HUES_OK);
		waiting[i] = true;
	}
	assert_int_equal(fb_pending_count(ps), N);
	check_all(ps, all, waiting);

	/* A third stop waiting (accepted, rejected, withdrawn ...). */
	for (uint64_t i = 0; i < N; i += 3) {
		fb_summary s = all[i];
		s.state      = i % 2 ? FEEDBACK_STATE_ACCEPTED
		                     : FEEDBACK_STATE_WITHDRAWN;
		assert_int_equal(fb_pending_update(ps, &all[i], &s), HUES_OK);
		all[i]     = s;
		waiting[i] = false;
	}
	assert_int_equal(fb_pending_count(ps), N - (N + 2) / 3);
	check_all(ps, all, waiting);

	/* Saving one again changes nothing; one moved leaves its old cell;
	 * one recategorised is found under its new category only. */
	fb_summary again = all[1];
	assert_int_equal(fb_pending_update(ps, &all[1], &again), HUES_OK);
	fb_summary moved = all[2];
	moved.lat += 0.01;
	assert_int_equal(fb_pending_update(ps, &all[2], &moved), HUES_OK);
	all[2]       = moved;
	fb_summary r = all[4];
	r.category   = cats[0];
	r.category_len = strlen(cats[0]);
	assert_int_equal(fb_pending_update(ps, &all[4], &r), HUES_OK);
	all[4] = r;
	assert_int_equal(fb_pending_count(ps), N - (N + 2) / 3);
	check_all(ps, all, waiting);
	fb_pending_destroy(ps);
}

static void
test_pending_categories_exclude_and_known_hits(void **state)
{
	(void) state;
	fb_pending *ps;
	fb_hit      hits[WANT];
	size_t      nh = 0;
	feedback_point p = { 16.46, 107.59 };
	feedback_cell  cells[64];
	size_t         ncells;

	assert_int_equal(fb_pending_create(&ps), HUES_OK);
	fb_summary a = report(1, 16.4601, 107.59, FEEDBACK_STATE_SUBMITTED,
	    "road.pothole");
	fb_summary b = report(2, 16.4602, 107.59, FEEDBACK_STATE_SUBMITTED,
	    "road.pothole");
	fb_summary c = report(3, 16.4601, 107.5901, FEEDBACK_STATE_SUBMITTED,
	    "light.out");
	fb_summary d = report(4, 16.4603, 107.59, FEEDBACK_STATE_ACCEPTED,
	    "road.pothole"); /* not waiting: never in */
	assert_int_equal(fb_pending_update(ps, NULL, &a), HUES_OK);
	assert_int_equal(fb_pending_update(ps, NULL, &b), HUES_OK);
	assert_int_equal(fb_pending_update(ps, NULL, &c), HUES_OK);
	assert_int_equal(fb_pending_update(ps, NULL, &d), HUES_OK);
	assert_int_equal(fb_pending_count(ps), 3);
	assert_int_equal(feedback_geo_cover_circle(p, FEEDBACK_NEARBY_RADIUS_M,
	                     7, cells, 64, &ncells),
	    HUES_OK);

	/* An unknown category: nothing. */
	fb_pending_near(ps, cells, ncells, "trees.fallen", p, 250, 0, hits,
	    &nh, WANT);
	assert_int_equal(nh, 0);
	/* b excluded; a already a hit (from the geo index): only c. */
	uint8_t key[FB_GEO_KEY_BYTES] = { 0 };
	fb_hits_keep(hits, &nh, WANT, 11.1, 1, key);
	fb_pending_near(ps, cells, ncells, "road.pothole", p, 250, 2, hits,
	    &nh, WANT);
	assert_int_equal(nh, 1);
	fb_pending_near(ps, cells, ncells, "light.out", p, 250, 2, hits, &nh,
	    WANT);
	assert_int_equal(nh, 2);
	assert_int_equal(hits[0].seq, 1);
	assert_int_equal(hits[1].seq, 3);
	/* A smaller radius leaves c out. */
	nh = 0;
	fb_pending_near(ps, cells, ncells, "light.out", p, 5, 0, hits, &nh,
	    WANT);
	assert_int_equal(nh, 0);
	fb_pending_destroy(ps);
}

/* Reports just inside the radius, all round, are found (the box a
 * search checks first leaves none out), those just outside are not: in
 * Huế, far north, and across the 180th. */
static void
test_pending_rim_of_the_circle(void **state)
{
	(void) state;
	static const feedback_point centres[] = { { 16.46, 107.59 },
		{ 70, 20 }, { 0.0005, 179.9995 } };
	for (size_t c = 0; c < 3; c++) {
		fb_pending *ps;
		assert_int_equal(fb_pending_create(&ps), HUES_OK);
		for (uint64_t i = 0; i < 72; i++) {
			double         theta = (double) i * M_PI / 36;
			feedback_point in =
			    destination(centres[c], FEEDBACK_NEARBY_RADIUS_M - 0.01,
			        theta);
			feedback_point out =
			    destination(centres[c], FEEDBACK_NEARBY_RADIUS_M + 0.5,
			        theta);
			fb_summary a = report(1 + i, in.lat, in.lon,
			    FEEDBACK_STATE_SUBMITTED, cats[0]);
			fb_summary b = report(101 + i, out.lat, out.lon,
			    FEEDBACK_STATE_SUBMITTED, cats[0]);
			assert_int_equal(fb_pending_update(ps, NULL, &a), HUES_OK);
			assert_int_equal(fb_pending_update(ps, NULL, &b), HUES_OK);
		}
		/* Room for every report: the search keeps all it finds. */
		feedback_cell cells[64];
		size_t        ncells, nh = 0, found = 0;
		static fb_hit hits[144];
		assert_int_equal(feedback_geo_cover_circle(centres[c],
		                     FEEDBACK_NEARBY_RADIUS_M, 7, cells, 64, &ncells),
		    HUES_OK);
		fb_pending_near(ps, cells, ncells, cats[0], centres[c],
		    FEEDBACK_NEARBY_RADIUS_M, 0, hits, &nh, 144);
		for (size_t k = 0; k < nh; k++) {
			assert_true(hits[k].seq <= 72); /* none from outside */
			found++;
		}
		assert_int_equal(found, 72);
		fb_pending_destroy(ps);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pending_search_matches_a_scan),
		cmocka_unit_test(test_pending_categories_exclude_and_known_hits),
		cmocka_unit_test(test_pending_rim_of_the_circle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
