/*
 * envelope.c - Request decoding and Reply encoding with protobuf-c.
 */
#include "rpc/envelope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/pbcheck.h"
#include "hues/status.h"

/* Decoding an envelope may take this much more than its size: a legitimate
 * one needs about twice its size, while a hostile one (thousands of empty
 * metadata entries or unknown fields) would otherwise need 20-40 times. */
#define ENVELOPE_DECODE_FACTOR 4
#define ENVELOPE_DECODE_SLACK (256u * 1024u)

static void
fail_with(rpc_outcome *o, int code, const char *reason, const char *msg)
{
	o->code    = code;
	o->reason  = reason;
	o->message = msg;
}

int
envelope_decode(arena *a, const uint8_t *data, size_t len, size_t max_len,
    rpc_request *req, rpc_outcome *fail)
{
	pbcheck_error      perr;
	ProtobufCAllocator alloc;

	memset(fail, 0, sizeof(*fail));
	if (len > max_len) {
		fail_with(fail, HUES_RESOURCE_EXHAUSTED, "REQUEST_TOO_LARGE",
		    arena_printf(a, "request is %zu bytes; the limit is %zu", len,
		        max_len));
		return fail->code;
	}
	if (len == 0) {
		fail_with(fail, HUES_INVALID_ARGUMENT, "MALFORMED_ENVELOPE",
		    "empty message: expected a hues.v1.Request");
		return fail->code;
	}
	if (pbcheck_message(&hues__v1__request__descriptor, data, len, &perr) !=
	    0) {
		fail_with(fail, HUES_INVALID_ARGUMENT, "MALFORMED_ENVELOPE",
		    arena_printf(a,
		        "malformed hues.v1.Request envelope: %s%s%s (byte %zu)",
		        perr.path, perr.path[0] ? ": " : "", perr.what,
		        perr.offset));
		return fail->code;
	}
	arena_set_cap(a, ENVELOPE_DECODE_FACTOR * len + ENVELOPE_DECODE_SLACK);
	arena_protobuf_allocator(a, &alloc);
	Hues__V1__Request *r = hues__v1__request__unpack(&alloc, len, data);
	arena_set_cap(a, 0);
	if (r == NULL) {
		if (a->capped) {
			fail_with(fail, HUES_RESOURCE_EXHAUSTED, "DECODE_LIMIT",
			    "request envelope needs too much memory to decode");
		} else {
			fail_with(fail, HUES_INVALID_ARGUMENT,
			    "MALFORMED_ENVELOPE",
			    "request is not a valid hues.v1.Request");
		}
		return fail->code;
	}
	fail->call_id = r->call_id;
	if (r->version != RPC_PROTOCOL_VERSION) {
		fail_with(fail, HUES_INVALID_ARGUMENT, "UNSUPPORTED_VERSION",
		    arena_printf(a,
		        "unsupported protocol version %u; this server speaks "
		        "version %d",
		        r->version, RPC_PROTOCOL_VERSION));
		return fail->code;
	}
	bool has_method = r->method[0] != '\0';
	if (has_method == (r->n_batch > 0)) {
		fail_with(fail, HUES_INVALID_ARGUMENT, "MALFORMED_ENVELOPE",
		    has_method ? "request has both method and batch; send one"
		               : "request has neither method nor batch");
		return fail->code;
	}
	if (r->n_batch > RPC_MAX_BATCH) {
		fail_with(fail, HUES_INVALID_ARGUMENT, "BATCH_TOO_LARGE",
		    arena_printf(a, "batch has %zu calls; at most %d are allowed",
		        r->n_batch, RPC_MAX_BATCH));
		return fail->code;
	}

	req->batch  = !has_method;
	req->ncalls = has_method ? 1 : r->n_batch;
	req->calls  = arena_alloc(a, req->ncalls * sizeof(*req->calls));
	if (req->calls == NULL) {
		fail_with(fail, HUES_RESOURCE_EXHAUSTED, "DECODE_LIMIT",
		    "out of memory");
		return fail->code;
	}
	if (has_method) {
		req->calls[0] = (rpc_call_in) {r->method, r->call_id,
		    r->timeout_ms, r->metadata, r->n_metadata, r->payload, NULL,
		    0};
		return HUES_OK;
	}
	for (size_t i = 0; i < r->n_batch; i++) {
		const Hues__V1__Call *c = r->batch[i];
		req->calls[i] = (rpc_call_in) {c->method, c->call_id,
		    c->timeout_ms, c->metadata, c->n_metadata, c->payload,
		    r->metadata, r->n_metadata};
	}
	return HUES_OK;
}

/* Allocates from the arena with the cap lifted; the server may abort when
 * memory is gone (a reply cannot be built without it). */
static void *
xalloc(arena *a, size_t n)
{
	void *p = arena_alloc(a, n);
	if (p == NULL) {
		log_emit(LOG_ERROR, NULL, "out of memory encoding a reply");
		abort();
	}
	return p;
}

static Hues__V1__ErrorDetails *
make_details(arena *a, const rpc_outcome *o)
{
	if (o->nviolations == 0 && o->reason == NULL && o->retry_after_ms == 0) {
		return NULL;
	}
	Hues__V1__ErrorDetails *d = xalloc(a, sizeof(*d));
	hues__v1__error_details__init(d);
	d->reason         = (char *) (o->reason != NULL ? o->reason : "");
	d->retry_after_ms = o->retry_after_ms;
	if (o->nviolations > 0) {
		d->n_field_violations = o->nviolations;
		d->field_violations =
		    xalloc(a, o->nviolations * sizeof(*d->field_violations));
		for (size_t i = 0; i < o->nviolations; i++) {
			Hues__V1__FieldViolation *v = xalloc(a, sizeof(*v));
			hues__v1__field_violation__init(v);
			v->field              = (char *) o->violations[i].field;
			v->description        = (char *) o->violations[i].description;
			d->field_violations[i] = v;
		}
	}
	return d;
}

static Hues__V1__MetadataEntry **
make_trailers(arena *a, const rpc_outcome *o, size_t *n)
{
	if (o->request_id == NULL) {
		*n = 0;
		return NULL;
	}
	Hues__V1__MetadataEntry **md = xalloc(a, sizeof(*md));
	md[0]                        = xalloc(a, sizeof(**md));
	hues__v1__metadata_entry__init(md[0]);
	md[0]->key   = "x-request-id";
	md[0]->value = (char *) o->request_id;
	*n           = 1;
	return md;
}

static Hues__V1__CallReply *
make_call_reply(arena *a, const rpc_outcome *o)
{
	Hues__V1__CallReply *r = xalloc(a, sizeof(*r));
	hues__v1__call_reply__init(r);
	r->call_id  = o->call_id;
	r->code     = (Hues__V1__StatusCode) o->code;
	r->message  = (char *) (o->message != NULL ? o->message : "");
	r->details  = make_details(a, o);
	r->payload  = o->payload;
	r->metadata = make_trailers(a, o, &r->n_metadata);
	return r;
}

/* CallReply's fields carry the same numbers as Reply's first six, so a
 * packed CallReply is also a valid Reply for a single call. */
static void
pack_single(arena *a, const rpc_outcome *o, uint8_t **out, size_t *outlen)
{
	Hues__V1__CallReply *r   = make_call_reply(a, o);
	size_t               n   = hues__v1__call_reply__get_packed_size(r);
	uint8_t             *buf = xalloc(a, n);
	*outlen                  = hues__v1__call_reply__pack(r, buf);
	*out                     = buf;
}

void
envelope_encode(arena *a, bool batch, const rpc_outcome *outs, size_t n,
    uint8_t **out, size_t *outlen)
{
	if (!batch) {
		pack_single(a, &outs[0], out, outlen);
		return;
	}
	Hues__V1__Reply r = HUES__V1__REPLY__INIT;
	r.n_batch         = n;
	r.batch           = xalloc(a, n * sizeof(*r.batch));
	for (size_t i = 0; i < n; i++) {
		r.batch[i] = make_call_reply(a, &outs[i]);
	}
	size_t   len = hues__v1__reply__get_packed_size(&r);
	uint8_t *buf = xalloc(a, len);
	*outlen      = hues__v1__reply__pack(&r, buf);
	*out         = buf;
}

void
envelope_encode_whole(
    arena *a, const rpc_outcome *o, uint8_t **out, size_t *outlen)
{
	pack_single(a, o, out, outlen);
}
