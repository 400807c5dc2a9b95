/*
 * feedback_feed_errors_test.c - what PublicFeed refuses: radii and centres
 * out of range, boxes too large or upside down, bad page sizes, and tokens
 * that are not tokens or belong to other filters. Each is INVALID_ARGUMENT
 * with the field named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "feedback_util.h"

static fb_env env;

/* The centre of Huế. */
#define CLAT 16.4600
#define CLON 107.6000

typedef struct box {
	double s, w, n, e;
} box;

static int
setup(void **state)
{
	(void) state;
	fb_start(&env, NULL);
	/* Six published reports: a page of five has a next page. */
	for (int i = 0; i < 6; i++) {
		char         id[FB_ID_LEN];
		hues_result *res;
		fb_submit_apart(
		    &env, fb_citizen(&env, "feed-errors"), "road.pothole", id);
		assert_int_equal(
		    fb_do(&env, fb_coord(&env), FB_ACCEPT, id, NULL, &res),
		    HUES_OK);
		hues_result_free(res);
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

static void
test_feed_bad_requests(void **state)
{
	(void) state;
	Hues__V1__PublicFeedRequest req = HUES__V1__PUBLIC_FEED_REQUEST__INIT;
	Hues__V1__Circle            c   = HUES__V1__CIRCLE__INIT;
	Hues__V1__GeoPoint          p   = HUES__V1__GEO_POINT__INIT;
	Hues__V1__BoundingBox       bb  = HUES__V1__BOUNDING_BOX__INIT;
	hues_call_opts              o   = fb_as(NULL);
	hues_result                *res;
	p.latitude             = CLAT;
	p.longitude            = CLON;
	c.center               = &p;
	req.area_case          = HUES__V1__PUBLIC_FEED_REQUEST__AREA_NEAR;
	req.near               = &c;
	const uint32_t radii[] = { 0, 5001, 100000 };
	for (size_t i = 0; i < 3; i++) {
		c.radius_m = radii[i];
		assert_int_equal(
		    hues_feedback_public_feed(env.c, &req, &o, &res),
		    HUES_INVALID_ARGUMENT);
		fb_expect_violation(res, "near.radius_m");
		hues_result_free(res);
	}
	c.radius_m = 100;
	c.center   = NULL;
	assert_int_equal(hues_feedback_public_feed(env.c, &req, &o, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "near.center");
	hues_result_free(res);
	p.latitude = 95;
	c.center   = &p;
	assert_int_equal(hues_feedback_public_feed(env.c, &req, &o, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "near.center");
	hues_result_free(res);

	req.area_case   = HUES__V1__PUBLIC_FEED_REQUEST__AREA_BBOX;
	req.bbox        = &bb;
	const box bad[] = {
		{ 16.0, 107.0, 18.5, 107.5 }, /* 2.5 degrees north-south */
		{ 16.0, 106.0, 16.5, 108.3 }, /* 2.3 degrees east-west */
		{ 16.5, 107.0, 16.4, 107.5 }, /* south > north */
		{ 16.0, 107.5, 16.5, 107.4 }, /* west > east */
		{ -91, 107.0, 16.0, 107.5 },  /* not a latitude */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bb.south = bad[i].s;
		bb.west  = bad[i].w;
		bb.north = bad[i].n;
		bb.east  = bad[i].e;
		assert_int_equal(
		    hues_feedback_public_feed(env.c, &req, &o, &res),
		    HUES_INVALID_ARGUMENT);
		fb_expect_violation(res, "bbox");
		hues_result_free(res);
	}
	req.area_case = HUES__V1__PUBLIC_FEED_REQUEST__AREA__NOT_SET;
	req.page_size = -5;
	assert_int_equal(hues_feedback_public_feed(env.c, &req, &o, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "page_size");
	hues_result_free(res);
	req.page_size  = 5;
	req.page_token = "definitely-not-a-token";
	assert_int_equal(hues_feedback_public_feed(env.c, &req, &o, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "page_token");
	hues_result_free(res);

	/* A token of other filters. */
	req.page_token = "";
	assert_int_equal(
	    hues_feedback_public_feed(env.c, &req, &o, &res), HUES_OK);
	char *tok =
	    strdup(hues_feedback_public_feed_response(res)->next_page_token);
	hues_result_free(res);
	assert_string_not_equal(tok, "");
	req.page_token = tok;
	req.category   = "light.out";
	assert_int_equal(hues_feedback_public_feed(env.c, &req, &o, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "page_token");
	hues_result_free(res);
	free(tok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed_bad_requests),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
