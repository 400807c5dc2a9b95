/*
 * feedback_citizen_test.c - the citizen's side of the Feedback service
 * after submission, through the SDK: GetReport and its views (own,
 * officer, full, public), ListMyReports and its pages, Withdraw,
 * AddComment (a comment, or the answer to a question), Support,
 * Subscribe and Unsubscribe.
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

/* ----- GetReport and views --------------------------------------------------
 */

static bool
history_has_actor(const Hues__V1__Report *r, const char *actor)
{
	for (size_t i = 0; i < r->n_history; i++) {
		if (strcmp(r->history[i]->actor, actor) == 0) {
			return true;
		}
	}
	return false;
}

static bool
history_has_internal_note(const Hues__V1__Report *r)
{
	for (size_t i = 0; i < r->n_history; i++) {
		if (r->history[i]->internal_note[0] != '\0') {
			return true;
		}
	}
	return false;
}

/* The public note of the first history entry of action ("" if none). */
static const char *
note_of(const Hues__V1__Report *r, int action)
{
	for (size_t i = 0; i < r->n_history; i++) {
		if ((int) r->history[i]->action == action) {
			return r->history[i]->public_note;
		}
	}
	fail_msg("%s has no history entry of action %d", r->id, action);
	return "";
}

/* A public view: no reporter, no actors, no internal notes, and the
 * question and answer between agency and reporter blanked. */
static void
assert_public_view(const Hues__V1__Report *r)
{
	assert_string_equal(r->reporter, "");
	for (size_t i = 0; i < r->n_history; i++) {
		const Hues__V1__HistoryEntry *h = r->history[i];
		assert_string_equal(h->actor, "");
		assert_string_equal(h->internal_note, "");
		if (h->action == FB_ACT(REQUEST_INFO) ||
		    h->action == FB_ACT(PROVIDE_INFO) ||
		    h->action == FB_ACT(COMMENT)) {
			assert_string_equal(h->public_note, "");
		}
	}
}

static void
test_get_report_views(void **state)
{
	(void) state;
	const char  *alice = fb_citizen(&env, "chi");
	const char  *olga  = fb_officer(&env, "olga", "so-gtvt");
	const char  *hana  = fb_officer(&env, "hana", "hepco");
	hues_result *res;
	double       lat, lon;
	char         id[FB_ID_LEN];
	spot(3, 0, &lat, &lon);
	fb_submit(&env, alice, "road.pothole", lat, lon, id);

	/* Unpublished: the reporter and the centre, nobody else. */
	const Hues__V1__Report *r = fb_get(&env, alice, id, &res);
	assert_string_equal(r->reporter, "chi");
	hues_result_free(res);
	r = fb_get(&env, fb_admin(&env), id, &res);
	assert_string_equal(r->reporter, "chi");
	hues_result_free(res);
	Hues__V1__GetReportRequest g = HUES__V1__GET_REPORT_REQUEST__INIT;
	g.id                         = id;
	hues_call_opts o             = fb_as(fb_citizen(&env, "dung"));
	assert_int_equal(hues_feedback_get_report(env.c, &g, &o, &res),
	    HUES_PERMISSION_DENIED);
	hues_result_free(res);
	o = fb_as(NULL);
	assert_int_equal(hues_feedback_get_report(env.c, &g, &o, &res),
	    HUES_UNAUTHENTICATED);
	hues_result_free(res);
	o = fb_as(hana);
	assert_int_equal(hues_feedback_get_report(env.c, &g, &o, &res),
	    HUES_PERMISSION_DENIED);
	hues_result_free(res);
	o = fb_as(fb_token_for(&env, "service", "gw-1", NULL, NULL));
	assert_int_equal(hues_feedback_get_report(env.c, &g, &o, &res),
	    HUES_PERMISSION_DENIED);
	hues_result_free(res);

	/* Through triage, work, a question and its answer. */
	fb_advance(&env, id, FB_ST(NEED_INFO), olga, alice);
	fb_must(&env, alice, FB_COMMENT, id, FB_ST(IN_PROGRESS));

	/* Full view (coordinator): everything. */
	r = fb_get(&env, fb_coord(&env), id, &res);
	assert_string_equal(r->reporter, "chi");
	assert_true(history_has_actor(r, "chi"));
	assert_true(history_has_actor(r, "olga"));
	assert_true(history_has_actor(r, "ioc-1"));
	assert_true(history_has_internal_note(r));
	/* submit, accept, acknowledge, request_info, provide_info */
	assert_int_equal(r->n_history, 5);
	hues_result_free(res);

	/* Own view: no internal notes, staff actors blanked; the question
	 * and her answer are hers to see. */
	r = fb_get(&env, alice, id, &res);
	assert_string_equal(r->reporter, "chi");
	assert_false(history_has_internal_note(r));
	assert_string_equal(
	    note_of(r, FB_ACT(REQUEST_INFO)), "Ổ gà nằm ở làn đường nào?");
	assert_string_equal(note_of(r, FB_ACT(PROVIDE_INFO)),
	    "Làn bên phải, gần cột điện số 14.");
	assert_false(history_has_actor(r, "olga"));
	assert_false(history_has_actor(r, "ioc-1"));
	assert_int_equal(r->n_history, 5);
	hues_result_free(res);

	/* Officer view: no reporter anywhere; internal notes kept. */
	r = fb_get(&env, olga, id, &res);
	assert_string_equal(r->reporter, "");
	assert_false(history_has_actor(r, "chi"));
	assert_true(history_has_internal_note(r));
	assert_true(history_has_actor(r, "olga"));
	assert_string_equal(r->agency, "so-gtvt");
	assert_string_equal(note_of(r, FB_ACT(PROVIDE_INFO)),
	    "Làn bên phải, gần cột điện số 14.");
	hues_result_free(res);

	/* Public view: anonymous, another citizen, an officer of another
	 * agency all read the published report without the private parts. */
	const char *readers[] = { NULL, fb_citizen(&env, "dung"), hana,
		fb_token_for(&env, "service", "gw-1", NULL, NULL) };
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		r = fb_get(&env, readers[i], id, &res);
		assert_true(r->published);
		assert_int_equal(r->state, FB_ST(IN_PROGRESS));
		assert_string_equal(r->title, "Ổ gà sâu giữa đường");
		assert_public_view(r);
		hues_result_free(res);
	}

	/* Ids: malformed is INVALID_ARGUMENT on id, unknown NOT_FOUND. */
	const char *bad[] = { "", "42", "R123", "r0000000001", "R00000000001",
		"R00000000x1", " R0000000001" };
	o                 = fb_as(fb_coord(&env));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		g.id = (char *) bad[i];
		assert_int_equal(hues_feedback_get_report(env.c, &g, &o, &res),
		    HUES_INVALID_ARGUMENT);
		fb_expect_violation(res, "id");
		hues_result_free(res);
	}
	g.id = "R9999999999";
	assert_int_equal(
	    hues_feedback_get_report(env.c, &g, &o, &res), HUES_NOT_FOUND);
	hues_result_free(res);
}

/* ----- ListMyReports
 * ---------------------------------------------------------- */

typedef struct page_walk {
	char   ids[200][FB_ID_LEN];
	size_t n;
	size_t pages;
} page_walk;

/* fb_list_mine() on this file's server. */
static int
list_page(const char *token, int page_size, const char *page_token,
    const Hues__V1__ReportState *states, size_t nstates, hues_result **res)
{
	return fb_list_mine(
	    &env, token, page_size, page_token, states, nstates, res);
}

static void
test_list_my_reports_pages(void **state)
{
	(void) state;
	enum { N = 105 };
	const char  *lan = fb_citizen(&env, "lan");
	hues_result *res;
	char         ids[N + 10][FB_ID_LEN];
	double       lat, lon;
	for (int i = 0; i < N; i++) {
		spot(4, i % 40, &lat, &lon);
		fb_submit(&env, lan, i % 2 ? "light.out" : "waste.uncollected",
		    lat + 0.001 * (i / 40), lon, ids[i]);
	}
	/* Someone else's reports are not hers. */
	fb_submit(&env, fb_citizen(&env, "mai"), "light.out", lat, lon, ids[N]);

	/* Default 20, at most 100, negative refused. */
	assert_int_equal(list_page(lan, 0, "", NULL, 0, &res), HUES_OK);
	const Hues__V1__ListMyReportsResponse *l =
	    hues_feedback_list_my_reports_response(res);
	assert_int_equal(l->n_reports, 20);
	assert_string_not_equal(l->next_page_token, "");
	/* Newest first, each in the reporter's own view. */
	for (size_t i = 0; i < l->n_reports; i++) {
		assert_string_equal(l->reports[i]->id, ids[N - 1 - i]);
		assert_string_equal(l->reports[i]->reporter, "lan");
	}
	hues_result_free(res);
	assert_int_equal(list_page(lan, 1000, "", NULL, 0, &res), HUES_OK);
	assert_int_equal(
	    hues_feedback_list_my_reports_response(res)->n_reports, 100);
	assert_string_not_equal(
	    hues_feedback_list_my_reports_response(res)->next_page_token, "");
	hues_result_free(res);
	assert_int_equal(
	    list_page(lan, -1, "", NULL, 0, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "page_size");
	hues_result_free(res);

	/* Pages of 7 with new reports filed between pages: every report
	 * that was there is returned once, in order, none twice. */
	static page_walk w;
	memset(&w, 0, sizeof(w));
	char *tok   = strdup("");
	int   extra = 0;
	do {
		assert_int_equal(
		    list_page(lan, 7, tok, NULL, 0, &res), HUES_OK);
		l = hues_feedback_list_my_reports_response(res);
		assert_true(l->n_reports <= 7);
		for (size_t i = 0; i < l->n_reports; i++) {
			for (size_t k = 0; k < w.n; k++) {
				assert_string_not_equal(
				    w.ids[k], l->reports[i]->id);
			}
			snprintf(
			    w.ids[w.n++], FB_ID_LEN, "%s", l->reports[i]->id);
		}
		free(tok);
		tok = strdup(l->next_page_token);
		hues_result_free(res);
		if (extra < 5) {
			spot(4, 39, &lat, &lon);
			fb_submit(&env, lan, "light.out", lat + 0.01, lon,
			    ids[N + 1 + extra]);
			extra++;
		}
	} while (tok[0] != '\0' && ++w.pages < 100);
	free(tok);
	size_t at = 0;
	for (int i = N - 1; i >= 0; i--) {
		while (at < w.n && strcmp(w.ids[at], ids[i]) != 0) {
			at++;
		}
		if (at == w.n) {
			fail_msg("report %s was not listed in order", ids[i]);
		}
	}

	/* By state. */
	fb_must(&env, lan, FB_WITHDRAW, ids[3], FB_ST(WITHDRAWN));
	fb_must(&env, lan, FB_WITHDRAW, ids[10], FB_ST(WITHDRAWN));
	Hues__V1__ReportState st[] = { FB_ST(WITHDRAWN) };
	assert_int_equal(list_page(lan, 0, "", st, 1, &res), HUES_OK);
	l = hues_feedback_list_my_reports_response(res);
	assert_int_equal(l->n_reports, 2);
	assert_string_equal(l->reports[0]->id, ids[10]);
	assert_string_equal(l->reports[1]->id, ids[3]);
	hues_result_free(res);

	/* A token is bound to its method and its filters. */
	assert_int_equal(list_page(lan, 5, "", NULL, 0, &res), HUES_OK);
	char *page2 = strdup(
	    hues_feedback_list_my_reports_response(res)->next_page_token);
	hues_result_free(res);
	assert_int_equal(
	    list_page(lan, 5, page2, st, 1, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "page_token");
	hues_result_free(res);
	Hues__V1__PublicFeedRequest pf = HUES__V1__PUBLIC_FEED_REQUEST__INIT;
	pf.page_token                  = page2;
	hues_call_opts o               = fb_as(lan);
	assert_int_equal(hues_feedback_public_feed(env.c, &pf, &o, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "page_token");
	hues_result_free(res);
	free(page2);
	const char *junk[] = { "garbage", "!!!!",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		assert_int_equal(list_page(lan, 5, junk[i], NULL, 0, &res),
		    HUES_INVALID_ARGUMENT);
		fb_expect_violation(res, "page_token");
		hues_result_free(res);
	}

	/* Only citizens and gateways for a user; staff have no "mine". */
	assert_int_equal(list_page(fb_coord(&env), 0, "", NULL, 0, &res),
	    HUES_PERMISSION_DENIED);
	hues_result_free(res);
	assert_int_equal(
	    list_page(fb_token_for(&env, "service", "gw-1", NULL, NULL), 0, "",
	        NULL, 0, &res),
	    HUES_PERMISSION_DENIED);
	hues_result_free(res);
	assert_int_equal(
	    list_page(NULL, 0, "", NULL, 0, &res), HUES_UNAUTHENTICATED);
	hues_result_free(res);
	assert_int_equal(fb_count_mine(&env, fb_citizen(&env, "mai")), 1);
	assert_int_equal(fb_count_mine(&env, fb_token_for(&env, "service",
	                                         "gw-1", NULL, "lan")),
	    N + 5);
}

/* ----- Withdraw, AddComment
 * ----------------------------------------------------- */

static void
test_withdraw(void **state)
{
	(void) state;
	const char  *hoa = fb_citizen(&env, "hoa");
	hues_result *res;
	double       lat, lon;
	char         id[FB_ID_LEN], acc[FB_ID_LEN];
	spot(5, 0, &lat, &lon);
	fb_submit(&env, hoa, "waste.uncollected", lat, lon, id);

	/* Someone else cannot. */
	assert_int_equal(
	    fb_do(&env, fb_citizen(&env, "khoa"), FB_WITHDRAW, id, NULL, &res),
	    HUES_PERMISSION_DENIED);
	fb_expect_status(res, HUES_PERMISSION_DENIED, "NOT_OWNER");
	hues_result_free(res);

	assert_int_equal(
	    fb_do(&env, hoa, FB_WITHDRAW, id, NULL, &res), HUES_OK);
	const Hues__V1__Report *r = fb_step_report(res);
	assert_int_equal(r->state, FB_ST(WITHDRAWN));
	assert_false(r->published);
	fb_expect_last_history(r, FB_ACT(WITHDRAW), FB_ST(SUBMITTED),
	    FB_ST(WITHDRAWN), FB_ROLE(REPORTER));
	hues_result_free(res);
	fb_event ev[8];
	size_t   n = fb_outbox(&env, id, ev, 8);
	assert_int_equal(n, 4);
	fb_expect_events(ev + 2, n - 2, FB_EV(WITHDRAWN), FB_ST(SUBMITTED),
	    FB_ST(WITHDRAWN), FB_TO(FOLLOWERS) | FB_TO(CENTRE), NULL, NULL);

	/* Twice, or after triage: illegal. */
	assert_int_equal(fb_do(&env, hoa, FB_WITHDRAW, id, NULL, &res),
	    HUES_FAILED_PRECONDITION);
	fb_expect_status(res, HUES_FAILED_PRECONDITION, "ILLEGAL_TRANSITION");
	hues_result_free(res);
	fb_submit(&env, hoa, "waste.uncollected", lat, lon + 0.002, acc);
	fb_must(&env, fb_coord(&env), FB_ACCEPT, acc, FB_ST(ACCEPTED));
	assert_int_equal(fb_do(&env, hoa, FB_WITHDRAW, acc, NULL, &res),
	    HUES_FAILED_PRECONDITION);
	fb_expect_status(res, HUES_FAILED_PRECONDITION, "ILLEGAL_TRANSITION");
	hues_result_free(res);
	assert_int_equal(fb_state(&env, acc), FB_ST(ACCEPTED));

	/* Ids are checked first. */
	assert_int_equal(fb_do(&env, hoa, FB_WITHDRAW, "R12", NULL, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "id");
	hues_result_free(res);
	assert_int_equal(
	    fb_do(&env, hoa, FB_WITHDRAW, "R9999999998", NULL, &res),
	    HUES_NOT_FOUND);
	hues_result_free(res);
}

static void
test_add_comment(void **state)
{
	(void) state;
	const char  *quan = fb_citizen(&env, "quan");
	const char  *olga = fb_officer(&env, "olga", "so-gtvt");
	hues_result *res;
	double       lat, lon;
	char         id[FB_ID_LEN];
	fb_event     ev[32] = { { 0 } };
	spot(6, 0, &lat, &lon);
	fb_submit(&env, quan, "road.pothole", lat, lon, id);
	fb_advance(&env, id, FB_ST(ACKNOWLEDGED), olga, quan);

	/* In an open state a comment is history and one event for the
	 * agency in charge; the state stays. */
	size_t before = fb_outbox(&env, id, ev, 32);
	assert_int_equal(
	    fb_do(&env, quan, FB_COMMENT, id, "Vẫn chưa sửa.", &res), HUES_OK);
	const Hues__V1__Report *r = fb_step_report(res);
	assert_int_equal(r->state, FB_ST(ACKNOWLEDGED));
	fb_expect_last_history(r, FB_ACT(COMMENT), FB_ST(ACKNOWLEDGED),
	    FB_ST(ACKNOWLEDGED), FB_ROLE(REPORTER));
	assert_string_equal(
	    r->history[r->n_history - 1]->public_note, "Vẫn chưa sửa.");
	hues_result_free(res);
	size_t after_comment = fb_outbox(&env, id, ev, 32);
	fb_expect_events(ev + before, after_comment - before, FB_EV(COMMENTED),
	    FB_ST(ACKNOWLEDGED), FB_ST(ACKNOWLEDGED), FB_TO(AGENCY), NULL,
	    "so-gtvt");

	/* In need_info it is the answer: back to in_progress, to the agency. */
	fb_must(&env, olga, FB_REQUEST_INFO, id, FB_ST(NEED_INFO));
	before = fb_outbox(&env, id, ev, 32);
	fb_expect_events(ev + before - 1, 1, FB_EV(INFO_REQUESTED),
	    FB_ST(ACKNOWLEDGED), FB_ST(NEED_INFO), FB_TO(REPORTER), "quan",
	    NULL);
	assert_int_equal(
	    fb_do(&env, quan, FB_COMMENT, id, NULL, &res), HUES_OK);
	r = fb_step_report(res);
	assert_int_equal(r->state, FB_ST(IN_PROGRESS));
	fb_expect_last_history(r, FB_ACT(PROVIDE_INFO), FB_ST(NEED_INFO),
	    FB_ST(IN_PROGRESS), FB_ROLE(REPORTER));
	hues_result_free(res);
	size_t after = fb_outbox(&env, id, ev, 32);
	fb_expect_events(ev + before, after - before, FB_EV(INFO_PROVIDED),
	    FB_ST(NEED_INFO), FB_ST(IN_PROGRESS), FB_TO(AGENCY), NULL,
	    "so-gtvt");

	/* Text: required, at most 2000 characters; owner only. */
	assert_int_equal(
	    fb_do(&env, quan, FB_COMMENT, id, "", &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "text");
	hues_result_free(res);
	char *big = malloc(2002);
	memset(big, 'x', 2001);
	big[2001] = '\0';
	assert_int_equal(fb_do(&env, quan, FB_COMMENT, id, big, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "text");
	hues_result_free(res);
	big[2000] = '\0';
	assert_int_equal(fb_do(&env, quan, FB_COMMENT, id, big, &res), HUES_OK);
	hues_result_free(res);
	free(big);
	assert_int_equal(
	    fb_do(&env, fb_citizen(&env, "khoa"), FB_COMMENT, id, NULL, &res),
	    HUES_PERMISSION_DENIED);
	fb_expect_status(res, HUES_PERMISSION_DENIED, "NOT_OWNER");
	hues_result_free(res);
	assert_int_equal(fb_do(&env, olga, FB_COMMENT, id, NULL, &res),
	    HUES_PERMISSION_DENIED);
	hues_result_free(res);

	/* In a final state: FAILED_PRECONDITION. */
	fb_must(&env, olga, FB_RESOLVE, id, FB_ST(RESOLVED));
	fb_must(&env, quan, FB_RATE_NEUTRAL, id, FB_ST(CLOSED));
	assert_int_equal(fb_do(&env, quan, FB_COMMENT, id, NULL, &res),
	    HUES_FAILED_PRECONDITION);
	hues_result_free(res);
}

/* ----- Support, Subscribe, Unsubscribe
 * ---------------------------------------- */

static int
support(const char *token, const char *id, uint32_t *count, bool *already)
{
	Hues__V1__SupportRequest r = HUES__V1__SUPPORT_REQUEST__INIT;
	hues_call_opts           o = fb_as(token);
	hues_result             *res;
	r.id     = (char *) id;
	int code = hues_feedback_support(env.c, &r, &o, &res);
	if (code == HUES_OK) {
		*count   = hues_feedback_support_response(res)->supporters;
		*already = hues_feedback_support_response(res)->already;
	}
	hues_result_free(res);
	return code;
}

static int
follow(const char *token, const char *id, bool on, uint32_t *count)
{
	hues_call_opts o = fb_as(token);
	hues_result   *res;
	int            code;
	if (on) {
		Hues__V1__SubscribeRequest r =
		    HUES__V1__SUBSCRIBE_REQUEST__INIT;
		r.id = (char *) id;
		code = hues_feedback_subscribe(env.c, &r, &o, &res);
		if (code == HUES_OK) {
			*count =
			    hues_feedback_subscribe_response(res)->followers;
		}
	} else {
		Hues__V1__UnsubscribeRequest r =
		    HUES__V1__UNSUBSCRIBE_REQUEST__INIT;
		r.id = (char *) id;
		code = hues_feedback_unsubscribe(env.c, &r, &o, &res);
		if (code == HUES_OK) {
			*count =
			    hues_feedback_unsubscribe_response(res)->followers;
		}
	}
	hues_result_free(res);
	return code;
}

static void
test_support_and_follow(void **state)
{
	(void) state;
	const char *tam  = fb_citizen(&env, "tam"),
	           *uyen = fb_citizen(&env, "uyen");
	const char  *vu  = fb_citizen(&env, "vu");
	uint32_t     n   = 99;
	bool         already;
	hues_result *res;
	double       lat, lon;
	char         id[FB_ID_LEN], hidden[FB_ID_LEN];
	spot(7, 0, &lat, &lon);
	fb_submit(&env, tam, "light.out", lat, lon, id);
	fb_submit(&env, tam, "light.out", lat, lon + 0.01, hidden);
	fb_must(&env, fb_coord(&env), FB_ACCEPT, id, FB_ST(ACCEPTED));

	/* Once per person. */
	assert_int_equal(support(uyen, id, &n, &already), HUES_OK);
	assert_int_equal(n, 1);
	assert_false(already);
	assert_int_equal(support(uyen, id, &n, &already), HUES_OK);
	assert_int_equal(n, 1);
	assert_true(already);
	assert_int_equal(support(vu, id, &n, &already), HUES_OK);
	assert_int_equal(n, 2);
	assert_false(already);
	assert_int_equal(support(tam, id, &n, &already), HUES_OK);
	assert_int_equal(n, 3);

	/* Idempotent follower counts. */
	assert_int_equal(follow(uyen, id, true, &n), HUES_OK);
	assert_int_equal(n, 1);
	assert_int_equal(follow(uyen, id, true, &n), HUES_OK);
	assert_int_equal(n, 1);
	assert_int_equal(follow(vu, id, true, &n), HUES_OK);
	assert_int_equal(n, 2);
	assert_int_equal(follow(uyen, id, false, &n), HUES_OK);
	assert_int_equal(n, 1);
	assert_int_equal(follow(uyen, id, false, &n), HUES_OK);
	assert_int_equal(n, 1);
	const Hues__V1__Report *r = fb_get(&env, NULL, id, &res);
	assert_int_equal(r->supporters, 3);
	assert_int_equal(r->followers, 1);
	hues_result_free(res);

	/* An unpublished report: its reporter only. */
	assert_int_equal(
	    support(uyen, hidden, &n, &already), HUES_PERMISSION_DENIED);
	assert_int_equal(
	    follow(uyen, hidden, true, &n), HUES_PERMISSION_DENIED);
	assert_int_equal(
	    follow(uyen, hidden, false, &n), HUES_PERMISSION_DENIED);
	assert_int_equal(support(tam, hidden, &n, &already), HUES_OK);
	assert_int_equal(n, 1);
	assert_int_equal(follow(tam, hidden, true, &n), HUES_OK);
	assert_int_equal(n, 1);

	/* A user is needed; staff do not support; ids are checked. */
	assert_int_equal(support(NULL, id, &n, &already), HUES_UNAUTHENTICATED);
	assert_int_equal(follow(NULL, id, true, &n), HUES_UNAUTHENTICATED);
	assert_int_equal(
	    support(fb_coord(&env), id, &n, &already), HUES_PERMISSION_DENIED);
	assert_int_equal(
	    support(uyen, "R9999999997", &n, &already), HUES_NOT_FOUND);
	assert_int_equal(
	    support(uyen, "R1", &n, &already), HUES_INVALID_ARGUMENT);
	assert_int_equal(follow(uyen, "x", true, &n), HUES_INVALID_ARGUMENT);
	r = fb_get(&env, NULL, id, &res);
	assert_int_equal(r->supporters, 3);
	hues_result_free(res);

	/* At once: K users count K; one user K times counts once. */
	enum { K = 12 };
	ht_async a[K];
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < K; i++) {
			char who[16];
			snprintf(
			    who, sizeof(who), "crowd-%d", round == 0 ? i : 99);
			Hues__V1__SupportRequest sr =
			    HUES__V1__SUPPORT_REQUEST__INIT;
			hues_call_opts so = fb_as(fb_citizen(&env, who));
			sr.id             = id;
			ht_async_init(&a[i]);
			assert_int_equal(hues_feedback_support_async(env.c, &sr,
			                     &so, ht_async_done, &a[i]),
			    HUES_OK);
		}
		int firsts = 0;
		for (int i = 0; i < K; i++) {
			res = ht_async_wait(&a[i]);
			assert_int_equal(hues_result_code(res), HUES_OK);
			firsts += !hues_feedback_support_response(res)->already;
			hues_result_free(res);
		}
		assert_int_equal(firsts, round == 0 ? K : 1);
	}
	r = fb_get(&env, NULL, id, &res);
	assert_int_equal(r->supporters, 3 + K + 1);
	hues_result_free(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_report_views),
		cmocka_unit_test(test_list_my_reports_pages),
		cmocka_unit_test(test_withdraw),
		cmocka_unit_test(test_add_comment),
		cmocka_unit_test(test_support_and_follow),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
