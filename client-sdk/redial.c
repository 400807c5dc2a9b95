/*
 * redial.c - a socket's dialers, and replacing them when they stopped.
 *
 * nng 1.5.2's dialer gives up for good when the SP handshake of one of its
 * connections fails with NNG_ECLOSED, which is what nng makes of EPIPE: a
 * server that accepts and closes at once (one that is dying, or whose ipc
 * listener is going away) fails the client's header write, and the dialer
 * reads the error as "I was closed". The socket then never connects again
 * and every call on it ends UNAVAILABLE, even once the server is back.
 *
 * Nothing tells the SDK that a dialer stopped, but its symptom is plain: a
 * send finds no connection within connect_timeout_ms. The socket's dialers
 * are then closed and made again, at most once a second per socket. A
 * dialer that was only waiting for a server that is down loses nothing
 * but its backoff (at most a second). Closing a dialer waits for its
 * callbacks, which must not happen on an NNG thread or under the client's
 * lock, so a thread of the client does it.
 */
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>

#include "internal.h"

#define REDIAL_EVERY_NS 1000000000u

/* Starts a dialer of hs to URL index url (non-blocking: a server that is
 * down now is dialled again in the background until it answers). */
int
hues__dialer_start(hues_client *c, hues__sock *hs, size_t url)
{
	const char *u = c->urls[url];
	nng_dialer  d;
	int         rv;

	if (nng_dialer_create(&d, hs->s, u) != 0) {
		return HUES_INVALID_ARGUMENT;
	}
	rv = nng_dialer_set_size(d, NNG_OPT_RECVMAXSZ, c->o.max_reply_bytes);
	if (rv == 0 && c->tls != NULL && strncmp(u, "tls+tcp://", 10) == 0) {
		rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, c->tls);
	}
	if (rv != 0 || nng_dialer_start(d, NNG_FLAG_NONBLOCK) != 0) {
		nng_dialer_close(d);
		return HUES_INVALID_ARGUMENT;
	}
	hs->dialers[url] = d;
	return HUES_OK;
}

void
hues__redial_want(hues_client *c, size_t i)
{
	hues__sock *hs  = &c->socks[i];
	uint64_t    now = hues__now_ns();

	pthread_mutex_lock(&c->mtx);
	if (!c->closing && atomic_load(&hs->pipes) <= 0 &&
	    now - hs->redial_at >= REDIAL_EVERY_NS) {
		hs->redial    = true;
		hs->redial_at = now;
		pthread_cond_signal(&c->redial_cv);
	}
	pthread_mutex_unlock(&c->mtx);
}

static void
redial(hues_client *c, hues__sock *hs)
{
	for (size_t u = 0; u < hs->ndialers; u++) {
		nng_dialer_close(hs->dialers[u]);
		/* On failure the old (closed) handle stays: closing it again
		 * at the next redial is harmless. */
		(void) hues__dialer_start(c, hs, u);
	}
}

static void *
redial_main(void *arg)
{
	hues_client *c = arg;

	pthread_mutex_lock(&c->mtx);
	while (!c->closing) {
		hues__sock *hs = NULL;
		for (size_t i = 0; i < c->nsocks && hs == NULL; i++) {
			if (c->socks[i].redial) {
				hs = &c->socks[i];
			}
		}
		if (hs == NULL) {
			pthread_cond_wait(&c->redial_cv, &c->mtx);
			continue;
		}
		hs->redial = false;
		pthread_mutex_unlock(&c->mtx);
		redial(c, hs);
		pthread_mutex_lock(&c->mtx);
	}
	pthread_mutex_unlock(&c->mtx);
	return NULL;
}

int
hues__redial_start(hues_client *c)
{
	if (pthread_create(&c->redial_thread, NULL, redial_main, c) != 0) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	c->redial_running = true;
	return HUES_OK;
}

/* c->closing is set. */
void
hues__redial_stop(hues_client *c)
{
	if (!c->redial_running) {
		return;
	}
	pthread_mutex_lock(&c->mtx);
	pthread_cond_broadcast(&c->redial_cv);
	pthread_mutex_unlock(&c->mtx);
	pthread_join(c->redial_thread, NULL);
	c->redial_running = false;
}
