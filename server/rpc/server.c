/*
 * server.c - wiring of transport, pool and dispatcher.
 *
 * The accept callback runs on NNG threads: it only checks the draining flag
 * and queues the job; when it cannot, the transport sends one of two replies
 * encoded once at start (busy, draining), which answer every call of the
 * message at once.
 */
#include "rpc/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "rpc/pool.h"
#include "rpc/transport.h"

/* Requests may exceed max_request by this much and still be read, so that
 * they get a RESOURCE_EXHAUSTED reply instead of a dropped connection;
 * beyond it NNG closes the connection without reading the rest. */
#define RECV_SLACK (1024u * 1024u)
/* Contexts beyond workers + queue: they carry the busy replies. */
#define SPARE_CONTEXTS 64

struct rpc_server {
	rpc_transport *transport;
	rpc_pool      *pool;
	rpc_dispatcher disp;
	rpc_idem      *idem;
	rpc_ratelimit *ratelimit;
	atomic_bool   *draining;
	rpc_bytes      busy;
	rpc_bytes      drain;
	uint8_t       *canned; /* storage of busy and drain */
};

/* What each worker thread owns. */
typedef struct server_worker {
	rpc_worker  w;
	rpc_server *srv;
} server_worker;

static const rpc_bytes *
accept_job(void *arg, rpc_job *job)
{
	rpc_server *s = arg;

	/* Before the job can run, so before its reply leaves: a test that
	 * counts the messages it sent once their replies are in counts them
	 * all. "queued a request" comes after the submit, when a worker may
	 * have replied already. */
	LOG_DEBUG(NULL, "received a request");
	if (atomic_load_explicit(s->draining, memory_order_relaxed)) {
		return &s->drain;
	}
	if (rpc_pool_submit(s->pool, job) != HUES_OK) {
		/* Debug level only: a line per rejection would flood the log
		 * exactly when the server is overloaded. */
		LOG_DEBUG(NULL, "rejected a request: every worker is busy and "
		                "the queue is full");
		return &s->busy;
	}
	LOG_DEBUG(NULL, "queued a request");
	return NULL;
}

static void
run_job(void *jobp, void *wctx)
{
	rpc_job       *job = jobp;
	server_worker *sw  = wctx;
	size_t         len, rlen;
	const uint8_t *reply;
	const uint8_t *data = rpc_job_data(job, &len);

	rpc_parked    *parked;

	/* A message that deferred writes parks until they commit, and the
	 * worker goes on with the next one: workers never sit in fsync. */
	if (rpc_dispatch_park(&sw->srv->disp, &sw->w, data, len,
	        rpc_job_received_ns(job), job, &reply, &rlen, &parked)) {
		rpc_transport_reply(job, reply, rlen);
	}
	rpc_worker_reset(&sw->w);
}

/*
 * The parked message's writes are done: its reply is made and sent here,
 * on the store's completer thread (or on the worker, when the writes
 * completed before it parked). Handing it back to a worker cost a wake
 * of a sleeping worker per message, on a machine where a context switch
 * costs 6-7 us, and 10 % of SubmitReport's rate in interleaved runs
 * (docs/performance.md). The after hooks of svc/write.h run here too;
 * they cannot wait for writes (the store refuses it on this thread).
 */
static void
parked_ready(void *arg, rpc_parked *p)
{
	rpc_server    *s = arg;
	const uint8_t *reply;
	size_t         rlen;

	rpc_dispatch_resume(&s->disp, p, &reply, &rlen);
	rpc_transport_reply(rpc_parked_user(p), reply, rlen);
	rpc_parked_free(p);
	rpc_pool_unpark(s->pool); /* last: stop waits for it */
}

static void
parked_counting(void *arg, rpc_parked *p)
{
	rpc_server *s = arg;
	(void) p;
	rpc_pool_park(s->pool);
}

static void *
worker_init(unsigned index, void *arg)
{
	server_worker *sw = malloc(sizeof(*sw));
	if (sw == NULL) {
		return NULL;
	}
	rpc_worker_init(&sw->w, index);
	sw->srv = arg;
	return sw;
}

static void
worker_fini(void *wctx)
{
	server_worker *sw = wctx;
	rpc_worker_fini(&sw->w);
	free(sw);
}

/* Encodes the two canned replies into one malloc'd block. */
static int
encode_canned(rpc_server *s, const rpc_server_opts *o)
{
	arena       a;
	rpc_outcome busy = {0}, drain = {0};
	uint8_t    *b, *d;
	size_t      bl, dl;

	arena_init(&a, 4096);
	busy.code           = HUES_UNAVAILABLE;
	busy.reason         = "QUEUE_FULL";
	busy.retry_after_ms = 50;
	busy.message        = arena_printf(&a,
	           "server is busy: all %u workers are busy and %zu calls wait; "
	           "retry later",
	           o->workers, o->queue_depth);
	drain.code           = HUES_UNAVAILABLE;
	drain.reason         = "DRAINING";
	drain.retry_after_ms = 1000;
	drain.message = "server is draining (shutting down); use another server";
	envelope_encode_whole(&a, &busy, &b, &bl);
	envelope_encode_whole(&a, &drain, &d, &dl);
	s->canned = malloc(bl + dl);
	if (s->canned != NULL) {
		memcpy(s->canned, b, bl);
		memcpy(s->canned + bl, d, dl);
		s->busy  = (rpc_bytes) {s->canned, bl};
		s->drain = (rpc_bytes) {s->canned + bl, dl};
	}
	arena_fini(&a);
	return s->canned != NULL ? HUES_OK : HUES_RESOURCE_EXHAUSTED;
}

int
rpc_server_start(const rpc_server_opts *o, rpc_server **out, char *err,
    size_t errlen)
{
	rpc_server *s = calloc(1, sizeof(*s));
	int         rv;

	if (s == NULL || encode_canned(s, o) != HUES_OK ||
	    rpc_idem_create(100000, 64u << 20, 24u * 3600u * 1000u, &s->idem) !=
	        HUES_OK) {
		snprintf(err, errlen, "out of memory");
		rpc_server_stop(s);
		return HUES_RESOURCE_EXHAUSTED;
	}
	if (o->write_rate_per_hour > 0 && o->write_burst > 0 &&
	    (rv = rpc_ratelimit_create(o->write_rate_per_hour, o->write_burst,
	         1u << 20, &s->ratelimit)) != HUES_OK) {
		snprintf(err, errlen,
		    "invalid write rate limit: %u an hour, burst %u (burst at "
		    "most 1000000)",
		    o->write_rate_per_hour, o->write_burst);
		rpc_server_stop(s);
		return rv;
	}
	s->draining = o->draining;
	s->disp     = (rpc_dispatcher) {
	        .reg         = o->reg,
	        .max_request = o->max_request,
	        .stopping    = o->stopping,
	        .auth        = o->auth,
	        .auth_arg    = o->auth_arg,
	        .idem        = s->idem,
	        .ratelimit   = s->ratelimit,
	        .ready       = parked_ready,
	        .parking     = parked_counting,
	        .ready_arg   = s,
        };
	rpc_pool_opts po = {
	    .workers     = o->workers,
	    .depth       = o->queue_depth,
	    .run         = run_job,
	    .worker_init = worker_init,
	    .worker_fini = worker_fini,
	    .arg         = s,
	};
	if ((rv = rpc_pool_create(&po, &s->pool)) != HUES_OK) {
		snprintf(err, errlen, "cannot start %u worker threads",
		    o->workers);
		rpc_server_stop(s);
		return rv;
	}
	rpc_transport_opts to = {
	    .urls          = o->urls,
	    .nurls         = o->nurls,
	    .contexts      = o->workers + o->queue_depth + SPARE_CONTEXTS,
	    .recv_max      = o->max_request + RECV_SLACK,
	    .tls_cert_file = o->tls_cert_file,
	    .tls_key_file  = o->tls_key_file,
	    .accept        = accept_job,
	    .accept_arg    = s,
	};
	if ((rv = rpc_transport_open(&to, &s->transport, err, errlen)) !=
	    HUES_OK) {
		rpc_server_stop(s);
		return rv;
	}
	rpc_transport_start(s->transport);
	*out = s;
	return HUES_OK;
}

const char *
rpc_server_url(const rpc_server *s, size_t i)
{
	return rpc_transport_url(s->transport, i);
}

void
rpc_server_begin_drain(rpc_server *s)
{
	atomic_store(s->draining, true);
}

size_t
rpc_server_in_flight(rpc_server *s)
{
	return rpc_pool_pending(s->pool);
}

bool
rpc_server_wait_idle(rpc_server *s, uint64_t deadline_ns)
{
	return rpc_pool_wait_idle(s->pool, deadline_ns);
}

void
rpc_server_stop(rpc_server *s)
{
	if (s == NULL) {
		return;
	}
	/* Close first: no new job can arrive while the pool shuts down, and
	 * replies of jobs still running are dropped harmlessly. */
	rpc_transport_close(s->transport);
	rpc_pool_destroy(s->pool);
	rpc_transport_free(s->transport);
	rpc_idem_destroy(s->idem);
	rpc_ratelimit_destroy(s->ratelimit);
	free(s->canned);
	free(s);
}
