/*
 * call.c - the handler-side helpers of a call: arena allocation, status
 * messages and field violations, metadata and deadline queries.
 */
#include "svc/call_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/status.h"

/* A hostile request could produce one violation per element; more than
 * this many tell the client nothing new. */
#define CALL_MAX_VIOLATIONS 64

void
call_init(svc_call *call, arena *a, const svc_method *m, void *state,
    const atomic_bool *stopping)
{
	memset(call, 0, sizeof(*call));
	call->arena    = a;
	call->method   = m;
	call->state    = state;
	call->stopping = stopping;
}

void *
call_alloc(svc_call *call, size_t n)
{
	void *p = arena_alloc(call->arena, n);
	if (p == NULL) {
		/* The decode cap is lifted before handlers run, so this is
		 * real memory exhaustion: the server may abort on it. */
		log_emit(LOG_ERROR, call->request_id,
		    "out of memory allocating %zu bytes", n);
		abort();
	}
	return p;
}

void *
call_new_message(svc_call *call, const ProtobufCMessageDescriptor *desc)
{
	ProtobufCMessage *m = call_alloc(call, desc->sizeof_message);
	desc->message_init(m);
	return m;
}

char *
call_strdup(svc_call *call, const char *s)
{
	return call_memdup(call, s, strlen(s) + 1);
}

char *
call_strndup(svc_call *call, const char *p, size_t n)
{
	char *q = call_alloc(call, n + 1);
	if (n > 0) {
		memcpy(q, p, n);
	}
	q[n] = '\0';
	return q;
}

char *
call_join(svc_call *call, char sep, const char *const *parts, size_t n)
{
	size_t len[8], total = n;
	if (n > 8) {
		abort(); /* a programmer error: keys have a few parts */
	}
	for (size_t i = 0; i < n; i++) {
		len[i] = strlen(parts[i]);
		total += len[i];
	}
	char *out = call_alloc(call, total > 0 ? total : 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			*o++ = sep;
		}
		memcpy(o, parts[i], len[i]);
		o += len[i];
	}
	*o = '\0';
	return out;
}

void *
call_memdup(svc_call *call, const void *p, size_t n)
{
	void *q = call_alloc(call, n);
	if (n > 0) {
		memcpy(q, p, n);
	}
	return q;
}

static char *
call_vprintf(svc_call *call, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		return call_strdup(call, "");
	}
	char *s = call_alloc(call, (size_t) n + 1);
	vsnprintf(s, (size_t) n + 1, fmt, ap);
	return s;
}

char *
call_printf(svc_call *call, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = call_vprintf(call, fmt, ap);
	va_end(ap);
	return s;
}

int
call_fail(svc_call *call, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	call->message = call_vprintf(call, fmt, ap);
	va_end(ap);
	return code;
}

void
call_violation(svc_call *call, const char *field, const char *fmt, ...)
{
	if (call->nviolations == CALL_MAX_VIOLATIONS) {
		return;
	}
	if (call->nviolations == call->cap_violations) {
		size_t         cap = call->cap_violations ? call->cap_violations * 2 : 4;
		svc_violation *v   = call_alloc(call, cap * sizeof(*v));
		if (call->nviolations > 0) {
			memcpy(v, call->violations,
			    call->nviolations * sizeof(*v));
		}
		call->violations     = v;
		call->cap_violations = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	svc_violation *v = &call->violations[call->nviolations++];
	v->field         = call_strdup(call, field);
	v->description   = call_vprintf(call, fmt, ap);
	va_end(ap);
}

size_t
call_violation_count(const svc_call *call)
{
	return call->nviolations;
}

int
call_invalid(svc_call *call)
{
	if (call->nviolations == 0) {
		return call_fail(call, HUES_INVALID_ARGUMENT, "invalid request");
	}
	const svc_violation *v = &call->violations[0];
	if (call->nviolations == 1) {
		return call_fail(call, HUES_INVALID_ARGUMENT, "%s: %s", v->field,
		    v->description);
	}
	return call_fail(call, HUES_INVALID_ARGUMENT,
	    "%s: %s (and %zu more field violations)", v->field, v->description,
	    call->nviolations - 1);
}

void
call_set_reason(svc_call *call, const char *reason)
{
	call->reason = reason;
}

void
call_set_retry_after(svc_call *call, uint32_t ms)
{
	call->retry_after_ms = ms;
}

const char *
call_metadata(const svc_call *call, const char *key)
{
	for (size_t i = 0; i < call->nmetadata; i++) {
		if (strcmp(call->metadata[i].key, key) == 0) {
			return call->metadata[i].value;
		}
	}
	return NULL;
}

const char *
call_request_id(const svc_call *call)
{
	return call->request_id != NULL ? call->request_id : "-";
}

const svc_principal *
call_principal(const svc_call *call)
{
	return &call->principal;
}

void *
call_state(const svc_call *call)
{
	return call->state;
}

int64_t
call_remaining_ms(const svc_call *call)
{
	if (call->deadline_ns == 0) {
		return -1;
	}
	uint64_t now = clock_now_ns();
	if (now >= call->deadline_ns) {
		return 0;
	}
	return (int64_t) ((call->deadline_ns - now) / 1000000u);
}

bool
call_expired(const svc_call *call)
{
	return call->deadline_ns != 0 && clock_now_ns() >= call->deadline_ns;
}

bool
call_stopping(const svc_call *call)
{
	return call->stopping != NULL && atomic_load(call->stopping);
}
