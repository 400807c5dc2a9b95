/*
 * main.c - hues-server: configuration, signals and wiring; nothing else.
 *
 * All signals the server handles are blocked before any thread starts, so
 * that only the main thread receives them, synchronously, with sigwait:
 * SIGINT/SIGTERM drain and stop, SIGUSR1 releases held debug calls.
 */
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "core/clock.h"
#include "core/log.h"
#include "rpc/server.h"
#include "store/store.h"
#include "svc/all.h"
#include "svc/registry.h"

extern char **environ;

/* Extra time handlers get to return once the grace period is over and
 * they have been told to stop. */
#define STOP_WAIT_MS 5000

static atomic_bool draining;
static atomic_bool stopping;

/* Waits for the next signal of set, or until timeout_ms (-1: forever).
 * Returns the signal, or 0 on timeout. */
static int
next_signal(const sigset_t *set, long timeout_ms)
{
	if (timeout_ms < 0) {
		int sig = 0;
		return sigwait(set, &sig) == 0 ? sig : 0;
	}
	struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000};
	int             sig = sigtimedwait(set, NULL, &ts);
	return sig > 0 ? sig : 0;
}

/* Serves until SIGINT or SIGTERM. */
static void
serve(const sigset_t *set, svc_registry *reg)
{
	for (;;) {
		int sig = next_signal(set, -1);
		if (sig == SIGINT || sig == SIGTERM) {
			return;
		}
		if (sig == SIGUSR1) {
			svc_registry_event(reg, SVC_EVENT_RELEASE);
		} else if (sig == SIGHUP) {
			LOG_INFO(NULL, "SIGHUP: nothing to reload");
		}
	}
}

/* Lets calls in flight finish within the grace period, then tells the
 * rest to stop. A second SIGINT or SIGTERM cuts the grace short. */
static void
drain(const sigset_t *set, rpc_server *srv, svc_registry *reg,
    unsigned grace_ms)
{
	uint64_t grace_end = clock_now_ns() + (uint64_t) grace_ms * 1000000u;

	rpc_server_begin_drain(srv);
	LOG_INFO(NULL, "draining: %zu calls in flight, grace %u ms",
	    rpc_server_in_flight(srv), grace_ms);
	while (!rpc_server_wait_idle(srv, clock_now_ns() + 20000000u)) {
		int sig = next_signal(set, 0);
		if (sig == SIGUSR1) {
			svc_registry_event(reg, SVC_EVENT_RELEASE);
		}
		if (sig == SIGINT || sig == SIGTERM || clock_now_ns() >= grace_end) {
			LOG_WARN(NULL,
			    "grace period over with %zu calls in flight; "
			    "stopping them",
			    rpc_server_in_flight(srv));
			atomic_store(&stopping, true);
			svc_registry_event(reg, SVC_EVENT_DRAIN);
			rpc_server_wait_idle(srv,
			    clock_now_ns() + (uint64_t) STOP_WAIT_MS * 1000000u);
			return;
		}
	}
}

int
main(int argc, char **argv)
{
	hues_config  cfg;
	char         err[512];
	sigset_t     set;
	store       *st  = NULL;
	svc_registry *reg = NULL;
	rpc_server  *srv = NULL;
	int          rv, status = 1;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	rv = config_load(&cfg, argc, argv, environ, stdout, err, sizeof(err));
	if (rv != CONFIG_OK) {
		if (rv == CONFIG_ERROR) {
			fprintf(stderr, "hues-server: %s\n", err);
		}
		config_free(&cfg);
		return rv == CONFIG_EXIT ? 0 : 2;
	}
	log_set_level(cfg.log_level);

	store_opts so = {.dir = cfg.data_dir, .map_size = cfg.map_size};
	if (store_open(&so, &st, err, sizeof(err)) != HUES_OK) {
		fprintf(stderr, "hues-server: %s\n", err);
		goto out;
	}
	svc_env env = {.debug_methods = cfg.debug_methods, .draining = &draining};
	if (svc_registry_create(&reg) != HUES_OK ||
	    services_register_all(reg, &env) != HUES_OK) {
		fprintf(stderr, "hues-server: cannot set up services\n");
		goto out;
	}
	rpc_server_opts ro = {
	    .urls          = (const char *const *) cfg.listen,
	    .nurls         = cfg.nlisten,
	    .workers       = cfg.workers,
	    .queue_depth   = cfg.queue_depth,
	    .max_request   = cfg.max_request_bytes,
	    .tls_cert_file = cfg.tls_cert,
	    .tls_key_file  = cfg.tls_key,
	    .reg           = reg,
	    .draining      = &draining,
	    .stopping      = &stopping,
	};
	if (rpc_server_start(&ro, &srv, err, sizeof(err)) != HUES_OK) {
		fprintf(stderr, "hues-server: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < cfg.nlisten; i++) {
		LOG_INFO(NULL, "listening on %s", rpc_server_url(srv, i));
	}
	LOG_INFO(NULL,
	    "hues-server %s ready: data dir %s, %u workers, queue %zu%s",
	    HUES_VERSION, cfg.data_dir, cfg.workers, cfg.queue_depth,
	    cfg.debug_methods ? ", debug methods ON" : "");

	serve(&set, reg);
	drain(&set, srv, reg, cfg.grace_ms);
	status = 0;
out:
	rpc_server_stop(srv);
	svc_registry_destroy(reg);
	store_close(st);
	if (status == 0) {
		LOG_INFO(NULL, "stopped");
	}
	config_free(&cfg);
	return status;
}
