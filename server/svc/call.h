/*
 * call.h - the context of one call, as a handler sees it.
 *
 * The dispatcher creates it for each call and owns it; handlers get a
 * pointer valid until they return. Everything allocated with call_alloc()
 * and friends lives in the call's arena and is released, all at once, after
 * the reply has been sent: handlers never free.
 */
#ifndef HUES_SVC_CALL_H
#define HUES_SVC_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "hues/status.h"

typedef struct svc_call svc_call;

/* Roles, as a bit set (a principal has exactly one; methods allow sets). */
enum {
	SVC_ROLE_CITIZEN     = 1u << 0,
	SVC_ROLE_OFFICER     = 1u << 1,
	SVC_ROLE_COORDINATOR = 1u << 2,
	SVC_ROLE_ADMIN       = 1u << 3,
	SVC_ROLE_SERVICE     = 1u << 4,
};

/* Who is calling, from a verified token. All strings live in the call's
 * arena; subject is NULL for an anonymous call. */
typedef struct svc_principal {
	const char *subject; /* "sub": the user id */
	unsigned    role;    /* one SVC_ROLE_* bit; 0 when anonymous */
	const char *agency;  /* officers: the agency they act for */
	const char *ward;    /* optional home ward */
	const char *name;    /* optional display name */
	/* Services (gateways) only: the user id the call is made for, from
	 * the token's "obo" claim; NULL when the service acts as itself. */
	const char *on_behalf_of;
} svc_principal;

/* Allocates n bytes in the call's arena. Never NULL: the server aborts when
 * memory is exhausted. */
void *call_alloc(svc_call *call, size_t n);

/* Allocates and initialises a message of type desc in the call's arena. */
void *call_new_message(svc_call *call, const ProtobufCMessageDescriptor *desc);

/* Copies s (or n bytes of p) into the call's arena; call_strndup copies
 * n bytes of p and ends them with a NUL. */
char *call_strdup(svc_call *call, const char *s);
char *call_strndup(svc_call *call, const char *p, size_t n);
void *call_memdup(svc_call *call, const void *p, size_t n);

/* The n strings of parts joined by sep, in the call's arena: a key built
 * on every call, without printf's cost. */
char *call_join(svc_call *call, char sep, const char *const *parts, size_t n);

/* printf into the call's arena. */
char *call_printf(svc_call *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Sets the reply's message and returns code, so a handler can write
 * `return call_fail(call, HUES_NOT_FOUND, "report %s not found", id);`.
 * For HUES_INTERNAL the message is logged with the request id and the
 * client gets a generic message instead: internals never leak.
 */
int call_fail(svc_call *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds a field violation (google.rpc.BadRequest style) to the reply. */
void call_violation(svc_call *call, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Number of violations added so far. */
size_t call_violation_count(const svc_call *call);

/*
 * Returns HUES_INVALID_ARGUMENT with a message naming the first violation
 * (and how many more there are); use after call_violation().
 */
int call_invalid(svc_call *call);

/* Sets the machine-readable reason (UPPER_SNAKE_CASE, static string). */
void call_set_reason(svc_call *call, const char *reason);

/* Sets the retry hint sent with the error. */
void call_set_retry_after(svc_call *call, uint32_t ms);

/* The value of metadata key (lowercase), or NULL. Valid during the call. */
const char *call_metadata(const svc_call *call, const char *key);

/* The request id for logs: the client's x-request-id or one the server
 * made up. Never NULL. */
const char *call_request_id(const svc_call *call);

/* The caller; never NULL (an anonymous principal has subject == NULL). */
const svc_principal *call_principal(const svc_call *call);

/* The state pointer of the service the method belongs to. */
void *call_state(const svc_call *call);

/* Milliseconds left until the deadline (0 once passed), or -1 if none. */
int64_t call_remaining_ms(const svc_call *call);

/* True once the call's deadline has passed. */
bool call_expired(const svc_call *call);

/* True once the server has begun to drain: long waits should end. */
bool call_stopping(const svc_call *call);

#endif /* HUES_SVC_CALL_H */
