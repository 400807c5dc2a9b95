/*
 * arena_test.c - the per-call bump allocator: alignment, chunk growth,
 * dedicated chunks for big allocations, reset, the decode cap, and the
 * protobuf-c allocator adapter under the hostile input that motivates the
 * cap. Leaks and overruns are left to the sanitizer build to find.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "hues/v1/debug.pb-c.h"
#include "hues/v1/rpc.pb-c.h"

/* What the dispatcher allows a payload to take while it is unpacked
 * (server/rpc/dispatch.c): eight times its size plus 64 KiB. */
#define PAYLOAD_CAP(len) (8 * (len) + 64u * 1024u)

static void
assert_aligned(const void *p)
{
	assert_non_null(p);
	assert_int_equal((uintptr_t) p % 16, 0);
}

static void
test_arena_alloc_aligns_to_16(void **state)
{
	(void) state;
	arena        a;
	const size_t sizes[] = {1, 3, 7, 15, 16, 17, 31, 33, 100, 1};
	const size_t n       = sizeof(sizes) / sizeof(sizes[0]);
	char        *blocks[sizeof(sizes) / sizeof(sizes[0])];

	arena_init(&a, 1024);
	/* Odd sizes must not push the next allocation off alignment. */
	for (size_t i = 0; i < n; i++) {
		blocks[i] = arena_alloc(&a, sizes[i]);
		assert_aligned(blocks[i]);
		memset(blocks[i], (int) i + 1, sizes[i]);
	}
	/* No block overlaps another: each still holds its own bytes. */
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizes[i]; k++) {
			assert_int_equal(blocks[i][k], (int) i + 1);
		}
	}
	arena_fini(&a);
}

static void
test_arena_alloc_zero_returns_distinct_pointers(void **state)
{
	(void) state;
	arena a;
	arena_init(&a, 256);
	void *p = arena_alloc(&a, 0);
	void *q = arena_alloc(&a, 0);
	assert_aligned(p);
	assert_aligned(q);
	assert_true(p != q);
	assert_int_equal(a.used, 32); /* each counts as one 16-byte unit */
	arena_fini(&a);
}

static void
test_arena_grows_across_chunks(void **state)
{
	(void) state;
	arena a;
	char *blocks[64];
	arena_init(&a, 256);
	/* 64 x 100 bytes (112 with rounding) need about 28 chunks of 256. */
	for (int i = 0; i < 64; i++) {
		blocks[i] = arena_alloc(&a, 100);
		assert_aligned(blocks[i]);
		memset(blocks[i], i, 100);
	}
	for (int i = 0; i < 64; i++) {
		for (int k = 0; k < 100; k++) {
			assert_int_equal((unsigned char) blocks[i][k], i);
		}
	}
	assert_int_equal(a.used, 64 * 112);
	arena_fini(&a);
}

static void
test_arena_big_allocation_gets_own_chunk(void **state)
{
	(void) state;
	arena a;
	arena_init(&a, 256);
	char *small1 = arena_alloc(&a, 16);
	char *big    = arena_alloc(&a, 10000);
	char *small2 = arena_alloc(&a, 16);
	assert_aligned(big);
	memset(big, 0xab, 10000);
	/* The big block lives elsewhere: the current chunk's free space is
	 * still used, so the next small block directly follows the first. */
	assert_ptr_equal(small2, small1 + 16);
	assert_int_equal(a.used, 16 + 10000 + 16);
	/* A big first allocation (no chunk yet) works as well. */
	arena b;
	arena_init(&b, 256);
	char *first = arena_alloc(&b, 4096);
	assert_aligned(first);
	memset(first, 1, 4096);
	assert_aligned(arena_alloc(&b, 8));
	arena_reset(&b);
	assert_aligned(arena_alloc(&b, 8));
	arena_fini(&b);
	arena_fini(&a);
}

static void
test_arena_reset_reuses_first_chunk(void **state)
{
	(void) state;
	arena a;
	arena_init(&a, 512);
	char *first = arena_alloc(&a, 64);
	memset(first, 0xcd, 64);
	/* Several more chunks and a dedicated one, all freed by reset
	 * (LeakSanitizer checks that at exit). */
	for (int i = 0; i < 20; i++) {
		assert_non_null(arena_alloc(&a, 200));
	}
	assert_non_null(arena_alloc(&a, 100000));
	arena_set_cap(&a, 16);
	assert_null(arena_alloc(&a, 32));
	assert_true(a.capped);

	arena_reset(&a);
	assert_int_equal(a.used, 0);
	assert_int_equal(a.cap, 0);
	assert_false(a.capped);
	/* The oldest ordinary chunk is kept: a worker's steady state does no
	 * malloc, and the next call starts where the first one did. */
	char *again = arena_zalloc(&a, 64);
	assert_ptr_equal(again, first);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(again[i], 0); /* zalloc clears reused bytes */
	}
	/* Many reset cycles keep working. */
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < 10; i++) {
			assert_non_null(arena_alloc(&a, 300));
		}
		arena_reset(&a);
	}
	arena_fini(&a);
	/* fini leaves an arena that can be finalised again or reused. */
	arena_fini(&a);
}

static void
test_arena_fini_accepts_unused_arena(void **state)
{
	(void) state;
	arena a;
	arena_init(&a, 0); /* below the minimum: becomes 256 */
	assert_int_equal(a.chunk_size, 256);
	arena_reset(&a);
	arena_fini(&a);
}

static void
test_arena_cap_allows_exactly_cap_bytes(void **state)
{
	(void) state;
	arena a;
	arena_init(&a, 4096);
	assert_non_null(arena_alloc(&a, 100)); /* 112 used before the cap */
	arena_set_cap(&a, 1024);
	assert_int_equal(a.cap, 112 + 1024);
	/* Up to the cap (counted in rounded sizes) succeeds ... */
	assert_non_null(arena_alloc(&a, 1000)); /* 1008 */
	assert_non_null(arena_alloc(&a, 16));   /* 1024: exactly at the cap */
	assert_false(a.capped);
	/* ... one byte more does not, and says why. */
	assert_null(arena_alloc(&a, 1));
	assert_true(a.capped);
	assert_int_equal(a.used, 112 + 1024);
	/* A request that could never fit fails the same way, even when it
	 * would overflow size arithmetic. */
	assert_null(arena_alloc(&a, SIZE_MAX - 3));
	assert_null(arena_zalloc(&a, 64));
	assert_null(arena_strdup(&a, "x"));
	assert_null(arena_printf(&a, "%d", 42));

	/* Lifting the cap lets allocation go on; capped stays set until the
	 * reset, because the envelope decoder reads it after lifting. */
	arena_set_cap(&a, 0);
	assert_int_equal(a.cap, 0);
	char *s = arena_strdup(&a, "after the cap");
	assert_string_equal(s, "after the cap");
	assert_true(a.capped);
	arena_reset(&a);
	assert_false(a.capped);
	arena_fini(&a);
}

static void
test_arena_copies_and_printf(void **state)
{
	(void) state;
	arena a;
	arena_init(&a, 256);
	const char *msg = "Đường Lê Lợi bị ngập";
	char       *s   = arena_strdup(&a, msg);
	assert_string_equal(s, msg);
	assert_true(s != msg);
	uint8_t  bytes[5] = {0, 1, 2, 0, 4};
	uint8_t *m        = arena_memdup(&a, bytes, sizeof(bytes));
	assert_memory_equal(m, bytes, sizeof(bytes));
	assert_non_null(arena_memdup(&a, NULL, 0));
	/* Longer than a chunk: formatted into a dedicated chunk. */
	char *p = arena_printf(&a, "%0600d|%s", 7, "end");
	assert_int_equal(strlen(p), 604);
	assert_string_equal(p + 600, "|end");
	assert_int_equal(p[599], '7');
	arena_fini(&a);
}

static void
test_arena_protobuf_allocator_unpacks(void **state)
{
	(void) state;
	Hues__V1__MetadataEntry  e    = HUES__V1__METADATA_ENTRY__INIT;
	Hues__V1__MetadataEntry *md[] = {&e};
	Hues__V1__Request        req  = HUES__V1__REQUEST__INIT;
	uint8_t                  buf[256];
	e.key          = "x-request-id";
	e.value        = "abc";
	req.version    = 1;
	req.method     = "/hues.v1.Debug/Echo";
	req.call_id    = 7;
	req.metadata   = md;
	req.n_metadata = 1;
	req.payload    = (ProtobufCBinaryData) {3, (uint8_t *) "xyz"};
	size_t len     = hues__v1__request__pack(&req, buf);

	arena              a;
	ProtobufCAllocator alloc;
	arena_init(&a, 1024);
	arena_protobuf_allocator(&a, &alloc);
	assert_ptr_equal(alloc.allocator_data, &a);
	Hues__V1__Request *r = hues__v1__request__unpack(&alloc, len, buf);
	assert_non_null(r);
	assert_true(a.used > 0); /* the message came from the arena */
	assert_string_equal(r->method, "/hues.v1.Debug/Echo");
	assert_int_equal(r->call_id, 7);
	assert_int_equal(r->n_metadata, 1);
	assert_string_equal(r->metadata[0]->value, "abc");
	assert_memory_equal(r->payload.data, "xyz", 3);
	/* Freeing through the allocator is a no-op; the arena owns it all. */
	hues__v1__request__free_unpacked(r, &alloc);
	arena_fini(&a);
}

/* 1,000,000 empty field_violations: 2 MB of input that protobuf-c would
 * turn into tens of MB of structures, pointer arrays and scan slabs. */
static uint8_t *
hostile_fail_request(size_t count, size_t *len)
{
	uint8_t *p = malloc(2 * count);
	assert_non_null(p);
	for (size_t i = 0; i < count; i++) {
		p[2 * i]     = 0x1a; /* field 3 (field_violations), LEN */
		p[2 * i + 1] = 0x00; /* empty FieldViolation */
	}
	*len = 2 * count;
	return p;
}

static void
test_arena_cap_stops_hostile_unpack(void **state)
{
	(void) state;
	size_t             len;
	uint8_t           *data = hostile_fail_request(1000000, &len);
	size_t             cap  = PAYLOAD_CAP(len);
	arena              a;
	ProtobufCAllocator alloc;

	/* First, the premise: uncapped, this input takes far more than the
	 * rule allows a 2 MB payload. */
	arena_init(&a, 16 * 1024);
	arena_protobuf_allocator(&a, &alloc);
	Hues__V1__FailRequest *r =
	    hues__v1__fail_request__unpack(&alloc, len, data);
	assert_non_null(r);
	assert_int_equal(r->n_field_violations, 1000000);
	assert_true(a.used > 3 * cap);
	arena_reset(&a);

	/* Under the cap, unpacking fails and says it was the cap, having
	 * handed out no more than the cap. */
	arena_set_cap(&a, cap);
	r = hues__v1__fail_request__unpack(&alloc, len, data);
	assert_null(r);
	assert_true(a.capped);
	assert_true(a.used <= cap);
	arena_fini(&a);
	free(data);
}

static void
test_arena_cap_admits_legitimate_request(void **state)
{
	(void) state;
	Hues__V1__FailRequest     req = HUES__V1__FAIL_REQUEST__INIT;
	Hues__V1__FieldViolation  v[3];
	Hues__V1__FieldViolation *vs[3];
	const char *fields[] = {"location.latitude", "media[2].url", "title"};
	for (int i = 0; i < 3; i++) {
		hues__v1__field_violation__init(&v[i]);
		v[i].field       = (char *) fields[i];
		v[i].description = "must be set";
		vs[i]            = &v[i];
	}
	req.code               = 3;
	req.message            = "three problems";
	req.reason             = "BAD_REPORT";
	req.field_violations   = vs;
	req.n_field_violations = 3;
	uint8_t buf[512];
	size_t  len = hues__v1__fail_request__pack(&req, buf);

	arena              a;
	ProtobufCAllocator alloc;
	arena_init(&a, 16 * 1024);
	arena_set_cap(&a, PAYLOAD_CAP(len));
	arena_protobuf_allocator(&a, &alloc);
	Hues__V1__FailRequest *r =
	    hues__v1__fail_request__unpack(&alloc, len, buf);
	assert_non_null(r);
	assert_false(a.capped);
	assert_int_equal(r->n_field_violations, 3);
	assert_string_equal(r->field_violations[1]->field, "media[2].url");
	assert_string_equal(r->reason, "BAD_REPORT");
	arena_fini(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arena_alloc_aligns_to_16),
	    cmocka_unit_test(test_arena_alloc_zero_returns_distinct_pointers),
	    cmocka_unit_test(test_arena_grows_across_chunks),
	    cmocka_unit_test(test_arena_big_allocation_gets_own_chunk),
	    cmocka_unit_test(test_arena_reset_reuses_first_chunk),
	    cmocka_unit_test(test_arena_fini_accepts_unused_arena),
	    cmocka_unit_test(test_arena_cap_allows_exactly_cap_bytes),
	    cmocka_unit_test(test_arena_copies_and_printf),
	    cmocka_unit_test(test_arena_protobuf_allocator_unpacks),
	    cmocka_unit_test(test_arena_cap_stops_hostile_unpack),
	    cmocka_unit_test(test_arena_cap_admits_legitimate_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
