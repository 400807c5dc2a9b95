/*
 * validate.h - the checks of the feedback requests, as field violations on
 * the call (google.rpc.BadRequest style, then INVALID_ARGUMENT), so that a
 * handler validates everything before it writes anything. Inputs are plain
 * C views of the request messages, which the handler fills from its
 * protobuf-c request; field names are the proto paths ("location.point",
 * "attributes[2].values[0]"). docs/feedback.md lists the limits.
 *
 * The check_* functions add a violation per problem and return whether
 * they found none; the validate_* ones return HUES_OK or, after adding the
 * violations, HUES_INVALID_ARGUMENT through call_invalid(), and write
 * their out-parameter only on success. Threads: as the call's.
 */
#ifndef HUES_SVC_FEEDBACK_VALIDATE_H
#define HUES_SVC_FEEDBACK_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svc/call.h"
#include "svc/feedback/catalog.h"
#include "svc/feedback/geo.h"
#include "svc/feedback/state.h"

/* Limits, in characters (code points) unless said. */
#define FEEDBACK_MAX_TITLE           200
#define FEEDBACK_MAX_DESCRIPTION     4000
#define FEEDBACK_MAX_ADDRESS         300
#define FEEDBACK_MAX_NOTE            2000 /* notes, comments, answers */
#define FEEDBACK_MAX_RATING_COMMENT  1000
#define FEEDBACK_MAX_STRING_ATTR     200
#define FEEDBACK_MAX_TEXT_ATTR       4000
#define FEEDBACK_MAX_MEDIA           6
#define FEEDBACK_MAX_URL             2048 /* bytes */
#define FEEDBACK_MAX_MEDIA_ID        64   /* bytes */
#define FEEDBACK_MAX_IDEMPOTENCY_KEY 128  /* bytes */
#define FEEDBACK_PAGE_DEFAULT        20
#define FEEDBACK_PAGE_MAX            100
/* The widest PublicFeed box, in degrees each way (the whole province). */
#define FEEDBACK_MAX_BBOX_DEG 2.0

/* A media reference: exactly one of url and media_id is set. */
typedef struct feedback_media_input {
	const char *url;
	const char *media_id;
	const char *content_type;
} feedback_media_input;

typedef struct feedback_attr_input {
	const char        *code;
	const char *const *values;
	size_t             nvalues;
} feedback_attr_input;

/* SubmitReportRequest, as the checks need it. NULL strings count as "". */
typedef struct feedback_report_input {
	const char                 *category;
	const char                 *title;
	const char                 *description;
	bool                        has_point; /* location.point is present */
	feedback_point              point;
	const char                 *address;
	const char                 *ward;
	const feedback_media_input *media;
	size_t                      nmedia;
	const feedback_attr_input  *attrs;
	size_t                      nattrs;
	const char                 *idempotency_key;
	bool anonymous; /* no user behind the call (not "hide my name") */
} feedback_report_input;

/* What a valid report resolves to; the pointers are the catalog's. */
typedef struct feedback_report_plan {
	const feedback_category *category;
	const feedback_ward     *ward;   /* NULL when none was given */
	const feedback_agency   *agency; /* NULL: the centre routes by hand */
	char                     geohash[FEEDBACK_GEO_INDEX_PRECISION + 1];
} feedback_report_plan;

/*
 * Checks text s (NULL counts as "") of field: valid UTF-8 without control
 * characters (one line with FEEDBACK_TEXT_SINGLE_LINE), min_chars ..
 * max_chars characters (min_chars 1 means required; blank counts as
 * missing then).
 */
bool feedback_check_text(svc_call *call, const char *field, const char *s,
    size_t min_chars, size_t max_chars, unsigned flags);

/* Checks a location: the point present, valid and inside area; the
 * address; the ward, known and active when given. prefix names the
 * location field ("location"). */
bool feedback_check_location(svc_call *call, const char *prefix,
    const feedback_catalog *cat, const feedback_area *area, bool has_point,
    feedback_point p, const char *address, const char *ward);

/* Checks up to FEEDBACK_MAX_MEDIA references of field (e.g. "media"):
 * https URLs or media ids, and an allowed content type each. */
bool feedback_check_media(svc_call *call, const char *field,
    const feedback_media_input *media, size_t n);

/* Whether content_type is one a report may carry (image/jpeg, image/png,
 * image/webp, image/heic, video/mp4). */
bool feedback_content_type_allowed(const char *content_type);

/* Checks attributes against c's definitions: known codes given once, the
 * value count and syntax of each datatype, list values among the
 * options, every required attribute present. */
bool feedback_check_attributes(svc_call *call, const feedback_category *c,
    const feedback_attr_input *attrs, size_t n);

/* Whether s is a decimal number ("-12", "3.5", "1e3"; no spaces, hex,
 * inf or nan), and whether it is an RFC 3339 date-time with an offset
 * ("2025-03-01T08:30:00+07:00", fractions allowed). */
bool feedback_number_valid(const char *s);
bool feedback_datetime_valid(const char *s);

/* Checks the public note of act in field: present when the action needs
 * one (a reason, a question, an answer), at most FEEDBACK_MAX_NOTE. */
bool feedback_check_note(
    svc_call *call, const char *field, feedback_action act, const char *note);

/*
 * Validates a SubmitReport request against the catalog and the service
 * area, and resolves its category, ward and agency (routing) and geohash.
 * Returns HUES_OK and fills *out, or HUES_INVALID_ARGUMENT.
 */
int feedback_validate_report(svc_call *call, const feedback_catalog *cat,
    const feedback_area *area, const feedback_report_input *in,
    feedback_report_plan *out);

/* A page size: 0 gives FEEDBACK_PAGE_DEFAULT, above FEEDBACK_PAGE_MAX
 * gives the maximum, negative is INVALID_ARGUMENT ("page_size"). */
int feedback_page_size(svc_call *call, int32_t requested, uint32_t *out);

/* PublicFeed areas: a circle of 1 .. FEEDBACK_MAX_RADIUS_M metres around a
 * valid point; a valid box at most FEEDBACK_MAX_BBOX_DEG each way. */
bool feedback_check_circle(svc_call *call, const char *field, bool has_center,
    feedback_point center, uint32_t radius_m);
bool feedback_check_bbox(
    svc_call *call, const char *field, const feedback_bbox *b);

/* An admin's category, with the problems of feedback_category_problems()
 * as violations under field (e.g. "category"), and a default agency that
 * cat must know. Returns HUES_OK or HUES_INVALID_ARGUMENT. */
int feedback_validate_category(svc_call *call, const char *field,
    const feedback_catalog *cat, const feedback_category *c);

#endif /* HUES_SVC_FEEDBACK_VALIDATE_H */
