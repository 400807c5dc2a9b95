/*
 * client.c - creating and destroying a client: options, sockets (their
 * dialers are in redial.c), TLS, slots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "internal.h"

_Thread_local bool hues__in_callback;
_Thread_local hues__cork *hues__corked;

uint64_t
hues__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static void
apply_defaults(hues_client_opts *o)
{
#define DEFAULT(field, value)                                                 \
	if (o->field == 0) {                                                  \
		o->field = value;                                             \
	}
	DEFAULT(timeout_ms, 10000);
	DEFAULT(max_attempts, 4);
	DEFAULT(backoff_initial_ms, 50);
	DEFAULT(backoff_max_ms, 2000);
	DEFAULT(connect_timeout_ms, 2000);
	DEFAULT(sockets, 2);
	DEFAULT(inflight_per_socket, 2);
	DEFAULT(max_batch, 64);
	DEFAULT(max_request_bytes, 4u << 20);
	DEFAULT(max_reply_bytes, 64u << 20);
	DEFAULT(max_pending, 65536);
#undef DEFAULT
	if (o->backoff_max_ms < o->backoff_initial_ms) {
		o->backoff_max_ms = o->backoff_initial_ms;
	}
	if (o->sockets > 64) {
		o->sockets = 64;
	}
	if (o->inflight_per_socket > 1024) {
		o->inflight_per_socket = 1024;
	}
	if (o->max_batch > 1024) {
		o->max_batch = 1024; /* the server's limit per message */
	}
}

/* The host part of tcp://host:port or tls+tcp://host:port. */
static void
url_host(const char *url, char *host, size_t len)
{
	const char *p = strstr(url, "://");
	p             = p != NULL ? p + 3 : url;
	const char *end;
	if (*p == '[') { /* [ipv6]:port */
		p++;
		end = strchr(p, ']');
	} else {
		end = strrchr(p, ':');
	}
	size_t n = end != NULL ? (size_t) (end - p) : strlen(p);
	snprintf(host, len, "%.*s", (int) n, p);
}

static int
tls_setup(hues_client *c, const char *url)
{
	char host[256];
	int  rv;

	if (c->tls != NULL) {
		return HUES_OK;
	}
	if (c->o.tls_ca_file == NULL &&
	    (c->o.flags & HUES_CLIENT_TLS_NO_VERIFY) == 0) {
		return HUES_INVALID_ARGUMENT;
	}
	if (nng_tls_config_alloc(&c->tls, NNG_TLS_MODE_CLIENT) != 0) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	url_host(url, host, sizeof(host));
	if (c->o.flags & HUES_CLIENT_TLS_NO_VERIFY) {
		rv = nng_tls_config_auth_mode(c->tls, NNG_TLS_AUTH_MODE_NONE);
	} else {
		rv = nng_tls_config_auth_mode(c->tls, NNG_TLS_AUTH_MODE_REQUIRED);
		if (rv == 0) {
			rv = nng_tls_config_ca_file(c->tls, c->o.tls_ca_file);
		}
	}
	if (rv == 0) {
		rv = nng_tls_config_server_name(c->tls,
		    c->o.tls_server_name != NULL ? c->o.tls_server_name : host);
	}
	return rv == 0 ? HUES_OK : HUES_INVALID_ARGUMENT;
}

/* Counts the socket's connections; lock-free, see hues__sock. */
static void
pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	hues__sock *hs = arg;
	(void) p;
	atomic_fetch_add(&hs->pipes, ev == NNG_PIPE_EV_ADD_POST ? 1 : -1);
}

static int
open_socket(hues_client *c, hues__sock *hs)
{
	int rv;

	if (nng_req0_open(&hs->s) != 0) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	/* nng resends a request on timeout and on reconnect, and the server
	 * cannot tell the copies apart: a report would be filed twice. The
	 * SDK retries itself, only when that is safe. */
	if (nng_socket_set_ms(hs->s, NNG_OPT_REQ_RESENDTIME,
	        NNG_DURATION_INFINITE) != 0 ||
	    nng_socket_set_ms(hs->s, NNG_OPT_RECONNMINT, 50) != 0 ||
	    nng_socket_set_ms(hs->s, NNG_OPT_RECONNMAXT, 1000) != 0 ||
	    nng_pipe_notify(hs->s, NNG_PIPE_EV_ADD_POST, pipe_event, hs) != 0 ||
	    nng_pipe_notify(hs->s, NNG_PIPE_EV_REM_POST, pipe_event, hs) != 0) {
		return HUES_INTERNAL;
	}
	if ((hs->dialers = calloc(c->nurls, sizeof(*hs->dialers))) == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	hs->ndialers = c->nurls;
	for (size_t i = 0; i < c->nurls; i++) {
		if (strncmp(c->urls[i], "tls+tcp://", 10) == 0 &&
		    (rv = tls_setup(c, c->urls[i])) != HUES_OK) {
			return rv;
		}
		if ((rv = hues__dialer_start(c, hs, i)) != HUES_OK) {
			return rv;
		}
	}
	return HUES_OK;
}

/* Frees what create set up; the sockets must be closed already. */
static void
client_free(hues_client *c)
{
	for (size_t i = 0; i < c->nslots; i++) {
		hues__slot *s = &c->slots[i];
		if (s->aio != NULL) {
			nng_aio_stop(s->aio);
			nng_aio_free(s->aio);
		}
		if (s->timer != NULL) {
			nng_aio_stop(s->timer);
			nng_aio_free(s->timer);
		}
		free(s->calls);
		free(s->wires);
		free(s->results);
	}
	if (c->timer != NULL) {
		nng_aio_stop(c->timer);
		nng_aio_free(c->timer);
	}
	if (c->tls != NULL) {
		nng_tls_config_free(c->tls);
	}
	pthread_cond_destroy(&c->redial_cv);
	pthread_cond_destroy(&c->idle_cv);
	pthread_mutex_destroy(&c->mtx);
	free(c->slots);
	for (size_t i = 0; c->socks != NULL && i < c->o.sockets; i++) {
		free(c->socks[i].dialers);
	}
	free(c->socks);
	for (size_t i = 0; i < c->nurls; i++) {
		free(c->urls[i]);
	}
	free(c->urls);
	free(c);
}

static void
close_sockets(hues_client *c)
{
	/* Slots first, sockets last: nng 1.5.2's nng_close() can hang for
	 * good when it races contexts whose callbacks still start operations.
	 * A stopped aio takes no new operation, and nng_aio_stop() waits for
	 * a callback that runs, so nothing is in flight when a socket closes.
	 * Calls in flight end as CANCELLED through their callbacks. */
	for (size_t k = 0; k < c->nslots; k++) {
		if (c->slots[k].aio != NULL) {
			nng_aio_stop(c->slots[k].aio);
		}
	}
	for (size_t k = 0; k < c->nslots; k++) {
		if (c->slots[k].aio != NULL) {
			nng_ctx_close(c->slots[k].ctx);
		}
	}
	for (size_t i = 0; i < c->nsocks; i++) {
		nng_close(c->socks[i].s);
	}
}

static int
make_slots(hues_client *c)
{
	size_t per = c->o.inflight_per_socket;

	c->nslots = c->nsocks * per;
	c->slots  = calloc(c->nslots, sizeof(*c->slots));
	if (c->slots == NULL) {
		c->nslots = 0;
		return HUES_RESOURCE_EXHAUSTED;
	}
	/* Slot k belongs to socket k % nsocks, so the free list, in slot
	 * order, alternates between sockets. */
	for (size_t k = 0; k < c->nslots; k++) {
		hues__slot *s = &c->slots[k];
		s->client     = c;
		s->sock       = k % c->nsocks;
		s->calls      = calloc(c->o.max_batch, sizeof(*s->calls));
		s->wires      = calloc(c->o.max_batch, sizeof(*s->wires));
		s->results    = calloc(c->o.max_batch, sizeof(*s->results));
		if (s->calls == NULL || s->wires == NULL || s->results == NULL ||
		    nng_aio_alloc(&s->aio, hues__slot_cb, s) != 0 ||
		    nng_aio_alloc(&s->timer, hues__slot_timer_cb, s) != 0 ||
		    nng_ctx_open(&s->ctx, c->socks[s->sock].s) != 0) {
			return HUES_RESOURCE_EXHAUSTED;
		}
		if (c->free_tail != NULL) {
			c->free_tail->next_free = s;
		} else {
			c->free_head = s;
		}
		c->free_tail = s;
	}
	return HUES_OK;
}

int
hues_client_create(const char *const *urls, size_t nurls,
    const hues_client_opts *opts, hues_client **out)
{
	hues_client *c;
	int          rv;

	if (urls == NULL || nurls == 0 || out == NULL) {
		return HUES_INVALID_ARGUMENT;
	}
	for (size_t i = 0; i < nurls; i++) {
		if (urls[i] == NULL || urls[i][0] == '\0') {
			return HUES_INVALID_ARGUMENT;
		}
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	if (opts != NULL) {
		c->o = *opts;
	}
	apply_defaults(&c->o);
	pthread_mutex_init(&c->mtx, NULL);
	pthread_cond_init(&c->idle_cv, NULL);
	pthread_cond_init(&c->redial_cv, NULL);
	c->pending.next = c->pending.prev = &c->pending;
	c->retrying.next = c->retrying.prev = &c->retrying;
	c->rng = hues__now_ns() ^ (uint64_t) (uintptr_t) c;
	atomic_init(&c->next_id, 1);

	c->socks = calloc(c->o.sockets, sizeof(*c->socks));
	c->urls  = calloc(nurls, sizeof(*c->urls));
	if (c->socks == NULL || c->urls == NULL) {
		client_free(c);
		return HUES_RESOURCE_EXHAUSTED;
	}
	for (; c->nurls < nurls; c->nurls++) {
		if ((c->urls[c->nurls] = strdup(urls[c->nurls])) == NULL) {
			client_free(c);
			return HUES_RESOURCE_EXHAUSTED;
		}
	}
	for (size_t i = 0; i < c->o.sockets; i++) {
		rv = open_socket(c, &c->socks[c->nsocks]);
		if (rv == HUES_OK || nng_socket_id(c->socks[c->nsocks].s) > 0) {
			c->nsocks++;
		}
		if (rv != HUES_OK) {
			close_sockets(c);
			client_free(c);
			return rv;
		}
	}
	if ((rv = make_slots(c)) == HUES_OK &&
	    nng_aio_alloc(&c->timer, hues__timer_cb, c) != 0) {
		rv = HUES_RESOURCE_EXHAUSTED;
	}
	if (rv == HUES_OK) {
		rv = hues__redial_start(c);
	}
	if (rv != HUES_OK) {
		close_sockets(c);
		client_free(c);
		return rv;
	}
	*out = c;
	return HUES_OK;
}

void
hues_client_destroy(hues_client *c)
{
	if (c == NULL) {
		return;
	}
	/* Once closing is set no slot is filled any more; sends already
	 * decided are let through before the slots are stopped. */
	pthread_mutex_lock(&c->mtx);
	c->closing = true;
	while (c->senders > 0) {
		pthread_cond_wait(&c->idle_cv, &c->mtx);
	}
	pthread_mutex_unlock(&c->mtx);
	hues__redial_stop(c); /* no dialer is replaced from here on */

	/* Closing the sockets ends every message in flight with NNG_ECLOSED;
	 * cancelling the timer hands the waiting calls to its callback, which
	 * completes them as cancelled once it sees closing. */
	close_sockets(c);
	hues__cancel_waiting(c);

	pthread_mutex_lock(&c->mtx);
	while (c->active > 0) {
		pthread_cond_wait(&c->idle_cv, &c->mtx);
	}
	pthread_mutex_unlock(&c->mtx);
	client_free(c);
}
