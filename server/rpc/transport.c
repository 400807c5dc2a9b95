/*
 * transport.c - REP contexts driven by aio callbacks.
 *
 * Each context cycles RECV -> (job held by a worker | canned reply) -> SEND
 * -> RECV. Callbacks run on NNG's task threads; they only move messages and
 * call accept(), which queues the job without blocking.
 */
#include "rpc/transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>

#include "core/clock.h"
#include "core/log.h"
#include "hues/status.h"

enum { CTX_RECV, CTX_SEND };

struct rpc_job {
	rpc_transport *t;
	nng_ctx        ctx;
	nng_aio       *aio;
	int            state;
	nng_msg       *req;
	uint64_t       received_ns;
};

struct rpc_transport {
	nng_socket         sock;
	bool               open;
	rpc_job           *jobs;
	size_t             njobs;
	nng_tls_config    *tls;
	char             **urls; /* bound URLs, for logs and tests */
	size_t             nurls;
	rpc_transport_opts opts;
};

/* Debug level: connections coming and going, to tell "the client never
 * connected" from "the call never arrived" when a client hangs. */
static void
pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void) arg;
	LOG_DEBUG(NULL, "connection %d %s", nng_pipe_id(p),
	    ev == NNG_PIPE_EV_ADD_POST ? "opened" : "closed");
}

static void
job_recv(rpc_job *job)
{
	job->state = CTX_RECV;
	nng_ctx_recv(job->ctx, job->aio);
}

static void
job_send(rpc_job *job, nng_msg *msg)
{
	job->state = CTX_SEND;
	nng_aio_set_msg(job->aio, msg);
	nng_ctx_send(job->ctx, job->aio);
}

static void
send_bytes(rpc_job *job, const uint8_t *data, size_t len)
{
	nng_msg *msg;
	if (nng_msg_alloc(&msg, len) != 0) {
		/* Without memory for the reply, the client's deadline will
		 * tell it; the context goes back to receiving. */
		job_recv(job);
		return;
	}
	memcpy(nng_msg_body(msg), data, len);
	job_send(job, msg);
}

static void
job_cb(void *arg)
{
	rpc_job *job = arg;
	int      rv  = nng_aio_result(job->aio);

	if (job->state == CTX_SEND) {
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(job->aio));
			nng_aio_set_msg(job->aio, NULL);
		}
		if (rv == NNG_ECLOSED) {
			return;
		}
		job_recv(job);
		return;
	}
	if (rv != 0) {
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) {
			return;
		}
		job_recv(job);
		return;
	}
	job->req         = nng_aio_get_msg(job->aio);
	job->received_ns = clock_now_ns();
	nng_aio_set_msg(job->aio, NULL);
	const rpc_bytes *rej = job->t->opts.accept(job->t->opts.accept_arg, job);
	if (rej != NULL) {
		nng_msg_free(job->req);
		job->req = NULL;
		send_bytes(job, rej->data, rej->len);
	}
}

const uint8_t *
rpc_job_data(const rpc_job *job, size_t *len)
{
	*len = nng_msg_len(job->req);
	return nng_msg_body(job->req);
}

uint64_t
rpc_job_received_ns(const rpc_job *job)
{
	return job->received_ns;
}

void
rpc_transport_reply(rpc_job *job, const uint8_t *data, size_t len)
{
	nng_msg *msg = job->req;

	job->req = NULL;
	/* Reuse the request's message when it is big enough: it saves an
	 * allocation per call. */
	if (nng_msg_realloc(msg, len) != 0) {
		nng_msg_free(msg);
		send_bytes(job, data, len);
		return;
	}
	memmove(nng_msg_body(msg), data, len);
	job_send(job, msg);
}

static int
read_file(const char *path, char **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return HUES_INVALID_ARGUMENT;
	}
	size_t cap = 4096, len = 0;
	char  *buf = malloc(cap);
	while (buf != NULL) {
		len += fread(buf + len, 1, cap - len - 1, f);
		if (len < cap - 1) {
			break;
		}
		char *nb = cap < (1u << 20) ? realloc(buf, cap * 2) : NULL;
		if (nb == NULL) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	bool bad = ferror(f) != 0;
	fclose(f);
	if (buf == NULL || bad) {
		free(buf);
		snprintf(err, errlen, "cannot read %s: %s", path,
		    buf == NULL ? "file too large" : "read error");
		return HUES_INVALID_ARGUMENT;
	}
	buf[len] = '\0';
	*out     = buf;
	return HUES_OK;
}

static int
tls_setup(rpc_transport *t, char *err, size_t errlen)
{
	char *cert = NULL, *key = NULL;
	int   rv;

	if (t->opts.tls_cert_file == NULL || t->opts.tls_key_file == NULL) {
		snprintf(err, errlen,
		    "a tls+tcp:// listener needs tls_cert and tls_key");
		return HUES_INVALID_ARGUMENT;
	}
	if ((rv = read_file(t->opts.tls_cert_file, &cert, err, errlen)) != 0 ||
	    (rv = read_file(t->opts.tls_key_file, &key, err, errlen)) != 0) {
		free(cert);
		return rv;
	}
	rv = nng_tls_config_alloc(&t->tls, NNG_TLS_MODE_SERVER);
	if (rv == 0) {
		rv = nng_tls_config_own_cert(t->tls, cert, key, NULL);
		if (rv != 0) {
			snprintf(err, errlen,
			    "cannot use TLS certificate %s with key %s: %s",
			    t->opts.tls_cert_file, t->opts.tls_key_file,
			    nng_strerror(rv));
		}
	} else {
		snprintf(err, errlen, "cannot set up TLS: %s", nng_strerror(rv));
	}
	/* The key is secret: wipe our copy before freeing it. */
	explicit_bzero(key, strlen(key));
	free(key);
	free(cert);
	return rv == 0 ? HUES_OK : HUES_INVALID_ARGUMENT;
}

/* The URL as bound: for tcp with port 0, the port the kernel chose. */
static char *
bound_url(nng_listener l, const char *url)
{
	nng_sockaddr sa;
	char         buf[512];
	const char  *colon = strrchr(url, ':');

	if ((strncmp(url, "tcp://", 6) == 0 ||
	        strncmp(url, "tls+tcp://", 10) == 0) &&
	    colon != NULL && strcmp(colon, ":0") == 0 &&
	    nng_listener_get_addr(l, NNG_OPT_LOCADDR, &sa) == 0 &&
	    (sa.s_family == NNG_AF_INET || sa.s_family == NNG_AF_INET6)) {
		uint16_t port = sa.s_family == NNG_AF_INET ? sa.s_in.sa_port
		                                           : sa.s_in6.sa_port;
		snprintf(buf, sizeof(buf), "%.*s:%u", (int) (colon - url), url,
		    (unsigned) ntohs(port));
		return strdup(buf);
	}
	return strdup(url);
}

static int
listen_one(rpc_transport *t, const char *url, char *err, size_t errlen)
{
	nng_listener l;
	int          rv;

	if ((rv = nng_listener_create(&l, t->sock, url)) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", url,
		    rv == NNG_ENOTSUP || rv == NNG_EADDRINVAL
		        ? "not a valid tcp://, ipc:// or tls+tcp:// URL"
		        : nng_strerror(rv));
		return HUES_INVALID_ARGUMENT;
	}
	/* nng 1.5.2 allocates whatever size a peer's length prefix claims
	 * unless this is set. */
	rv = nng_listener_set_size(l, NNG_OPT_RECVMAXSZ, t->opts.recv_max);
	if (rv == 0 && strncmp(url, "tls+tcp://", 10) == 0) {
		if (t->tls == NULL && tls_setup(t, err, errlen) != HUES_OK) {
			nng_listener_close(l);
			return HUES_INVALID_ARGUMENT;
		}
		rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, t->tls);
	}
	if (rv == 0) {
		rv = nng_listener_start(l, 0);
	}
	if (rv != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", url,
		    nng_strerror(rv));
		nng_listener_close(l);
		return rv == NNG_EADDRINUSE ? HUES_UNAVAILABLE
		                            : HUES_INVALID_ARGUMENT;
	}
	char *b = bound_url(l, url);
	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return HUES_RESOURCE_EXHAUSTED;
	}
	t->urls[t->nurls++] = b;
	return HUES_OK;
}

int
rpc_transport_open(const rpc_transport_opts *opts, rpc_transport **out,
    char *err, size_t errlen)
{
	rpc_transport *t = calloc(1, sizeof(*t));
	int            rv;

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return HUES_RESOURCE_EXHAUSTED;
	}
	t->opts  = *opts;
	t->urls  = calloc(opts->nurls, sizeof(char *));
	t->jobs  = calloc(opts->contexts, sizeof(rpc_job));
	if (t->urls == NULL || t->jobs == NULL) {
		snprintf(err, errlen, "out of memory");
		rv = HUES_RESOURCE_EXHAUSTED;
		goto fail;
	}
	if ((rv = nng_rep0_open(&t->sock)) != 0) {
		snprintf(err, errlen, "cannot open socket: %s", nng_strerror(rv));
		rv = HUES_INTERNAL;
		goto fail;
	}
	t->open = true;
	if (log_enabled(LOG_DEBUG)) {
		nng_pipe_notify(t->sock, NNG_PIPE_EV_ADD_POST, pipe_event, NULL);
		nng_pipe_notify(t->sock, NNG_PIPE_EV_REM_POST, pipe_event, NULL);
	}
	for (size_t i = 0; i < opts->contexts; i++) {
		rpc_job *job = &t->jobs[i];
		job->t       = t;
		if ((rv = nng_aio_alloc(&job->aio, job_cb, job)) != 0 ||
		    (rv = nng_ctx_open(&job->ctx, t->sock)) != 0) {
			snprintf(err, errlen, "cannot open contexts: %s",
			    nng_strerror(rv));
			rv = HUES_RESOURCE_EXHAUSTED;
			goto fail;
		}
		t->njobs++;
	}
	for (size_t i = 0; i < opts->nurls; i++) {
		if ((rv = listen_one(t, opts->urls[i], err, errlen)) != 0) {
			goto fail;
		}
	}
	*out = t;
	return HUES_OK;

fail:
	rpc_transport_close(t);
	rpc_transport_free(t);
	return rv;
}

void
rpc_transport_start(rpc_transport *t)
{
	for (size_t i = 0; i < t->njobs; i++) {
		job_recv(&t->jobs[i]);
	}
}

const char *
rpc_transport_url(const rpc_transport *t, size_t i)
{
	return i < t->nurls ? t->urls[i] : NULL;
}

void
rpc_transport_close(rpc_transport *t)
{
	if (t != NULL && t->open) {
		t->open = false;
		/* Stop every aio and close every context before the socket:
		 * nng 1.5.2's nng_close() can hang for good when it races
		 * contexts whose callbacks are still re-arming (seen under load
		 * in tests/integration/shutdown_test.c). nng_aio_stop() waits
		 * for a running callback, and a stopped aio takes no new
		 * operation, so nothing is in flight when the socket closes. */
		for (size_t i = 0; i < t->njobs; i++) {
			nng_aio_stop(t->jobs[i].aio);
		}
		for (size_t i = 0; i < t->njobs; i++) {
			nng_ctx_close(t->jobs[i].ctx);
		}
		nng_close(t->sock);
	}
}

void
rpc_transport_free(rpc_transport *t)
{
	if (t == NULL) {
		return;
	}
	rpc_transport_close(t);
	for (size_t i = 0; i < t->njobs; i++) {
		nng_aio_stop(t->jobs[i].aio);
		nng_msg_free(nng_aio_get_msg(t->jobs[i].aio));
		nng_msg_free(t->jobs[i].req);
		nng_aio_free(t->jobs[i].aio);
	}
	if (t->tls != NULL) {
		nng_tls_config_free(t->tls);
	}
	for (size_t i = 0; i < t->nurls; i++) {
		free(t->urls[i]);
	}
	free(t->urls);
	free(t->jobs);
	free(t);
}
