/*
 * connect_test.c - peers that connect and go away before they speak must
 * not stop the server from accepting the next client.
 *
 * nng 1.5.2 hands the error of one such connection (EPIPE, as NNG_ECLOSED)
 * to its listener, which then stops accepting for good; server/rpc/
 * sendmsg.c works around it. Without the workaround the ipc:// case
 * failed every time: the client after the hang-ups got DEADLINE_EXCEEDED.
 * A test passes or fails on what the server answers, never on timing: each
 * hang-up is over before the next starts, and the last client waits up to
 * its deadline for an answer that either comes or does not.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "hues/client.h"

#define HANGUPS 50

enum how { CLOSE, RESET, HALF_HEADER, NOT_SP };

/* One connection to the server's URL that ends as `how` says. */
static void
hang_up(const char *url, enum how how)
{
	int fd = ht_raw_connect(url);

	switch (how) {
	case CLOSE: break;
	case RESET: {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		break;
	}
	case HALF_HEADER: /* the first half of an SP header */
		(void) !write(fd, "\0SP\0", 4);
		break;
	case NOT_SP:
		(void) !write(fd, "GET / HTTP/1.1\r\n\r\n", 18);
		break;
	}
	close(fd);
}

static void
assert_serves(const ht_server *s)
{
	hues_client_opts o = { .timeout_ms = 5000, .max_attempts = 1 };
	hues_client     *c = ht_client(s, &o); /* fails the test if no answer */
	hues_result     *res;
	assert_int_equal(
	    hues_call(c, "/hues.v1.Health/Check", NULL, 0, NULL, &res), HUES_OK);
	assert_int_equal(hues_result_code(res), HUES_OK);
	hues_result_free(res);
	hues_client_destroy(c);
}

/* Stopped by the teardown, so that a failed test leaves no server. */
static ht_server srv;

static int
stop(void **state)
{
	(void) state;
	ht_server_stop(&srv);
	return 0;
}

static void
srv_start(const char *const *args)
{
	ht_server_start(&srv, args);
}

static void
run(const char *const *args, const enum how *hows, size_t nhows)
{
	srv_start(args);
	assert_serves(&srv);
	for (size_t k = 0; k < nhows; k++) {
		for (int i = 0; i < HANGUPS; i++) {
			hang_up(srv.url, hows[k]);
		}
		assert_serves(&srv);
	}
}

static void
test_ipc_hang_ups(void **state)
{
	(void) state;
	static const enum how hows[] = { CLOSE, RESET, HALF_HEADER, NOT_SP };
	run(NULL, hows, 4);
}

static void
test_tcp_hang_ups(void **state)
{
	(void) state;
	static const char *const args[] = { "--listen", "tcp://127.0.0.1:0",
		NULL };
	static const enum how hows[] = { CLOSE, RESET, HALF_HEADER, NOT_SP };
	run(args, hows, 4);
}

/* ----- the client side ------------------------------------------------------
 *
 * A server that accepts and closes at once makes the client's handshake
 * write fail with EPIPE, and nng 1.5.2's dialer then stops for good; the
 * SDK replaces dialers whose sends find no connection (client-sdk/
 * redial.c). Without that, no call of this client was ever answered, even
 * with the real server up on the same path.
 */
typedef struct slammer {
	int         fd;
	atomic_bool stop;
	atomic_int  closed;
} slammer;

static void *
slam(void *arg)
{
	slammer *sl = arg;
	/* Bounded: stops when told, or after 10 s without being told. */
	for (int i = 0; i < 1000 && !atomic_load(&sl->stop); i++) {
		struct pollfd p = { .fd = sl->fd, .events = POLLIN };
		if (poll(&p, 1, 10) == 1) {
			int c = accept(sl->fd, NULL, NULL);
			if (c >= 0) {
				close(c);
				atomic_fetch_add(&sl->closed, 1);
			}
		}
	}
	return NULL;
}

static void
test_client_redials_after_failed_handshakes(void **state)
{
	(void) state;
	char dir[] = "/tmp/hues-redial.XXXXXX", url[128];
	assert_non_null(mkdtemp(dir));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s.sock", dir);
	snprintf(url, sizeof(url), "ipc://%s", sa.sun_path);

	slammer sl = { .fd = socket(AF_UNIX, SOCK_STREAM, 0) };
	assert_true(sl.fd >= 0);
	assert_int_equal(bind(sl.fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	assert_int_equal(listen(sl.fd, 16), 0);
	pthread_t thr;
	assert_int_equal(pthread_create(&thr, NULL, slam, &sl), 0);

	hues_client_opts o = { .sockets = 1, .max_attempts = 1,
		.connect_timeout_ms = 200, .timeout_ms = 1000 };
	hues_client *c   = NULL;
	const char  *u   = url;
	assert_int_equal(hues_client_create(&u, 1, &o, &c), HUES_OK);
	/* Its dialer meets the server that hangs up: a few times, with
	 * backoff. Bounded, and enough either way. */
	for (int i = 0; i < 300 && atomic_load(&sl.closed) < 4; i++) {
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
	}
	atomic_store(&sl.stop, true);
	pthread_join(thr, NULL);
	close(sl.fd);
	unlink(sa.sun_path);

	const char *const args[] = { "--listen", url, NULL };
	srv_start(args);
	int code = -1;
	for (int i = 0; i < 20 && code != HUES_OK; i++) {
		hues_result *res = NULL;
		/* The call's status: UNAVAILABLE while there is no connection. */
		code = hues_call(c, "/hues.v1.Health/Check", NULL, 0, NULL, &res);
		hues_result_free(res);
	}
	hues_client_destroy(c);
	ht_server_stop(&srv);
	rmdir(dir);
	assert_int_equal(code, HUES_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_ipc_hang_ups, stop),
		cmocka_unit_test_teardown(test_tcp_hang_ups, stop),
		cmocka_unit_test_teardown(
		    test_client_redials_after_failed_handshakes, stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
