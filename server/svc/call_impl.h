/*
 * call_impl.h - the layout of svc_call, for the dispatcher that fills it
 * (server/rpc) and for call.c. Services include only call.h.
 */
#ifndef HUES_SVC_CALL_IMPL_H
#define HUES_SVC_CALL_IMPL_H

#include <stdatomic.h>

#include "core/arena.h"
#include "svc/call.h"
#include "svc/service.h"

typedef struct svc_metadata {
	const char *key;
	const char *value;
} svc_metadata;

typedef struct svc_violation {
	const char *field;
	const char *description;
} svc_violation;

struct svc_call {
	arena               *arena;
	const svc_method    *method;
	void                *state;
	uint64_t             deadline_ns; /* clock_now_ns() scale; 0: none */
	const atomic_bool   *stopping;
	const svc_metadata  *metadata;
	size_t               nmetadata;
	const char          *request_id;
	svc_principal        principal;

	/* The outcome, read by the dispatcher after the handler returns. */
	const char    *message;
	svc_violation *violations;
	size_t         nviolations;
	size_t         cap_violations;
	const char    *reason;
	uint32_t       retry_after_ms;

	/* A write deferred to the store's group commit (svc/write.h). */
	struct store_write_req *write;
	/* Set by a dispatcher that does not wait for writes on its worker:
	 * called on the store's completer thread when the write completes
	 * (store_done_fn). NULL: the dispatcher waits (store_write_wait). */
	void (*write_done)(void *arg);
	void *write_done_arg;
	int (*after)(svc_call *call, int code, void *arg);
	void *after_arg;
	void (*meanwhile)(svc_call *call, void *arg);
	void *meanwhile_arg;
};

/* Resets the outcome part and sets the fixed part of a call. */
void call_init(svc_call *call, arena *a, const svc_method *m, void *state,
    const atomic_bool *stopping);

#endif /* HUES_SVC_CALL_IMPL_H */
