/*
 * b64url.c - base64url (RFC 4648 section 5) without padding, as JWTs use
 * it. The decoder is strict: a character outside the alphabet, a length no
 * encoding produces or non-zero leftover bits make it fail, so that one
 * token has exactly one spelling.
 */
#include <stdlib.h>
#include <string.h>

#include "auth/internal.h"
#include "hues/status.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The 6-bit value of c, or -1. */
static int
value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 26;
	}
	if (c >= '0' && c <= '9') {
		return c - '0' + 52;
	}
	if (c == '-') {
		return 62;
	}
	if (c == '_') {
		return 63;
	}
	return -1;
}

bool
auth__b64url_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (value((unsigned char) s[i]) < 0) {
			return false;
		}
	}
	return true;
}

int
auth__b64url_decode(
    const char *s, size_t n, unsigned char **out, size_t *outlen)
{
	if (n % 4 == 1) {
		return HUES_INVALID_ARGUMENT;
	}
	unsigned char *buf = malloc(n / 4 * 3 + 3);
	if (buf == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	size_t   len  = 0;
	uint32_t acc  = 0;
	int      bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = value((unsigned char) s[i]);
		if (v < 0) {
			free(buf);
			return HUES_INVALID_ARGUMENT;
		}
		acc = (acc << 6) | (uint32_t) v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[len++] = (unsigned char) (acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0) {
		free(buf);
		return HUES_INVALID_ARGUMENT;
	}
	buf[len] = '\0';
	*out     = buf;
	*outlen  = len;
	return HUES_OK;
}

char *
auth__b64url_encode(const void *p, size_t n)
{
	const unsigned char *in   = p;
	char                *out  = malloc(n / 3 * 4 + 5);
	size_t               len  = 0;
	uint32_t             acc  = 0;
	int                  bits = 0;

	if (out == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[len++] = alphabet[(acc >> bits) & 63];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits > 0) {
		out[len++] = alphabet[(acc << (6 - bits)) & 63];
	}
	out[len] = '\0';
	return out;
}
