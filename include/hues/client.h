/*
 * hues/client.h - the hues client: calls to a hues server over NNG.
 *
 * A hues_client is thread-safe: create one per process (or per set of
 * servers) and share it between threads. It holds a few NNG REQ sockets,
 * each connected to every URL it was given, so calls spread over the servers
 * that are up and move to the others when one goes down. Concurrent calls
 * share messages: when more calls are in flight than the client keeps
 * messages in flight, the waiting calls travel together as one batch.
 *
 * Errors: every function returns a status code of hues/status.h (0 is
 * HUES_OK); the same codes the server sends. The SDK keeps no global state
 * and never aborts: when memory runs out it returns HUES_RESOURCE_EXHAUSTED.
 */
#ifndef HUES_CLIENT_H
#define HUES_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "hues/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hues_client hues_client;
typedef struct hues_result hues_result;

/* Client flags (hues_client_opts.flags). */
enum {
	/* tls+tcp:// without verifying the server's certificate. For tests
	 * only: anyone on the path can read and change the traffic. */
	HUES_CLIENT_TLS_NO_VERIFY = 1u << 0,
};

/*
 * Client options. A zero-initialised struct means the defaults given for
 * each field; new fields are only ever added at the end.
 */
typedef struct hues_client_opts {
	/* Deadline of a call that sets none, in ms. Default 10000. */
	uint32_t timeout_ms;
	/* Attempts per call, the first included; 1 disables retries.
	 * Default 4. */
	uint32_t max_attempts;
	/* Backoff before the first retry, doubled for each further one up
	 * to backoff_max_ms, each with random jitter. Defaults 50 and 2000. */
	uint32_t backoff_initial_ms;
	uint32_t backoff_max_ms;
	/* How long a call waits for a connection before failing with
	 * UNAVAILABLE (retried like any UNAVAILABLE). Default 2000. The
	 * client also takes such a wait as a sign that a socket stopped
	 * dialling (an nng 1.5.2 bug) and dials it afresh, at most once a
	 * second, from a thread of its own. */
	uint32_t connect_timeout_ms;
	/* NNG sockets (TCP connections per server). Default 2. */
	uint32_t sockets;
	/* Messages in flight per socket. Default 2. Calls that find every
	 * message busy ride together in the next one (up to max_batch), and
	 * the server runs a message's calls on one worker, with their writes
	 * in one commit: few messages with many calls beat many small ones
	 * (docs/performance.md). Raise sockets, not this, for more servers'
	 * workers; nng 1.5.2 also degrades with thousands of outstanding
	 * requests on one socket. */
	uint32_t inflight_per_socket;
	/* Most calls carried by one message; 1 disables batching.
	 * Default 64. */
	uint32_t max_batch;
	/* Largest request message; larger calls fail locally with
	 * RESOURCE_EXHAUSTED. Default 4 MiB (the server's default). */
	size_t max_request_bytes;
	/* Largest reply message accepted. Default 64 MiB. */
	size_t max_reply_bytes;
	/* Calls that may wait for a free message before hues_call_async()
	 * fails with RESOURCE_EXHAUSTED. Default 65536. */
	size_t max_pending;
	/* PEM file of the CA that signed the server certificate; needed for
	 * tls+tcp:// URLs unless HUES_CLIENT_TLS_NO_VERIFY is set. */
	const char *tls_ca_file;
	/* Name the server certificate must carry; default: the URL's host. */
	const char *tls_server_name;
	/* HUES_CLIENT_* flags. */
	uint32_t flags;
} hues_client_opts;

/*
 * Creates a client for the servers at urls (tcp://host:port,
 * ipc:///path, tls+tcp://host:port). Connecting happens in the background
 * and is retried for the life of the client; a server that is down now is
 * used once it comes up. opts may be NULL for all defaults; the client
 * copies what it needs from urls and opts. Besides NNG's threads, a client
 * has one thread of its own, which re-creates stuck dialers (see
 * connect_timeout_ms); it sleeps otherwise and ends with the client.
 *
 * Returns HUES_OK and sets *out, which the caller owns and frees with
 * hues_client_destroy(). Returns HUES_INVALID_ARGUMENT for no URL or a URL
 * NNG does not accept, or a tls+tcp:// URL without a CA file, or
 * HUES_RESOURCE_EXHAUSTED; *out is unchanged then. Any thread.
 */
int hues_client_create(const char *const *urls, size_t nurls,
    const hues_client_opts *opts, hues_client **out);

/*
 * Cancels every call not yet completed (their callbacks run with
 * HUES_CANCELLED before this returns), closes the connections and frees the
 * client. Must not be called from a hues callback, nor while another thread
 * still starts calls on this client. NULL is accepted.
 */
void hues_client_destroy(hues_client *c);

/* One metadata pair; keys are lowercase. */
typedef struct hues_metadata {
	const char *key;
	const char *value;
} hues_metadata;

/* Call flags (hues_call_opts.flags). */
enum {
	/* The caller asserts the call is safe to repeat (retries allowed
	 * even without an idempotency key). Methods known to be idempotent
	 * need not set it. */
	HUES_CALL_IDEMPOTENT = 1u << 0,
};

/*
 * Per-call options; a zero-initialised struct (or NULL) means the client's
 * defaults. The strings are copied before hues_call_async() returns.
 */
typedef struct hues_call_opts {
	/* Deadline relative to now, in ms; 0: the client's timeout_ms. A
	 * call that shares a message with calls whose deadlines are less
	 * than 1 ms later (nng's timer resolution) may end with theirs. */
	uint32_t timeout_ms;
	/* Sent as "authorization: Bearer <token>". */
	const char *bearer_token;
	/* Sent as "idempotency-key": the server runs a call with a given key
	 * once and answers retries with the first outcome, so calls that
	 * carry one are retried like idempotent ones. */
	const char *idempotency_key;
	/* Sent as "x-request-id"; the server uses it in its logs. */
	const char *request_id;
	/* Further metadata pairs. Keys and values together (the above
	 * included) may take at most 8 KiB. */
	const hues_metadata *metadata;
	size_t               nmetadata;
	/* Attempts for this call; 0: the client's max_attempts. */
	uint32_t max_attempts;
	/* HUES_CALL_* flags. */
	uint32_t flags;
} hues_call_opts;

/*
 * Receives the result of an asynchronous call. Runs exactly once per call
 * started with HUES_OK, on an SDK (NNG) thread. It owns res and frees it
 * with hues_result_free(). It must not block: it may start further calls
 * with hues_call_async(), but not hues_call(). Calls started by the
 * callbacks of one reply are sent when the last of them has returned,
 * together, so a closed loop keeps its calls in even batches.
 */
typedef void (*hues_callback)(hues_result *res, void *arg);

/*
 * Starts a call of method (e.g. "/hues.v1.Health/Check") with the
 * serialized request req (len bytes; copied, the caller keeps it).
 *
 * Returns HUES_OK when the call started: cb will run exactly once. Any
 * other return means cb never runs: HUES_INVALID_ARGUMENT (no method, bad
 * metadata), HUES_RESOURCE_EXHAUSTED (the request is larger than
 * max_request_bytes, too many calls wait, or no memory), HUES_CANCELLED
 * (the client is being destroyed). Any thread.
 *
 * Retries: a call that fails with UNAVAILABLE or a lost connection is
 * attempted again, with exponential backoff and jitter, up to max_attempts
 * and never past its deadline, but only if repeating it is safe: the
 * method is idempotent, or the call carries an idempotency key, or the
 * request provably never reached a server.
 */
int hues_call_async(hues_client *c, const char *method, const void *req,
    size_t len, const hues_call_opts *opts, hues_callback cb, void *arg);

/*
 * The synchronous form of hues_call_async(): waits for the result and
 * returns its code. Sets *out to the result whatever the code (the caller
 * owns it and frees it with hues_result_free()), except when memory runs
 * out, when it returns HUES_RESOURCE_EXHAUSTED and sets *out to NULL.
 * Errors hues_call_async() would return come back as results, with a
 * message. Returns HUES_FAILED_PRECONDITION when called from a hues
 * callback (it would wait for its own thread). Any other thread.
 */
int hues_call(hues_client *c, const char *method, const void *req, size_t len,
    const hues_call_opts *opts, hues_result **out);

/* ----- results ----------------------------------------------------------
 * A result is immutable; its getters may be called from any thread. Every
 * pointer a getter returns stays valid until hues_result_free(). */

/* The status code: HUES_OK or an error. */
int hues_result_code(const hues_result *r);

/* A human-readable message; "" when there is none. Never NULL. */
const char *hues_result_message(const hues_result *r);

/* A machine-readable reason such as "QUEUE_FULL"; "" when none. */
const char *hues_result_reason(const hues_result *r);

/* The server's retry hint in ms; 0 when it gave none. */
uint32_t hues_result_retry_after_ms(const hues_result *r);

/* Number of field violations (set with INVALID_ARGUMENT). */
size_t hues_result_violation_count(const hues_result *r);

/*
 * The i-th field violation: *field is a path such as "location.latitude",
 * *description says what is wrong. Returns HUES_OK, or HUES_OUT_OF_RANGE
 * for i beyond the count (the out-parameters are then unchanged).
 */
int hues_result_violation(const hues_result *r, size_t i, const char **field,
    const char **description);

/* The serialized response (OK only; len 0 otherwise). Never NULL. */
const void *hues_result_payload(const hues_result *r, size_t *len);

/* A trailing metadata value the server sent (e.g. "x-request-id"), or
 * NULL. */
const char *hues_result_metadata(const hues_result *r, const char *key);

/* The call id the SDK gave the call. */
uint64_t hues_result_call_id(const hues_result *r);

/* How many attempts the call took (1 when it was not retried). */
unsigned hues_result_attempts(const hues_result *r);

/* The decoded response of a typed call (hues/api.h) that succeeded, else
 * NULL. Its type is the method's response type. */
const void *hues_result_response(const hues_result *r);

/* Frees a result. NULL accepted. */
void hues_result_free(hues_result *r);

#ifdef __cplusplus
}
#endif

#endif /* HUES_CLIENT_H */
