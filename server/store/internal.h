/*
 * internal.h - the structures shared by the store's files (store.c: the
 * environment and tables; txn.c: gets, puts and cursors; read.c: readers;
 * write.c: the writer thread). Nothing outside server/store includes it.
 */
#ifndef HUES_STORE_INTERNAL_H
#define HUES_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "store/store.h"

struct store_table {
	MDB_dbi dbi;
	char    name[STORE_TABLE_NAME_MAX + 1];
};

struct store_txn {
	MDB_txn *txn;
	store   *st;
	bool     write;
	/* The first LMDB error that left txn unusable (MDB_MAP_FULL ...):
	 * the writer then aborts the request whatever its fn returned. */
	int           poison;
	/* A put or delete succeeded: a failed request that wrote must be
	 * rolled back, which only a child txn can do (write.c). */
	bool          wrote;
	store_cursor *cursors; /* open cursors, closed with the txn */
	/* store_txn_on_commit(): moved to the request when its write
	 * succeeds. */
	store_commit_fn on_commit;
	void           *on_commit_arg;
};

struct store_reader {
	store    *st;
	store_txn t;
	bool      active;
};

enum { REQ_IDLE, REQ_QUEUED, REQ_DONE };

struct store_write_req {
	store_write_fn   fn;
	void            *arg;
	store_done_fn    done;
	void            *done_arg;
	/* Set by a successful run (store_txn_on_commit), called once its
	 * batch is durable; cleared when it runs again. */
	store_commit_fn  on_commit;
	void            *on_commit_arg;
	int              result;
	int              state; /* REQ_*; under mu once submitted */
	bool             solo;  /* runs in a top-level txn of its own */
	store           *st;    /* set by submit */
	store_write_req *next;  /* the writer's queue */
	pthread_mutex_t  mu;
	pthread_cond_t   cv;
};

struct store {
	MDB_env *env;
	MDB_dbi  meta;
	uint32_t schema;
	size_t   map_max;
	unsigned max_batch;
	unsigned reader_check_ms;

	/* Readers hold it shared for the life of a read txn; the writer takes
	 * it exclusively around mdb_env_set_mapsize, which LMDB allows only
	 * with no transaction open in the process. Writer-preferring, so that
	 * a stream of reads cannot starve a growth. */
	pthread_rwlock_t map_lock;

	/* tables[0..ntables) are published under tables_mu; a handle never
	 * moves or changes once published. */
	pthread_mutex_t tables_mu;
	store_table     tables[STORE_MAX_TABLES];
	unsigned        ntables;

	/* The writer's queue and state, under q_mu. */
	pthread_mutex_t  q_mu;
	pthread_cond_t   q_cv;
	store_write_req *q_head, *q_tail;
	bool             stopping, force, paused, joined;
	pthread_t        writer;
	bool             writer_running;

	/* Committed batches waiting for their hooks and completions, run by
	 * the completer thread in commit order (complete.c), under c_mu. */
	pthread_mutex_t          c_mu;
	pthread_cond_t           c_cv;
	struct store_done_batch *c_head, *c_tail;
	bool                     c_stopping;
	pthread_t                completer;
	bool                     completer_running;

	/* Filling the map's page tables after open (warm.c); huge once it
	 * chose huge pages for the map (re-advised after a growth). */
	pthread_t   warm;
	bool        warm_running;
	atomic_bool warm_stop;
	bool        no_huge_pages;
	atomic_bool huge, warm_done;
	_Atomic uint64_t n_huge; /* bytes in huge pages when warm ended */

	_Atomic uint64_t n_commits, n_committed, n_failed, n_largest;
	_Atomic uint64_t n_commit_errors, n_grows, n_map_size, n_stale;
	_Atomic uint64_t n_redone; /* batches redone with child txns */
	/* Where the writer's time goes, in ns (write.c: writer_main). */
	_Atomic uint64_t ns_idle, ns_run, ns_commit, ns_complete;
};

/*
 * Maps an LMDB (or errno) code to a hues code. Codes that are not an
 * expected outcome (not NOTFOUND, KEYEXIST, MAP_FULL ...) are logged with
 * LMDB's text and what was being done.
 */
int store__error(int rc, const char *what);

/* Closes the cursors still open in txn (its end is near). */
void store__cursors_close_all(store_txn *txn);

/* The number of reads open on the calling thread (read.c). */
unsigned store__reads_open(void);

/* HUES_OK when the calling thread may block waiting for a write: it is
 * not the writer and has no read open (see store_read_begin). */
int store__wait_allowed(const store *st);

/* Starts and stops the writer thread (write.c). */
int  store__writer_start(store *st);
void store__writer_stop(store *st, unsigned flags);

/* The completer thread (complete.c): started before the writer, stopped
 * after it, when it has completed every batch handed over; hand_over
 * gives it the settled b[0 .. n) of a committed batch (or, without the
 * memory to queue them, completes them on the caller's thread after the
 * batches before). */
int  store__completer_start(store *st);
void store__completer_stop(store *st);
void store__hand_over(store *st, store_write_req *const *b, size_t n);

/* Clears stale reader slots and counts them; logs when any were found. */
void store__reader_check(store *st);
void store__warm_start(store *st);
void store__warm_stop(store *st);

/* After the map moved (a growth), under map_lock: marks it for huge pages
 * again if warm chose them. */
void store__map_advise(store *st);

#endif /* HUES_STORE_INTERNAL_H */
