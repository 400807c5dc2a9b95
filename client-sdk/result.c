/*
 * result.c - results: one allocation holding the outcome of a call and
 * copies of everything its getters return.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct pair {
	const char *a;
	const char *b;
} pair;

struct hues_result {
	int               code;
	uint64_t          call_id;
	unsigned          attempts;
	uint32_t          retry_after_ms;
	const char       *message;
	const char       *reason;
	size_t            nviolations;
	const pair       *violations;
	const uint8_t    *payload;
	size_t            payload_len;
	size_t            nmd;
	const pair       *md;
	ProtobufCMessage *response;
	/* pairs, then strings and payload bytes */
	_Alignas(pair) char storage[];
};

/* A bump writer over the storage of a result being built. */
typedef struct filler {
	char *p;
} filler;

static const char *
put_str(filler *f, const char *s)
{
	size_t n = strlen(s) + 1;
	char  *d = f->p;
	memcpy(d, s, n);
	f->p += n;
	return d;
}

hues_result *
hues__result_from_reply(uint64_t call_id, int code, const char *message,
    const Hues__V1__ErrorDetails *details, const ProtobufCBinaryData *payload,
    Hues__V1__MetadataEntry **md, size_t nmd)
{
	size_t nv     = details != NULL ? details->n_field_violations : 0;
	const char *reason = details != NULL ? details->reason : "";
	size_t size = sizeof(hues_result) + (nv + nmd) * sizeof(pair) +
	    strlen(message) + strlen(reason) + 2 +
	    (payload != NULL ? payload->len : 0);
	for (size_t i = 0; i < nv; i++) {
		size += strlen(details->field_violations[i]->field) +
		    strlen(details->field_violations[i]->description) + 2;
	}
	for (size_t i = 0; i < nmd; i++) {
		size += strlen(md[i]->key) + strlen(md[i]->value) + 2;
	}
	hues_result *r = malloc(size);
	if (r == NULL) {
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	pair  *pairs = (pair *) r->storage;
	filler f     = {(char *) (pairs + nv + nmd)};
	/* A code outside the space (a newer or broken server) is UNKNOWN, as
	 * gRPC maps it. */
	r->code      = code >= 0 && code < HUES_STATUS_COUNT ? code : HUES_UNKNOWN;
	r->call_id   = call_id;
	r->attempts  = 1;
	r->message   = put_str(&f, message);
	r->reason    = put_str(&f, reason);
	r->retry_after_ms = details != NULL ? details->retry_after_ms : 0;
	for (size_t i = 0; i < nv; i++) {
		pairs[i].a = put_str(&f, details->field_violations[i]->field);
		pairs[i].b = put_str(&f, details->field_violations[i]->description);
	}
	r->violations  = pairs;
	r->nviolations = nv;
	for (size_t i = 0; i < nmd; i++) {
		pairs[nv + i].a = put_str(&f, md[i]->key);
		pairs[nv + i].b = put_str(&f, md[i]->value);
	}
	r->md  = pairs + nv;
	r->nmd = nmd;
	r->payload = (const uint8_t *) f.p;
	/* A response exists only for OK: bytes sent with an error (a broken
	 * or hostile server) are dropped, as client.h promises. */
	if (r->code == HUES_OK && payload != NULL && payload->len > 0) {
		memcpy(f.p, payload->data, payload->len);
		r->payload_len = payload->len;
	}
	return r;
}

hues_result *
hues__result_local(uint64_t call_id, int code, const char *fmt, ...)
{
	char    msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return hues__result_from_reply(call_id, code, msg, NULL, NULL, NULL, 0);
}

hues_result *
hues__result_decode(hues_result *r, const ProtobufCMessageDescriptor *desc)
{
	if (r == NULL || r->code != HUES_OK || desc == NULL) {
		return r;
	}
	r->response =
	    protobuf_c_message_unpack(desc, NULL, r->payload_len, r->payload);
	if (r->response != NULL) {
		return r;
	}
	hues_result *bad = hues__result_local(r->call_id, HUES_INTERNAL,
	    "the server's response is not a valid %s", desc->name);
	if (bad == NULL) {
		return r; /* out of memory: keep what we have */
	}
	bad->attempts = r->attempts;
	hues_result_free(r);
	return bad;
}

void
hues__result_set_attempts(hues_result *r, unsigned attempts)
{
	r->attempts = attempts;
}

int
hues_result_code(const hues_result *r)
{
	return r->code;
}

const char *
hues_result_message(const hues_result *r)
{
	return r->message;
}

const char *
hues_result_reason(const hues_result *r)
{
	return r->reason;
}

uint32_t
hues_result_retry_after_ms(const hues_result *r)
{
	return r->retry_after_ms;
}

size_t
hues_result_violation_count(const hues_result *r)
{
	return r->nviolations;
}

int
hues_result_violation(const hues_result *r, size_t i, const char **field,
    const char **description)
{
	if (i >= r->nviolations) {
		return HUES_OUT_OF_RANGE;
	}
	*field       = r->violations[i].a;
	*description = r->violations[i].b;
	return HUES_OK;
}

const void *
hues_result_payload(const hues_result *r, size_t *len)
{
	*len = r->payload_len;
	return r->payload;
}

const char *
hues_result_metadata(const hues_result *r, const char *key)
{
	for (size_t i = 0; i < r->nmd; i++) {
		if (strcmp(r->md[i].a, key) == 0) {
			return r->md[i].b;
		}
	}
	return NULL;
}

uint64_t
hues_result_call_id(const hues_result *r)
{
	return r->call_id;
}

unsigned
hues_result_attempts(const hues_result *r)
{
	return r->attempts;
}

const void *
hues_result_response(const hues_result *r)
{
	return r->response;
}

void
hues_result_free(hues_result *r)
{
	if (r == NULL) {
		return;
	}
	if (r->response != NULL) {
		protobuf_c_message_free_unpacked(r->response, NULL);
	}
	free(r);
}
