/*
 * feedback_staff_test.c - the state machine through the real server:
 * every legal transition of docs/feedback.md with its history entry and
 * its outbox events per audience, a representative set of illegal ones
 * (FAILED_PRECONDITION, ILLEGAL_TRANSITION), the notes each action needs,
 * triage decisions, ratings and who may act on which report.
 * feedback_work_test.c has extensions and work queues, feedback_sweep_test.c
 * the rating window.
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

/* Takes step, asserts the new state, the history entry and that the
 * events written are exactly one of kind per audience. */
static void
step_and_check(const char *token, fb_step step, const char *id, int from,
    int to, int action, int role, int kind, unsigned audiences,
    const char *reporter, const char *agency)
{
	static fb_event ev[64];
	size_t          before = fb_outbox(&env, id, ev, 64);
	hues_result    *res;
	int             code = fb_do(&env, token, step, id, NULL, &res);
	if (code != HUES_OK) {
		fail_msg("step %d on %s (state %d): %s %s", step, id, from,
		    hues_status_name(code), hues_result_message(res));
	}
	const Hues__V1__Report *r = fb_step_report(res);
	assert_int_equal(r->state, to);
	fb_expect_last_history(r, action, from, to, role);
	hues_result_free(res);
	size_t after = fb_outbox(&env, id, ev, 64);
	assert_true(after > before);
	fb_expect_events(ev + before, after - before, kind, from, to, audiences,
	    reporter, agency);
	assert_int_equal(fb_state(&env, id), to);
}

#define R_F_C (FB_TO(REPORTER) | FB_TO(FOLLOWERS) | FB_TO(CENTRE))
#define R_F   (FB_TO(REPORTER) | FB_TO(FOLLOWERS))
#define R_F_A (FB_TO(REPORTER) | FB_TO(FOLLOWERS) | FB_TO(AGENCY))

/* ----- legal transitions
 * ------------------------------------------------------ */

static void
test_main_path_to_closed(void **state)
{
	(void) state;
	const char *ann = fb_citizen(&env, "ann");
	char        id[FB_ID_LEN];
	submit(ann, "road.pothole", id);

	step_and_check(COORD, FB_ACCEPT, id, FB_ST(SUBMITTED), FB_ST(ACCEPTED),
	    FB_ACT(ACCEPT), FB_ROLE(COORDINATOR), FB_EV(ACCEPTED), R_F_A, "ann",
	    "so-gtvt");
	step_and_check(OLGA, FB_ACKNOWLEDGE, id, FB_ST(ACCEPTED),
	    FB_ST(ACKNOWLEDGED), FB_ACT(ACKNOWLEDGE), FB_ROLE(OFFICER),
	    FB_EV(ACKNOWLEDGED), R_F, "ann", NULL);
	step_and_check(OLGA, FB_START_WORK, id, FB_ST(ACKNOWLEDGED),
	    FB_ST(IN_PROGRESS), FB_ACT(START_WORK), FB_ROLE(OFFICER),
	    FB_EV(WORK_STARTED), R_F, "ann", NULL);
	step_and_check(OLGA, FB_REQUEST_INFO, id, FB_ST(IN_PROGRESS),
	    FB_ST(NEED_INFO), FB_ACT(REQUEST_INFO), FB_ROLE(OFFICER),
	    FB_EV(INFO_REQUESTED), FB_TO(REPORTER), "ann", NULL);
	step_and_check(ann, FB_COMMENT, id, FB_ST(NEED_INFO),
	    FB_ST(IN_PROGRESS), FB_ACT(PROVIDE_INFO), FB_ROLE(REPORTER),
	    FB_EV(INFO_PROVIDED), FB_TO(AGENCY), NULL, "so-gtvt");
	step_and_check(OLGA, FB_RESOLVE, id, FB_ST(IN_PROGRESS),
	    FB_ST(RESOLVED), FB_ACT(RESOLVE), FB_ROLE(OFFICER), FB_EV(RESOLVED),
	    R_F_C, "ann", NULL);
	step_and_check(ann, FB_RATE_SATISFIED, id, FB_ST(RESOLVED),
	    FB_ST(CLOSED), FB_ACT(CLOSE), FB_ROLE(REPORTER), FB_EV(CLOSED),
	    FB_TO(FOLLOWERS) | FB_TO(AGENCY), NULL, "so-gtvt");

	/* The times and the answer, as the reporter sees them. */
	hues_result            *res;
	const Hues__V1__Report *r = fb_get(&env, ann, id, &res);
	assert_true(r->acknowledged_at >= r->submitted_at);
	assert_true(r->resolved_at >= r->acknowledged_at);
	assert_true(r->closed_at >= r->resolved_at);
	assert_true(r->updated_at >= r->closed_at);
	assert_string_equal(r->answer, "Đã vá ổ gà ngày hôm nay.");
	assert_non_null(r->rating);
	assert_int_equal(r->rating->rating, FB_RATE(SATISFIED));
	assert_true(r->rating->at >= r->resolved_at);
	assert_int_equal(r->n_history, 8);
	hues_result_free(res);
}

static void
test_acknowledge_resolve_and_neutral_rating(void **state)
{
	(void) state;
	const char *bao = fb_citizen(&env, "bao");
	char        id[FB_ID_LEN];
	submit(bao, "road.pothole", id);
	fb_advance(&env, id, FB_ST(ACKNOWLEDGED), OLGA, bao);
	step_and_check(OLGA, FB_RESOLVE, id, FB_ST(ACKNOWLEDGED),
	    FB_ST(RESOLVED), FB_ACT(RESOLVE), FB_ROLE(OFFICER), FB_EV(RESOLVED),
	    R_F_C, "bao", NULL);
	step_and_check(bao, FB_RATE_NEUTRAL, id, FB_ST(RESOLVED), FB_ST(CLOSED),
	    FB_ACT(CLOSE), FB_ROLE(REPORTER), FB_EV(CLOSED),
	    FB_TO(FOLLOWERS) | FB_TO(AGENCY), NULL, "so-gtvt");
}

static void
test_reopen_and_acknowledge_again(void **state)
{
	(void) state;
	const char  *cuc = fb_citizen(&env, "cuc");
	char         id[FB_ID_LEN];
	hues_result *res;
	submit(cuc, "road.pothole", id);
	fb_advance(&env, id, FB_ST(RESOLVED), OLGA, cuc);
	const Hues__V1__Report *r              = fb_get(&env, COORD, id, &res);
	int64_t                 old_resolve_by = r->resolve_by;
	hues_result_free(res);

	step_and_check(cuc, FB_RATE_DISSATISFIED, id, FB_ST(RESOLVED),
	    FB_ST(REOPENED), FB_ACT(REOPEN), FB_ROLE(REPORTER), FB_EV(REOPENED),
	    FB_TO(FOLLOWERS) | FB_TO(AGENCY) | FB_TO(CENTRE), NULL, "so-gtvt");
	r = fb_get(&env, COORD, id, &res);
	assert_int_equal(r->reopen_count, 1);
	assert_non_null(r->rating);
	assert_int_equal(r->rating->rating, FB_RATE(DISSATISFIED));
	/* A new resolve-by, from the reopening, by the same rule. */
	assert_true(r->resolve_by >= old_resolve_by);
	assert_true(r->resolve_by >= (int64_t) time(NULL) + 7 * 86400 - 86400);
	assert_int_equal((r->resolve_by + 7 * 3600) % 86400, 86399);
	hues_result_free(res);

	step_and_check(OLGA, FB_ACKNOWLEDGE, id, FB_ST(REOPENED),
	    FB_ST(ACKNOWLEDGED), FB_ACT(ACKNOWLEDGE), FB_ROLE(OFFICER),
	    FB_EV(ACKNOWLEDGED), R_F, "cuc", NULL);
	/* Acknowledged again: a resolve-by from now, by the same rule. */
	r = fb_get(&env, COORD, id, &res);
	assert_true(r->resolve_by >= (int64_t) time(NULL) + 6 * 86400);
	assert_int_equal((r->resolve_by + 7 * 3600) % 86400, 86399);
	assert_true(r->acknowledged_at > 0);
	hues_result_free(res);
	fb_must(&env, OLGA, FB_RESOLVE, id, FB_ST(RESOLVED));
	fb_must(&env, cuc, FB_RATE_SATISFIED, id, FB_ST(CLOSED));
}

static void
test_reject_and_withdraw(void **state)
{
	(void) state;
	const char  *dao = fb_citizen(&env, "dao");
	char         id[FB_ID_LEN], w[FB_ID_LEN];
	hues_result *res;
	submit(dao, "road.pothole", id);
	step_and_check(COORD, FB_REJECT, id, FB_ST(SUBMITTED), FB_ST(REJECTED),
	    FB_ACT(REJECT), FB_ROLE(COORDINATOR), FB_EV(REJECTED), R_F, "dao",
	    NULL);
	const Hues__V1__Report *r = fb_get(&env, dao, id, &res);
	assert_false(r->published);
	assert_string_equal(r->history[r->n_history - 1]->public_note,
	    "Không thuộc phạm vi xử lý");
	hues_result_free(res);
	/* Refused reports are not public. */
	Hues__V1__GetReportRequest g = HUES__V1__GET_REPORT_REQUEST__INIT;
	hues_call_opts             o = fb_as(fb_citizen(&env, "neighbour"));
	g.id                         = id;
	assert_int_equal(hues_feedback_get_report(env.c, &g, &o, &res),
	    HUES_PERMISSION_DENIED);
	hues_result_free(res);
	o = fb_as(NULL);
	assert_int_equal(hues_feedback_get_report(env.c, &g, &o, &res),
	    HUES_UNAUTHENTICATED);
	hues_result_free(res);

	submit(dao, "road.pothole", w);
	step_and_check(dao, FB_WITHDRAW, w, FB_ST(SUBMITTED), FB_ST(WITHDRAWN),
	    FB_ACT(WITHDRAW), FB_ROLE(REPORTER), FB_EV(WITHDRAWN),
	    FB_TO(FOLLOWERS) | FB_TO(CENTRE), NULL, NULL);
}

static int
triage(const char *id, int decision, const char *agency, const char *category,
    const char *dup_of, const char *note, hues_result **res)
{
	Hues__V1__TriageRequest r = HUES__V1__TRIAGE_REQUEST__INIT;
	hues_call_opts          o = fb_as(COORD);
	r.id                      = (char *) id;
	r.decision                = decision;
	r.agency                  = (char *) (agency != NULL ? agency : "");
	r.category                = (char *) (category != NULL ? category : "");
	r.duplicate_of            = (char *) (dup_of != NULL ? dup_of : "");
	r.public_note             = (char *) (note != NULL ? note : "");
	r.urgency                 = HUES__V1__URGENCY__URGENCY_HIGH;
	return hues_feedback_triage(env.c, &r, &o, res);
}

#define DECIDE(x) HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_##x

static void
test_triage_duplicate_agency_and_category(void **state)
{
	(void) state;
	const char  *em = fb_citizen(&env, "em");
	char         orig[FB_ID_LEN], dup[FB_ID_LEN], other[FB_ID_LEN];
	char         recat[FB_ID_LEN], none[FB_ID_LEN];
	hues_result *res;
	fb_event     ev[16];
	submit(em, "road.pothole", orig);
	fb_must(&env, COORD, FB_ACCEPT, orig, FB_ST(ACCEPTED));

	/* DUPLICATE: needs duplicate_of, another published report. */
	submit(em, "road.pothole", dup);
	assert_int_equal(
	    triage(dup, DECIDE(DUPLICATE), NULL, NULL, NULL, NULL, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "duplicate_of");
	hues_result_free(res);
	assert_int_equal(
	    triage(dup, DECIDE(DUPLICATE), NULL, NULL, dup, NULL, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "duplicate_of");
	hues_result_free(res);
	/* The original must exist and be published. */
	assert_int_equal(triage(dup, DECIDE(DUPLICATE), NULL, NULL,
	                     "R0000099999", NULL, &res),
	    HUES_NOT_FOUND);
	hues_result_free(res);
	char unpub[FB_ID_LEN];
	submit(em, "road.pothole", unpub);
	assert_int_equal(
	    triage(dup, DECIDE(DUPLICATE), NULL, NULL, unpub, NULL, &res),
	    HUES_FAILED_PRECONDITION);
	hues_result_free(res);
	assert_int_equal(fb_state(&env, dup), FB_ST(SUBMITTED));
	assert_int_equal(
	    triage(dup, DECIDE(DUPLICATE), NULL, NULL, orig, NULL, &res),
	    HUES_OK);
	const Hues__V1__Report *r = fb_step_report(res);
	assert_int_equal(r->state, FB_ST(DUPLICATE));
	assert_string_equal(r->duplicate_of, orig);
	assert_int_equal(r->urgency, HUES__V1__URGENCY__URGENCY_HIGH);
	fb_expect_last_history(r, FB_ACT(MARK_DUPLICATE), FB_ST(SUBMITTED),
	    FB_ST(DUPLICATE), FB_ROLE(COORDINATOR));
	hues_result_free(res);
	size_t n = fb_outbox(&env, dup, ev, 16);
	fb_expect_events(ev + 2, n - 2, FB_EV(DUPLICATE), FB_ST(SUBMITTED),
	    FB_ST(DUPLICATE), R_F, "em", NULL);

	/* REJECT needs its reason; an unspecified decision is refused. */
	submit(em, "road.pothole", other);
	assert_int_equal(
	    triage(other, DECIDE(REJECT), NULL, NULL, NULL, NULL, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "public_note");
	hues_result_free(res);
	assert_int_equal(
	    triage(other, DECIDE(UNSPECIFIED), NULL, NULL, NULL, NULL, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "decision");
	hues_result_free(res);
	assert_int_equal(fb_state(&env, other), FB_ST(SUBMITTED));

	/* ACCEPT to a chosen agency. */
	assert_int_equal(
	    triage(other, DECIDE(ACCEPT), "hepco", NULL, NULL, NULL, &res),
	    HUES_OK);
	assert_string_equal(fb_step_report(res)->agency, "hepco");
	hues_result_free(res);
	n = fb_outbox(&env, other, ev, 16);
	fb_expect_events(ev + 2, n - 2, FB_EV(ACCEPTED), FB_ST(SUBMITTED),
	    FB_ST(ACCEPTED), R_F_A, "em", "hepco");
	fb_must(&env, HANA, FB_ACKNOWLEDGE, other, FB_ST(ACKNOWLEDGED));

	/* Recategorised first: the new category routes and sets the SLA
	 * (power.hazard: pc-tth, 15 minutes to acknowledge). */
	submit(em, "light.out", recat);
	assert_int_equal(triage(recat, DECIDE(ACCEPT), NULL, "power.hazard",
	                     NULL, NULL, &res),
	    HUES_OK);
	r = fb_step_report(res);
	assert_string_equal(r->category, "power.hazard");
	assert_string_equal(r->agency, "pc-tth");
	assert_int_equal(r->acknowledge_by, r->submitted_at + 15 * 60);
	hues_result_free(res);

	/* "other" has no default agency: the centre must name one. */
	submit(em, "other", none);
	assert_int_equal(
	    triage(none, DECIDE(ACCEPT), NULL, NULL, NULL, NULL, &res),
	    HUES_FAILED_PRECONDITION);
	fb_expect_status(res, HUES_FAILED_PRECONDITION, "NO_ROUTE");
	hues_result_free(res);
	assert_int_equal(fb_state(&env, none), FB_ST(SUBMITTED));
	assert_int_equal(
	    triage(none, DECIDE(ACCEPT), "so-xd", NULL, NULL, NULL, &res),
	    HUES_OK);
	assert_string_equal(fb_step_report(res)->agency, "so-xd");
	hues_result_free(res);
}

static void
test_return_to_triage_from_each_state(void **state)
{
	(void) state;
	const char      *giang  = fb_citizen(&env, "giang");
	static const int from[] = { FB_ST(ACCEPTED), FB_ST(ACKNOWLEDGED),
		FB_ST(IN_PROGRESS), FB_ST(NEED_INFO), FB_ST(REOPENED) };
	char             ids[5][FB_ID_LEN];
	for (int i = 0; i < 5; i++) {
		submit(giang, "road.pothole", ids[i]);
		fb_advance(&env, ids[i], from[i], OLGA, giang);
		step_and_check(OLGA, FB_RETURN, ids[i], from[i],
		    FB_ST(RETURNED_TO_TRIAGE), FB_ACT(RETURN_TO_TRIAGE),
		    FB_ROLE(OFFICER), FB_EV(RETURNED_TO_TRIAGE), FB_TO(CENTRE),
		    NULL, NULL);
	}
	/* Waiting for the centre again: in its queue, not published. */
	hues_result               *res;
	Hues__V1__WorkQueueRequest q = HUES__V1__WORK_QUEUE_REQUEST__INIT;
	hues_call_opts             o = fb_as(COORD);
	q.page_size                  = 100;
	assert_int_equal(
	    hues_feedback_work_queue(env.c, &q, &o, &res), HUES_OK);
	const Hues__V1__WorkQueueResponse *wq =
	    hues_feedback_work_queue_response(res);
	for (int i = 0; i < 5; i++) {
		bool found = false;
		for (size_t k = 0; k < wq->n_items; k++) {
			int s = (int) wq->items[k]->report->state;
			assert_true(s == FB_ST(SUBMITTED) ||
			            s == FB_ST(RETURNED_TO_TRIAGE));
			found |= strcmp(wq->items[k]->report->id, ids[i]) == 0;
		}
		assert_true(found);
	}
	hues_result_free(res);
	const Hues__V1__Report *r = fb_get(&env, COORD, ids[0], &res);
	assert_false(r->published);
	hues_result_free(res);

	/* From returned_to_triage: accept, reject, mark_duplicate. */
	step_and_check(COORD, FB_ACCEPT, ids[0], FB_ST(RETURNED_TO_TRIAGE),
	    FB_ST(ACCEPTED), FB_ACT(ACCEPT), FB_ROLE(COORDINATOR),
	    FB_EV(ACCEPTED), R_F_A, "giang", "so-gtvt");
	step_and_check(COORD, FB_REJECT, ids[1], FB_ST(RETURNED_TO_TRIAGE),
	    FB_ST(REJECTED), FB_ACT(REJECT), FB_ROLE(COORDINATOR),
	    FB_EV(REJECTED), R_F, "giang", NULL);
	static fb_event ev[64];
	size_t          before = fb_outbox(&env, ids[2], ev, 64);
	assert_int_equal(
	    triage(ids[2], DECIDE(DUPLICATE), NULL, NULL, ids[0], NULL, &res),
	    HUES_OK);
	r = fb_step_report(res);
	assert_int_equal(r->state, FB_ST(DUPLICATE));
	fb_expect_last_history(r, FB_ACT(MARK_DUPLICATE),
	    FB_ST(RETURNED_TO_TRIAGE), FB_ST(DUPLICATE), FB_ROLE(COORDINATOR));
	hues_result_free(res);
	size_t after = fb_outbox(&env, ids[2], ev, 64);
	fb_expect_events(ev + before, after - before, FB_EV(DUPLICATE),
	    FB_ST(RETURNED_TO_TRIAGE), FB_ST(DUPLICATE), R_F, "giang", NULL);
	/* Accepted again, to another agency this time. */
	assert_int_equal(
	    triage(ids[3], DECIDE(ACCEPT), "so-xd", NULL, NULL, NULL, &res),
	    HUES_OK);
	assert_string_equal(fb_step_report(res)->agency, "so-xd");
	hues_result_free(res);
	assert_int_equal(fb_do(&env, OLGA, FB_ACKNOWLEDGE, ids[3], NULL, &res),
	    HUES_PERMISSION_DENIED);
	fb_expect_status(res, HUES_PERMISSION_DENIED, "OTHER_AGENCY");
	hues_result_free(res);
}

static void
test_start_work_from_need_info(void **state)
{
	(void) state;
	const char *hai = fb_citizen(&env, "hai");
	char        id[FB_ID_LEN];
	submit(hai, "road.pothole", id);
	fb_advance(&env, id, FB_ST(NEED_INFO), OLGA, hai);
	step_and_check(OLGA, FB_START_WORK, id, FB_ST(NEED_INFO),
	    FB_ST(IN_PROGRESS), FB_ACT(START_WORK), FB_ROLE(OFFICER),
	    FB_EV(WORK_STARTED), R_F, "hai", NULL);
}

/* ----- illegal transitions and missing notes
 * -------------------------------------- */

typedef struct illegal {
	int     state;  /* the report's state */
	fb_step step;   /* what is tried */
	int     caller; /* 0 reporter, 1 officer, 2 coordinator */
} illegal;

static void
test_illegal_transitions(void **state)
{
	(void) state;
	const char          *lam     = fb_citizen(&env, "lam");
	static const illegal cases[] = {
		{ FB_ST(ACCEPTED), FB_RESOLVE, 1 },
		{ FB_ST(ACCEPTED), FB_WITHDRAW, 0 },
		{ FB_ST(ACCEPTED), FB_START_WORK, 1 },
		{ FB_ST(ACCEPTED), FB_REQUEST_INFO, 1 },
		{ FB_ST(ACCEPTED), FB_ACCEPT, 2 },
		{ FB_ST(ACCEPTED), FB_RATE_SATISFIED, 0 },
		{ FB_ST(ACKNOWLEDGED), FB_ACKNOWLEDGE, 1 },
		{ FB_ST(ACKNOWLEDGED), FB_REJECT, 2 },
		{ FB_ST(IN_PROGRESS), FB_RATE_SATISFIED, 0 },
		{ FB_ST(IN_PROGRESS), FB_RATE_DISSATISFIED, 0 },
		{ FB_ST(IN_PROGRESS), FB_START_WORK, 1 },
		{ FB_ST(IN_PROGRESS), FB_ACKNOWLEDGE, 1 },
		{ FB_ST(NEED_INFO), FB_REQUEST_INFO, 1 },
		{ FB_ST(NEED_INFO), FB_RESOLVE, 1 },
		{ FB_ST(RESOLVED), FB_RESOLVE, 1 },
		{ FB_ST(RESOLVED), FB_START_WORK, 1 },
		{ FB_ST(RESOLVED), FB_RETURN, 1 },
		{ FB_ST(RESOLVED), FB_WITHDRAW, 0 },
		{ FB_ST(CLOSED), FB_RATE_DISSATISFIED, 0 },
		{ FB_ST(CLOSED), FB_RESOLVE, 1 },
		{ FB_ST(CLOSED), FB_ACKNOWLEDGE, 1 },
		{ FB_ST(CLOSED), FB_RETURN, 1 },
		{ FB_ST(REOPENED), FB_RESOLVE, 1 },
		{ FB_ST(REOPENED), FB_START_WORK, 1 },
		{ FB_ST(REJECTED), FB_ACCEPT, 2 },
		{ FB_ST(REJECTED), FB_WITHDRAW, 0 },
		{ FB_ST(WITHDRAWN), FB_WITHDRAW, 0 },
		{ FB_ST(WITHDRAWN), FB_ACCEPT, 2 },
		{ FB_ST(SUBMITTED), FB_RATE_SATISFIED, 0 },
		{ FB_ST(RETURNED_TO_TRIAGE), FB_WITHDRAW, 0 },
	};
	static fb_event ev[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char         id[FB_ID_LEN];
		hues_result *res;
		submit(lam, "road.pothole", id);
		fb_advance(&env, id, cases[i].state, OLGA, lam);
		const char             *who    = cases[i].caller == 0   ? lam
		                                 : cases[i].caller == 1 ? OLGA
		                                                        : COORD;
		size_t                  before = fb_outbox(&env, id, ev, 64);
		const Hues__V1__Report *r      = fb_get(&env, COORD, id, &res);
		size_t                  nhistory = r->n_history;
		hues_result_free(res);

		int code = fb_do(&env, who, cases[i].step, id, NULL, &res);
		if (code != HUES_FAILED_PRECONDITION ||
		    strcmp(hues_result_reason(res), "ILLEGAL_TRANSITION") !=
		        0) {
			fail_msg("case %zu (step %d in state %d): %s (%s: %s), "
			         "expected FAILED_PRECONDITION "
			         "(ILLEGAL_TRANSITION)",
			    i, cases[i].step, cases[i].state,
			    hues_status_name(code), hues_result_reason(res),
			    hues_result_message(res));
		}
		hues_result_free(res);
		/* Nothing changed. */
		r = fb_get(&env, COORD, id, &res);
		assert_int_equal(r->state, cases[i].state);
		assert_int_equal(r->n_history, nhistory);
		hues_result_free(res);
		assert_int_equal(fb_outbox(&env, id, ev, 64), before);
	}
}

static void
test_notes_required(void **state)
{
	(void) state;
	const char  *mai = fb_citizen(&env, "mai");
	char         id[FB_ID_LEN];
	hues_result *res;
	submit(mai, "road.pothole", id);
	fb_advance(&env, id, FB_ST(ACKNOWLEDGED), OLGA, mai);
	static const struct {
		fb_step     step;
		const char *field;
	} need[] = {
		{ FB_RESOLVE, "answer" },
		{ FB_REQUEST_INFO, "question" },
		{ FB_RETURN, "reason" },
	};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		assert_int_equal(fb_do(&env, OLGA, need[i].step, id, "", &res),
		    HUES_INVALID_ARGUMENT);
		fb_expect_violation(res, need[i].field);
		hues_result_free(res);
		/* Blank counts as missing; 2001 characters is too long. */
		assert_int_equal(
		    fb_do(&env, OLGA, need[i].step, id, "  \n", &res),
		    HUES_INVALID_ARGUMENT);
		fb_expect_violation(res, need[i].field);
		hues_result_free(res);
	}
	char *big = malloc(2002);
	memset(big, 'a', 2001);
	big[2001] = '\0';
	assert_int_equal(fb_do(&env, OLGA, FB_RESOLVE, id, big, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "answer");
	hues_result_free(res);
	/* Invalid UTF-8 in a note. */
	assert_int_equal(fb_do(&env, OLGA, FB_RESOLVE, id, "ok \xc3\x28", &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "answer");
	hues_result_free(res);
	/* Internal notes and proof media are checked too. */
	Hues__V1__ResolveRequest rr   = HUES__V1__RESOLVE_REQUEST__INIT;
	Hues__V1__MediaRef       m    = HUES__V1__MEDIA_REF__INIT;
	Hues__V1__MediaRef      *mp[] = { &m };
	hues_call_opts           o    = fb_as(OLGA);
	rr.id                         = id;
	rr.answer                     = "Đã sửa";
	rr.internal_note              = big;
	assert_int_equal(
	    hues_feedback_resolve(env.c, &rr, &o, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "internal_note");
	hues_result_free(res);
	rr.internal_note = "";
	m.source_case    = HUES__V1__MEDIA_REF__SOURCE_URL;
	m.url            = "http://insecure.example/a.jpg";
	m.content_type   = "image/jpeg";
	rr.proof         = mp;
	rr.n_proof       = 1;
	assert_int_equal(
	    hues_feedback_resolve(env.c, &rr, &o, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "proof[0].url");
	hues_result_free(res);
	/* A public note on acknowledge: optional, at most 2000. */
	assert_int_equal(fb_do(&env, OLGA, FB_ACKNOWLEDGE, id, big, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "public_note");
	hues_result_free(res);
	free(big);
	assert_int_equal(fb_state(&env, id), FB_ST(ACKNOWLEDGED));

	/* The reporter's texts: a withdrawal reason, a comment. */
	char w[FB_ID_LEN];
	submit(mai, "road.pothole", w);
	big = malloc(2002);
	memset(big, 'r', 2001);
	big[2001] = '\0';
	assert_int_equal(
	    fb_do(&env, mai, FB_WITHDRAW, w, big, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "reason");
	hues_result_free(res);
	free(big);
	assert_int_equal(fb_do(&env, mai, FB_COMMENT, w, "bell \a", &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "text");
	hues_result_free(res);
	assert_int_equal(fb_state(&env, w), FB_ST(SUBMITTED));
}

/* ----- who may act
 * ----------------------------------------------------------------- */

static void
test_roles_and_agencies(void **state)
{
	(void) state;
	const char  *nga = fb_citizen(&env, "nga");
	char         id[FB_ID_LEN];
	hues_result *res;
	submit(nga, "road.pothole", id);

	/* Before triage a report is routed to no agency: no officer's. */
	const fb_step early[] = { FB_RESOLVE, FB_ACKNOWLEDGE };
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(fb_do(&env, OLGA, early[i], id, NULL, &res),
		    HUES_PERMISSION_DENIED);
		fb_expect_status(res, HUES_PERMISSION_DENIED, "OTHER_AGENCY");
		hues_result_free(res);
	}

	/* Triage is the centre's. */
	const char *not_coord[] = { nga, OLGA, fb_admin(&env) };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(
		    fb_do(&env, not_coord[i], FB_ACCEPT, id, NULL, &res),
		    HUES_PERMISSION_DENIED);
		hues_result_free(res);
	}
	assert_int_equal(
	    fb_do(&env, NULL, FB_ACCEPT, id, NULL, &res), HUES_UNAUTHENTICATED);
	hues_result_free(res);
	fb_must(&env, COORD, FB_ACCEPT, id, FB_ST(ACCEPTED));

	/* The agency's work is its officers'. */
	const fb_step work[] = { FB_ACKNOWLEDGE, FB_RETURN };
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(fb_do(&env, HANA, work[i], id, NULL, &res),
		    HUES_PERMISSION_DENIED);
		fb_expect_status(res, HUES_PERMISSION_DENIED, "OTHER_AGENCY");
		hues_result_free(res);
		assert_int_equal(fb_do(&env, COORD, work[i], id, NULL, &res),
		    HUES_PERMISSION_DENIED);
		hues_result_free(res);
		assert_int_equal(fb_do(&env, nga, work[i], id, NULL, &res),
		    HUES_PERMISSION_DENIED);
		hues_result_free(res);
	}
	/* Any officer of the agency, not only the first. */
	fb_must(&env, fb_officer(&env, "oanh", "so-gtvt"), FB_ACKNOWLEDGE, id,
	    FB_ST(ACKNOWLEDGED));
	fb_must(&env, OLGA, FB_RESOLVE, id, FB_ST(RESOLVED));
	/* Rating is the reporter's. */
	assert_int_equal(fb_do(&env, fb_citizen(&env, "other"),
	                     FB_RATE_SATISFIED, id, NULL, &res),
	    HUES_PERMISSION_DENIED);
	fb_expect_status(res, HUES_PERMISSION_DENIED, "NOT_OWNER");
	hues_result_free(res);
	assert_int_equal(fb_do(&env, OLGA, FB_RATE_SATISFIED, id, NULL, &res),
	    HUES_PERMISSION_DENIED);
	hues_result_free(res);

	/* A rating must be one of the three; its comment is short. */
	Hues__V1__RateRequest rr = HUES__V1__RATE_REQUEST__INIT;
	hues_call_opts        o  = fb_as(nga);
	rr.id                    = id;
	assert_int_equal(
	    hues_feedback_rate(env.c, &rr, &o, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "rating");
	hues_result_free(res);
	char *big = malloc(1002);
	memset(big, 'c', 1001);
	big[1001]  = '\0';
	rr.rating  = FB_RATE(SATISFIED);
	rr.comment = big;
	assert_int_equal(
	    hues_feedback_rate(env.c, &rr, &o, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "comment");
	hues_result_free(res);
	free(big);
	assert_int_equal(fb_state(&env, id), FB_ST(RESOLVED));
	rr.comment = "Cảm ơn";
	assert_int_equal(hues_feedback_rate(env.c, &rr, &o, &res), HUES_OK);
	const Hues__V1__Report *r = fb_step_report(res);
	assert_int_equal(r->state, FB_ST(CLOSED));
	assert_string_equal(r->rating->comment, "Cảm ơn");
	hues_result_free(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_path_to_closed),
		cmocka_unit_test(test_acknowledge_resolve_and_neutral_rating),
		cmocka_unit_test(test_reopen_and_acknowledge_again),
		cmocka_unit_test(test_reject_and_withdraw),
		cmocka_unit_test(test_triage_duplicate_agency_and_category),
		cmocka_unit_test(test_return_to_triage_from_each_state),
		cmocka_unit_test(test_start_work_from_need_info),
		cmocka_unit_test(test_illegal_transitions),
		cmocka_unit_test(test_notes_required),
		cmocka_unit_test(test_roles_and_agencies),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
