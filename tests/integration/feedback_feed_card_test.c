/*
 * feedback_feed_card_test.c - PublicFeed's items are cards that the store
 * keeps with the report's cell (server/svc/feedback/card.c): at every step
 * of a report's life, the item near a point and in a box is exactly what
 * GetReport shows the public, without the history, so no card is ever
 * stale or shows more than the public view.
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
#include "store/store.h"


/* A point of Huế that no other report of this test is near. */
#define PLAT 16.4700
#define PLON 107.5800

FB_FILE_SERVER(env)

/* The packed bytes of r without its history, in a malloc'd block. */
static uint8_t *
pack_card(const Hues__V1__Report *r, size_t *n)
{
	Hues__V1__Report c = *r; /* shallow: r stays the SDK's to free */
	c.n_history        = 0;
	c.history          = NULL;
	*n                 = hues__v1__report__get_packed_size(&c);
	uint8_t *buf       = malloc(*n + 1);
	assert_non_null(buf);
	hues__v1__report__pack(&c, buf);
	return buf;
}

/* The item for id in a feed near the point (box: in a box around it),
 * or NULL; the result is freed by the caller. */
static const Hues__V1__Report *
feed_item(const char *id, bool box, hues_result **res)
{
	Hues__V1__PublicFeedRequest req = HUES__V1__PUBLIC_FEED_REQUEST__INIT;
	Hues__V1__Circle            c   = HUES__V1__CIRCLE__INIT;
	Hues__V1__GeoPoint          p   = HUES__V1__GEO_POINT__INIT;
	Hues__V1__BoundingBox       bb  = HUES__V1__BOUNDING_BOX__INIT;
	hues_call_opts              o   = fb_as(NULL);

	p.latitude    = PLAT;
	p.longitude   = PLON;
	req.page_size = 100;
	if (box) {
		bb.south      = PLAT - 0.001;
		bb.north      = PLAT + 0.001;
		bb.west       = PLON - 0.001;
		bb.east       = PLON + 0.001;
		req.area_case = HUES__V1__PUBLIC_FEED_REQUEST__AREA_BBOX;
		req.bbox      = &bb;
	} else {
		c.center      = &p;
		c.radius_m    = 200;
		req.area_case = HUES__V1__PUBLIC_FEED_REQUEST__AREA_NEAR;
		req.near      = &c;
	}
	int code = hues_feedback_public_feed(env.c, &req, &o, res);
	if (code != HUES_OK) {
		fail_msg("PublicFeed: %s %s", hues_status_name(code),
		    hues_result_message(*res));
	}
	const Hues__V1__PublicFeedResponse *r =
	    hues_feedback_public_feed_response(*res);
	for (size_t i = 0; i < r->n_items; i++) {
		assert_non_null(r->items[i]->report);
		if (strcmp(r->items[i]->report->id, id) == 0) {
			return r->items[i]->report;
		}
	}
	return NULL;
}

/* Asserts that both feeds show id as the public sees it in GetReport, or
 * (published false) not at all. */
static void
expect_cards(const char *id, bool published, const char *step)
{
	for (int box = 0; box < 2; box++) {
		hues_result            *fr;
		const Hues__V1__Report *item = feed_item(id, box, &fr);
		if (!published) {
			if (item != NULL) {
				fail_msg("%s: unpublished %s in the %s feed", step, id,
				    box ? "box" : "near");
			}
			hues_result_free(fr);
			continue;
		}
		if (item == NULL) {
			fail_msg("%s: %s missing from the %s feed", step, id,
			    box ? "box" : "near");
		}
		hues_result            *gr;
		const Hues__V1__Report *pub = fb_get(&env, NULL, id, &gr);
		assert_int_equal(item->n_history, 0);
		assert_string_equal(item->reporter, "");

		size_t   n1, n2;
		uint8_t *a = pack_card(item, &n1);
		uint8_t *b = pack_card(pub, &n2);
		if (n1 != n2 || memcmp(a, b, n1) != 0) {
			fail_msg("%s: the %s feed's card of %s (%zu bytes) is not "
			         "GetReport's public view (%zu bytes)",
			    step, box ? "box" : "near", id, n1, n2);
		}
		free(a);
		free(b);
		hues_result_free(gr);
		hues_result_free(fr);
	}
}

static void
test_feed_cards_follow_the_report(void **state)
{
	(void) state;
	const char  *reporter = fb_citizen(&env, "card-reporter");
	const char  *officer  = fb_officer(&env, "card-officer", "so-gtvt");
	char         id[FB_ID_LEN];
	hues_result *res;

	fb_submit(&env, reporter, "road.pothole", PLAT, PLON, id);
	expect_cards(id, false, "submitted");

	fb_must(&env, fb_coord(&env), FB_ACCEPT, id, FB_ST(ACCEPTED));
	expect_cards(id, true, "accepted");

	/* counts shown on the card */
	Hues__V1__SupportRequest sr = HUES__V1__SUPPORT_REQUEST__INIT;
	hues_call_opts so = fb_as(fb_citizen(&env, "card-supporter"));
	sr.id             = id;
	assert_int_equal(hues_feedback_support(env.c, &sr, &so, &res), HUES_OK);
	assert_int_equal(hues_feedback_support_response(res)->supporters, 1);
	hues_result_free(res);
	Hues__V1__SubscribeRequest sub = HUES__V1__SUBSCRIBE_REQUEST__INIT;
	sub.id                         = id;
	assert_int_equal(
	    hues_feedback_subscribe(env.c, &sub, &so, &res), HUES_OK);
	hues_result_free(res);
	expect_cards(id, true, "supported and followed");

	fb_must(&env, officer, FB_ACKNOWLEDGE, id, FB_ST(ACKNOWLEDGED));
	fb_must(&env, officer, FB_START_WORK, id, FB_ST(IN_PROGRESS));
	fb_must(&env, officer, FB_REQUEST_INFO, id, FB_ST(NEED_INFO));
	expect_cards(id, true, "need info");
	fb_must(&env, reporter, FB_COMMENT, id, FB_ST(IN_PROGRESS));
	fb_must(&env, officer, FB_RESOLVE, id, FB_ST(RESOLVED));
	expect_cards(id, true, "resolved");

	/* a rating's comment is the reporter's to the agency, not public */
	fb_must(&env, reporter, FB_RATE_DISSATISFIED, id, FB_ST(REOPENED));
	expect_cards(id, true, "rated and reopened");
	hues_result *fr;
	const Hues__V1__Report *item = feed_item(id, false, &fr);
	assert_non_null(item);
	assert_int_equal(item->reopen_count, 1);
	assert_int_equal(item->supporters, 1);
	if (item->rating != NULL) {
		assert_string_equal(item->rating->comment, "");
	}
	hues_result_free(fr);

	/* and the card leaves the feed with the report */
	fb_must(&env, officer, FB_RETURN, id, FB_ST(RETURNED_TO_TRIAGE));
	expect_cards(id, false, "returned to triage");
}

static int
clear_fn(store_txn *txn, void *arg)
{
	store_table  *t = arg;
	store_cursor *c;
	store_item    it;
	int           rv = store_cursor_open(txn, t, NULL, &c);
	while (rv == HUES_OK && store_cursor_next(c, &it) == HUES_OK) {
		rv = store_del(txn, t, it.key, it.klen);
	}
	store_cursor_close(c);
	return rv;
}

/* Empties fb_card, as in a store written before there were cards. */
static void
clear_cards(const char *data_dir)
{
	static const char *const tables[] = { "fb_card", NULL };
	store_opts   o = { .dir = data_dir, .tables = tables };
	store       *st;
	store_table *t;
	char         err[256];
	assert_int_equal(store_open(&o, &st, err, sizeof(err)), HUES_OK);
	assert_int_equal(store_table_open(st, "fb_card", 0, &t), HUES_OK);
	assert_int_equal(store_write(st, clear_fn, t), HUES_OK);
	store_close(st);
}

/* A store without cards still shows the same items: they are cut from
 * the records; and the next change of a report writes its card. */
static void
test_feed_cards_of_a_store_without_them(void **state)
{
	(void) state;
	const char *reporter = fb_citizen(&env, "old-store");
	char        id[FB_ID_LEN];

	fb_submit(&env, reporter, "road.pothole", PLAT, PLON + 0.0005, id);
	fb_must(&env, fb_coord(&env), FB_ACCEPT, id, FB_ST(ACCEPTED));
	expect_cards(id, true, "with its card");

	fb_restart_after(&env, false, NULL, clear_cards);
	expect_cards(id, true, "without cards");

	fb_must(&env, fb_officer(&env, "old-officer", "so-gtvt"),
	    FB_ACKNOWLEDGE, id, FB_ST(ACKNOWLEDGED));
	expect_cards(id, true, "acknowledged after the restart");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed_cards_follow_the_report),
		cmocka_unit_test(test_feed_cards_of_a_store_without_them),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
