/*
 * validate.c - request checks of the feedback service: texts, locations,
 * media, notes, paging and feed areas, and the whole of SubmitReport.
 * Every check runs even after one has failed, so that a client learns all
 * of its mistakes from one reply.
 */
#include "svc/feedback/validate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "svc/feedback/text.h"

static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

bool
feedback_check_text(svc_call *call, const char *field, const char *s,
    size_t min_chars, size_t max_chars, unsigned flags)
{
	size_t n = 0;
	s        = str(s);
	switch (feedback_text_check(s, strlen(s), flags, &n)) {
	case FEEDBACK_TEXT_OK: break;
	case FEEDBACK_TEXT_BAD_UTF8:
		call_violation(call, field, "is not valid UTF-8");
		return false;
	case FEEDBACK_TEXT_CONTROL:
		call_violation(call, field, "contains a control character");
		return false;
	case FEEDBACK_TEXT_NEWLINE:
		call_violation(call, field, "must be a single line");
		return false;
	}
	if (min_chars > 0 && feedback_text_blank(s)) {
		call_violation(call, field, "is required");
		return false;
	}
	if (n < min_chars) {
		call_violation(
		    call, field, "is shorter than %zu characters", min_chars);
		return false;
	}
	if (n > max_chars) {
		call_violation(
		    call, field, "is longer than %zu characters", max_chars);
		return false;
	}
	return true;
}

bool
feedback_check_location(svc_call *call, const char *prefix,
    const feedback_catalog *cat, const feedback_area *area, bool has_point,
    feedback_point p, const char *address, const char *ward)
{
	char f[64];
	bool ok = true;
	snprintf(f, sizeof(f), "%s.point", prefix);
	if (!has_point) {
		call_violation(call, f, "is required");
		ok = false;
	} else if (!(isfinite(p.lat) && p.lat >= -90 && p.lat <= 90)) {
		snprintf(f, sizeof(f), "%s.point.latitude", prefix);
		call_violation(call, f, "must be between -90 and 90");
		ok = false;
	} else if (!(isfinite(p.lon) && p.lon >= -180 && p.lon <= 180)) {
		snprintf(f, sizeof(f), "%s.point.longitude", prefix);
		call_violation(call, f, "must be between -180 and 180");
		ok = false;
	} else if (!feedback_area_contains(area, p)) {
		call_violation(call, f, "is outside the service area");
		ok = false;
	}
	snprintf(f, sizeof(f), "%s.address", prefix);
	ok &= feedback_check_text(call, f, address, 0, FEEDBACK_MAX_ADDRESS,
	    FEEDBACK_TEXT_SINGLE_LINE);
	if (*str(ward) != '\0') {
		const feedback_ward *w = feedback_catalog_ward(cat, ward);
		snprintf(f, sizeof(f), "%s.ward_code", prefix);
		if (w == NULL || !w->active) {
			call_violation(call, f, "is not a known ward");
			ok = false;
		}
	}
	return ok;
}

bool
feedback_content_type_allowed(const char *content_type)
{
	static const char *const allowed[] = { "image/jpeg", "image/png",
		"image/webp", "image/heic", "video/mp4" };
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if (strcmp(str(content_type), allowed[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* An https URL with a host, in printable ASCII (clients percent-encode). */
static bool
url_ok(const char *u)
{
	size_t n = strlen(u);
	if (n > FEEDBACK_MAX_URL || strncmp(u, "https://", 8) != 0 || n == 8 ||
	    u[8] == '/') {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (u[i] <= 0x20 || u[i] >= 0x7f) {
			return false;
		}
	}
	return true;
}

static bool
media_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n < 1 || n > FEEDBACK_MAX_MEDIA_ID) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '_' || c == '-')) {
			return false;
		}
	}
	return true;
}

bool
feedback_check_media(svc_call *call, const char *field,
    const feedback_media_input *media, size_t n)
{
	if (n > FEEDBACK_MAX_MEDIA) {
		call_violation(call, field, "more than %d media references",
		    FEEDBACK_MAX_MEDIA);
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		const char *url = str(media[i].url),
		           *id  = str(media[i].media_id);
		char f[64];
		if ((*url != '\0') == (*id != '\0')) {
			snprintf(f, sizeof(f), "%s[%zu]", field, i);
			call_violation(
			    call, f, "needs either a url or a media_id");
			ok = false;
		} else if (*url != '\0' && !url_ok(url)) {
			snprintf(f, sizeof(f), "%s[%zu].url", field, i);
			call_violation(call, f,
			    "must be an https URL of at most %d bytes",
			    FEEDBACK_MAX_URL);
			ok = false;
		} else if (*id != '\0' && !media_id_ok(id)) {
			snprintf(f, sizeof(f), "%s[%zu].media_id", field, i);
			call_violation(call, f,
			    "must be 1-64 characters of A-Z, a-z, 0-9, '_', "
			    "'-'");
			ok = false;
		}
		if (!feedback_content_type_allowed(media[i].content_type)) {
			snprintf(
			    f, sizeof(f), "%s[%zu].content_type", field, i);
			call_violation(
			    call, f, "is not an allowed content type");
			ok = false;
		}
	}
	return ok;
}

bool
feedback_check_note(
    svc_call *call, const char *field, feedback_action act, const char *note)
{
	return feedback_check_text(call, field, note,
	    feedback_action_needs_note(act) ? 1 : 0, FEEDBACK_MAX_NOTE, 0);
}

static bool
idempotency_key_ok(const char *k)
{
	size_t n = strlen(k);
	if (n > FEEDBACK_MAX_IDEMPOTENCY_KEY) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (k[i] <= 0x20 || k[i] >= 0x7f) {
			return false;
		}
	}
	return true;
}

int
feedback_validate_report(svc_call *call, const feedback_catalog *cat,
    const feedback_area *area, const feedback_report_input *in,
    feedback_report_plan *out)
{
	bool                     ok = true;
	const feedback_category *c  = NULL;
	if (*str(in->category) == '\0') {
		call_violation(call, "category", "is required");
		ok = false;
	} else if ((c = feedback_catalog_category(cat, in->category)) == NULL ||
	           !c->active) {
		call_violation(call, "category", "is not a known category");
		c  = NULL;
		ok = false;
	} else if (in->anonymous && !c->anonymous_allowed) {
		call_violation(
		    call, "category", "does not accept anonymous reports");
		ok = false;
	}
	ok &= feedback_check_text(call, "title", in->title, 1,
	    FEEDBACK_MAX_TITLE, FEEDBACK_TEXT_SINGLE_LINE);
	ok &= feedback_check_text(call, "description", in->description, 0,
	    FEEDBACK_MAX_DESCRIPTION, 0);
	ok &= feedback_check_location(call, "location", cat, area,
	    in->has_point, in->point, in->address, in->ward);
	ok &= feedback_check_media(call, "media", in->media, in->nmedia);
	/* Attributes only mean something against a known category. */
	if (c != NULL) {
		ok &= feedback_check_attributes(call, c, in->attrs, in->nattrs);
	}
	if (!idempotency_key_ok(str(in->idempotency_key))) {
		call_violation(call, "idempotency_key",
		    "must be at most %d printable ASCII characters",
		    FEEDBACK_MAX_IDEMPOTENCY_KEY);
		ok = false;
	}
	if (!ok) {
		return call_invalid(call);
	}
	feedback_report_plan plan = { .category = c };
	if (*str(in->ward) != '\0') {
		plan.ward = feedback_catalog_ward(cat, in->ward);
	}
	/* No agency is no error: the centre routes such reports by hand. */
	if (feedback_catalog_route(cat, c->code, in->ward, &plan.agency) !=
	    HUES_OK) {
		plan.agency = NULL;
	}
	feedback_geohash_encode(
	    in->point, FEEDBACK_GEO_INDEX_PRECISION, plan.geohash);
	*out = plan;
	return HUES_OK;
}

int
feedback_page_size(svc_call *call, int32_t requested, uint32_t *out)
{
	if (requested < 0) {
		call_violation(call, "page_size", "must not be negative");
		return call_invalid(call);
	}
	*out = requested == 0                  ? FEEDBACK_PAGE_DEFAULT
	       : requested > FEEDBACK_PAGE_MAX ? FEEDBACK_PAGE_MAX
	                                       : (uint32_t) requested;
	return HUES_OK;
}

bool
feedback_check_circle(svc_call *call, const char *field, bool has_center,
    feedback_point center, uint32_t radius_m)
{
	char f[64];
	bool ok = true;
	snprintf(f, sizeof(f), "%s.center", field);
	if (!has_center) {
		call_violation(call, f, "is required");
		ok = false;
	} else if (!feedback_point_valid(center)) {
		call_violation(call, f, "is not a valid point");
		ok = false;
	}
	if (radius_m < 1 || radius_m > FEEDBACK_MAX_RADIUS_M) {
		snprintf(f, sizeof(f), "%s.radius_m", field);
		call_violation(
		    call, f, "must be between 1 and %d", FEEDBACK_MAX_RADIUS_M);
		ok = false;
	}
	return ok;
}

bool
feedback_check_bbox(svc_call *call, const char *field, const feedback_bbox *b)
{
	if (!feedback_bbox_valid(b)) {
		call_violation(call, field,
		    "needs valid corners with south <= north and west <= east");
		return false;
	}
	if (b->north - b->south > FEEDBACK_MAX_BBOX_DEG ||
	    b->east - b->west > FEEDBACK_MAX_BBOX_DEG) {
		call_violation(call, field, "spans more than %.1f degrees",
		    FEEDBACK_MAX_BBOX_DEG);
		return false;
	}
	return true;
}

typedef struct prefixed {
	svc_call   *call;
	const char *prefix;
} prefixed;

static void
add_problem(void *arg, const char *field, const char *description)
{
	prefixed *p = arg;
	char      f[96];
	snprintf(f, sizeof(f), "%s.%s", p->prefix, field);
	call_violation(p->call, f, "%s", description);
}

int
feedback_validate_category(svc_call *call, const char *field,
    const feedback_catalog *cat, const feedback_category *c)
{
	prefixed p = { call, field };
	size_t   n = feedback_category_problems(c, add_problem, &p);
	if (*str(c->default_agency) != '\0' &&
	    feedback_catalog_agency(cat, c->default_agency) == NULL) {
		add_problem(&p, "default_agency", "is not a known agency");
		n++;
	}
	return n > 0 ? call_invalid(call) : HUES_OK;
}
