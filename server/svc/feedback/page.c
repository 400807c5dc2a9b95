/*
 * page.c - opaque page tokens: base64url (no padding) of a version byte,
 * the method's kind, a hash of the request's filters and the cursor (the
 * last key returned). The hash makes a token from another query fail
 * cleanly instead of paging through the wrong results.
 */
#include <string.h>

#include "svc/feedback/fb.h"
#include "svc/feedback/validate.h"

#define TOKEN_VERSION 1
#define HEADER        6 /* version, kind, 4 bytes of hash */
#define MAX_CURSOR    STORE_KEY_MAX

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

uint32_t
fb_page_hash(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	if (h == 0) {
		h = 2166136261u; /* FNV-1a 32 offset basis */
	}
	for (size_t i = 0; i < n; i++) {
		h = (h ^ b[i]) * 16777619u;
	}
	return h;
}

uint32_t
fb_page_hash_str(uint32_t h, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	h        = fb_page_hash(h, &n, sizeof(n));
	return fb_page_hash(h, s != NULL ? s : "", n);
}

char *
fb_page_token(svc_call *call, fb_page_kind kind, uint32_t filters,
    const void *last, size_t n)
{
	uint8_t raw[HEADER + MAX_CURSOR];

	if (n > MAX_CURSOR) {
		n = MAX_CURSOR;
	}
	raw[0] = TOKEN_VERSION;
	raw[1] = (uint8_t) kind;
	memcpy(raw + 2, &filters, 4);
	memcpy(raw + HEADER, last, n);
	n += HEADER;

	char  *out = call_alloc(call, (n * 4 + 2) / 3 + 1);
	size_t o   = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t) raw[i] << 16;
		if (i + 1 < n) {
			v |= (uint32_t) raw[i + 1] << 8;
		}
		if (i + 2 < n) {
			v |= raw[i + 2];
		}
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		if (i + 1 < n) {
			out[o++] = b64[(v >> 6) & 63];
		}
		if (i + 2 < n) {
			out[o++] = b64[v & 63];
		}
	}
	out[o] = '\0';
	return out;
}

static int
b64_value(char c)
{
	const char *p = c != '\0' ? strchr(b64, c) : NULL;
	return p != NULL ? (int) (p - b64) : -1;
}

static int
bad_token(svc_call *call)
{
	call_violation(call, "page_token",
	    "not a token this query returned; pass next_page_token unchanged");
	return call_invalid(call);
}

int
fb_page_parse(svc_call *call, const char *token, fb_page_kind kind,
    uint32_t filters, const void **last, size_t *n)
{
	size_t len = token != NULL ? strlen(token) : 0;

	*n    = 0;
	*last = NULL;
	if (len == 0) {
		return HUES_OK;
	}
	if (len % 4 == 1 || len > ((HEADER + MAX_CURSOR) * 4 + 2) / 3) {
		return bad_token(call);
	}
	uint8_t *raw = call_alloc(call, len);
	size_t   o   = 0;
	uint32_t acc = 0;
	int      bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(token[i]);
		if (v < 0) {
			return bad_token(call);
		}
		acc = (acc << 6) | (uint32_t) v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			raw[o++] = (uint8_t) (acc >> bits);
		}
	}
	uint32_t h;
	if (o < HEADER || raw[0] != TOKEN_VERSION || raw[1] != (uint8_t) kind) {
		return bad_token(call);
	}
	memcpy(&h, raw + 2, 4);
	if (h != filters) {
		call_violation(call, "page_token",
		    "this token belongs to a query with other filters");
		return call_invalid(call);
	}
	*last = raw + HEADER;
	*n    = o - HEADER;
	if (*n == 0) {
		return bad_token(call);
	}
	return HUES_OK;
}

int
fb_page_seq(svc_call *call, const void *last, size_t n, uint64_t *seq)
{
	if (n != sizeof(*seq)) {
		call_violation(call, "page_token", "malformed");
		return call_invalid(call);
	}
	memcpy(seq, last, sizeof(*seq));
	return HUES_OK;
}

int
fb_page_size(svc_call *call, int32_t requested, uint32_t *out)
{
	return feedback_page_size(call, requested, out);
}
