/*
 * retry_test.c - the SDK's retries against a real server: a call that is
 * not safe to repeat (Debug/Bump, which counts its executions) is never
 * retried without an idempotency key, and is retried with one; idempotent
 * methods are retried; only UNAVAILABLE and lost connections are retried.
 *
 * The server turns calls away deterministically: one worker, no queue, and
 * that worker held by a Debug/Sleep "hold" until SIGUSR1. Every refusal is
 * a "rejected a request" line in its debug log, so the test counts the
 * attempts that reached the server instead of timing anything.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "async.h"
#include "harness.h"

#define REJECTED "rejected a request"

/* Fast retries, so that a test with many attempts stays short. */
static const hues_client_opts fast = {
    .backoff_initial_ms = 5,
    .backoff_max_ms     = 20,
};

typedef struct fixture {
	ht_server    srv;
	hues_client *c;
	ht_async     hold;
	bool         held;
} fixture;

/* Starts a server with one worker and no queue, and holds the worker. */
static void
start_busy(fixture *f)
{
	const char *args[] = {"--workers", "1", "--queue-depth", "0", NULL};
	ht_server_start(&f->srv, args);
	f->c = ht_client(&f->srv, &fast);
	ht_hold_worker(&f->srv, f->c, &f->hold);
	f->held = true;
}

/* Releases the held worker and waits for the hold to end. */
static void
release(fixture *f)
{
	if (f->held) {
		ht_signal(&f->srv, SIGUSR1);
		hues_result *r = ht_async_wait(&f->hold);
		assert_int_equal(hues_result_code(r), HUES_OK);
		hues_result_free(r);
		f->held = false;
	}
}

static int
setup(void **state)
{
	static fixture f;
	memset(&f, 0, sizeof(f));
	start_busy(&f);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;
	release(f);
	hues_client_destroy(f->c);
	ht_server_stop(&f->srv);
	return 0;
}

/*
 * Bumps once more without a key and returns the counter. A worker replies
 * before it is back in the pool, so right after a release this call may
 * find it still busy: it is marked safe to retry, which it is here, as a
 * QUEUE_FULL refusal runs nothing.
 */
static uint64_t
bump_value(fixture *f)
{
	hues_result          *res;
	Hues__V1__BumpRequest br = HUES__V1__BUMP_REQUEST__INIT;
	hues_call_opts        co = {.flags = HUES_CALL_IDEMPOTENT};
	assert_int_equal(hues_debug_bump(f->c, &br, &co, &res), HUES_OK);
	uint64_t v = hues_debug_bump_response(res)->value;
	hues_result_free(res);
	return v;
}

static void
test_retry_never_without_key(void **state)
{
	fixture              *f  = *state;
	hues_result          *res;
	Hues__V1__BumpRequest br = HUES__V1__BUMP_REQUEST__INIT;
	hues_call_opts        co = {.max_attempts = 5};
	size_t                before = ht_log_count(&f->srv, REJECTED);

	assert_int_equal(hues_debug_bump(f->c, &br, &co, &res),
	    HUES_UNAVAILABLE);
	assert_string_equal(hues_result_reason(res), "QUEUE_FULL");
	assert_int_equal(hues_result_attempts(res), 1);
	hues_result_free(res);
	/* Exactly one attempt reached the server. */
	ht_wait_log(&f->srv, REJECTED, before + 1);
	assert_int_equal(ht_log_count(&f->srv, REJECTED), before + 1);

	release(f);
	assert_int_equal(bump_value(f), 1);
}

static void
test_retry_idempotent_method(void **state)
{
	fixture       *f = *state;
	hues_result   *res;
	hues_call_opts co     = {.max_attempts = 3};
	size_t         before = ht_log_count(&f->srv, REJECTED);

	/* Health/Check is idempotent: every attempt is made. */
	assert_int_equal(
	    hues_call(f->c, "/hues.v1.Health/Check", NULL, 0, &co, &res),
	    HUES_UNAVAILABLE);
	assert_int_equal(hues_result_attempts(res), 3);
	hues_result_free(res);
	ht_wait_log(&f->srv, REJECTED, before + 3);

	/* So is a non-idempotent call the caller declares safe to repeat. */
	Hues__V1__BumpRequest br = HUES__V1__BUMP_REQUEST__INIT;
	co.flags                 = HUES_CALL_IDEMPOTENT;
	assert_int_equal(hues_debug_bump(f->c, &br, &co, &res),
	    HUES_UNAVAILABLE);
	assert_int_equal(hues_result_attempts(res), 3);
	hues_result_free(res);
	ht_wait_log(&f->srv, REJECTED, before + 6);
}

static void
test_retry_with_key_runs_once(void **state)
{
	fixture              *f  = *state;
	ht_async              a;
	Hues__V1__BumpRequest br = HUES__V1__BUMP_REQUEST__INIT;
	hues_call_opts        co = {
	           .max_attempts    = 1000,
	           .timeout_ms      = 60000,
	           .idempotency_key = "report-7f3a",
        };
	size_t before = ht_log_count(&f->srv, REJECTED);

	ht_async_init(&a);
	assert_int_equal(hues_debug_bump_async(f->c, &br, &co, ht_async_done, &a),
	    HUES_OK);
	/* Two refused attempts prove it is being retried; then the worker
	 * frees up and a later attempt runs. */
	ht_wait_log(&f->srv, REJECTED, before + 2);
	release(f);
	hues_result *res = ht_async_wait(&a);
	assert_int_equal(hues_result_code(res), HUES_OK);
	assert_true(hues_result_attempts(res) >= 3);
	assert_int_equal(hues_debug_bump_response(res)->value, 1);
	hues_result_free(res);

	/* The same key again is answered from the first outcome, not run
	 * (it may take more than one attempt: see bump_value()). */
	assert_int_equal(hues_debug_bump(f->c, &br, &co, &res), HUES_OK);
	assert_int_equal(hues_debug_bump_response(res)->value, 1);
	hues_result_free(res);
	assert_int_equal(bump_value(f), 2);
}

/* On a server with room to spare: a QUEUE_FULL refusal cannot blur the
 * attempt counts. */
static void
test_retry_only_unavailable(void **state)
{
	(void) state;
	fixture   own = {0};
	fixture  *f   = &own;
	ht_server_start(&f->srv, NULL);
	f->c = ht_client(&f->srv, &fast);

	/* ABORTED from the handler, with a key: not retried. */
	hues_result          *res;
	Hues__V1__FailRequest fr = HUES__V1__FAIL_REQUEST__INIT;
	hues_call_opts        co = {
	           .max_attempts = 5, .idempotency_key = "fail-1"};
	fr.code    = HUES_ABORTED;
	fr.message = "conflict";
	assert_int_equal(hues_debug_fail(f->c, &fr, &co, &res), HUES_ABORTED);
	assert_int_equal(hues_result_attempts(res), 1);
	hues_result_free(res);
	assert_int_equal(ht_log_count(&f->srv, "code=ABORTED"), 1);

	/* UNAVAILABLE from the handler, idempotent method: retried. */
	fr.code = HUES_UNAVAILABLE;
	co.idempotency_key = NULL;
	co.max_attempts    = 2;
	assert_int_equal(hues_debug_fail(f->c, &fr, &co, &res),
	    HUES_UNAVAILABLE);
	assert_int_equal(hues_result_attempts(res), 2);
	hues_result_free(res);
	ht_wait_log(&f->srv, "code=UNAVAILABLE", 2);
	hues_client_destroy(f->c);
	ht_server_stop(&f->srv);
}

/*
 * A Bump waits in the server's queue when the server dies. Without a key
 * the lost connection ends it (the server may have run it); with a key the
 * SDK sends it again to the restarted server, which runs it once.
 */
static void
lost_connection(bool with_key)
{
	ht_server             srv;
	const char           *args[] = {"--workers", "1", NULL};
	hues_client_opts      o      = fast;
	ht_async              hold, a;
	Hues__V1__BumpRequest  br    = HUES__V1__BUMP_REQUEST__INIT;
	hues_call_opts         co    = {.max_attempts = 1000,
	                    .timeout_ms                   = 60000,
	                    .idempotency_key = with_key ? "k-lost" : NULL};

	o.sockets = 1; /* the hold and the Bump share one connection */
	ht_server_start(&srv, args);
	hues_client *c = ht_client(&srv, &o);
	ht_hold_worker(&srv, c, &hold);
	size_t queued = ht_log_count(&srv, "queued a request");
	ht_async_init(&a);
	assert_int_equal(hues_debug_bump_async(c, &br, &co, ht_async_done, &a),
	    HUES_OK);
	ht_wait_log(&srv, "queued a request", queued + 1);

	ht_signal(&srv, SIGKILL);
	ht_wait_exit(&srv);
	hues_result *held = ht_async_wait(&hold);
	assert_int_equal(hues_result_code(held), HUES_UNAVAILABLE);
	hues_result_free(held);
	if (!with_key) {
		hues_result *res = ht_async_wait(&a);
		assert_int_equal(hues_result_code(res), HUES_UNAVAILABLE);
		assert_int_equal(hues_result_attempts(res), 1);
		hues_result_free(res);
	}
	ht_server_start_in(&srv, srv.dir, args);
	if (with_key) {
		hues_result *res = ht_async_wait(&a);
		assert_int_equal(hues_result_code(res), HUES_OK);
		assert_true(hues_result_attempts(res) >= 2);
		/* The killed server never ran it: the new one ran it once. */
		assert_int_equal(hues_debug_bump_response(res)->value, 1);
		hues_result_free(res);
	}
	hues_result *res;
	assert_int_equal(hues_debug_bump(c, &br, NULL, &res), HUES_OK);
	assert_int_equal(hues_debug_bump_response(res)->value, with_key ? 2 : 1);
	hues_result_free(res);
	hues_client_destroy(c);
	ht_server_stop(&srv);
}

static void
test_retry_lost_connection_without_key(void **state)
{
	(void) state;
	lost_connection(false);
}

static void
test_retry_lost_connection_with_key(void **state)
{
	(void) state;
	lost_connection(true);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_retry_never_without_key),
	    T(test_retry_idempotent_method),
	    T(test_retry_with_key_runs_once),
	    cmocka_unit_test(test_retry_only_unavailable),
	    cmocka_unit_test(test_retry_lost_connection_without_key),
	    cmocka_unit_test(test_retry_lost_connection_with_key),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
