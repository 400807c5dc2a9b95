/*
 * harness.h - a real hues-server for integration tests: started as a
 * child process on a temporary ipc:// URL with a fresh data dir, its log
 * in a file the test can wait on, stopped and cleaned up at the end.
 *
 * Tests synchronise on log lines (a bounded wait for "debug sleep
 * started", say), never on sleeps: no test depends on timing to pass.
 */
#ifndef HUES_TEST_HARNESS_H
#define HUES_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "async.h"
#include "hues/hues.h"

typedef struct ht_server {
	pid_t pid;
	char  dir[256];      /* temp dir: data/, log, socket */
	char  data_dir[300];
	char  log_path[300];
	char  url[320];      /* the first listen URL, as bound */
	int   exit_status;   /* after ht_server_wait_exit() */
} ht_server;

/*
 * Starts hues-server with --data-dir <tmp>/data, --listen
 * ipc://<tmp>/hues.sock (unless args has --listen), --log-level debug,
 * --debug-methods, followed by args (NULL-terminated, may be NULL), and
 * waits until it logs that it is ready. Fails the test on error.
 * Set reuse_dir to a previous server's dir to restart on the same data.
 */
void ht_server_start(ht_server *s, const char *const *args);
void ht_server_start_in(ht_server *s, const char *reuse_dir,
    const char *const *args);

/* Occurrences of needle in the server's log so far. */
size_t ht_log_count(const ht_server *s, const char *needle);

/* Waits (bounded, about 20 s) until needle occurs at least n times in the
 * log; fails the test if it does not. */
void ht_wait_log(const ht_server *s, const char *needle, size_t n);

/* Sends a signal to the server. */
void ht_signal(const ht_server *s, int sig);

/* Waits (bounded) for the server to exit; returns its exit status, or -1
 * on a signal. Fails the test if it does not exit in time. */
int ht_wait_exit(ht_server *s);

/* Stops the server if it runs (SIGTERM, then SIGKILL after a bound) and
 * removes its temp dir. */
void ht_server_stop(ht_server *s);

/*
 * Holds a worker of s: starts a Debug/Sleep "hold" call on c (deadline
 * 60 s, result into a, which this initialises) and waits until the server
 * logs that it runs. SIGUSR1 to the server releases it.
 */
void ht_hold_worker(const ht_server *s, hues_client *c, ht_async *a);

/* A client for the server with the given options (NULL: defaults), with
 * each of its sockets connected (one Health/Check call per socket). */
hues_client *ht_client(const ht_server *s, const hues_client_opts *opts);
/* Makes every socket of c connected (`sockets` calls in a row answered,
 * bounded), before destroying a client that lived through a restart:
 * nng 1.5.2 leaks a dialer and pipe when a socket closes while one of its
 * connections is being set up. */
void ht_client_settle(hues_client *c, unsigned sockets);

/* A plain stream socket connected to an ipc:// or tcp://127.0.0.1 URL,
 * for tests that must speak below NNG (hang-ups, hostile framing). */
int ht_raw_connect(const char *url);

/* Sends raw bytes to url over a REQ socket and returns the raw reply
 * (malloc'd, *len bytes), or NULL when no reply came within timeout_ms. */
unsigned char *ht_raw_call(const char *url, const void *data, size_t len,
    int timeout_ms, size_t *reply_len);

#endif /* HUES_TEST_HARNESS_H */
