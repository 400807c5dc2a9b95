/*
 * call.c - calls from the queue to the callback: batching into messages,
 * sending and receiving on REQ contexts, deadlines, retries. Calls are
 * built and checked in start.c, a message packed in request.c and its
 * reply taken apart in outcome.c.
 *
 * A call waits in the pending list until a slot (one message in flight on
 * one socket) is free; a free slot takes an even share of the calls
 * waiting or in flight (fair_share), and the calls started by the
 * callbacks of one reply wait for each other (finish), and for the slot
 * that reply freed, which they share with the calls waiting before them
 * (settle). Failed attempts
 * that may be repeated wait in the retrying list for their backoff. One
 * client timer serves retries and the deadlines of pending calls; a slot
 * timer serves the deadlines of a batch's calls that end before the
 * batch's last one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hues/api.h"
#include "internal.h"

/* Lists of work gathered under the lock and done after it. */
typedef struct todo {
	hues__slot *send;
	hues__call *done;
	bool        cancel_slot_timer;
	bool        sending; /* counted in c->senders */
} todo;

/* ----- lists -------------------------------------------------------- */

static bool
list_empty(const hues__call *head)
{
	return head->next == head;
}

static void
list_remove(hues__call *call)
{
	call->prev->next = call->next;
	call->next->prev = call->prev;
	call->next = call->prev = NULL;
}

static void
list_append(hues__call *head, hues__call *call)
{
	call->prev       = head->prev;
	call->next       = head;
	head->prev->next = call;
	head->prev       = call;
}

static void
list_prepend(hues__call *head, hues__call *call)
{
	call->next       = head->next;
	call->prev       = head;
	head->next->prev = call;
	head->next       = call;
}

/* ----- outcomes ------------------------------------------------------- */

/* Replaces the call's result; keeps the old one when r is NULL (out of
 * memory), so the call still completes with something true. */
static void
set_result(hues__call *call, hues_result *r)
{
	if (r == NULL) {
		if (call->result == NULL) {
			call->result   = call->fallback;
			call->fallback = NULL;
		}
		return;
	}
	if (call->result != NULL && call->result != r) {
		hues_result_free(call->result);
	}
	call->result = r;
}

static void
add_done(todo *t, hues__call *call)
{
	call->done_next = t->done;
	t->done         = call;
}

static uint64_t
next_random(hues_client *c)
{
	uint64_t z = (c->rng += 0x9e3779b97f4a7c15u);
	z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z          = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/*
 * Decides, under the lock, whether a failed attempt is tried again: only
 * UNAVAILABLE, only when repeating is safe (or nothing was sent), within
 * max_attempts, and only if the backoff ends before the deadline.
 */
static bool
should_retry(hues_client *c, hues__call *call, bool never_sent, uint64_t now)
{
	const hues_result *r = call->result;

	if (c->closing || r == NULL || hues_result_code(r) != HUES_UNAVAILABLE ||
	    !(call->retry_ok || never_sent) ||
	    call->attempts >= call->max_attempts) {
		return false;
	}
	uint64_t backoff = c->o.backoff_initial_ms;
	for (unsigned i = 1; i < call->attempts && backoff < c->o.backoff_max_ms;
	     i++) {
		backoff *= 2;
	}
	if (backoff > c->o.backoff_max_ms) {
		backoff = c->o.backoff_max_ms;
	}
	/* Jitter: somewhere in the upper half, so that clients that failed
	 * together do not come back together. */
	uint64_t delay = backoff / 2 + next_random(c) % (backoff / 2 + 1);
	if (delay < hues_result_retry_after_ms(r)) {
		delay = hues_result_retry_after_ms(r);
	}
	call->due_ns = now + delay * MS;
	return call->due_ns < call->deadline_ns;
}

/* Ends a call whose deadline passed before it could be sent. A call that
 * waited to be retried keeps the error of its last attempt, which says
 * more than the deadline does. */
static void
expire(todo *t, hues__call *call)
{
	if (call->result == NULL ||
	    hues_result_code(call->result) != HUES_UNAVAILABLE) {
		set_result(call,
		    hues__result_local(call->call_id, HUES_DEADLINE_EXCEEDED,
		        "deadline exceeded while waiting to be sent"));
	}
	add_done(t, call);
}

/* ----- the client timer --------------------------------------------- */

/* Arms (or re-arms) the client timer for the earliest retry or pending
 * deadline. Under the lock. */
static void
arm_timer(hues_client *c)
{
	uint64_t next = UINT64_MAX;

	for (hues__call *x = c->retrying.next; x != &c->retrying; x = x->next) {
		if (x->due_ns < next) {
			next = x->due_ns;
		}
	}
	for (hues__call *x = c->pending.next; x != &c->pending; x = x->next) {
		if (x->deadline_ns < next) {
			next = x->deadline_ns;
		}
	}
	if (next == UINT64_MAX || c->closing) {
		return;
	}
	if (c->timer_armed) {
		if (next < c->timer_at) {
			/* Its callback re-arms it for the earlier time. */
			nng_aio_cancel(c->timer);
		}
		return;
	}
	uint64_t now = hues__now_ns();
	c->timer_armed = true;
	c->timer_at    = next;
	nng_sleep_aio(
	    next > now ? (nng_duration) ((next - now + MS - 1) / MS) : 0,
	    c->timer);
}

/* ----- dispatch ------------------------------------------------------ */

/*
 * How many pending calls the next free slot takes: an even share of the
 * calls waiting or in flight over all slots, at most max_batch. The server
 * runs a message's calls one after another on one worker, so one message
 * that takes every waiting call while the others carry one each leaves the
 * other workers idle and makes its calls wait for each other; even shares
 * keep every worker busy (docs/performance.md). A slot that is free takes
 * at least one call, so no call waits while a slot is free.
 */
static size_t
fair_share(const hues_client *c)
{
	size_t total = c->npending + c->slot_calls;
	size_t share = (total + c->nslots - 1) / c->nslots;
	if (share == 0) {
		share = 1;
	}
	return share < c->o.max_batch ? share : c->o.max_batch;
}

/* Fills free slots with pending calls. Under the lock. */
static void
dispatch(hues_client *c, todo *t)
{
	uint64_t now = hues__now_ns();

	if (c->closing) {
		while (!list_empty(&c->pending)) {
			hues__call *call = c->pending.next;
			list_remove(call);
			c->npending--;
			set_result(call, hues__result_local(call->call_id,
			                     HUES_CANCELLED,
			                     "the client is being destroyed"));
			add_done(t, call);
		}
		return;
	}
	while (c->free_head != NULL && !list_empty(&c->pending)) {
		hues__slot *s    = c->free_head;
		size_t      n    = 0;
		size_t      size = 2; /* the version field */
		size_t      cap  = fair_share(c);
		while (!list_empty(&c->pending) && n < cap) {
			hues__call *call = c->pending.next;
			if (call->deadline_ns <= now) {
				list_remove(call);
				c->npending--;
				expire(t, call);
				continue;
			}
			/* A batch stays under the request size limit; a call
			 * alone always fits (checked when it started). */
			if (n > 0 &&
			    size + call->wire_size + 6 > c->o.max_request_bytes) {
				break;
			}
			list_remove(call);
			c->npending--;
			call->attempts++;
			s->calls[n++] = call;
			size += call->wire_size + 6;
		}
		if (n == 0) {
			continue; /* every pending call had expired */
		}
		c->free_head = s->next_free;
		if (c->free_head == NULL) {
			c->free_tail = NULL;
		}
		s->next_free   = NULL;
		s->ncalls      = n;
		c->slot_calls += n;
		s->batch       = n > 1;
		s->state       = SLOT_SENDING;
		s->refs        = 1;
		s->replied     = false;
		s->timer_armed = false;
		s->next_send   = t->send;
		t->send        = s;
		if (!t->sending) {
			/* Counted until finish() has sent: destroy waits for
			 * it before it stops the slots (see senders). */
			t->sending = true;
			c->senders++;
		}
	}
}

/* Returns a slot to the free list. Under the lock. */
static void
release_slot(hues_client *c, hues__slot *s)
{
	s->state     = SLOT_IDLE;
	s->ncalls    = 0;
	s->next_free = NULL;
	if (c->free_tail != NULL) {
		c->free_tail->next_free = s;
	} else {
		c->free_head = s;
	}
	c->free_tail = s;
}

static void send_slot(hues__slot *s);

/* Completes the calls of t->done and sends the slots of t->send; called
 * without the lock. */
static void
finish(hues_client *c, todo *t)
{
	for (hues__slot *s = t->send; s != NULL;) {
		hues__slot *next = s->next_send;
		send_slot(s);
		s = next;
	}
	if (t->sending) {
		pthread_mutex_lock(&c->mtx);
		if (--c->senders == 0) {
			pthread_cond_broadcast(&c->idle_cv);
		}
		pthread_mutex_unlock(&c->mtx);
	}
	/* Calls started by these callbacks are held on this thread until
	 * the last callback has run, and then leave together: a reply of k
	 * calls is followed by one message of k calls, not by a message of
	 * one call and k - 1 calls waiting for the next free slot. */
	hues__cork  cork       = { .client = c };
	hues__cork *was_corked = hues__corked;
	bool        uncork     = t->done != NULL &&
	                  (was_corked == NULL || was_corked->client != c);
	todo        after      = {0};
	if (uncork) {
		hues__corked = &cork;
	}
	for (hues__call *call = t->done; call != NULL;) {
		hues__call  *next = call->done_next;
		hues_result *r    = call->result;
		hues__result_set_attempts(r, call->attempts ? call->attempts : 1);
		r = hues__result_decode(r, call->resp_desc);
		hues_result_free(call->fallback);
		bool was = hues__in_callback;
		hues__in_callback = true;
		call->cb(r, call->arg);
		hues__in_callback = was;
		free(call);
		pthread_mutex_lock(&c->mtx);
		if (next == NULL && uncork) {
			/* Before the last call is uncounted: once active
			 * reaches 0, hues_client_destroy() may free c. */
			hues__corked = was_corked;
			for (hues__call *x = cork.head; x != NULL;) {
				hues__call *xn = x->next;
				list_append(&c->pending, x);
				c->npending++;
				x = xn;
			}
			dispatch(c, &after);
			arm_timer(c);
		}
		if (--c->active == 0) {
			pthread_cond_broadcast(&c->idle_cv);
		}
		pthread_mutex_unlock(&c->mtx);
		call = next;
	}
	/* The last call restored it already; this keeps any path from
	 * leaving the thread pointing at this frame's cork. */
	hues__corked = was_corked;
	if (after.send != NULL || after.done != NULL) {
		finish(c, &after);
	}
}

/* ----- sending ------------------------------------------------------- */

static void slot_fail(hues__slot *s, int nng_rv, bool never_sent);

static void
send_slot(hues__slot *s)
{
	hues_client *c   = s->client;
	uint64_t     now = hues__now_ns(), last;
	nng_msg     *msg;

	if (hues__request_pack(s, now, &last, &msg) != 0) {
		slot_fail(s, NNG_ENOMEM, true);
		return;
	}
	/* Sending completes once a connection takes the message; waiting
	 * longer than connect_timeout_ms means no server is reachable. */
	uint32_t wait = hues__remaining_ms(last, now);
	if (wait > c->o.connect_timeout_ms) {
		wait = c->o.connect_timeout_ms;
	}
	nng_aio_set_timeout(s->aio, (nng_duration) wait);
	nng_aio_set_msg(s->aio, msg);
	nng_ctx_send(s->ctx, s->aio);
}

/* ----- completing a message ----------------------------------------- */

/*
 * Takes each call of the slot that is not completed yet to its retry or
 * its callback, then lets the slot go (when its timer is done too) and
 * refills free slots. results[i] is the new outcome of calls[i].
 */
static void
settle(hues__slot *s, hues_result **results, bool never_sent)
{
	hues_client *c   = s->client;
	todo         t   = {0};
	uint64_t     now = hues__now_ns();

	pthread_mutex_lock(&c->mtx);
	for (size_t i = 0; i < s->ncalls; i++) {
		hues__call *call = s->calls[i];
		if (call->in_slot_done) {
			hues_result_free(results[i]);
			continue;
		}
		set_result(call, results[i]);
		if (should_retry(c, call, never_sent, now)) {
			list_append(&c->retrying, call);
		} else {
			add_done(&t, call);
		}
	}
	s->replied = true;
	c->slot_calls -= s->ncalls;
	if (s->timer_armed) {
		t.cancel_slot_timer = true;
	}
	if (--s->refs == 0) {
		release_slot(c, s);
	}
	/* With callbacks to run, the calls waiting wait for the calls those
	 * start: finish() dispatches them together once the last callback
	 * has run. Dispatched now, the waiting calls would take the slot and
	 * leave the new ones for the next reply, and in a closed loop one
	 * message's worth of calls would always wait a round behind. */
	if (t.done == NULL) {
		dispatch(c, &t);
	}
	arm_timer(c);
	if (t.cancel_slot_timer) {
		nng_aio_cancel(s->timer);
	}
	pthread_mutex_unlock(&c->mtx);
	finish(c, &t);
}

static void
slot_fail(hues__slot *s, int rv, bool never_sent)
{
	hues__outcomes_of_error(s, rv, never_sent);
	settle(s, s->results,
	    never_sent && rv != NNG_ECLOSED && rv != NNG_ECANCELED);
}

static void
slot_reply(hues__slot *s, nng_msg *msg)
{
	hues__outcomes_of_reply(s, msg);
	settle(s, s->results, false);
}

void
hues__slot_cb(void *arg)
{
	hues__slot  *s  = arg;
	hues_client *c  = s->client;
	int          rv = nng_aio_result(s->aio);

	if (s->state == SLOT_SENDING) {
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(s->aio));
			nng_aio_set_msg(s->aio, NULL);
			slot_fail(s, rv, true);
			return;
		}
		uint64_t now = hues__now_ns(), first = UINT64_MAX, last = 0;
		for (size_t i = 0; i < s->ncalls; i++) {
			uint64_t d = s->calls[i]->deadline_ns;
			first      = d < first ? d : first;
			last       = d > last ? d : last;
		}
		s->state = SLOT_RECEIVING;
		if (first + MS <= last) {
			/* Calls of this batch that end earlier than the last
			 * one are ended by the slot timer. Not for less than
			 * a millisecond, the resolution of nng's timers: the
			 * slot is free again only when its timer is, one
			 * thread hop after the reply. */
			pthread_mutex_lock(&c->mtx);
			s->refs++;
			s->timer_armed = true;
			nng_sleep_aio(hues__remaining_ms(first, now), s->timer);
			pthread_mutex_unlock(&c->mtx);
		}
		nng_aio_set_timeout(
		    s->aio, (nng_duration) hues__remaining_ms(last, now));
		nng_ctx_recv(s->ctx, s->aio);
		return;
	}
	if (rv != 0) {
		slot_fail(s, rv, false);
		return;
	}
	nng_msg *msg = nng_aio_get_msg(s->aio);
	nng_aio_set_msg(s->aio, NULL);
	slot_reply(s, msg);
}

void
hues__slot_timer_cb(void *arg)
{
	hues__slot  *s  = arg;
	hues_client *c  = s->client;
	todo         t  = {0};
	int          rv = nng_aio_result(s->timer);

	pthread_mutex_lock(&c->mtx);
	if (rv == 0 && !s->replied) {
		uint64_t now = hues__now_ns(), next = UINT64_MAX;
		for (size_t i = 0; i < s->ncalls; i++) {
			hues__call *call = s->calls[i];
			if (call->in_slot_done) {
				continue;
			}
			if (call->deadline_ns <= now) {
				call->in_slot_done = true;
				set_result(call,
				    hues__result_local(call->call_id,
				        HUES_DEADLINE_EXCEEDED,
				        "deadline exceeded"));
				add_done(&t, call);
			} else if (call->deadline_ns < next) {
				next = call->deadline_ns;
			}
		}
		if (next != UINT64_MAX) {
			nng_sleep_aio(hues__remaining_ms(next, now), s->timer);
			pthread_mutex_unlock(&c->mtx);
			finish(c, &t);
			return;
		}
	}
	s->timer_armed = false;
	if (--s->refs == 0) {
		release_slot(c, s);
		dispatch(c, &t);
		arm_timer(c);
	}
	pthread_mutex_unlock(&c->mtx);
	finish(c, &t);
}

void
hues__timer_cb(void *arg)
{
	hues_client *c   = arg;
	todo         t   = {0};
	uint64_t     now = hues__now_ns();

	pthread_mutex_lock(&c->mtx);
	c->timer_armed = false;
	/* Due retries go before the pending calls: they are older. */
	for (hues__call *x = c->retrying.prev; x != &c->retrying;) {
		hues__call *prev = x->prev;
		if (x->due_ns <= now || c->closing) {
			list_remove(x);
			list_prepend(&c->pending, x);
			c->npending++;
		}
		x = prev;
	}
	for (hues__call *x = c->pending.next; x != &c->pending;) {
		hues__call *next = x->next;
		if (x->deadline_ns <= now) {
			list_remove(x);
			c->npending--;
			expire(&t, x);
		}
		x = next;
	}
	dispatch(c, &t);
	arm_timer(c);
	pthread_mutex_unlock(&c->mtx);
	finish(c, &t);
}

void
hues__cancel_waiting(hues_client *c)
{
	todo t = {0};

	pthread_mutex_lock(&c->mtx);
	while (!list_empty(&c->retrying)) {
		hues__call *x = c->retrying.next;
		list_remove(x);
		list_append(&c->pending, x);
		c->npending++;
	}
	dispatch(c, &t); /* closing: completes every pending call */
	if (c->timer_armed) {
		nng_aio_cancel(c->timer);
	}
	pthread_mutex_unlock(&c->mtx);
	finish(c, &t);
}

/* ----- queueing a call -------------------------------------------- */

int
hues__enqueue(hues_client *c, hues__call *call, char *why, size_t whylen)
{
	todo t = {0};
	pthread_mutex_lock(&c->mtx);
	hues__cork *cork = hues__corked;
	if (cork != NULL && cork->client != c) {
		cork = NULL;
	}
	if (c->closing ||
	    c->npending + (cork ? cork->n : 0) >= c->o.max_pending) {
		bool closing = c->closing;
		pthread_mutex_unlock(&c->mtx);
		snprintf(why, whylen, closing
		        ? "the client is being destroyed"
		        : "too many calls are waiting to be sent");
		return closing ? HUES_CANCELLED : HUES_RESOURCE_EXHAUSTED;
	}
	c->active++;
	if (cork != NULL) {
		/* finish() sends it with its siblings. Counted in active, so
		 * the client stays until then, and in the cap above with the
		 * calls pending. */
		call->next = NULL;
		if (cork->tail != NULL) {
			cork->tail->next = call;
		} else {
			cork->head = call;
		}
		cork->tail = call;
		cork->n++;
		pthread_mutex_unlock(&c->mtx);
		return HUES_OK;
	}
	list_append(&c->pending, call);
	c->npending++;
	dispatch(c, &t);
	if (!list_empty(&c->pending) &&
	    (!c->timer_armed || call->deadline_ns < c->timer_at)) {
		arm_timer(c);
	}
	pthread_mutex_unlock(&c->mtx);
	finish(c, &t);
	return HUES_OK;
}
