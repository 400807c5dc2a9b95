/*
 * sla_test.c - deadlines across weekends, Vietnamese holidays, the year's
 * end and the UTC+7 day boundary; overdue flags; extensions. Every time is
 * a constant: nothing reads the clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hues/status.h"
#include "svc/feedback/sla.h"

/* Unix time of a local (UTC+7) date and time. */
static int64_t
at(const char *date, int h, int m)
{
	feedback_day d;
	assert_int_equal(feedback_day_parse(date, &d), HUES_OK);
	return feedback_day_end(d) + 1 - 86400 + h * 3600 + m * 60;
}

static int64_t
end_of(const char *date)
{
	feedback_day d;
	assert_int_equal(feedback_day_parse(date, &d), HUES_OK);
	return feedback_day_end(d);
}

static void
test_sla_days(void **state)
{
	(void) state;
	feedback_day d = -1;
	assert_int_equal(feedback_day_parse("1970-01-01", &d), HUES_OK);
	assert_int_equal(d, 0);
	assert_int_equal(feedback_day_parse("2025-01-14", &d), HUES_OK);
	assert_int_equal(d, 20102);
	assert_int_equal(feedback_weekday(d), 2); /* Tuesday */
	/* Checked against Python's datetime with a +07:00 zone. */
	assert_int_equal(end_of("2025-01-14"), 1736873999);
	assert_int_equal(at("2025-01-03", 10, 0), 1735873200);
	assert_int_equal(at("1970-01-01", 7, 0), 0);
	/* 00:30 local on Saturday is still Friday in UTC. */
	assert_int_equal(
	    feedback_day_of(1735925400) - feedback_day_of(1735873200), 1);
	assert_int_equal(feedback_weekday(feedback_day_of(1735925400)), 6);
	/* Before 07:00 on 1970-01-01 local time is day -1. */
	assert_int_equal(feedback_day_of(-1), 0);
	assert_int_equal(feedback_day_of(-25201), -1);

	char buf[11];
	assert_int_equal(feedback_day_parse("2024-02-29", &d), HUES_OK);
	feedback_day_format(d, buf);
	assert_string_equal(buf, "2024-02-29");
	feedback_day_format(d + 1, buf);
	assert_string_equal(buf, "2024-03-01");
	feedback_day_format(0, buf);
	assert_string_equal(buf, "1970-01-01");

	const char *bad[] = { "2025-02-29", "2024-13-01", "2024-00-10",
		"2024-04-31", "2024-1-01", "2024-01-01x", "24-01-01", "",
		"1969-12-31", "2024/01/01", "abcd-ef-gh" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = 7;
		if (feedback_day_parse(bad[i], &d) != HUES_INVALID_ARGUMENT) {
			fail_msg("accepted %s", bad[i]);
		}
		assert_int_equal(d, 7);
	}
	assert_int_equal(feedback_day_parse(NULL, &d), HUES_INVALID_ARGUMENT);
}

static void
test_sla_calendar(void **state)
{
	(void) state;
	feedback_calendar *cal = NULL;
	assert_int_equal(
	    feedback_calendar_create(
	        "2025-09-02,2025-09-01\n 2025-09-02 2025-08-30", &cal),
	    HUES_OK);
	feedback_day d;
	feedback_day_parse("2025-09-01", &d);
	assert_false(feedback_calendar_working(cal, d));
	assert_false(feedback_calendar_working(cal, d + 1));
	assert_true(feedback_calendar_working(cal, d + 2));
	assert_false(feedback_calendar_working(cal, d - 1)); /* Sunday */
	feedback_calendar_destroy(cal);

	cal = (feedback_calendar *) 1;
	assert_int_equal(feedback_calendar_create("2025-09-31", &cal),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(feedback_calendar_create("2025-09-01,20250902", &cal),
	    HUES_INVALID_ARGUMENT);
	assert_ptr_equal(cal, (feedback_calendar *) 1);

	assert_int_equal(feedback_calendar_create(NULL, &cal), HUES_OK);
	feedback_calendar_destroy(cal);
	assert_int_equal(feedback_calendar_create("", &cal), HUES_OK);
	feedback_calendar_destroy(cal);
	assert_int_equal(
	    feedback_calendar_create(feedback_default_holidays, &cal), HUES_OK);
	feedback_day_parse("2025-01-27", &d);
	assert_false(feedback_calendar_working(cal, d));
	feedback_calendar_destroy(cal);
	feedback_calendar_destroy(NULL);
}

typedef struct resolve_case {
	const char *date;
	int         h, m;
	uint32_t    days;
	const char *due;
} resolve_case;

static void
test_sla_resolve_by(void **state)
{
	(void) state;
	feedback_calendar *cal;
	assert_int_equal(
	    feedback_calendar_create(feedback_default_holidays, &cal), HUES_OK);
	static const resolve_case cases[] = {
		/* Friday: the weekend does not count. */
		{ "2025-01-03", 10, 0, 7, "2025-01-14" },
		{ "2025-01-03", 10, 0, 1, "2025-01-06" },
		/* Saturday and Sunday start the count on Monday. */
		{ "2025-01-04", 0, 30, 1, "2025-01-06" },
		{ "2025-01-05", 23, 59, 1, "2025-01-06" },
		/* Monday: the day itself never counts. */
		{ "2025-01-06", 8, 0, 1, "2025-01-07" },
		/* Across Tết 2025 (27-31 January off). */
		{ "2025-01-24", 9, 0, 7, "2025-02-11" },
		{ "2025-01-27", 9, 0, 1, "2025-02-03" },
		/* Across 30 April and 1 May 2025 (Wednesday, Thursday). */
		{ "2025-04-29", 15, 0, 2, "2025-05-05" },
		/* Across National Day 2025 (1-2 September). */
		{ "2025-08-29", 15, 0, 1, "2025-09-03" },
		/* Across the year's end and New Year's Day 2026. */
		{ "2025-12-30", 16, 0, 7, "2026-01-09" },
		{ "2025-12-31", 23, 59, 1, "2026-01-02" },
		/* Leap day. */
		{ "2024-02-28", 12, 0, 1, "2024-02-29" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t due = 0;
		assert_int_equal(feedback_resolve_by(cal,
		                     at(cases[i].date, cases[i].h, cases[i].m),
		                     cases[i].days, &due),
		    HUES_OK);
		if (due != end_of(cases[i].due)) {
			char got[11];
			feedback_day_format(feedback_day_of(due), got);
			fail_msg(
			    "case %zu: %s +%u working days: got %s, want %s", i,
			    cases[i].date, cases[i].days, got, cases[i].due);
		}
	}
	/* Without holidays, Tết is ordinary working days. */
	int64_t due = 0;
	assert_int_equal(
	    feedback_resolve_by(NULL, at("2025-01-24", 9, 0), 7, &due),
	    HUES_OK);
	assert_int_equal(due, end_of("2025-02-04"));

	due = 42;
	assert_int_equal(
	    feedback_resolve_by(cal, 0, 0, &due), HUES_INVALID_ARGUMENT);
	assert_int_equal(
	    feedback_resolve_by(cal, 0, FEEDBACK_MAX_RESOLVE_DAYS + 1, &due),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(due, 42);
	feedback_calendar_destroy(cal);
}

static void
test_sla_working_days_between(void **state)
{
	(void) state;
	feedback_calendar *cal;
	assert_int_equal(
	    feedback_calendar_create(feedback_default_holidays, &cal), HUES_OK);
	/* The inverse of resolve_by, over a range of starts and lengths. */
	for (int64_t start = at("2024-12-20", 9, 0);
	     start < at("2026-02-01", 0, 0); start += 86400 + 3600) {
		for (uint32_t n = 1; n <= 30; n += 7) {
			int64_t due;
			assert_int_equal(
			    feedback_resolve_by(cal, start, n, &due), HUES_OK);
			assert_int_equal(
			    feedback_working_days_between(cal, start, due), n);
			assert_int_equal(feedback_working_days_between(
			                     cal, start, due - 86400),
			    n - 1);
		}
	}
	assert_int_equal(feedback_working_days_between(cal, 100, 50), 0);
	assert_int_equal(feedback_working_days_between(NULL,
	                     at("2025-01-06", 0, 0), at("2025-01-13", 0, 0)),
	    5);
	feedback_calendar_destroy(cal);
}

static void
test_sla_ack_and_flags(void **state)
{
	(void) state;
	int64_t t0 = at("2025-03-03", 8, 0);
	assert_int_equal(feedback_ack_by(t0, 30), t0 + 1800);

	feedback_sla s = { .ack_by = t0 + 1800, .resolve_by = t0 + 7 * 86400 };
	assert_int_equal(feedback_sla_flags(&s, t0), 0);
	assert_int_equal(feedback_sla_flags(&s, t0 + 1800), 0);
	assert_int_equal(
	    feedback_sla_flags(&s, t0 + 1801), FEEDBACK_SLA_ACK_OVERDUE);
	assert_int_equal(feedback_sla_flags(&s, t0 + 8 * 86400),
	    FEEDBACK_SLA_ACK_OVERDUE | FEEDBACK_SLA_RESOLVE_OVERDUE);
	s.acknowledged_at = t0 + 600;
	assert_int_equal(feedback_sla_flags(&s, t0 + 86400), 0);
	s.acknowledged_at = t0 + 3600;
	assert_int_equal(
	    feedback_sla_flags(&s, t0 + 86400), FEEDBACK_SLA_ACK_LATE);
	s.resolved_at = t0 + 8 * 86400;
	assert_int_equal(feedback_sla_flags(&s, t0 + 9 * 86400),
	    FEEDBACK_SLA_ACK_LATE | FEEDBACK_SLA_RESOLVE_LATE);
	s.resolved_at = t0 + 2 * 86400;
	assert_int_equal(
	    feedback_sla_flags(&s, t0 + 99 * 86400), FEEDBACK_SLA_ACK_LATE);
	feedback_sla none = { 0 };
	assert_int_equal(feedback_sla_flags(&none, INT64_MAX), 0);
}

static void
test_sla_extend(void **state)
{
	(void) state;
	feedback_calendar *cal;
	assert_int_equal(
	    feedback_calendar_create(feedback_default_holidays, &cal), HUES_OK);
	int64_t      t0 = at("2025-03-03", 8, 0);
	feedback_sla s  = { .ack_by = t0 + 1800 };
	assert_int_equal(
	    feedback_resolve_by(cal, t0, 7, &s.resolve_by), HUES_OK);
	assert_int_equal(s.resolve_by, end_of("2025-03-12"));

	feedback_day d;
	feedback_day_parse("2025-03-20", &d);
	feedback_extension e;
	assert_int_equal(feedback_extend(cal, &s, t0 + 86400, d,
	                     "chờ vật tư thay thế", 0, &e),
	    HUES_OK);
	assert_int_equal(e.at, t0 + 86400);
	assert_int_equal(e.old_resolve_by, end_of("2025-03-12"));
	assert_int_equal(e.new_resolve_by, end_of("2025-03-20"));
	assert_string_equal(e.reason, "chờ vật tư thay thế");

	memset(&e, 0x5a, sizeof(e));
	/* Not later than the deadline. */
	feedback_day_parse("2025-03-12", &d);
	assert_int_equal(
	    feedback_extend(cal, &s, t0, d, "x", 0, &e), HUES_INVALID_ARGUMENT);
	/* No reason. */
	feedback_day_parse("2025-03-20", &d);
	assert_int_equal(feedback_extend(cal, &s, t0, d, "  \n", 0, &e),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(feedback_extend(cal, &s, t0, d, NULL, 0, &e),
	    HUES_INVALID_ARGUMENT);
	/* In the past (an overdue report extended to yesterday). */
	assert_int_equal(
	    feedback_extend(cal, &s, end_of("2025-03-21"), d, "x", 0, &e),
	    HUES_INVALID_ARGUMENT);
	/* Too far away. */
	feedback_day_parse("2026-03-20", &d);
	assert_int_equal(
	    feedback_extend(cal, &s, t0, d, "x", 0, &e), HUES_INVALID_ARGUMENT);
	/* Too often. */
	feedback_day_parse("2025-03-20", &d);
	assert_int_equal(
	    feedback_extend(cal, &s, t0, d, "x", FEEDBACK_MAX_EXTENSIONS, &e),
	    HUES_FAILED_PRECONDITION);
	assert_int_equal(((unsigned char *) &e)[0], 0x5a);
	feedback_calendar_destroy(cal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sla_days),
		cmocka_unit_test(test_sla_calendar),
		cmocka_unit_test(test_sla_resolve_by),
		cmocka_unit_test(test_sla_working_days_between),
		cmocka_unit_test(test_sla_ack_and_flags),
		cmocka_unit_test(test_sla_extend),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
