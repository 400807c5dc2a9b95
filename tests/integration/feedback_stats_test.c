/*
 * feedback_stats_test.c - the aggregate and event side of the Feedback
 * service: Stats rows (counts, on-time, satisfaction and reopen
 * percentages, filters by agency, category, ward and month) and the
 * outbox as ReadOutbox pages it (order, page sizes, pages while events
 * are written, who may read it).
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

static fb_env   env;
static uint32_t nmade; /* reports made, in every state */

#define USER "thu"

/* Submits a report as USER and brings it to state. */
static void
make(const char *category, const char *ward, double lat, double lon, int state,
    char id[FB_ID_LEN])
{
	fb_draft     d;
	hues_result *res;
	fb_draft_init(&d, category, lat, lon);
	d.loc.ward_code = (char *) (ward != NULL ? ward : "");
	assert_int_equal(
	    fb_submit_draft(&env, fb_citizen(&env, USER), &d, &res), HUES_OK);
	snprintf(
	    id, FB_ID_LEN, "%s", hues_feedback_submit_report_response(res)->id);
	hues_result_free(res);
	nmade++;
	const char *agency = strcmp(category, "light.out") == 0    ? "hepco"
	                     : strcmp(category, "water.leak") == 0 ? "huewaco"
	                                                           : "so-gtvt";
	fb_advance(&env, id, state, fb_officer(&env, "off", agency),
	    fb_citizen(&env, USER));
}

/* Some history for the outbox and for rows of other agencies. */
static int
setup(void **state)
{
	(void) state;
	static const int states[] = { FB_ST(SUBMITTED), FB_ST(ACCEPTED),
		FB_ST(RESOLVED), FB_ST(CLOSED), FB_ST(REOPENED),
		FB_ST(REJECTED), FB_ST(NEED_INFO), FB_ST(RETURNED_TO_TRIAGE) };
	fb_start(&env, NULL);
	for (int i = 0; i < 24; i++) {
		char id[FB_ID_LEN];
		make(i % 2 ? "light.out" : "road.pothole",
		    i % 3 ? "vy-da" : NULL, 16.40 + 0.01 * (i / 8),
		    107.50 + 0.01 * (i % 8), states[i % 8], id);
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

/* ----- Stats
 * ---------------------------------------------------------------------- */

static int
stats(const char *agency, const char *category, const char *ward,
    const char *from, const char *to, hues_result **res)
{
	Hues__V1__StatsRequest r = HUES__V1__STATS_REQUEST__INIT;
	hues_call_opts         o = fb_as(NULL);
	r.agency                 = (char *) agency;
	r.category               = (char *) category;
	r.ward_code              = (char *) ward;
	r.from_month             = (char *) from;
	r.to_month               = (char *) to;
	return hues_feedback_stats(env.c, &r, &o, res);
}

static void
test_stats_rows(void **state)
{
	(void) state;
	const char *tuan = fb_officer(&env, "tuan", "huewaco");
	char        k[4][FB_ID_LEN];
	for (int i = 0; i < 4; i++) {
		make("water.leak", "an-cuu", 16.70, 107.30 + 0.01 * i,
		    FB_ST(ACCEPTED), k[i]);
	}
	/* Three resolved and rated (satisfied, satisfied, neutral); one open.
	 */
	const fb_step rate[] = { FB_RATE_SATISFIED, FB_RATE_SATISFIED,
		FB_RATE_NEUTRAL };
	for (int i = 0; i < 3; i++) {
		fb_must(&env, tuan, FB_ACKNOWLEDGE, k[i], FB_ST(ACKNOWLEDGED));
		fb_must(&env, tuan, FB_RESOLVE, k[i], FB_ST(RESOLVED));
		fb_must(
		    &env, fb_citizen(&env, USER), rate[i], k[i], FB_ST(CLOSED));
	}
	char month[11];
	fb_local_date(0, month);
	month[7] = '\0';

	hues_result *res;
	assert_int_equal(stats("", "water.leak", "", "", "", &res), HUES_OK);
	const Hues__V1__StatsResponse *s = hues_feedback_stats_response(res);
	assert_int_equal(s->n_rows, 1);
	const Hues__V1__StatsRow *row = s->rows[0];
	assert_string_equal(row->agency, "huewaco");
	assert_string_equal(row->category, "water.leak");
	assert_string_equal(row->ward_code, "an-cuu");
	assert_string_equal(row->month, month);
	assert_int_equal(row->received, 4);
	assert_int_equal(row->resolved, 3);
	assert_non_null(row->acknowledged_on_time);
	assert_float_equal(row->acknowledged_on_time->value, 100.0, 0.01);
	assert_non_null(row->resolved_on_time);
	assert_float_equal(row->resolved_on_time->value, 100.0, 0.01);
	assert_non_null(row->median_time_to_resolve);
	assert_true(row->median_time_to_resolve->value >= 0);
	assert_true(row->median_time_to_resolve->value < 3600);
	assert_non_null(row->satisfied);
	assert_float_equal(row->satisfied->value, 200.0 / 3, 0.01);
	assert_non_null(row->reopened);
	assert_float_equal(row->reopened->value, 0.0, 0.01);
	assert_int_equal(row->overdue_open, 0);
	hues_result_free(res);

	/* The same row through each filter; none outside them. */
	assert_int_equal(
	    stats("huewaco", "", "an-cuu", month, month, &res), HUES_OK);
	s = hues_feedback_stats_response(res);
	assert_int_equal(s->n_rows, 1);
	assert_int_equal(s->rows[0]->received, 4);
	hues_result_free(res);
	char next[11], prev[11];
	fb_local_date(40, next);
	next[7] = '\0';
	fb_local_date(-40, prev);
	prev[7] = '\0';
	assert_int_equal(stats("", "water.leak", "", next, "", &res), HUES_OK);
	assert_int_equal(hues_feedback_stats_response(res)->n_rows, 0);
	hues_result_free(res);
	assert_int_equal(stats("", "water.leak", "", "", prev, &res), HUES_OK);
	assert_int_equal(hues_feedback_stats_response(res)->n_rows, 0);
	hues_result_free(res);
	assert_int_equal(
	    stats("so-gtvt", "water.leak", "", "", "", &res), HUES_OK);
	assert_int_equal(hues_feedback_stats_response(res)->n_rows, 0);
	hues_result_free(res);

	/* Each report is in exactly one row; rows are within their filter. */
	assert_int_equal(stats("", "", "", "", "", &res), HUES_OK);
	s                 = hues_feedback_stats_response(res);
	uint32_t received = 0;
	for (size_t i = 0; i < s->n_rows; i++) {
		assert_true(s->rows[i]->resolved <= s->rows[i]->received);
		received += s->rows[i]->received;
	}
	assert_int_equal(received, nmade);
	hues_result_free(res);
	assert_int_equal(stats("hepco", "", "", "", "", &res), HUES_OK);
	s = hues_feedback_stats_response(res);
	assert_true(s->n_rows > 0);
	for (size_t i = 0; i < s->n_rows; i++) {
		assert_string_equal(s->rows[i]->agency, "hepco");
	}
	hues_result_free(res);

	/* A row where nothing was acknowledged, resolved or rated yet has
	 * no percentages and no median: absent, not 0. */
	char open[2][FB_ID_LEN];
	make("drain.blocked", "tay-loc", 16.72, 107.30, FB_ST(ACCEPTED),
	    open[0]);
	make("drain.blocked", "tay-loc", 16.72, 107.31, FB_ST(SUBMITTED),
	    open[1]);
	assert_int_equal(stats("", "drain.blocked", "", "", "", &res), HUES_OK);
	s            = hues_feedback_stats_response(res);
	uint32_t got = 0;
	for (size_t i = 0; i < s->n_rows; i++) {
		row = s->rows[i];
		assert_string_equal(row->category, "drain.blocked");
		assert_int_equal(row->resolved, 0);
		assert_null(row->acknowledged_on_time);
		assert_null(row->resolved_on_time);
		assert_null(row->median_time_to_resolve);
		assert_null(row->satisfied);
		assert_null(row->reopened);
		got += row->received;
	}
	assert_int_equal(got, 2);
	hues_result_free(res);

	/* Months are YYYY-MM. */
	assert_int_equal(
	    stats("", "", "", "2025-13", "", &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "from_month");
	hues_result_free(res);
	assert_int_equal(
	    stats("", "", "", "", "March", &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "to_month");
	hues_result_free(res);
}

/* ----- ReadOutbox
 * ------------------------------------------------------------------ */

static int
outbox_page(
    const char *token, int page_size, const char *page_token, hues_result **res)
{
	Hues__V1__ReadOutboxRequest r = HUES__V1__READ_OUTBOX_REQUEST__INIT;
	hues_call_opts              o = fb_as(token);
	r.page_size                   = page_size;
	r.page_token                  = (char *) page_token;
	return hues_feedback_read_outbox(env.c, &r, &o, res);
}

static void
test_read_outbox_pages(void **state)
{
	(void) state;
	hues_result *res;
	size_t       total = fb_outbox(&env, NULL, NULL, 0);
	assert_true(total > 120);

	assert_int_equal(outbox_page(fb_coord(&env), 0, "", &res), HUES_OK);
	assert_int_equal(hues_feedback_read_outbox_response(res)->n_events, 20);
	hues_result_free(res);
	assert_int_equal(outbox_page(fb_admin(&env), 500, "", &res), HUES_OK);
	assert_int_equal(
	    hues_feedback_read_outbox_response(res)->n_events, 100);
	hues_result_free(res);

	/* Pages of 7 while reports are filed: seq strictly increasing, every
	 * event once, the new ones at the end. */
	const char *gw   = fb_token_for(&env, "service", "notify", NULL, NULL);
	char       *tok  = strdup("");
	uint64_t    last = 0;
	size_t      n = 0, pages = 0, filed = 0;
	do {
		assert_int_equal(outbox_page(gw, 7, tok, &res), HUES_OK);
		const Hues__V1__ReadOutboxResponse *r =
		    hues_feedback_read_outbox_response(res);
		assert_true(r->n_events <= 7);
		for (size_t i = 0; i < r->n_events; i++) {
			assert_true(r->events[i]->seq > last);
			last = r->events[i]->seq;
			n++;
		}
		free(tok);
		tok = strdup(r->next_page_token);
		hues_result_free(res);
		if (filed < 3) {
			char id[FB_ID_LEN];
			make("road.sign", NULL, 16.20,
			    107.70 + 0.01 * (double) filed, FB_ST(SUBMITTED),
			    id);
			filed++;
		}
		assert_true(++pages < 1000);
	} while (tok[0] != '\0');
	free(tok);
	/* Each submit writes two events (reporter, centre). */
	assert_int_equal(n, total + 2 * filed);
	assert_int_equal(fb_outbox(&env, NULL, NULL, 0), n);

	/* Who may read it. */
	assert_int_equal(outbox_page(fb_citizen(&env, USER), 0, "", &res),
	    HUES_PERMISSION_DENIED);
	hues_result_free(res);
	assert_int_equal(
	    outbox_page(fb_officer(&env, "off", "hepco"), 0, "", &res),
	    HUES_PERMISSION_DENIED);
	hues_result_free(res);
	assert_int_equal(
	    outbox_page(fb_token_for(&env, "service", "notify", NULL, USER), 0,
	        "", &res),
	    HUES_PERMISSION_DENIED);
	hues_result_free(res);
	assert_int_equal(outbox_page(NULL, 0, "", &res), HUES_UNAUTHENTICATED);
	hues_result_free(res);
	assert_int_equal(
	    outbox_page(fb_coord(&env), -1, "", &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "page_size");
	hues_result_free(res);
	assert_int_equal(
	    outbox_page(fb_coord(&env), 0, "zzz", &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "page_token");
	hues_result_free(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_rows),
		cmocka_unit_test(test_read_outbox_pages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
