/*
 * dispatch_harness.h - what dispatch_test.c drives rpc_dispatch() with: a
 * registry of fake services (test.v1.Fake, one method per outcome the
 * dispatcher must map), a fake authenticator, and helpers that encode a
 * hues.v1.Request, dispatch it and decode the Reply.
 */
#ifndef HUES_TEST_DISPATCH_HARNESS_H
#define HUES_TEST_DISPATCH_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hues/v1/rpc.pb-c.h"
#include "rpc/dispatch.h"
#include "rpc/pool.h"
#include "store/store.h"

/*
 * The fake methods, all under "/test.v1.Fake/" and all public unless said:
 *   Echo      idempotent; answers an EchoResponse with the request's
 *             payload, or with the x-echo metadata value when there is one
 *   Count     not idempotent; answers "n=<executions so far>"
 *   BadCode   returns status 99
 *   Secret    not idempotent; INTERNAL with "mdb_put: password=hunter2"
 *   Reject    not idempotent; INVALID_ARGUMENT with two violations,
 *             reason BAD_REPORT and a 250 ms retry hint
 *   Whoami    AUTHENTICATED; answers the caller's subject
 *   Officers  ROLES (officer, admin); answers the caller's subject
 *   Slow      runs until its deadline has passed, then returns OK
 *   Fail      takes a hues.v1.FailRequest; returns OK
 * Tokens "citizen-<name>", "officer-<name>" and "gateway-for-<name>" (a
 * service on behalf of <name>) verify; any other token
 * fails with "token expired" / TOKEN_EXPIRED.
 */

/* How often each handler (and the authenticator) ran in this test. */
typedef struct counters {
	int echo, count, reject, secret, fail, auth_calls, later;
} counters;

extern counters runs;

typedef struct fixture {
	svc_registry  *reg;
	rpc_idem      *idem;
	rpc_dispatcher d; /* tests may change auth, idem, max_request */
	rpc_worker     w;
	FILE          *log; /* the server log of this test */
	store         *st;  /* setup_store only: the store and its table */
	store_table   *kv;
} fixture;

/* cmocka setup and teardown: a fresh registry, idempotency table (1000
 * entries, 60 s), worker, counters and log per test. */
int setup(void **state);
int teardown(void **state);

/* Everything logged since setup. */
const char *log_text(fixture *f);

/* One call: md holds key, value, key, value ... (nmd pairs); expired means
 * the call arrived long ago with a 1 ms deadline. */
typedef struct spec {
	const char        *method;
	uint64_t           call_id;
	const char        *payload;
	size_t             plen;
	const char *const *md;
	size_t             nmd;
	uint32_t           timeout_ms;
	bool               expired;
} spec;

#define MD(...)                                    \
	.md = (const char *const[]) {__VA_ARGS__}, \
	.nmd =                                     \
	    sizeof((const char *const[]) {__VA_ARGS__}) / sizeof(char *) / 2
#define PAYLOAD(s) .payload = (s), .plen = sizeof(s) - 1

/* Dispatches raw bytes received at recv; returns the decoded Reply (free
 * it with hues__v1__reply__free_unpacked). */
Hues__V1__Reply *dispatch_bytes(
    fixture *f, const uint8_t *data, size_t len, uint64_t recv);

/* Dispatches n calls, as a batch or (n == 1) a single-call Request. */
Hues__V1__Reply *dispatch(fixture *f, const spec *s, size_t n, bool batch);
Hues__V1__Reply *call1(fixture *f, spec s);

/* The reply's reason ("" without details) and x-request-id trailer. */
const char *reason_of(const Hues__V1__Reply *r);
const char *rid_of(const Hues__V1__Reply *r);

/* Each asserts on a reply and frees it. expect: code, reason and (unless
 * NULL) the exact message, and no payload on error. expect_payload: OK
 * with an EchoResponse whose payload is the string. expect_violation:
 * INVALID_ARGUMENT with exactly one violation. */
void expect(Hues__V1__Reply *r, int code, const char *reason, const char *msg);
void expect_payload(Hues__V1__Reply *r, const char *payload);
void expect_violation(Hues__V1__Reply *r, const char *field, const char *desc);

/* Packs n calls into a Request as dispatch() does (malloc'd: free it). */
uint8_t *encode_request(const spec *s, size_t n, bool batch, size_t *len);

/* Unpacks reply bytes; fails the test unless they are a Reply. */
Hues__V1__Reply *decode_reply(const uint8_t *data, size_t len);

/*
 * Parking. setup_store does what setup does, opens a store in a fresh
 * temp dir (tests/unit/store/fixture.h) with the table "kv", adds the
 * service test.v1.Store and sets the dispatcher's parking and ready hooks,
 * which record into parks. Its methods are public and not idempotent;
 * each takes an EchoRequest whose payload is the key (and the value) and
 * defers one write with call_defer_write():
 *   Put     puts; its after hook answers an EchoResponse "put <key>"
 *   Insert  puts unless the key exists, no after hook (so an existing
 *           key is ALREADY_EXISTS "the write failed: ALREADY_EXISTS")
 *   Abort   puts, then fails with FAILED_PRECONDITION: nothing is written
 *   Later   puts, and leaves meanwhile work (call_meanwhile) that notes
 *           how many Later handlers had run (runs.later); its after hook
 *           answers "later <key> after <that number>"
 */
typedef struct park_log {
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	unsigned        parking, ready; /* calls of each hook */
	unsigned        seq;            /* calls of both hooks */
	unsigned        parking_seq, ready_seq; /* seq of their last call */
	pthread_t       ready_thread;           /* of the last ready */
	rpc_parked     *parking_p, *ready_p;    /* their last arguments */
	unsigned        errors; /* a store_barrier in a hook failed */
	/* Set by a test: the parking hook first waits for the writes queued
	 * so far (store_barrier), so that the message is ready before the
	 * worker is done with it, and ready runs on the worker. */
	bool drain_in_parking;
	/* Set by a test: the hooks also count the message in this pool and
	 * give it back to it, as the server does. */
	rpc_pool *pool;
	store    *st;
} park_log;

extern park_log parks;

int setup_store(void **state);
int teardown_store(void **state);

/* Returns once ready has been called n times since setup_store. */
void wait_ready(unsigned n);

/* Returns once every write queued on st so far has completed and its done
 * callback has returned (the writer completes requests in order, and this
 * is a write of its own behind them). HUES_OK or the store's code. */
int store_barrier(store *st);

#endif /* HUES_TEST_DISPATCH_HARNESS_H */
