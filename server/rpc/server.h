/*
 * server.h - the RPC server: transport, worker pool and dispatcher wired
 * together, with draining for graceful shutdown.
 */
#ifndef HUES_RPC_SERVER_H
#define HUES_RPC_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/dispatch.h"
#include "svc/registry.h"

typedef struct rpc_server rpc_server;

typedef struct rpc_server_opts {
	const char *const  *urls;
	size_t              nurls;
	unsigned            workers;
	size_t              queue_depth;  /* calls that may wait for a worker */
	size_t              max_request;  /* bytes of one request message */
	const char         *tls_cert_file;
	const char         *tls_key_file;
	const svc_registry *reg;          /* must outlive the server */
	rpc_auth_fn         auth;
	void               *auth_arg;
	/* Owned by the caller, shared with the services: true while draining. */
	atomic_bool        *draining;
	/* Set when handlers should stop waiting (the grace period ran out). */
	atomic_bool        *stopping;
	/* Abuse limit of write methods per caller (token bucket): calls an
	 * hour and burst; 0 for either means no limit. */
	uint32_t            write_rate_per_hour;
	uint32_t            write_burst;
} rpc_server_opts;

/*
 * Opens the listeners and starts the workers. On failure returns an error
 * code and writes one line saying what failed into err.
 */
int rpc_server_start(const rpc_server_opts *opts, rpc_server **out, char *err,
    size_t errlen);

/* The i-th listen URL as bound (":0" replaced by the real port), or NULL. */
const char *rpc_server_url(const rpc_server *s, size_t i);

/* Stops taking new calls: from now on they get UNAVAILABLE "draining". */
void rpc_server_begin_drain(rpc_server *s);

/* Calls queued or running. */
size_t rpc_server_in_flight(rpc_server *s);

/* Waits until no call runs or deadline_ns passes; true when idle. */
bool rpc_server_wait_idle(rpc_server *s, uint64_t deadline_ns);

/*
 * Closes the listeners, waits for the workers to finish what they hold,
 * and frees everything. NULL accepted.
 */
void rpc_server_stop(rpc_server *s);

#endif /* HUES_RPC_SERVER_H */
