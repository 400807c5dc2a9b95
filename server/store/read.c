/*
 * read.c - readers: one LMDB read transaction per reader, reset at the end
 * of each read and renewed at the next, so that a read costs no
 * allocation and no reader slot churn (MDB_NOTLS lets a worker's reader
 * move between threads).
 *
 * A read holds map_lock shared from begin to end; that is what lets the
 * writer grow the map with no transaction open (LMDB's rule for
 * mdb_env_set_mapsize). A reset transaction holds no snapshot and no
 * pointer into the map, so idle readers do not block a growth.
 */
#include <stdlib.h>

#include "hues/status.h"
#include "store/internal.h"

/* Reads open on this thread: a thread with one must not wait for the
 * writer, which may be waiting for map_lock, hence for this read. */
static _Thread_local unsigned reads_open;

unsigned
store__reads_open(void)
{
	return reads_open;
}

bool
store_reading(void)
{
	return reads_open > 0;
}

int
store_reader_create(store *st, store_reader **out)
{
	store_reader *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	r->st   = st;
	r->t.st = st;
	*out    = r;
	return HUES_OK;
}

void
store_reader_destroy(store_reader *r)
{
	if (r == NULL) {
		return;
	}
	store_read_end(r);
	if (r->t.txn != NULL) {
		mdb_txn_abort(r->t.txn);
	}
	free(r);
}

int
store_read_begin(store_reader *r, store_txn **out)
{
	int rc;

	if (r->active || reads_open > 0) {
		return HUES_FAILED_PRECONDITION;
	}
	pthread_rwlock_rdlock(&r->st->map_lock);
	if (r->t.txn == NULL) {
		rc = mdb_txn_begin(r->st->env, NULL, MDB_RDONLY, &r->t.txn);
	} else if ((rc = mdb_txn_renew(r->t.txn)) != 0) {
		mdb_txn_abort(r->t.txn);
		r->t.txn = NULL;
	}
	if (rc != 0) {
		pthread_rwlock_unlock(&r->st->map_lock);
		return store__error(rc, "read begin");
	}
	r->active = true;
	reads_open++;
	*out = &r->t;
	return HUES_OK;
}

void
store_read_end(store_reader *r)
{
	if (r == NULL || !r->active) {
		return;
	}
	store__cursors_close_all(&r->t);
	mdb_txn_reset(r->t.txn);
	pthread_rwlock_unlock(&r->st->map_lock);
	r->active = false;
	reads_open--;
}
