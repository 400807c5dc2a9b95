/*
 * records_test.c - the store-independent parts of records.c: report ids
 * ("R" and ten digits), the summary kept in index values (every field
 * round-trips, a truncated value never decodes), and the state predicates
 * that choose a report's indexes: published, open for "nearby", due in a
 * work queue, wanted by a state filter.
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

/* ----- summary ------------------------------------------------------------ */

static char code64[FEEDBACK_MAX_CODE + 1];

static fb_summary
sample(const char *category, const char *ward, const char *agency)
{
	return (fb_summary) {
		.seq             = 0x0102030405060708u,
		.submitted_at    = 1767225600, /* 2026-01-01 */
		.ack_by          = 1767227400,
		.resolve_by      = -1, /* any int64 */
		.acknowledged_at = INT64_MAX,
		.resolved_at     = INT64_MIN,
		.lat             = 16.4637123456789,
		.lon             = -107.5909,
		.state           = FEEDBACK_STATE_NEED_INFO,
		.published       = 1,
		.rating          = 3,
		.reopen_count    = 255,
		.category        = category,
		.category_len    = category != NULL ? strlen(category) : 0,
		.ward            = ward,
		.ward_len        = ward != NULL ? strlen(ward) : 0,
		.agency          = agency,
		.agency_len      = agency != NULL ? strlen(agency) : 0,
	};
}

static void
assert_summary_equal(const fb_summary *a, const fb_summary *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->submitted_at, b->submitted_at);
	assert_int_equal(a->ack_by, b->ack_by);
	assert_int_equal(a->resolve_by, b->resolve_by);
	assert_int_equal(a->acknowledged_at, b->acknowledged_at);
	assert_int_equal(a->resolved_at, b->resolved_at);
	assert_memory_equal(&a->lat, &b->lat, sizeof(a->lat)); /* bit-exact */
	assert_memory_equal(&a->lon, &b->lon, sizeof(a->lon));
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->published, b->published);
	assert_int_equal(a->rating, b->rating);
	assert_int_equal(a->reopen_count, b->reopen_count);
	assert_int_equal(a->category_len, b->category_len);
	assert_int_equal(a->ward_len, b->ward_len);
	assert_int_equal(a->agency_len, b->agency_len);
	if (a->category_len > 0) {
		assert_memory_equal(a->category, b->category, a->category_len);
	}
	if (a->ward_len > 0) {
		assert_memory_equal(a->ward, b->ward, a->ward_len);
	}
	if (a->agency_len > 0) {
		assert_memory_equal(a->agency, b->agency, a->agency_len);
	}
}

static void
test_records_summary_round_trip(void **state)
{
	(void) state;
	memset(code64, 'c', FEEDBACK_MAX_CODE);
	code64[0]                     = 'a';
	code64[FEEDBACK_MAX_CODE - 1] = 'z';
	const char *strings[]         = { NULL, "", "road.pothole", code64 };

	for (size_t c = 0; c < 4; c++) {
		for (size_t w = 0; w < 4; w++) {
			for (size_t g = 0; g < 4; g++) {
				fb_summary in =
				    sample(strings[c], strings[w], strings[g]);
				uint8_t buf[FB_SUMMARY_MAX + 16];
				memset(buf, 0xee, sizeof(buf));
				size_t n = fb_summary_encode(&in, buf);
				assert_int_equal(
				    n, 8 * 8 + 4 + 3 + in.category_len +
				           in.ward_len + in.agency_len);
				assert_true(n <= FB_SUMMARY_MAX);
				for (size_t i = n; i < sizeof(buf); i++) {
					assert_int_equal(
					    buf[i], 0xee); /* no spill */
				}
				fb_summary out;
				memset(&out, 0, sizeof(out));
				assert_true(fb_summary_decode(buf, n, &out));
				assert_summary_equal(&out, &in);
				/* Decoded strings are borrowed from the value.
				 */
				if (out.agency_len > 0) {
					assert_true(
					    (const uint8_t *) out.agency >
					        buf &&
					    (const uint8_t *) out.agency <
					        buf + n);
				}
			}
		}
	}

	/* The largest summary is FB_SUMMARY_MAX bytes. */
	fb_summary big = sample(code64, code64, code64);
	uint8_t    buf[FB_SUMMARY_MAX];
	assert_int_equal(fb_summary_encode(&big, buf), FB_SUMMARY_MAX);
	fb_summary out;
	assert_true(fb_summary_decode(buf, FB_SUMMARY_MAX, &out));
	assert_summary_equal(&out, &big);

	/* Every field is its own: zero everywhere but one. */
	fb_summary z = { 0 };
	z.state      = FEEDBACK_STATE_CLOSED;
	z.rating     = 1;
	size_t n     = fb_summary_encode(&z, buf);
	assert_true(fb_summary_decode(buf, n, &out));
	assert_summary_equal(&out, &z);
	assert_int_equal(out.published, 0);
	assert_int_equal(out.reopen_count, 0);
}

static void
test_records_summary_truncated(void **state)
{
	(void) state;
	memset(code64, 'q', FEEDBACK_MAX_CODE);
	const fb_summary cases[] = {
		sample(NULL, NULL, NULL),
		sample("waste.uncollected", "", "hepco"),
		sample(code64, code64, code64),
		sample("", "", "x"),
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint8_t full[FB_SUMMARY_MAX];
		size_t  n = fb_summary_encode(&cases[c], full);
		for (size_t cut = 0; cut < n; cut++) {
			/* Exactly cut bytes on the heap: ASan sees any
			 * over-read. */
			uint8_t   *v = test_malloc(cut > 0 ? cut : 1);
			fb_summary out;
			memcpy(v, full, cut);
			if (fb_summary_decode(v, cut, &out)) {
				fail_msg("case %zu: %zu of %zu bytes decoded",
				    c, cut, n);
			}
			test_free(v);
		}
	}

	/* A string length byte that claims more than the value holds. */
	fb_summary s = sample("a", "b", "c");
	uint8_t    buf[FB_SUMMARY_MAX];
	size_t     n = fb_summary_encode(&s, buf);
	fb_summary out;
	buf[68] = 200; /* the category's length */
	assert_false(fb_summary_decode(buf, n, &out));
	buf[68]    = 1;
	buf[n - 2] = 2; /* the agency's */
	assert_false(fb_summary_decode(buf, n, &out));
	buf[n - 2] = 1;
	assert_true(fb_summary_decode(buf, n, &out));
}

/* A code longer than a code may be is cut to FEEDBACK_MAX_CODE, never
 * past the buffer. */
static void
test_records_summary_long_code(void **state)
{
	(void) state;
	char long_code[FEEDBACK_MAX_CODE + 40];
	memset(long_code, 'L', sizeof(long_code) - 1);
	long_code[sizeof(long_code) - 1] = '\0';
	fb_summary s   = sample(long_code, long_code, long_code);
	uint8_t   *buf = test_malloc(FB_SUMMARY_MAX);
	assert_int_equal(fb_summary_encode(&s, buf), FB_SUMMARY_MAX);
	fb_summary out;
	assert_true(fb_summary_decode(buf, FB_SUMMARY_MAX, &out));
	assert_int_equal(out.category_len, FEEDBACK_MAX_CODE);
	assert_int_equal(out.agency_len, FEEDBACK_MAX_CODE);
	test_free(buf);
}

static void
test_records_summary_of(void **state)
{
	(void) state;
	Hues__V1__GeoPoint     pt     = HUES__V1__GEO_POINT__INIT;
	Hues__V1__Location     loc    = HUES__V1__LOCATION__INIT;
	Hues__V1__ReportRating rating = HUES__V1__REPORT_RATING__INIT;
	Hues__V1__Report       r      = HUES__V1__REPORT__INIT;
	pt.latitude                   = 16.47;
	pt.longitude                  = 107.6;
	loc.point                     = &pt;
	loc.ward_code                 = (char *) "vinh-ninh";
	rating.rating                 = HUES__V1__RATING__RATING_NEUTRAL;
	r.category                    = (char *) "light.out";
	r.agency                      = (char *) "hepco";
	r.location                    = &loc;
	r.state           = HUES__V1__REPORT_STATE__REPORT_STATE_CLOSED;
	r.published       = true;
	r.submitted_at    = 100;
	r.acknowledge_by  = 200;
	r.resolve_by      = 300;
	r.acknowledged_at = 150;
	r.resolved_at     = 250;
	r.rating          = &rating;
	r.reopen_count    = 1000; /* saturates at 255 */

	fb_summary s;
	fb_summary_of(&r, 42, &s);
	assert_int_equal(s.seq, 42);
	assert_int_equal(s.submitted_at, 100);
	assert_int_equal(s.ack_by, 200);
	assert_int_equal(s.resolve_by, 300);
	assert_int_equal(s.acknowledged_at, 150);
	assert_int_equal(s.resolved_at, 250);
	assert_true(s.lat == 16.47 && s.lon == 107.6);
	assert_int_equal(s.state, FEEDBACK_STATE_CLOSED);
	assert_int_equal(s.published, 1);
	assert_int_equal(s.rating, FEEDBACK_RATING_NEUTRAL);
	assert_int_equal(s.reopen_count, 255);
	assert_true(fb_summary_is(s.category, s.category_len, "light.out"));
	assert_true(fb_summary_is(s.ward, s.ward_len, "vinh-ninh"));
	assert_true(fb_summary_is(s.agency, s.agency_len, "hepco"));

	/* No location, no rating, not routed: zeros and empty strings. */
	Hues__V1__Report bare = HUES__V1__REPORT__INIT;
	bare.category         = (char *) "other";
	bare.state            = HUES__V1__REPORT_STATE__REPORT_STATE_SUBMITTED;
	fb_summary_of(&bare, 7, &s);
	assert_true(s.lat == 0 && s.lon == 0);
	assert_int_equal(s.rating, 0);
	assert_int_equal(s.published, 0);
	assert_int_equal(s.ward_len, 0);
	assert_true(fb_summary_is(s.ward, s.ward_len, ""));
	assert_true(fb_summary_is(s.agency, s.agency_len, NULL));
}

static void
test_records_summary_is(void **state)
{
	(void) state;
	const char *v = "hepcoXYZ"; /* a field inside a value: no NUL */
	assert_true(fb_summary_is(v, 5, "hepco"));
	assert_false(fb_summary_is(v, 5, "hepc"));
	assert_false(fb_summary_is(v, 5, "hepcoX"));
	assert_false(fb_summary_is(v, 5, "HEPCO"));
	assert_false(fb_summary_is(v, 5, ""));
	assert_false(fb_summary_is(v, 5, NULL));
	assert_true(fb_summary_is(v, 0, ""));
	assert_true(fb_summary_is(v, 0, NULL));
	assert_true(fb_summary_is(NULL, 0, ""));
	assert_true(fb_summary_is(NULL, 0, NULL));
	assert_false(fb_summary_is(NULL, 0, "hepco"));
	assert_true(fb_summary_is(v + 5, 3, "XYZ"));
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
		fb_summary  s      = sample("road.sign", "an-cuu", "so-gtvt");
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
		cmocka_unit_test(test_records_summary_round_trip),
		cmocka_unit_test(test_records_summary_truncated),
		cmocka_unit_test(test_records_summary_long_code),
		cmocka_unit_test(test_records_summary_of),
		cmocka_unit_test(test_records_summary_is),
		cmocka_unit_test(test_records_state_published),
		cmocka_unit_test(test_records_state_nearby_open),
		cmocka_unit_test(test_records_queue_due),
		cmocka_unit_test(test_records_state_wanted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
