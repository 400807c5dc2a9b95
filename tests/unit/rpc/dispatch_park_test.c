/*
 * dispatch_park_test.c - parking (rpc_dispatch_park): a message whose
 * handlers deferred writes leaves its worker with its own memory, becomes
 * ready exactly once when its last write completed (on the writer thread,
 * or on the worker when they completed first), and rpc_dispatch_resume
 * then gives the reply the blocking path gives; last, many messages at
 * once through a pool, as the server runs them. The store is real, in a
 * temp dir (dispatch_harness.h: test.v1.Store); it is paused where a test
 * needs a write not to complete yet, and a write of the test's own,
 * queued behind the others, tells when they have: no test waits for time.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../store/fixture.h"
#include "core/clock.h"
#include "dispatch_harness.h"
#include "rpc/pool.h"

/* Reply bytes, copied out of the memory that held them. */
typedef struct bytes {
	uint8_t *data;
	size_t   len;
} bytes;

static bytes
copy_bytes(const uint8_t *data, size_t len)
{
	bytes b = {malloc(len > 0 ? len : 1), len};
	memcpy(b.data, data, len);
	return b;
}

static void
assert_same_bytes(bytes want, bytes got)
{
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	free(want.data);
}

/* The blocking path's reply (rpc_dispatch), as a server without parking
 * would send it. */
static bytes
blocking_reply(fixture *f, const uint8_t *req, size_t len)
{
	const uint8_t *out;
	size_t         n;
	rpc_dispatch(&f->d, &f->w, req, len, clock_now_ns(), &out, &n);
	bytes b = copy_bytes(out, n);
	rpc_worker_reset(&f->w);
	return b;
}

/* rpc_dispatch_park on worker w for a message that must park. */
static rpc_parked *
park(fixture *f, rpc_worker *w, const uint8_t *req, size_t len, void *user)
{
	const uint8_t *out = NULL;
	size_t         n   = 0;
	rpc_parked    *p   = NULL;
	assert_false(rpc_dispatch_park(
	    &f->d, w, req, len, clock_now_ns(), user, &out, &n, &p));
	assert_non_null(p);
	return p;
}

/* rpc_dispatch_park for a message that must not park: its reply. */
static bytes
no_park(fixture *f, const uint8_t *req, size_t len)
{
	const uint8_t *out = NULL;
	size_t         n   = 0;
	rpc_parked    *p   = NULL;
	assert_true(rpc_dispatch_park(
	    &f->d, &f->w, req, len, clock_now_ns(), NULL, &out, &n, &p));
	assert_null(p);
	bytes b = copy_bytes(out, n);
	rpc_worker_reset(&f->w);
	return b;
}

/* Finishes a parked message as a worker does: its reply, then frees it. */
static bytes
resume(fixture *f, rpc_parked *p)
{
	const uint8_t *out;
	size_t         n;
	rpc_dispatch_resume(&f->d, p, &out, &n);
	bytes b = copy_bytes(out, n);
	rpc_parked_free(p);
	return b;
}

/* What the hooks recorded, read under their lock. */
typedef struct hooks {
	unsigned    parking, ready, errors;
	bool        parking_first; /* the last parking came before ready */
	bool        ready_here;    /* ready ran on this thread */
	rpc_parked *parking_p, *ready_p;
} hooks;

static hooks
hooks_now(void)
{
	pthread_mutex_lock(&parks.mtx);
	hooks h = {parks.parking, parks.ready, parks.errors,
	    parks.parking_seq < parks.ready_seq,
	    parks.ready > 0 &&
	        pthread_equal(parks.ready_thread, pthread_self()),
	    parks.parking_p, parks.ready_p};
	pthread_mutex_unlock(&parks.mtx);
	return h;
}

/* An EchoResponse whose payload is s, in a call's reply. */
static void
assert_echo(const ProtobufCBinaryData *pl, const char *s)
{
	size_t n = strlen(s);
	assert_int_equal(pl->len, n + 2);
	assert_int_equal(pl->data[0], 0x0a);
	assert_int_equal(pl->data[1], n);
	assert_memory_equal(pl->data + 2, s, n);
}

/* Whether the store holds key (with itself as the value). */
static bool
kv_has(fixture *f, const char *key)
{
	char   buf[64];
	size_t n;
	int rc = fx_get(f->st, f->kv, key, strlen(key), buf, sizeof(buf), &n);
	if (rc == HUES_NOT_FOUND) {
		return false;
	}
	assert_int_equal(rc, HUES_OK);
	assert_int_equal(n, strlen(key));
	assert_memory_equal(buf, key, n);
	return true;
}

#define PUT "/test.v1.Store/Put"
#define ECHO "/test.v1.Fake/Echo"

static void
test_dispatch_park_ready_on_writer_thread(void **state)
{
	fixture *f = *state;
	int      user;
	size_t   len;
	uint8_t *req = encode_request(&(spec) {.method = PUT, .call_id = 7,
	                                  PAYLOAD("\x0a\x02k1"),
	                                  MD("x-request-id", "put-1")},
	    1, false, &len);
	bytes    want = blocking_reply(f, req, len);
	assert_true(kv_has(f, "k1"));
	assert_int_equal(hooks_now().parking + hooks_now().ready, 0);

	/* The writer takes no batch: the message parks, and nothing makes
	 * it ready yet. */
	store_pause(f->st);
	rpc_parked *p = park(f, &f->w, req, len, &user);
	hooks       h = hooks_now();
	assert_int_equal(h.parking, 1);
	assert_ptr_equal(h.parking_p, p);
	assert_int_equal(h.ready, 0);
	assert_ptr_equal(rpc_parked_user(p), &user);
	assert_ptr_equal(rpc_parked_of(rpc_parked_link(p)), p);
	rpc_worker_reset(&f->w); /* the worker goes on, as run_job does */

	store_resume(f->st);
	wait_ready(1);
	/* Every completion has run by now: ready came once, after parking,
	 * on the writer thread. */
	assert_int_equal(store_barrier(f->st), HUES_OK);
	h = hooks_now();
	assert_int_equal(h.parking, 1);
	assert_int_equal(h.ready, 1);
	assert_ptr_equal(h.ready_p, p);
	assert_true(h.parking_first);
	assert_false(h.ready_here);

	bytes            got = resume(f, p);
	Hues__V1__Reply *r   = decode_reply(got.data, got.len);
	assert_same_bytes(want, got);
	assert_int_equal(r->call_id, 7);
	assert_string_equal(rid_of(r), "put-1");
	expect_payload(r, "put k1");
	free(got.data);
	free(req);
}

static void
test_dispatch_park_ready_inline_when_writes_done_first(void **state)
{
	fixture   *f    = *state;
	const spec s[2] = {
	    {.method = PUT, .call_id = 1, PAYLOAD("\x0a\x02ka"),
	        MD("x-request-id", "in-1")},
	    {.method = PUT, .call_id = 2, PAYLOAD("\x0a\x02kb"),
	        MD("x-request-id", "in-2")},
	};
	size_t   len;
	uint8_t *req  = encode_request(s, 2, true, &len);
	bytes    want = blocking_reply(f, req, len);

	/* The parking hook waits until both writes completed: dropping the
	 * worker's hold then makes the message ready, here and now. */
	parks.drain_in_parking = true;
	rpc_parked *p          = park(f, &f->w, req, len, NULL);
	hooks       h          = hooks_now();
	assert_int_equal(h.errors, 0);
	assert_int_equal(h.parking, 1);
	assert_int_equal(h.ready, 1);
	assert_ptr_equal(h.ready_p, p);
	assert_true(h.parking_first);
	assert_true(h.ready_here);

	bytes            got = resume(f, p);
	Hues__V1__Reply *r   = decode_reply(got.data, got.len);
	assert_same_bytes(want, got);
	assert_int_equal(r->n_batch, 2);
	assert_int_equal(r->batch[0]->code, HUES_OK);
	assert_echo(&r->batch[0]->payload, "put ka");
	assert_int_equal(r->batch[1]->code, HUES_OK);
	assert_echo(&r->batch[1]->payload, "put kb");
	hues__v1__reply__free_unpacked(r, NULL);
	assert_int_equal(hooks_now().ready, 1);
	free(got.data);
	free(req);
}

static void
test_dispatch_park_batch_matches_blocking(void **state)
{
	fixture   *f    = *state;
	const spec s[7] = {
	    {.method = PUT, .call_id = 1, PAYLOAD("\x0a\x02k1"),
	        MD("x-request-id", "b-1")},
	    {.method = ECHO, .call_id = 2, PAYLOAD("\x0a\x02hi"),
	        MD("x-request-id", "b-2")},
	    {.method = "/test.v1.Store/Insert", .call_id = 3,
	        PAYLOAD("\x0a\x02k1"), MD("x-request-id", "b-3")},
	    {.method = "/test.v1.Fake/Reject", .call_id = 4,
	        MD("x-request-id", "b-4")},
	    {.method = "/test.v1.Store/Abort", .call_id = 5,
	        PAYLOAD("\x0a\x02k3"), MD("x-request-id", "b-5")},
	    {.method = PUT, .call_id = 6, PAYLOAD("\x0a\x02k2"),
	        MD("x-request-id", "b-6")},
	    {.method = "/test.v1.Fake/Nope", .call_id = 7,
	        MD("x-request-id", "b-7")},
	};
	const int codes[7] = {HUES_OK, HUES_OK, HUES_ALREADY_EXISTS,
	    HUES_INVALID_ARGUMENT, HUES_FAILED_PRECONDITION, HUES_OK,
	    HUES_UNIMPLEMENTED};
	size_t    len;
	uint8_t  *req  = encode_request(s, 7, true, &len);
	bytes     want = blocking_reply(f, req, len);
	assert_true(kv_has(f, "k1") && kv_has(f, "k2"));
	assert_false(kv_has(f, "k3"));

	store_pause(f->st);
	rpc_parked *p = park(f, &f->w, req, len, NULL);
	assert_int_equal(hooks_now().ready, 0);
	rpc_worker_reset(&f->w);
	store_resume(f->st);
	wait_ready(1);
	assert_int_equal(store_barrier(f->st), HUES_OK);
	/* Four writes, one ready. */
	assert_int_equal(hooks_now().parking, 1);
	assert_int_equal(hooks_now().ready, 1);

	bytes            got = resume(f, p);
	Hues__V1__Reply *r   = decode_reply(got.data, got.len);
	assert_same_bytes(want, got);
	assert_int_equal(r->n_batch, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(r->batch[i]->call_id, i + 1);
		assert_int_equal(r->batch[i]->code, codes[i]);
	}
	assert_echo(&r->batch[0]->payload, "put k1");
	assert_echo(&r->batch[1]->payload, "hi");
	assert_string_equal(
	    r->batch[2]->message, "the write failed: ALREADY_EXISTS");
	assert_string_equal(r->batch[3]->details->reason, "BAD_REPORT");
	assert_string_equal(
	    r->batch[4]->message, "the write failed: FAILED_PRECONDITION");
	assert_echo(&r->batch[5]->payload, "put k2");
	hues__v1__reply__free_unpacked(r, NULL);
	assert_false(kv_has(f, "k3"));
	assert_int_equal(runs.echo, 2);
	assert_int_equal(runs.reject, 2);
	free(got.data);
	free(req);
}

/* The meanwhile work of a message's calls runs after all its handlers
 * (so their writes were all queued first), once each, parked or not. */
static void
test_dispatch_meanwhile_after_every_handler(void **state)
{
	fixture   *f    = *state;
	const spec s[3] = {
	    {.method = "/test.v1.Store/Later", .call_id = 1,
	        PAYLOAD("\x0a\x02m1"), MD("x-request-id", "m-1")},
	    {.method = ECHO, .call_id = 2, PAYLOAD("\x0a\x02hi"),
	        MD("x-request-id", "m-2")},
	    {.method = "/test.v1.Store/Later", .call_id = 3,
	        PAYLOAD("\x0a\x02m2"), MD("x-request-id", "m-3")},
	};
	size_t   len;
	uint8_t *req = encode_request(s, 3, true, &len);

	bytes            b = blocking_reply(f, req, len);
	Hues__V1__Reply *r = decode_reply(b.data, b.len);
	assert_int_equal(r->n_batch, 3);
	assert_echo(&r->batch[0]->payload, "later m1 after 2");
	assert_echo(&r->batch[1]->payload, "hi");
	assert_echo(&r->batch[2]->payload, "later m2 after 2");
	hues__v1__reply__free_unpacked(r, NULL);
	free(b.data);
	assert_true(kv_has(f, "m1") && kv_has(f, "m2"));

	/* Parked, with the writes held: the work still ran before. */
	runs.later = 0;
	store_pause(f->st);
	rpc_parked *p = park(f, &f->w, req, len, NULL);
	rpc_worker_reset(&f->w);
	store_resume(f->st);
	wait_ready(1);
	b = resume(f, p);
	r = decode_reply(b.data, b.len);
	assert_echo(&r->batch[0]->payload, "later m1 after 2");
	assert_echo(&r->batch[2]->payload, "later m2 after 2");
	hues__v1__reply__free_unpacked(r, NULL);
	free(b.data);
	assert_int_equal(runs.later, 2);
	free(req);
}

static void
test_dispatch_park_without_writes_answers_at_once(void **state)
{
	fixture *f = *state;
	size_t   len;
	uint8_t *req = encode_request(
	    &(spec) {.method = ECHO, .call_id = 1,
	        PAYLOAD("\x0a\x02hi"), MD("x-request-id", "e-1")},
	    1, false, &len);
	bytes want = blocking_reply(f, req, len);
	bytes b    = no_park(f, req, len);
	assert_same_bytes(want, b);
	free(b.data);
	free(req);

	/* A batch of calls that write nothing, some failing. */
	const spec s[3] = {
	    {.method = ECHO, .call_id = 1, PAYLOAD("\x0a\x01x")},
	    {.method = "/test.v1.Fake/Reject", .call_id = 2},
	    {.method = "/test.v1.Fake/Nope", .call_id = 3},
	};
	req                = encode_request(s, 3, true, &len);
	b                  = no_park(f, req, len);
	Hues__V1__Reply *r = decode_reply(b.data, b.len);
	assert_int_equal(r->n_batch, 3);
	assert_echo(&r->batch[0]->payload, "x");
	assert_int_equal(r->batch[1]->code, HUES_INVALID_ARGUMENT);
	assert_int_equal(r->batch[2]->code, HUES_UNIMPLEMENTED);
	hues__v1__reply__free_unpacked(r, NULL);
	free(b.data);
	free(req);

	/* A bad envelope. */
	b = no_park(f, (const uint8_t *) "\xff", 1);
	expect(decode_reply(b.data, b.len), HUES_INVALID_ARGUMENT,
	    "MALFORMED_ENVELOPE", NULL);
	free(b.data);

	/* A write the store refuses to queue leaves nothing to wait for. */
	store_stop(f->st, 0);
	req = encode_request(
	    &(spec) {.method = PUT, PAYLOAD("\x0a\x02k1")}, 1, false, &len);
	b = no_park(f, req, len);
	expect(decode_reply(b.data, b.len), HUES_UNAVAILABLE, "",
	    "the store takes no writes (UNAVAILABLE)");
	free(b.data);
	free(req);
	assert_int_equal(hooks_now().parking + hooks_now().ready, 0);
}

static void
test_dispatch_parked_writes_failed_by_store_stop(void **state)
{
	fixture   *f    = *state;
	const spec s[3] = {
	    {.method = PUT, .call_id = 1, PAYLOAD("\x0a\x02k1")},
	    {.method = ECHO, .call_id = 2, PAYLOAD("\x0a\x02hi")},
	    {.method = "/test.v1.Store/Insert", .call_id = 3,
	        PAYLOAD("\x0a\x02k2")},
	};
	size_t   len;
	uint8_t *req = encode_request(s, 3, true, &len);

	/* A forced stop fails the queued writes: the message becomes ready
	 * all the same, and each writing call reports the failure. */
	store_pause(f->st);
	rpc_parked *p = park(f, &f->w, req, len, NULL);
	rpc_worker_reset(&f->w);
	store_stop(f->st, STORE_STOP_FORCE);
	wait_ready(1);
	hooks h = hooks_now();
	assert_int_equal(h.parking, 1);
	assert_int_equal(h.ready, 1);
	assert_false(h.ready_here);

	bytes            got = resume(f, p);
	Hues__V1__Reply *r   = decode_reply(got.data, got.len);
	assert_int_equal(r->n_batch, 3);
	assert_int_equal(r->batch[0]->code, HUES_UNAVAILABLE);
	assert_string_equal(r->batch[0]->message, "put failed: UNAVAILABLE");
	assert_int_equal(r->batch[1]->code, HUES_OK);
	assert_echo(&r->batch[1]->payload, "hi");
	assert_int_equal(r->batch[2]->code, HUES_UNAVAILABLE);
	assert_string_equal(
	    r->batch[2]->message, "the write failed: UNAVAILABLE");
	hues__v1__reply__free_unpacked(r, NULL);
	free(got.data);
	free(req);
	assert_false(kv_has(f, "k1"));
}

static void
test_dispatch_parked_arena_survives_worker_reset(void **state)
{
	fixture *f = *state;
	char     big[4001];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* Strings of every kind live in the parked message's memory: the
	 * decoded request, metadata, the handler's response, the write. */
	const spec s[3] = {
	    {.method = PUT, .call_id = 1, PAYLOAD("\x0a\x05key-1"),
	        MD("x-request-id", "a-1")},
	    {.method = ECHO, .call_id = 2,
	        MD("x-echo", "from the parked arena", "x-request-id", "a-2")},
	    {.method = PUT, .call_id = 3, PAYLOAD("\x0a\x05key-2"),
	        MD("x-request-id", "a-3")},
	};
	size_t   len;
	uint8_t *req  = encode_request(s, 3, true, &len);
	bytes    want = blocking_reply(f, req, len);

	/* Parked by a worker of its own, which then goes on: it resets,
	 * serves a message that overwrites the memory it kept, and ends (its
	 * state freed) before the message is resumed. */
	rpc_worker *w = malloc(sizeof(*w));
	rpc_worker_init(w, 1);
	store_pause(f->st);
	rpc_parked *p = park(f, w, req, len, NULL);
	rpc_worker_reset(w);
	size_t   blen;
	uint8_t *breq = encode_request(
	    &(spec) {.method = ECHO, MD("x-echo", big)}, 1,
	    false, &blen);
	const uint8_t   *out;
	size_t           n;
	rpc_dispatch(&f->d, w, breq, blen, clock_now_ns(), &out, &n);
	Hues__V1__Reply *r = decode_reply(out, n);
	assert_int_equal(r->code, HUES_OK);
	hues__v1__reply__free_unpacked(r, NULL);
	free(breq);
	rpc_worker_reset(w);
	rpc_worker_fini(w);
	free(w);

	store_resume(f->st);
	wait_ready(1);
	bytes got = resume(f, p);
	r         = decode_reply(got.data, got.len);
	assert_same_bytes(want, got);
	assert_echo(&r->batch[0]->payload, "put key-1");
	assert_echo(&r->batch[1]->payload, "from the parked arena");
	assert_echo(&r->batch[2]->payload, "put key-2");
	hues__v1__reply__free_unpacked(r, NULL);
	free(got.data);
	free(req);
}

static void
test_dispatch_parked_call_keeps_its_idempotency_key(void **state)
{
	fixture *f = *state;
	size_t   len;
	uint8_t *req = encode_request(
	    &(spec) {.method = PUT, PAYLOAD("\x0a\x02k1"),
	        MD("idempotency-key", "ik", "x-request-id", "i-1")},
	    1, false, &len);

	store_pause(f->st);
	rpc_parked *p = park(f, &f->w, req, len, NULL);
	rpc_worker_reset(&f->w);
	/* While its write waits, a retry is told the call still runs. */
	bytes b = no_park(f, req, len);
	expect(decode_reply(b.data, b.len), HUES_ABORTED,
	    "IDEMPOTENCY_KEY_IN_USE",
	    "a call with this idempotency key is still running");
	free(b.data);

	store_resume(f->st);
	wait_ready(1);
	b = resume(f, p);
	expect_payload(decode_reply(b.data, b.len), "put k1");
	free(b.data);
	/* Once finished, a retry replays the outcome and writes nothing. */
	b = no_park(f, req, len);
	expect_payload(decode_reply(b.data, b.len), "put k1");
	free(b.data);
	assert_int_equal(hooks_now().parking, 1);
	assert_int_equal(hooks_now().ready, 1);
	free(req);
}

/* A small server: a pool whose workers park messages and whose resume
 * finishes them (server.c's run_job and resume_job), many at once. */
enum { POOL_MSGS = 64 };

typedef struct pool_msg {
	uint8_t   *req;
	size_t     len;
	uint8_t   *reply;
	size_t     rlen;
	atomic_int replies;
} pool_msg;

typedef struct pool_worker {
	rpc_worker w;
	fixture   *f;
} pool_worker;

static void *
pw_init(unsigned index, void *arg)
{
	pool_worker *pw = malloc(sizeof(*pw));
	rpc_worker_init(&pw->w, index + 1);
	pw->f = arg;
	return pw;
}

static void
pw_fini(void *wctx)
{
	pool_worker *pw = wctx;
	rpc_worker_fini(&pw->w);
	free(pw);
}

static void
pw_reply(pool_msg *m, const uint8_t *out, size_t n)
{
	if (atomic_fetch_add(&m->replies, 1) == 0) {
		m->reply = malloc(n);
		memcpy(m->reply, out, n);
		m->rlen = n;
	}
}

static void
pw_run(void *job, void *wctx)
{
	pool_msg      *m  = job;
	pool_worker   *pw = wctx;
	const uint8_t *out;
	size_t         n;
	rpc_parked    *p;
	if (rpc_dispatch_park(&pw->f->d, &pw->w, m->req, m->len, clock_now_ns(),
	        m, &out, &n, &p)) {
		pw_reply(m, out, n);
	}
	rpc_worker_reset(&pw->w);
}

static void
pw_resume(rpc_pool_item *item, void *wctx)
{
	pool_worker   *pw = wctx;
	rpc_parked    *p  = rpc_parked_of(item);
	const uint8_t *out;
	size_t         n;
	rpc_dispatch_resume(&pw->f->d, p, &out, &n);
	pw_reply(rpc_parked_user(p), out, n);
	rpc_parked_free(p);
}

static void
test_dispatch_park_through_pool(void **state)
{
	fixture      *f = *state;
	pool_msg      msgs[POOL_MSGS];
	char          keys[POOL_MSGS][2][8];
	rpc_pool_opts o = {.workers = 2,
	    .depth                  = POOL_MSGS,
	    .run                    = pw_run,
	    .worker_init            = pw_init,
	    .worker_fini            = pw_fini,
	    .arg                    = f,
	    .resume                 = pw_resume};
	rpc_pool     *pool;
	/* Message i: Put "<i>a", then Put "<i>b" (even i) or an Insert of
	 * "<i>a" again, which finds it (odd i). */
	for (int i = 0; i < POOL_MSGS; i++) {
		char pl[2][8];
		for (int k = 0; k < 2; k++) {
			snprintf(keys[i][k], sizeof(keys[i][k]), "%02d%c", i,
			    k == 0 || i % 2 == 1 ? 'a' : 'b');
			pl[k][0] = 0x0a;
			pl[k][1] = 3;
			memcpy(pl[k] + 2, keys[i][k], 3);
		}
		const spec s[2] = {
		    {.method = PUT, .payload = pl[0], .plen = 5},
		    {.method = i % 2 ? "/test.v1.Store/Insert" : PUT,
		        .payload = pl[1], .plen = 5},
		};
		size_t len;
		msgs[i] = (pool_msg) {.req = encode_request(s, 2, true, &len)};
		msgs[i].len = len;
		atomic_init(&msgs[i].replies, 0);
	}
	parks.pool = NULL;
	assert_int_equal(rpc_pool_create(&o, &pool), HUES_OK);
	parks.pool = pool;
	for (int i = 0; i < POOL_MSGS; i++) {
		assert_int_equal(rpc_pool_submit(pool, &msgs[i]), HUES_OK);
	}
	assert_true(rpc_pool_wait_idle(pool, clock_now_ns() + 60000000000ull));
	rpc_pool_destroy(pool);
	parks.pool = NULL;

	hooks h = hooks_now();
	assert_int_equal(h.parking, POOL_MSGS);
	assert_int_equal(h.ready, POOL_MSGS);
	for (int i = 0; i < POOL_MSGS; i++) {
		assert_int_equal(atomic_load(&msgs[i].replies), 1);
		Hues__V1__Reply *r = decode_reply(msgs[i].reply, msgs[i].rlen);
		char             want[16];
		assert_int_equal(r->n_batch, 2);
		snprintf(want, sizeof(want), "put %.7s", keys[i][0]);
		assert_echo(&r->batch[0]->payload, want);
		if (i % 2 == 0) {
			snprintf(want, sizeof(want), "put %.7s", keys[i][1]);
			assert_echo(&r->batch[1]->payload, want);
		} else {
			assert_int_equal(
			    r->batch[1]->code, HUES_ALREADY_EXISTS);
		}
		hues__v1__reply__free_unpacked(r, NULL);
		free(msgs[i].reply);
		free(msgs[i].req);
	}
	assert_int_equal(fx_count(f->st, f->kv), POOL_MSGS + POOL_MSGS / 2);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_store, teardown_store)
	const struct CMUnitTest tests[] = {
	    T(test_dispatch_park_ready_on_writer_thread),
	    T(test_dispatch_park_ready_inline_when_writes_done_first),
	    T(test_dispatch_park_batch_matches_blocking),
	    T(test_dispatch_meanwhile_after_every_handler),
	    T(test_dispatch_park_without_writes_answers_at_once),
	    T(test_dispatch_parked_writes_failed_by_store_stop),
	    T(test_dispatch_parked_arena_survives_worker_reset),
	    T(test_dispatch_parked_call_keeps_its_idempotency_key),
	    T(test_dispatch_park_through_pool),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
