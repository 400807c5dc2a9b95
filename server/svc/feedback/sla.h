/*
 * sla.h - deadlines of a report: acknowledge-by (minutes after submission,
 * round the clock) and resolve-by (the end of the Nth working day after
 * submission, in Asia/Ho_Chi_Minh: UTC+7 all year, no DST), overdue flags
 * per step, and deadline extensions. Times are Unix seconds passed in by
 * the caller: nothing here reads the clock. Any thread; a calendar is
 * immutable once made.
 */
#ifndef HUES_SVC_FEEDBACK_SLA_H
#define HUES_SVC_FEEDBACK_SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Asia/Ho_Chi_Minh has been UTC+7 without DST since 1975. */
#define FEEDBACK_TZ_OFFSET_S (7 * 3600)

/* The defaults of a category that sets none (the Hue-S rule). */
#define FEEDBACK_DEFAULT_ACK_MINUTES  30
#define FEEDBACK_DEFAULT_RESOLVE_DAYS 7
/* Bounds on what a category may ask for. */
#define FEEDBACK_MAX_ACK_MINUTES  (7 * 24 * 60)
#define FEEDBACK_MAX_RESOLVE_DAYS 120
/* How many times one report's deadline may be extended. */
#define FEEDBACK_MAX_EXTENSIONS 3

/* A local civil day: days since 1970-01-01 in UTC+7. */
typedef int32_t feedback_day;

/* Working days: Monday to Friday, minus the holidays. */
typedef struct feedback_calendar feedback_calendar;

/*
 * Makes a calendar from a list of holidays "YYYY-MM-DD", separated by
 * commas, spaces or newlines (the --holidays flag, or a file's text); NULL
 * or "" makes a calendar with weekends only. Returns HUES_OK and sets *out
 * (free it with feedback_calendar_destroy()), HUES_INVALID_ARGUMENT for a
 * date that is not a real day (*out untouched), or HUES_RESOURCE_EXHAUSTED.
 */
int feedback_calendar_create(const char *holidays, feedback_calendar **out);

/* Frees a calendar; NULL is fine. */
void feedback_calendar_destroy(feedback_calendar *cal);

/* The demo list of Vietnamese public holidays (2025 and 2026, days off
 * for state offices), in the format feedback_calendar_create() reads.
 * The official list changes every year: operators configure their own. */
extern const char feedback_default_holidays[];

/* Whether day is a working day in cal. */
bool feedback_calendar_working(const feedback_calendar *cal, feedback_day d);

/* Parses "YYYY-MM-DD" (exactly that form, a real date, years 1970-9999).
 * Returns HUES_OK and sets *out, or HUES_INVALID_ARGUMENT. */
int feedback_day_parse(const char *s, feedback_day *out);

/* Formats d as "YYYY-MM-DD" into buf (at least 11 bytes). */
void feedback_day_format(feedback_day d, char buf[11]);

/* The local day of Unix time t, and its weekday (0 Sunday .. 6 Saturday). */
feedback_day feedback_day_of(int64_t t);
int          feedback_weekday(feedback_day d);

/* The last second of local day d (23:59:59 UTC+7), as Unix time. */
int64_t feedback_day_end(feedback_day d);

/* submitted + minutes. */
int64_t feedback_ack_by(int64_t submitted, uint32_t minutes);

/*
 * The end (23:59:59 local) of the days-th working day after the local day
 * of start; the day of start never counts, even when it is a working day.
 * Returns HUES_OK and sets *out, or HUES_INVALID_ARGUMENT for days outside
 * 1 .. FEEDBACK_MAX_RESOLVE_DAYS.
 */
int feedback_resolve_by(
    const feedback_calendar *cal, int64_t start, uint32_t days, int64_t *out);

/* Working days strictly after the day of from, up to and including the day
 * of to; 0 when to's day is not after from's. */
uint32_t feedback_working_days_between(
    const feedback_calendar *cal, int64_t from, int64_t to);

/* The deadlines of one report and when each step was done (0: not yet). */
typedef struct feedback_sla {
	int64_t ack_by;
	int64_t resolve_by;
	int64_t acknowledged_at;
	int64_t resolved_at;
} feedback_sla;

/* Overdue flags. *_OVERDUE: not done and past due at `now`; *_LATE: done,
 * after the due time. */
enum {
	FEEDBACK_SLA_ACK_OVERDUE     = 1u << 0,
	FEEDBACK_SLA_ACK_LATE        = 1u << 1,
	FEEDBACK_SLA_RESOLVE_OVERDUE = 1u << 2,
	FEEDBACK_SLA_RESOLVE_LATE    = 1u << 3,
};

/* The flags of sla at now. A due time of 0 never makes a flag. */
unsigned feedback_sla_flags(const feedback_sla *sla, int64_t now);

/* A deadline extension, as recorded in the report. reason is borrowed. */
typedef struct feedback_extension {
	int64_t     at;
	int64_t     old_resolve_by;
	int64_t     new_resolve_by;
	const char *reason;
} feedback_extension;

/*
 * Checks an extension of sla's resolve-by to the end of local day
 * new_day, asked at time at, by a report that has been extended nextended
 * times already. Returns HUES_OK and fills *out; HUES_INVALID_ARGUMENT
 * when the new date is not later than the current deadline or than today,
 * or more than FEEDBACK_MAX_RESOLVE_DAYS working days away, or reason is
 * empty; HUES_FAILED_PRECONDITION after FEEDBACK_MAX_EXTENSIONS. *out is
 * untouched on failure.
 */
int feedback_extend(const feedback_calendar *cal, const feedback_sla *sla,
    int64_t at, feedback_day new_day, const char *reason, size_t nextended,
    feedback_extension *out);

#endif /* HUES_SVC_FEEDBACK_SLA_H */
