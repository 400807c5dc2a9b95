/*
 * text.c - a strict UTF-8 decoder after RFC 3629 section 4: the ranges of
 * the second byte are what excludes overlong forms (E0, F0), surrogates
 * (ED) and code points above U+10FFFF (F4), so no decoded value needs a
 * second look.
 */
#include "svc/feedback/text.h"

#include <stdint.h>
#include <string.h>

/* Decodes one code point at s[0 .. len - 1]; returns its length in bytes
 * and sets *cp, or 0 for an ill-formed sequence. */
static size_t
decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char b = s[0];
	size_t        n;
	unsigned char lo = 0x80, hi = 0xbf;
	uint32_t      v;
	if (b < 0x80) {
		*cp = b;
		return 1;
	} else if (b >= 0xc2 && b <= 0xdf) {
		n = 2;
		v = b & 0x1fu;
	} else if (b >= 0xe0 && b <= 0xef) {
		n  = 3;
		v  = b & 0x0fu;
		lo = b == 0xe0 ? 0xa0 : 0x80; /* overlong */
		hi = b == 0xed ? 0x9f : 0xbf; /* surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		n  = 4;
		v  = b & 0x07u;
		lo = b == 0xf0 ? 0x90 : 0x80; /* overlong */
		hi = b == 0xf4 ? 0x8f : 0xbf; /* above U+10FFFF */
	} else {
		return 0; /* 80..C1 (continuation, overlong lead) and F5..FF */
	}
	if (len < n || s[1] < lo || s[1] > hi) {
		return 0;
	}
	v = v << 6 | (s[1] & 0x3fu);
	for (size_t i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf) {
			return 0;
		}
		v = v << 6 | (s[i] & 0x3fu);
	}
	*cp = v;
	return n;
}

feedback_text_error
feedback_text_check(const char *s, size_t len, unsigned flags, size_t *nchars)
{
	const unsigned char *p     = (const unsigned char *) s;
	size_t               count = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t   n = decode(p + i, len - i, &cp);
		if (n == 0) {
			return FEEDBACK_TEXT_BAD_UTF8;
		}
		if (cp == '\t' || cp == '\n' || cp == '\r') {
			if (flags & FEEDBACK_TEXT_SINGLE_LINE) {
				return FEEDBACK_TEXT_NEWLINE;
			}
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			return FEEDBACK_TEXT_CONTROL;
		}
		i += n;
		count++;
	}
	*nchars = count;
	return FEEDBACK_TEXT_OK;
}

bool
feedback_utf8_valid(const char *s)
{
	const unsigned char *p   = (const unsigned char *) s;
	size_t               len = strlen(s);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t   n = decode(p + i, len - i, &cp);
		if (n == 0) {
			return false;
		}
		i += n;
	}
	return true;
}

bool
feedback_text_blank(const char *s)
{
	return s == NULL || s[strspn(s, " \t\r\n")] == '\0';
}
