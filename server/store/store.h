/*
 * store.h - the LMDB environment in the data dir, as a small generic
 * layer: named tables of byte-string keys, short read transactions, and
 * writes that are closures run by one writer thread with group commit.
 *
 * This folder is the only place that includes <lmdb.h>; LMDB's errors
 * never leave it. Every function returns a hues status code
 * (hues/status.h): MDB_NOTFOUND becomes HUES_NOT_FOUND, MDB_KEYEXIST
 * HUES_ALREADY_EXISTS, MDB_MAP_FULL a grown map or, past the configured
 * maximum, HUES_RESOURCE_EXHAUSTED; anything unexpected becomes
 * HUES_INTERNAL and is logged with LMDB's own text.
 *
 * Durable: a write is acknowledged only after the commit that holds it
 * returned from its fsync (no MDB_NOSYNC, no MDB_NOMETASYNC).
 */
#ifndef HUES_STORE_STORE_H
#define HUES_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/key.h"

/* The layout version this build reads and writes. (The unit tests build
 * a copy of the store with another version, to meet a mismatch.)
 * 2: fb_time values carry the owner tail, and fb_user is gone. */
#ifndef STORE_SCHEMA_VERSION
#define STORE_SCHEMA_VERSION 2
#endif

/* The most tables one environment holds (the store's own "meta" aside). */
#define STORE_MAX_TABLES 126

/* The longest table name, in bytes. */
#define STORE_TABLE_NAME_MAX 63

typedef struct store           store;
typedef struct store_table     store_table;
typedef struct store_txn       store_txn;
typedef struct store_reader    store_reader;
typedef struct store_cursor    store_cursor;
typedef struct store_write_req store_write_req;
typedef void (*store_commit_fn)(void *arg);

/* ------------------------------------------------------------------ */
/* The environment                                                     */
/* ------------------------------------------------------------------ */

/* Zero-initialised means defaults; new fields only at the end. */
typedef struct store_opts {
	const char *dir;         /* created (mode 0700) if missing */
	size_t      map_size;    /* bytes reserved at start; 0 = 16 GiB */
	unsigned    max_readers; /* 0 = default (256) */
	/* The map grows (doubling) up to this many bytes when a write finds
	 * it full; 0 = 4 x map_size. A value below map_size means no
	 * growth. Past it, writes fail with HUES_RESOURCE_EXHAUSTED. */
	size_t map_max;
	/* Write requests per commit at most; 0 = 256. */
	unsigned max_batch;
	/* NULL, or a NULL-terminated list of tables created (if missing)
	 * and opened by store_open; find them with store_table_open. */
	const char *const *tables;
	/* How often the writer clears reader slots of dead processes;
	 * 0 = every 5000 ms. */
	unsigned reader_check_ms;
	/* Map a store of 32 MiB or more, that fits in half the memory, in
	 * 2 MiB pages where the kernel caches the file in large folios:
	 * reads get faster, random page writes slower (warm.c). true keeps
	 * 4 KiB pages. */
	bool no_huge_pages;
} store_opts;

/*
 * Opens (creating if needed) the environment, clears stale reader slots,
 * checks the schema version (writing it into a new environment), opens
 * opts->tables and starts the writer thread. On success writes *out; the
 * caller owns it and releases it with store_close. On failure returns an
 * error code, writes one line into err (errlen bytes, always
 * terminated) and leaves *out alone, e.g.
 *   "cannot open data dir /var/lib/hues: permission denied"
 *   "data dir /d has schema version 7; this hues reads version 1
 *    (migrate it or use another data dir)" (HUES_FAILED_PRECONDITION)
 * Other codes: HUES_INVALID_ARGUMENT (a bad table name),
 * HUES_PERMISSION_DENIED, HUES_DATA_LOSS (not an LMDB environment, or a
 * malformed schema record), HUES_RESOURCE_EXHAUSTED.
 */
int store_open(const store_opts *opts, store **out, char *err, size_t errlen);

/* The schema version found in the environment. Any thread. */
uint32_t store_schema_version(const store *st);

/* store_stop flags. */
#define STORE_STOP_FORCE 0x1u /* fail queued writes with UNAVAILABLE */

/*
 * Stops the writer thread. By default it first runs and commits every
 * write already queued; with STORE_STOP_FORCE it finishes only the batch
 * it is committing and completes every other queued write with
 * HUES_UNAVAILABLE. Returns when the writer has exited. After it, submits
 * fail with HUES_UNAVAILABLE; reads still work. Calling it again does
 * nothing. One thread at a time; never from a write fn or done callback.
 */
void store_stop(store *st, unsigned flags);

/*
 * store_stop(st, 0) if not stopped yet, then flushes and closes the
 * environment and frees st. Every reader must have been destroyed and
 * every write request completed. NULL accepted.
 */
void store_close(store *st);

/*
 * Holds the writer: after store_pause returns, it takes no new batch
 * (the one it may be committing finishes) until store_resume. Queued
 * requests wait; store_stop overrides a pause. For tests that need
 * requests to meet in one batch, and for maintenance. Any thread except
 * the writer's.
 */
void store_pause(store *st);
void store_resume(store *st);

/* Counters since store_open, for logs and benchmarks. */
typedef struct store_stats {
	uint64_t commits;            /* durable batch commits that returned */
	uint64_t requests_committed; /* write requests acknowledged OK */
	uint64_t requests_failed;    /* requests completed with an error */
	uint64_t largest_batch;      /* most requests in one commit */
	uint64_t commit_errors;      /* batch commits that failed */
	uint64_t batches_redone;     /* batches rerun with a child txn per
	                              * request, to roll one back (write.c) */
	uint64_t map_grows;          /* times the map was grown */
	uint64_t map_size;           /* the map's current size, bytes */
	uint64_t stale_readers;      /* dead readers' slots cleared */
	/* The warm pass at open (warm.c): done once it ended or gave up;
	 * then how much of the map it left in 2 MiB pages. */
	bool     warm_done;
	uint64_t huge_bytes;
	/* The writer thread's time, ns: waiting for requests, running
	 * their fns, in top-level commits (the writes and syncs of LMDB);
	 * and the completer thread's, completing them (on-commit hooks and
	 * done callbacks) while the writer goes on. */
	uint64_t writer_idle_ns;
	uint64_t writer_run_ns;
	uint64_t writer_commit_ns;
	uint64_t writer_complete_ns;
} store_stats;

/* Copies the counters into *out. Any thread; each counter is read
 * atomically, the set is not a snapshot. */
void store_stats_get(store *st, store_stats *out);

/* ------------------------------------------------------------------ */
/* Tables                                                              */
/* ------------------------------------------------------------------ */

/* store_table_open flags. */
#define STORE_TABLE_CREATE 0x1u /* create the table if it is missing */

/*
 * Finds the table called name (1..STORE_TABLE_NAME_MAX bytes, not
 * "meta"), opening it (and with STORE_TABLE_CREATE creating it, through
 * the writer, durably) if this store has not opened it yet, and writes
 * *out. The handle belongs to the store and is valid until store_close;
 * opening a name again gives the same handle. Errors: HUES_NOT_FOUND (no
 * such table and no STORE_TABLE_CREATE), HUES_INVALID_ARGUMENT (bad
 * name), HUES_RESOURCE_EXHAUSTED (STORE_MAX_TABLES open),
 * HUES_UNAVAILABLE (stopped), HUES_FAILED_PRECONDITION (called from the
 * writer thread or with a read open on this thread). Any thread.
 */
int store_table_open(
    store *st, const char *name, unsigned flags, store_table **out);

/* The table's name, valid until store_close. */
const char *store_table_name(const store_table *t);

/* ------------------------------------------------------------------ */
/* Transactions: reads (read and write txns), writes (write txns)      */
/* ------------------------------------------------------------------ */

/*
 * A store_txn is either a read transaction (from store_read_begin) or
 * the transaction of one write request (passed to its fn). It is used
 * only by the thread that has it and only until it ends: store_read_end,
 * or the return of the write fn. Keys are 1..STORE_KEY_MAX bytes; a key
 * outside that gives HUES_INVALID_ARGUMENT.
 */

/*
 * Copies the value stored under key into buf (cap bytes) and writes its
 * length to *len. Errors: HUES_NOT_FOUND; HUES_OUT_OF_RANGE when the
 * value is longer than cap (nothing written). The copy is the caller's
 * and outlives the transaction.
 */
int store_get(store_txn *txn, const store_table *t, const void *key,
    size_t klen, void *buf, size_t cap, size_t *len);

/* The number of keys in t, as txn sees it (LMDB keeps it: no scan). */
int store_count(store_txn *txn, const store_table *t, uint64_t *out);

/* Returns size bytes for a value, or NULL; e.g. an arena's allocator. */
typedef void *(*store_alloc_fn)(void *ctx, size_t size);

/*
 * Like store_get, but the copy goes into memory from alloc(ctx, len)
 * (malloc when alloc is NULL; then free it with free()), written to
 * *val, its length to *len. alloc is called at most once, and only when
 * the key exists (a zero-length value still gets a 1-byte block).
 * Errors: HUES_NOT_FOUND; HUES_RESOURCE_EXHAUSTED when alloc returns
 * NULL.
 */
int store_get_alloc(store_txn *txn, const store_table *t, const void *key,
    size_t klen, store_alloc_fn alloc, void *ctx, void **val, size_t *len);

/* HUES_OK when key exists in t, else HUES_NOT_FOUND. */
int store_has(
    store_txn *txn, const store_table *t, const void *key, size_t klen);

/* store_put flags. */
#define STORE_PUT_NOOVERWRITE 0x1u /* HUES_ALREADY_EXISTS if key exists */

/*
 * Stores value (vlen bytes, copied) under key in a write txn, replacing
 * what was there unless STORE_PUT_NOOVERWRITE. Later reads in the same
 * request see it. Errors: HUES_ALREADY_EXISTS, HUES_INVALID_ARGUMENT,
 * HUES_FAILED_PRECONDITION on a read txn, HUES_RESOURCE_EXHAUSTED when
 * the map is full (the request is then retried after growth, see
 * store_write_fn; a fn should just return the code). After an error other
 * than the first three the txn is unusable, and the request fails
 * whatever its fn returns.
 */
int store_put(store_txn *txn, const store_table *t, const void *key,
    size_t klen, const void *val, size_t vlen, unsigned flags);

/*
 * What a write learns when its data is on disk. fn(arg) runs on the
 * store's completer thread once the commit that holds this write
 * returned, before the request completes: the hooks of all writes run in
 * commit order, so memory kept beside the store (a cache, a set) follows
 * the committed data exactly. Later batches' fns may already be running
 * on the writer meanwhile, so a write fn must not count on the hooks of
 * writes before it. It must not block or touch the store. It never runs when
 * the write fails, when its batch fails to commit, or for a run of the write
 * that the store redoes (a redone run may set it again). One per write request:
 * a second call replaces the first. Write txns only (else
 * HUES_FAILED_PRECONDITION).
 */
int store_txn_on_commit(store_txn *txn, store_commit_fn fn, void *arg);

/* Deletes key in a write txn. Errors: HUES_NOT_FOUND, as store_put. */
int store_del(
    store_txn *txn, const store_table *t, const void *key, size_t klen);

/* store_range flags. */
#define STORE_RANGE_REVERSE 0x1u /* descending from the upper bound */
#define STORE_RANGE_LO_EXCL 0x2u /* lo itself is not in the range */
#define STORE_RANGE_HI_INCL 0x4u /* hi itself is in the range */

/*
 * The keys a cursor visits: lo <= key < hi (each bound optional: NULL
 * means none; the flags make lo exclusive or hi inclusive), and, if
 * prefix is not NULL, only keys that start with prefix. Ascending, or
 * descending with STORE_RANGE_REVERSE. At most limit keys (0 = no limit).
 * To page on, pass the last key seen as lo with STORE_RANGE_LO_EXCL
 * (ascending) or as hi (descending). The bounds are copied when the
 * cursor opens.
 */
typedef struct store_range {
	const void *lo;
	size_t      lo_len;
	const void *hi;
	size_t      hi_len;
	const void *prefix;
	size_t      prefix_len;
	unsigned    flags;
	size_t      limit;
} store_range;

/* One entry a cursor returned; see store_cursor_next for how long the
 * pointers are valid. */
typedef struct store_item {
	const void *key;
	size_t      klen;
	const void *val;
	size_t      vlen;
} store_item;

/*
 * Opens a cursor over range r (NULL: the whole table) of t in txn and
 * writes *out. Close it with store_cursor_close before the txn ends (a
 * cursor still open then is closed with it, and its pointer is dead).
 * Errors: HUES_INVALID_ARGUMENT (a bound longer than STORE_KEY_MAX),
 * HUES_RESOURCE_EXHAUSTED.
 */
int store_cursor_open(store_txn *txn, const store_table *t,
    const store_range *r, store_cursor **out);

/*
 * Moves to the next entry of the range and writes it to *out; returns
 * HUES_NOT_FOUND (and leaves *out alone) when the range or the limit is
 * exhausted. out's pointers are LMDB's memory: valid until the next call
 * on this cursor, its close, the end of the txn, or a put or delete in
 * the txn; copy what must last longer. In a write txn the cursor may be
 * interleaved with puts and deletes on the same table: it continues after
 * the last key it returned.
 */
int store_cursor_next(store_cursor *c, store_item *out);

/*
 * Aims c at range r (NULL: the whole table) afresh, as if it had just been
 * opened with r, but keeps LMDB's cursor where it is: LMDB looks for a
 * key on the cursor's current page before it descends from the root, so
 * scanning many nearby ranges (the cells around a point) through one
 * cursor reads fewer pages than a cursor per range. Errors as for
 * store_cursor_open; on error c is unchanged.
 */
int store_cursor_seek(store_cursor *c, const store_range *r);

/*
 * Positions c on key and writes its entry to *out (pointers valid as for
 * store_cursor_next); HUES_NOT_FOUND if there is none. For the same
 * reason as store_cursor_seek, several finds in key order through one
 * cursor are cheaper than store_get for each. A cursor that found is no
 * longer stepped: store_cursor_next returns HUES_NOT_FOUND until the next
 * store_cursor_seek. Errors: HUES_INVALID_ARGUMENT (an empty or too long
 * key).
 */
int store_cursor_find(
    store_cursor *c, const void *key, size_t klen, store_item *out);

/* Closes c. NULL accepted. */
void store_cursor_close(store_cursor *c);

/* ------------------------------------------------------------------ */
/* Readers                                                             */
/* ------------------------------------------------------------------ */

/*
 * A reader keeps one LMDB read transaction that it resets and renews, so
 * that starting a read costs no allocation. Each worker keeps its own; a
 * reader is used by one thread at a time, and a read ends on the thread
 * that began it (between reads the reader may change threads). Destroy
 * every reader before store_close. create: HUES_RESOURCE_EXHAUSTED, or
 * HUES_OK and *out, which the caller owns.
 */
int  store_reader_create(store *st, store_reader **out);
void store_reader_destroy(store_reader *r); /* NULL accepted */

/*
 * Begins a read transaction: a snapshot of the last commit. Keep it
 * short, and never wait for a write (store_write, store_write_wait,
 * store_table_open) while it is open: the map cannot grow while a read
 * is open, so such a wait could deadlock; those calls return
 * HUES_FAILED_PRECONDITION instead. One read open per thread at a time.
 * Writes *out, valid until store_read_end. Errors: HUES_FAILED_PRECONDITION
 * (this reader already has a read open), HUES_RESOURCE_EXHAUSTED (all
 * reader slots taken).
 */
int store_read_begin(store_reader *r, store_txn **out);

/* Whether the calling thread has a read open (which forbids waiting for
 * writes: see store_write_wait). */
bool store_reading(void);

/* Ends the read begun on r (closing cursors left open). No-op if none. */
void store_read_end(store_reader *r);

/* ------------------------------------------------------------------ */
/* Writes: closures run by the writer thread, group commit             */
/* ------------------------------------------------------------------ */

/*
 * The body of one write request: puts, deletes and reads through txn,
 * which sees the request's own writes. It returns HUES_OK to keep them
 * or an error code to discard them; either way only this request is
 * affected, not the others of its batch. It runs on the writer thread, so
 * it must be quick and must not block, take locks others hold while
 * waiting for a write, or call store_write.
 *
 * It may run more than once: when the map is full the whole batch is
 * rolled back, the map grown and the batch run again. So it must act only
 * through txn, and through arg in ways that are safe to repeat (reset
 * what it fills in, each time).
 */
typedef int (*store_write_fn)(store_txn *txn, void *arg);

/*
 * Runs fn(txn, arg) as one write request and waits until its batch is
 * committed (or failed). Returns fn's code if fn failed, HUES_OK only
 * after the commit that holds the request returned (durable), or the
 * batch's error: HUES_RESOURCE_EXHAUSTED (map at its maximum or disk
 * full), HUES_UNAVAILABLE (store stopped, or the disk failed the commit),
 * HUES_INTERNAL. HUES_FAILED_PRECONDITION from the writer thread or with
 * a read open on this thread. Any other thread.
 */
int store_write(store *st, store_write_fn fn, void *arg);

/* Runs on the store's completer thread (the writer's, if the completer
 * could not take the batch) when req is complete: result is its code. It
 * must not wait for writes (store_write_wait refuses there); its time
 * delays the completion of later writes, not their commits. It may free
 * or resubmit req: the store no longer touches it. */
typedef void (*store_done_fn)(store_write_req *req, int result, void *arg);

/*
 * A request for store_write_submit, reusable once complete. Create and
 * destroy cost a small allocation; keep a few per thread. destroy must
 * not be called while the request is queued or running. NULL accepted.
 */
int  store_write_req_create(store_write_req **out);
void store_write_req_destroy(store_write_req *req);

/*
 * Sets what req runs: fn(txn, arg), and on completion done(req, result,
 * done_arg) if done is not NULL. A request with a done callback must not
 * be waited on with store_write_wait. Not while req is queued.
 */
void store_write_req_set(store_write_req *req, store_write_fn fn, void *arg,
    store_done_fn done, void *done_arg);

/*
 * Queues req for the writer and returns at once. HUES_OK: req completes
 * exactly once, after its batch's commit returned: its done callback runs
 * (see store_done_fn), or store_write_wait returns. On error the request
 * is not queued and never completes: HUES_UNAVAILABLE (stopped),
 * HUES_FAILED_PRECONDITION (req is still queued, or has no fn). Any
 * thread, including from a done callback.
 */
int store_write_submit(store *st, store_write_req *req);

/*
 * Waits until req (submitted, without a done callback) is complete and
 * returns its code, as store_write's. HUES_FAILED_PRECONDITION with a
 * read open on this thread or from the writer thread. Any thread.
 */
int store_write_wait(store_write_req *req);

/*
 * Waits for all n requests; returns HUES_OK if all succeeded, else the
 * code of the first (in array order) that failed. Each request's own code
 * is then read with store_write_result.
 */
int store_write_wait_all(store_write_req *const *reqs, size_t n);

/* The code of a completed request. */
int store_write_result(const store_write_req *req);

#endif /* HUES_STORE_STORE_H */
