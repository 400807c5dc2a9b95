/*
 * feedback_submit_test.c - SubmitReport through the SDK: the response and
 * the stored report, routing at triage, who may file (anonymous only in
 * some categories, gateways only for a user), idempotency keys (per user,
 * durable across a restart) and the nearby open reports of the same
 * category.
 */
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

FB_FILE_SERVER(env)

/* A point of its own for each (test, report): 1 km apart, far from the
 * other tests' points, so that no nearby list mixes tests. */
static void
spot(int test, int i, double *lat, double *lon)
{
	*lat = 16.05 + 0.03 * test;
	*lon = 107.25 + 0.01 * i;
}

static bool
id_well_formed(const char *id)
{
	if (strlen(id) != 11 || id[0] != 'R') {
		return false;
	}
	for (int i = 1; i < 11; i++) {
		if (id[i] < '0' || id[i] > '9') {
			return false;
		}
	}
	return true;
}

/* ----- SubmitReport
 * ----------------------------------------------------------- */

static void
test_submit_report_response_and_stored_report(void **state)
{
	(void) state;
	const char  *alice = fb_citizen(&env, "alice");
	fb_draft     d;
	hues_result *res, *got;
	double       lat, lon;
	spot(0, 0, &lat, &lon);
	fb_draft_init(&d, "road.pothole", lat, lon);
	fb_draft_media(&d, NULL, "upload_42-b", "video/mp4");
	fb_draft_attr(&d, "lane_blocked", "yes", NULL);
	d.loc.ward_code = "phu-hoi";
	d.req.hide_name = true;
	d.req.emergency = true;

	int64_t before = (int64_t) time(NULL);
	assert_int_equal(fb_submit_draft(&env, alice, &d, &res), HUES_OK);
	int64_t                               after = (int64_t) time(NULL);
	const Hues__V1__SubmitReportResponse *r =
	    hues_feedback_submit_report_response(res);
	assert_true(id_well_formed(r->id));
	assert_int_equal(r->state, FB_ST(SUBMITTED));
	assert_false(r->replayed);
	assert_int_equal(r->n_nearby, 0);

	const Hues__V1__Report *rep = fb_get(&env, alice, r->id, &got);
	assert_in_range(rep->submitted_at, before, after);
	assert_true(rep->updated_at >= rep->submitted_at);
	/* road.pothole: 30 minutes to acknowledge, 7 working days to
	 * resolve, due at 23:59:59 in Huế (UTC+7). */
	assert_int_equal(r->acknowledge_by, rep->submitted_at + 30 * 60);
	assert_int_equal(rep->acknowledge_by, r->acknowledge_by);
	assert_int_equal(rep->resolve_by, r->resolve_by);
	assert_int_equal((r->resolve_by + 7 * 3600) % 86400, 86399);
	assert_true(r->resolve_by >= rep->submitted_at + 7 * 86400);
	assert_true(r->resolve_by <= rep->submitted_at + 30 * 86400);

	/* The reporter's own view holds everything she sent. */
	assert_string_equal(rep->category, "road.pothole");
	assert_string_equal(rep->title, d.req.title);
	assert_string_equal(rep->description, d.req.description);
	assert_non_null(rep->location);
	assert_non_null(rep->location->point);
	assert_true(rep->location->point->latitude == lat);
	assert_true(rep->location->point->longitude == lon);
	assert_string_equal(rep->location->address, d.loc.address);
	assert_string_equal(rep->location->ward_code, "phu-hoi");
	assert_int_equal(rep->n_media, 2);
	assert_int_equal(
	    rep->media[0]->source_case, HUES__V1__MEDIA_REF__SOURCE_URL);
	assert_string_equal(rep->media[0]->url, d.media[0].url);
	assert_string_equal(rep->media[0]->content_type, "image/jpeg");
	assert_int_equal(
	    rep->media[1]->source_case, HUES__V1__MEDIA_REF__SOURCE_MEDIA_ID);
	assert_string_equal(rep->media[1]->media_id, "upload_42-b");
	assert_string_equal(rep->media[1]->content_type, "video/mp4");
	assert_int_equal(rep->n_attributes, 2);
	assert_string_equal(rep->attributes[0]->code, "size");
	assert_int_equal(rep->attributes[0]->n_values, 1);
	assert_string_equal(rep->attributes[0]->values[0], "medium");
	assert_string_equal(rep->attributes[1]->code, "lane_blocked");
	assert_string_equal(rep->reporter, "alice");
	assert_true(rep->hide_name);
	assert_true(rep->emergency);
	assert_int_equal(rep->state, FB_ST(SUBMITTED));
	assert_false(rep->published);
	/* Routing is shown after triage only. */
	assert_string_equal(rep->agency, "");
	/* The geohash of the point, at least at the index's 6 characters
	 * (docs/feedback.md says 6 for the index, 8 for fb_geo's keys). */
	char   gh[16];
	size_t ghlen = strlen(rep->geohash);
	assert_in_range(ghlen, 6, 12);
	fb_geohash(lat, lon, (unsigned) ghlen, gh);
	assert_string_equal(rep->geohash, gh);
	assert_int_equal(rep->acknowledged_at, 0);
	assert_int_equal(rep->resolved_at, 0);
	assert_int_equal(rep->closed_at, 0);
	assert_null(rep->rating);
	assert_int_equal(rep->n_history, 1);
	fb_expect_last_history(rep, FB_ACT(SUBMIT), FB_ST(UNSPECIFIED),
	    FB_ST(SUBMITTED), FB_ROLE(REPORTER));
	assert_int_equal(rep->history[0]->at, rep->submitted_at);

	/* submit: the reporter and the centre hear of it. */
	fb_event ev[8];
	size_t   n = fb_outbox(&env, r->id, ev, 8);
	fb_expect_events(ev, n, FB_EV(SUBMITTED), FB_ST(UNSPECIFIED),
	    FB_ST(SUBMITTED), FB_TO(REPORTER) | FB_TO(CENTRE), "alice", NULL);

	/* Triage routes it by the table: road.pothole goes to so-gtvt. */
	char id[FB_ID_LEN];
	snprintf(id, sizeof(id), "%s", r->id);
	hues_result_free(got);
	hues_result_free(res);
	fb_must(&env, fb_coord(&env), FB_ACCEPT, id, FB_ST(ACCEPTED));
	rep = fb_get(&env, alice, id, &got);
	assert_string_equal(rep->agency, "so-gtvt");
	assert_true(rep->published);
	hues_result_free(got);
}

static void
test_submit_report_callers(void **state)
{
	(void) state;
	fb_draft     d;
	hues_result *res, *got;
	double       lat, lon;

	/* Anonymous reports only where the category allows them. */
	spot(1, 0, &lat, &lon);
	fb_draft_init(&d, "waste.illegal_dumping", lat, lon);
	assert_int_equal(fb_submit_draft(&env, NULL, &d, &res), HUES_OK);
	char anon[FB_ID_LEN];
	snprintf(anon, sizeof(anon), "%s",
	    hues_feedback_submit_report_response(res)->id);
	hues_result_free(res);
	const Hues__V1__Report *rep = fb_get(&env, fb_coord(&env), anon, &got);
	assert_string_equal(rep->reporter, "");
	hues_result_free(got);
	/* Nobody owns it: nobody withdraws, comments or rates it. */
	const fb_step mine[] = { FB_WITHDRAW, FB_COMMENT, FB_RATE_SATISFIED };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(fb_do(&env, fb_citizen(&env, "alice"), mine[i],
		                     anon, NULL, &res),
		    HUES_PERMISSION_DENIED);
		hues_result_free(res);
	}
	assert_int_equal(fb_state(&env, anon), FB_ST(SUBMITTED));

	spot(1, 1, &lat, &lon);
	fb_draft_init(&d, "road.pothole", lat, lon);
	assert_int_equal(
	    fb_submit_draft(&env, NULL, &d, &res), HUES_UNAUTHENTICATED);
	hues_result_free(res);

	/* Staff, and gateways acting as themselves, file no reports. */
	const char *no[] = { fb_officer(&env, "olga", "so-gtvt"),
		fb_coord(&env), fb_admin(&env),
		fb_token_for(&env, "service", "gw-1", NULL, NULL) };
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		assert_int_equal(fb_submit_draft(&env, no[i], &d, &res),
		    HUES_PERMISSION_DENIED);
		hues_result_free(res);
	}

	/* A gateway on behalf of a user files it as hers. */
	const char *obo = fb_token_for(&env, "service", "gw-1", NULL, "minh");
	assert_int_equal(fb_submit_draft(&env, obo, &d, &res), HUES_OK);
	char id[FB_ID_LEN];
	snprintf(id, sizeof(id), "%s",
	    hues_feedback_submit_report_response(res)->id);
	hues_result_free(res);
	rep = fb_get(&env, fb_citizen(&env, "minh"), id, &got);
	assert_string_equal(rep->reporter, "minh");
	hues_result_free(got);
	assert_int_equal(fb_count_mine(&env, obo), 1);
	assert_int_equal(fb_count_mine(&env, fb_citizen(&env, "minh")), 1);
}

static void
test_submit_report_idempotency_key(void **state)
{
	(void) state;
	fb_env       e;
	fb_draft     d;
	hues_result *res;
	char         first[FB_ID_LEN], other[FB_ID_LEN];
	fb_start(&e, NULL);
	const char *alice = fb_citizen(&e, "alice"),
	           *bob   = fb_citizen(&e, "bob");

	fb_draft_init(&d, "road.pothole", 16.46, 107.59);
	d.req.idempotency_key = "app-7f3a-0001";
	assert_int_equal(fb_submit_draft(&e, alice, &d, &res), HUES_OK);
	assert_false(hues_feedback_submit_report_response(res)->replayed);
	snprintf(first, sizeof(first), "%s",
	    hues_feedback_submit_report_response(res)->id);
	int64_t ack_by =
	    hues_feedback_submit_report_response(res)->acknowledge_by;
	hues_result_free(res);

	/* The retry, even with another body, returns the first report. */
	d.req.title = "Ổ gà (gửi lại)";
	assert_int_equal(fb_submit_draft(&e, alice, &d, &res), HUES_OK);
	const Hues__V1__SubmitReportResponse *r =
	    hues_feedback_submit_report_response(res);
	assert_string_equal(r->id, first);
	assert_true(r->replayed);
	assert_int_equal(r->state, FB_ST(SUBMITTED));
	assert_int_equal(r->acknowledge_by, ack_by);
	hues_result_free(res);
	assert_int_equal(fb_count_mine(&e, alice), 1);

	/* Keys are per user. */
	assert_int_equal(fb_submit_draft(&e, bob, &d, &res), HUES_OK);
	assert_false(hues_feedback_submit_report_response(res)->replayed);
	snprintf(other, sizeof(other), "%s",
	    hues_feedback_submit_report_response(res)->id);
	assert_string_not_equal(other, first);
	hues_result_free(res);

	/* Durable: the key survives a restart. */
	fb_restart(&e, false, NULL);
	assert_int_equal(fb_submit_draft(&e, alice, &d, &res), HUES_OK);
	assert_string_equal(
	    hues_feedback_submit_report_response(res)->id, first);
	assert_true(hues_feedback_submit_report_response(res)->replayed);
	hues_result_free(res);
	assert_int_equal(fb_count_mine(&e, alice), 1);
	assert_int_equal(fb_count_mine(&e, bob), 1);

	/* A new key makes a new report, with a new id. */
	d.req.idempotency_key = "app-7f3a-0002";
	assert_int_equal(fb_submit_draft(&e, alice, &d, &res), HUES_OK);
	assert_false(hues_feedback_submit_report_response(res)->replayed);
	assert_true(
	    strcmp(hues_feedback_submit_report_response(res)->id, other) > 0);
	hues_result_free(res);
	assert_int_equal(fb_count_mine(&e, alice), 2);

	/* Keys are the acting user's: a gateway for alice shares hers. */
	d.req.idempotency_key = "app-7f3a-0001";
	const char *gw = fb_token_for(&e, "service", "gw-1", NULL, "alice");
	assert_int_equal(fb_submit_draft(&e, gw, &d, &res), HUES_OK);
	assert_string_equal(
	    hues_feedback_submit_report_response(res)->id, first);
	assert_true(hues_feedback_submit_report_response(res)->replayed);
	hues_result_free(res);

	/* The same key many times at once: one report, the rest replays. */
	enum { K = 10 };
	ht_async a[K];
	d.req.idempotency_key = "app-7f3a-burst";
	for (int i = 0; i < K; i++) {
		hues_call_opts o = fb_as(bob);
		ht_async_init(&a[i]);
		assert_int_equal(hues_feedback_submit_report_async(
		                     e.c, &d.req, &o, ht_async_done, &a[i]),
		    HUES_OK);
	}
	char burst[FB_ID_LEN] = "";
	int  fresh            = 0;
	for (int i = 0; i < K; i++) {
		res = ht_async_wait(&a[i]);
		assert_int_equal(hues_result_code(res), HUES_OK);
		const Hues__V1__SubmitReportResponse *b =
		    hues_feedback_submit_report_response(res);
		fresh += !b->replayed;
		if (burst[0] == '\0') {
			snprintf(burst, sizeof(burst), "%s", b->id);
		}
		assert_string_equal(b->id, burst);
		hues_result_free(res);
	}
	assert_int_equal(fresh, 1);
	assert_int_equal(fb_count_mine(&e, bob), 2);

	/* At most 128 printable ASCII bytes. */
	char long_key[130];
	memset(long_key, 'k', 129);
	long_key[129]         = '\0';
	d.req.idempotency_key = long_key;
	assert_int_equal(
	    fb_submit_draft(&e, alice, &d, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "idempotency_key");
	hues_result_free(res);
	fb_stop(&e);
}

/* An anonymous caller's key holds only for the same request: another
 * anonymous caller who sends the same key with another report makes a
 * report of its own, and learns nothing of the first; before and after a
 * restart (which empties every memory the server has of the keys). */
static void
test_submit_report_anonymous_idempotency_key(void **state)
{
	(void) state;
	fb_env       e;
	fb_draft     d;
	hues_result *res;
	char         first[FB_ID_LEN], second[FB_ID_LEN];
	double       lat, lon;

	fb_start(&e, NULL);
	spot(4, 0, &lat, &lon);
	fb_draft_init(&d, "waste.illegal_dumping", lat, lon);
	d.req.idempotency_key = "anon-0001";
	assert_int_equal(fb_submit_draft(&e, NULL, &d, &res), HUES_OK);
	assert_false(hues_feedback_submit_report_response(res)->replayed);
	snprintf(first, sizeof(first), "%s",
	    hues_feedback_submit_report_response(res)->id);
	hues_result_free(res);

	/* The retry: the same request, the first report. */
	assert_int_equal(fb_submit_draft(&e, NULL, &d, &res), HUES_OK);
	assert_true(hues_feedback_submit_report_response(res)->replayed);
	assert_string_equal(hues_feedback_submit_report_response(res)->id, first);
	hues_result_free(res);

	/* Someone else, the same key, another report. */
	char       *title = d.req.title;
	d.req.title = "Đổ xà bần ở bờ sông";
	assert_int_equal(fb_submit_draft(&e, NULL, &d, &res), HUES_OK);
	assert_false(hues_feedback_submit_report_response(res)->replayed);
	snprintf(second, sizeof(second), "%s",
	    hues_feedback_submit_report_response(res)->id);
	assert_string_not_equal(second, first);
	hues_result_free(res);

	/* A citizen's keys are her own, whatever anonymous callers used. */
	d.req.title = title;
	assert_int_equal(
	    fb_submit_draft(&e, fb_citizen(&e, "alice"), &d, &res), HUES_OK);
	assert_false(hues_feedback_submit_report_response(res)->replayed);
	assert_string_not_equal(
	    hues_feedback_submit_report_response(res)->id, first);
	hues_result_free(res);

	/* Durable: each request still finds its own report. */
	fb_restart(&e, false, NULL);
	assert_int_equal(fb_submit_draft(&e, NULL, &d, &res), HUES_OK);
	assert_true(hues_feedback_submit_report_response(res)->replayed);
	assert_string_equal(hues_feedback_submit_report_response(res)->id, first);
	hues_result_free(res);
	d.req.title = "Đổ xà bần ở bờ sông";
	assert_int_equal(fb_submit_draft(&e, NULL, &d, &res), HUES_OK);
	assert_true(hues_feedback_submit_report_response(res)->replayed);
	assert_string_equal(
	    hues_feedback_submit_report_response(res)->id, second);
	hues_result_free(res);
	fb_stop(&e);
}

static void
test_submit_report_nearby(void **state)
{
	(void) state;
	const char *alice = fb_citizen(&env, "an"),
	           *bob   = fb_citizen(&env, "binh");
	double       lat, lon, la, lo;
	char         first[FB_ID_LEN], light[FB_ID_LEN], far[FB_ID_LEN];
	fb_draft     d;
	hues_result *res;
	spot(2, 0, &lat, &lon);

	fb_submit(&env, alice, "road.pothole", lat, lon, first);
	/* Another category 50 m away, and a pothole 400 m away. */
	fb_offset(lat, lon, 50, 0, &la, &lo);
	fb_submit(&env, alice, "light.out", la, lo, light);
	fb_offset(lat, lon, -400, 0, &la, &lo);
	fb_submit(&env, alice, "road.pothole", la, lo, far);

	/* A pothole 120 m north: the first is near, the others are not. */
	fb_offset(lat, lon, 120, 0, &la, &lo);
	fb_draft_init(&d, "road.pothole", la, lo);
	assert_int_equal(fb_submit_draft(&env, bob, &d, &res), HUES_OK);
	const Hues__V1__SubmitReportResponse *r =
	    hues_feedback_submit_report_response(res);
	assert_int_equal(r->n_nearby, 1);
	assert_string_equal(r->nearby[0]->id, first);
	assert_string_equal(r->nearby[0]->title, d.req.title);
	assert_int_equal(r->nearby[0]->state, FB_ST(SUBMITTED));
	assert_true(r->nearby[0]->submitted_at > 0);
	assert_float_equal(
	    r->nearby[0]->distance_m, fb_distance_m(lat, lon, la, lo), 1.0);
	hues_result_free(res);

	/* Up to 5, nearest first, open ones only: around a fresh spot, 7
	 * potholes at 30, 60, ... 210 m, the nearest of them withdrawn. */
	spot(2, 5, &lat, &lon);
	char ids[7][FB_ID_LEN];
	for (int i = 0; i < 7; i++) {
		fb_offset(lat, lon, 0, 30.0 * (i + 1), &la, &lo);
		fb_submit(&env, alice, "road.pothole", la, lo, ids[i]);
	}
	fb_must(&env, alice, FB_WITHDRAW, ids[0], FB_ST(WITHDRAWN));
	fb_draft_init(&d, "road.pothole", lat, lon);
	assert_int_equal(fb_submit_draft(&env, bob, &d, &res), HUES_OK);
	r = hues_feedback_submit_report_response(res);
	assert_int_equal(r->n_nearby, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(r->nearby[i]->id, ids[i + 1]);
		assert_float_equal(
		    r->nearby[i]->distance_m, 30.0 * (i + 2), 1.0);
	}
	hues_result_free(res);

	/* 260 m away is beyond the 250 m of "nearby". */
	spot(2, 9, &lat, &lon);
	char lone[FB_ID_LEN];
	fb_submit(&env, alice, "road.pothole", lat, lon, lone);
	fb_offset(lat, lon, 260, 0, &la, &lo);
	fb_draft_init(&d, "road.pothole", la, lo);
	assert_int_equal(fb_submit_draft(&env, bob, &d, &res), HUES_OK);
	assert_int_equal(
	    hues_feedback_submit_report_response(res)->n_nearby, 0);
	hues_result_free(res);
}

/* The ids of the nearby list of a new pothole at (lat, lon) by bob,
 * joined by spaces (its own report withdrawn at once). */
static void
nearby_ids(fb_env *e, double lat, double lon, char *out, size_t cap)
{
	const char  *bob = fb_citizen(e, "binh");
	fb_draft     d;
	hues_result *res;
	char         mine[FB_ID_LEN];
	fb_draft_init(&d, "road.pothole", lat, lon);
	assert_int_equal(fb_submit_draft(e, bob, &d, &res), HUES_OK);
	const Hues__V1__SubmitReportResponse *r =
	    hues_feedback_submit_report_response(res);
	out[0] = '\0';
	for (size_t i = 0; i < r->n_nearby; i++) {
		size_t n = strlen(out);
		snprintf(out + n, cap - n, "%s%s", n ? " " : "", r->nearby[i]->id);
	}
	snprintf(mine, sizeof(mine), "%s", r->id);
	hues_result_free(res);
	fb_must(e, bob, FB_WITHDRAW, mine, FB_ST(WITHDRAWN));
}

/* Reports that wait for the centre are suggested from memory, published
 * ones from the geo index: the list follows every change between the
 * two (accepted, returned to triage, rejected, withdrawn) and survives
 * a restart, which rebuilds the memory from the centre's queue. */
static void
test_submit_nearby_follows_triage(void **state)
{
	(void) state;
	fb_env       e;
	const char  *alice = NULL, *olga;
	double       lat, lon, la, lo;
	char         a[FB_ID_LEN], b[FB_ID_LEN], c[FB_ID_LEN], got[128], want[128];
	fb_start(&e, NULL);
	alice = fb_citizen(&e, "an");
	olga  = fb_officer(&e, "olga", "so-gtvt");
	spot(3, 0, &lat, &lon);
	fb_offset(lat, lon, 30, 0, &la, &lo);
	fb_submit(&e, alice, "road.pothole", la, lo, a);
	fb_offset(lat, lon, 60, 0, &la, &lo);
	fb_submit(&e, alice, "road.pothole", la, lo, b);
	fb_offset(lat, lon, 90, 0, &la, &lo);
	fb_submit(&e, alice, "road.pothole", la, lo, c);
	snprintf(want, sizeof(want), "%s %s %s", a, b, c);
	nearby_ids(&e, lat, lon, got, sizeof(got));
	assert_string_equal(got, want);

	/* a accepted (published, in the geo index), b rejected, c waits. */
	fb_must(&e, fb_coord(&e), FB_ACCEPT, a, FB_ST(ACCEPTED));
	fb_must(&e, fb_coord(&e), FB_REJECT, b, FB_ST(REJECTED));
	snprintf(want, sizeof(want), "%s %s", a, c);
	nearby_ids(&e, lat, lon, got, sizeof(got));
	assert_string_equal(got, want);

	/* a given back to the centre: waiting again, from memory. */
	fb_must(&e, olga, FB_RETURN, a, FB_ST(RETURNED_TO_TRIAGE));
	nearby_ids(&e, lat, lon, got, sizeof(got));
	assert_string_equal(got, want);

	/* After a restart (and after kill -9) the same, rebuilt. */
	fb_restart(&e, false, NULL);
	nearby_ids(&e, lat, lon, got, sizeof(got));
	assert_string_equal(got, want);
	fb_restart(&e, true, NULL);
	nearby_ids(&e, lat, lon, got, sizeof(got));
	assert_string_equal(got, want);

	/* c withdrawn, a accepted again: only a, now from the geo index. */
	fb_must(&e, alice, FB_WITHDRAW, c, FB_ST(WITHDRAWN));
	fb_must(&e, fb_coord(&e), FB_ACCEPT, a, FB_ST(ACCEPTED));
	nearby_ids(&e, lat, lon, got, sizeof(got));
	assert_string_equal(got, a);
	fb_restart(&e, false, NULL);
	nearby_ids(&e, lat, lon, got, sizeof(got));
	assert_string_equal(got, a);
	fb_stop(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_submit_report_response_and_stored_report),
		cmocka_unit_test(test_submit_report_callers),
		cmocka_unit_test(test_submit_report_idempotency_key),
		cmocka_unit_test(test_submit_report_anonymous_idempotency_key),
		cmocka_unit_test(test_submit_report_nearby),
		cmocka_unit_test(test_submit_nearby_follows_triage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
