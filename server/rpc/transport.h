/*
 * transport.h - the NNG side of the server: one REP socket, its listeners
 * (tcp://, ipc://, tls+tcp://) and a fixed set of contexts, each carrying
 * one request at a time.
 *
 * The transport never decodes anything and never touches the store. For
 * each request it calls accept() on an NNG thread; accept must not block.
 * Either accept takes the job (and later answers it with
 * rpc_transport_reply() from any thread), or it returns canned reply bytes
 * that the transport sends at once (queue full, draining).
 */
#ifndef HUES_RPC_TRANSPORT_H
#define HUES_RPC_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct rpc_transport rpc_transport;
typedef struct rpc_job       rpc_job;

/* Bytes the transport sends as they are; they must outlive the transport. */
typedef struct rpc_bytes {
	const uint8_t *data;
	size_t         len;
} rpc_bytes;

/*
 * Called on an NNG thread for each request; must not block. Returns NULL
 * when it took the job, or the reply to send instead.
 */
typedef const rpc_bytes *(*rpc_accept_fn)(void *arg, rpc_job *job);

typedef struct rpc_transport_opts {
	const char *const *urls; /* at least one */
	size_t             nurls;
	size_t             contexts; /* requests held at once */
	size_t             recv_max; /* NNG_OPT_RECVMAXSZ on every listener */
	const char        *tls_cert_file; /* PEM, needed for tls+tcp:// */
	const char        *tls_key_file;  /* PEM */
	rpc_accept_fn      accept;
	void              *accept_arg;
} rpc_transport_opts;

/*
 * Opens the socket and starts every listener; the transport takes requests
 * only once rpc_transport_start() is called. On failure returns an error code
 * and writes one line saying what failed into err (errlen bytes), e.g.
 * "cannot listen on tcp://127.0.0.1:7483: address in use".
 */
int rpc_transport_open(const rpc_transport_opts *opts, rpc_transport **out,
    char *err, size_t errlen);

/* Starts receiving on every context. */
void rpc_transport_start(rpc_transport *t);

/* The i-th listen URL with the port the kernel chose for ":0"; static
 * storage of the transport, valid until it is closed. */
const char *rpc_transport_url(const rpc_transport *t, size_t i);

/* The request bytes of a job; valid until the job is answered. */
const uint8_t *rpc_job_data(const rpc_job *job, size_t *len);

/* When the request arrived (clock_now_ns() scale). */
uint64_t rpc_job_received_ns(const rpc_job *job);

/*
 * Sends the reply of a job and gives the context back for the next request.
 * Copies the bytes; any thread; the job must not be used afterwards. A
 * reply that cannot be sent (the client went away) is dropped silently.
 */
void rpc_transport_reply(rpc_job *job, const uint8_t *data, size_t len);

/*
 * Closes the socket: listeners stop, requests not yet answered are dropped
 * and later replies to them are discarded. Jobs stay valid memory until
 * rpc_transport_free(), so workers still holding one may finish.
 */
void rpc_transport_close(rpc_transport *t);

/* Frees what close left; no job may be in use any more. NULL accepted. */
void rpc_transport_free(rpc_transport *t);

#endif /* HUES_RPC_TRANSPORT_H */
