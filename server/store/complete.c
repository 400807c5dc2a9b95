/*
 * complete.c - the completer thread: a committed batch's on-commit hooks
 * and completions, in commit order, while the writer (write.c) goes on
 * with the next batch. They wake the callers' threads (a futex wake
 * each) and, under the server, make and send the replies of the messages
 * whose last write they complete (server/rpc/server.c): work the writer
 * would otherwise do between its commits.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/status.h"
#include "store/internal.h"

/* A batch the writer committed, for the completer. */
typedef struct store_done_batch {
	struct store_done_batch *next;
	size_t                   n;
	store_write_req         *r[];
} store_done_batch;

/* Completes r; the store does not touch r after this. */
static void
complete(store *st, store_write_req *r, int result)
{
	atomic_fetch_add(
	    result == HUES_OK ? &st->n_committed : &st->n_failed, 1);
	r->result = result;
	if (r->done != NULL) {
		store_done_fn done = r->done;
		void         *arg  = r->done_arg;
		r->state           = REQ_DONE;
		done(r, result, arg);
		return;
	}
	pthread_mutex_lock(&r->mu);
	r->state = REQ_DONE;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* The hooks, then the completion, of each request, in commit order. */
static void
complete_all(store *st, store_write_req *const *b, size_t n)
{
	uint64_t t0 = clock_now_ns();
	for (size_t i = 0; i < n; i++) {
		if (b[i]->result == HUES_OK && b[i]->on_commit != NULL) {
			b[i]->on_commit(b[i]->on_commit_arg);
		}
		complete(st, b[i], b[i]->result);
	}
	atomic_fetch_add_explicit(
	    &st->ns_complete, clock_now_ns() - t0, memory_order_relaxed);
}

/* Gives the settled b[0..n) to the completer; without the memory to,
 * completes them here (the order holds: nothing is queued behind). */
void
store__hand_over(store *st, store_write_req *const *b, size_t n)
{
	store_done_batch *d = malloc(sizeof(*d) + n * sizeof(d->r[0]));
	if (d == NULL || !st->completer_running) {
		free(d);
		pthread_mutex_lock(&st->c_mu);
		while (st->c_head != NULL) { /* earlier batches first */
			pthread_cond_wait(&st->c_cv, &st->c_mu);
		}
		pthread_mutex_unlock(&st->c_mu);
		complete_all(st, b, n);
		return;
	}
	d->next = NULL;
	d->n    = n;
	memcpy(d->r, b, n * sizeof(d->r[0]));
	pthread_mutex_lock(&st->c_mu);
	if (st->c_tail != NULL) {
		st->c_tail->next = d;
	} else {
		st->c_head = d;
	}
	st->c_tail = d;
	pthread_cond_broadcast(&st->c_cv);
	pthread_mutex_unlock(&st->c_mu);
}

static void *
completer_main(void *arg)
{
	store *st = arg;

	pthread_mutex_lock(&st->c_mu);
	for (;;) {
		while (st->c_head == NULL && !st->c_stopping) {
			pthread_cond_wait(&st->c_cv, &st->c_mu);
		}
		store_done_batch *d = st->c_head;
		if (d == NULL) {
			break; /* stopping, and every batch is complete */
		}
		pthread_mutex_unlock(&st->c_mu);
		complete_all(st, d->r, d->n);
		pthread_mutex_lock(&st->c_mu);
		/* Off the queue only now: hand_over's fallback waits for an
		 * empty queue, so that its batch completes after this one. */
		st->c_head = d->next;
		if (st->c_head == NULL) {
			st->c_tail = NULL;
		}
		free(d);
		pthread_cond_broadcast(&st->c_cv);
	}
	pthread_mutex_unlock(&st->c_mu);
	return NULL;
}

int
store__completer_start(store *st)
{
	pthread_mutex_init(&st->c_mu, NULL);
	pthread_cond_init(&st->c_cv, NULL);
	st->c_head = st->c_tail = NULL;
	st->c_stopping          = false;
	if (pthread_create(&st->completer, NULL, completer_main, st) != 0) {
		pthread_mutex_destroy(&st->c_mu);
		pthread_cond_destroy(&st->c_cv);
		return HUES_RESOURCE_EXHAUSTED;
	}
	st->completer_running = true;
	return HUES_OK;
}

/* After the writer ended: the completer finishes what it was given. */
void
store__completer_stop(store *st)
{
	if (!st->completer_running) {
		return;
	}
	pthread_mutex_lock(&st->c_mu);
	st->c_stopping = true;
	pthread_cond_broadcast(&st->c_cv);
	pthread_mutex_unlock(&st->c_mu);
	pthread_join(st->completer, NULL);
	st->completer_running = false;
	pthread_mutex_destroy(&st->c_mu);
	pthread_cond_destroy(&st->c_cv);
}
