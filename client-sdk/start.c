/*
 * start.c - starting a call: checking its metadata, building its wire
 * struct and deadline in one allocation, and handing it to call.c's
 * queue. Nothing here takes the client's lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hues/api.h"
#include "internal.h"

/* ----- starting a call ----------------------------------------------- */

static bool
valid_key(const char *k)
{
	size_t n = strlen(k);
	return n > 0 &&
	    strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* Collects the metadata of a call into md (at most cap pairs). */
static int
gather_metadata(const hues_call_opts *o, hues_metadata *md, size_t cap,
    size_t *n, char *bearer, size_t bearer_len, char *why, size_t whylen)
{
	size_t k = 0;
	if (o->bearer_token != NULL) {
		if (snprintf(bearer, bearer_len, "Bearer %s", o->bearer_token) >=
		    (int) bearer_len) {
			snprintf(why, whylen, "bearer token is too long");
			return HUES_INVALID_ARGUMENT;
		}
		md[k++] = (hues_metadata) {"authorization", bearer};
	}
	if (o->idempotency_key != NULL) {
		md[k++] = (hues_metadata) {"idempotency-key", o->idempotency_key};
	}
	if (o->request_id != NULL) {
		md[k++] = (hues_metadata) {"x-request-id", o->request_id};
	}
	if (o->nmetadata > cap - k) {
		snprintf(why, whylen, "too many metadata entries");
		return HUES_INVALID_ARGUMENT;
	}
	size_t total = 0;
	for (size_t i = 0; i < o->nmetadata; i++) {
		md[k++] = o->metadata[i];
	}
	for (size_t i = 0; i < k; i++) {
		if (md[i].key == NULL || md[i].value == NULL ||
		    !valid_key(md[i].key)) {
			snprintf(why, whylen,
			    "metadata keys are lowercase letters, digits, '.', "
			    "'_' or '-'");
			return HUES_INVALID_ARGUMENT;
		}
		total += strlen(md[i].key) + strlen(md[i].value);
	}
	if (total > 8192) {
		snprintf(why, whylen, "metadata is %zu bytes; at most 8192", total);
		return HUES_INVALID_ARGUMENT;
	}
	*n = k;
	return HUES_OK;
}

/* Builds a call: one block holding the call, its wire struct, metadata
 * entries and copies of every string and the payload. */
static hues__call *
call_new(hues_client *c, const char *method, const void *req, size_t len,
    const hues_metadata *md, size_t nmd)
{
	size_t size = sizeof(hues__call) +
	    nmd * (sizeof(Hues__V1__MetadataEntry *) +
	              sizeof(Hues__V1__MetadataEntry)) +
	    strlen(method) + 1 + len;
	for (size_t i = 0; i < nmd; i++) {
		size += strlen(md[i].key) + strlen(md[i].value) + 2;
	}
	hues__call *call = malloc(size);
	if (call == NULL) {
		return NULL;
	}
	memset(call, 0, sizeof(*call));
	Hues__V1__MetadataEntry *entries =
	    (Hues__V1__MetadataEntry *) (call->md_ptrs + nmd);
	char *p = (char *) (entries + nmd);

	hues__v1__call__init(&call->wire);
	for (size_t i = 0; i < nmd; i++) {
		hues__v1__metadata_entry__init(&entries[i]);
		size_t kl = strlen(md[i].key) + 1, vl = strlen(md[i].value) + 1;
		entries[i].key   = memcpy(p, md[i].key, kl);
		entries[i].value = memcpy(p + kl, md[i].value, vl);
		p += kl + vl;
		call->md_ptrs[i] = &entries[i];
	}
	call->wire.method = strcpy(p, method);
	p += strlen(method) + 1;
	if (len > 0) {
		memcpy(p, req, len);
	}
	call->wire.payload    = (ProtobufCBinaryData) {len, (uint8_t *) p};
	call->wire.metadata   = nmd ? call->md_ptrs : NULL;
	call->wire.n_metadata = nmd;
	call->client          = c;
	return call;
}

int
hues__start(hues_client *c, const char *method, const void *req, size_t len,
    const hues_call_opts *opts, const ProtobufCMessageDescriptor *resp_desc,
    hues_callback cb, void *arg, char *why, size_t whylen)
{
	static const hues_call_opts none = {0};
	hues_metadata               md[64];
	size_t                      nmd;
	char                        bearer[8192];
	uint32_t                    mflags = 0;
	int                         rv;

	if (opts == NULL) {
		opts = &none;
	}
	if (c == NULL || cb == NULL || method == NULL || method[0] != '/' ||
	    (req == NULL && len > 0)) {
		snprintf(why, whylen,
		    "a call needs a client, a method such as "
		    "/hues.v1.Health/Check and a callback");
		return HUES_INVALID_ARGUMENT;
	}
	if ((rv = gather_metadata(opts, md, 64, &nmd, bearer, sizeof(bearer),
	         why, whylen)) != HUES_OK) {
		return rv;
	}
	hues__call *call = call_new(c, method, req, len, md, nmd);
	if (call == NULL) {
		snprintf(why, whylen, "out of memory");
		return HUES_RESOURCE_EXHAUSTED;
	}
	call->call_id         = atomic_fetch_add(&c->next_id, 1);
	call->wire.call_id    = call->call_id;
	call->wire.timeout_ms = UINT32_MAX; /* the largest it can encode to */
	call->wire_size       = hues__v1__call__get_packed_size(&call->wire);
	if (call->wire_size + 8 > c->o.max_request_bytes) {
		snprintf(why, whylen,
		    "request of %zu bytes exceeds the limit of %zu bytes",
		    call->wire_size + 8, c->o.max_request_bytes);
		free(call);
		return HUES_RESOURCE_EXHAUSTED;
	}
	hues_method_flags(method, &mflags);
	call->retry_ok = (mflags & HUES_METHOD_IDEMPOTENT) ||
	    (opts->flags & HUES_CALL_IDEMPOTENT) || opts->idempotency_key != NULL;
	call->max_attempts =
	    opts->max_attempts ? opts->max_attempts : c->o.max_attempts;
	call->deadline_ns = hues__now_ns() +
	    (uint64_t) (opts->timeout_ms ? opts->timeout_ms : c->o.timeout_ms) *
	        MS;
	call->cb        = cb;
	call->arg       = arg;
	call->resp_desc = resp_desc;
	call->fallback  = hues__result_local(call->call_id, HUES_RESOURCE_EXHAUSTED,
	     "out of memory in the client");
	if (call->fallback == NULL) {
		free(call);
		snprintf(why, whylen, "out of memory");
		return HUES_RESOURCE_EXHAUSTED;
	}

	if ((rv = hues__enqueue(c, call, why, whylen)) != HUES_OK) {
		hues_result_free(call->fallback);
		free(call);
		return rv;
	}
	return HUES_OK;
}

int
hues_call_async(hues_client *c, const char *method, const void *req,
    size_t len, const hues_call_opts *opts, hues_callback cb, void *arg)
{
	char why[256];
	return hues__start(
	    c, method, req, len, opts, NULL, cb, arg, why, sizeof(why));
}
