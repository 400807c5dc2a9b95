/*
 * write.h - durable writes from handlers, in the store's group commit.
 *
 * A handler validates its request and prepares everything it will write
 * (keys, encoded records) in the call's memory, then hands the store work
 * to call_defer_write() and returns HUES_OK. The dispatcher runs the
 * handlers of every call of a message first, then waits once for all their
 * writes, so the calls of a batch (and of messages other workers handle at
 * the same time) share one transaction and one fsync. The call's reply is
 * sent only after its write is committed.
 */
#ifndef HUES_SVC_WRITE_H
#define HUES_SVC_WRITE_H

#include "store/store.h"
#include "svc/call.h"

/*
 * The store work of a call: puts, gets and deletes in txn, a nested
 * transaction of its own (an error aborts this call's writes only).
 * Returns HUES_OK or an error code, which becomes the call's status. It
 * runs on the store's writer thread while the worker handles other calls,
 * so it must not touch the call (its memory, call_fail() ...): only arg
 * and memory the handler filled before it deferred. It may run more than
 * once (the store reruns a batch after growing its map).
 */
typedef int (*svc_write_fn)(store_txn *txn, void *arg);

/*
 * Runs once the write is durable (code HUES_OK) or failed, when the reply
 * is made: on the store's completer thread under the server, on the
 * worker under rpc_dispatch(). It may fill the response from what fn left
 * in arg, read the store, or record a failure with call_fail() and
 * friends; it must not wait for a write. Returns the call's status.
 */
typedef int (*svc_after_fn)(svc_call *call, int code, void *arg);

/*
 * Defers fn(txn, arg) to the next group commit of st, then after(call,
 * code, arg) if after is not NULL (without it, fn's code is the status,
 * with a generic message when it is an error). A call defers at most one
 * write, with its reads ended (store_read_end), and ends no read after:
 * the dispatcher waits for the write on the worker's thread. Returns HUES_OK, which the handler then returns; or an error code
 * recorded on the call (another write already deferred, no memory, the
 * store stopping), which the handler returns instead.
 */
int call_defer_write(svc_call *call, store *st, svc_write_fn fn, void *arg,
    svc_after_fn after);

/*
 * Work the reply needs but the write does not: fn(call, arg) runs on the
 * worker after every call of the message has deferred its write, while
 * the writes commit, instead of in the handler before them. The writes
 * of a batch then reach the writer together, and the work is hidden in
 * the commit's wait (SubmitReport's nearby suggestions). fn may read
 * the store, ending its reads before it returns, and fill the response;
 * it cannot fail the call, whose write is queued and will commit. Only
 * after call_defer_write() succeeded; at most one per call.
 */
typedef void (*svc_meanwhile_fn)(svc_call *call, void *arg);
void call_meanwhile(svc_call *call, svc_meanwhile_fn fn, void *arg);

/* ----- for the dispatcher (server/rpc) -------------------------------- */

/* Runs the call's meanwhile work, if it has some (after every handler of
 * the message returned, before the writes are waited for). */
void call_run_meanwhile(svc_call *call);

/* The call's deferred write, submitted to the store; NULL if none. */
store_write_req *call_pending_write(const svc_call *call);

/*
 * After the pending write has completed (store_write_wait_all()): runs
 * after and returns the call's status. Frees the write. Whether the write
 * committed is in *committed, so that the dispatcher never reports a
 * durable write as lost.
 */
int call_finish_write(svc_call *call, bool *committed);

#endif /* HUES_SVC_WRITE_H */
