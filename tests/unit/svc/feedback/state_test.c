/*
 * state_test.c - the state machine as a table written out a second time:
 * every (state, action, role) is tried, and the legal ones must be exactly
 * the rows below, with their target state. A transition added to state.c
 * without its row here (or removed) fails test_state_every_combination.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "svc/call_impl.h"
#include "svc/feedback/state.h"

#define S(x) FEEDBACK_STATE_##x
#define A(x) FEEDBACK_ACTION_##x
#define R(x) FEEDBACK_ROLE_##x

typedef struct legal {
	feedback_state  from;
	feedback_action act;
	feedback_role   role;
	feedback_state  to;
} legal;

static const legal legal_rows[] = {
	{ S(NONE), A(SUBMIT), R(REPORTER), S(SUBMITTED) },
	{ S(SUBMITTED), A(ACCEPT), R(COORDINATOR), S(ACCEPTED) },
	{ S(SUBMITTED), A(REJECT), R(COORDINATOR), S(REJECTED) },
	{ S(SUBMITTED), A(MARK_DUPLICATE), R(COORDINATOR), S(DUPLICATE) },
	{ S(SUBMITTED), A(WITHDRAW), R(REPORTER), S(WITHDRAWN) },
	{ S(RETURNED_TO_TRIAGE), A(ACCEPT), R(COORDINATOR), S(ACCEPTED) },
	{ S(RETURNED_TO_TRIAGE), A(REJECT), R(COORDINATOR), S(REJECTED) },
	{ S(RETURNED_TO_TRIAGE), A(MARK_DUPLICATE), R(COORDINATOR),
	    S(DUPLICATE) },
	{ S(ACCEPTED), A(ACKNOWLEDGE), R(OFFICER), S(ACKNOWLEDGED) },
	{ S(REOPENED), A(ACKNOWLEDGE), R(OFFICER), S(ACKNOWLEDGED) },
	{ S(ACKNOWLEDGED), A(START_WORK), R(OFFICER), S(IN_PROGRESS) },
	{ S(NEED_INFO), A(START_WORK), R(OFFICER), S(IN_PROGRESS) },
	{ S(ACKNOWLEDGED), A(REQUEST_INFO), R(OFFICER), S(NEED_INFO) },
	{ S(IN_PROGRESS), A(REQUEST_INFO), R(OFFICER), S(NEED_INFO) },
	{ S(NEED_INFO), A(PROVIDE_INFO), R(REPORTER), S(IN_PROGRESS) },
	{ S(ACKNOWLEDGED), A(EXTEND_DEADLINE), R(OFFICER), S(ACKNOWLEDGED) },
	{ S(IN_PROGRESS), A(EXTEND_DEADLINE), R(OFFICER), S(IN_PROGRESS) },
	{ S(NEED_INFO), A(EXTEND_DEADLINE), R(OFFICER), S(NEED_INFO) },
	{ S(ACKNOWLEDGED), A(RESOLVE), R(OFFICER), S(RESOLVED) },
	{ S(IN_PROGRESS), A(RESOLVE), R(OFFICER), S(RESOLVED) },
	{ S(ACCEPTED), A(RETURN_TO_TRIAGE), R(OFFICER), S(RETURNED_TO_TRIAGE) },
	{ S(ACKNOWLEDGED), A(RETURN_TO_TRIAGE), R(OFFICER),
	    S(RETURNED_TO_TRIAGE) },
	{ S(IN_PROGRESS), A(RETURN_TO_TRIAGE), R(OFFICER),
	    S(RETURNED_TO_TRIAGE) },
	{ S(NEED_INFO), A(RETURN_TO_TRIAGE), R(OFFICER),
	    S(RETURNED_TO_TRIAGE) },
	{ S(REOPENED), A(RETURN_TO_TRIAGE), R(OFFICER), S(RETURNED_TO_TRIAGE) },
	{ S(RESOLVED), A(CLOSE), R(REPORTER), S(CLOSED) },
	{ S(RESOLVED), A(REOPEN), R(REPORTER), S(REOPENED) },
	{ S(RESOLVED), A(EXPIRE_RATING), R(SYSTEM), S(CLOSED) },
};
#define NLEGAL (sizeof(legal_rows) / sizeof(legal_rows[0]))

static const legal *
find_legal(feedback_state s, feedback_action a, feedback_role r, bool *any)
{
	const legal *hit = NULL;
	*any             = false;
	for (size_t i = 0; i < NLEGAL; i++) {
		if (legal_rows[i].from == s && legal_rows[i].act == a) {
			*any = true;
			if (legal_rows[i].role == r) {
				hit = &legal_rows[i];
			}
		}
	}
	return hit;
}

static void
test_state_every_combination(void **state)
{
	(void) state;
	size_t nok = 0;
	for (int s = 0; s < FEEDBACK_STATE_COUNT; s++) {
		for (int a = 0; a <= FEEDBACK_ACTION_COUNT; a++) {
			for (int r = 0; r <= FEEDBACK_ROLE_COUNT; r++) {
				bool          any;
				const legal  *want = find_legal(s, a, r, &any);
				feedback_step step;
				memset(&step, 0x5a, sizeof(step));
				int rc = feedback_transition(
				    s, a, r, 1000, "pub", "int", &step);
				int expected = want != NULL ? HUES_OK
				               : any ? HUES_PERMISSION_DENIED
				                     : HUES_FAILED_PRECONDITION;
				if (rc != expected) {
					fail_msg(
					    "%s --%s/%s--> got %d, expected %d",
					    feedback_state_name(s),
					    feedback_action_name(a),
					    feedback_role_name(r), rc,
					    expected);
				}
				if (rc != HUES_OK) {
					/* Untouched on failure. */
					assert_int_equal(
					    ((unsigned char *) &step)[0], 0x5a);
					continue;
				}
				nok++;
				assert_int_equal(step.to, want->to);
				assert_int_equal(step.entry.from, s);
				assert_int_equal(step.entry.to, want->to);
				assert_int_equal(step.entry.action, a);
				assert_int_equal(step.entry.role, r);
				assert_int_equal(step.entry.at, 1000);
				assert_string_equal(
				    step.entry.public_note, "pub");
				assert_string_equal(
				    step.entry.internal_note, "int");
				/* Every change is heard by somebody. */
				assert_true(step.nevents >= 1);
				assert_true(
				    step.nevents <= FEEDBACK_MAX_EVENTS);
			}
		}
	}
	assert_int_equal(nok, NLEGAL);
}

/* The events name the transition and reach the right people. */
static bool
has(const feedback_step *s, feedback_event_kind k, feedback_audience a)
{
	for (size_t i = 0; i < s->nevents; i++) {
		if (s->events[i].kind == k && s->events[i].audience == a) {
			return true;
		}
	}
	return false;
}

static void
test_state_events(void **state)
{
	(void) state;
	feedback_step s;
	assert_int_equal(feedback_transition(S(SUBMITTED), A(ACCEPT),
	                     R(COORDINATOR), 1, NULL, NULL, &s),
	    HUES_OK);
	assert_int_equal(s.nevents, 3);
	assert_true(
	    has(&s, FEEDBACK_EVENT_ACCEPTED, FEEDBACK_AUDIENCE_REPORTER));
	assert_true(
	    has(&s, FEEDBACK_EVENT_ACCEPTED, FEEDBACK_AUDIENCE_FOLLOWERS));
	assert_true(has(&s, FEEDBACK_EVENT_ACCEPTED, FEEDBACK_AUDIENCE_AGENCY));
	/* NULL notes read as "". */
	assert_string_equal(s.entry.public_note, "");
	assert_string_equal(s.entry.internal_note, "");

	/* A question goes to the reporter only: followers see no private
	 * exchange. */
	assert_int_equal(feedback_transition(S(IN_PROGRESS), A(REQUEST_INFO),
	                     R(OFFICER), 1, "which house?", "", &s),
	    HUES_OK);
	assert_int_equal(s.nevents, 1);
	assert_true(
	    has(&s, FEEDBACK_EVENT_INFO_REQUESTED, FEEDBACK_AUDIENCE_REPORTER));

	assert_int_equal(feedback_transition(S(NEED_INFO), A(PROVIDE_INFO),
	                     R(REPORTER), 1, "no. 12", "", &s),
	    HUES_OK);
	assert_true(
	    has(&s, FEEDBACK_EVENT_INFO_PROVIDED, FEEDBACK_AUDIENCE_AGENCY));

	assert_int_equal(feedback_transition(S(RESOLVED), A(REOPEN),
	                     R(REPORTER), 1, "", "", &s),
	    HUES_OK);
	assert_true(has(&s, FEEDBACK_EVENT_REOPENED, FEEDBACK_AUDIENCE_AGENCY));
	assert_true(has(&s, FEEDBACK_EVENT_REOPENED, FEEDBACK_AUDIENCE_CENTRE));

	assert_int_equal(feedback_transition(S(ACCEPTED), A(RETURN_TO_TRIAGE),
	                     R(OFFICER), 1, "not ours", "", &s),
	    HUES_OK);
	assert_int_equal(s.nevents, 1);
	assert_true(has(
	    &s, FEEDBACK_EVENT_RETURNED_TO_TRIAGE, FEEDBACK_AUDIENCE_CENTRE));

	assert_int_equal(feedback_transition(S(IN_PROGRESS), A(EXTEND_DEADLINE),
	                     R(OFFICER), 1, "rain", "", &s),
	    HUES_OK);
	assert_int_equal(s.to, S(IN_PROGRESS));
	assert_true(has(
	    &s, FEEDBACK_EVENT_DEADLINE_EXTENDED, FEEDBACK_AUDIENCE_REPORTER));
}

static void
test_state_call_messages(void **state)
{
	(void) state;
	arena    a;
	svc_call call;
	arena_init(&a, 4096);
	call_init(&call, &a, NULL, NULL, NULL);
	feedback_step s;
	assert_int_equal(feedback_transition_call(&call, S(CLOSED), A(RESOLVE),
	                     R(OFFICER), 1, "", "", &s),
	    HUES_FAILED_PRECONDITION);
	assert_string_equal(
	    call.message, "cannot resolve a report that is closed");
	assert_string_equal(call.reason, "ILLEGAL_TRANSITION");

	call_init(&call, &a, NULL, NULL, NULL);
	assert_int_equal(feedback_transition_call(&call, S(SUBMITTED),
	                     A(ACCEPT), R(OFFICER), 1, "", "", &s),
	    HUES_PERMISSION_DENIED);
	assert_string_equal(call.message,
	    "the officer may not accept a report that is submitted");
	assert_string_equal(call.reason, "ROLE_NOT_ALLOWED");

	call_init(&call, &a, NULL, NULL, NULL);
	assert_int_equal(feedback_transition_call(&call, S(ACCEPTED),
	                     A(ACKNOWLEDGE), R(OFFICER), 1, "", "", &s),
	    HUES_OK);
	assert_null(call.message);
	arena_fini(&a);
}

static void
test_state_notes_and_kinds(void **state)
{
	(void) state;
	/* Reasons, questions and answers are required. */
	const feedback_action need[] = { A(REJECT), A(REQUEST_INFO),
		A(PROVIDE_INFO), A(EXTEND_DEADLINE), A(RESOLVE),
		A(RETURN_TO_TRIAGE) };
	for (int act = A(SUBMIT); act < FEEDBACK_ACTION_COUNT; act++) {
		bool want = false;
		for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
			want |= need[i] == (feedback_action) act;
		}
		if (feedback_action_needs_note(act) != want) {
			fail_msg("needs_note(%s)", feedback_action_name(act));
		}
	}
	int nfinal = 0, nopen = 0;
	for (int s = 0; s < FEEDBACK_STATE_COUNT; s++) {
		nfinal += feedback_state_final(s);
		nopen += feedback_state_open(s);
		/* A final state has no way out. */
		if (feedback_state_final(s)) {
			for (int act = 0; act < FEEDBACK_ACTION_COUNT; act++) {
				for (int r = 0; r < FEEDBACK_ROLE_COUNT; r++) {
					feedback_step st;
					assert_int_not_equal(
					    feedback_transition(
					        s, act, r, 0, "", "", &st),
					    HUES_OK);
				}
			}
		}
	}
	assert_int_equal(nfinal, 4);
	assert_int_equal(nopen, 5);
	assert_string_equal(
	    feedback_state_name(S(RETURNED_TO_TRIAGE)), "returned_to_triage");
	assert_string_equal(feedback_state_name(99), "?");
	assert_string_equal(feedback_action_name(0), "?");
	assert_string_equal(feedback_role_name(R(SYSTEM)), "system");
}

static void
test_state_rating(void **state)
{
	(void) state;
	feedback_action act = 0;
	const int64_t   day = 86400, window = 7 * day;
	assert_int_equal(feedback_rating_action(
	                     FEEDBACK_RATING_SATISFIED, 0, day, window, &act),
	    HUES_OK);
	assert_int_equal(act, A(CLOSE));
	assert_int_equal(feedback_rating_action(
	                     FEEDBACK_RATING_NEUTRAL, 0, day, window, &act),
	    HUES_OK);
	assert_int_equal(act, A(CLOSE));
	assert_int_equal(feedback_rating_action(FEEDBACK_RATING_DISSATISFIED, 0,
	                     window, window, &act),
	    HUES_OK);
	assert_int_equal(act, A(REOPEN));
	/* One second late: recorded, reopens nothing. */
	assert_int_equal(feedback_rating_action(FEEDBACK_RATING_DISSATISFIED, 0,
	                     window + 1, window, &act),
	    HUES_OK);
	assert_int_equal(act, A(CLOSE));
	act = 0;
	assert_int_equal(feedback_rating_action(0, 0, 0, window, &act),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(feedback_rating_action(4, 0, 0, window, &act),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(act, 0);
}

static void
test_state_role_of(void **state)
{
	(void) state;
	svc_principal p = { .role = SVC_ROLE_CITIZEN };
	assert_int_equal(feedback_role_of(&p), R(REPORTER));
	p.role = SVC_ROLE_SERVICE;
	assert_int_equal(feedback_role_of(&p), R(REPORTER));
	p.role = SVC_ROLE_OFFICER;
	assert_int_equal(feedback_role_of(&p), R(OFFICER));
	p.role = SVC_ROLE_COORDINATOR;
	assert_int_equal(feedback_role_of(&p), R(COORDINATOR));
	p.role = SVC_ROLE_ADMIN;
	assert_int_equal(feedback_role_of(&p), R(NONE));
	p.role = 0;
	assert_int_equal(feedback_role_of(&p), R(NONE));
}

/* A whole life: submit, route, work with a question, resolve, reopen by a
 * dissatisfied rating, back to the agency, resolve, close. */
static void
test_state_walk(void **state)
{
	(void) state;
	static const struct {
		feedback_action a;
		feedback_role   r;
		feedback_state  to;
	} walk[] = {
		{ A(SUBMIT), R(REPORTER), S(SUBMITTED) },
		{ A(ACCEPT), R(COORDINATOR), S(ACCEPTED) },
		{ A(ACKNOWLEDGE), R(OFFICER), S(ACKNOWLEDGED) },
		{ A(START_WORK), R(OFFICER), S(IN_PROGRESS) },
		{ A(REQUEST_INFO), R(OFFICER), S(NEED_INFO) },
		{ A(PROVIDE_INFO), R(REPORTER), S(IN_PROGRESS) },
		{ A(RESOLVE), R(OFFICER), S(RESOLVED) },
		{ A(REOPEN), R(REPORTER), S(REOPENED) },
		{ A(ACKNOWLEDGE), R(OFFICER), S(ACKNOWLEDGED) },
		{ A(RETURN_TO_TRIAGE), R(OFFICER), S(RETURNED_TO_TRIAGE) },
		{ A(ACCEPT), R(COORDINATOR), S(ACCEPTED) },
		{ A(ACKNOWLEDGE), R(OFFICER), S(ACKNOWLEDGED) },
		{ A(RESOLVE), R(OFFICER), S(RESOLVED) },
		{ A(EXPIRE_RATING), R(SYSTEM), S(CLOSED) },
	};
	feedback_state cur = S(NONE);
	for (size_t i = 0; i < sizeof(walk) / sizeof(walk[0]); i++) {
		feedback_step st;
		assert_int_equal(feedback_transition(cur, walk[i].a, walk[i].r,
		                     (int64_t) i, "", "", &st),
		    HUES_OK);
		assert_int_equal(st.to, walk[i].to);
		cur = st.to;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_every_combination),
		cmocka_unit_test(test_state_events),
		cmocka_unit_test(test_state_call_messages),
		cmocka_unit_test(test_state_notes_and_kinds),
		cmocka_unit_test(test_state_rating),
		cmocka_unit_test(test_state_role_of),
		cmocka_unit_test(test_state_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
