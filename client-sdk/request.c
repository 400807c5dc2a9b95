/*
 * request.c - the calls of a slot as one request message (docs/protocol.md):
 * a call alone, or a batch, whose calls send a token they all carry once,
 * as the batch's shared metadata. Each call's timeout is what is left of
 * its deadline when the message leaves. call.c sends it.
 */
#include <string.h>

#include "internal.h"

uint32_t
hues__remaining_ms(uint64_t deadline, uint64_t now)
{
	if (deadline <= now) {
		return 1;
	}
	uint64_t ms = (deadline - now + MS - 1) / MS;
	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t) ms;
}

/* Whether every call of slot s starts with the same authorization entry;
 * if so, *shared gets it. */
static bool
shared_token(const hues__slot *s, Hues__V1__MetadataEntry **shared)
{
	const Hues__V1__MetadataEntry *first = NULL;
	for (size_t i = 0; i < s->ncalls; i++) {
		const Hues__V1__Call *w = &s->calls[i]->wire;
		if (w->n_metadata == 0 ||
		    strcmp(w->metadata[0]->key, "authorization") != 0 ||
		    (first != NULL &&
		        strcmp(w->metadata[0]->value, first->value) != 0)) {
			return false;
		}
		first = w->metadata[0];
	}
	shared[0] = (Hues__V1__MetadataEntry *) first;
	return first != NULL;
}

int
hues__request_pack(hues__slot *s, uint64_t now, uint64_t *last, nng_msg **out)
{
	Hues__V1__Request req = HUES__V1__REQUEST__INIT;
	nng_msg          *msg;

	*last = 0;
	for (size_t i = 0; i < s->ncalls; i++) {
		hues__call *call = s->calls[i];
		call->wire.timeout_ms =
		    hues__remaining_ms(call->deadline_ns, now);
		s->wires[i] = &call->wire;
		if (call->deadline_ns > *last) {
			*last = call->deadline_ns;
		}
	}
	req.version = 1;
	Hues__V1__MetadataEntry *shared[1];
	bool                     hoisted = false;
	if (s->batch) {
		req.n_batch = s->ncalls;
		req.batch   = s->wires;
		/* A batch whose calls all carry the same token sends it once,
		 * as the batch's shared metadata (docs/protocol.md): a token
		 * is often larger than the call, and the server verifies it
		 * once. gather_metadata() puts authorization first. */
		hoisted = shared_token(s, shared);
		if (hoisted) {
			req.n_metadata = 1;
			req.metadata   = shared;
			for (size_t i = 0; i < s->ncalls; i++) {
				s->calls[i]->wire.metadata++;
				s->calls[i]->wire.n_metadata--;
			}
		}
	} else {
		const Hues__V1__Call *w = &s->calls[0]->wire;
		req.method              = w->method;
		req.call_id             = w->call_id;
		req.timeout_ms          = w->timeout_ms;
		req.n_metadata          = w->n_metadata;
		req.metadata            = w->metadata;
		req.payload             = w->payload;
	}
	size_t len = hues__v1__request__get_packed_size(&req);
	int    rv  = nng_msg_alloc(&msg, len);
	if (rv == 0) {
		hues__v1__request__pack(&req, nng_msg_body(msg));
		*out = msg;
	}
	if (hoisted) {
		/* The calls keep their own entries for a retry. */
		for (size_t i = 0; i < s->ncalls; i++) {
			s->calls[i]->wire.metadata--;
			s->calls[i]->wire.n_metadata++;
		}
	}
	return rv;
}
