/*
 * store.h - Debug/Put and Debug/Get: a key-value table in the store, so
 * that tests and benchmarks exercise the durable write path (deferred
 * writes, group commit) and reads without a domain service.
 */
#ifndef HUES_SVC_DEBUG_STORE_H
#define HUES_SVC_DEBUG_STORE_H

#include "store/store.h"
#include "svc/call.h"

/* The table the methods use; opens it. Returns HUES_OK or an error. */
int debug_store_open(store *st, store_table **out);

/* Handlers; call_state() must start with a debug_store_ctx. */
typedef struct debug_store_ctx {
	store       *st;
	store_table *table;
} debug_store_ctx;

int debug_put(svc_call *call, const void *reqp, void *respp);
int debug_get(svc_call *call, const void *reqp, void *respp);

#endif /* HUES_SVC_DEBUG_STORE_H */
