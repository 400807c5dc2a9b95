/*
 * shutdown_test.c - graceful shutdown: calls in flight finish, new calls
 * get UNAVAILABLE "draining", the grace period bounds the wait, the store
 * closes and the server exits 0.
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

static void
test_shutdown_finishes_calls_in_flight(void **state)
{
	(void) state;
	ht_server   srv;
	ht_async    hold;
	hues_result *res;

	ht_server_start(&srv, NULL);
	hues_client *c = ht_client(&srv, NULL);
	ht_hold_worker(&srv, c, &hold);

	ht_signal(&srv, SIGTERM);
	ht_wait_log(&srv, "draining: 1 calls in flight", 1);

	/* New calls are turned away while the held one is still running. */
	hues_call_opts once = {.max_attempts = 1};
	assert_int_equal(
	    hues_call(c, "/hues.v1.Health/Check", NULL, 0, &once, &res),
	    HUES_UNAVAILABLE);
	assert_string_equal(hues_result_reason(res), "DRAINING");
	hues_result_free(res);

	/* The call in flight completes normally. */
	ht_signal(&srv, SIGUSR1);
	res = ht_async_wait(&hold);
	assert_int_equal(hues_result_code(res), HUES_OK);
	assert_true(hues_debug_sleep_response(res)->interrupted);
	hues_result_free(res);

	assert_int_equal(ht_wait_exit(&srv), 0);
	assert_int_equal(ht_log_count(&srv, "grace period over"), 0);
	assert_int_equal(ht_log_count(&srv, "stopped"), 1);
	hues_client_destroy(c);

	/* The store was closed cleanly: the data dir opens again. */
	ht_server_start_in(&srv, srv.dir, NULL);
	ht_server_stop(&srv);
}

static void
test_shutdown_grace_period_bounds_the_wait(void **state)
{
	(void) state;
	ht_server   srv;
	ht_async    hold;
	const char *args[] = {"--grace-ms", "100", NULL};

	ht_server_start(&srv, args);
	hues_client *c = ht_client(&srv, NULL);
	ht_hold_worker(&srv, c, &hold);

	ht_signal(&srv, SIGTERM);
	/* Nobody releases the hold: the grace period ends it. */
	hues_result *res = ht_async_wait(&hold);
	assert_int_equal(hues_result_code(res), HUES_OK);
	assert_true(hues_debug_sleep_response(res)->interrupted);
	hues_result_free(res);
	assert_int_equal(ht_wait_exit(&srv), 0);
	assert_int_equal(ht_log_count(&srv, "grace period over"), 1);
	hues_client_destroy(c);
	ht_server_stop(&srv);
}

typedef struct tally {
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	int             done, ok, unavailable, other;
} tally;

static void
on_tally(hues_result *res, void *arg)
{
	tally *t = arg;
	pthread_mutex_lock(&t->mtx);
	switch (hues_result_code(res)) {
	case HUES_OK: t->ok++; break;
	case HUES_UNAVAILABLE: t->unavailable++; break;
	default: t->other++; break;
	}
	t->done++;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mtx);
	hues_result_free(res);
}

static void
test_shutdown_under_load_answers_everything(void **state)
{
	(void) state;
	ht_server srv;
	tally     t = {.done = 0};
	/* One attempt each: every call ends OK or UNAVAILABLE, none hangs
	 * and none is lost. */
	hues_client_opts o = {.max_attempts = 1, .connect_timeout_ms = 500};

	pthread_mutex_init(&t.mtx, NULL);
	pthread_cond_init(&t.cv, NULL);
	ht_server_start(&srv, NULL);
	hues_client *c = ht_client(&srv, &o);
	for (int i = 0; i < 300; i++) {
		Hues__V1__EchoRequest req = HUES__V1__ECHO_REQUEST__INIT;
		assert_int_equal(
		    hues_debug_echo_async(c, &req, NULL, on_tally, &t), HUES_OK);
		if (i == 150) {
			ht_signal(&srv, SIGTERM);
		}
	}
	pthread_mutex_lock(&t.mtx);
	while (t.done < 300) {
		pthread_cond_wait(&t.cv, &t.mtx);
	}
	pthread_mutex_unlock(&t.mtx);
	/* How many were served before the drain is up to the scheduler;
	 * that each one got a definite answer is not. */
	assert_int_equal(t.ok + t.unavailable, 300);
	assert_int_equal(t.other, 0);
	assert_int_equal(ht_wait_exit(&srv), 0);
	hues_client_destroy(c);
	pthread_cond_destroy(&t.cv);
	pthread_mutex_destroy(&t.mtx);
	ht_server_stop(&srv);
}

static void
test_sigint_when_idle_exits_zero(void **state)
{
	(void) state;
	ht_server srv;
	ht_server_start(&srv, NULL);
	ht_signal(&srv, SIGINT);
	assert_int_equal(ht_wait_exit(&srv), 0);
	assert_int_equal(ht_log_count(&srv, "draining: 0 calls in flight"), 1);
	ht_server_stop(&srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shutdown_finishes_calls_in_flight),
	    cmocka_unit_test(test_shutdown_grace_period_bounds_the_wait),
	    cmocka_unit_test(test_shutdown_under_load_answers_everything),
	    cmocka_unit_test(test_sigint_when_idle_exits_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
