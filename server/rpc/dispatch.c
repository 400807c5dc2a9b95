/*
 * dispatch.c - runs the calls of one request message.
 *
 * Order of checks for a call, each ending it with a status when it fails:
 * deadline already passed (the handler never runs), metadata, method,
 * authentication and roles, idempotency key, payload, handler, deadline
 * passed while running. Handler messages for INTERNAL go to the log only.
 * The messages that carry calls, and their parking, are message.c's.
 */
#include "rpc/dispatch.h"
#include "rpc/dispatch_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/pbcheck.h"
#include "core/status.h"
#include "svc/call_impl.h"
#include "svc/write.h"

/* Decoding a payload may allocate this much more than its size. Legitimate
 * messages need one to three times their size; hostile ones (millions of
 * empty repeated submessages) up to forty times. */
#define PAYLOAD_DECODE_FACTOR 8
#define PAYLOAD_DECODE_SLACK (64u * 1024u)
#define MAX_REQUEST_ID 64
#define MAX_IDEMPOTENCY_KEY 128

void
rpc_worker_init(rpc_worker *w, unsigned index)
{
	arena_init(&w->arena, MESSAGE_CHUNK);
	w->index      = index;
	w->memo_token = NULL;
	w->rng   = clock_now_ns() ^ ((uint64_t) index << 32) ^ 0x9e3779b97f4a7c15u;
}

void
rpc_worker_fini(rpc_worker *w)
{
	arena_fini(&w->arena);
}

void
rpc_worker_reset(rpc_worker *w)
{
	w->memo_token = NULL;
	arena_reset(&w->arena);
}

static uint64_t
next_random(rpc_worker *w)
{
	/* splitmix64: request ids need to be distinct, not secret. */
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15u);
	z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z          = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* At most max bytes of s, cut at a character boundary, for messages that
 * quote client input (pbcheck guaranteed it is UTF-8). */
static const char *
clip(svc_call *call, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max) {
		return s;
	}
	while (max > 0 && ((unsigned char) s[max] & 0xc0) == 0x80) {
		max--;
	}
	return call_printf(call, "%.*s...", (int) max, s);
}

static bool
valid_request_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MAX_REQUEST_ID) {
		return false;
	}
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789._:-") == n;
}

/* Checks one metadata entry (where[i] names it in violations). Returns
 * HUES_OK or INVALID_ARGUMENT with a violation added to call. */
static int
check_entry(svc_call *call, const char *where, size_t i, const char *k,
    const char *v)
{
	size_t kl = strlen(k);
	if (kl == 0 ||
	    strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789._-") != kl) {
		call_violation(call, call_printf(call, "%s[%zu].key", where, i),
		    "keys are lowercase ASCII letters, digits, '.', '_' or '-'");
		return call_invalid(call);
	}
	for (const unsigned char *p = (const unsigned char *) v; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			call_violation(call,
			    call_printf(call, "%s[%zu].value", where, i),
			    "control characters are not allowed");
			return call_invalid(call);
		}
	}
	return HUES_OK;
}

static bool
has_key(const svc_metadata *md, size_t from, size_t to, const char *k)
{
	for (size_t j = from; j < to; j++) {
		if (strcmp(md[j].key, k) == 0) {
			return true;
		}
	}
	return false;
}

/* Checks the metadata of a call, its own entries and then those its batch
 * shares (an own entry of the same key wins), and turns them into
 * svc_metadata. Returns HUES_OK or INVALID_ARGUMENT with a violation added
 * to call. The limits apply to what the call ends up with. */
static int
check_metadata(svc_call *call, const rpc_call_in *in)
{
	size_t total = 0, n = 0;

	if (in->nmetadata > RPC_MAX_METADATA_ENTRIES ||
	    in->nshared > RPC_MAX_METADATA_ENTRIES) {
		return call_fail(call, HUES_INVALID_ARGUMENT,
		    "%zu metadata entries; at most %d are allowed",
		    in->nmetadata > in->nshared ? in->nmetadata : in->nshared,
		    RPC_MAX_METADATA_ENTRIES);
	}
	svc_metadata *md = call_alloc(
	    call, (in->nmetadata + in->nshared + 1) * sizeof(*md));
	for (size_t i = 0; i < in->nmetadata; i++) {
		const char *k = in->metadata[i]->key, *v = in->metadata[i]->value;
		if (check_entry(call, "metadata", i, k, v) != HUES_OK) {
			return HUES_INVALID_ARGUMENT;
		}
		if (has_key(md, 0, n, k)) {
			call_violation(call,
			    call_printf(call, "metadata[%zu].key", i),
			    "key '%s' appears more than once", k);
			return call_invalid(call);
		}
		md[n++] = (svc_metadata) {k, v};
		total += strlen(k) + strlen(v);
	}
	size_t own = n;
	for (size_t i = 0; i < in->nshared; i++) {
		const char *k = in->shared[i]->key, *v = in->shared[i]->value;
		if (check_entry(call, "batch_metadata", i, k, v) != HUES_OK) {
			return HUES_INVALID_ARGUMENT;
		}
		if (has_key(md, own, n, k)) {
			call_violation(call,
			    call_printf(call, "batch_metadata[%zu].key", i),
			    "key '%s' appears more than once", k);
			return call_invalid(call);
		}
		if (!has_key(md, 0, own, k)) {
			md[n++] = (svc_metadata) {k, v};
			total += strlen(k) + strlen(v);
		}
	}
	if (n > RPC_MAX_METADATA_ENTRIES) {
		return call_fail(call, HUES_INVALID_ARGUMENT,
		    "%zu metadata entries; at most %d are allowed", n,
		    RPC_MAX_METADATA_ENTRIES);
	}
	if (total > RPC_MAX_METADATA_BYTES) {
		return call_fail(call, HUES_INVALID_ARGUMENT,
		    "metadata is %zu bytes; at most %d are allowed", total,
		    RPC_MAX_METADATA_BYTES);
	}
	call->metadata  = md;
	call->nmetadata = n;
	return HUES_OK;
}

/* Verifies the bearer token, if any, and applies the method's policy. */
static int
authorize(const rpc_dispatcher *d, rpc_worker *w, svc_call *call)
{
	const svc_method *m     = call->method;
	const char       *authz = call_metadata(call, "authorization");

	if (authz != NULL) {
		if (strncasecmp(authz, "Bearer ", 7) != 0 || authz[7] == '\0') {
			call_set_reason(call, "BAD_AUTHORIZATION");
			return call_fail(call, HUES_UNAUTHENTICATED,
			    "authorization must be 'Bearer <token>'");
		}
		if (d->auth == NULL) {
			call_set_reason(call, "AUTH_NOT_CONFIGURED");
			return call_fail(call, HUES_UNAUTHENTICATED,
			    "this server verifies no tokens");
		}
		const char *token = authz + 7;
		if (w->memo_token != NULL && strcmp(w->memo_token, token) == 0) {
			/* Verified for an earlier call of this message. */
			call->principal = w->memo_principal;
		} else {
			const char *why = NULL, *reason = NULL;
			int rv = d->auth(d->auth_arg, token, call->arena,
			    &call->principal, &why, &reason);
			if (rv != HUES_OK) {
				call_set_reason(call, reason);
				return call_fail(call, HUES_UNAUTHENTICATED, "%s",
				    why != NULL ? why : "invalid token");
			}
			/* The token lives in the message, the principal in the
			 * arena: both outlast every call of this message. */
			w->memo_token     = token;
			w->memo_principal = call->principal;
		}
	}
	if (m->auth == SVC_AUTH_PUBLIC) {
		return HUES_OK;
	}
	if (call->principal.subject == NULL) {
		call_set_reason(call, "TOKEN_MISSING");
		return call_fail(call, HUES_UNAUTHENTICATED,
		    "%s needs a bearer token in the authorization metadata",
		    m->name);
	}
	if (m->auth == SVC_AUTH_ROLES && (m->roles & call->principal.role) == 0) {
		call_set_reason(call, "ROLE_NOT_ALLOWED");
		return call_fail(call, HUES_PERMISSION_DENIED,
		    "your role may not call %s", m->name);
	}
	return HUES_OK;
}

/* Decodes the payload into a message of the method's request type. */
static int
decode_payload(svc_call *call, const rpc_call_in *in, void **req)
{
	const ProtobufCMessageDescriptor *desc = call->method->request;
	pbcheck_error                     perr;
	ProtobufCAllocator                alloc;

	if (pbcheck_message(desc, in->payload.data, in->payload.len, &perr) != 0) {
		call_set_reason(call, "MALFORMED_PAYLOAD");
		if (perr.path[0] != '\0') {
			call_violation(call, perr.path, "%s", perr.what);
		}
		return call_fail(call, HUES_INVALID_ARGUMENT,
		    "payload is not a valid %s: %s%s%s (byte %zu)", desc->name,
		    perr.path, perr.path[0] ? ": " : "", perr.what, perr.offset);
	}
	arena_set_cap(call->arena,
	    PAYLOAD_DECODE_FACTOR * in->payload.len + PAYLOAD_DECODE_SLACK);
	arena_protobuf_allocator(call->arena, &alloc);
	*req = protobuf_c_message_unpack(
	    desc, &alloc, in->payload.len, in->payload.data);
	bool capped = call->arena->capped;
	arena_set_cap(call->arena, 0);
	call->arena->capped = false;
	if (*req == NULL) {
		if (capped) {
			call_set_reason(call, "DECODE_LIMIT");
			return call_fail(call, HUES_RESOURCE_EXHAUSTED,
			    "%s needs too much memory to decode", desc->name);
		}
		call_set_reason(call, "MALFORMED_PAYLOAD");
		return call_fail(call, HUES_INVALID_ARGUMENT,
		    "payload is not a valid %s", desc->name);
	}
	return HUES_OK;
}

/* Runs the handler; its response is packed when the call finishes (after
 * its deferred write, if it made one). */
static int
invoke(svc_call *call, void *req, void **resp)
{
	const svc_method *m    = call->method;
	int               code;

	*resp = call_new_message(call, m->response);
	code  = m->handler(call, req, *resp);
	if (!status_valid(code)) {
		LOG_ERROR(call->request_id, "%s returned invalid status %d",
		    m->name, code);
		code = call_fail(call, HUES_INTERNAL, "invalid status %d", code);
	}
	return code;
}

/* Copies the call's outcome fields into out. */
static void
take_outcome(const svc_call *call, int code, rpc_outcome *out)
{
	out->code           = code;
	out->message        = call->message;
	out->violations     = call->violations;
	out->nviolations    = call->nviolations;
	out->reason         = call->reason;
	out->retry_after_ms = call->retry_after_ms;
	if (code != HUES_OK) {
		out->payload.len  = 0;
		out->payload.data = NULL;
	}
}

/* Outcomes worth replaying to a retry: everything but transient errors. */
static bool
remember(int code)
{
	switch (code) {
	case HUES_CANCELLED:
	case HUES_DEADLINE_EXCEEDED:
	case HUES_RESOURCE_EXHAUSTED:
	case HUES_ABORTED:
	case HUES_INTERNAL:
	case HUES_UNAVAILABLE:
	case HUES_UNKNOWN: return false;
	default: return true;
	}
}

/* Applies the abuse limit of write methods and costly reads (SVC_COSTLY):
 * a token bucket per caller, and one that every anonymous caller shares
 * (see below). */
static int
check_rate(const rpc_dispatcher *d, svc_call *call, const svc_method *m)
{
	const svc_principal *p = &call->principal;

	if (d->ratelimit == NULL || (m->flags & SVC_NO_RATE_LIMIT) ||
	    (m->flags & (SVC_READ_ONLY | SVC_COSTLY)) == SVC_READ_ONLY) {
		return HUES_OK; /* reads are free, but costly ones */
	}
	/* One bucket per resident, whether she calls with her own token or a
	 * gateway calls on her behalf ("obo"); staff and gateways acting as
	 * themselves by role and subject (a gateway's "sub" is no citizen's);
	 * and one for every anonymous caller together (anonymous reports),
	 * since nothing tells two of them apart. */
	const char *key;
	if (p->subject == NULL) {
		key = "anonymous";
	} else if (p->role == SVC_ROLE_CITIZEN ||
	    (p->role == SVC_ROLE_SERVICE && p->on_behalf_of != NULL)) {
		const char *parts[] = { "user",
			p->role == SVC_ROLE_CITIZEN ? p->subject : p->on_behalf_of };
		key = call_join(call, '\n', parts, 2);
	} else {
		key = call_printf(call, "%u\n%s", p->role, p->subject);
	}
	uint32_t    wait = rpc_ratelimit_take(d->ratelimit, key, clock_now_ns());
	if (wait == 0) {
		return HUES_OK;
	}
	call_set_reason(call, "RATE_LIMITED");
	call_set_retry_after(call, wait);
	return call_fail(call, HUES_RESOURCE_EXHAUSTED,
	    "too many write or costly calls from this caller; retry in %u s",
	    (wait + 999) / 1000);
}

/* The idempotency key, if the call has one and the method needs it. With
 * a key, *idem_key is set (IDEM_NEW) or *replayed is (the remembered
 * outcome is in *out). */
static int
check_idempotency(const rpc_dispatcher *d, svc_call *call,
    const rpc_call_in *in, const svc_method *m, rpc_outcome *out,
    const char **idem_key, bool *replayed)
{
	const char *key = call_metadata(call, "idempotency-key");
	if (key == NULL || d->idem == NULL || (m->flags & SVC_IDEMPOTENT)) {
		return HUES_OK;
	}
	if (strlen(key) > MAX_IDEMPOTENCY_KEY) {
		call_violation(call, "metadata.idempotency-key",
		    "at most %d characters", MAX_IDEMPOTENCY_KEY);
		return call_invalid(call);
	}
	const svc_principal *p = &call->principal;
	const char *parts[] = { p->subject != NULL ? p->subject : "", m->name,
		key };
	char *full = call_join(call, '\n', parts, 3);
	uint64_t h = rpc_idem_hash(in->payload.data, in->payload.len);
	switch (rpc_idem_begin(d->idem, full, h, call->arena, out)) {
	case IDEM_NEW: *idem_key = full; return HUES_OK;
	case IDEM_DONE: *replayed = true; return out->code;
	case IDEM_IN_PROGRESS:
		call_set_reason(call, "IDEMPOTENCY_KEY_IN_USE");
		call_set_retry_after(call, 100);
		return call_fail(call, HUES_ABORTED,
		    "a call with this idempotency key is still running");
	case IDEM_MISMATCH:
		call_set_reason(call, "IDEMPOTENCY_KEY_REUSED");
		return call_fail(call, HUES_INVALID_ARGUMENT,
		    "this idempotency key was used with a different request");
	}
	return HUES_OK;
}

/* Runs the checks up to the handler; HUES_OK and !*replayed means run it.
 * A replay is not charged to the rate limit: it runs nothing. */
static int
prepare(const rpc_dispatcher *d, rpc_worker *w, svc_call *call,
    const rpc_call_in *in,
    const svc_method *m, rpc_outcome *out, const char **idem_key,
    bool *replayed)
{
	int rv;

	if ((rv = check_metadata(call, in)) != HUES_OK ||
	    (rv = authorize(d, w, call)) != HUES_OK ||
	    (rv = check_idempotency(d, call, in, m, out, idem_key, replayed)) !=
	        HUES_OK ||
	    *replayed) {
		return rv;
	}
	return check_rate(d, call, m);
}


/* Runs a call up to and including its handler. */
void
call_start(const rpc_dispatcher *d, rpc_worker *w, const rpc_call_in *in,
    uint64_t received_ns, rpc_outcome *out, call_run *r,
    void (*write_done)(void *arg), void *write_done_arg)
{
	const svc_service *svc = NULL;
	svc_call          *call = &r->call;

	memset(r, 0, sizeof(*r));
	r->start = clock_now_ns();
	r->m = svc_registry_lookup(d->reg, in->method, strlen(in->method), &svc);
	call_init(call, &w->arena, r->m, svc != NULL ? svc->state : NULL,
	    d->stopping);
	call->write_done     = write_done;
	call->write_done_arg = write_done_arg;
	memset(out, 0, sizeof(*out));
	out->call_id      = in->call_id;
	call->deadline_ns = in->timeout_ms == 0
	    ? 0
	    : received_ns + (uint64_t) in->timeout_ms * 1000000u;

	/* The request id comes first: every log line of the call needs it. */
	for (size_t i = 0; i < in->nmetadata; i++) {
		if (strcmp(in->metadata[i]->key, "x-request-id") == 0 &&
		    valid_request_id(in->metadata[i]->value)) {
			call->request_id = in->metadata[i]->value;
		}
	}
	if (call->request_id == NULL) {
		/* 16 hex digits, by hand: printf was a visible share of a
		 * small call's time. */
		static const char hex[] = "0123456789abcdef";
		uint64_t          rnd   = next_random(w);
		char             *id    = call_alloc(call, 17);
		for (int i = 15; i >= 0; i--, rnd >>= 4) {
			id[i] = hex[rnd & 15];
		}
		id[16]           = '\0';
		call->request_id = id;
	}
	out->request_id = call->request_id;

	if (call->deadline_ns != 0 && r->start >= call->deadline_ns) {
		r->code = call_fail(call, HUES_DEADLINE_EXCEEDED,
		    "deadline exceeded before the call started");
	} else if (r->m == NULL) {
		r->code = call_fail(call, HUES_UNIMPLEMENTED,
		    "unknown method '%s'", clip(call, in->method, 128));
	} else if ((r->code = prepare(d, w, call, in, r->m, out, &r->idem_key,
	                &r->replayed)) == HUES_OK &&
	    !r->replayed) {
		void *req = NULL;
		if ((r->code = decode_payload(call, in, &req)) == HUES_OK) {
			r->code = invoke(call, req, &r->resp);
		}
	}
	if (r->replayed) {
		LOG_DEBUG(call->request_id, "call %s id=%llu replayed code=%s",
		    r->m->name, (unsigned long long) in->call_id,
		    hues_status_name(out->code));
	}
}

/* Completes a started call once its deferred write, if any, is done:
 * packs the response and turns the call's state into its outcome. */
void
call_finish(const rpc_dispatcher *d, const rpc_call_in *in, rpc_outcome *out,
    call_run *r)
{
	svc_call *call      = &r->call;
	bool      committed = false;
	int       code      = r->code;

	if (r->replayed) {
		return;
	}
	if (call_pending_write(call) != NULL) {
		int wcode = call_finish_write(call, &committed);
		if (code == HUES_OK) {
			code = wcode;
		}
	}
	if (code == HUES_OK) {
		size_t   n   = protobuf_c_message_get_packed_size(r->resp);
		uint8_t *buf = call_alloc(call, n);
		out->payload.len  = protobuf_c_message_pack(r->resp, buf);
		out->payload.data = buf;
	}
	take_outcome(call, code, out);
	if (r->idem_key != NULL) {
		if (remember(code) || committed) {
			rpc_idem_finish(d->idem, r->idem_key, out);
		} else {
			rpc_idem_abandon(d->idem, r->idem_key);
		}
	}
	if (code == HUES_INTERNAL) {
		LOG_ERROR(call->request_id, "call %s failed: %s",
		    r->m != NULL ? r->m->name : "-",
		    call->message != NULL ? call->message : "(no message)");
		out->message = call_printf(call,
		    "internal error (request id %s)", call->request_id);
		out->violations     = NULL;
		out->nviolations    = 0;
		out->reason         = NULL;
		out->retry_after_ms = 0;
	}
	/* A late answer is DEADLINE_EXCEEDED, except for a write that is
	 * durable: its outcome is known, and telling the client it failed
	 * would make it write again. */
	if (code == HUES_OK && !committed && call->deadline_ns != 0 &&
	    clock_now_ns() >= call->deadline_ns) {
		take_outcome(call, HUES_DEADLINE_EXCEEDED, out);
		out->message = "deadline exceeded while the call ran";
		code         = HUES_DEADLINE_EXCEEDED;
	}
	LOG_DEBUG(call->request_id, "call %s id=%llu code=%s us=%llu",
	    clip(call, in->method, 128), (unsigned long long) in->call_id,
	    hues_status_name(code),
	    (unsigned long long) ((clock_now_ns() - r->start) / 1000u));
}
