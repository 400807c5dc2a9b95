/*
 * feedback_validation_test.c - every SubmitReport check of docs/feedback.md
 * ("Validation rules and limits") through the SDK: INVALID_ARGUMENT with
 * field violations named by proto path, all of a request's problems in
 * one reply, lengths counted in characters, and nothing written (the
 * reporter's list and the outbox stay as they were).
 */
#include <math.h>
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
static size_t outbox_before, mine_before;

#define USER "vinh"

static int
setup(void **state)
{
	(void) state;
	fb_start(&env, NULL);
	char id[FB_ID_LEN];
	fb_submit(&env, fb_citizen(&env, USER), "road.pothole", FB_HUE_LAT,
	    FB_HUE_LON, id);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	fb_stop(&env);
	return 0;
}

/* Each test checks its bad requests wrote nothing. */
static int
before_each(void **state)
{
	(void) state;
	outbox_before = fb_outbox(&env, NULL, NULL, 0);
	mine_before   = fb_count_mine(&env, fb_citizen(&env, USER));
	return 0;
}

static int
after_each(void **state)
{
	(void) state;
	assert_int_equal(fb_outbox(&env, NULL, NULL, 0), outbox_before);
	assert_int_equal(
	    fb_count_mine(&env, fb_citizen(&env, USER)), mine_before);
	return 0;
}

/* Submits d as USER and asserts INVALID_ARGUMENT with a violation on each
 * of the NULL-terminated fields. */
static void
refused(const fb_draft *d, ...)
{
	hues_result *res;
	char         why[1024] = "";
	int code = fb_submit_draft(&env, fb_citizen(&env, USER), d, &res);
	if (code != HUES_INVALID_ARGUMENT) {
		snprintf(why, sizeof(why),
		    "SubmitReport: %s (%s), expected "
		    "INVALID_ARGUMENT",
		    hues_status_name(code), hues_result_message(res));
	}
	va_list ap;
	va_start(ap, d);
	for (const char *f;
	     why[0] == '\0' && (f = va_arg(ap, const char *)) != NULL;) {
		if (!fb_has_violation(res, f)) {
			size_t n = (size_t) snprintf(
			    why, sizeof(why), "no violation on '%s'; got:", f);
			for (size_t i = 0;
			     i < hues_result_violation_count(res) &&
			     n < sizeof(why);
			     i++) {
				const char *vf = NULL, *vd = NULL;
				hues_result_violation(res, i, &vf, &vd);
				n += (size_t) snprintf(why + n, sizeof(why) - n,
				    " [%s: %s]", vf, vd);
			}
		}
	}
	va_end(ap);
	/* Freed before failing: a failed check leaks nothing. */
	hues_result_free(res);
	if (why[0] != '\0') {
		fail_msg("%s", why);
	}
}

/* A string of n copies of the UTF-8 character c (malloc'd). */
static char *
repeat(const char *c, size_t n)
{
	size_t len = strlen(c);
	char  *s   = malloc(len * n + 1);
	for (size_t i = 0; i < n; i++) {
		memcpy(s + i * len, c, len);
	}
	s[len * n] = '\0';
	return s;
}

static void
draft(fb_draft *d)
{
	fb_draft_init(d, "road.pothole", FB_HUE_LAT, FB_HUE_LON);
}

/* ----- texts
 * ------------------------------------------------------------------ */

static void
test_title(void **state)
{
	(void) state;
	fb_draft d;
	draft(&d);
	const char *bad[] = { "", "   ", "Ổ gà\nsâu",
		"ab\x01"
		"cd",
		"ab\x7f", "\xc3\x28", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "ok \xc2\x85 C1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d.req.title = (char *) bad[i];
		refused(&d, "title", NULL);
	}
	char *t     = repeat("a", 201);
	d.req.title = t;
	refused(&d, "title", NULL);
	free(t);
	/* 200 characters of 3 bytes each are 200, not 600. */
	t           = repeat("ổ", 200);
	d.req.title = t;
	hues_result *res;
	assert_int_equal(
	    fb_submit_draft(&env, fb_citizen(&env, "other"), &d, &res),
	    HUES_OK);
	hues_result_free(res);
	free(t);
	/* That one was someone else's: the outbox moved by 2. */
	outbox_before += 2;
}

static void
test_description_and_address(void **state)
{
	(void) state;
	fb_draft d;
	draft(&d);
	char *s           = repeat("x", 4001);
	d.req.description = s;
	refused(&d, "description", NULL);
	free(s);
	d.req.description = "bad \xff byte";
	refused(&d, "description", NULL);
	d.req.description = "tab\tand\r\nnew lines are fine, \x1b is not";
	refused(&d, "description", NULL);
	draft(&d);
	s             = repeat("đ", 301);
	d.loc.address = s;
	refused(&d, "location.address", NULL);
	free(s);
	d.loc.address = "12 Lê Lợi\nHuế";
	refused(&d, "location.address", NULL);
	/* Invalid UTF-8 deeper in the request, named by its path. */
	d.loc.address = "12 L\xea L\xe1i";
	refused(&d, "location.address", NULL);
	draft(&d);
	d.loc.ward_code = "phu-\xc3";
	refused(&d, "location.ward_code", NULL);
	draft(&d);
	d.media[0].url = "https://cdn.example.vn/\xc3\x28.jpg";
	refused(&d, "media[0].url", NULL);
	draft(&d);
	d.vals[0][0] = "medi\xf0\x28\x8c\x28";
	refused(&d, "attributes[0].values[0]", NULL);

	/* The limits themselves are fine, with tabs and new lines. */
	draft(&d);
	s          = repeat("ệ", 3990);
	char *desc = malloc(strlen(s) + 16);
	snprintf(desc, strlen(s) + 16, "%s\tline\r\nend", s);
	d.req.description = desc; /* 3990 + 10 = 4000 characters */
	hues_result *res;
	assert_int_equal(
	    fb_submit_draft(&env, fb_citizen(&env, "other"), &d, &res),
	    HUES_OK);
	hues_result_free(res);
	outbox_before += 2;
	free(s);
	free(desc);
}

/* ----- location
 * ---------------------------------------------------------------- */

static void
test_location(void **state)
{
	(void) state;
	fb_draft d;
	static const struct {
		double      lat, lon;
		const char *field;
	} bad[] = {
		{ 91, 107.5, "location.point.latitude" },
		{ -90.5, 107.5, "location.point.latitude" },
		{ 16.4, 180.5, "location.point.longitude" },
		{ 16.4, -181, "location.point.longitude" },
		{ 21.0285, 105.8542, "location.point" }, /* Hà Nội */
		{ 15.89, 107.5, "location.point" },
		{ 16.81, 107.5, "location.point" },
		{ 16.4, 106.99, "location.point" },
		{ 16.4, 108.31, "location.point" },
		{ 0, 0, "location.point" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		draft(&d);
		d.pt.latitude  = bad[i].lat;
		d.pt.longitude = bad[i].lon;
		refused(&d, bad[i].field, NULL);
	}
	draft(&d);
	d.pt.latitude = NAN;
	refused(&d, "location.point.latitude", NULL);
	draft(&d);
	d.pt.longitude = INFINITY;
	refused(&d, "location.point.longitude", NULL);
	/* No point, or no location at all. */
	draft(&d);
	d.loc.point = NULL;
	refused(&d, "location.point", NULL);
	draft(&d);
	d.req.location = NULL;
	refused(&d, "location.point", NULL);
	/* Wards: known when given. */
	draft(&d);
	d.loc.ward_code = "atlantis";
	refused(&d, "location.ward_code", NULL);
	/* The corners of the area are inside. */
	draft(&d);
	d.pt.latitude  = 15.9;
	d.pt.longitude = 108.3;
	hues_result *res;
	assert_int_equal(
	    fb_submit_draft(&env, fb_citizen(&env, "other"), &d, &res),
	    HUES_OK);
	hues_result_free(res);
	outbox_before += 2;
}

/* ----- category and attributes
 * ------------------------------------------------------ */

static void
test_category_and_attributes(void **state)
{
	(void) state;
	fb_draft d;
	draft(&d);
	d.req.category = "";
	refused(&d, "category", NULL);
	d.req.category = "road.unicorn";
	refused(&d, "category", NULL);
	d.req.category = "ROAD.POTHOLE";
	refused(&d, "category", NULL);

	/* road.pothole requires its size, one of three. */
	draft(&d);
	fb_draft_no_attrs(&d);
	refused(&d, "attributes", NULL);
	fb_draft_attr(&d, "size", "huge", NULL);
	refused(&d, "attributes[0].values[0]", NULL);
	draft(&d);
	fb_draft_no_attrs(&d);
	fb_draft_attr(&d, "size", "small", "large");
	refused(&d, "attributes[0].values", NULL);
	draft(&d);
	fb_draft_attr(&d, "colour", "red", NULL);
	refused(&d, "attributes[1].code", NULL);
	draft(&d);
	fb_draft_attr(&d, "size", "small", NULL);
	refused(&d, "attributes[1].code", NULL);
	draft(&d);
	fb_draft_no_attrs(&d);
	fb_draft_attr(&d, "size", NULL, NULL);
	refused(&d, "attributes[0].values", NULL);

	/* Datatypes: number, datetime, multi list. */
	fb_draft_init(&d, "drain.flooding", FB_HUE_LAT, FB_HUE_LON);
	fb_draft_no_attrs(&d);
	const char *nums[] = { "0x10", "inf", "nan", "12cm", " 12", "" };
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		fb_draft_no_attrs(&d);
		fb_draft_attr(&d, "depth_cm", nums[i], NULL);
		refused(&d, "attributes[0].values[0]", NULL);
	}
	fb_draft_init(&d, "water.outage", FB_HUE_LAT, FB_HUE_LON);
	fb_draft_no_attrs(&d);
	fb_draft_attr(&d, "since", "2025-03-01 08:30", NULL);
	refused(&d, "attributes[0].values[0]", NULL);
	fb_draft_init(&d, "env.pollution", FB_HUE_LAT, FB_HUE_LON);
	fb_draft_no_attrs(&d);
	fb_draft_attr(&d, "kind", "smoke", "smoke");
	refused(&d, "attributes[0].values[1]", NULL);

	/* Anonymous: only where the category allows it. */
	draft(&d);
	hues_result *res;
	assert_int_equal(
	    fb_submit_draft(&env, NULL, &d, &res), HUES_UNAUTHENTICATED);
	hues_result_free(res);
}

/* ----- media
 * ------------------------------------------------------------------------ */

static void
test_media(void **state)
{
	(void) state;
	fb_draft d;
	draft(&d);
	for (int i = 0; i < 6; i++) {
		fb_draft_media(
		    &d, "https://cdn.example.vn/p.png", NULL, "image/png");
	}
	refused(&d, "media", NULL); /* 7 */

	static const struct {
		const char *url, *id, *type, *field;
	} bad[] = {
		{ "http://cdn.example.vn/a.jpg", NULL, "image/jpeg",
		    "media[1].url" },
		{ "https://", NULL, "image/jpeg", "media[1].url" },
		{ "https:///a.jpg", NULL, "image/jpeg", "media[1].url" },
		{ "https://cdn.example.vn/ổ gà.jpg", NULL, "image/jpeg",
		    "media[1].url" },
		{ "ftp://x/a.jpg", NULL, "image/jpeg", "media[1].url" },
		{ NULL, "has space", "image/jpeg", "media[1].media_id" },
		{ NULL, "a/b", "image/jpeg", "media[1].media_id" },
		{ "https://cdn.example.vn/a.gif", NULL, "image/gif",
		    "media[1].content_type" },
		{ "https://cdn.example.vn/a.jpg", NULL, "",
		    "media[1].content_type" },
		{ NULL, NULL, "image/jpeg", "media[1]" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		draft(&d);
		fb_draft_media(&d, bad[i].url, bad[i].id, bad[i].type);
		refused(&d, bad[i].field, NULL);
	}
	/* A URL of 2049 bytes; a media id of 65. */
	char *u = malloc(2050);
	memcpy(u, "https://cdn.example.vn/", 23);
	memset(u + 23, 'a', 2049 - 23);
	u[2049] = '\0';
	draft(&d);
	fb_draft_media(&d, u, NULL, "image/jpeg");
	refused(&d, "media[1].url", NULL);
	free(u);
	char *id = repeat("m", 65);
	draft(&d);
	fb_draft_media(&d, NULL, id, "image/heic");
	refused(&d, "media[1].media_id", NULL);
	free(id);

	/* Six of every allowed type are fine. */
	draft(&d);
	const char *types[] = { "image/png", "image/webp", "image/heic",
		"video/mp4", "image/jpeg" };
	for (int i = 0; i < 5; i++) {
		fb_draft_media(&d, NULL, "m-1_A", types[i]);
	}
	hues_result *res;
	assert_int_equal(
	    fb_submit_draft(&env, fb_citizen(&env, "other"), &d, &res),
	    HUES_OK);
	hues_result_free(res);
	outbox_before += 2;
}

/* ----- everything at once
 * ------------------------------------------------------------- */

static void
test_all_violations_in_one_reply(void **state)
{
	(void) state;
	fb_draft d;
	char    *t = repeat("b", 201);
	fb_draft_init(&d, "road.pothole", 91, 107.5);
	fb_draft_no_attrs(&d);
	d.req.title       = t;
	d.req.description = "escape \x1b[31m";
	d.loc.ward_code   = "nowhere";
	fb_draft_media(&d, "http://x/a.jpg", NULL, "text/html");
	refused(&d, "title", "description", "location.point.latitude",
	    "location.ward_code", "media[1].url", "media[1].content_type",
	    "attributes", NULL);
	d.req.category = "nope";
	refused(&d, "category", "title", "description", NULL);
	free(t);
}

/* "All violations of a request are reported at once": invalid UTF-8 is
 * one more violation among the others, not the only one. */
static void
test_invalid_utf8_reported_with_the_rest(void **state)
{
	(void) state;
	fb_draft d;
	fb_draft_init(&d, "road.pothole", 91, 107.5);
	d.req.title       = "bad \xc3\x28 title";
	d.req.description = "bad \xff description";
	d.loc.ward_code   = "nowhere";
	/* Text that is not UTF-8 makes the message malformed (proto3): the
	 * decoder refuses it, naming the first such field, before the
	 * handler's checks. Valid text reports everything at once. */
	refused(&d, "title", NULL);
	d.req.title       = "good title";
	d.req.description = "good description";
	refused(&d, "location.point.latitude", "location.ward_code", NULL);
}

/* ----- ids and pages on the other methods
 * ------------------------------------------------ */

static void
test_ids_and_pages(void **state)
{
	(void) state;
	hues_result *res;
	const char  *u     = fb_citizen(&env, USER);
	const char  *bad[] = { "", "R", "R000000001", "R00000000012",
		 "X0000000001", "R-000000001", "R000000000\xc3",
		 "R０000000001" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		    fb_do(&env, u, FB_WITHDRAW, bad[i], NULL, &res),
		    HUES_INVALID_ARGUMENT);
		fb_expect_violation(res, "id");
		hues_result_free(res);
		assert_int_equal(
		    fb_do(&env, fb_coord(&env), FB_ACCEPT, bad[i], NULL, &res),
		    HUES_INVALID_ARGUMENT);
		fb_expect_violation(res, "id");
		hues_result_free(res);
		assert_int_equal(fb_do(&env, fb_officer(&env, "o", "so-gtvt"),
		                     FB_RESOLVE, bad[i], NULL, &res),
		    HUES_INVALID_ARGUMENT);
		fb_expect_violation(res, "id");
		hues_result_free(res);
	}
	const fb_step steps[] = { FB_WITHDRAW, FB_COMMENT, FB_RATE_SATISFIED };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(
		    fb_do(&env, u, steps[i], "R0000099999", NULL, &res),
		    HUES_NOT_FOUND);
		hues_result_free(res);
	}
	assert_int_equal(
	    fb_do(&env, fb_coord(&env), FB_ACCEPT, "R0000099999", NULL, &res),
	    HUES_NOT_FOUND);
	hues_result_free(res);
	assert_int_equal(fb_do(&env, fb_officer(&env, "o", "so-gtvt"),
	                     FB_ACKNOWLEDGE, "R0000099999", NULL, &res),
	    HUES_NOT_FOUND);
	hues_result_free(res);

	/* Catalog lists page too. */
	Hues__V1__ListCategoriesRequest lc =
	    HUES__V1__LIST_CATEGORIES_REQUEST__INIT;
	hues_call_opts o = fb_as(NULL);
	lc.page_size     = -1;
	assert_int_equal(hues_feedback_list_categories(env.c, &lc, &o, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "page_size");
	hues_result_free(res);
	lc.page_size  = 0;
	lc.page_token = "bogus";
	assert_int_equal(hues_feedback_list_categories(env.c, &lc, &o, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "page_token");
	hues_result_free(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_title, before_each, after_each),
		cmocka_unit_test_setup_teardown(
		    test_description_and_address, before_each, after_each),
		cmocka_unit_test_setup_teardown(
		    test_location, before_each, after_each),
		cmocka_unit_test_setup_teardown(
		    test_category_and_attributes, before_each, after_each),
		cmocka_unit_test_setup_teardown(
		    test_media, before_each, after_each),
		cmocka_unit_test_setup_teardown(
		    test_all_violations_in_one_reply, before_each, after_each),
		cmocka_unit_test_setup_teardown(
		    test_invalid_utf8_reported_with_the_rest, before_each,
		    after_each),
		cmocka_unit_test_setup_teardown(
		    test_ids_and_pages, before_each, after_each),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
