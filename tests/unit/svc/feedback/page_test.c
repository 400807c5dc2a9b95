/*
 * page_test.c - page tokens (docs/feedback.md, "Page tokens"): a token
 * round-trips its cursor for every method, "" is the first page, and a
 * token of another method or other filters, or one that does not decode,
 * is INVALID_ARGUMENT on page_token without reading past its bytes; page
 * sizes default, clamp and refuse negatives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "store/key.h"
#include "svc/call_impl.h"
#include "svc/feedback/fb.h"

static const fb_page_kind kinds[] = { FB_PAGE_MINE, FB_PAGE_FEED_NEAR,
	FB_PAGE_FEED_BOX, FB_PAGE_FEED_TIME, FB_PAGE_QUEUE, FB_PAGE_OUTBOX,
	FB_PAGE_CATEGORIES, FB_PAGE_AGENCIES, FB_PAGE_WARDS, FB_PAGE_ROUTES };
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* The token's layout (page.c): version, kind, 4 bytes of filter hash. */
#define HEADER 6

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

typedef struct fixture {
	arena    a;
	svc_call call;
} fixture;

static int
setup(void **state)
{
	static fixture f;
	arena_init(&f.a, 8192);
	call_init(&f.call, &f.a, NULL, NULL, NULL);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;
	arena_fini(&f->a);
	return 0;
}

/* A fresh call for each check. */
static svc_call *
fresh(fixture *f)
{
	arena_reset(&f->a);
	call_init(&f->call, &f->a, NULL, NULL, NULL);
	return &f->call;
}

static bool
has_violation(const svc_call *call, const char *field, const char *part)
{
	for (size_t i = 0; i < call->nviolations; i++) {
		if (strcmp(call->violations[i].field, field) == 0 &&
		    strstr(call->violations[i].description, part) != NULL) {
			return true;
		}
	}
	return false;
}

/* Base64url without padding, as page.c writes it: for forging tokens. */
static char *
encode(svc_call *call, const uint8_t *raw, size_t n)
{
	char  *out = call_alloc(call, (n * 4 + 2) / 3 + 1);
	size_t o   = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t) raw[i] << 16;
		v |= i + 1 < n ? (uint32_t) raw[i + 1] << 8 : 0;
		v |= i + 2 < n ? raw[i + 2] : 0;
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		if (i + 1 < n) {
			out[o++] = b64url[(v >> 6) & 63];
		}
		if (i + 2 < n) {
			out[o++] = b64url[v & 63];
		}
	}
	out[o] = '\0';
	return out;
}

/* A token laid out by hand: version, kind, hash, cursor. */
static char *
forge(svc_call *call, uint8_t version, uint8_t kind, uint32_t hash,
    const void *cursor, size_t n)
{
	uint8_t raw[HEADER + STORE_KEY_MAX + 8];
	assert_true(n <= sizeof(raw) - HEADER);
	raw[0] = version;
	raw[1] = kind;
	memcpy(raw + 2, &hash, 4);
	if (n > 0) {
		memcpy(raw + HEADER, cursor, n);
	}
	return encode(call, raw, HEADER + n);
}

/* Asserts that parsing token is refused as one page_token violation,
 * with no cursor. */
static void
assert_refused(
    fixture *f, const char *token, fb_page_kind kind, uint32_t filters)
{
	svc_call   *call = fresh(f);
	const void *last = NULL;
	size_t      n    = 99;
	int         rv   = fb_page_parse(call, token, kind, filters, &last, &n);
	if (rv != HUES_INVALID_ARGUMENT) {
		fail_msg("token \"%.80s\" (kind %d): got %d, want "
		         "INVALID_ARGUMENT",
		    token, (int) kind, rv);
	}
	assert_int_equal(call->nviolations, 1);
	assert_string_equal(call->violations[0].field, "page_token");
	/* n is what callers read; last may point into the call's memory. */
	assert_int_equal(n, 0);
}

static bool
is_b64url(const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr(b64url, *s) == NULL) {
			return false;
		}
	}
	return true;
}

static uint32_t
filters_of(const char *category, const char *ward)
{
	uint32_t h = fb_page_hash(0, NULL, 0);
	h          = fb_page_hash_str(h, category);
	return fb_page_hash_str(h, ward);
}

static void
test_page_token_round_trip(void **state)
{
	fixture *f = *state;
	uint8_t  cursor[STORE_KEY_MAX];
	for (size_t i = 0; i < sizeof(cursor); i++) {
		cursor[i] = (uint8_t) (i * 37 + 11); /* every byte value */
	}
	cursor[0]                     = 0x00;
	cursor[1]                     = 0xff;
	static const size_t lens[]    = { 1, 2, 3, 4, 5, 8, 17, 64, 255,
		   STORE_KEY_MAX - 1, STORE_KEY_MAX };
	uint32_t            filters[] = { 0, 1, 0xffffffffu,
		           filters_of("road.pothole", "phu-hoi") };

	for (size_t k = 0; k < NKINDS; k++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			for (size_t h = 0; h < 4; h++) {
				svc_call *call = fresh(f);
				char     *tok  = fb_page_token(call, kinds[k],
				         filters[h], cursor, lens[l]);
				assert_non_null(tok);
				assert_true(tok[0] != '\0');
				/* No '=', '+' or '/': safe in a URL. */
				assert_true(is_b64url(tok));
				assert_int_equal(strlen(tok),
				    ((HEADER + lens[l]) * 4 + 2) / 3);

				const void *last = NULL;
				size_t      n    = 0;
				assert_int_equal(
				    fb_page_parse(call, tok, kinds[k],
				        filters[h], &last, &n),
				    HUES_OK);
				assert_int_equal(call->nviolations, 0);
				assert_int_equal(n, lens[l]);
				assert_memory_equal(last, cursor, n);
			}
		}
	}
}

/* A store key is at most STORE_KEY_MAX bytes; a longer cursor is cut to
 * that, never written past the token's buffer. */
static void
test_page_token_long_cursor(void **state)
{
	fixture *f = *state;
	uint8_t  cursor[STORE_KEY_MAX + 100];
	memset(cursor, 0xab, sizeof(cursor));
	svc_call *call = fresh(f);
	char     *tok =
	    fb_page_token(call, FB_PAGE_OUTBOX, 7, cursor, sizeof(cursor));
	const void *last = NULL;
	size_t      n    = 0;
	assert_int_equal(
	    fb_page_parse(call, tok, FB_PAGE_OUTBOX, 7, &last, &n), HUES_OK);
	assert_int_equal(n, STORE_KEY_MAX);
	assert_memory_equal(last, cursor, n);
}

static void
test_page_empty_is_first_page(void **state)
{
	fixture *f = *state;
	for (size_t k = 0; k < NKINDS; k++) {
		svc_call   *call = fresh(f);
		const void *last = "sentinel";
		size_t      n    = 99;
		assert_int_equal(
		    fb_page_parse(call, "", kinds[k], 1234, &last, &n),
		    HUES_OK);
		assert_int_equal(n, 0);
		assert_null(last);
		assert_int_equal(call->nviolations, 0);

		/* protobuf-c gives "" for an unset string, but NULL is safe. */
		last = "sentinel";
		n    = 99;
		assert_int_equal(
		    fb_page_parse(call, NULL, kinds[k], 1234, &last, &n),
		    HUES_OK);
		assert_int_equal(n, 0);
		assert_null(last);
	}
}

static void
test_page_other_kind_refused(void **state)
{
	fixture       *f       = *state;
	const uint8_t  key[]   = { 0, 0, 0, 0, 0, 0, 0, 42 };
	const uint32_t filters = filters_of("water.leak", "");

	for (size_t a = 0; a < NKINDS; a++) {
		for (size_t b = 0; b < NKINDS; b++) {
			if (a == b) {
				continue;
			}
			char *tok = fb_page_token(
			    fresh(f), kinds[a], filters, key, sizeof(key));
			/* The arena is reset by fresh(): keep a copy. */
			char copy[64];
			assert_true(strlen(tok) < sizeof(copy));
			strcpy(copy, tok);
			assert_refused(f, copy, kinds[b], filters);
		}
	}
}

static void
test_page_other_filters_refused(void **state)
{
	fixture      *f        = *state;
	const uint8_t key[]    = { 'p', 'h', 'u', '-', 'h', 'o', 'i' };
	uint32_t      mine     = filters_of("road.pothole", "phu-hoi");
	uint32_t      others[] = { filters_of("road.pothole", "an-cuu"),
		     filters_of("road.pothole", ""),
		     filters_of("road.potholephu-hoi", ""),
		     filters_of("", "road.potholephu-hoi"), 0, mine ^ 1 };

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		assert_true(others[i] != mine);
		char  copy[64];
		char *tok = fb_page_token(
		    fresh(f), FB_PAGE_FEED_BOX, mine, key, sizeof(key));
		strcpy(copy, tok);

		svc_call   *call = fresh(f);
		const void *last = NULL;
		size_t      n    = 0;
		assert_int_equal(fb_page_parse(call, copy, FB_PAGE_FEED_BOX,
		                     others[i], &last, &n),
		    HUES_INVALID_ARGUMENT);
		assert_int_equal(call->nviolations, 1);
		assert_true(has_violation(call, "page_token", "other filters"));
		assert_null(last);
		assert_int_equal(n, 0);
	}
}

/* The filter hash tells fields apart: moving bytes from one string to the
 * next, or NULL against "", changes nothing it should not. */
static void
test_page_hash(void **state)
{
	(void) state;
	uint32_t start = fb_page_hash(0, NULL, 0);
	assert_int_equal(start, 2166136261u); /* FNV-1a 32 offset basis */
	assert_int_equal(
	    fb_page_hash(0, "a", 1), 0xe40c292cu); /* FNV-1a("a") */
	assert_int_equal(filters_of("ab", "c") != filters_of("a", "bc"), 1);
	assert_int_equal(filters_of("", "x") != filters_of("x", ""), 1);
	assert_int_equal(filters_of(NULL, NULL), filters_of("", ""));
	assert_int_equal(filters_of("road.pothole", "phu-hoi"),
	    filters_of("road.pothole", "phu-hoi"));
	assert_int_equal(
	    fb_page_hash_str(start, "a") != fb_page_hash_str(start, "b"), 1);
}

static void
test_page_garbage_refused(void **state)
{
	fixture       *f       = *state;
	const uint32_t filters = 77;
	const uint8_t  key[]   = { 1, 2, 3, 4, 5, 6, 7, 8 };
	char           buf[1024];

	/* Whole strings that are no token of any method. */
	static const char *const garbage[] = {
		"A",                /* one character: no byte */
		"AAAAA",            /* 4k+1 characters never decode */
		"AQ",               /* one byte: no header */
		"AQc",              /* two bytes */
		"AQcAAAA",          /* five bytes */
		"\xff\xfe\xfd\xfc", /* not UTF-8 */
		"!!!!",
		"====", "next_page_token", /* plausible, but not a token */
		"R0000000042",             /* a report id */
	};
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		for (size_t k = 0; k < NKINDS; k++) {
			assert_refused(f, garbage[i], kinds[k], filters);
		}
	}

	/* The valid header of each method, then a cursor that is not
	 * base64url: only the cursor is wrong. */
	static const char *const tails[] = {
		"",           /* a header and no cursor: never made */
		"AQ==",       /* padding is not base64url */
		"+/+/",       /* the standard base64 alphabet */
		" AQI",       /* a space */
		"AQ\nI",      /* a newline */
		"AQ.I",       /* punctuation */
		"AQ\xc3\xa9", /* UTF-8 e-acute */
		"AQ%2",       /* URL escapes */
	};
	for (size_t k = 0; k < NKINDS; k++) {
		for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
			strcpy(buf, forge(fresh(f), 1, (uint8_t) kinds[k],
			                filters, NULL, 0));
			assert_int_equal(strlen(buf), 8);
			strcat(buf, tails[i]);
			assert_refused(f, buf, kinds[k], filters);
		}
	}

	/* Good layout, wrong version byte. */
	static const uint8_t versions[] = { 0, 2, 0xff };
	for (size_t i = 0; i < sizeof(versions); i++) {
		strcpy(buf, forge(fresh(f), versions[i], FB_PAGE_QUEUE, filters,
		                key, sizeof(key)));
		assert_refused(f, buf, FB_PAGE_QUEUE, filters);
	}
	/* Kind bytes no method has. */
	static const uint8_t bad_kinds[] = { 0, 11, 0xff };
	for (size_t i = 0; i < sizeof(bad_kinds); i++) {
		strcpy(buf, forge(fresh(f), 1, bad_kinds[i], filters, key,
		                sizeof(key)));
		for (size_t k = 0; k < NKINDS; k++) {
			assert_refused(f, buf, kinds[k], filters);
		}
	}
	/* The forger agrees with the server, so the cases above fail for
	 * their defect only. */
	strcpy(
	    buf, forge(fresh(f), 1, FB_PAGE_QUEUE, filters, key, sizeof(key)));
	svc_call   *call = fresh(f);
	const void *last = NULL;
	size_t      n    = 0;
	assert_int_equal(
	    fb_page_parse(call, buf, FB_PAGE_QUEUE, filters, &last, &n),
	    HUES_OK);
	assert_int_equal(n, sizeof(key));
	assert_memory_equal(last, key, n);
	strcpy(buf, forge(fresh(f), 1, FB_PAGE_QUEUE, filters, NULL, 0));
	strcat(buf, "AQI");
	call = fresh(f);
	assert_int_equal(
	    fb_page_parse(call, buf, FB_PAGE_QUEUE, filters, &last, &n),
	    HUES_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(last, "\x01\x02", 2);
}

static void
test_page_oversize_refused(void **state)
{
	fixture       *f       = *state;
	const uint32_t filters = 5;
	uint8_t        cursor[STORE_KEY_MAX + 1];
	memset(cursor, 0x5a, sizeof(cursor));

	/* The longest token the server makes is accepted ... */
	char *max = fb_page_token(
	    fresh(f), FB_PAGE_FEED_TIME, filters, cursor, STORE_KEY_MAX);
	size_t maxlen = strlen(max);
	char   longest[1024];
	strcpy(longest, max);
	svc_call   *call = fresh(f);
	const void *last = NULL;
	size_t      n    = 0;
	assert_int_equal(
	    fb_page_parse(call, longest, FB_PAGE_FEED_TIME, filters, &last, &n),
	    HUES_OK);
	assert_int_equal(n, STORE_KEY_MAX);

	/* ... one more byte of cursor is not, nor anything longer. */
	strcpy(longest, forge(fresh(f), 1, FB_PAGE_FEED_TIME, filters, cursor,
	                    STORE_KEY_MAX + 1));
	assert_true(strlen(longest) > maxlen);
	assert_refused(f, longest, FB_PAGE_FEED_TIME, filters);

	static const size_t sizes[] = { 691, 692, 1000, 4096, 100000 };
	assert_true(maxlen < sizes[0]);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *big = test_malloc(sizes[i] + 1);
		/* A valid header, then 'A's: only its length is wrong. */
		memset(big, 'A', sizes[i]);
		memcpy(big, longest, 8);
		big[sizes[i]] = '\0';
		assert_refused(f, big, FB_PAGE_FEED_TIME, filters);
		test_free(big);
	}
}

/*
 * Every prefix of a token: one that cuts into the header, or leaves a
 * length no encoding has, is refused; one that keeps the header decodes,
 * at worst, to a prefix of the cursor (the format has no length or check
 * to tell), never to bytes the token did not hold.
 */
static void
test_page_truncated(void **state)
{
	fixture       *f       = *state;
	const uint32_t filters = filters_of("drain.flooding", "vy-da");
	uint8_t        cursor[40];
	for (size_t i = 0; i < sizeof(cursor); i++) {
		cursor[i] = (uint8_t) (0xf0 ^ i);
	}
	char tok[128];
	strcpy(tok, fb_page_token(fresh(f), FB_PAGE_FEED_NEAR, filters, cursor,
	                sizeof(cursor)));
	size_t len = strlen(tok);

	for (size_t cut = 1; cut < len; cut++) {
		char prefix[128];
		memcpy(prefix, tok, cut);
		prefix[cut] = '\0';

		svc_call   *call = fresh(f);
		const void *last = NULL;
		size_t      n    = 0;
		int         rv   = fb_page_parse(
		              call, prefix, FB_PAGE_FEED_NEAR, filters, &last, &n);
		size_t bytes = cut * 6 / 8;
		if (cut % 4 == 1 || bytes <= HEADER) {
			assert_int_equal(rv, HUES_INVALID_ARGUMENT);
			assert_true(
			    has_violation(call, "page_token", "not a token"));
			continue;
		}
		if (rv == HUES_OK) {
			assert_int_equal(n, bytes - HEADER);
			assert_true(n < sizeof(cursor));
			assert_memory_equal(last, cursor, n);
		} else {
			assert_int_equal(rv, HUES_INVALID_ARGUMENT);
			assert_true(has_violation(call, "page_token", ""));
		}
	}
}

/* A small xorshift generator: the same inputs on every run. */
static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Random strings, random base64url and single-character changes of a
 * valid token: each is a clean answer, never a crash or an over-read
 * (the sanitizer build runs this). */
static void
test_page_fuzz(void **state)
{
	fixture       *f       = *state;
	const uint32_t filters = 99;
	uint32_t       seed    = 0x2545f491u;
	char           buf[800];

	for (int round = 0; round < 3000; round++) {
		size_t len = next_rand(&seed) % 720;
		bool   url = round % 2 == 0;
		for (size_t i = 0; i < len; i++) {
			uint32_t r = next_rand(&seed);
			buf[i] = url ? b64url[r % 64] : (char) (1 + r % 255);
		}
		buf[len] = '\0';

		svc_call   *call = fresh(f);
		const void *last = NULL;
		size_t      n    = 0;
		int         rv =
		    fb_page_parse(call, buf, FB_PAGE_MINE, filters, &last, &n);
		if (rv == HUES_OK) {
			assert_true(len == 0 || n > 0);
			assert_true(n <= STORE_KEY_MAX);
		} else {
			assert_int_equal(rv, HUES_INVALID_ARGUMENT);
			assert_int_equal(call->nviolations, 1);
			assert_string_equal(
			    call->violations[0].field, "page_token");
		}
	}

	uint8_t cursor[24] = { 0 };
	char    tok[64];
	strcpy(tok, fb_page_token(fresh(f), FB_PAGE_MINE, filters, cursor,
	                sizeof(cursor)));
	size_t len = strlen(tok);
	for (size_t i = 0; i < len; i++) {
		for (int c = 1; c < 256; c++) {
			strcpy(buf, tok);
			buf[i]           = (char) c;
			svc_call   *call = fresh(f);
			const void *last = NULL;
			size_t      n    = 0;
			int         rv   = fb_page_parse(
			              call, buf, FB_PAGE_MINE, filters, &last, &n);
			if (rv == HUES_OK) {
				assert_int_equal(n, sizeof(cursor));
			} else {
				assert_int_equal(rv, HUES_INVALID_ARGUMENT);
				assert_string_equal(
				    call->violations[0].field, "page_token");
			}
		}
	}
}

static void
test_page_size(void **state)
{
	fixture *f = *state;
	static const struct {
		int32_t  in;
		uint32_t out;
	} ok[] = {
		{ 0, 20 },
		{ 1, 1 },
		{ 20, 20 },
		{ 99, 99 },
		{ 100, 100 },
		{ 101, 100 },
		{ 500, 100 },
		{ INT32_MAX, 100 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		svc_call *call = fresh(f);
		uint32_t  out  = 12345;
		assert_int_equal(fb_page_size(call, ok[i].in, &out), HUES_OK);
		assert_int_equal(out, ok[i].out);
		assert_int_equal(call->nviolations, 0);
	}
	static const int32_t bad[] = { -1, -20, INT32_MIN };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		svc_call *call = fresh(f);
		uint32_t  out  = 12345;
		assert_int_equal(
		    fb_page_size(call, bad[i], &out), HUES_INVALID_ARGUMENT);
		assert_int_equal(out, 12345); /* written only on success */
		assert_true(has_violation(call, "page_size", "negative"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_token_round_trip),
		cmocka_unit_test(test_page_token_long_cursor),
		cmocka_unit_test(test_page_empty_is_first_page),
		cmocka_unit_test(test_page_other_kind_refused),
		cmocka_unit_test(test_page_other_filters_refused),
		cmocka_unit_test(test_page_hash),
		cmocka_unit_test(test_page_garbage_refused),
		cmocka_unit_test(test_page_oversize_refused),
		cmocka_unit_test(test_page_truncated),
		cmocka_unit_test(test_page_fuzz),
		cmocka_unit_test(test_page_size),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
