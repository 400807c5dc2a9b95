/*
 * feedback_work_test.c - an agency's work through the real server:
 * deadline extensions (dates, limits, events), and the work queues of
 * officers and of the centre (order, filters, pages, views, the scan
 * budget). The rating window and its sweep are in feedback_sweep_test.c.
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

/* Each report at a point of its own: no nearby lists. */
static void
submit(const char *reporter, const char *category, char id[FB_ID_LEN])
{
	fb_submit_apart(&env, reporter, category, id);
}

#define OLGA  fb_officer(&env, "olga", "so-gtvt")
#define HANA  fb_officer(&env, "hana", "hepco")
#define COORD fb_coord(&env)
#define R_F_C (FB_TO(REPORTER) | FB_TO(FOLLOWERS) | FB_TO(CENTRE))

/* ----- deadline extensions
 * ------------------------------------------------------ */

static int
extend(const char *token, const char *id, const char *date, const char *reason,
    hues_result **res)
{
	Hues__V1__ExtendDeadlineRequest r =
	    HUES__V1__EXTEND_DEADLINE_REQUEST__INIT;
	hues_call_opts o = fb_as(token);
	r.id             = (char *) id;
	r.new_date       = (char *) date;
	r.reason         = (char *) reason;
	r.internal_note  = "waiting for asphalt";
	return hues_feedback_extend_deadline(env.c, &r, &o, res);
}

static void
test_extend_deadline(void **state)
{
	(void) state;
	const char  *kim = fb_citizen(&env, "kim");
	char         id[FB_ID_LEN], d40[11], d50[11], d60[11], d70[11], d1[11];
	hues_result *res;
	static fb_event ev[64];
	submit(kim, "road.pothole", id);
	fb_advance(&env, id, FB_ST(ACKNOWLEDGED), OLGA, kim);
	fb_local_date(40, d40);
	fb_local_date(50, d50);
	fb_local_date(60, d60);
	fb_local_date(70, d70);
	fb_local_date(1, d1);

	/* Bad dates and a missing reason write nothing. */
	const char *bad[] = { "2025-13-01", "tomorrow", "2025-02-30", d1 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(extend(OLGA, id, bad[i], "Chờ vật tư", &res),
		    HUES_INVALID_ARGUMENT);
		fb_expect_violation(res, "new_date");
		hues_result_free(res);
	}
	assert_int_equal(
	    extend(OLGA, id, d40, "", &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "reason");
	hues_result_free(res);
	/* Beyond 120 working days. */
	char far[11];
	fb_local_date(200, far);
	assert_int_equal(
	    extend(OLGA, id, far, "Chờ vật tư", &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "new_date");
	hues_result_free(res);

	size_t                  before = fb_outbox(&env, id, ev, 64);
	const Hues__V1__Report *r      = fb_get(&env, COORD, id, &res);
	int64_t                 old    = r->resolve_by;
	hues_result_free(res);
	assert_int_equal(extend(OLGA, id, d40, "Chờ vật tư", &res), HUES_OK);
	r = fb_step_report(res);
	assert_int_equal(r->state, FB_ST(ACKNOWLEDGED));
	assert_int_equal(r->n_extensions, 1);
	assert_int_equal(r->extensions[0]->old_resolve_by, old);
	assert_int_equal(r->extensions[0]->new_resolve_by, r->resolve_by);
	assert_string_equal(r->extensions[0]->reason, "Chờ vật tư");
	assert_true(r->extensions[0]->at > 0);
	/* Due at the end of that local day. */
	assert_int_equal((r->resolve_by + 7 * 3600) % 86400, 86399);
	assert_true(r->resolve_by > old + 20 * 86400);
	fb_expect_last_history(r, FB_ACT(EXTEND_DEADLINE), FB_ST(ACKNOWLEDGED),
	    FB_ST(ACKNOWLEDGED), FB_ROLE(OFFICER));
	hues_result_free(res);
	size_t after = fb_outbox(&env, id, ev, 64);
	fb_expect_events(ev + before, after - before, FB_EV(DEADLINE_EXTENDED),
	    FB_ST(ACKNOWLEDGED), FB_ST(ACKNOWLEDGED), R_F_C, "kim", NULL);

	/* The actor of an extension: staff see it, the reporter and the
	 * public do not. */
	static const struct {
		const char *who, *actor;
	} seen[] = { { "kim", "" }, { "olga", "olga" }, { "coord", "olga" },
		{ NULL, "" } };
	for (size_t i = 0; i < 4; i++) {
		const char *tok = seen[i].who == NULL                ? NULL
		                  : strcmp(seen[i].who, "kim") == 0  ? kim
		                  : strcmp(seen[i].who, "olga") == 0 ? OLGA
		                                                     : COORD;
		r               = fb_get(&env, tok, id, &res);
		assert_int_equal(r->n_extensions, 1);
		assert_string_equal(r->extensions[0]->actor, seen[i].actor);
		assert_string_equal(r->extensions[0]->reason, "Chờ vật tư");
		hues_result_free(res);
	}

	/* Not earlier than the current deadline. */
	assert_int_equal(
	    extend(OLGA, id, d40, "Chờ vật tư", &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "new_date");
	hues_result_free(res);

	/* In in_progress and in need_info too; at most 3 in all. */
	fb_must(&env, OLGA, FB_START_WORK, id, FB_ST(IN_PROGRESS));
	assert_int_equal(extend(OLGA, id, d50, "Mưa lớn", &res), HUES_OK);
	assert_int_equal(fb_step_report(res)->state, FB_ST(IN_PROGRESS));
	hues_result_free(res);
	fb_must(&env, OLGA, FB_REQUEST_INFO, id, FB_ST(NEED_INFO));
	assert_int_equal(extend(OLGA, id, d60, "Chờ trả lời", &res), HUES_OK);
	assert_int_equal(fb_step_report(res)->state, FB_ST(NEED_INFO));
	assert_int_equal(fb_step_report(res)->n_extensions, 3);
	hues_result_free(res);
	assert_int_equal(extend(OLGA, id, d70, "Lần thứ tư", &res),
	    HUES_FAILED_PRECONDITION);
	hues_result_free(res);

	/* Only in the agency's open work states, and only its officers. */
	char acc[FB_ID_LEN];
	submit(kim, "road.pothole", acc);
	fb_advance(&env, acc, FB_ST(ACCEPTED), OLGA, kim);
	assert_int_equal(extend(OLGA, acc, d40, "Chờ vật tư", &res),
	    HUES_FAILED_PRECONDITION);
	fb_expect_status(res, HUES_FAILED_PRECONDITION, "ILLEGAL_TRANSITION");
	hues_result_free(res);
	fb_must(&env, OLGA, FB_ACKNOWLEDGE, acc, FB_ST(ACKNOWLEDGED));
	assert_int_equal(
	    extend(HANA, acc, d40, "Chờ vật tư", &res), HUES_PERMISSION_DENIED);
	fb_expect_status(res, HUES_PERMISSION_DENIED, "OTHER_AGENCY");
	hues_result_free(res);
}

/* ----- work queues
 * ------------------------------------------------------------------ */

static int
queue(const char *token, const char *agency, int page_size, const char *tok,
    hues_result **res)
{
	Hues__V1__WorkQueueRequest q = HUES__V1__WORK_QUEUE_REQUEST__INIT;
	hues_call_opts             o = fb_as(token);
	q.agency                     = (char *) agency;
	q.page_size                  = page_size;
	q.page_token                 = (char *) tok;
	return hues_feedback_work_queue(env.c, &q, &o, res);
}

/* Whether the queue of agency (as a coordinator; "" the centre's) holds
 * id, walking every page. */
static bool
in_queue(const char *agency, const char *id)
{
	char *tok   = strdup("");
	bool  found = false;
	do {
		hues_result *res;
		assert_int_equal(queue(COORD, agency, 100, tok, &res), HUES_OK);
		const Hues__V1__WorkQueueResponse *q =
		    hues_feedback_work_queue_response(res);
		for (size_t i = 0; i < q->n_items; i++) {
			found |= strcmp(q->items[i]->report->id, id) == 0;
		}
		free(tok);
		tok = strdup(q->next_page_token);
		hues_result_free(res);
	} while (tok[0] != '\0');
	free(tok);
	return found;
}

static void
test_work_queue(void **state)
{
	(void) state;
	const char  *phuc = fb_citizen(&env, "phuc");
	const char  *tuan = fb_officer(&env, "tuan", "huewaco");
	char         ids[12][FB_ID_LEN], other[FB_ID_LEN];
	hues_result *res;
	/* huewaco's own reports (water.leak: 15 min, water.outage: 30). */
	for (int i = 0; i < 12; i++) {
		submit(phuc, i % 2 ? "water.leak" : "water.outage", ids[i]);
		fb_must(&env, COORD, FB_ACCEPT, ids[i], FB_ST(ACCEPTED));
	}
	fb_must(&env, tuan, FB_ACKNOWLEDGE, ids[0], FB_ST(ACKNOWLEDGED));
	fb_must(&env, tuan, FB_ACKNOWLEDGE, ids[1], FB_ST(ACKNOWLEDGED));
	fb_must(&env, tuan, FB_START_WORK, ids[1], FB_ST(IN_PROGRESS));
	submit(phuc, "road.pothole", other);
	fb_must(&env, COORD, FB_ACCEPT, other, FB_ST(ACCEPTED));

	/* Soonest due first; due is acknowledge-by, then resolve-by; no
	 * reporter anywhere in the officer view. */
	assert_int_equal(queue(tuan, "", 100, "", &res), HUES_OK);
	const Hues__V1__WorkQueueResponse *q =
	    hues_feedback_work_queue_response(res);
	assert_int_equal(q->n_items, 12);
	assert_string_equal(q->next_page_token, "");
	for (size_t i = 0; i < q->n_items; i++) {
		const Hues__V1__Report *r = q->items[i]->report;
		assert_string_equal(r->agency, "huewaco");
		assert_string_equal(r->reporter, "");
		for (size_t k = 0; k < r->n_history; k++) {
			assert_string_not_equal(r->history[k]->actor, "phuc");
		}
		int64_t due =
		    r->acknowledged_at == 0 ? r->acknowledge_by : r->resolve_by;
		assert_int_equal(q->items[i]->due_at, due);
		assert_false(q->items[i]->overdue);
		if (i > 0) {
			assert_true(
			    q->items[i - 1]->due_at <= q->items[i]->due_at);
		}
	}
	/* The two acknowledged ones are due last (days, not minutes). */
	assert_true(strcmp(q->items[10]->report->id, ids[0]) == 0 ||
	            strcmp(q->items[11]->report->id, ids[0]) == 0);
	hues_result_free(res);

	/* Filters. */
	Hues__V1__WorkQueueRequest wr   = HUES__V1__WORK_QUEUE_REQUEST__INIT;
	Hues__V1__ReportState      st[] = { FB_ST(IN_PROGRESS) };
	hues_call_opts             o    = fb_as(tuan);
	wr.states                       = st;
	wr.n_states                     = 1;
	assert_int_equal(
	    hues_feedback_work_queue(env.c, &wr, &o, &res), HUES_OK);
	q = hues_feedback_work_queue_response(res);
	assert_int_equal(q->n_items, 1);
	assert_string_equal(q->items[0]->report->id, ids[1]);
	hues_result_free(res);
	wr.n_states = 0;
	wr.category = "water.leak";
	assert_int_equal(
	    hues_feedback_work_queue(env.c, &wr, &o, &res), HUES_OK);
	q = hues_feedback_work_queue_response(res);
	assert_int_equal(q->n_items, 6);
	for (size_t i = 0; i < q->n_items; i++) {
		assert_string_equal(
		    q->items[i]->report->category, "water.leak");
	}
	hues_result_free(res);
	wr.category   = "";
	wr.due_before = (int64_t) time(NULL) + 86400;
	assert_int_equal(
	    hues_feedback_work_queue(env.c, &wr, &o, &res), HUES_OK);
	assert_int_equal(hues_feedback_work_queue_response(res)->n_items, 10);
	hues_result_free(res);
	wr.due_before   = 0;
	wr.overdue_only = true;
	assert_int_equal(
	    hues_feedback_work_queue(env.c, &wr, &o, &res), HUES_OK);
	assert_int_equal(hues_feedback_work_queue_response(res)->n_items, 0);
	hues_result_free(res);

	/* Pages of 5 while the centre routes more to the agency: each
	 * report that was there once, none twice. */
	char   seen[40][FB_ID_LEN];
	size_t nseen = 0, extra = 0;
	char  *tok = strdup("");
	do {
		assert_int_equal(queue(tuan, "huewaco", 5, tok, &res), HUES_OK);
		q = hues_feedback_work_queue_response(res);
		assert_true(q->n_items <= 5);
		for (size_t i = 0; i < q->n_items; i++) {
			for (size_t k = 0; k < nseen; k++) {
				assert_string_not_equal(
				    seen[k], q->items[i]->report->id);
			}
			assert_true(nseen < 40);
			snprintf(seen[nseen++], FB_ID_LEN, "%s",
			    q->items[i]->report->id);
		}
		free(tok);
		tok = strdup(q->next_page_token);
		hues_result_free(res);
		if (extra < 3) {
			char more[FB_ID_LEN];
			submit(phuc, "water.leak", more);
			fb_must(&env, COORD, FB_ACCEPT, more, FB_ST(ACCEPTED));
			extra++;
		}
	} while (tok[0] != '\0');
	free(tok);
	for (int i = 0; i < 12; i++) {
		bool found = false;
		for (size_t k = 0; k < nseen; k++) {
			found |= strcmp(seen[k], ids[i]) == 0;
		}
		assert_true(found);
	}

	/* Officers see their own agency only; coordinators any. */
	assert_int_equal(
	    queue(tuan, "so-gtvt", 0, "", &res), HUES_PERMISSION_DENIED);
	hues_result_free(res);
	assert_int_equal(queue(COORD, "huewaco", 100, "", &res), HUES_OK);
	assert_int_equal(hues_feedback_work_queue_response(res)->n_items, 15);
	/* The coordinator's full view shows the reporter. */
	assert_string_equal(
	    hues_feedback_work_queue_response(res)->items[0]->report->reporter,
	    "phuc");
	hues_result_free(res);
	assert_int_equal(queue(COORD, "so-gtvt", 100, "", &res), HUES_OK);
	q          = hues_feedback_work_queue_response(res);
	bool found = false;
	for (size_t i = 0; i < q->n_items; i++) {
		found |= strcmp(q->items[i]->report->id, other) == 0;
	}
	assert_true(found);
	hues_result_free(res);
	/* 0 means 20, more than 100 means 100: pc-tth gets 105. */
	for (int i = 0; i < 105; i++) {
		char more[FB_ID_LEN];
		submit(phuc, "power.hazard", more);
		fb_must(&env, COORD, FB_ACCEPT, more, FB_ST(ACCEPTED));
	}
	assert_int_equal(queue(COORD, "pc-tth", 0, "", &res), HUES_OK);
	assert_int_equal(hues_feedback_work_queue_response(res)->n_items, 20);
	hues_result_free(res);
	assert_int_equal(queue(COORD, "pc-tth", 5000, "", &res), HUES_OK);
	assert_int_equal(hues_feedback_work_queue_response(res)->n_items, 100);
	assert_string_not_equal(
	    hues_feedback_work_queue_response(res)->next_page_token, "");
	hues_result_free(res);
	assert_int_equal(queue(phuc, "", 0, "", &res), HUES_PERMISSION_DENIED);
	hues_result_free(res);
	assert_int_equal(queue(tuan, "", -1, "", &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "page_size");
	hues_result_free(res);
	assert_int_equal(
	    queue(tuan, "", 0, "nope", &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "page_token");
	hues_result_free(res);
}

/* ----- the indexes follow the report
 * --------------------------------------------------- */

/* Whether a PublicFeed near (lat, lon) within 150 m of category holds id. */
static bool
in_feed(double lat, double lon, const char *category, const char *id)
{
	Hues__V1__PublicFeedRequest req = HUES__V1__PUBLIC_FEED_REQUEST__INIT;
	Hues__V1__Circle            c   = HUES__V1__CIRCLE__INIT;
	Hues__V1__GeoPoint          p   = HUES__V1__GEO_POINT__INIT;
	hues_call_opts              o   = fb_as(NULL);
	hues_result                *res;
	p.latitude    = lat;
	p.longitude   = lon;
	c.center      = &p;
	c.radius_m    = 150;
	req.area_case = HUES__V1__PUBLIC_FEED_REQUEST__AREA_NEAR;
	req.near      = &c;
	req.category  = (char *) category;
	req.page_size = 100;
	assert_int_equal(
	    hues_feedback_public_feed(env.c, &req, &o, &res), HUES_OK);
	const Hues__V1__PublicFeedResponse *f =
	    hues_feedback_public_feed_response(res);
	bool found = false;
	for (size_t i = 0; i < f->n_items; i++) {
		found |= strcmp(f->items[i]->report->id, id) == 0;
	}
	hues_result_free(res);
	return found;
}

static bool in_queue(const char *agency, const char *id);

/* Whether a new report of category 40 m north of (lat, lon) lists id
 * among its nearby reports. */
static bool
in_nearby(double lat, double lon, const char *category, const char *id)
{
	double       la, lo;
	fb_draft     d;
	hues_result *res;
	fb_offset(lat, lon, 40, 0, &la, &lo);
	fb_draft_init(&d, category, la, lo);
	assert_int_equal(
	    fb_submit_draft(&env, fb_citizen(&env, "idx-2"), &d, &res),
	    HUES_OK);
	const Hues__V1__SubmitReportResponse *r =
	    hues_feedback_submit_report_response(res);
	bool found = false;
	for (size_t i = 0; i < r->n_nearby; i++) {
		found |= strcmp(r->nearby[i]->id, id) == 0;
	}
	/* Withdrawn at once, so that it is in nobody's way. */
	char mine[FB_ID_LEN];
	snprintf(mine, sizeof(mine), "%s", r->id);
	hues_result_free(res);
	fb_must(&env, fb_citizen(&env, "idx-2"), FB_WITHDRAW, mine,
	    FB_ST(WITHDRAWN));
	return found;
}

/* Stats rows of category in kim-long: the reports received. */
static uint32_t
received(const char *category)
{
	Hues__V1__StatsRequest r = HUES__V1__STATS_REQUEST__INIT;
	hues_call_opts         o = fb_as(NULL);
	hues_result           *res;
	r.category  = (char *) category;
	r.ward_code = "kim-long";
	assert_int_equal(hues_feedback_stats(env.c, &r, &o, &res), HUES_OK);
	uint32_t n = 0;
	for (size_t i = 0; i < hues_feedback_stats_response(res)->n_rows; i++) {
		n += hues_feedback_stats_response(res)->rows[i]->received;
	}
	hues_result_free(res);
	return n;
}

static void
test_indexes_follow_changes(void **state)
{
	(void) state;
	const char  *rep  = fb_citizen(&env, "idx");
	const char  *hana = HANA;
	double       lat = 16.62, lon = 107.95;
	fb_draft     d;
	hues_result *res;
	char         id[FB_ID_LEN];
	fb_draft_init(&d, "light.out", lat, lon);
	d.loc.ward_code = "kim-long";
	assert_int_equal(fb_submit_draft(&env, rep, &d, &res), HUES_OK);
	snprintf(id, sizeof(id), "%s",
	    hues_feedback_submit_report_response(res)->id);
	hues_result_free(res);
	assert_true(in_nearby(lat, lon, "light.out", id));
	assert_int_equal(received("light.out"), 1);

	/* Recategorised at triage: every index moves to road.pothole. */
	Hues__V1__TriageRequest t = HUES__V1__TRIAGE_REQUEST__INIT;
	hues_call_opts          o = fb_as(COORD);
	t.id                      = id;
	t.decision = HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT;
	t.category = "road.pothole";
	assert_int_equal(hues_feedback_triage(env.c, &t, &o, &res), HUES_OK);
	assert_string_equal(fb_step_report(res)->agency, "so-gtvt");
	hues_result_free(res);
	assert_true(in_nearby(lat, lon, "road.pothole", id));
	assert_false(in_nearby(lat, lon, "light.out", id));
	assert_true(in_feed(lat, lon, "road.pothole", id));
	assert_false(in_feed(lat, lon, "light.out", id));
	assert_true(in_queue("so-gtvt", id));
	assert_false(in_queue("hepco", id));
	assert_int_equal(received("light.out"), 0);
	assert_int_equal(received("road.pothole"), 1);

	/* Given back: the centre's again, and not public. */
	fb_must(&env, OLGA, FB_RETURN, id, FB_ST(RETURNED_TO_TRIAGE));
	assert_false(in_queue("so-gtvt", id));
	assert_true(in_queue("", id));
	assert_false(in_feed(lat, lon, "", id));

	/* To another agency: its queue, public again. */
	t.agency   = "hepco";
	t.category = "";
	assert_int_equal(hues_feedback_triage(env.c, &t, &o, &res), HUES_OK);
	hues_result_free(res);
	assert_true(in_queue("hepco", id));
	assert_false(in_queue("so-gtvt", id));
	assert_false(in_queue("", id));
	assert_true(in_feed(lat, lon, "", id));

	/* Resolved: no longer open work, nor an open report nearby; still
	 * public. */
	fb_must(&env, hana, FB_ACKNOWLEDGE, id, FB_ST(ACKNOWLEDGED));
	fb_must(&env, hana, FB_RESOLVE, id, FB_ST(RESOLVED));
	assert_false(in_queue("hepco", id));
	assert_false(in_nearby(lat, lon, "road.pothole", id));
	assert_true(in_feed(lat, lon, "road.pothole", id));
}

/* ----- two officers at once
 * --------------------------------------------------------- */

static void
test_concurrent_officers_are_serialised(void **state)
{
	(void) state;
	enum { K = 8 };
	const char  *rep = fb_citizen(&env, "song");
	char         id[FB_ID_LEN];
	ht_async     a[K];
	hues_result *res;
	submit(rep, "road.pothole", id);
	fb_advance(&env, id, FB_ST(ACCEPTED), OLGA, rep);

	/* K officers of the agency acknowledge at once: one wins, the others
	 * see an acknowledged report. */
	for (int i = 0; i < K; i++) {
		char name[16];
		snprintf(name, sizeof(name), "officer-%d", i);
		Hues__V1__AcknowledgeRequest r =
		    HUES__V1__ACKNOWLEDGE_REQUEST__INIT;
		hues_call_opts o = fb_as(fb_officer(&env, name, "so-gtvt"));
		r.id             = id;
		ht_async_init(&a[i]);
		assert_int_equal(hues_feedback_acknowledge_async(
		                     env.c, &r, &o, ht_async_done, &a[i]),
		    HUES_OK);
	}
	int ok = 0;
	for (int i = 0; i < K; i++) {
		res = ht_async_wait(&a[i]);
		if (hues_result_code(res) == HUES_OK) {
			ok++;
		} else {
			fb_expect_status(res, HUES_FAILED_PRECONDITION,
			    "ILLEGAL_TRANSITION");
		}
		hues_result_free(res);
	}
	assert_int_equal(ok, 1);
	const Hues__V1__Report *r = fb_get(&env, COORD, id, &res);
	assert_int_equal(r->state, FB_ST(ACKNOWLEDGED));
	size_t acks = 0;
	for (size_t i = 0; i < r->n_history; i++) {
		acks += r->history[i]->action == FB_ACT(ACKNOWLEDGE);
	}
	assert_int_equal(acks, 1);
	hues_result_free(res);
	static fb_event ev[32];
	size_t          n = fb_outbox(&env, id, ev, 32), nack = 0;
	for (size_t i = 0; i < n; i++) {
		nack += ev[i].kind == FB_EV(ACKNOWLEDGED);
	}
	assert_int_equal(nack, 2); /* reporter, followers */
}

/*
 * A server that reads two queue entries a call (--scan-budget=2): the
 * three water.outage reports (30 minutes to acknowledge) come after six
 * water.leak ones (15 minutes), so the first pages end on the budget
 * with nothing to show, and must still hand on a token.
 */
static void
test_work_queue_pages_on_the_budget(void **state)
{
	(void) state;
	fb_env      e;
	const char *args[] = { "--scan-budget=2", NULL };
	char        ids[9][FB_ID_LEN];
	fb_start(&e, args);
	const char *cit = fb_citizen(&e, "lan"),
	           *off = fb_officer(&e, "o", "huewaco");
	for (int i = 0; i < 9; i++) {
		fb_submit(&e, cit, i % 3 == 0 ? "water.outage" : "water.leak",
		    FB_HUE_LAT, FB_HUE_LON, ids[i]);
		fb_must(&e, fb_coord(&e), FB_ACCEPT, ids[i], FB_ST(ACCEPTED));
	}
	Hues__V1__WorkQueueRequest wr = HUES__V1__WORK_QUEUE_REQUEST__INIT;
	hues_call_opts             o  = fb_as(off);
	char  *tok   = strdup("");
	size_t found = 0, pages = 0, empty = 0;
	wr.category  = "water.outage";
	wr.page_size = 2;
	do {
		hues_result *res;
		wr.page_token = tok;
		assert_int_equal(
		    hues_feedback_work_queue(e.c, &wr, &o, &res), HUES_OK);
		const Hues__V1__WorkQueueResponse *q =
		    hues_feedback_work_queue_response(res);
		assert_true(q->n_items <= 2);
		empty += q->n_items == 0;
		for (size_t i = 0; i < q->n_items; i++) {
			assert_string_equal(
			    q->items[i]->report->category, "water.outage");
			found++;
		}
		free(tok);
		tok = strdup(q->next_page_token);
		hues_result_free(res);
		assert_true(++pages < 100);
	} while (tok[0] != '\0');
	free(tok);
	assert_int_equal(found, 3);
	assert_true(empty > 0); /* the budget's pages were there */
	fb_stop(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extend_deadline),
		cmocka_unit_test(test_work_queue),
		cmocka_unit_test(test_indexes_follow_changes),
		cmocka_unit_test(test_concurrent_officers_are_serialised),
		cmocka_unit_test(test_work_queue_pages_on_the_budget),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
