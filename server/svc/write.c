/*
 * write.c - the deferred write of a call: one store request, submitted
 * when the handler defers, awaited by the dispatcher, freed on finish.
 */
#include "svc/write.h"

#include "hues/status.h"
#include "svc/call_impl.h"

/* On the writer thread: tell the dispatcher this call's write is done. */
static void
write_done(store_write_req *req, int result, void *arg)
{
	svc_call *call = arg;
	(void) req;
	(void) result; /* read back with store_write_result() at finish */
	call->write_done(call->write_done_arg);
}

int
call_defer_write(svc_call *call, store *st, svc_write_fn fn, void *arg,
    svc_after_fn after)
{
	store_write_req *req;
	int              rv;

	if (call->write != NULL) {
		return call_fail(call, HUES_INTERNAL,
		    "%s deferred a second write", call->method->name);
	}
	if (store_reading()) {
		/* The dispatcher could not wait for the write on this thread. */
		return call_fail(call, HUES_INTERNAL,
		    "%s deferred a write with a read still open",
		    call->method->name);
	}
	if ((rv = store_write_req_create(&req)) != HUES_OK) {
		return call_fail(call, HUES_RESOURCE_EXHAUSTED, "out of memory");
	}
	store_write_req_set(req, fn, arg,
	    call->write_done != NULL ? write_done : NULL, call);
	if ((rv = store_write_submit(st, req)) != HUES_OK) {
		store_write_req_destroy(req);
		return call_fail(call, rv == HUES_UNAVAILABLE ? HUES_UNAVAILABLE
		                                              : HUES_INTERNAL,
		    "the store takes no writes (%s)", hues_status_name(rv));
	}
	call->write     = req;
	call->after     = after;
	call->after_arg = arg;
	return HUES_OK;
}

void
call_meanwhile(svc_call *call, svc_meanwhile_fn fn, void *arg)
{
	call->meanwhile     = fn;
	call->meanwhile_arg = arg;
}

void
call_run_meanwhile(svc_call *call)
{
	if (call->meanwhile != NULL) {
		svc_meanwhile_fn fn = call->meanwhile;
		call->meanwhile     = NULL;
		fn(call, call->meanwhile_arg);
	}
}

store_write_req *
call_pending_write(const svc_call *call)
{
	return call->write;
}

int
call_finish_write(svc_call *call, bool *committed)
{
	int code = store_write_result(call->write);

	store_write_req_destroy(call->write);
	call->write = NULL;
	*committed  = code == HUES_OK;
	if (call->after != NULL) {
		return call->after(call, code, call->after_arg);
	}
	if (code != HUES_OK) {
		/* Store errors say what failed, not where: the dispatcher
		 * hides the message of an INTERNAL one. */
		return call_fail(call, code, "the write failed: %s",
		    hues_status_name(code));
	}
	return HUES_OK;
}
