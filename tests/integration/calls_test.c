/*
 * calls_test.c - ordinary calls through the SDK: many in flight from many
 * threads, health, reflection against the SDK's method list, request ids.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define THREADS 8
/* The server's line per message, written before the message can run
 * (server/rpc/server.c): every message whose reply came is counted. */
#define RECEIVED "received a request"
#define PER_THREAD 8

static ht_server srv;

static int
setup(void **state)
{
	(void) state;
	ht_server_start(&srv, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	ht_server_stop(&srv);
	return 0;
}

/* ----- 64 calls in flight from 8 threads ------------------------------- */

typedef struct echo_slot {
	uint8_t      sent[16];
	hues_result *res;
} echo_slot;

typedef struct worker {
	hues_client     *client;
	pthread_barrier_t *start;
	unsigned         index;
	echo_slot        slots[PER_THREAD];
	pthread_mutex_t  mtx;
	pthread_cond_t   cv;
	int              done;
} worker;

typedef struct pending {
	worker    *w;
	echo_slot *slot;
} pending;

static void
on_echo(hues_result *res, void *arg)
{
	pending *p = arg;
	pthread_mutex_lock(&p->w->mtx);
	p->slot->res = res;
	p->w->done++;
	pthread_cond_signal(&p->w->cv);
	pthread_mutex_unlock(&p->w->mtx);
}

static void *
run_worker(void *arg)
{
	worker *w = arg;
	pending p[PER_THREAD];

	pthread_barrier_wait(w->start);
	/* All calls of this thread go out before it waits for any. */
	for (int i = 0; i < PER_THREAD; i++) {
		Hues__V1__EchoRequest req = HUES__V1__ECHO_REQUEST__INIT;
		snprintf((char *) w->slots[i].sent, sizeof(w->slots[i].sent),
		    "t%u-c%d", w->index, i);
		req.payload.data = w->slots[i].sent;
		req.payload.len  = sizeof(w->slots[i].sent);
		p[i]             = (pending) {w, &w->slots[i]};
		if (hues_debug_echo_async(w->client, &req, NULL, on_echo, &p[i]) !=
		    HUES_OK) {
			return (void *) 1;
		}
	}
	pthread_mutex_lock(&w->mtx);
	while (w->done < PER_THREAD) {
		pthread_cond_wait(&w->cv, &w->mtx);
	}
	pthread_mutex_unlock(&w->mtx);
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
	return x < y ? -1 : x > y;
}

static void
test_calls_64_in_flight_from_8_threads(void **state)
{
	(void) state;
	/* One message per call: with more slots than calls nothing waits,
	 * so all 64 are on the wire at once. */
	hues_client_opts  o = {.inflight_per_socket = 32, .sockets = 2};
	hues_client      *c = ht_client(&srv, &o);
	worker            w[THREADS];
	pthread_t         th[THREADS];
	pthread_barrier_t start;
	uint64_t          ids[THREADS * PER_THREAD];

	pthread_barrier_init(&start, NULL, THREADS);
	for (unsigned i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].client = c;
		w[i].start  = &start;
		w[i].index  = i;
		pthread_mutex_init(&w[i].mtx, NULL);
		pthread_cond_init(&w[i].cv, NULL);
		assert_int_equal(pthread_create(&th[i], NULL, run_worker, &w[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		void *rv;
		pthread_join(th[i], &rv);
		assert_null(rv);
		for (int k = 0; k < PER_THREAD; k++) {
			hues_result *res = w[i].slots[k].res;
			assert_non_null(res);
			assert_int_equal(hues_result_code(res), HUES_OK);
			const Hues__V1__EchoResponse *e = hues_debug_echo_response(res);
			assert_non_null(e);
			/* The reply belongs to this very call. */
			assert_int_equal(e->payload.len, sizeof(w[i].slots[k].sent));
			assert_memory_equal(e->payload.data, w[i].slots[k].sent,
			    sizeof(w[i].slots[k].sent));
			ids[i * PER_THREAD + (unsigned) k] = hues_result_call_id(res);
			hues_result_free(res);
		}
		pthread_cond_destroy(&w[i].cv);
		pthread_mutex_destroy(&w[i].mtx);
	}
	qsort(ids, THREADS * PER_THREAD, sizeof(ids[0]), cmp_u64);
	for (size_t i = 1; i < THREADS * PER_THREAD; i++) {
		assert_true(ids[i] != ids[i - 1]);
	}
	pthread_barrier_destroy(&start);
	hues_client_destroy(c);
}

/* ----- batching: more calls than messages -------------------------------- */

typedef struct counter {
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	int             done, bad;
} counter;

static void
on_counted(hues_result *res, void *arg)
{
	counter                      *k = arg;
	const Hues__V1__EchoResponse *e = hues_debug_echo_response(res);
	uint64_t                      want = hues_result_call_id(res);
	(void) want;
	pthread_mutex_lock(&k->mtx);
	if (hues_result_code(res) != HUES_OK || e == NULL || e->payload.len != 8) {
		k->bad++;
	}
	k->done++;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mtx);
	hues_result_free(res);
}

static void
test_calls_batched_when_messages_are_busy(void **state)
{
	(void) state;
	/* Two messages in flight at most: 500 calls must travel in batches. */
	hues_client_opts o = {.sockets = 1, .inflight_per_socket = 2};
	hues_client     *c = ht_client(&srv, &o);
	counter          k = {.done = 0, .bad = 0};
	uint64_t         payload = 0x0123456789abcdefu;
	size_t           before  = ht_log_count(&srv, "call /hues.v1.Debug/Echo");

	pthread_mutex_init(&k.mtx, NULL);
	pthread_cond_init(&k.cv, NULL);
	for (int i = 0; i < 500; i++) {
		Hues__V1__EchoRequest req = HUES__V1__ECHO_REQUEST__INIT;
		req.payload.data          = (uint8_t *) &payload;
		req.payload.len           = sizeof(payload);
		assert_int_equal(
		    hues_debug_echo_async(c, &req, NULL, on_counted, &k), HUES_OK);
	}
	pthread_mutex_lock(&k.mtx);
	while (k.done < 500) {
		pthread_cond_wait(&k.cv, &k.mtx);
	}
	pthread_mutex_unlock(&k.mtx);
	assert_int_equal(k.bad, 0);
	assert_int_equal(
	    ht_log_count(&srv, "call /hues.v1.Debug/Echo") - before, 500);
	pthread_cond_destroy(&k.cv);
	pthread_mutex_destroy(&k.mtx);
	hues_client_destroy(c);
}

/* Calls started by the callbacks of one reply leave together, in even
 * shares of the free messages (client-sdk/call.c: finish, fair_share). */
typedef struct fanout {
	hues_client *c;
	counter     *k;
	int          n; /* calls the first callback starts */
} fanout;

static void
start_echo(hues_client *c, hues_callback cb, void *arg)
{
	uint64_t              payload = 0x0123456789abcdefu;
	Hues__V1__EchoRequest req     = HUES__V1__ECHO_REQUEST__INIT;
	req.payload.data              = (uint8_t *) &payload;
	req.payload.len               = sizeof(payload);
	assert_int_equal(hues_debug_echo_async(c, &req, NULL, cb, arg), HUES_OK);
}

static void
on_fanout(hues_result *res, void *arg)
{
	fanout *f = arg;
	for (int i = 0; i < f->n; i++) {
		start_echo(f->c, on_counted, f->k);
	}
	on_counted(res, f->k);
}

/* Runs one call whose callback starts n more, with `slots` messages in
 * flight at most; returns the messages the server received. */
static size_t
messages_for_fanout(uint32_t slots, int n)
{
	hues_client_opts o = {.sockets = 1, .inflight_per_socket = slots};
	hues_client     *c = ht_client(&srv, &o);
	counter          k = {.done = 0, .bad = 0};
	fanout           f = {.c = c, .k = &k, .n = n};
	size_t           before = ht_log_count(&srv, RECEIVED);

	pthread_mutex_init(&k.mtx, NULL);
	pthread_cond_init(&k.cv, NULL);
	start_echo(c, on_fanout, &f);
	pthread_mutex_lock(&k.mtx);
	while (k.done < 1 + n) {
		pthread_cond_wait(&k.cv, &k.mtx);
	}
	pthread_mutex_unlock(&k.mtx);
	assert_int_equal(k.bad, 0);
	pthread_cond_destroy(&k.cv);
	pthread_mutex_destroy(&k.mtx);
	hues_client_destroy(c);
	return ht_log_count(&srv, RECEIVED) - before;
}

static void
test_calls_from_one_reply_leave_together(void **state)
{
	(void) state;
	/* One message: the first call, then one with all 5 it started (not
	 * one with the first of them, then one with the other 4). */
	assert_int_equal(messages_for_fanout(1, 5), 2);
}

static void
test_calls_share_the_free_messages_evenly(void **state)
{
	(void) state;
	/* Two messages free when the 8 calls leave: 4 each, not one of 8. */
	assert_int_equal(messages_for_fanout(2, 8), 3);
}

/* A call waiting when a reply frees the only message leaves with the
 * calls that reply's callback starts, not a round before them
 * (client-sdk/call.c: settle). */
typedef struct after_hold {
	hues_client *c;
	counter     *k;
	bool         ok;
} after_hold;

static void
on_hold_done(hues_result *res, void *arg)
{
	after_hold *h = arg;
	h->ok         = hues_result_code(res) == HUES_OK;
	hues_result_free(res);
	start_echo(h->c, on_counted, h->k);
	pthread_mutex_lock(&h->k->mtx);
	h->k->done++;
	pthread_cond_signal(&h->k->cv);
	pthread_mutex_unlock(&h->k->mtx);
}

static void
test_waiting_call_leaves_with_the_calls_of_the_reply(void **state)
{
	(void) state;
	hues_client_opts       o  = {.sockets = 1, .inflight_per_socket = 1};
	hues_client           *c  = ht_client(&srv, &o);
	counter                k  = {.done = 0, .bad = 0};
	after_hold             h  = {.c = c, .k = &k};
	Hues__V1__SleepRequest sr = HUES__V1__SLEEP_REQUEST__INIT;
	hues_call_opts         co = {.timeout_ms = 60000};
	size_t before = ht_log_count(&srv, RECEIVED);
	size_t slept  = ht_log_count(&srv, "debug sleep started");

	pthread_mutex_init(&k.mtx, NULL);
	pthread_cond_init(&k.cv, NULL);
	/* The hold takes the only message; the echo started next waits. */
	sr.hold = true;
	assert_int_equal(
	    hues_debug_sleep_async(c, &sr, &co, on_hold_done, &h), HUES_OK);
	ht_wait_log(&srv, "debug sleep started", slept + 1);
	start_echo(c, on_counted, &k);
	ht_signal(&srv, SIGUSR1); /* the hold returns; its callback starts one */
	pthread_mutex_lock(&k.mtx);
	while (k.done < 3) {
		pthread_cond_wait(&k.cv, &k.mtx);
	}
	pthread_mutex_unlock(&k.mtx);
	assert_true(h.ok);
	assert_int_equal(k.bad, 0);
	/* The hold's message, then one with both echoes. */
	assert_int_equal(ht_log_count(&srv, RECEIVED) - before, 2);
	pthread_cond_destroy(&k.cv);
	pthread_mutex_destroy(&k.mtx);
	hues_client_destroy(c);
}

/* ----- health -------------------------------------------------------------- */

static int
health_of(hues_client *c, const char *service)
{
	Hues__V1__HealthCheckRequest req = HUES__V1__HEALTH_CHECK_REQUEST__INIT;
	hues_result                 *res;
	req.service = (char *) service;
	assert_int_equal(hues_health_check(c, &req, NULL, &res), HUES_OK);
	int status = hues_health_check_response(res)->status;
	hues_result_free(res);
	return status;
}

static void
test_health_check_per_service(void **state)
{
	(void) state;
	hues_client *c = ht_client(&srv, NULL);
	assert_int_equal(health_of(c, ""),
	    HUES__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
	assert_int_equal(health_of(c, "hues.v1.Health"),
	    HUES__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
	assert_int_equal(health_of(c, "hues.v1.Reflection"),
	    HUES__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
	assert_int_equal(health_of(c, "hues.v1.NoSuchService"),
	    HUES__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN);
	hues_client_destroy(c);
}

/* ----- reflection agrees with the SDK's method list ---------------------- */

typedef struct sdk_method {
	const char *name;
	uint32_t    flags;
	bool        seen;
} sdk_method;

static void
test_reflection_matches_sdk_method_list(void **state)
{
	(void) state;
	sdk_method methods[] = {
#define ROW(n, path, Req, Resp, rd, sd, fl) {path, fl, false},
	    HUES_METHODS(ROW)
#undef ROW
	};
	size_t       nm = sizeof(methods) / sizeof(methods[0]);
	hues_client *c  = ht_client(&srv, NULL);
	hues_result *res;
	Hues__V1__ListServicesRequest req = HUES__V1__LIST_SERVICES_REQUEST__INIT;

	assert_int_equal(hues_reflection_list_services(c, &req, NULL, &res), HUES_OK);
	const Hues__V1__ListServicesResponse *r =
	    hues_reflection_list_services_response(res);
	size_t served = 0;
	for (size_t i = 0; i < r->n_services; i++) {
		for (size_t j = 0; j < r->services[i]->n_methods; j++) {
			const Hues__V1__MethodInfo *mi = r->services[i]->methods[j];
			bool                        found = false;
			served++;
			for (size_t k = 0; k < nm; k++) {
				if (strcmp(methods[k].name, mi->full_name) == 0) {
					found = methods[k].seen = true;
					/* The SDK retries what the server calls
					 * idempotent, and nothing else. */
					assert_int_equal(mi->idempotent,
					    (methods[k].flags &
					        HUES_METHOD_IDEMPOTENT) != 0);
				}
			}
			if (!found) {
				fail_msg("server method %s is missing from "
				         "HUES_METHODS",
				    mi->full_name);
			}
		}
	}
	for (size_t k = 0; k < nm; k++) {
		if (!methods[k].seen) {
			fail_msg("SDK method %s is not served", methods[k].name);
		}
	}
	assert_int_equal(served, nm);
	hues_result_free(res);
	hues_client_destroy(c);
}

static void
test_reflection_serves_descriptor_set(void **state)
{
	(void) state;
	hues_client *c = ht_client(&srv, NULL);
	hues_result *res;
	Hues__V1__GetFileDescriptorSetRequest req =
	    HUES__V1__GET_FILE_DESCRIPTOR_SET_REQUEST__INIT;

	assert_int_equal(
	    hues_reflection_get_file_descriptor_set(c, &req, NULL, &res), HUES_OK);
	const ProtobufCBinaryData *fds =
	    &hues_reflection_get_file_descriptor_set_response(res)
	         ->file_descriptor_set;
	assert_true(fds->len > 1000);
	/* Every file of the API is in the set (a script test decodes it with
	 * protoc as google.protobuf.FileDescriptorSet). */
	const char *files[] = {"hues/v1/rpc.proto", "hues/v1/health.proto",
	    "hues/v1/reflection.proto", "hues/v1/debug.proto"};
	for (size_t i = 0; i < 4; i++) {
		assert_non_null(memmem(fds->data, fds->len, files[i],
		    strlen(files[i])));
	}
	hues_result_free(res);
	hues_client_destroy(c);
}

/* ----- request ids ------------------------------------------------------ */

static void
test_request_id_round_trip(void **state)
{
	(void) state;
	hues_client   *c = ht_client(&srv, NULL);
	hues_result   *res;
	hues_call_opts co = {.request_id = "gw-7f3a-0001"};
	Hues__V1__HealthCheckRequest req = HUES__V1__HEALTH_CHECK_REQUEST__INIT;

	assert_int_equal(hues_health_check(c, &req, &co, &res), HUES_OK);
	assert_string_equal(hues_result_metadata(res, "x-request-id"),
	    "gw-7f3a-0001");
	hues_result_free(res);
	ht_wait_log(&srv, "rid=gw-7f3a-0001 call /hues.v1.Health/Check", 1);

	/* Without one, the server makes one up and says which. */
	assert_int_equal(hues_health_check(c, &req, NULL, &res), HUES_OK);
	const char *rid = hues_result_metadata(res, "x-request-id");
	assert_non_null(rid);
	assert_int_equal(strlen(rid), 16);
	hues_result_free(res);
	hues_client_destroy(c);
}

/* ----- the SDK refuses to wait inside its own callback ------------------- */

typedef struct nested {
	hues_client    *c;
	int             code;
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	bool            done;
} nested;

static void
on_outer(hues_result *res, void *arg)
{
	nested      *n = arg;
	hues_result *inner;
	int code = hues_call(n->c, "/hues.v1.Health/Check", NULL, 0, NULL, &inner);
	hues_result_free(inner);
	hues_result_free(res);
	pthread_mutex_lock(&n->mtx);
	n->code = code;
	n->done = true;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mtx);
}

static void
test_sync_call_in_callback_refused(void **state)
{
	(void) state;
	nested n = {.c = ht_client(&srv, NULL), .done = false};
	pthread_mutex_init(&n.mtx, NULL);
	pthread_cond_init(&n.cv, NULL);
	assert_int_equal(hues_call_async(n.c, "/hues.v1.Health/Check", NULL, 0,
	                     NULL, on_outer, &n),
	    HUES_OK);
	pthread_mutex_lock(&n.mtx);
	while (!n.done) {
		pthread_cond_wait(&n.cv, &n.mtx);
	}
	pthread_mutex_unlock(&n.mtx);
	assert_int_equal(n.code, HUES_FAILED_PRECONDITION);
	pthread_cond_destroy(&n.cv);
	pthread_mutex_destroy(&n.mtx);
	hues_client_destroy(n.c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_calls_64_in_flight_from_8_threads),
	    cmocka_unit_test(test_calls_batched_when_messages_are_busy),
	    cmocka_unit_test(test_calls_from_one_reply_leave_together),
	    cmocka_unit_test(test_calls_share_the_free_messages_evenly),
	    cmocka_unit_test(test_waiting_call_leaves_with_the_calls_of_the_reply),
	    cmocka_unit_test(test_health_check_per_service),
	    cmocka_unit_test(test_reflection_matches_sdk_method_list),
	    cmocka_unit_test(test_reflection_serves_descriptor_set),
	    cmocka_unit_test(test_request_id_round_trip),
	    cmocka_unit_test(test_sync_call_in_callback_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
