/*
 * feedback_sweep_test.c - the rating window through the real server
 * (server/svc/feedback/sweep.c): a report nobody rates is closed by the
 * server's sweep (expire_rating, by the system), and a dissatisfied
 * rating that comes after the window closes the report instead of
 * reopening it. Each test starts a server with a short window.
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

static void
pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static void
test_rating_window_expiry(void **state)
{
	(void) state;
	fb_env      e;
	const char *args[] = { "--rating-window-s", "1", "--sweep-ms", "20",
		NULL };
	char        id[FB_ID_LEN];
	fb_event    ev[32];
	fb_start(&e, args);
	const char *rep = fb_citizen(&e, "sang"),
	           *off = fb_officer(&e, "o", "so-gtvt");
	fb_submit(&e, rep, "road.pothole", FB_HUE_LAT, FB_HUE_LON, id);
	fb_advance(&e, id, FB_ST(RESOLVED), off, rep);
	size_t before = fb_outbox(&e, id, ev, 32);

	/* A bounded poll: the sweep closes it once the window has passed. */
	for (int i = 0; i < 2000 && fb_state(&e, id) != FB_ST(CLOSED); i++) {
		pause_ms(10);
	}
	hues_result            *res;
	const Hues__V1__Report *r = fb_get(&e, fb_coord(&e), id, &res);
	assert_int_equal(r->state, FB_ST(CLOSED));
	fb_expect_last_history(r, FB_ACT(EXPIRE_RATING), FB_ST(RESOLVED),
	    FB_ST(CLOSED), FB_ROLE(SYSTEM));
	assert_string_equal(r->history[r->n_history - 1]->actor, "");
	assert_true(r->closed_at >= r->resolved_at + 1);
	assert_null(r->rating);
	hues_result_free(res);
	size_t after = fb_outbox(&e, id, ev, 32);
	fb_expect_events(ev + before, after - before, FB_EV(CLOSED),
	    FB_ST(RESOLVED), FB_ST(CLOSED), FB_TO(REPORTER) | FB_TO(FOLLOWERS),
	    "sang", NULL);

	/* Too late to rate now. */
	assert_int_equal(fb_do(&e, rep, FB_RATE_DISSATISFIED, id, NULL, &res),
	    HUES_FAILED_PRECONDITION);
	fb_expect_status(res, HUES_FAILED_PRECONDITION, "ILLEGAL_TRANSITION");
	hues_result_free(res);
	fb_stop(&e);
}

static void
test_late_dissatisfied_rating_closes(void **state)
{
	(void) state;
	fb_env       e;
	const char  *args[] = { "--rating-window-s", "1", "--sweep-ms",
		 "86400000", NULL };
	char         id[FB_ID_LEN];
	fb_event     ev[32];
	hues_result *res;
	fb_start(&e, args);
	const char *rep = fb_citizen(&e, "tho"),
	           *off = fb_officer(&e, "o", "so-gtvt");
	fb_submit(&e, rep, "road.pothole", FB_HUE_LAT, FB_HUE_LON, id);
	fb_advance(&e, id, FB_ST(RESOLVED), off, rep);
	const Hues__V1__Report *r           = fb_get(&e, rep, id, &res);
	int64_t                 resolved_at = r->resolved_at;
	hues_result_free(res);
	/* Past the window: the rating no longer reopens, whatever the
	 * machine's speed (a bounded poll of the clock, about 2 s). */
	for (int i = 0; i < 500 && (int64_t) time(NULL) < resolved_at + 2;
	     i++) {
		pause_ms(10);
	}
	size_t before = fb_outbox(&e, id, ev, 32);
	assert_int_equal(
	    fb_do(&e, rep, FB_RATE_DISSATISFIED, id, "Vẫn hỏng", &res),
	    HUES_OK);
	r = fb_step_report(res);
	assert_int_equal(r->state, FB_ST(CLOSED));
	assert_int_equal(r->reopen_count, 0);
	assert_non_null(r->rating);
	assert_int_equal(r->rating->rating, FB_RATE(DISSATISFIED));
	assert_string_equal(r->rating->comment, "Vẫn hỏng");
	fb_expect_last_history(r, FB_ACT(CLOSE), FB_ST(RESOLVED), FB_ST(CLOSED),
	    FB_ROLE(REPORTER));
	hues_result_free(res);
	size_t after = fb_outbox(&e, id, ev, 32);
	fb_expect_events(ev + before, after - before, FB_EV(CLOSED),
	    FB_ST(RESOLVED), FB_ST(CLOSED), FB_TO(FOLLOWERS) | FB_TO(AGENCY),
	    NULL, "so-gtvt");
	fb_stop(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rating_window_expiry),
		cmocka_unit_test(test_late_dissatisfied_rating_closes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
