/*
 * store.c - Debug/Put defers its put to the group commit; Debug/Get reads
 * with a reader of its own (a debug method: no reader cache).
 */
#include "svc/debug/store.h"

#include <string.h>

#include "hues/v1/debug.pb-c.h"
#include "svc/write.h"

#define MAX_KEY 256

typedef struct put_job {
	const store_table *table;
	const char        *key;
	size_t             klen;
	const uint8_t     *value;
	size_t             vlen;
} put_job;

int
debug_store_open(store *st, store_table **out)
{
	return store_table_open(st, "debug", STORE_TABLE_CREATE, out);
}

static int
check_key(svc_call *call, const debug_store_ctx *ctx, const char *key)
{
	if (ctx->st == NULL) {
		return call_fail(call, HUES_UNAVAILABLE, "this server has no store");
	}
	size_t n = strlen(key);
	if (n == 0 || n > MAX_KEY) {
		call_violation(call, "key", "1 to %d bytes", MAX_KEY);
		return call_invalid(call);
	}
	return HUES_OK;
}

/* On the writer thread: only the job, which the handler filled. */
static int
put_fn(store_txn *txn, void *arg)
{
	const put_job *j = arg;
	return store_put(txn, j->table, j->key, j->klen, j->value, j->vlen, 0);
}

int
debug_put(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__PutRequest *req = reqp;
	const debug_store_ctx      *ctx = call_state(call);
	(void) respp;

	int rv = check_key(call, ctx, req->key);
	if (rv != HUES_OK) {
		return rv;
	}
	/* The request stays in the call's memory until the reply is sent, so
	 * the job may point into it. */
	put_job *j = call_alloc(call, sizeof(*j));
	*j = (put_job) {ctx->table, req->key, strlen(req->key),
	    req->value.data, req->value.len};
	return call_defer_write(call, ctx->st, put_fn, j, NULL);
}

/* Copies a value out of the read transaction into the call's memory. */
static void *
alloc_in_call(void *callp, size_t n)
{
	return call_alloc(callp, n > 0 ? n : 1);
}

int
debug_get(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__GetRequest *req  = reqp;
	Hues__V1__GetResponse      *resp = respp;
	const debug_store_ctx      *ctx  = call_state(call);
	store_reader               *r;
	store_txn                  *txn;
	void                       *val;
	size_t                      len;
	int                         rv;

	if ((rv = check_key(call, ctx, req->key)) != HUES_OK) {
		return rv;
	}
	if ((rv = store_reader_create(ctx->st, &r)) != HUES_OK) {
		return call_fail(call, rv, "no store reader");
	}
	if ((rv = store_read_begin(r, &txn)) == HUES_OK) {
		rv = store_get_alloc(txn, ctx->table, req->key, strlen(req->key),
		    alloc_in_call, call, &val, &len);
		store_read_end(r);
	}
	store_reader_destroy(r);
	if (rv == HUES_NOT_FOUND) {
		return HUES_OK; /* found = false */
	}
	if (rv != HUES_OK) {
		return call_fail(call, rv, "reading the debug table failed");
	}
	resp->found = true;
	resp->value = (ProtobufCBinaryData) {len, val};
	return HUES_OK;
}
