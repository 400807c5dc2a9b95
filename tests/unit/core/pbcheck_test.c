/*
 * pbcheck_test.c - the wire check that runs before protobuf-c unpacks
 * untrusted bytes: every kind of malformed framing, strings that are not
 * UTF-8, field paths and byte offsets in the error, unknown fields, packed
 * fields and the nesting limit. Messages with wire features hues/v1 lacks
 * come from tests/unit/core/pbcheck_test.proto.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/pbcheck.h"
#include "hues/v1/rpc.pb-c.h"
#include "pbcheck_test.pb-c.h"

#define REQUEST (&hues__v1__request__descriptor)
#define NODE    (&huestest__node__descriptor)

static const char *const BAD_UTF8 =
    "string is not valid UTF-8 or contains a NUL byte";

static void
expect_ok(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len)
{
	pbcheck_error err;
	int           rv = pbcheck_message(d, data, len, &err);
	if (rv != 0) {
		fail_msg("unexpected error at %s (byte %zu): %s", err.path,
		    err.offset, err.what);
	}
}

/* Asserts the exact error: where (field path), what, and at which byte. */
static void
expect_error(const ProtobufCMessageDescriptor *d, const uint8_t *data,
    size_t len, const char *path, const char *what, size_t offset)
{
	pbcheck_error err;
	assert_int_equal(pbcheck_message(d, data, len, &err), -1);
	assert_string_equal(err.path, path);
	assert_non_null(err.what);
	assert_string_equal(err.what, what);
	assert_int_equal(err.offset, offset);
}

static void
test_pbcheck_accepts_valid_messages(void **state)
{
	(void) state;
	Hues__V1__MetadataEntry  e    = HUES__V1__METADATA_ENTRY__INIT;
	Hues__V1__MetadataEntry *md[] = {&e, &e};
	Hues__V1__Call           c    = HUES__V1__CALL__INIT;
	Hues__V1__Call          *cs[] = {&c, &c, &c};
	Hues__V1__Request        req  = HUES__V1__REQUEST__INIT;
	uint8_t                  buf[1024];

	e.key        = "x-note";
	e.value      = "Đường Lê Lợi bị ngập 🌧";
	c.method     = "/hues.v1.Debug/Echo";
	c.call_id    = UINT64_MAX;
	c.timeout_ms = 1000;
	c.metadata   = md;
	c.n_metadata = 2;
	c.payload   = (ProtobufCBinaryData) {4, (uint8_t *) "\xff\x00\xfe\x01"};
	req.version = 1;
	req.batch   = cs;
	req.n_batch = 3;
	req.metadata   = md;
	req.n_metadata = 2;
	expect_ok(REQUEST, buf, hues__v1__request__pack(&req, buf));

	/* Every scalar width and packed field of the test message. */
	int32_t        nums[]  = {0, -1, 300, INT32_MAX};
	uint32_t       words[] = {1, 0xffffffffu};
	double         reals[] = {0.5, -2.25, 1e300};
	char          *tags[]  = {"a", "", "Huế"};
	Huestest__Node child   = HUESTEST__NODE__INIT;
	Huestest__Node n       = HUESTEST__NODE__INIT;
	child.name             = "inner";
	n.child                = &child;
	n.n_nums               = 4;
	n.nums                 = nums;
	n.n_words              = 2;
	n.words                = words;
	n.n_reals              = 3;
	n.reals                = reals;
	n.name                 = "outer";
	n.big                  = UINT64_MAX;
	n.n_tags               = 3;
	n.tags                 = tags;
	n.blob  = (ProtobufCBinaryData) {2, (uint8_t *) "\0\xc0"};
	n.ratio = 0.25f;
	expect_ok(NODE, buf, huestest__node__pack(&n, buf));

	/* Repeated scalars may also come unpacked, one field each. */
	const uint8_t unpacked[] = {0x10, 0x05, 0x10, 0x96, 0x01, 0x1d, 1, 2, 3,
	    4, 0x21, 1, 2, 3, 4, 5, 6, 7, 8};
	expect_ok(NODE, unpacked, sizeof(unpacked));
	/* No bytes is the empty message. */
	expect_ok(REQUEST, NULL, 0);
}

static void
test_pbcheck_rejects_truncated_varints(void **state)
{
	(void) state;
	/* call_id (field 3, varint) whose value stops mid-varint. */
	const uint8_t value[] = {0x08, 0x01, 0x18, 0x80};
	expect_error(REQUEST, value, sizeof(value), "",
	    "truncated or malformed varint", 3);
	/* A tag that stops mid-varint. */
	const uint8_t tag[] = {0x08, 0x01, 0x80};
	expect_error(REQUEST, tag, sizeof(tag), "",
	    "truncated or malformed field tag", 2);
	/* Eleven bytes: longer than any 64-bit varint. */
	const uint8_t longer[] = {0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0x01};
	expect_error(REQUEST, longer, sizeof(longer), "",
	    "truncated or malformed varint", 1);
	/* Ten bytes whose last carries bits beyond 64. */
	const uint8_t wide[] = {
	    0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
	expect_error(REQUEST, wide, sizeof(wide), "",
	    "truncated or malformed varint", 1);
	/* The same with 0x01 is UINT64_MAX, which is fine. */
	const uint8_t max[] = {
	    0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	expect_ok(REQUEST, max, sizeof(max));
}

static void
test_pbcheck_rejects_truncated_length_delimited(void **state)
{
	(void) state;
	/* method (field 2) claims 5 bytes, 2 follow. */
	const uint8_t past[] = {0x08, 0x01, 0x12, 0x05, 'a', 'b'};
	expect_error(REQUEST, past, sizeof(past), "",
	    "length-delimited field runs past the end (truncated message)", 4);
	/* The length itself is cut. */
	const uint8_t cut[] = {0x12, 0x80};
	expect_error(
	    REQUEST, cut, sizeof(cut), "", "truncated or malformed length", 1);
	/* Inside a nested message the path names where it happened. */
	const uint8_t nested[] = {0x3a, 0x04, 0x12, 0x07, 'a', 'b'};
	expect_error(REQUEST, nested, sizeof(nested), "batch[0]",
	    "length-delimited field runs past the end (truncated message)", 4);
	/* A fixed64 field (Node.big) with three of its eight bytes. */
	const uint8_t fixed[] = {0x31, 1, 2, 3};
	expect_error(
	    NODE, fixed, sizeof(fixed), "", "truncated fixed-size field", 1);
}

static void
test_pbcheck_rejects_bad_wire_types_and_numbers(void **state)
{
	(void) state;
	/* Wire types 6 and 7 do not exist; 3 and 4 are groups. For known
	 * (1) and unknown (100) field numbers alike. */
	const uint8_t wt6[]   = {0x08, 0x01, 0x0e, 0x00};
	const uint8_t wt7[]   = {0x0f};
	const uint8_t sg[]    = {0x0b, 0x0c};
	const uint8_t eg[]    = {0x0c};
	const uint8_t sg100[] = {0xa3, 0x06};
	expect_error(REQUEST, wt6, sizeof(wt6), "", "invalid wire type", 2);
	expect_error(REQUEST, wt7, sizeof(wt7), "", "invalid wire type", 0);
	expect_error(
	    REQUEST, sg, sizeof(sg), "", "groups are not supported", 0);
	expect_error(
	    REQUEST, eg, sizeof(eg), "", "groups are not supported", 0);
	expect_error(
	    REQUEST, sg100, sizeof(sg100), "", "groups are not supported", 0);
	/* Field number 0, and one beyond 2^29 - 1. */
	const uint8_t zero[] = {0x02, 0x00};
	expect_error(
	    REQUEST, zero, sizeof(zero), "", "invalid field number", 0);
	const uint8_t huge[] = {0x08, 0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00};
	expect_error(
	    REQUEST, huge, sizeof(huge), "", "invalid field number", 2);
	/* The largest valid number (unknown here) is skipped. */
	const uint8_t top[] = {0xf8, 0xff, 0xff, 0xff, 0x0f, 0x00};
	expect_ok(REQUEST, top, sizeof(top));
}

static void
test_pbcheck_rejects_wrong_wire_type_for_known_field(void **state)
{
	(void) state;
	/* method (string) sent as a varint. */
	const uint8_t method[] = {0x08, 0x01, 0x10, 0x01};
	expect_error(REQUEST, method, sizeof(method), "method",
	    "field has the wrong wire type", 2);
	/* call_id (uint64, not repeated) sent length-delimited: a packed
	 * encoding is only allowed for repeated fields. */
	const uint8_t callid[] = {0x1a, 0x01, 0x05};
	expect_error(REQUEST, callid, sizeof(callid), "call_id",
	    "field has the wrong wire type", 0);
	/* Node.big (fixed64) as a varint; Node.ratio (float) as fixed64. */
	const uint8_t big[] = {0x30, 0x01};
	expect_error(
	    NODE, big, sizeof(big), "big", "field has the wrong wire type", 0);
	const uint8_t ratio[] = {0x49, 0, 0, 0, 0, 0, 0, 0, 0};
	expect_error(NODE, ratio, sizeof(ratio), "ratio",
	    "field has the wrong wire type", 0);
	/* Deep inside: the second call's method as a varint. */
	const uint8_t deep[] = {0x3a, 0x00, 0x3a, 0x02, 0x10, 0x01};
	expect_error(REQUEST, deep, sizeof(deep), "batch[1].method",
	    "field has the wrong wire type", 4);
}

static void
test_pbcheck_checks_packed_fields(void **state)
{
	(void) state;
	/* nums: packed varints 1, 150, -1 (ten bytes). */
	const uint8_t ok[] = {0x12, 0x0d, 0x01, 0x96, 0x01, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	expect_ok(NODE, ok, sizeof(ok));
	/* A varint cut short at the end of the packed run. */
	const uint8_t cut[] = {0x12, 0x03, 0x01, 0x96, 0x81};
	expect_error(NODE, cut, sizeof(cut), "nums[0]",
	    "malformed varint in packed field", 3);
	/* words (fixed32): 5 bytes is not a multiple of 4. */
	const uint8_t words[] = {0x1a, 0x05, 1, 2, 3, 4, 5};
	expect_error(NODE, words, sizeof(words), "words[0]",
	    "packed field length is not a multiple of its element size", 2);
	/* reals (double): 8 fine, 12 not; the second occurrence is [1]. */
	const uint8_t reals[] = {0x22, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x22, 0x0c,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	expect_error(NODE, reals, sizeof(reals), "reals[1]",
	    "packed field length is not a multiple of its element size", 12);
	/* An empty packed run is valid. */
	const uint8_t empty[] = {0x12, 0x00, 0x1a, 0x00};
	expect_ok(NODE, empty, sizeof(empty));
}

/* Strings protobuf requires to be refused, with what makes each bad. */
static const struct {
	const char *why;
	const char *bytes;
	size_t      len;
} bad_strings[] = {
    {"overlong 2-byte '/'", "\xc0\xaf", 2},
    {"overlong 3-byte '/'", "\xe0\x80\xaf", 3},
    {"overlong 4-byte '/'", "\xf0\x80\x80\xaf", 4},
    {"overlong 3-byte U+07FF", "\xe0\x9f\xbf", 3},
    {"overlong 4-byte U+FFFF", "\xf0\x8f\xbf\xbf", 4},
    {"UTF-16 high surrogate", "\xed\xa0\x80", 3},
    {"UTF-16 low surrogate", "\xed\xbf\xbf", 3},
    {"U+110000", "\xf4\x90\x80\x80", 4},
    {"lead byte beyond U+10FFFF", "\xf5\x80\x80\x80", 4},
    {"lone continuation byte", "ab\x80", 3},
    {"sequence cut at the end", "ab\xe1\x80", 4},
    {"lead byte followed by ASCII", "\xc3(", 2},
    {"NUL byte", "a\0b", 3},
    {"invalid byte 0xff", "\xff", 1},
};

static void
test_pbcheck_utf8_refuses_invalid_strings(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(bad_strings) / sizeof(bad_strings[0]);
	     i++) {
		if (pbcheck_utf8((const uint8_t *) bad_strings[i].bytes,
		        bad_strings[i].len)) {
			fail_msg("accepted %s", bad_strings[i].why);
		}
		/* The same bytes as Request.method: refused at the start
		 * of the string (byte 2, after tag and length). */
		uint8_t msg[16] = {0x12, (uint8_t) bad_strings[i].len};
		memcpy(msg + 2, bad_strings[i].bytes, bad_strings[i].len);
		expect_error(REQUEST, msg, 2 + bad_strings[i].len, "method",
		    BAD_UTF8, 2);
	}
}

static void
test_pbcheck_utf8_accepts_valid_text(void **state)
{
	(void) state;
	const char *good[] = {
	    "",
	    "plain ASCII ~\x7f",
	    "Đường Lê Lợi bị ngập",
	    "\xc2\x80",         /* U+0080, smallest 2-byte */
	    "\xed\x9f\xbf",     /* U+D7FF, just below the surrogates */
	    "\xee\x80\x80",     /* U+E000, just above them */
	    "\xef\xbf\xbf",     /* U+FFFF */
	    "\xf0\x90\x80\x80", /* U+10000, smallest 4-byte */
	    "\xf4\x8f\xbf\xbf", /* U+10FFFF, the largest code point */
	    "🌧 mưa",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!pbcheck_utf8((const uint8_t *) good[i], strlen(good[i]))) {
			fail_msg("refused valid string %zu", i);
		}
	}
	/* len is the end, whatever follows: a sequence cut by it is refused
	 * even when continuation bytes come after. */
	assert_false(pbcheck_utf8((const uint8_t *) "\xe1\x80\x80", 2));
	assert_false(pbcheck_utf8((const uint8_t *) "\xc3\xa1", 1));
	assert_true(pbcheck_utf8((const uint8_t *) "\xc3\xa1", 2));
}

static void
test_pbcheck_names_the_field_path(void **state)
{
	(void) state;
	Hues__V1__MetadataEntry  ok    = HUES__V1__METADATA_ENTRY__INIT;
	Hues__V1__MetadataEntry  bad   = HUES__V1__METADATA_ENTRY__INIT;
	Hues__V1__MetadataEntry *md0[] = {&ok, &ok};
	Hues__V1__MetadataEntry *md1[] = {&bad};
	Hues__V1__Call           c0    = HUES__V1__CALL__INIT;
	Hues__V1__Call           c1    = HUES__V1__CALL__INIT;
	Hues__V1__Call          *cs[]  = {&c0, &c1};
	Hues__V1__Request        req   = HUES__V1__REQUEST__INIT;
	uint8_t                  buf[512];

	ok.key        = "fine";
	ok.value      = "fine";
	bad.key       = "k\xc0\xafy"; /* overlong '/' */
	bad.value     = "v";
	c0.method     = "/a/B";
	c0.metadata   = md0;
	c0.n_metadata = 2;
	c1.method     = "/a/C";
	c1.metadata   = md1;
	c1.n_metadata = 1;
	req.version   = 1;
	req.batch     = cs;
	req.n_batch   = 2;
	size_t len    = hues__v1__request__pack(&req, buf);
	/* The offset is where the string's bytes start. */
	const uint8_t *at = memmem(buf, len, "k\xc0\xafy", 4);
	assert_non_null(at);
	expect_error(REQUEST, buf, len, "batch[1].metadata[0].key", BAD_UTF8,
	    (size_t) (at - buf));

	/* Indexes count occurrences of the field in its own message. */
	bad.key                        = "key";
	bad.value                      = "\xed\xa0\x80";
	Hues__V1__MetadataEntry *top[] = {&ok, &bad};
	memset(&req, 0, sizeof(req));
	hues__v1__request__init(&req);
	req.version    = 1;
	req.method     = "/a/B";
	req.metadata   = top;
	req.n_metadata = 2;
	len            = hues__v1__request__pack(&req, buf);
	at             = memmem(buf, len, "\xed\xa0\x80", 3);
	assert_non_null(at);
	expect_error(REQUEST, buf, len, "metadata[1].value", BAD_UTF8,
	    (size_t) (at - buf));
}

static void
test_pbcheck_skips_unknown_fields(void **state)
{
	(void) state;
	/* Fields 15 (varint), 16 (LEN holding bytes that are not UTF-8:
	 * unknown fields are only framed, never interpreted), 17 (fixed32)
	 * and 18 (fixed64), then a known string. */
	const uint8_t unknown[] = {0x78, 0x96, 0x01, 0x82, 0x01, 0x02, 0xc0,
	    0xaf, 0x8d, 0x01, 1, 2, 3, 4, 0x91, 0x01, 1, 2, 3, 4, 5, 6, 7, 8,
	    0x12, 0x02, 'o', 'k'};
	expect_ok(REQUEST, unknown, sizeof(unknown));
	/* Framing still counts: an unknown field running past the end. */
	const uint8_t past[] = {0x82, 0x01, 0x09, 'x'};
	expect_error(REQUEST, past, sizeof(past), "",
	    "length-delimited field runs past the end (truncated message)", 3);
	/* A truncated fixed32 of an unknown field. */
	const uint8_t fixed[] = {0x8d, 0x01, 1, 2};
	expect_error(
	    REQUEST, fixed, sizeof(fixed), "", "truncated fixed-size field", 2);
}

/* Node{child: Node{child: ...}} nested depth times; returns the length. */
static size_t
nest(uint8_t *buf, size_t cap, unsigned depth)
{
	/* Built from the inside out at the end of buf. */
	size_t start = cap;
	for (unsigned i = 0; i < depth; i++) {
		size_t inner = cap - start;
		assert_true(inner < 128 && start >= 2);
		buf[--start] = (uint8_t) inner;
		buf[--start] = 0x0a; /* field 1 (child), LEN */
	}
	memmove(buf, buf + start, cap - start);
	return cap - start;
}

static void
test_pbcheck_limits_nesting_depth(void **state)
{
	(void) state;
	uint8_t       buf[128];
	pbcheck_error err;
	/* The outer message is level 0; PBCHECK_MAX_DEPTH - 1 nested
	 * children are allowed, one more is refused. */
	size_t len = nest(buf, sizeof(buf), PBCHECK_MAX_DEPTH - 1);
	expect_ok(NODE, buf, len);

	len = nest(buf, sizeof(buf), PBCHECK_MAX_DEPTH);
	assert_int_equal(pbcheck_message(NODE, buf, len, &err), -1);
	assert_string_equal(err.what, "messages nested too deeply");
	/* The innermost (empty) child starts at the very end. */
	assert_int_equal(err.offset, len);
	/* The path is cut to fit, not overflowed. */
	assert_true(strlen(err.path) < sizeof(err.path));
	assert_int_equal(strncmp(err.path, "child.child.child.", 18), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pbcheck_accepts_valid_messages),
	    cmocka_unit_test(test_pbcheck_rejects_truncated_varints),
	    cmocka_unit_test(test_pbcheck_rejects_truncated_length_delimited),
	    cmocka_unit_test(test_pbcheck_rejects_bad_wire_types_and_numbers),
	    cmocka_unit_test(
	        test_pbcheck_rejects_wrong_wire_type_for_known_field),
	    cmocka_unit_test(test_pbcheck_checks_packed_fields),
	    cmocka_unit_test(test_pbcheck_utf8_refuses_invalid_strings),
	    cmocka_unit_test(test_pbcheck_utf8_accepts_valid_text),
	    cmocka_unit_test(test_pbcheck_names_the_field_path),
	    cmocka_unit_test(test_pbcheck_skips_unknown_fields),
	    cmocka_unit_test(test_pbcheck_limits_nesting_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
