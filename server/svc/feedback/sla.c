/*
 * sla.c - civil days in UTC+7, working-day arithmetic over a holiday list,
 * and the overdue rules of a report's two deadlines. Days are counted with
 * Howard Hinnant's days_from_civil, which is exact for the proleptic
 * Gregorian calendar and needs neither libc time zones nor locale.
 */
#include "svc/feedback/sla.h"

#include <stdlib.h>
#include <string.h>

#include "hues/status.h"
#include "svc/feedback/text.h"

struct feedback_calendar {
	feedback_day *holidays; /* sorted, unique, weekdays only */
	size_t        n;
};

/* Tết and the National Day follow the government's yearly decision; the
 * days here are the weekdays off for state offices. Swapped working
 * Saturdays are not modelled: list only days off. */
const char feedback_default_holidays[] =
    "2025-01-01\n"
    "2025-01-27 2025-01-28 2025-01-29 2025-01-30 2025-01-31\n"
    "2025-04-07 2025-04-30 2025-05-01 2025-09-01 2025-09-02\n"
    "2026-01-01\n"
    "2026-02-16 2026-02-17 2026-02-18 2026-02-19 2026-02-20\n"
    "2026-04-27 2026-04-30 2026-05-01 2026-09-01 2026-09-02\n";

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static feedback_day
days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int      era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned) (y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (feedback_day) (era * 146097 + (int) doe - 719468);
}

static void
civil_from_days(feedback_day z, int *y, unsigned *m, unsigned *d)
{
	int64_t  zz  = (int64_t) z + 719468;
	int64_t  era = floor_div(zz, 146097);
	unsigned doe = (unsigned) (zz - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp  = (5 * doy + 2) / 153;
	*d           = doy - (153 * mp + 2) / 5 + 1;
	*m           = mp < 10 ? mp + 3 : mp - 9;
	*y           = (int) (yoe + era * 400) + (*m <= 2);
}

static unsigned
days_in_month(int y, unsigned m)
{
	static const unsigned len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : len[m - 1];
}

static int
digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return HUES_INVALID_ARGUMENT;
		}
		v = v * 10 + (unsigned) (s[i] - '0');
	}
	*out = v;
	return HUES_OK;
}

int
feedback_day_parse(const char *s, feedback_day *out)
{
	unsigned y, m, d;
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &y) != HUES_OK || digits(s + 5, 2, &m) != HUES_OK ||
	    digits(s + 8, 2, &d) != HUES_OK) {
		return HUES_INVALID_ARGUMENT;
	}
	if (y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month((int) y, m)) {
		return HUES_INVALID_ARGUMENT;
	}
	*out = days_from_civil((int) y, m, d);
	return HUES_OK;
}

void
feedback_day_format(feedback_day day, char buf[11])
{
	int      y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	/* Years stay within 4 digits for any day a report can have; the
	 * modulo keeps the compiler sure of the buffer size. */
	buf[0]  = (char) ('0' + (y / 1000) % 10);
	buf[1]  = (char) ('0' + (y / 100) % 10);
	buf[2]  = (char) ('0' + (y / 10) % 10);
	buf[3]  = (char) ('0' + y % 10);
	buf[4]  = '-';
	buf[5]  = (char) ('0' + m / 10);
	buf[6]  = (char) ('0' + m % 10);
	buf[7]  = '-';
	buf[8]  = (char) ('0' + d / 10);
	buf[9]  = (char) ('0' + d % 10);
	buf[10] = '\0';
}

feedback_day
feedback_day_of(int64_t t)
{
	return (feedback_day) floor_div(t + FEEDBACK_TZ_OFFSET_S, 86400);
}

int
feedback_weekday(feedback_day d)
{
	/* 1970-01-01 was a Thursday. */
	return (int) (((int64_t) d % 7 + 7 + 4) % 7);
}

int64_t
feedback_day_end(feedback_day d)
{
	return ((int64_t) d + 1) * 86400 - FEEDBACK_TZ_OFFSET_S - 1;
}

static int
cmp_day(const void *a, const void *b)
{
	feedback_day x = *(const feedback_day *) a,
	             y = *(const feedback_day *) b;
	return x < y ? -1 : x > y;
}

static bool
is_weekend(feedback_day d)
{
	int w = feedback_weekday(d);
	return w == 0 || w == 6;
}

int
feedback_calendar_create(const char *holidays, feedback_calendar **out)
{
	size_t        cap  = holidays != NULL ? strlen(holidays) / 10 + 1 : 1;
	feedback_day *days = malloc(cap * sizeof(*days));
	size_t        n    = 0;
	if (days == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	for (const char *p = holidays; p != NULL && *p != '\0';) {
		size_t sep = strspn(p, ", \t\r\n");
		p += sep;
		size_t len = strcspn(p, ", \t\r\n");
		if (len == 0) {
			break;
		}
		char         word[11];
		feedback_day d;
		if (len != 10) {
			free(days);
			return HUES_INVALID_ARGUMENT;
		}
		memcpy(word, p, 10);
		word[10] = '\0';
		if (feedback_day_parse(word, &d) != HUES_OK) {
			free(days);
			return HUES_INVALID_ARGUMENT;
		}
		/* A holiday on a weekend changes no working day; a day off in
		 * lieu must be listed as a day of its own. */
		if (!is_weekend(d)) {
			days[n++] = d;
		}
		p += len;
	}
	qsort(days, n, sizeof(*days), cmp_day);
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		if (u == 0 || days[u - 1] != days[i]) {
			days[u++] = days[i];
		}
	}
	feedback_calendar *cal = malloc(sizeof(*cal));
	if (cal == NULL) {
		free(days);
		return HUES_RESOURCE_EXHAUSTED;
	}
	cal->holidays = days;
	cal->n        = u;
	*out          = cal;
	return HUES_OK;
}

void
feedback_calendar_destroy(feedback_calendar *cal)
{
	if (cal != NULL) {
		free(cal->holidays);
		free(cal);
	}
}

static bool
is_holiday(const feedback_calendar *cal, feedback_day d)
{
	return cal != NULL && cal->n > 0 &&
	       bsearch(&d, cal->holidays, cal->n, sizeof(d), cmp_day) != NULL;
}

bool
feedback_calendar_working(const feedback_calendar *cal, feedback_day d)
{
	return !is_weekend(d) && !is_holiday(cal, d);
}

int64_t
feedback_ack_by(int64_t submitted, uint32_t minutes)
{
	return submitted + (int64_t) minutes * 60;
}

int
feedback_resolve_by(
    const feedback_calendar *cal, int64_t start, uint32_t days, int64_t *out)
{
	if (days < 1 || days > FEEDBACK_MAX_RESOLVE_DAYS) {
		return HUES_INVALID_ARGUMENT;
	}
	feedback_day d = feedback_day_of(start);
	for (uint32_t left = days; left > 0;) {
		d++;
		if (feedback_calendar_working(cal, d)) {
			left--;
		}
	}
	*out = feedback_day_end(d);
	return HUES_OK;
}

/* Weekdays among the days before x, counted from the Monday 1970-01-05
 * (negative before it): weekdays in (a, b] = weekdays_before(b + 1) -
 * weekdays_before(a + 1). */
static int64_t
weekdays_before(int64_t x)
{
	int64_t k     = x - 4;
	int64_t weeks = floor_div(k, 7);
	int64_t rem   = k - weeks * 7;
	return weeks * 5 + (rem < 5 ? rem : 5);
}

/* Index of the first holiday >= d. */
static size_t
lower_bound(const feedback_calendar *cal, feedback_day d)
{
	size_t lo = 0, hi = cal->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cal->holidays[mid] < d) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

uint32_t
feedback_working_days_between(
    const feedback_calendar *cal, int64_t from, int64_t to)
{
	feedback_day a = feedback_day_of(from), b = feedback_day_of(to);
	if (b <= a) {
		return 0;
	}
	int64_t n =
	    weekdays_before((int64_t) b + 1) - weekdays_before((int64_t) a + 1);
	if (cal != NULL) {
		/* Holidays are stored on weekdays only, so each one in (a, b]
		 * takes exactly one working day away. */
		n -= (int64_t) (lower_bound(cal, b + 1) -
		                lower_bound(cal, a + 1));
	}
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t) n;
}

unsigned
feedback_sla_flags(const feedback_sla *sla, int64_t now)
{
	unsigned f = 0;
	if (sla->ack_by != 0) {
		if (sla->acknowledged_at == 0 && now > sla->ack_by) {
			f |= FEEDBACK_SLA_ACK_OVERDUE;
		} else if (sla->acknowledged_at > sla->ack_by) {
			f |= FEEDBACK_SLA_ACK_LATE;
		}
	}
	if (sla->resolve_by != 0) {
		if (sla->resolved_at == 0 && now > sla->resolve_by) {
			f |= FEEDBACK_SLA_RESOLVE_OVERDUE;
		} else if (sla->resolved_at > sla->resolve_by) {
			f |= FEEDBACK_SLA_RESOLVE_LATE;
		}
	}
	return f;
}

int
feedback_extend(const feedback_calendar *cal, const feedback_sla *sla,
    int64_t at, feedback_day new_day, const char *reason, size_t nextended,
    feedback_extension *out)
{
	if (nextended >= FEEDBACK_MAX_EXTENSIONS) {
		return HUES_FAILED_PRECONDITION;
	}
	int64_t due = feedback_day_end(new_day);
	if (feedback_text_blank(reason) || due <= sla->resolve_by ||
	    due <= at ||
	    feedback_working_days_between(cal, at, due) >
	        FEEDBACK_MAX_RESOLVE_DAYS) {
		return HUES_INVALID_ARGUMENT;
	}
	*out = (feedback_extension) {
		.at             = at,
		.old_resolve_by = sla->resolve_by,
		.new_resolve_by = due,
		.reason         = reason,
	};
	return HUES_OK;
}
