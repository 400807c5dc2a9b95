/*
 * envelope_test.c - the request envelope in and the reply envelope out:
 * every way envelope_decode() refuses a message (with the exact status,
 * reason and message a client sees), the decode cap against hostile
 * envelopes, and replies that hues__v1__reply__unpack() reads back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rpc/envelope.h"

#define MAX_LEN (4u * 1024u * 1024u)

typedef struct fixture {
	arena       a;
	rpc_request req;
	rpc_outcome fail;
} fixture;

static int
setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	arena_init(&f->a, 16 * 1024);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;
	arena_fini(&f->a);
	free(f);
	return 0;
}

/* Packs r into a malloc'd buffer. */
static uint8_t *
pack(const Hues__V1__Request *r, size_t *len)
{
	*len         = hues__v1__request__get_packed_size(r);
	uint8_t *buf = malloc(*len ? *len : 1);
	assert_non_null(buf);
	hues__v1__request__pack(r, buf);
	return buf;
}

static int
decode(fixture *f, const uint8_t *data, size_t len)
{
	return envelope_decode(&f->a, data, len, MAX_LEN, &f->req, &f->fail);
}

/* Asserts a refusal: code, reason and the exact message. */
static void
expect_fail(
    fixture *f, int rv, int code, const char *reason, const char *message)
{
	assert_int_equal(rv, code);
	assert_int_equal(f->fail.code, code);
	assert_non_null(f->fail.reason);
	assert_string_equal(f->fail.reason, reason);
	assert_non_null(f->fail.message);
	assert_string_equal(f->fail.message, message);
}

static void
test_envelope_decode_single_call(void **state)
{
	fixture                 *f    = *state;
	Hues__V1__MetadataEntry  e1   = HUES__V1__METADATA_ENTRY__INIT;
	Hues__V1__MetadataEntry  e2   = HUES__V1__METADATA_ENTRY__INIT;
	Hues__V1__MetadataEntry *md[] = {&e1, &e2};
	Hues__V1__Request        r    = HUES__V1__REQUEST__INIT;
	size_t                   len;

	e1.key       = "x-request-id";
	e1.value     = "abc";
	e2.key       = "idempotency-key";
	e2.value     = "k1";
	r.version    = 1;
	r.method     = "/hues.v1.Debug/Echo";
	r.call_id    = 42;
	r.timeout_ms = 1500;
	r.metadata   = md;
	r.n_metadata = 2;
	r.payload    = (ProtobufCBinaryData) {3, (uint8_t *) "\x0a\x01z"};
	uint8_t *buf = pack(&r, &len);

	assert_int_equal(decode(f, buf, len), HUES_OK);
	assert_false(f->req.batch);
	assert_int_equal(f->req.ncalls, 1);
	const rpc_call_in *c = &f->req.calls[0];
	assert_string_equal(c->method, "/hues.v1.Debug/Echo");
	assert_int_equal(c->call_id, 42);
	assert_int_equal(c->timeout_ms, 1500);
	assert_int_equal(c->nmetadata, 2);
	assert_string_equal(c->metadata[1]->key, "idempotency-key");
	assert_string_equal(c->metadata[1]->value, "k1");
	assert_int_equal(c->payload.len, 3);
	assert_memory_equal(c->payload.data, "\x0a\x01z", 3);
	/* The decoded request lives in the arena, not in the input. */
	uintptr_t at = (uintptr_t) c->payload.data;
	assert_true(at < (uintptr_t) buf || at >= (uintptr_t) (buf + len));
	free(buf);
}

static void
test_envelope_decode_batch(void **state)
{
	fixture        *f = *state;
	Hues__V1__Call  c[3];
	Hues__V1__Call *cs[3];
	const char     *methods[] = {"/a.B/C", "/a.B/D", "/a.B/E"};
	size_t          len;

	for (int i = 0; i < 3; i++) {
		hues__v1__call__init(&c[i]);
		c[i].method     = (char *) methods[i];
		c[i].call_id    = 100 + (uint64_t) i;
		c[i].timeout_ms = (uint32_t) i * 10;
		cs[i]           = &c[i];
	}
	Hues__V1__Request r = HUES__V1__REQUEST__INIT;
	r.version           = 1;
	r.call_id           = 5;
	r.batch             = cs;
	r.n_batch           = 3;
	uint8_t *buf        = pack(&r, &len);

	assert_int_equal(decode(f, buf, len), HUES_OK);
	assert_true(f->req.batch);
	assert_int_equal(f->req.ncalls, 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(f->req.calls[i].method, methods[i]);
		assert_int_equal(f->req.calls[i].call_id, 100 + i);
		assert_int_equal(f->req.calls[i].timeout_ms, i * 10);
	}
	free(buf);
}

static void
test_envelope_decode_rejects_empty_message(void **state)
{
	fixture *f = *state;
	expect_fail(f, decode(f, (const uint8_t *) "", 0),
	    HUES_INVALID_ARGUMENT, "MALFORMED_ENVELOPE",
	    "empty message: expected a hues.v1.Request");
	assert_int_equal(f->fail.call_id, 0);
}

static void
test_envelope_decode_rejects_too_large(void **state)
{
	fixture          *f = *state;
	Hues__V1__Request r = HUES__V1__REQUEST__INIT;
	size_t            len;
	r.version    = 1;
	r.method     = "/a.B/C";
	uint8_t *buf = pack(&r, &len);

	/* Exactly the limit is fine ... */
	assert_int_equal(
	    envelope_decode(&f->a, buf, len, len, &f->req, &f->fail), HUES_OK);
	/* ... one byte over is not, before any parsing. */
	int  rv = envelope_decode(&f->a, buf, len, len - 1, &f->req, &f->fail);
	char want[96];
	snprintf(want, sizeof(want), "request is %zu bytes; the limit is %zu",
	    len, len - 1);
	expect_fail(f, rv, HUES_RESOURCE_EXHAUSTED, "REQUEST_TOO_LARGE", want);
	free(buf);
}

static void
test_envelope_decode_rejects_malformed(void **state)
{
	fixture *f = *state;
	/* version 1, then a method that claims 5 bytes and has 1. */
	const uint8_t cut[] = {0x08, 0x01, 0x12, 0x05, 'a'};
	expect_fail(f, decode(f, cut, sizeof(cut)), HUES_INVALID_ARGUMENT,
	    "MALFORMED_ENVELOPE",
	    "malformed hues.v1.Request envelope: length-delimited field runs "
	    "past the end (truncated message) (byte 4)");
	assert_int_equal(f->fail.call_id, 0);

	/* A metadata key that is not UTF-8: the message names the field. */
	const uint8_t utf8[] = {0x08, 0x01, 0x2a, 0x04, 0x0a, 0x02, 0xc3, 0x28};
	expect_fail(f, decode(f, utf8, sizeof(utf8)), HUES_INVALID_ARGUMENT,
	    "MALFORMED_ENVELOPE",
	    "malformed hues.v1.Request envelope: metadata[0].key: string is "
	    "not valid UTF-8 or contains a NUL byte (byte 6)");

	/* Wire type 7 at the first byte. */
	const uint8_t wt[] = {0x0f};
	expect_fail(f, decode(f, wt, sizeof(wt)), HUES_INVALID_ARGUMENT,
	    "MALFORMED_ENVELOPE",
	    "malformed hues.v1.Request envelope: invalid wire type (byte 0)");
}

static void
test_envelope_decode_rejects_other_versions(void **state)
{
	fixture          *f = *state;
	Hues__V1__Request r = HUES__V1__REQUEST__INIT;
	size_t            len;
	r.method  = "/a.B/C";
	r.call_id = 77;

	const uint32_t versions[] = {0, 2};
	for (size_t i = 0; i < 2; i++) {
		r.version    = versions[i];
		uint8_t *buf = pack(&r, &len);
		char     want[96];
		snprintf(want, sizeof(want),
		    "unsupported protocol version %u; this server speaks "
		    "version 1",
		    versions[i]);
		expect_fail(f, decode(f, buf, len), HUES_INVALID_ARGUMENT,
		    "UNSUPPORTED_VERSION", want);
		/* The envelope could be read, so the reply can name the
		 * call it answers. */
		assert_int_equal(f->fail.call_id, 77);
		free(buf);
	}
}

static void
test_envelope_decode_needs_method_xor_batch(void **state)
{
	fixture          *f    = *state;
	Hues__V1__Call    c    = HUES__V1__CALL__INIT;
	Hues__V1__Call   *cs[] = {&c};
	Hues__V1__Request r    = HUES__V1__REQUEST__INIT;
	size_t            len;

	c.method     = "/a.B/C";
	r.version    = 1;
	r.call_id    = 9;
	r.method     = "/a.B/C";
	r.batch      = cs;
	r.n_batch    = 1;
	uint8_t *buf = pack(&r, &len);
	expect_fail(f, decode(f, buf, len), HUES_INVALID_ARGUMENT,
	    "MALFORMED_ENVELOPE",
	    "request has both method and batch; send one");
	assert_int_equal(f->fail.call_id, 9);
	free(buf);

	r.method  = "";
	r.n_batch = 0;
	buf       = pack(&r, &len);
	expect_fail(f, decode(f, buf, len), HUES_INVALID_ARGUMENT,
	    "MALFORMED_ENVELOPE", "request has neither method nor batch");
	assert_int_equal(f->fail.call_id, 9);
	free(buf);
}

/* version 1 and n empty batch entries, by hand. */
static uint8_t *
empty_batch(size_t n, size_t *len)
{
	uint8_t *buf = malloc(2 + 2 * n);
	assert_non_null(buf);
	buf[0] = 0x08;
	buf[1] = 0x01;
	for (size_t i = 0; i < n; i++) {
		buf[2 + 2 * i]     = 0x3a; /* field 7 (batch), LEN */
		buf[2 + 2 * i + 1] = 0x00;
	}
	*len = 2 + 2 * n;
	return buf;
}

static void
test_envelope_decode_limits_batch_size(void **state)
{
	fixture *f = *state;
	size_t   len;
	uint8_t *buf = empty_batch(RPC_MAX_BATCH, &len);
	assert_int_equal(decode(f, buf, len), HUES_OK);
	assert_int_equal(f->req.ncalls, RPC_MAX_BATCH);
	free(buf);

	buf = empty_batch(RPC_MAX_BATCH + 1, &len);
	expect_fail(f, decode(f, buf, len), HUES_INVALID_ARGUMENT,
	    "BATCH_TOO_LARGE",
	    "batch has 1025 calls; at most 1024 are allowed");
	free(buf);
}

static void
test_envelope_decode_caps_hostile_metadata(void **state)
{
	fixture *f = *state;
	/* 200,000 empty metadata entries: 400 KB on the wire, well within
	 * the 4 MiB limit, but ~10 MB of protobuf-c structures. */
	size_t   n   = 200000;
	size_t   len = 2 + 8 + 2 * n;
	uint8_t *buf = malloc(len);
	memcpy(buf, "\x08\x01\x12\x06/a.B/C", 10);
	for (size_t i = 0; i < n; i++) {
		buf[10 + 2 * i]     = 0x2a; /* field 5 (metadata), LEN */
		buf[10 + 2 * i + 1] = 0x00;
	}
	expect_fail(f, decode(f, buf, len), HUES_RESOURCE_EXHAUSTED,
	    "DECODE_LIMIT", "request envelope needs too much memory to decode");
	/* The cap is lifted again for the reply that follows. */
	assert_int_equal(f->a.cap, 0);
	assert_true(f->a.used <= 4 * len + 256 * 1024);
	free(buf);
}

static void
test_envelope_decode_admits_large_legitimate_request(void **state)
{
	fixture                 *f = *state;
	Hues__V1__MetadataEntry  e[RPC_MAX_METADATA_ENTRIES];
	Hues__V1__MetadataEntry *md[RPC_MAX_METADATA_ENTRIES];
	Hues__V1__Request        r = HUES__V1__REQUEST__INIT;
	char                     keys[RPC_MAX_METADATA_ENTRIES][8];
	size_t                   len;

	for (int i = 0; i < RPC_MAX_METADATA_ENTRIES; i++) {
		hues__v1__metadata_entry__init(&e[i]);
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		e[i].key   = keys[i];
		e[i].value = "v";
		md[i]      = &e[i];
	}
	/* The largest payload that fits the limit with its envelope. */
	size_t   plen    = MAX_LEN - 2048;
	uint8_t *payload = calloc(1, plen);
	r.version        = 1;
	r.method         = "/a.B/C";
	r.metadata       = md;
	r.n_metadata     = RPC_MAX_METADATA_ENTRIES;
	r.payload        = (ProtobufCBinaryData) {plen, payload};
	uint8_t *buf     = pack(&r, &len);
	assert_true(len <= MAX_LEN);
	assert_int_equal(decode(f, buf, len), HUES_OK);
	assert_int_equal(f->req.calls[0].payload.len, plen);
	assert_int_equal(f->req.calls[0].nmetadata, RPC_MAX_METADATA_ENTRIES);
	free(buf);
	free(payload);
}

static Hues__V1__Reply *
unpack_reply(const uint8_t *data, size_t len)
{
	Hues__V1__Reply *r = hues__v1__reply__unpack(NULL, len, data);
	assert_non_null(r);
	return r;
}

static void
test_envelope_encode_single_reply(void **state)
{
	fixture            *f    = *state;
	const svc_violation vs[] = {
	    {"location.latitude", "must be between -90 and 90"},
	    {"title", "must not be empty"},
	};
	rpc_outcome o = {
	    .call_id        = 9,
	    .code           = HUES_INVALID_ARGUMENT,
	    .message        = "location.latitude: must be between -90 and 90",
	    .violations     = vs,
	    .nviolations    = 2,
	    .reason         = "BAD_REPORT",
	    .retry_after_ms = 250,
	    .request_id     = "rid-1",
	};
	uint8_t *out;
	size_t   outlen;
	envelope_encode(&f->a, false, &o, 1, &out, &outlen);

	/* A single reply is packed as a CallReply and must read as a Reply. */
	Hues__V1__Reply *r = unpack_reply(out, outlen);
	assert_int_equal(r->call_id, 9);
	assert_int_equal(r->code, HUES_INVALID_ARGUMENT);
	assert_string_equal(r->message, o.message);
	assert_non_null(r->details);
	assert_int_equal(r->details->n_field_violations, 2);
	assert_string_equal(
	    r->details->field_violations[0]->field, "location.latitude");
	assert_string_equal(
	    r->details->field_violations[1]->description, "must not be empty");
	assert_string_equal(r->details->reason, "BAD_REPORT");
	assert_int_equal(r->details->retry_after_ms, 250);
	assert_int_equal(r->payload.len, 0);
	assert_int_equal(r->n_metadata, 1);
	assert_string_equal(r->metadata[0]->key, "x-request-id");
	assert_string_equal(r->metadata[0]->value, "rid-1");
	assert_int_equal(r->n_batch, 0);
	hues__v1__reply__free_unpacked(r, NULL);

	/* Success: the payload, and no details at all. */
	rpc_outcome ok = {.call_id = 10,
	    .code                  = HUES_OK,
	    .payload               = {5, (uint8_t *) "\x00\x01\x02\x03\xff"},
	    .request_id            = "rid-2"};
	envelope_encode(&f->a, false, &ok, 1, &out, &outlen);
	r = unpack_reply(out, outlen);
	assert_int_equal(r->call_id, 10);
	assert_int_equal(r->code, HUES_OK);
	assert_string_equal(r->message, "");
	assert_null(r->details);
	assert_int_equal(r->payload.len, 5);
	assert_memory_equal(r->payload.data, "\x00\x01\x02\x03\xff", 5);
	assert_string_equal(r->metadata[0]->value, "rid-2");
	hues__v1__reply__free_unpacked(r, NULL);
}

static void
test_envelope_encode_details_only_when_set(void **state)
{
	fixture *f = *state;
	uint8_t *out;
	size_t   outlen;

	/* A retry hint alone still makes details (reason ""), and no
	 * request id means no trailer. */
	rpc_outcome o = {.code = HUES_UNAVAILABLE, .retry_after_ms = 100};
	envelope_encode_whole(&f->a, &o, &out, &outlen);
	Hues__V1__Reply *r = unpack_reply(out, outlen);
	assert_int_equal(r->code, HUES_UNAVAILABLE);
	assert_non_null(r->details);
	assert_string_equal(r->details->reason, "");
	assert_int_equal(r->details->retry_after_ms, 100);
	assert_int_equal(r->details->n_field_violations, 0);
	assert_int_equal(r->n_metadata, 0);
	hues__v1__reply__free_unpacked(r, NULL);

	/* A whole-message refusal names the call when it is known. */
	rpc_outcome q = {.call_id = 31,
	    .code                 = HUES_UNAVAILABLE,
	    .message              = "the queue is full",
	    .reason               = "QUEUE_FULL"};
	envelope_encode_whole(&f->a, &q, &out, &outlen);
	r = unpack_reply(out, outlen);
	assert_int_equal(r->call_id, 31);
	assert_string_equal(r->message, "the queue is full");
	assert_string_equal(r->details->reason, "QUEUE_FULL");
	assert_int_equal(r->details->retry_after_ms, 0);
	assert_int_equal(r->n_batch, 0);
	hues__v1__reply__free_unpacked(r, NULL);
}

static void
test_envelope_encode_batch_reply(void **state)
{
	fixture            *f    = *state;
	const svc_violation v[]  = {{"metadata[0].key", "bad key"}};
	rpc_outcome         o[3] = {
	            {.call_id       = 11,
	                .code       = HUES_OK,
	                .payload    = {2, (uint8_t *) "hi"},
	                .request_id = "r11"},
	            {.call_id       = 12,
	                .code       = HUES_UNIMPLEMENTED,
	                .message    = "unknown method '/x.Y/Z'",
	                .request_id = "r12"},
	            {.call_id        = 13,
	                .code        = HUES_INVALID_ARGUMENT,
	                .message     = "metadata[0].key: bad key",
	                .violations  = v,
	                .nviolations = 1,
	                .request_id  = "r13"},
        };
	uint8_t *out;
	size_t   outlen;
	envelope_encode(&f->a, true, o, 3, &out, &outlen);

	Hues__V1__Reply *r = unpack_reply(out, outlen);
	/* The message as a whole succeeded; each call has its answer. */
	assert_int_equal(r->code, HUES_OK);
	assert_int_equal(r->call_id, 0);
	assert_int_equal(r->n_batch, 3);
	for (size_t i = 0; i < 3; i++) {
		const Hues__V1__CallReply *cr = r->batch[i];
		assert_int_equal(cr->call_id, o[i].call_id);
		assert_int_equal(cr->code, o[i].code);
		assert_int_equal(cr->n_metadata, 1);
		assert_string_equal(cr->metadata[0]->key, "x-request-id");
		assert_string_equal(cr->metadata[0]->value, o[i].request_id);
	}
	assert_memory_equal(r->batch[0]->payload.data, "hi", 2);
	assert_null(r->batch[0]->details);
	assert_string_equal(r->batch[1]->message, "unknown method '/x.Y/Z'");
	assert_string_equal(r->batch[2]->details->field_violations[0]->field,
	    "metadata[0].key");
	hues__v1__reply__free_unpacked(r, NULL);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_envelope_decode_single_call),
	    T(test_envelope_decode_batch),
	    T(test_envelope_decode_rejects_empty_message),
	    T(test_envelope_decode_rejects_too_large),
	    T(test_envelope_decode_rejects_malformed),
	    T(test_envelope_decode_rejects_other_versions),
	    T(test_envelope_decode_needs_method_xor_batch),
	    T(test_envelope_decode_limits_batch_size),
	    T(test_envelope_decode_caps_hostile_metadata),
	    T(test_envelope_decode_admits_large_legitimate_request),
	    T(test_envelope_encode_single_reply),
	    T(test_envelope_encode_details_only_when_set),
	    T(test_envelope_encode_batch_reply),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
