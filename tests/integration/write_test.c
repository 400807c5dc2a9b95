/*
 * write_test.c - the durable write path through the real server: handlers
 * defer their writes to the store's group commit and are answered only
 * once their write is committed. Debug/Put and Debug/Get stand in for a
 * domain service.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "async.h"
#include "harness.h"

static int
put(hues_client *c, const char *key, const char *value)
{
	Hues__V1__PutRequest req = HUES__V1__PUT_REQUEST__INIT;
	hues_result         *res;
	req.key   = (char *) key;
	req.value = (ProtobufCBinaryData) {strlen(value), (uint8_t *) value};
	int code  = hues_debug_put(c, &req, NULL, &res);
	hues_result_free(res);
	return code;
}

/* Asserts that key holds value (NULL: that it is absent). */
static void
check_value(hues_client *c, const char *key, const char *value)
{
	Hues__V1__GetRequest req = HUES__V1__GET_REQUEST__INIT;
	hues_result         *res;
	req.key = (char *) key;
	assert_int_equal(hues_debug_get(c, &req, NULL, &res), HUES_OK);
	const Hues__V1__GetResponse *r = hues_debug_get_response(res);
	if (value == NULL) {
		assert_false(r->found);
	} else {
		assert_true(r->found);
		assert_int_equal(r->value.len, strlen(value));
		assert_memory_equal(r->value.data, value, r->value.len);
	}
	hues_result_free(res);
}

static void
test_write_put_then_get(void **state)
{
	(void) state;
	ht_server srv;
	ht_server_start(&srv, NULL);
	hues_client *c = ht_client(&srv, NULL);

	check_value(c, "ward/phu-hoi", NULL);
	assert_int_equal(put(c, "ward/phu-hoi", "Phú Hội"), HUES_OK);
	check_value(c, "ward/phu-hoi", "Phú Hội");
	assert_int_equal(put(c, "ward/phu-hoi", "Phú Hội 2"), HUES_OK);
	check_value(c, "ward/phu-hoi", "Phú Hội 2");

	/* Bad input writes nothing. */
	Hues__V1__PutRequest req = HUES__V1__PUT_REQUEST__INIT;
	hues_result         *res;
	assert_int_equal(hues_debug_put(c, &req, NULL, &res),
	    HUES_INVALID_ARGUMENT);
	const char *field = NULL, *why = NULL;
	assert_int_equal(hues_result_violation(res, 0, &field, &why), HUES_OK);
	assert_string_equal(field, "key");
	hues_result_free(res);
	hues_client_destroy(c);
	ht_server_stop(&srv);
}

/* Many writes in flight at once, from one batch and from several messages:
 * every one is acknowledged, and every acknowledged one is there after the
 * server is killed without a chance to flush anything. */
static void
test_write_acknowledged_survive_kill(void **state)
{
	(void) state;
	enum { N = 200 };
	ht_server        srv;
	ht_async         a[N];
	char             key[N][16];
	hues_client_opts o = {.sockets = 1, .inflight_per_socket = 2};
	ht_server_start(&srv, NULL);
	hues_client *c = ht_client(&srv, &o);

	for (int i = 0; i < N; i++) {
		Hues__V1__PutRequest req = HUES__V1__PUT_REQUEST__INIT;
		snprintf(key[i], sizeof(key[i]), "k%03d", i);
		req.key   = key[i];
		req.value = (ProtobufCBinaryData) {4, (uint8_t *) key[i]};
		ht_async_init(&a[i]);
		assert_int_equal(
		    hues_debug_put_async(c, &req, NULL, ht_async_done, &a[i]),
		    HUES_OK);
	}
	for (int i = 0; i < N; i++) {
		hues_result *res = ht_async_wait(&a[i]);
		assert_int_equal(hues_result_code(res), HUES_OK);
		hues_result_free(res);
	}
	hues_client_destroy(c);

	ht_signal(&srv, SIGKILL);
	ht_wait_exit(&srv);
	ht_server_start_in(&srv, srv.dir, NULL);
	c = ht_client(&srv, NULL);
	char want[8];
	for (int i = 0; i < N; i++) {
		snprintf(want, sizeof(want), "%.4s", key[i]);
		check_value(c, key[i], want);
	}
	hues_client_destroy(c);
	ht_server_stop(&srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_write_put_then_get),
	    cmocka_unit_test(test_write_acknowledged_survive_kill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
