/*
 * records_test.c - the store-independent parts of records.c: report ids
 * ("R" and ten digits) and the state predicates that choose a report's
 * indexes: published, open for "nearby", due in a work queue, wanted by a
 * state filter. The summary's tests are in summary_test.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "svc/call_impl.h"
#include "svc/feedback/fb.h"

typedef struct fixture {
	arena    a;
	svc_call call;
} fixture;

static int
setup(void **state)
{
	static fixture f;
	arena_init(&f.a, 8192);
	call_init(&f.call, &f.a, NULL, NULL, NULL);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;
	arena_fini(&f->a);
	return 0;
}

static svc_call *
fresh(fixture *f)
{
	arena_reset(&f->a);
	call_init(&f->call, &f->a, NULL, NULL, NULL);
	return &f->call;
}

static bool
has_violation(const svc_call *call, const char *field, const char *part)
{
	for (size_t i = 0; i < call->nviolations; i++) {
		if (strcmp(call->violations[i].field, field) == 0 &&
		    strstr(call->violations[i].description, part) != NULL) {
			return true;
		}
	}
	return false;
}

/* ----- ids ---------------------------------------------------------------- */

static void
test_records_id_format(void **state)
{
	(void) state;
	static const struct {
		uint64_t    seq;
		const char *id;
	} cases[] = {
		{ 1, "R0000000001" },
		{ 42, "R0000000042" },
		{ 1234567890, "R1234567890" },
		{ 9999999999u, "R9999999999" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char id[FB_ID_LEN + 1];
		memset(id, 'x', sizeof(id));
		fb_id_format(cases[i].seq, id);
		assert_string_equal(id, cases[i].id);
		assert_int_equal(strlen(id), FB_ID_LEN);

		uint64_t seq = 0;
		assert_true(fb_id_parse(id, &seq));
		assert_int_equal(seq, cases[i].seq);
	}
	/* Every id of a run of numbers parses back to its number. */
	for (uint64_t s = 1; s < 100000; s += 997) {
		char     id[FB_ID_LEN + 1];
		uint64_t back = 0;
		fb_id_format(s * 100003u, id);
		assert_true(fb_id_parse(id, &back));
		assert_int_equal(back, s * 100003u);
	}
}

static void
test_records_id_parse_rejects(void **state)
{
	(void) state;
	static const char *const bad[] = {
		"R0000000000",  /* all zero: no report has number 0 */
		"r0000000001",  /* lowercase */
		"R123",         /* short */
		"R00000000012", /* long */
		"R000000001",   /* ten characters */
		"", "R", "0000000001R", "X0000000001", " R000000001",
		"R000000001 ", "R00000000a1", "R-000000001", "R+000000001",
		"R00000 0001", "R0000000001\n",
		"R\xd9\xa0\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4", /* Arabic-Indic */
		"Ｒ0000000001",                              /* fullwidth R */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t seq = 777;
		if (fb_id_parse(bad[i], &seq)) {
			fail_msg("\"%s\" parsed as %llu", bad[i],
			    (unsigned long long) seq);
		}
		assert_int_equal(seq, 777); /* written only on success */
	}
	uint64_t seq = 777;
	assert_false(fb_id_parse(NULL, &seq));
	assert_int_equal(seq, 777);

	/* The same id with an embedded NUL is its prefix: short. */
	assert_false(fb_id_parse("R00000\0"
	                         "00001",
	    &seq));
}

static void
test_records_id_require(void **state)
{
	fixture  *f    = *state;
	svc_call *call = fresh(f);
	uint64_t  seq  = 0;
	assert_int_equal(
	    fb_id_require(call, "id", "R0000000042", &seq), HUES_OK);
	assert_int_equal(seq, 42);
	assert_int_equal(call->nviolations, 0);

	static const char *const bad[] = { "R0000000000", "r0000000001", "R123",
		"R00000000012", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		call = fresh(f);
		seq  = 5;
		assert_int_equal(
		    fb_id_require(call, "duplicate_of", bad[i], &seq),
		    HUES_INVALID_ARGUMENT);
		assert_int_equal(call->nviolations, 1);
		assert_true(has_violation(call, "duplicate_of", "ten digits"));
		assert_int_equal(seq, 5);
	}
	call = fresh(f);
	assert_int_equal(
	    fb_id_require(call, "id", NULL, &seq), HUES_INVALID_ARGUMENT);
	assert_true(has_violation(call, "id", "R and ten digits"));
}

/* ----- states ------------------------------------------------------------- */

static void
test_records_state_published(void **state)
{
	(void) state;
	/* docs/feedback.md, "Views": from acceptance at triage on; not while
	 * waiting for triage, nor once rejected, duplicate or withdrawn. */
	static const bool want[FEEDBACK_STATE_COUNT] = {
		[FEEDBACK_STATE_NONE]               = false,
		[FEEDBACK_STATE_SUBMITTED]          = false,
		[FEEDBACK_STATE_ACCEPTED]           = true,
		[FEEDBACK_STATE_REJECTED]           = false,
		[FEEDBACK_STATE_DUPLICATE]          = false,
		[FEEDBACK_STATE_WITHDRAWN]          = false,
		[FEEDBACK_STATE_ACKNOWLEDGED]       = true,
		[FEEDBACK_STATE_IN_PROGRESS]        = true,
		[FEEDBACK_STATE_NEED_INFO]          = true,
		[FEEDBACK_STATE_RESOLVED]           = true,
		[FEEDBACK_STATE_CLOSED]             = true,
		[FEEDBACK_STATE_REOPENED]           = true,
		[FEEDBACK_STATE_RETURNED_TO_TRIAGE] = false,
	};
	for (int s = 0; s < FEEDBACK_STATE_COUNT; s++) {
		if (fb_state_published(s) != want[s]) {
			fail_msg("state %d: published %d, want %d", s,
			    fb_state_published(s), want[s]);
		}
	}
}

static void
test_records_state_nearby_open(void **state)
{
	(void) state;
	/* fb.h: open for "nearby" is neither final nor resolved. */
	static const bool want[FEEDBACK_STATE_COUNT] = {
		[FEEDBACK_STATE_NONE]               = false,
		[FEEDBACK_STATE_SUBMITTED]          = true,
		[FEEDBACK_STATE_ACCEPTED]           = true,
		[FEEDBACK_STATE_REJECTED]           = false,
		[FEEDBACK_STATE_DUPLICATE]          = false,
		[FEEDBACK_STATE_WITHDRAWN]          = false,
		[FEEDBACK_STATE_ACKNOWLEDGED]       = true,
		[FEEDBACK_STATE_IN_PROGRESS]        = true,
		[FEEDBACK_STATE_NEED_INFO]          = true,
		[FEEDBACK_STATE_RESOLVED]           = false,
		[FEEDBACK_STATE_CLOSED]             = false,
		[FEEDBACK_STATE_REOPENED]           = true,
		[FEEDBACK_STATE_RETURNED_TO_TRIAGE] = true,
	};
	for (int s = 0; s < FEEDBACK_STATE_COUNT; s++) {
		if (fb_state_nearby_open(s) != want[s]) {
			fail_msg("state %d: nearby-open %d, want %d", s,
			    fb_state_nearby_open(s), want[s]);
		}
		/* Final states are never open. */
		if (feedback_state_final((feedback_state) s)) {
			assert_false(fb_state_nearby_open(s));
		}
	}
	assert_false(fb_state_nearby_open(-1));
	assert_false(fb_state_nearby_open(FEEDBACK_STATE_COUNT));
}

static void
test_records_queue_due(void **state)
{
	(void) state;
	/* docs/feedback.md, "WorkQueue": acknowledge-by before the
	 * acknowledgement, else resolve-by; the centre's queue ("") holds
	 * the reports waiting for triage; closed work is in no queue. */
	enum { NONE, CENTRE_ACK, AGENCY_ACK, AGENCY_RESOLVE };
	static const int want[FEEDBACK_STATE_COUNT] = {
		[FEEDBACK_STATE_NONE]               = NONE,
		[FEEDBACK_STATE_SUBMITTED]          = CENTRE_ACK,
		[FEEDBACK_STATE_ACCEPTED]           = AGENCY_ACK,
		[FEEDBACK_STATE_REJECTED]           = NONE,
		[FEEDBACK_STATE_DUPLICATE]          = NONE,
		[FEEDBACK_STATE_WITHDRAWN]          = NONE,
		[FEEDBACK_STATE_ACKNOWLEDGED]       = AGENCY_RESOLVE,
		[FEEDBACK_STATE_IN_PROGRESS]        = AGENCY_RESOLVE,
		[FEEDBACK_STATE_NEED_INFO]          = AGENCY_RESOLVE,
		[FEEDBACK_STATE_RESOLVED]           = NONE,
		[FEEDBACK_STATE_CLOSED]             = NONE,
		[FEEDBACK_STATE_REOPENED]           = AGENCY_ACK,
		[FEEDBACK_STATE_RETURNED_TO_TRIAGE] = CENTRE_ACK,
	};
	for (int st = 0; st < FEEDBACK_STATE_COUNT; st++) {
		fb_summary  s      = {.agency = "so-gtvt", .agency_len = 7};
		const char *agency = "untouched";
		size_t      len    = 99;
		s.state            = (uint8_t) st;
		s.ack_by           = 1000;
		s.resolve_by       = 2000;
		int64_t due        = fb_queue_due(&s, &agency, &len);
		switch (want[st]) {
		case NONE:
			if (due != 0) {
				fail_msg("state %d: due %lld, want none", st,
				    (long long) due);
			}
			break;
		case CENTRE_ACK:
			assert_int_equal(due, 1000);
			assert_int_equal(len, 0);
			assert_true(fb_summary_is(agency, len, ""));
			break;
		case AGENCY_ACK:
		case AGENCY_RESOLVE:
			if (due != (want[st] == AGENCY_ACK ? 1000 : 2000)) {
				fail_msg(
				    "state %d: due %lld", st, (long long) due);
			}
			assert_true(fb_summary_is(agency, len, "so-gtvt"));
			break;
		}
	}
}

static void
test_records_state_wanted(void **state)
{
	fixture *f = *state;
	for (int st = 1; st < FEEDBACK_STATE_COUNT; st++) {
		assert_true(fb_state_wanted(st, NULL, 0)); /* no filter: all */
	}
	const Hues__V1__ReportState some[] = {
		HUES__V1__REPORT_STATE__REPORT_STATE_ACCEPTED,
		HUES__V1__REPORT_STATE__REPORT_STATE_RESOLVED,
		HUES__V1__REPORT_STATE__REPORT_STATE_RESOLVED, /* repeats are
		                                                  fine */
	};
	for (int st = 0; st < FEEDBACK_STATE_COUNT; st++) {
		bool want = st == FEEDBACK_STATE_ACCEPTED ||
		            st == FEEDBACK_STATE_RESOLVED;
		assert_int_equal(fb_state_wanted(st, some, 3), want);
	}
	const Hues__V1__ReportState one[] = {
		HUES__V1__REPORT_STATE__REPORT_STATE_RETURNED_TO_TRIAGE,
	};
	assert_true(fb_state_wanted(FEEDBACK_STATE_RETURNED_TO_TRIAGE, one, 1));
	assert_false(fb_state_wanted(FEEDBACK_STATE_SUBMITTED, one, 1));

	/* The check: every real state passes ... */
	Hues__V1__ReportState all[FEEDBACK_STATE_COUNT - 1];
	for (int st = 1; st < FEEDBACK_STATE_COUNT; st++) {
		all[st - 1] = (Hues__V1__ReportState) st;
	}
	svc_call *call = fresh(f);
	assert_true(
	    fb_states_check(call, "states", all, FEEDBACK_STATE_COUNT - 1));
	assert_true(fb_states_check(call, "states", NULL, 0));
	assert_int_equal(call->nviolations, 0);

	/* ... unspecified and unknown ones are each a violation. */
	const Hues__V1__ReportState bad[] = {
		HUES__V1__REPORT_STATE__REPORT_STATE_ACCEPTED,
		HUES__V1__REPORT_STATE__REPORT_STATE_UNSPECIFIED,
		(Hues__V1__ReportState) FEEDBACK_STATE_COUNT,
		HUES__V1__REPORT_STATE__REPORT_STATE_CLOSED,
		(Hues__V1__ReportState) -1,
		(Hues__V1__ReportState) 1000,
	};
	call = fresh(f);
	assert_false(fb_states_check(call, "filter.states", bad, 6));
	assert_int_equal(call->nviolations, 4);
	assert_true(
	    has_violation(call, "filter.states[1]", "not a report state"));
	assert_true(
	    has_violation(call, "filter.states[2]", "not a report state"));
	assert_true(
	    has_violation(call, "filter.states[4]", "not a report state"));
	assert_true(
	    has_violation(call, "filter.states[5]", "not a report state"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_id_format),
		cmocka_unit_test(test_records_id_parse_rejects),
		cmocka_unit_test(test_records_id_require),
		cmocka_unit_test(test_records_state_published),
		cmocka_unit_test(test_records_state_nearby_open),
		cmocka_unit_test(test_records_queue_due),
		cmocka_unit_test(test_records_state_wanted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
