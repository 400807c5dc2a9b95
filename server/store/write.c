/*
 * write.c - the writer thread and group commit. Every write request is
 * queued here; the writer takes all that are queued (up to max_batch),
 * runs them in one batch transaction, commits it once (one fsync), and
 * only then completes each request with its own code.
 *
 * A failed request must leave nothing behind while its neighbours stay.
 * Most fail before they write (a check, a conflict), so the writer runs
 * the batch straight in the batch txn first; when a request fails after
 * a put or delete, or LMDB refuses a write, it aborts the batch and
 * redoes it with each request in a child txn, where one can be rolled
 * back alone. Child txns cost: LMDB copies into the child every page the
 * batch already dirtied that the child writes to (a malloc and 4 KiB
 * each, several per request), all on the one thread every write waits
 * for.
 *
 * The writer is also the only thread that grows the map (with map_lock
 * held exclusively, so no read is open) and that clears stale readers.
 *
 * A committed batch's hooks and completions run on a second thread, the
 * completer (complete.c), in commit order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/status.h"
#include "store/internal.h"

/* A batch's fate, beyond each request's own code. */
enum { RUN_OK, RUN_MAP_FULL, RUN_SPLIT, RUN_FAILED };


int
store__wait_allowed(const store *st)
{
	pthread_t self = pthread_self();
	if (store__reads_open() > 0 ||
	    (st->writer_running && pthread_equal(self, st->writer)) ||
	    (st->completer_running && pthread_equal(self, st->completer))) {
		return HUES_FAILED_PRECONDITION;
	}
	return HUES_OK;
}

static uint64_t
now_ms(void)
{
	return clock_now_ns() / 1000000;
}

/* A top-level commit, its time counted apart from the writes before it:
 * the split tells an operator whether the disk (the syncs) or the work
 * of the writes bounds the write rate. */
static int
timed_commit(store *st, MDB_txn *txn)
{
	uint64_t t0 = clock_now_ns();
	int      rc = mdb_txn_commit(txn);
	atomic_fetch_add_explicit(
	    &st->ns_commit, clock_now_ns() - t0, memory_order_relaxed);
	return rc;
}


/*
 * Doubles the map, up to map_max. Readers are shut out for the duration
 * (map_lock), and the writer has no txn open, so LMDB's condition for
 * mdb_env_set_mapsize holds. Returns false at the maximum.
 */
static bool
grow_map(store *st)
{
	size_t      cur = (size_t) atomic_load(&st->n_map_size), next;
	MDB_envinfo info;
	int         rc;

	if (cur >= st->map_max) {
		return false;
	}
	next = cur > st->map_max / 2 ? st->map_max : cur * 2;
	pthread_rwlock_wrlock(&st->map_lock);
	rc = mdb_env_set_mapsize(st->env, next);
	mdb_env_info(st->env, &info);
	atomic_store(&st->n_map_size, (uint64_t) info.me_mapsize);
	store__map_advise(st); /* a new mapping */
	pthread_rwlock_unlock(&st->map_lock);
	if (rc != 0) {
		store__error(rc, "grow map");
		return false;
	}
	atomic_fetch_add(&st->n_grows, 1);
	LOG_INFO(NULL, "store: map grown to %zu MiB (max %zu MiB)",
	    (size_t) info.me_mapsize >> 20, st->map_max >> 20);
	return info.me_mapsize > cur;
}

/* r's fn in t, its cursors closed after; a code that is no status is
 * INTERNAL. */
static int
call_fn(store_write_req *r, store_txn *t)
{
	int res = r->fn(t, r->arg);
	store__cursors_close_all(t);
	if (!status_valid(res)) {
		LOG_ERROR(NULL, "store: a write fn returned %d", res);
		res = HUES_INTERNAL;
	}
	return res;
}

/*
 * Runs r in a child of top. Sets r->result to the request's own outcome
 * and returns RUN_OK, or returns RUN_MAP_FULL / RUN_SPLIT (map or
 * transaction full: the batch must be redone or cut) or RUN_FAILED
 * (top is unusable).
 */
static int
run_one(store *st, MDB_txn *top, store_write_req *r, bool at_max)
{
	store_txn t = { .st = st, .write = true };
	int       res, rc;

	r->on_commit = NULL;
	if ((rc = mdb_txn_begin(st->env, top, 0, &t.txn)) != 0) {
		r->result = store__error(rc, "nested txn");
		return RUN_FAILED;
	}
	res = call_fn(r, &t);
	if (t.poison != 0) {
		/* LMDB refuses a txn after such an error; committing it
		 * would poison top as well. */
		mdb_txn_abort(t.txn);
		if (t.poison == MDB_MAP_FULL && !at_max) {
			return RUN_MAP_FULL;
		}
		if (t.poison == MDB_TXN_FULL) {
			return RUN_SPLIT;
		}
		r->result = store__error(t.poison, "write");
		return RUN_OK;
	}
	if (res != HUES_OK) {
		mdb_txn_abort(t.txn);
		r->result = res;
		return RUN_OK;
	}
	/* A failed child commit may leave top marked as failed, so the
	 * batch cannot go on. */
	if ((rc = mdb_txn_commit(t.txn)) != 0) {
		r->result = store__error(rc, "nested commit");
		return rc == MDB_MAP_FULL && !at_max ? RUN_MAP_FULL
		                                     : RUN_FAILED;
	}
	r->result        = HUES_OK;
	r->on_commit     = t.on_commit;
	r->on_commit_arg = t.on_commit_arg;
	return RUN_OK;
}

/*
 * The fast path: b[0..n) straight in top. Returns false when a request
 * failed after it wrote, or LMDB refused a write (top is then unusable):
 * the caller aborts top and redoes the batch with child txns.
 */
static bool
run_flat(store *st, MDB_txn *top, store_write_req **b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		store_write_req *r   = b[i];
		store_txn        t   = { .st = st, .write = true, .txn = top };
		int              res;

		r->on_commit = NULL;
		res          = call_fn(r, &t);
		if (t.poison != 0 || (res != HUES_OK && t.wrote)) {
			return false;
		}
		r->result        = res;
		r->on_commit     = res == HUES_OK ? t.on_commit : NULL;
		r->on_commit_arg = t.on_commit_arg;
	}
	return true;
}

/* The code for requests whose batch commit failed. */
static int
commit_error(int rc)
{
	switch (rc) {
	case MDB_MAP_FULL:
	case ENOSPC: return HUES_RESOURCE_EXHAUSTED;
	case EIO: return HUES_UNAVAILABLE;
	default: return HUES_INTERNAL;
	}
}

/*
 * Runs and commits b[0..n); returns how many of them it settled (each
 * with r->result set): n, or fewer when the batch outgrew one txn and the
 * rest must go into the next one.
 */
static size_t
run_batch(store *st, store_write_req **b, size_t n)
{
	bool at_max = false, nested = false;

	for (;;) {
		MDB_txn *top;
		size_t   i, upto = n;
		int      rc, how = RUN_OK;

		if ((rc = mdb_txn_begin(st->env, NULL, 0, &top)) != 0) {
			rc = store__error(rc, "batch txn");
			for (i = 0; i < n; i++) {
				b[i]->result = rc;
			}
			return n;
		}
		if (!nested && !run_flat(st, top, b, n)) {
			mdb_txn_abort(top);
			nested = true;
			atomic_fetch_add(&st->n_redone, 1);
			continue;
		}
		for (i = 0; nested && i < n && how == RUN_OK; i++) {
			how = run_one(st, top, b[i], at_max);
		}
		if (how == RUN_SPLIT && i > 1) {
			upto = i - 1; /* commit the ones before */
		} else if (how == RUN_SPLIT) {
			b[0]->result = HUES_RESOURCE_EXHAUSTED;
			upto         = 1;
		}
		if (how == RUN_MAP_FULL) {
			mdb_txn_abort(top);
			at_max = !grow_map(st);
			continue;
		}
		if (how == RUN_FAILED) {
			mdb_txn_abort(top);
			rc = b[i - 1]->result;
			for (i = 0; i < n; i++) {
				b[i]->result = rc;
			}
			atomic_fetch_add(&st->n_commit_errors, 1);
			return n;
		}
		if ((rc = timed_commit(st, top)) == MDB_MAP_FULL && !at_max) {
			at_max = !grow_map(st);
			continue;
		}
		if (rc != 0) {
			/* Nothing of the batch is on disk: fail every request
			 * that succeeded, with the reason logged once. */
			int code = commit_error(rc);
			LOG_ERROR(NULL,
			    "store: commit of %zu writes failed: %s", upto,
			    mdb_strerror(rc));
			for (i = 0; i < upto; i++) {
				if (b[i]->result == HUES_OK) {
					b[i]->result = code;
				}
			}
			atomic_fetch_add(&st->n_commit_errors, 1);
			return upto;
		}
		atomic_fetch_add(&st->n_commits, 1);
		uint64_t big = atomic_load(&st->n_largest);
		while (upto > big && !atomic_compare_exchange_weak(
		                         &st->n_largest, &big, upto)) {
		}
		return upto;
	}
}

/* A table open: its own top-level txn (LMDB wants mdb_dbi_open in one
 * txn at a time, and an aborted child would not take the handle along). */
static void
run_solo(store *st, store_write_req *r)
{
	store_txn t = { .st = st, .write = true };
	int       rc;

	r->on_commit = NULL;
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &t.txn)) != 0) {
		r->result = store__error(rc, "txn");
		return;
	}
	if ((r->result = r->fn(&t, r->arg)) != HUES_OK) {
		mdb_txn_abort(t.txn);
		return;
	}
	if ((rc = timed_commit(st, t.txn)) == MDB_MAP_FULL && grow_map(st)) {
		run_solo(st, r);
		return;
	}
	if (rc != 0) {
		r->result = commit_error(rc);
		store__error(rc, "commit");
		return;
	}
	r->on_commit     = t.on_commit;
	r->on_commit_arg = t.on_commit_arg;
	atomic_fetch_add(&st->n_commits, 1);
}

/* Takes up to max_batch requests off the queue (a solo one alone).
 * Under q_mu. */
static size_t
take_batch(store *st, store_write_req **b)
{
	size_t n = 0;
	while (st->q_head != NULL && n < st->max_batch) {
		if (n > 0 && (b[0]->solo || st->q_head->solo)) {
			break;
		}
		b[n++]     = st->q_head;
		st->q_head = st->q_head->next;
	}
	if (st->q_head == NULL) {
		st->q_tail = NULL;
	}
	return n;
}

/* Waits for work, clearing stale readers every reader_check_ms. Under
 * q_mu; returns with it held. */
static void
wait_for_work(store *st, uint64_t *next_check)
{
	while (!st->stopping && (st->q_head == NULL || st->paused)) {
		uint64_t        now = now_ms();
		struct timespec ts;
		if (now >= *next_check) {
			pthread_mutex_unlock(&st->q_mu);
			store__reader_check(st);
			pthread_mutex_lock(&st->q_mu);
			*next_check = now_ms() + st->reader_check_ms;
			continue;
		}
		ts.tv_sec  = (time_t) (*next_check / 1000);
		ts.tv_nsec = (long) (*next_check % 1000) * 1000000;
		pthread_cond_timedwait(&st->q_cv, &st->q_mu, &ts);
	}
}




static void *
writer_main(void *arg)
{
	store            *st         = arg;
	store_write_req **b          = malloc(st->max_batch * sizeof(*b));
	uint64_t          next_check = now_ms() + st->reader_check_ms;

	if (b == NULL) {
		abort(); /* the server may abort on out-of-memory */
	}
	pthread_mutex_lock(&st->q_mu);
	for (;;) {
		uint64_t t0 = clock_now_ns();
		wait_for_work(st, &next_check);
		uint64_t t1 = clock_now_ns();
		size_t   n  = take_batch(st, b), done = 0;
		uint64_t c0 = atomic_load_explicit(&st->ns_commit,
		    memory_order_relaxed);
		if (n == 0) {
			break; /* stopping, and the queue is empty */
		}
		bool force = st->force;
		pthread_mutex_unlock(&st->q_mu);
		if (force) {
			for (size_t i = 0; i < n; i++) {
				b[i]->result = HUES_UNAVAILABLE; /* no hook */
			}
			done = n;
		} else if (b[0]->solo) {
			run_solo(st, b[0]);
			done = 1;
		} else {
			done = run_batch(st, b, n);
		}
		pthread_mutex_lock(&st->q_mu);
		/* Requests a split left over go back to the head, in order. */
		for (size_t i = n; i-- > done;) {
			b[i]->next = st->q_head;
			st->q_head = b[i];
			if (st->q_tail == NULL) {
				st->q_tail = b[i];
			}
		}
		pthread_mutex_unlock(&st->q_mu);
		uint64_t t2 = clock_now_ns();
		store__hand_over(st, b, done);
		uint64_t c = atomic_load_explicit(
		    &st->ns_commit, memory_order_relaxed) - c0;
		atomic_fetch_add_explicit(
		    &st->ns_idle, t1 - t0, memory_order_relaxed);
		atomic_fetch_add_explicit(
		    &st->ns_run, t2 - t1 - c, memory_order_relaxed);
		if (now_ms() >= next_check) {
			store__reader_check(st);
			next_check = now_ms() + st->reader_check_ms;
		}
		pthread_mutex_lock(&st->q_mu);
	}
	pthread_mutex_unlock(&st->q_mu);
	free(b);
	return NULL;
}


int
store__writer_start(store *st)
{
	if (store__completer_start(st) != HUES_OK) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	if (pthread_create(&st->writer, NULL, writer_main, st) != 0) {
		store__completer_stop(st);
		return HUES_RESOURCE_EXHAUSTED;
	}
	st->writer_running = true;
	st->joined         = false;
	return HUES_OK;
}

void
store__writer_stop(store *st, unsigned flags)
{
	pthread_mutex_lock(&st->q_mu);
	if (st->joined) {
		pthread_mutex_unlock(&st->q_mu);
		return;
	}
	st->stopping = true;
	if (flags & STORE_STOP_FORCE) {
		st->force = true;
	}
	pthread_cond_signal(&st->q_cv);
	pthread_mutex_unlock(&st->q_mu);
	pthread_join(st->writer, NULL);
	store__completer_stop(st);
	pthread_mutex_lock(&st->q_mu);
	st->joined = true;
	pthread_mutex_unlock(&st->q_mu);
}

int
store_write_req_create(store_write_req **out)
{
	store_write_req *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	*out = r;
	return HUES_OK;
}

void
store_write_req_destroy(store_write_req *r)
{
	if (r == NULL) {
		return;
	}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}

void
store_write_req_set(store_write_req *r, store_write_fn fn, void *arg,
    store_done_fn done, void *done_arg)
{
	r->fn       = fn;
	r->arg      = arg;
	r->done     = done;
	r->done_arg = done_arg;
}

int
store_write_submit(store *st, store_write_req *r)
{
	if (r->fn == NULL) {
		return HUES_FAILED_PRECONDITION;
	}
	pthread_mutex_lock(&st->q_mu);
	if (st->stopping) {
		pthread_mutex_unlock(&st->q_mu);
		return HUES_UNAVAILABLE;
	}
	/* state is REQ_QUEUED from here until the writer completes r; the
	 * owner only reads it after completion, through r->mu or its own
	 * callback, so a plain field is enough. */
	if (r->state == REQ_QUEUED) {
		pthread_mutex_unlock(&st->q_mu);
		return HUES_FAILED_PRECONDITION;
	}
	r->state  = REQ_QUEUED;
	r->result = HUES_UNKNOWN;
	r->st     = st;
	r->next   = NULL;
	if (st->q_tail != NULL) {
		st->q_tail->next = r;
	} else {
		st->q_head = r;
	}
	st->q_tail = r;
	pthread_cond_signal(&st->q_cv);
	pthread_mutex_unlock(&st->q_mu);
	return HUES_OK;
}

int
store_write_wait(store_write_req *r)
{
	int rc;

	if (r->st == NULL) {
		return HUES_FAILED_PRECONDITION; /* never submitted */
	}
	if ((rc = store__wait_allowed(r->st)) != HUES_OK) {
		return rc;
	}
	pthread_mutex_lock(&r->mu);
	while (r->state == REQ_QUEUED) {
		pthread_cond_wait(&r->cv, &r->mu);
	}
	rc = r->result;
	pthread_mutex_unlock(&r->mu);
	return rc;
}

int
store_write_wait_all(store_write_req *const *reqs, size_t n)
{
	int first = HUES_OK;
	for (size_t i = 0; i < n; i++) {
		int rc = store_write_wait(reqs[i]);
		if (rc != HUES_OK && first == HUES_OK) {
			first = rc;
		}
	}
	return first;
}

int
store_write_result(const store_write_req *r)
{
	return r->result;
}

int
store_write(store *st, store_write_fn fn, void *arg)
{
	store_write_req r = { .fn = fn, .arg = arg };
	int             rc;

	if ((rc = store__wait_allowed(st)) != HUES_OK) {
		return rc;
	}
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	if ((rc = store_write_submit(st, &r)) == HUES_OK) {
		rc = store_write_wait(&r);
	}
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.cv);
	return rc;
}
