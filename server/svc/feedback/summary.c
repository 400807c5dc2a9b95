/*
 * summary.c - the summary kept in index values: what a scan needs of a
 * report (times, place, state, category, ward, agency) without loading
 * it. Fixed-width fields first, then three length-prefixed codes, so a
 * value decodes without allocation and a truncated one never does.
 */
#include <string.h>

#include "svc/feedback/fb.h"

static size_t
len_of(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

void
fb_summary_of(const Hues__V1__Report *r, uint64_t seq, fb_summary *out)
{
	const Hues__V1__GeoPoint *pt =
	    r->location != NULL ? r->location->point : NULL;
	const char *ward = r->location != NULL ? r->location->ward_code : NULL;

	*out = (fb_summary) {
	    .seq             = seq,
	    .submitted_at    = r->submitted_at,
	    .ack_by          = r->acknowledge_by,
	    .resolve_by      = r->resolve_by,
	    .acknowledged_at = r->acknowledged_at,
	    .resolved_at     = r->resolved_at,
	    .lat             = pt != NULL ? pt->latitude : 0,
	    .lon             = pt != NULL ? pt->longitude : 0,
	    .state           = (uint8_t) r->state,
	    .published       = r->published ? 1 : 0,
	    .rating = (uint8_t) (r->rating != NULL ? r->rating->rating : 0),
	    .reopen_count = (uint8_t) (r->reopen_count > 255 ? 255
	                                                     : r->reopen_count),
	    .category     = r->category,
	    .category_len = len_of(r->category),
	    .ward         = ward,
	    .ward_len     = len_of(ward),
	    .agency       = r->agency,
	    .agency_len   = len_of(r->agency),
	};
}

/* The layout: seq, five times, lat, lon (8 bytes each, host order: the
 * data dir is not portable between architectures, like LMDB's own), four
 * bytes, then three strings of a length byte and their bytes. */
static uint8_t *
put8(uint8_t *p, const void *v)
{
	memcpy(p, v, 8);
	return p + 8;
}

static uint8_t *
put_str(uint8_t *p, const char *s, size_t n)
{
	if (n > FEEDBACK_MAX_CODE) {
		n = FEEDBACK_MAX_CODE;
	}
	*p++ = (uint8_t) n;
	if (n > 0) {
		memcpy(p, s, n);
	}
	return p + n;
}

size_t
fb_summary_encode(const fb_summary *s, uint8_t buf[FB_SUMMARY_MAX])
{
	uint8_t *p = buf;
	p          = put8(p, &s->seq);
	p          = put8(p, &s->submitted_at);
	p          = put8(p, &s->ack_by);
	p          = put8(p, &s->resolve_by);
	p          = put8(p, &s->acknowledged_at);
	p          = put8(p, &s->resolved_at);
	p          = put8(p, &s->lat);
	p          = put8(p, &s->lon);
	*p++       = s->state;
	*p++       = s->published;
	*p++       = s->rating;
	*p++       = s->reopen_count;
	p          = put_str(p, s->category, s->category_len);
	p          = put_str(p, s->ward, s->ward_len);
	p          = put_str(p, s->agency, s->agency_len);
	return (size_t) (p - buf);
}

/* Where the summary in v ends, or NULL when it is truncated. */
static const uint8_t *
summary_end(const void *v, size_t n, fb_summary *out)
{
	const uint8_t *p   = v;
	const uint8_t *end = p + n;

	if (n < 8 * 8 + 4 + 3) {
		return NULL;
	}
	memcpy(&out->seq, p, 8);
	memcpy(&out->submitted_at, p + 8, 8);
	memcpy(&out->ack_by, p + 16, 8);
	memcpy(&out->resolve_by, p + 24, 8);
	memcpy(&out->acknowledged_at, p + 32, 8);
	memcpy(&out->resolved_at, p + 40, 8);
	memcpy(&out->lat, p + 48, 8);
	memcpy(&out->lon, p + 56, 8);
	p += 64;
	out->state        = *p++;
	out->published    = *p++;
	out->rating       = *p++;
	out->reopen_count = *p++;
	const char **strs[3] = {&out->category, &out->ward, &out->agency};
	size_t      *lens[3] = {&out->category_len, &out->ward_len,
	         &out->agency_len};
	for (int i = 0; i < 3; i++) {
		if (p >= end || (size_t) (end - p) < 1u + *p) {
			return NULL;
		}
		*lens[i] = *p;
		*strs[i] = (const char *) p + 1;
		p += 1 + *lens[i];
	}
	return p;
}

bool
fb_summary_decode(const void *v, size_t n, fb_summary *out)
{
	return summary_end(v, n, out) != NULL;
}

/* The tail: the user's length (2 bytes, big-endian), the user, the
 * key's length (1 byte), the key. */
size_t
fb_owner_encode(const fb_owner *w, uint8_t *buf)
{
	if (w->user_len > FB_OWNER_USER_MAX || w->key_len > FB_OWNER_KEY_MAX) {
		return 0;
	}
	uint8_t *p = buf;
	*p++       = (uint8_t) (w->user_len >> 8);
	*p++       = (uint8_t) w->user_len;
	if (w->user_len > 0) {
		memcpy(p, w->user, w->user_len);
	}
	p += w->user_len;
	*p++ = (uint8_t) w->key_len;
	if (w->key_len > 0) {
		memcpy(p, w->key, w->key_len);
	}
	return (size_t) (p + w->key_len - buf);
}

bool
fb_owner_decode(const void *v, size_t n, fb_owner *out)
{
	fb_summary     s;
	const uint8_t *end = (const uint8_t *) v + n;
	const uint8_t *p   = summary_end(v, n, &s);

	if (p == NULL || end - p < 3) {
		return false;
	}
	out->user_len = (size_t) p[0] << 8 | p[1];
	p += 2;
	if ((size_t) (end - p) < out->user_len + 1) {
		return false;
	}
	out->user = (const char *) p;
	p += out->user_len;
	out->key_len = *p++;
	if ((size_t) (end - p) != out->key_len) {
		return false;
	}
	out->key = (const char *) p;
	return true;
}

bool
fb_summary_is(const char *field, size_t len, const char *s)
{
	size_t n = len_of(s);
	return n == len && (n == 0 || memcmp(field, s, n) == 0);
}
