/*
 * summary_test.c - the summary kept in index values (summary.c): every
 * field round-trips, a truncated value never decodes, codes of the
 * longest length fit, a report's summary takes its fields, and string
 * fields compare with NULL and "" alike.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svc/feedback/fb.h"

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
test_summary_round_trip(void **state)
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
test_summary_truncated(void **state)
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
test_summary_long_code(void **state)
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
test_summary_of(void **state)
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
test_summary_is(void **state)
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

/* The owner tail after a summary: it round-trips, the summary still
 * decodes in front of it, and a cut or overlong one is refused. */
static void
test_owner_tail(void **state)
{
	(void) state;
	fb_summary s = { .seq = 7, .category = "light.out", .category_len = 9 };
	fb_owner   w = {
		  .user = "lan", .user_len = 3, .key = "app-1", .key_len = 5
	};
	fb_owner   got;
	fb_summary back;
	uint8_t    v[FB_SUMMARY_MAX + FB_OWNER_MAX];
	size_t     sn = fb_summary_encode(&s, v);
	size_t     tn = fb_owner_encode(&w, v + sn);

	assert_int_equal(tn, 2 + 3 + 1 + 5);
	assert_true(fb_summary_decode(v, sn + tn, &back));
	assert_int_equal(back.seq, 7);
	assert_true(fb_owner_decode(v, sn + tn, &got));
	assert_int_equal(got.user_len, 3);
	assert_memory_equal(got.user, "lan", 3);
	assert_int_equal(got.key_len, 5);
	assert_memory_equal(got.key, "app-1", 5);
	for (size_t n = sn; n < sn + tn; n++) {
		assert_false(fb_owner_decode(v, n, &got));
	}
	assert_false(fb_owner_decode(v, sn + tn + 1, &got)); /* trailing */

	/* Anonymous, no key: the shortest tail. */
	fb_owner none = { .user = "", .key = "" };
	assert_int_equal(fb_owner_encode(&none, v + sn), 3);
	assert_true(fb_owner_decode(v, sn + 3, &got));
	assert_int_equal(got.user_len + got.key_len, 0);

	/* The longest user and key fit; longer ones are refused. */
	char big[FB_OWNER_USER_MAX + 2];
	memset(big, 'u', sizeof(big));
	fb_owner most = { .user = big,
		.user_len       = FB_OWNER_USER_MAX,
		.key            = big,
		.key_len        = FB_OWNER_KEY_MAX };
	tn            = fb_owner_encode(&most, v + sn);
	assert_int_equal(tn, FB_OWNER_MAX);
	assert_true(fb_owner_decode(v, sn + tn, &got));
	assert_int_equal(got.user_len, FB_OWNER_USER_MAX);
	most.user_len++;
	assert_int_equal(fb_owner_encode(&most, v + sn), 0);
	most.user_len--;
	most.key_len++;
	assert_int_equal(fb_owner_encode(&most, v + sn), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_round_trip),
		cmocka_unit_test(test_summary_truncated),
		cmocka_unit_test(test_summary_long_code),
		cmocka_unit_test(test_summary_of),
		cmocka_unit_test(test_summary_is),
		cmocka_unit_test(test_owner_tail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
