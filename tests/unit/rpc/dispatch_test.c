/*
 * dispatch_test.c - from request bytes to reply bytes: the method table,
 * the order of checks (deadline, metadata, method, auth, idempotency key,
 * payload, handler) and how each outcome maps to the reply's status,
 * reason, violations and trailers. The services are fakes
 * (dispatch_harness.h), so every path is reachable without a server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "dispatch_harness.h"

static void
test_dispatch_runs_handler(void **state)
{
	fixture         *f = *state;
	Hues__V1__Reply *r = call1(f, (spec) {.method = "/test.v1.Fake/Echo",
	                                  .call_id    = 42,
	                                  .timeout_ms = 60000,
	                                  PAYLOAD("\x0a\x02hi")});
	assert_int_equal(r->call_id, 42);
	assert_string_equal(r->message, "");
	assert_null(r->details);
	expect_payload(r, "hi");
	assert_int_equal(runs.echo, 1);
	/* Metadata reaches the handler. */
	expect_payload(call1(f, (spec) {.method = "/test.v1.Fake/Echo",
	                            MD("x-echo", "xin chào")}),
	    "xin chào");
}

static void
test_dispatch_unknown_method_is_unimplemented(void **state)
{
	fixture *f = *state;
	expect(call1(f, (spec) {.method = "/test.v1.Fake/Nope"}),
	    HUES_UNIMPLEMENTED, "", "unknown method '/test.v1.Fake/Nope'");
	/* A prefix of a real method is not that method. */
	expect(call1(f, (spec) {.method = "/test.v1.Fake/Ech"}),
	    HUES_UNIMPLEMENTED, "", "unknown method '/test.v1.Fake/Ech'");
	/* Client input quoted back is cut to 128 bytes. */
	char long_name[300];
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	Hues__V1__Reply *r = call1(f, (spec) {.method = long_name});
	assert_int_equal(r->code, HUES_UNIMPLEMENTED);
	assert_int_equal(strlen(r->message), strlen("unknown method ''") + 131);
	assert_non_null(strstr(r->message, "xxx...'"));
	hues__v1__reply__free_unpacked(r, NULL);
}

static void
test_dispatch_expired_deadline_skips_handler(void **state)
{
	fixture *f = *state;
	expect(
	    call1(f, (spec) {.method = "/test.v1.Fake/Echo", .expired = true}),
	    HUES_DEADLINE_EXCEEDED, "",
	    "deadline exceeded before the call started");
	assert_int_equal(runs.echo, 0);
	/* The deadline is checked before anything else. */
	expect(
	    call1(f, (spec) {.method = "/test.v1.Fake/Nope", .expired = true}),
	    HUES_DEADLINE_EXCEEDED, "", NULL);
	/* A deadline that passes while the handler runs replaces its OK. */
	Hues__V1__Reply *r =
	    call1(f, (spec) {.method = "/test.v1.Fake/Slow", .timeout_ms = 50});
	assert_int_equal(r->code, HUES_DEADLINE_EXCEEDED);
	assert_non_null(strstr(r->message, "deadline exceeded"));
	expect(r, HUES_DEADLINE_EXCEEDED, "", NULL);
}

static void
test_dispatch_malformed_payload_names_request_type(void **state)
{
	fixture *f = *state;
	expect(call1(f, (spec) {.method = "/test.v1.Fake/Echo",
	                    PAYLOAD("\xff\xff\xff")}),
	    HUES_INVALID_ARGUMENT, "MALFORMED_PAYLOAD",
	    "payload is not a valid hues.v1.EchoRequest: truncated or "
	    "malformed field tag (byte 0)");
	/* A bad string field also becomes a field violation. */
	Hues__V1__Reply *r = call1(f, (spec) {.method = "/test.v1.Fake/Fail",
	                                  PAYLOAD("\x12\x02\xc3\x28")});
	assert_int_equal(r->details->n_field_violations, 1);
	assert_string_equal(r->details->field_violations[0]->field, "message");
	expect(r, HUES_INVALID_ARGUMENT, "MALFORMED_PAYLOAD",
	    "payload is not a valid hues.v1.FailRequest: message: string is "
	    "not valid UTF-8 or contains a NUL byte (byte 2)");
	assert_int_equal(runs.echo + runs.fail, 0);
}

static void
test_dispatch_internal_hides_handler_message(void **state)
{
	fixture         *f = *state;
	Hues__V1__Reply *r =
	    call1(f, (spec) {.method = "/test.v1.Fake/Secret"});
	const char *rid = rid_of(r);
	assert_non_null(rid);
	char want[128];
	snprintf(want, sizeof(want), "internal error (request id %s)", rid);
	assert_string_equal(r->message, want);
	assert_null(strstr(r->message, "hunter2"));
	/* The operator finds the details in the log, by request id. */
	assert_non_null(strstr(log_text(f), "mdb_put: password=hunter2"));
	assert_non_null(strstr(log_text(f), rid));
	expect(r, HUES_INTERNAL, "", NULL);

	/* A code outside the space is a handler bug: INTERNAL too. */
	r = call1(f, (spec) {.method = "/test.v1.Fake/BadCode"});
	assert_non_null(strstr(r->message, "internal error (request id "));
	assert_null(strstr(r->message, "no client knows"));
	assert_non_null(strstr(log_text(f), "returned invalid status 99"));
	expect(r, HUES_INTERNAL, "", NULL);
}

static void
test_dispatch_passes_violations_and_reason(void **state)
{
	fixture         *f = *state;
	Hues__V1__Reply *r =
	    call1(f, (spec) {.method = "/test.v1.Fake/Reject"});
	assert_int_equal(r->details->n_field_violations, 2);
	assert_string_equal(
	    r->details->field_violations[0]->field, "location.latitude");
	assert_string_equal(r->details->field_violations[1]->field, "title");
	assert_string_equal(
	    r->details->field_violations[1]->description, "must not be empty");
	assert_int_equal(r->details->retry_after_ms, 250);
	expect(r, HUES_INVALID_ARGUMENT, "BAD_REPORT",
	    "location.latitude: must be between -90 and 90 (and 1 more field "
	    "violations)");
}

static void
test_dispatch_checks_metadata(void **state)
{
	fixture    *f    = *state;
	const char *keys = "keys are lowercase ASCII letters, digits, '.', '_' "
	                   "or '-'";
	expect_violation(call1(f, (spec) {.method = "/test.v1.Fake/Echo",
	                              MD("X-Trace", "1")}),
	    "metadata[0].key", keys);
	expect_violation(call1(f, (spec) {.method = "/test.v1.Fake/Echo",
	                              MD("ok", "1", "", "2")}),
	    "metadata[1].key", keys);
	expect_violation(call1(f, (spec) {.method = "/test.v1.Fake/Echo",
	                              MD("a", "1", "b", "2", "a", "3")}),
	    "metadata[2].key", "key 'a' appears more than once");
	expect_violation(call1(f, (spec) {.method = "/test.v1.Fake/Echo",
	                              MD("note", "line\nbreak")}),
	    "metadata[0].value", "control characters are not allowed");
	assert_int_equal(runs.echo, 0);

	/* Keys and values add up to at most 8 KiB. */
	char *big = malloc(8192 + 1);
	memset(big, 'v', 8192);
	big[8191] = '\0';
	expect(call1(f, (spec) {.method = "/test.v1.Fake/Echo", MD("k", big)}),
	    HUES_OK, "", NULL);
	big[8191] = 'v';
	big[8192] = '\0';
	expect(call1(f, (spec) {.method = "/test.v1.Fake/Echo", MD("k", big)}),
	    HUES_INVALID_ARGUMENT, "",
	    "metadata is 8193 bytes; at most 8192 are allowed");
	free(big);

	/* At most 64 entries. */
	const char *pairs[2 * 65];
	char        names[65][8];
	for (int i = 0; i < 65; i++) {
		snprintf(names[i], sizeof(names[i]), "k%d", i);
		pairs[2 * i]     = names[i];
		pairs[2 * i + 1] = "v";
	}
	spec s = {.method = "/test.v1.Fake/Echo", .md = pairs, .nmd = 64};
	expect(call1(f, s), HUES_OK, "", NULL);
	s.nmd = 65;
	expect(call1(f, s), HUES_INVALID_ARGUMENT, "",
	    "65 metadata entries; at most 64 are allowed");
	assert_int_equal(runs.echo, 2);
}

static void
test_dispatch_applies_auth_policy(void **state)
{
	fixture   *f      = *state;
	const char who[]  = "/test.v1.Fake/Whoami";
	const char offi[] = "/test.v1.Fake/Officers";
	const char bad[]  = "authorization must be 'Bearer <token>'";

	expect(call1(f, (spec) {.method = who}), HUES_UNAUTHENTICATED,
	    "TOKEN_MISSING",
	    "/test.v1.Fake/Whoami needs a bearer token in the authorization "
	    "metadata");
	expect(
	    call1(f, (spec) {.method = who, MD("authorization", "Basic YTpi")}),
	    HUES_UNAUTHENTICATED, "BAD_AUTHORIZATION", bad);
	expect(call1(f, (spec) {.method = who, MD("authorization", "Bearer ")}),
	    HUES_UNAUTHENTICATED, "BAD_AUTHORIZATION", bad);
	/* A malformed header never reaches the authenticator. */
	assert_int_equal(runs.auth_calls, 0);
	expect(call1(f, (spec) {.method = who,
	                    MD("authorization", "Bearer nobody")}),
	    HUES_UNAUTHENTICATED, "TOKEN_EXPIRED", "token expired");
	/* A token that does not verify is refused on public methods too. */
	expect(call1(f, (spec) {.method = "/test.v1.Fake/Echo",
	                    MD("authorization", "Bearer nobody")}),
	    HUES_UNAUTHENTICATED, "TOKEN_EXPIRED", "token expired");
	expect_payload(
	    call1(f, (spec) {.method = who,
	                 MD("authorization", "bearer citizen-alice")}),
	    "alice");

	/* Roles. */
	expect(call1(f, (spec) {.method = offi,
	                    MD("authorization", "Bearer citizen-alice")}),
	    HUES_PERMISSION_DENIED, "ROLE_NOT_ALLOWED",
	    "your role may not call /test.v1.Fake/Officers");
	expect(call1(f, (spec) {.method = offi}), HUES_UNAUTHENTICATED,
	    "TOKEN_MISSING", NULL);
	expect_payload(call1(f, (spec) {.method = offi,
	                            MD("authorization", "Bearer officer-bob")}),
	    "bob");

	/* Without an authenticator no token can be accepted. */
	f->d.auth = NULL;
	expect(call1(f, (spec) {.method = who,
	                    MD("authorization", "Bearer citizen-alice")}),
	    HUES_UNAUTHENTICATED, "AUTH_NOT_CONFIGURED",
	    "this server verifies no tokens");
}

static void
test_dispatch_replays_idempotency_key(void **state)
{
	fixture *f   = *state;
	spec     one = {.method = "/test.v1.Fake/Count",
	        MD("idempotency-key", "k1"),
	        PAYLOAD("\x0a\001a")};

	expect_payload(call1(f, one), "n=1");
	/* BUG (server/rpc/dispatch.c, run_call): a replayed OK outcome makes
	 * prepare() return HUES_OK, so the handler runs a second time and
	 * its new response replaces the remembered one (count 2, "n=2"). */
	Hues__V1__Reply *retry   = call1(f, one);
	char             got[16] = "";
	assert_int_equal(retry->code, HUES_OK);
	if (retry->payload.len >= 2 && retry->payload.len - 2 < sizeof(got)) {
		memcpy(got, retry->payload.data + 2, retry->payload.len - 2);
	}
	/* Freed before asserting, so the sanitizer build reports only the
	 * bug, not the reply a failed assertion would leak. */
	hues__v1__reply__free_unpacked(retry, NULL);
	assert_int_equal(runs.count, 1);
	assert_string_equal(got, "n=1");

	/* The same key with another request is refused. */
	spec other    = one;
	other.payload = "\x0a\001b";
	expect(call1(f, other), HUES_INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED",
	    "this idempotency key was used with a different request");
	assert_int_equal(runs.count, 1);
}

static void
test_dispatch_rate_limits_writes_per_caller(void **state)
{
	fixture *f = *state;
	assert_int_equal(
	    rpc_ratelimit_create(1, 2, 100, &f->d.ratelimit), HUES_OK);
	spec alice = {.method = "/test.v1.Fake/Count",
	    MD("authorization", "Bearer citizen-alice")};
	spec keyed = {.method = "/test.v1.Fake/Count",
	    MD("authorization", "Bearer citizen-alice", "idempotency-key",
	        "k9")};

	expect_payload(call1(f, alice), "n=1");
	expect_payload(call1(f, keyed), "n=2");
	/* The burst of 2 is used up: the write is refused, not run, and
	 * says when to come back (one token an hour). */
	Hues__V1__Reply *r = call1(f, alice);
	assert_int_equal(r->code, HUES_RESOURCE_EXHAUSTED);
	assert_string_equal(reason_of(r), "RATE_LIMITED");
	assert_in_range(r->details->retry_after_ms, 3500000, 3600001);
	hues__v1__reply__free_unpacked(r, NULL);
	assert_int_equal(runs.count, 2);
	/* A replay of a keyed call runs nothing and is not charged. */
	expect_payload(call1(f, keyed), "n=2");
	/* Another caller has a bucket of its own; reads are never limited;
	 * anonymous calls have no bucket. */
	expect_payload(call1(f, (spec) {.method = "/test.v1.Fake/Count",
	                            MD("authorization", "Bearer citizen-bob")}),
	    "n=3");
	expect_payload(call1(f, (spec) {.method = "/test.v1.Fake/Echo",
	                            MD("authorization", "Bearer citizen-alice"),
	                            PAYLOAD("\x0a\001a")}),
	    "a");
	expect_payload(call1(f, (spec) {.method = "/test.v1.Fake/Count"}), "n=4");
	/* A gateway on alice's behalf spends alice's bucket; on bob's, bob's;
	 * an officer named alice has a bucket of her own. */
	expect(call1(f, (spec) {.method = "/test.v1.Fake/Count",
	                 MD("authorization", "Bearer gateway-for-alice")}),
	    HUES_RESOURCE_EXHAUSTED, "RATE_LIMITED", NULL);
	expect_payload(call1(f, (spec) {.method = "/test.v1.Fake/Count",
	                            MD("authorization", "Bearer gateway-for-bob")}),
	    "n=5");
	expect_payload(call1(f, (spec) {.method = "/test.v1.Fake/Count",
	                            MD("authorization", "Bearer officer-alice")}),
	    "n=6");
	rpc_ratelimit_destroy(f->d.ratelimit);
	f->d.ratelimit = NULL;
}

/* Sends a batch of whoami calls with shared metadata; own[i] is call i's
 * authorization (NULL: none) and shared the batch's entry. */
static Hues__V1__Reply *
shared_batch(fixture *f, const char *shared_key, const char *shared_value,
    const char *const *own, size_t n)
{
	Hues__V1__Request        r = HUES__V1__REQUEST__INIT;
	Hues__V1__Call           calls[4], *cp[4];
	Hues__V1__MetadataEntry  e[5], *ep[5];
	for (size_t i = 0; i < n; i++) {
		hues__v1__call__init(&calls[i]);
		cp[i]             = &calls[i];
		calls[i].method   = "/test.v1.Fake/Whoami";
		calls[i].call_id  = i + 1;
		if (own[i] != NULL) {
			hues__v1__metadata_entry__init(&e[i]);
			e[i].key              = "authorization";
			e[i].value            = (char *) own[i];
			ep[i]                 = &e[i];
			calls[i].metadata     = &ep[i];
			calls[i].n_metadata   = 1;
		}
	}
	hues__v1__metadata_entry__init(&e[4]);
	e[4].key     = (char *) shared_key;
	e[4].value   = (char *) shared_value;
	ep[4]        = &e[4];
	r.version    = 1;
	r.batch      = cp;
	r.n_batch    = n;
	r.metadata   = &ep[4];
	r.n_metadata = 1;
	size_t   len = hues__v1__request__get_packed_size(&r);
	uint8_t *buf = malloc(len);
	hues__v1__request__pack(&r, buf);
	Hues__V1__Reply *reply = dispatch_bytes(f, buf, len, clock_now_ns());
	free(buf);
	return reply;
}

static void
test_dispatch_batch_shared_metadata(void **state)
{
	fixture          *f     = *state;
	const char *const own[] = {NULL, "Bearer citizen-bob", NULL};

	/* The batch's token applies to calls without one of their own. */
	Hues__V1__Reply *r = shared_batch(
	    f, "authorization", "Bearer citizen-alice", own, 3);
	assert_int_equal(r->n_batch, 3);
	const char *want[] = {"alice", "bob", "alice"};
	for (size_t i = 0; i < 3; i++) {
		const Hues__V1__CallReply *cr = r->batch[i];
		size_t                     n  = strlen(want[i]);
		assert_int_equal(cr->code, HUES_OK);
		assert_int_equal(cr->payload.len, n + 2);
		assert_memory_equal(cr->payload.data + 2, want[i], n);
	}
	hues__v1__reply__free_unpacked(r, NULL);

	/* Shared entries obey the rules of a call's own. */
	r = shared_batch(f, "Authorization", "Bearer citizen-alice", own, 1);
	assert_int_equal(r->n_batch, 1);
	assert_int_equal(r->batch[0]->code, HUES_INVALID_ARGUMENT);
	assert_string_equal(r->batch[0]->details->field_violations[0]->field,
	    "batch_metadata[0].key");
	hues__v1__reply__free_unpacked(r, NULL);
}

static void
test_dispatch_idempotency_key_scope(void **state)
{
	fixture *f = *state;
	/* Keys are per caller: alice's "k" is not bob's. */
	expect_payload(call1(f, (spec) {.method = "/test.v1.Fake/Count",
	                            MD("idempotency-key", "k", "authorization",
	                                "Bearer citizen-alice")}),
	    "n=1");
	expect_payload(call1(f, (spec) {.method = "/test.v1.Fake/Count",
	                            MD("idempotency-key", "k", "authorization",
	                                "Bearer citizen-bob")}),
	    "n=2");
	/* Idempotent methods ignore keys: both run, no mismatch. */
	expect_payload(call1(f, (spec) {.method = "/test.v1.Fake/Echo",
	                            MD("idempotency-key", "e"),
	                            PAYLOAD("\x0a\x01x")}),
	    "x");
	expect_payload(call1(f, (spec) {.method = "/test.v1.Fake/Echo",
	                            MD("idempotency-key", "e"),
	                            PAYLOAD("\x0a\x01y")}),
	    "y");
	/* Transient failures are forgotten, so a retry runs again. */
	spec secret = {
	    .method = "/test.v1.Fake/Secret", MD("idempotency-key", "s")};
	expect(call1(f, secret), HUES_INTERNAL, "", NULL);
	expect(call1(f, secret), HUES_INTERNAL, "", NULL);
	assert_int_equal(runs.secret, 2);

	/* A key is at most 128 characters. */
	char key[130];
	memset(key, 'k', 129);
	key[129] = '\0';
	expect_violation(call1(f, (spec) {.method = "/test.v1.Fake/Count",
	                              MD("idempotency-key", key)}),
	    "metadata.idempotency-key", "at most 128 characters");
	key[128] = '\0';
	expect_payload(call1(f, (spec) {.method = "/test.v1.Fake/Count",
	                            MD("idempotency-key", key)}),
	    "n=3");

	/* While the first call with a key runs, a second one is told to
	 * wait (the entry is made in progress here, as a worker would). */
	rpc_outcome unused;
	assert_int_equal(rpc_idem_begin(f->idem, "\n/test.v1.Fake/Count\nbusy",
	                     rpc_idem_hash(NULL, 0), &f->w.arena, &unused),
	    IDEM_NEW);
	Hues__V1__Reply *r = call1(f, (spec) {.method = "/test.v1.Fake/Count",
	                                  MD("idempotency-key", "busy")});
	assert_int_equal(r->details->retry_after_ms, 100);
	expect(r, HUES_ABORTED, "IDEMPOTENCY_KEY_IN_USE",
	    "a call with this idempotency key is still running");
	assert_int_equal(runs.count, 3);
	rpc_idem_abandon(f->idem, "\n/test.v1.Fake/Count\nbusy");

	/* Without a table, keys are not honoured at all. */
	f->d.idem  = NULL;
	spec again = {
	    .method = "/test.v1.Fake/Count", MD("idempotency-key", "z")};
	expect_payload(call1(f, again), "n=4");
	expect_payload(call1(f, again), "n=5");
}

static void
test_dispatch_replay_keeps_error_details(void **state)
{
	fixture *f = *state;
	spec s = {.method = "/test.v1.Fake/Reject", MD("idempotency-key", "r")};
	Hues__V1__Reply *first = call1(f, s);
	Hues__V1__Reply *again = call1(f, s);
	assert_int_equal(runs.reject, 1);
	assert_int_equal(again->code, first->code);
	assert_string_equal(again->message, first->message);
	assert_string_equal(reason_of(again), reason_of(first));
	assert_non_null(again->details);
	size_t   nviolations = again->details->n_field_violations;
	uint32_t retry_after = again->details->retry_after_ms;
	hues__v1__reply__free_unpacked(first, NULL);
	hues__v1__reply__free_unpacked(again, NULL);
	/* BUG (server/rpc/idem.c, rpc_idem_begin): a replayed outcome has
	 * its field violations and retry hint dropped (violations = NULL,
	 * retry_after_ms = 0), so the retry's INVALID_ARGUMENT names no
	 * field although the first answer named two. */
	assert_int_equal(nviolations, 2);
	assert_int_equal(retry_after, 250);
}

static void
test_dispatch_batch_answers_in_order(void **state)
{
	fixture *f    = *state;
	spec     s[4] = {
	        {.method     = "/test.v1.Fake/Echo",
	            .call_id = 11,
	            PAYLOAD("\x0a\x01z")},
	        {.method = "/test.v1.Fake/Nope", .call_id = 12},
	        {.method = "/test.v1.Fake/Secret", .call_id = 13},
	        {.method = "/test.v1.Fake/Reject", .call_id = 14},
        };
	Hues__V1__Reply *r = dispatch(f, s, 4, true);
	assert_int_equal(r->code, HUES_OK);
	assert_int_equal(r->n_batch, 4);
	const int codes[] = {
	    HUES_OK, HUES_UNIMPLEMENTED, HUES_INTERNAL, HUES_INVALID_ARGUMENT};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(r->batch[i]->call_id, 11 + i);
		assert_int_equal(r->batch[i]->code, codes[i]);
		assert_non_null(r->batch[i]->metadata);
	}
	assert_memory_equal(r->batch[0]->payload.data, "\x0a\x01z", 3);
	assert_string_equal(r->batch[3]->details->reason, "BAD_REPORT");
	/* Each call of a batch has its own request id. */
	assert_string_not_equal(
	    r->batch[0]->metadata[0]->value, r->batch[1]->metadata[0]->value);
	hues__v1__reply__free_unpacked(r, NULL);
}

static void
test_dispatch_request_ids(void **state)
{
	fixture         *f = *state;
	Hues__V1__Reply *r = call1(f, (spec) {.method = "/test.v1.Fake/Secret",
	                                  MD("x-request-id", "gw-7.a:b_c-d")});
	assert_string_equal(rid_of(r), "gw-7.a:b_c-d");
	assert_string_equal(
	    r->message, "internal error (request id gw-7.a:b_c-d)");
	hues__v1__reply__free_unpacked(r, NULL);

	/* Otherwise (or when the client's is unusable) the server makes one
	 * up: 16 lowercase hex digits, different for each call. */
	char        long_id[66];
	const char *bad[] = {NULL, "has space", "", long_id};
	char        seen[4][17];
	memset(long_id, 'a', 65);
	long_id[65] = '\0';
	for (size_t i = 0; i < 4; i++) {
		const char *pair[2] = {"x-request-id", bad[i]};
		spec        s       = {.method = "/test.v1.Fake/Echo",
		                 .md           = pair,
		                 .nmd          = bad[i] != NULL ? 1 : 0};
		r                   = call1(f, s);
		const char *rid     = rid_of(r);
		assert_non_null(rid);
		assert_int_equal(strlen(rid), 16);
		assert_int_equal(strspn(rid, "0123456789abcdef"), 16);
		for (size_t k = 0; k < i; k++) {
			assert_string_not_equal(seen[k], rid);
		}
		snprintf(seen[i], sizeof(seen[i]), "%s", rid);
		hues__v1__reply__free_unpacked(r, NULL);
	}
	/* 64 characters is still the client's. */
	long_id[64] = '\0';
	r           = call1(f, (spec) {.method = "/test.v1.Fake/Echo",
	                           MD("x-request-id", long_id)});
	assert_string_equal(rid_of(r), long_id);
	hues__v1__reply__free_unpacked(r, NULL);
}

static void
test_dispatch_caps_hostile_payload(void **state)
{
	fixture *f = *state;
	/* 1,000,000 empty field_violations (2 MB) against 8x + 64 KiB; then
	 * a normal call in the same batch still decodes. */
	size_t n    = 1000000;
	char  *junk = malloc(2 * n);
	for (size_t i = 0; i < n; i++) {
		junk[2 * i]     = 0x1a;
		junk[2 * i + 1] = 0x00;
	}
	spec s[2] = {
	    {.method = "/test.v1.Fake/Fail", .payload = junk, .plen = 2 * n},
	    {.method = "/test.v1.Fake/Fail", PAYLOAD("\x1a\x00\x1a\x00")},
	};
	Hues__V1__Reply *r = dispatch(f, s, 2, true);
	assert_int_equal(r->batch[0]->code, HUES_RESOURCE_EXHAUSTED);
	assert_string_equal(r->batch[0]->details->reason, "DECODE_LIMIT");
	assert_string_equal(r->batch[0]->message,
	    "hues.v1.FailRequest needs too much memory to decode");
	assert_int_equal(r->batch[1]->code, HUES_OK);
	assert_int_equal(runs.fail, 1);
	hues__v1__reply__free_unpacked(r, NULL);
	free(junk);
}

static void
test_dispatch_refuses_bad_envelope(void **state)
{
	fixture *f = *state;
	expect(dispatch_bytes(f, (const uint8_t *) "\xff", 1, clock_now_ns()),
	    HUES_INVALID_ARGUMENT, "MALFORMED_ENVELOPE", NULL);
	f->d.max_request = 4;
	expect(dispatch_bytes(
	           f, (const uint8_t *) "\x08\x01\x12\x01x", 5, clock_now_ns()),
	    HUES_RESOURCE_EXHAUSTED, "REQUEST_TOO_LARGE",
	    "request is 5 bytes; the limit is 4");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_dispatch_runs_handler),
	    T(test_dispatch_unknown_method_is_unimplemented),
	    T(test_dispatch_expired_deadline_skips_handler),
	    T(test_dispatch_malformed_payload_names_request_type),
	    T(test_dispatch_internal_hides_handler_message),
	    T(test_dispatch_passes_violations_and_reason),
	    T(test_dispatch_checks_metadata),
	    T(test_dispatch_applies_auth_policy),
	    T(test_dispatch_replays_idempotency_key),
	    T(test_dispatch_idempotency_key_scope),
	    T(test_dispatch_batch_shared_metadata),
	    T(test_dispatch_rate_limits_writes_per_caller),
	    T(test_dispatch_replay_keeps_error_details),
	    T(test_dispatch_batch_answers_in_order),
	    T(test_dispatch_request_ids),
	    T(test_dispatch_caps_hostile_payload),
	    T(test_dispatch_refuses_bad_envelope),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
