/*
 * dispatch_harness.h - what dispatch_test.c drives rpc_dispatch() with: a
 * registry of fake services (test.v1.Fake, one method per outcome the
 * dispatcher must map), a fake authenticator, and helpers that encode a
 * hues.v1.Request, dispatch it and decode the Reply.
 */
#ifndef HUES_TEST_DISPATCH_HARNESS_H
#define HUES_TEST_DISPATCH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hues/v1/rpc.pb-c.h"
#include "rpc/dispatch.h"

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
	int echo, count, reject, secret, fail, auth_calls;
} counters;

extern counters runs;

typedef struct fixture {
	svc_registry  *reg;
	rpc_idem      *idem;
	rpc_dispatcher d; /* tests may change auth, idem, max_request */
	rpc_worker     w;
	FILE          *log; /* the server log of this test */
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

#endif /* HUES_TEST_DISPATCH_HARNESS_H */
