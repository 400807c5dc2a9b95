/*
 * feedback_feed_test.c - the read side of the Feedback service against a
 * brute-force model: PublicFeed near a point (nearest first, within the
 * radius), in a box and over the whole province, with its filters, pages
 * and public view. The test keeps every report it creates, so each answer
 * is compared with a computation over all of them. What PublicFeed refuses
 * is in feedback_feed_errors_test.c.
 *
 * With an argument N, the server reads at most N index entries a call
 * (--scan-budget), so most pages end on the budget, many of them
 * empty: every walk must still find what the model says, by following
 * the page tokens (ctest runs it so as integration_feedback_feed_budget).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "feedback_util.h"

static fb_env      env;
static const char *budget_arg; /* "--scan-budget=N", or NULL */

/* What the test knows of each report it made. */
typedef struct known {
	char        id[FB_ID_LEN];
	double      lat, lon;
	const char *category;
	const char *ward;
	int         state;
	bool        published;
	int64_t     submitted_at;
} known;

#define MAXK 260
static known  all[MAXK];
static size_t nall;

#define CLAT 16.4600
#define CLON 107.6000

/* A deterministic spread of points within about 6 km of the centre. */
static uint32_t seed = 12345;

static double
rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return (double) ((seed >> 8) & 0xffffff) / (double) 0x1000000;
}

static known *
make(const char *category, const char *ward, double lat, double lon, int state)
{
	assert_true(nall < MAXK);
	known       *k = &all[nall++];
	fb_draft     d;
	hues_result *res;
	fb_draft_init(&d, category, lat, lon);
	d.loc.ward_code = (char *) (ward != NULL ? ward : "");
	char who[16];
	snprintf(who, sizeof(who), "u%zu", nall % 7);
	const char *reporter = fb_citizen(&env, who);
	assert_int_equal(fb_submit_draft(&env, reporter, &d, &res), HUES_OK);
	snprintf(k->id, sizeof(k->id), "%s",
	    hues_feedback_submit_report_response(res)->id);
	hues_result_free(res);
	k->lat             = lat;
	k->lon             = lon;
	k->category        = category;
	k->ward            = ward != NULL ? ward : "";
	const char *agency = strcmp(category, "light.out") == 0    ? "hepco"
	                     : strcmp(category, "water.leak") == 0 ? "huewaco"
	                                                           : "so-gtvt";
	fb_advance(
	    &env, k->id, state, fb_officer(&env, "off", agency), reporter);
	k->state     = state;
	k->published = state != FB_ST(SUBMITTED) && state != FB_ST(REJECTED) &&
	               state != FB_ST(WITHDRAWN) &&
	               state != FB_ST(RETURNED_TO_TRIAGE);
	const Hues__V1__Report *r = fb_get(&env, fb_coord(&env), k->id, &res);
	k->submitted_at           = r->submitted_at;
	assert_int_equal(r->published, k->published);
	hues_result_free(res);
	return k;
}

static int
setup(void **state)
{
	(void) state;
	const char *args[] = {budget_arg, NULL};
	fb_start(&env, args);
	static const int states[] = { FB_ST(ACCEPTED), FB_ST(ACKNOWLEDGED),
		FB_ST(ACCEPTED), FB_ST(IN_PROGRESS), FB_ST(NEED_INFO),
		FB_ST(RESOLVED), FB_ST(ACCEPTED), FB_ST(SUBMITTED),
		FB_ST(CLOSED), FB_ST(ACCEPTED), FB_ST(REJECTED),
		FB_ST(ACKNOWLEDGED), FB_ST(WITHDRAWN), FB_ST(ACCEPTED),
		FB_ST(RETURNED_TO_TRIAGE), FB_ST(REOPENED) };
	for (int i = 0; i < 48; i++) {
		double r = 6000 * sqrt(rnd()), a = 2 * 3.14159265358979 * rnd();
		double lat, lon;
		fb_offset(CLAT, CLON, r * cos(a), r * sin(a), &lat, &lon);
		make(i % 3 == 0 ? "light.out" : "road.pothole",
		    i % 5 == 0   ? "phu-hoi"
		    : i % 5 == 1 ? "an-cuu"
		                 : NULL,
		    lat, lon, states[i % 16]);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	fb_stop(&env);
	return 0;
}

/* ----- a feed walk
 * ------------------------------------------------------------- */

typedef struct item {
	char   id[FB_ID_LEN];
	double distance_m;
} item;

typedef struct walk {
	item   items[MAXK];
	size_t n;
	size_t pages;
} walk;

/* Checks the public view of a feed item. */
static void
assert_public(const Hues__V1__Report *r)
{
	assert_true(r->published);
	assert_string_equal(r->reporter, "");
	for (size_t i = 0; i < r->n_history; i++) {
		assert_string_equal(r->history[i]->actor, "");
		assert_string_equal(r->history[i]->internal_note, "");
		if (r->history[i]->action == FB_ACT(REQUEST_INFO) ||
		    r->history[i]->action == FB_ACT(PROVIDE_INFO) ||
		    r->history[i]->action == FB_ACT(COMMENT)) {
			assert_string_equal(r->history[i]->public_note, "");
		}
	}
	for (size_t i = 0; i < r->n_extensions; i++) {
		assert_string_equal(r->extensions[i]->actor, "");
	}
}

/*
 * Walks the feed of req (its page token is overwritten) with pages of
 * page_size, calling between() after each page when given; asserts every
 * item is published, in the public view, and returned once.
 */
static void
feed_walk(Hues__V1__PublicFeedRequest *req, int page_size, walk *w,
    void (*between)(size_t page))
{
	hues_call_opts o   = fb_as(NULL);
	char          *tok = strdup("");
	memset(w, 0, sizeof(*w));
	req->page_size = page_size;
	do {
		hues_result *res;
		req->page_token = tok;
		int code = hues_feedback_public_feed(env.c, req, &o, &res);
		if (code != HUES_OK) {
			fail_msg("PublicFeed: %s %s", hues_status_name(code),
			    hues_result_message(res));
		}
		const Hues__V1__PublicFeedResponse *f =
		    hues_feedback_public_feed_response(res);
		size_t cap = page_size == 0    ? 20
		             : page_size > 100 ? 100
		                               : (size_t) page_size;
		assert_true(f->n_items <= cap);
		for (size_t i = 0; i < f->n_items; i++) {
			assert_public(f->items[i]->report);
			for (size_t k = 0; k < w->n; k++) {
				if (strcmp(w->items[k].id,
				        f->items[i]->report->id) == 0) {
					fail_msg("%s returned twice",
					    w->items[k].id);
				}
			}
			assert_true(w->n < MAXK);
			snprintf(w->items[w->n].id, FB_ID_LEN, "%s",
			    f->items[i]->report->id);
			w->items[w->n++].distance_m = f->items[i]->distance_m;
		}
		free(tok);
		tok = strdup(f->next_page_token);
		hues_result_free(res);
		if (between != NULL) {
			between(w->pages);
		}
		assert_true(++w->pages < 500);
	} while (tok[0] != '\0');
	free(tok);
}

static const known *
find(const char *id)
{
	for (size_t i = 0; i < nall; i++) {
		if (strcmp(all[i].id, id) == 0) {
			return &all[i];
		}
	}
	fail_msg("the feed returned %s, which this test did not make", id);
	return NULL;
}

static bool
in_walk(const walk *w, const char *id)
{
	for (size_t k = 0; k < w->n; k++) {
		if (strcmp(w->items[k].id, id) == 0) {
			return true;
		}
	}
	return false;
}

/* Asserts that the walk returned exactly the published reports that
 * match (in any order). */
static void
assert_same_set(
    const walk *w, bool (*match)(const known *k, void *arg), void *arg)
{
	size_t want = 0;
	for (size_t i = 0; i < nall; i++) {
		if (all[i].published && match(&all[i], arg)) {
			want++;
			if (!in_walk(w, all[i].id)) {
				fail_msg(
				    "%s is missing from the feed", all[i].id);
			}
		}
	}
	for (size_t k = 0; k < w->n; k++) {
		const known *kk = find(w->items[k].id);
		if (!kk->published || !match(kk, arg)) {
			fail_msg("%s should not be in the feed", kk->id);
		}
	}
	assert_int_equal(w->n, want);
}

/* ----- near
 * --------------------------------------------------------------------- */

typedef struct circle {
	double   lat, lon;
	uint32_t r;
} circle;

static bool
in_circle(const known *k, void *arg)
{
	const circle *c = arg;
	return fb_distance_m(c->lat, c->lon, k->lat, k->lon) <= c->r;
}

static size_t
check_near(double lat, double lon, uint32_t radius, int page_size)
{
	Hues__V1__PublicFeedRequest req = HUES__V1__PUBLIC_FEED_REQUEST__INIT;
	Hues__V1__Circle            c   = HUES__V1__CIRCLE__INIT;
	Hues__V1__GeoPoint          p   = HUES__V1__GEO_POINT__INIT;
	static walk                 w;
	p.latitude    = lat;
	p.longitude   = lon;
	c.center      = &p;
	c.radius_m    = radius;
	req.area_case = HUES__V1__PUBLIC_FEED_REQUEST__AREA_NEAR;
	req.near      = &c;
	feed_walk(&req, page_size, &w, NULL);
	circle cc = { lat, lon, radius };
	/* Reports within a metre of the rim may fall either side. */
	for (size_t i = 0; i < nall; i++) {
		double d = fb_distance_m(lat, lon, all[i].lat, all[i].lon);
		assert_true(fabs(d - radius) > 1.0);
	}
	assert_same_set(&w, in_circle, &cc);
	/* Nearest first, distances as computed here, ties by id. */
	for (size_t k = 0; k < w.n; k++) {
		const known *kk = find(w.items[k].id);
		assert_float_equal(w.items[k].distance_m,
		    fb_distance_m(lat, lon, kk->lat, kk->lon), 0.5);
		assert_true(w.items[k].distance_m <= radius);
		if (k > 0) {
			assert_true(
			    w.items[k - 1].distance_m <= w.items[k].distance_m);
			if (w.items[k - 1].distance_m ==
			    w.items[k].distance_m) {
				assert_true(strcmp(w.items[k - 1].id,
				                w.items[k].id) < 0);
			}
		}
	}
	return w.n;
}

static void
test_feed_near_matches_brute_force(void **state)
{
	(void) state;
	size_t n3 = check_near(CLAT, CLON, 3000, 4);
	size_t n5 = check_near(CLAT, CLON, 5000, 100);
	assert_true(n3 >= 5 && n5 > n3);
	assert_int_equal(check_near(CLAT, CLON, 5000, 0), n5);
	assert_true(check_near(CLAT + 0.02, CLON - 0.015, 1500, 3) > 0);
	/* Around one report: it comes first, at distance 0. */
	const known *k = NULL;
	for (size_t i = 0; i < nall && k == NULL; i++) {
		k = all[i].published ? &all[i] : NULL;
	}
	assert_true(check_near(k->lat, k->lon, 250, 1) >= 1);
	Hues__V1__PublicFeedRequest req = HUES__V1__PUBLIC_FEED_REQUEST__INIT;
	Hues__V1__Circle            c   = HUES__V1__CIRCLE__INIT;
	Hues__V1__GeoPoint          p   = HUES__V1__GEO_POINT__INIT;
	static walk                 w;
	p.latitude    = k->lat;
	p.longitude   = k->lon;
	c.center      = &p;
	c.radius_m    = 1;
	req.area_case = HUES__V1__PUBLIC_FEED_REQUEST__AREA_NEAR;
	req.near      = &c;
	feed_walk(&req, 10, &w, NULL);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.items[0].id, k->id);
	assert_float_equal(w.items[0].distance_m, 0, 0.01);
}

/* ----- bbox, filters, whole feed
 * ---------------------------------------------------- */

typedef struct box {
	double s, w, n, e;
} box;

static bool
in_box(const known *k, void *arg)
{
	const box *b = arg;
	return k->lat >= b->s && k->lat <= b->n && k->lon >= b->w &&
	       k->lon <= b->e;
}

static void
test_feed_bbox(void **state)
{
	(void) state;
	Hues__V1__PublicFeedRequest req = HUES__V1__PUBLIC_FEED_REQUEST__INIT;
	Hues__V1__BoundingBox       bb  = HUES__V1__BOUNDING_BOX__INIT;
	static walk                 w;
	box b    = { CLAT - 0.021, CLON - 0.033, CLAT + 0.017, CLON + 0.024 };
	bb.south = b.s;
	bb.west  = b.w;
	bb.north = b.n;
	bb.east  = b.e;
	req.area_case = HUES__V1__PUBLIC_FEED_REQUEST__AREA_BBOX;
	req.bbox      = &bb;
	feed_walk(&req, 4, &w, NULL);
	assert_true(w.n > 5);
	assert_same_set(&w, in_box, &b);
	for (size_t i = 0; i < w.n; i++) {
		assert_float_equal(w.items[i].distance_m, 0, 0);
	}
	/* The whole province: every published report. */
	box prov = { 15.9, 107.0, 16.8, 108.3 };
	bb.south = prov.s;
	bb.west  = prov.w;
	bb.north = prov.n;
	bb.east  = prov.e;
	feed_walk(&req, 100, &w, NULL);
	assert_same_set(&w, in_box, &prov);
}

typedef struct filter {
	const char *category, *ward;
	int         state;
	int64_t     since, until;
} filter;

static bool
matches(const known *k, void *arg)
{
	const filter *f = arg;
	return (f->category == NULL || strcmp(k->category, f->category) == 0) &&
	       (f->ward == NULL || strcmp(k->ward, f->ward) == 0) &&
	       (f->state == 0 || k->state == f->state) &&
	       (f->since == 0 || k->submitted_at >= f->since) &&
	       (f->until == 0 || k->submitted_at < f->until);
}

static size_t
check_filter(const filter *f, bool with_area)
{
	Hues__V1__PublicFeedRequest req = HUES__V1__PUBLIC_FEED_REQUEST__INIT;
	Hues__V1__Circle            c   = HUES__V1__CIRCLE__INIT;
	Hues__V1__GeoPoint          p   = HUES__V1__GEO_POINT__INIT;
	Hues__V1__ReportState       st[1];
	static walk                 w;
	req.category  = (char *) (f->category != NULL ? f->category : "");
	req.ward_code = (char *) (f->ward != NULL ? f->ward : "");
	if (f->state != 0) {
		st[0]        = f->state;
		req.states   = st;
		req.n_states = 1;
	}
	req.since = f->since;
	req.until = f->until;
	if (with_area) {
		p.latitude    = CLAT;
		p.longitude   = CLON;
		c.center      = &p;
		c.radius_m    = 5000;
		req.area_case = HUES__V1__PUBLIC_FEED_REQUEST__AREA_NEAR;
		req.near      = &c;
	}
	feed_walk(&req, 5, &w, NULL);
	if (with_area) {
		filter both = *f;
		circle cc   = { CLAT, CLON, 5000 };
		/* Both conditions: the circle's and the filter's. */
		for (size_t k = 0; k < w.n; k++) {
			const known *kk = find(w.items[k].id);
			assert_true(in_circle(kk, &cc));
			assert_true(matches(kk, &both));
		}
		size_t want = 0;
		for (size_t i = 0; i < nall; i++) {
			want += all[i].published && matches(&all[i], &both) &&
			        in_circle(&all[i], &cc);
		}
		assert_int_equal(w.n, want);
	} else {
		assert_same_set(&w, matches, (void *) f);
	}
	return w.n;
}

static void
test_feed_filters(void **state)
{
	(void) state;
	int64_t lo = INT64_MAX, hi = 0, mid;
	for (size_t i = 0; i < nall; i++) {
		lo = all[i].submitted_at < lo ? all[i].submitted_at : lo;
		hi = all[i].submitted_at > hi ? all[i].submitted_at : hi;
	}
	mid               = all[nall / 2].submitted_at;
	const filter fs[] = {
		{ "light.out", NULL, 0, 0, 0 },
		{ NULL, "phu-hoi", 0, 0, 0 },
		{ NULL, NULL, FB_ST(ACKNOWLEDGED), 0, 0 },
		{ "road.pothole", "an-cuu", FB_ST(ACCEPTED), 0, 0 },
		{ NULL, NULL, FB_ST(CLOSED), 0, 0 },
		{ NULL, NULL, 0, hi + 1, 0 },
		{ NULL, NULL, 0, 0, lo },
		{ NULL, NULL, 0, lo, hi + 1 },
		{ NULL, NULL, 0, mid, 0 },
		{ NULL, NULL, 0, 0, mid },
		{ "road.pothole", NULL, 0, mid, hi + 1 },
	};
	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		size_t n = check_filter(&fs[i], false);
		check_filter(&fs[i], true);
		/* The first five select something; the bounds past the
		 * newest and before the oldest nothing. */
		if (i < 5) {
			assert_true(n > 0);
		} else if (i == 5 || i == 6) {
			assert_int_equal(n, 0);
		}
	}
	/* An unpublished state filters to nothing. */
	filter none = { NULL, NULL, FB_ST(SUBMITTED), 0, 0 };
	assert_int_equal(check_filter(&none, false), 0);
}

static void
publish_one(size_t page)
{
	if (page < 4) {
		make("road.sign", NULL, 16.30 + 0.01 * (double) page, 107.40,
		    FB_ST(ACCEPTED));
	}
}

static void
test_feed_pages_newest_first(void **state)
{
	(void) state;
	Hues__V1__PublicFeedRequest req = HUES__V1__PUBLIC_FEED_REQUEST__INIT;
	hues_call_opts              o   = fb_as(NULL);
	hues_result                *res;
	static walk                 w;
	size_t                      before    = nall;
	size_t                      published = 0;
	for (size_t i = 0; i < nall; i++) {
		published += all[i].published;
	}
	assert_true(published > 25);

	/* 0 means 20; more than 100 means 100. */
	req.page_size = 0;
	assert_int_equal(
	    hues_feedback_public_feed(env.c, &req, &o, &res), HUES_OK);
	/* With a scan budget a page may end short (never with more). */
	if (budget_arg == NULL) {
		assert_int_equal(hues_feedback_public_feed_response(res)->n_items, 20);
	} else {
		assert_true(hues_feedback_public_feed_response(res)->n_items <= 20);
	}
	assert_string_not_equal(
	    hues_feedback_public_feed_response(res)->next_page_token, "");
	hues_result_free(res);
	/* Over 100 published, far from the others' areas. */
	for (int i = 0; published <= 100; i++) {
		make("road.sign", NULL, 16.75, 107.20 + 0.01 * i,
		    FB_ST(ACCEPTED));
		published++;
	}
	before        = nall;
	req.page_size = 100000;
	assert_int_equal(
	    hues_feedback_public_feed(env.c, &req, &o, &res), HUES_OK);
	if (budget_arg == NULL) {
		assert_int_equal(hues_feedback_public_feed_response(res)->n_items, 100);
	} else {
		assert_true(hues_feedback_public_feed_response(res)->n_items <= 100);
	}
	assert_string_not_equal(
	    hues_feedback_public_feed_response(res)->next_page_token, "");
	hues_result_free(res);

	/* Pages of 6 while reports are published: those that were there
	 * come once each, newest (highest id) first. */
	static walk first;
	feed_walk(&req, 6, &first, publish_one);
	for (size_t k = 1; k < first.n; k++) {
		assert_true(
		    strcmp(first.items[k - 1].id, first.items[k].id) > 0);
	}
	for (size_t i = 0; i < before; i++) {
		bool found = false;
		for (size_t k = 0; k < first.n && !found; k++) {
			found = strcmp(first.items[k].id, all[i].id) == 0;
		}
		assert_int_equal(found, all[i].published);
	}
	/* Afterwards the whole feed is exactly the published reports. */
	feed_walk(&req, 7, &w, NULL);
	filter any = { NULL, NULL, 0, 0, 0 };
	assert_same_set(&w, matches, &any);
}

/* Publishes a report at a spread point around the centre, after each of
 * the first pages: some nearer than the page reached, some farther. */
static void
publish_around(size_t page)
{
	if (page < 6) {
		double lat, lon, a = (double) page * 1.1,
		                 r = 300.0 * (double) (page + 1);
		fb_offset(CLAT, CLON, r * cos(a), r * sin(a), &lat, &lon);
		make(page % 2 ? "light.out" : "road.pothole", NULL, lat, lon,
		    FB_ST(ACCEPTED));
	}
}

/* Asserts that each of the first n known reports that is published and
 * in the area came exactly once (feed_walk already refused repeats). */
static void
assert_kept(
    const walk *w, size_t n, bool (*in)(const known *, void *), void *arg)
{
	for (size_t i = 0; i < n; i++) {
		if (!all[i].published || !in(&all[i], arg)) {
			continue;
		}
		if (!in_walk(w, all[i].id)) {
			fail_msg(
			    "%s was skipped by a walk with inserts", all[i].id);
		}
	}
	for (size_t k = 0; k < w->n; k++) {
		const known *kk = find(w->items[k].id);
		assert_true(kk->published && in(kk, arg));
	}
}

static void
test_feed_areas_pages_while_inserting(void **state)
{
	(void) state;
	Hues__V1__PublicFeedRequest req = HUES__V1__PUBLIC_FEED_REQUEST__INIT;
	Hues__V1__Circle            c   = HUES__V1__CIRCLE__INIT;
	Hues__V1__GeoPoint          p   = HUES__V1__GEO_POINT__INIT;
	Hues__V1__BoundingBox       bb  = HUES__V1__BOUNDING_BOX__INIT;
	static walk                 w;
	size_t                      before = nall;

	p.latitude    = CLAT;
	p.longitude   = CLON;
	c.center      = &p;
	c.radius_m    = 4000;
	req.area_case = HUES__V1__PUBLIC_FEED_REQUEST__AREA_NEAR;
	req.near      = &c;
	feed_walk(&req, 3, &w, publish_around);
	circle cc = { CLAT, CLON, 4000 };
	assert_kept(&w, before, in_circle, &cc);
	for (size_t k = 1; k < w.n; k++) {
		assert_true(w.items[k - 1].distance_m <= w.items[k].distance_m);
	}

	before        = nall;
	box b         = { CLAT - 0.03, CLON - 0.03, CLAT + 0.03, CLON + 0.03 };
	bb.south      = b.s;
	bb.west       = b.w;
	bb.north      = b.n;
	bb.east       = b.e;
	req.area_case = HUES__V1__PUBLIC_FEED_REQUEST__AREA_BBOX;
	req.bbox      = &bb;
	feed_walk(&req, 3, &w, publish_around);
	assert_kept(&w, before, in_box, &b);
}

int
main(int argc, char **argv)
{
	static char arg[64];
	if (argc > 1) {
		snprintf(arg, sizeof(arg), "--scan-budget=%s", argv[1]);
		budget_arg = arg;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed_near_matches_brute_force),
		cmocka_unit_test(test_feed_bbox),
		cmocka_unit_test(test_feed_filters),
		cmocka_unit_test(test_feed_pages_newest_first),
		cmocka_unit_test(test_feed_areas_pages_while_inserting),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
