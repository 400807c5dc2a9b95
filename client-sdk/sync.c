/*
 * sync.c - synchronous calls, built on the asynchronous path (one code
 * path for both, like hiredis and nng_aio_wait).
 */
#include <stdlib.h>
#include <string.h>

#include "hues/api.h"
#include "internal.h"

typedef struct waiter {
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	bool            done;
	hues_result    *res;
} waiter;

static void
wake(hues_result *res, void *arg)
{
	waiter *w = arg;
	pthread_mutex_lock(&w->mtx);
	w->res  = res;
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mtx);
}

/* Runs a call and waits for it; see hues_call(). */
static int
call_sync(hues_client *c, const char *method, const void *req, size_t len,
    const hues_call_opts *opts, const ProtobufCMessageDescriptor *resp_desc,
    hues_result **out)
{
	waiter w = {.done = false, .res = NULL};
	char   why[256];
	int    rv;

	if (out == NULL) {
		return HUES_INVALID_ARGUMENT;
	}
	*out = NULL;
	if (hues__in_callback) {
		*out = hues__result_local(0, HUES_FAILED_PRECONDITION,
		    "hues_call() may not be used in a hues callback (it would "
		    "wait for its own thread); use hues_call_async()");
		return *out != NULL ? HUES_FAILED_PRECONDITION
		                    : HUES_RESOURCE_EXHAUSTED;
	}
	pthread_mutex_init(&w.mtx, NULL);
	pthread_cond_init(&w.cv, NULL);
	rv = hues__start(c, method, req, len, opts, resp_desc, wake, &w, why,
	    sizeof(why));
	if (rv == HUES_OK) {
		pthread_mutex_lock(&w.mtx);
		while (!w.done) {
			pthread_cond_wait(&w.cv, &w.mtx);
		}
		pthread_mutex_unlock(&w.mtx);
		*out = w.res;
		rv   = hues_result_code(w.res);
	} else {
		*out = hues__result_local(0, rv, "%s", why);
		if (*out == NULL) {
			rv = HUES_RESOURCE_EXHAUSTED;
		}
	}
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mtx);
	return rv;
}

int
hues_call(hues_client *c, const char *method, const void *req, size_t len,
    const hues_call_opts *opts, hues_result **out)
{
	return call_sync(c, method, req, len, opts, NULL, out);
}

/* ----- typed calls ------------------------------------------------------ */

/* Serializes msg into buf (cap bytes) or a malloc'd block (*heap). */
static const uint8_t *
serialize(const ProtobufCMessage *msg, uint8_t *buf, size_t cap, size_t *len,
    uint8_t **heap)
{
	*len  = protobuf_c_message_get_packed_size(msg);
	*heap = NULL;
	if (*len > cap) {
		if ((*heap = malloc(*len)) == NULL) {
			return NULL;
		}
		buf = *heap;
	}
	protobuf_c_message_pack(msg, buf);
	return buf;
}

static int
typed_sync(hues_client *c, const char *method, const ProtobufCMessage *req,
    const hues_call_opts *opts, const ProtobufCMessageDescriptor *resp_desc,
    hues_result **out)
{
	uint8_t        stack[1024], *heap;
	size_t         len;
	const uint8_t *buf =
	    req != NULL ? serialize(req, stack, sizeof(stack), &len, &heap) : NULL;
	if (req != NULL && buf == NULL) {
		if (out != NULL) {
			*out = NULL;
		}
		return HUES_RESOURCE_EXHAUSTED;
	}
	int rv = call_sync(c, method, buf, req != NULL ? len : 0, opts,
	    resp_desc, out);
	free(req != NULL ? heap : NULL);
	return rv;
}

static int
typed_async(hues_client *c, const char *method, const ProtobufCMessage *req,
    const hues_call_opts *opts, const ProtobufCMessageDescriptor *resp_desc,
    hues_callback cb, void *arg)
{
	uint8_t        stack[1024], *heap;
	size_t         len;
	char           why[256];
	const uint8_t *buf =
	    req != NULL ? serialize(req, stack, sizeof(stack), &len, &heap) : NULL;
	if (req != NULL && buf == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	int rv = hues__start(c, method, buf, req != NULL ? len : 0, opts,
	    resp_desc, cb, arg, why, sizeof(why));
	free(req != NULL ? heap : NULL);
	return rv;
}

#define HUES_DEFINE_METHOD(name, path, Req, Resp, rdesc, sdesc, flags)        \
	int hues_##name(hues_client *c, const Req *req,                       \
	    const hues_call_opts *opts, hues_result **out)                    \
	{                                                                     \
		return typed_sync(c, path, (const ProtobufCMessage *) req,    \
		    opts, &sdesc, out);                                       \
	}                                                                     \
	int hues_##name##_async(hues_client *c, const Req *req,               \
	    const hues_call_opts *opts, hues_callback cb, void *arg)          \
	{                                                                     \
		return typed_async(c, path, (const ProtobufCMessage *) req,   \
		    opts, &sdesc, cb, arg);                                   \
	}
HUES_METHODS(HUES_DEFINE_METHOD)
#undef HUES_DEFINE_METHOD

int
hues_method_flags(const char *method, uint32_t *flags)
{
	static const struct {
		const char *name;
		uint32_t    flags;
	} table[] = {
#define HUES_METHOD_ROW(name, path, Req, Resp, rdesc, sdesc, fl) {path, fl},
	    HUES_METHODS(HUES_METHOD_ROW)
#undef HUES_METHOD_ROW
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(table[i].name, method) == 0) {
			*flags = table[i].flags;
			return HUES_OK;
		}
	}
	return HUES_NOT_FOUND;
}
