/*
 * errors_test.c - every error of the RPC core pinned to its exact status:
 * through the SDK where a gateway would meet it, and with raw NNG messages
 * for input the SDK never produces (garbage, truncated envelopes, hostile
 * sizes).
 */
#include <pthread.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "hues/v1/rpc.pb-c.h"

static ht_server srv;

/* The small request limit makes oversize tests cheap. */
#define MAX_REQUEST 65536

static int
setup(void **state)
{
	(void) state;
	const char *args[] = {"--max-request-bytes", "64KiB", NULL};
	ht_server_start(&srv, args);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	ht_server_stop(&srv);
	return 0;
}

/* ----- raw envelopes ------------------------------------------------------ */

/* Packs a single-call Request; the result is malloc'd. */
static uint8_t *
envelope(const char *method, const void *payload, size_t plen,
    uint32_t timeout_ms, Hues__V1__MetadataEntry **md, size_t nmd,
    size_t *len)
{
	Hues__V1__Request r = HUES__V1__REQUEST__INIT;
	r.version           = 1;
	r.method            = (char *) method;
	r.call_id           = 42;
	r.timeout_ms        = timeout_ms;
	r.payload           = (ProtobufCBinaryData) {plen, (uint8_t *) payload};
	r.metadata          = md;
	r.n_metadata        = nmd;
	*len                = hues__v1__request__get_packed_size(&r);
	uint8_t *buf        = malloc(*len);
	hues__v1__request__pack(&r, buf);
	return buf;
}

/* Sends raw bytes and decodes the reply; fails the test without one. */
static Hues__V1__Reply *
raw(const void *data, size_t len)
{
	size_t         n;
	unsigned char *rep = ht_raw_call(srv.url, data, len, 20000, &n);
	assert_non_null(rep);
	Hues__V1__Reply *r = hues__v1__reply__unpack(NULL, n, rep);
	free(rep);
	assert_non_null(r);
	return r;
}

static const char *
reason_of(const Hues__V1__Reply *r)
{
	return r->details != NULL ? r->details->reason : "";
}

static void
assert_server_healthy(void)
{
	hues_client *c = ht_client(&srv, NULL);
	hues_result *res;
	assert_int_equal(
	    hues_call(c, "/hues.v1.Health/Check", NULL, 0, NULL, &res), HUES_OK);
	hues_result_free(res);
	hues_client_destroy(c);
}

/* ----- through the SDK ------------------------------------------------------ */

static void
test_unknown_method_is_unimplemented(void **state)
{
	(void) state;
	hues_client *c = ht_client(&srv, NULL);
	hues_result *res;
	assert_int_equal(
	    hues_call(c, "/hues.v1.Nothing/Here", NULL, 0, NULL, &res),
	    HUES_UNIMPLEMENTED);
	assert_non_null(strstr(hues_result_message(res), "/hues.v1.Nothing/Here"));
	assert_int_equal(hues_result_attempts(res), 1);
	hues_result_free(res);
	hues_client_destroy(c);
}

static void
test_malformed_payload_is_invalid_argument(void **state)
{
	(void) state;
	hues_client  *c       = ht_client(&srv, NULL);
	hues_result  *res;
	const uint8_t junk[]  = {0xff, 0xff, 0xff};
	/* A Fail request whose message (field 2) is not UTF-8. */
	const uint8_t bad_utf8[] = {0x12, 0x02, 0xc3, 0x28};

	assert_int_equal(hues_call(c, "/hues.v1.Debug/Echo", junk, sizeof(junk),
	                     NULL, &res),
	    HUES_INVALID_ARGUMENT);
	assert_non_null(strstr(hues_result_message(res), "hues.v1.EchoRequest"));
	assert_string_equal(hues_result_reason(res), "MALFORMED_PAYLOAD");
	hues_result_free(res);

	assert_int_equal(hues_call(c, "/hues.v1.Debug/Fail", bad_utf8,
	                     sizeof(bad_utf8), NULL, &res),
	    HUES_INVALID_ARGUMENT);
	const char *field, *desc;
	assert_int_equal(hues_result_violation_count(res), 1);
	assert_int_equal(hues_result_violation(res, 0, &field, &desc), HUES_OK);
	assert_string_equal(field, "message");
	assert_non_null(strstr(desc, "UTF-8"));
	hues_result_free(res);
	hues_client_destroy(c);
}

static void
test_handler_errors_keep_details_and_hide_internals(void **state)
{
	(void) state;
	hues_client *c = ht_client(&srv, NULL);
	hues_result *res;
	Hues__V1__FailRequest    req = HUES__V1__FAIL_REQUEST__INIT;
	Hues__V1__FieldViolation v   = HUES__V1__FIELD_VIOLATION__INIT;
	Hues__V1__FieldViolation *vs[] = {&v};

	/* Field violations and the reason reach the client as sent. */
	req.code               = HUES_INVALID_ARGUMENT;
	req.message            = "location is outside Huế";
	req.reason             = "OUT_OF_AREA";
	v.field                = "location.latitude";
	v.description          = "must be within the service area";
	req.field_violations   = vs;
	req.n_field_violations = 1;
	assert_int_equal(hues_debug_fail(c, &req, NULL, &res), HUES_INVALID_ARGUMENT);
	const char *field, *desc;
	assert_int_equal(hues_result_violation(res, 0, &field, &desc), HUES_OK);
	assert_string_equal(field, "location.latitude");
	assert_string_equal(desc, "must be within the service area");
	assert_int_equal(hues_result_violation(res, 1, &field, &desc),
	    HUES_OUT_OF_RANGE);
	assert_string_equal(hues_result_reason(res), "OUT_OF_AREA");
	hues_result_free(res);

	/* INTERNAL: the client learns the request id, the log the details. */
	memset(&req, 0, sizeof(req));
	hues__v1__fail_request__init(&req);
	req.code    = HUES_INTERNAL;
	req.message = "mdb_put failed in /var/lib/secret-path";
	assert_int_equal(hues_debug_fail(c, &req, NULL, &res), HUES_INTERNAL);
	assert_null(strstr(hues_result_message(res), "secret"));
	const char *rid = hues_result_metadata(res, "x-request-id");
	assert_non_null(rid);
	assert_non_null(strstr(hues_result_message(res), rid));
	hues_result_free(res);
	ht_wait_log(&srv, "/var/lib/secret-path", 1);

	/* A handler returning a code outside the space is a bug: INTERNAL. */
	req.code    = 99;
	req.message = "";
	assert_int_equal(hues_debug_fail(c, &req, NULL, &res), HUES_INTERNAL);
	hues_result_free(res);
	hues_client_destroy(c);
}

static void
test_oversize_request_fails_locally(void **state)
{
	(void) state;
	hues_client_opts o = {.max_request_bytes = MAX_REQUEST};
	hues_client     *c = ht_client(&srv, &o);
	hues_result     *res;
	size_t           before = ht_log_count(&srv, "call ");
	uint8_t         *big    = calloc(1, MAX_REQUEST);

	assert_int_equal(hues_call(c, "/hues.v1.Debug/Echo", big, MAX_REQUEST,
	                     NULL, &res),
	    HUES_RESOURCE_EXHAUSTED);
	assert_non_null(strstr(hues_result_message(res), "exceeds the limit"));
	hues_result_free(res);
	/* It never reached the server. */
	assert_int_equal(ht_log_count(&srv, "call "), before);
	free(big);
	hues_client_destroy(c);
}

static void
test_metadata_rules(void **state)
{
	(void) state;
	hues_client  *c = ht_client(&srv, NULL);
	hues_result  *res;
	char         *huge = malloc(9000);
	hues_metadata upper[] = {{"X-Upper", "1"}};
	hues_metadata big[]   = {{"x-big", huge}};

	memset(huge, 'a', 8999);
	huge[8999] = '\0';
	hues_call_opts co = {.metadata = upper, .nmetadata = 1};
	assert_int_equal(
	    hues_call(c, "/hues.v1.Health/Check", NULL, 0, &co, &res),
	    HUES_INVALID_ARGUMENT);
	hues_result_free(res);
	co = (hues_call_opts) {.metadata = big, .nmetadata = 1};
	assert_int_equal(
	    hues_call(c, "/hues.v1.Health/Check", NULL, 0, &co, &res),
	    HUES_INVALID_ARGUMENT);
	hues_result_free(res);

	/* The server enforces the same rules on clients that skip them. */
	Hues__V1__MetadataEntry e = HUES__V1__METADATA_ENTRY__INIT;
	Hues__V1__MetadataEntry *md[] = {&e};
	size_t                   len;
	e.key          = "X-Upper";
	e.value        = "1";
	uint8_t         *env = envelope("/hues.v1.Health/Check", NULL, 0, 0, md, 1,
	            &len);
	Hues__V1__Reply *r = raw(env, len);
	assert_int_equal(r->code, HUES_INVALID_ARGUMENT);
	assert_int_equal(r->details->n_field_violations, 1);
	assert_string_equal(r->details->field_violations[0]->field,
	    "metadata[0].key");
	hues__v1__reply__free_unpacked(r, NULL);
	free(env);
	e.key   = "x-big";
	e.value = huge;
	env     = envelope("/hues.v1.Health/Check", NULL, 0, 0, md, 1, &len);
	r       = raw(env, len);
	assert_int_equal(r->code, HUES_INVALID_ARGUMENT);
	assert_non_null(strstr(r->message, "8192"));
	hues__v1__reply__free_unpacked(r, NULL);
	free(env);
	free(huge);
	hues_client_destroy(c);
}

static void
test_bad_authorization_is_unauthenticated(void **state)
{
	(void) state;
	hues_client  *c = ht_client(&srv, NULL);
	hues_result  *res;
	hues_metadata basic[] = {{"authorization", "Basic dXNlcjpwYXNz"}};
	hues_call_opts co = {.metadata = basic, .nmetadata = 1};

	assert_int_equal(
	    hues_call(c, "/hues.v1.Health/Check", NULL, 0, &co, &res),
	    HUES_UNAUTHENTICATED);
	assert_string_equal(hues_result_reason(res), "BAD_AUTHORIZATION");
	hues_result_free(res);
	hues_client_destroy(c);
}

/* ----- deadlines ------------------------------------------------------------ */

static void
test_deadline_exceeded_while_running(void **state)
{
	(void) state;
	/* Raw, so that the server's answer is seen, not the SDK's timer. */
	Hues__V1__SleepRequest s = HUES__V1__SLEEP_REQUEST__INIT;
	uint8_t                p[16];
	size_t                 len;
	s.ms                   = 400;
	size_t   plen          = hues__v1__sleep_request__pack(&s, p);
	uint8_t *env = envelope("/hues.v1.Debug/Sleep", p, plen, 50, NULL, 0, &len);
	Hues__V1__Reply *r = raw(env, len);
	assert_int_equal(r->code, HUES_DEADLINE_EXCEEDED);
	assert_int_equal(r->call_id, 42);
	assert_non_null(strstr(r->message, "while the call ran"));
	hues__v1__reply__free_unpacked(r, NULL);
	free(env);
}

typedef struct raw_job {
	uint8_t         *env;
	size_t           len;
	Hues__V1__Reply *reply;
} raw_job;

static void *
raw_thread(void *arg)
{
	raw_job *j = arg;
	j->reply   = raw(j->env, j->len);
	return NULL;
}

static void
test_deadline_passed_in_queue_is_not_executed(void **state)
{
	(void) state;
	ht_server one;
	const char *args[] = {"--workers", "1", NULL};
	ht_server_start(&one, args);
	hues_client *c = ht_client(&one, NULL);

	/* Hold the only worker. */
	ht_async hold;
	ht_hold_worker(&one, c, &hold);

	/* A Bump with a 1 ms deadline waits in the queue behind it. */
	size_t  queued = ht_log_count(&one, "queued a request");
	raw_job job;
	job.env = envelope("/hues.v1.Debug/Bump", NULL, 0, 1, NULL, 0, &job.len);
	/* raw() talks to srv; point it at this server for the job. */
	ht_server saved = srv;
	srv             = one;
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, raw_thread, &job), 0);
	ht_wait_log(&one, "queued a request", queued + 1);
	/* Its deadline (1 ms after it arrived, which is before the log line)
	 * has certainly passed after this pause; more pause cannot hurt. */
	struct timespec ts = {0, 50000000};
	nanosleep(&ts, NULL);
	ht_signal(&one, SIGUSR1); /* release the worker */
	pthread_join(th, NULL);
	srv = saved;

	assert_int_equal(job.reply->code, HUES_DEADLINE_EXCEEDED);
	assert_non_null(strstr(job.reply->message, "before the call started"));
	hues__v1__reply__free_unpacked(job.reply, NULL);
	free(job.env);
	hues_result_free(ht_async_wait(&hold));

	/* The expired Bump never ran: the counter starts from zero. */
	hues_result            *res;
	Hues__V1__BumpRequest   br = HUES__V1__BUMP_REQUEST__INIT;
	assert_int_equal(hues_debug_bump(c, &br, NULL, &res), HUES_OK);
	assert_int_equal(hues_debug_bump_response(res)->value, 1);
	hues_result_free(res);
	hues_client_destroy(c);
	ht_server_stop(&one);
}

static void
test_queue_full_is_unavailable(void **state)
{
	(void) state;
	ht_server one;
	const char *args[] = {"--workers", "1", "--queue-depth", "0", NULL};
	ht_server_start(&one, args);
	hues_client *c = ht_client(&one, NULL);

	ht_async hold;
	ht_hold_worker(&one, c, &hold);

	hues_result   *res;
	hues_call_opts once = {.max_attempts = 1};
	assert_int_equal(
	    hues_call(c, "/hues.v1.Health/Check", NULL, 0, &once, &res),
	    HUES_UNAVAILABLE);
	assert_string_equal(hues_result_reason(res), "QUEUE_FULL");
	assert_true(hues_result_retry_after_ms(res) > 0);
	hues_result_free(res);

	ht_signal(&one, SIGUSR1);
	res = ht_async_wait(&hold);
	assert_int_equal(hues_result_code(res), HUES_OK);
	hues_result_free(res);
	/* The worker serves again. It replies before it is back in the pool,
	 * so a call right after the reply may still find it busy: the check
	 * keeps the SDK's retries (Health/Check is idempotent). */
	assert_int_equal(
	    hues_call(c, "/hues.v1.Health/Check", NULL, 0, NULL, &res), HUES_OK);
	hues_result_free(res);
	hues_client_destroy(c);
	ht_server_stop(&one);
}

/* ----- hostile bytes --------------------------------------------------------- */

static void
test_random_garbage_is_invalid_argument(void **state)
{
	(void) state;
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (int i = 0; i < 50; i++) {
		size_t  len = 1 + (size_t) (i * 37 % 2000);
		uint8_t buf[2048];
		for (size_t k = 0; k < len; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[k] = (uint8_t) x;
		}
		Hues__V1__Reply *r = raw(buf, len);
		assert_int_equal(r->code, HUES_INVALID_ARGUMENT);
		assert_int_equal(r->n_batch, 0);
		hues__v1__reply__free_unpacked(r, NULL);
	}
	assert_server_healthy();
}

static void
test_truncated_envelope_is_invalid_argument(void **state)
{
	(void) state;
	Hues__V1__MetadataEntry e = HUES__V1__METADATA_ENTRY__INIT;
	Hues__V1__MetadataEntry *md[] = {&e};
	size_t                   len;
	e.key          = "x-request-id";
	e.value        = "truncation-test";
	uint8_t *env   = envelope("/hues.v1.Debug/Echo", "\x0a\x03" "abc", 5, 0,
	      md, 1, &len);
	/* A protobuf message has no end marker, so a prefix that ends between
	 * two fields is itself a message; every cut inside a field must be
	 * refused, and no cut may hurt the server. */
	bool   boundary[1024] = {false};
	size_t off            = 0;
	while (off < len) {
		boundary[off] = true;
		uint8_t tag   = env[off++];
		size_t  flen  = 0;
		if ((tag & 7) == 2) {
			int shift = 0;
			while (env[off] & 0x80) {
				flen |= (size_t) (env[off++] & 0x7f) << shift;
				shift += 7;
			}
			flen |= (size_t) env[off++] << shift;
			off += flen;
		} else {
			while (env[off++] & 0x80) {
			}
		}
	}
	assert_true(len < sizeof(boundary));
	for (size_t cut = 1; cut < len; cut++) {
		Hues__V1__Reply *r = raw(env, cut);
		if (!boundary[cut]) {
			assert_int_equal(r->code, HUES_INVALID_ARGUMENT);
			assert_string_equal(reason_of(r), "MALFORMED_ENVELOPE");
		}
		hues__v1__reply__free_unpacked(r, NULL);
	}
	Hues__V1__Reply *r = raw(env, len);
	assert_int_equal(r->code, HUES_OK);
	hues__v1__reply__free_unpacked(r, NULL);
	free(env);

	r = raw("", 0);
	assert_int_equal(r->code, HUES_INVALID_ARGUMENT);
	assert_string_equal(reason_of(r), "MALFORMED_ENVELOPE");
	hues__v1__reply__free_unpacked(r, NULL);
}

static void
test_envelope_rules(void **state)
{
	(void) state;
	Hues__V1__Request req = HUES__V1__REQUEST__INIT;
	uint8_t           buf[256];
	size_t            len;

	/* Version 2 is not spoken here. */
	req.version = 2;
	req.method  = "/hues.v1.Health/Check";
	len         = hues__v1__request__pack(&req, buf);
	Hues__V1__Reply *r = raw(buf, len);
	assert_int_equal(r->code, HUES_INVALID_ARGUMENT);
	assert_string_equal(reason_of(r), "UNSUPPORTED_VERSION");
	hues__v1__reply__free_unpacked(r, NULL);

	/* Method and batch together are ambiguous. */
	Hues__V1__Call  call = HUES__V1__CALL__INIT;
	Hues__V1__Call *calls[] = {&call};
	call.method  = "/hues.v1.Health/Check";
	req.version  = 1;
	req.batch    = calls;
	req.n_batch  = 1;
	len          = hues__v1__request__pack(&req, buf);
	r            = raw(buf, len);
	assert_int_equal(r->code, HUES_INVALID_ARGUMENT);
	hues__v1__reply__free_unpacked(r, NULL);
}

static void
test_batch_answers_each_call(void **state)
{
	(void) state;
	Hues__V1__Request req = HUES__V1__REQUEST__INIT;
	Hues__V1__Call    a = HUES__V1__CALL__INIT, b = HUES__V1__CALL__INIT,
	               d = HUES__V1__CALL__INIT;
	Hues__V1__Call *calls[] = {&a, &b, &d};
	uint8_t         buf[256];

	a.method    = "/hues.v1.Debug/Echo";
	a.call_id   = 11;
	a.payload   = (ProtobufCBinaryData) {4, (uint8_t *) "\x0a\x02hi"};
	b.method    = "/hues.v1.No/Such";
	b.call_id   = 12;
	d.method    = "/hues.v1.Debug/Echo";
	d.call_id   = 13;
	d.payload   = (ProtobufCBinaryData) {2, (uint8_t *) "\xff\xff"};
	req.version = 1;
	req.batch   = calls;
	req.n_batch = 3;
	size_t len  = hues__v1__request__pack(&req, buf);
	Hues__V1__Reply *r = raw(buf, len);
	assert_int_equal(r->n_batch, 3);
	assert_int_equal(r->batch[0]->call_id, 11);
	assert_int_equal(r->batch[0]->code, HUES_OK);
	assert_int_equal(r->batch[0]->payload.len, 4);
	assert_int_equal(r->batch[1]->call_id, 12);
	assert_int_equal(r->batch[1]->code, HUES_UNIMPLEMENTED);
	assert_int_equal(r->batch[2]->call_id, 13);
	assert_int_equal(r->batch[2]->code, HUES_INVALID_ARGUMENT);
	hues__v1__reply__free_unpacked(r, NULL);
}

static void
test_oversize_request_rejected_by_server(void **state)
{
	(void) state;
	size_t   plen = MAX_REQUEST + 100, len;
	uint8_t *p    = calloc(1, plen);
	uint8_t *env  = envelope("/hues.v1.Debug/Echo", p, plen, 0, NULL, 0, &len);
	Hues__V1__Reply *r = raw(env, len);
	assert_int_equal(r->code, HUES_RESOURCE_EXHAUSTED);
	assert_string_equal(reason_of(r), "REQUEST_TOO_LARGE");
	hues__v1__reply__free_unpacked(r, NULL);
	free(env);
	free(p);

	/* Far beyond the limit NNG drops the connection unread: no reply,
	 * no allocation of what the length prefix claims, server fine. Sent
	 * below NNG, as the SP header and a length prefix: an NNG socket
	 * whose connection the server cut mid-send leaks its dialer and pipe
	 * when closed (nng 1.5.2), which failed LeakSanitizer now and then. */
	static const uint8_t sp_req[8] = { 0, 'S', 'P', 0, 0, 0x30, 0, 0 };
	uint8_t              hdr[8], frame[12] = { 0 };
	uint64_t             claim = MAX_REQUEST + 2 * 1024 * 1024;
	int                  fd    = ht_raw_connect(srv.url);
	assert_int_equal(write(fd, sp_req, 8), 8);
	assert_int_equal(read(fd, hdr, 8), 8); /* the server's SP header */
	for (int i = 0; i < 8; i++) {
		frame[i] = (uint8_t) (claim >> (56 - 8 * i));
	}
	frame[8] = 0x80; /* a request id, then the body that never comes */
	assert_int_equal(write(fd, frame, sizeof(frame)), (ssize_t) sizeof(frame));
	/* The server closes the connection: end of file or a reset, never
	 * a reply. Bounded by the poll. */
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&pf, 1, 10000), 1);
	ssize_t got = read(fd, hdr, sizeof(hdr));
	assert_true(got == 0 || (got < 0 && errno == ECONNRESET));
	close(fd);
	assert_server_healthy();
}

static void
test_hostile_payload_hits_decode_limit(void **state)
{
	(void) state;
	/* 30,000 empty field_violations (60 KB) would need ~1.7 MB of
	 * protobuf-c structures: over the decode cap of 8x + 64 KiB. */
	size_t   n = 30000, len;
	uint8_t *p = malloc(2 * n);
	for (size_t i = 0; i < n; i++) {
		p[2 * i]     = 0x1a;
		p[2 * i + 1] = 0x00;
	}
	uint8_t *env = envelope("/hues.v1.Debug/Fail", p, 2 * n, 0, NULL, 0, &len);
	Hues__V1__Reply *r = raw(env, len);
	assert_int_equal(r->code, HUES_RESOURCE_EXHAUSTED);
	assert_string_equal(reason_of(r), "DECODE_LIMIT");
	hues__v1__reply__free_unpacked(r, NULL);
	free(env);
	free(p);
	assert_server_healthy();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unknown_method_is_unimplemented),
	    cmocka_unit_test(test_malformed_payload_is_invalid_argument),
	    cmocka_unit_test(test_handler_errors_keep_details_and_hide_internals),
	    cmocka_unit_test(test_oversize_request_fails_locally),
	    cmocka_unit_test(test_metadata_rules),
	    cmocka_unit_test(test_bad_authorization_is_unauthenticated),
	    cmocka_unit_test(test_deadline_exceeded_while_running),
	    cmocka_unit_test(test_deadline_passed_in_queue_is_not_executed),
	    cmocka_unit_test(test_queue_full_is_unavailable),
	    cmocka_unit_test(test_random_garbage_is_invalid_argument),
	    cmocka_unit_test(test_truncated_envelope_is_invalid_argument),
	    cmocka_unit_test(test_envelope_rules),
	    cmocka_unit_test(test_batch_answers_each_call),
	    cmocka_unit_test(test_oversize_request_rejected_by_server),
	    cmocka_unit_test(test_hostile_payload_hits_decode_limit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
