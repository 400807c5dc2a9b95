/*
 * outcome.c - what each call of a message gets: its answer in the server's
 * reply, or the status that a transport error stands for (a send that
 * found no connection also asks for a redial). call.c takes the outcomes
 * on to retries and callbacks.
 */
#include <stdio.h>

#include <nng/nng.h>

#include "internal.h"

void
hues__outcomes_of_error(hues__slot *s, int rv, bool never_sent)
{
	hues_client  *c       = s->client;
	hues_result **results = s->results;
	int           code;
	char         msg[160];

	switch (rv) {
	case NNG_ECLOSED:
	case NNG_ECANCELED: /* hues_client_destroy() stopped the slot */
		code = HUES_CANCELLED;
		snprintf(msg, sizeof(msg), "the client is being destroyed");
		break;
	case NNG_ETIMEDOUT:
		if (never_sent) {
			code = HUES_UNAVAILABLE;
			snprintf(msg, sizeof(msg),
			    "no connection to a server within %u ms",
			    c->o.connect_timeout_ms);
			/* Perhaps the dialers stopped (redial.c). */
			hues__redial_want(c, s->sock);
		} else {
			code = HUES_DEADLINE_EXCEEDED;
			snprintf(msg, sizeof(msg), "deadline exceeded");
		}
		break;
	case NNG_ECONNRESET:
		code = HUES_UNAVAILABLE;
		snprintf(msg, sizeof(msg), "the connection to the server was lost");
		break;
	case NNG_ENOMEM:
		code = HUES_RESOURCE_EXHAUSTED;
		snprintf(msg, sizeof(msg), "out of memory");
		break;
	default:
		code = HUES_UNAVAILABLE;
		snprintf(msg, sizeof(msg), "transport error: %s",
		    nng_strerror(rv));
		break;
	}
	for (size_t i = 0; i < s->ncalls; i++) {
		results[i] =
		    hues__result_local(s->calls[i]->call_id, code, "%s", msg);
	}
}

/* Finds the reply of call in a batch reply: the server answers in order,
 * so position i is tried first. */
static const Hues__V1__CallReply *
find_reply(const Hues__V1__Reply *r, size_t i, uint64_t call_id)
{
	if (i < r->n_batch && r->batch[i]->call_id == call_id) {
		return r->batch[i];
	}
	for (size_t k = 0; k < r->n_batch; k++) {
		if (r->batch[k]->call_id == call_id) {
			return r->batch[k];
		}
	}
	return NULL;
}

void
hues__outcomes_of_reply(hues__slot *s, nng_msg *msg)
{
	hues_result   **results = s->results;
	Hues__V1__Reply *r      = hues__v1__reply__unpack(
	    NULL, nng_msg_len(msg), nng_msg_body(msg));

	nng_msg_free(msg);
	for (size_t i = 0; i < s->ncalls; i++) {
		uint64_t id = s->calls[i]->call_id;
		if (r == NULL) {
			results[i] = hues__result_local(id, HUES_INTERNAL,
			    "the server's reply is not a valid hues.v1.Reply");
		} else if (r->n_batch == 0) {
			/* One call, or a status for the whole message. */
			if (!s->batch && r->call_id != 0 && r->call_id != id) {
				results[i] = hues__result_local(id,
				    HUES_INTERNAL,
				    "the server answered call %llu instead of %llu",
				    (unsigned long long) r->call_id,
				    (unsigned long long) id);
			} else {
				results[i] = hues__result_from_reply(id,
				    (int) r->code, r->message, r->details,
				    &r->payload, r->metadata, r->n_metadata);
			}
		} else {
			const Hues__V1__CallReply *cr = s->batch
			    ? find_reply(r, i, id)
			    : NULL;
			results[i] = cr == NULL
			    ? hues__result_local(id, HUES_INTERNAL,
			          "the server's reply has no answer for call %llu",
			          (unsigned long long) id)
			    : hues__result_from_reply(id, (int) cr->code,
			          cr->message, cr->details, &cr->payload,
			          cr->metadata, cr->n_metadata);
		}
	}
	if (r != NULL) {
		hues__v1__reply__free_unpacked(r, NULL);
	}
}
