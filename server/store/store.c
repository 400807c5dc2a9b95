/*
 * store.c - environment lifecycle, the schema version, tables and the
 * error map.
 *
 * Durable by default: no MDB_NOSYNC, so a commit that returned is on disk.
 * MDB_NOTLS because read transactions belong to calls, not to threads.
 * Every write transaction after store_open runs on the writer thread
 * (write.c), so nothing here writes once the writer is up, except through
 * it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "hues/status.h"
#include "store/internal.h"

#define DEFAULT_MAP_SIZE ((size_t) 16 << 30)
#define DEFAULT_READERS  256

int
store__error(int rc, const char *what)
{
	switch (rc) {
	case 0: return HUES_OK;
	case MDB_NOTFOUND: return HUES_NOT_FOUND;
	case MDB_KEYEXIST: return HUES_ALREADY_EXISTS;
	case MDB_BAD_VALSIZE: return HUES_INVALID_ARGUMENT;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case MDB_READERS_FULL:
	case MDB_DBS_FULL:
	case ENOSPC: return HUES_RESOURCE_EXHAUSTED;
	default: break;
	}
	LOG_ERROR(NULL, "store: %s: %s", what, mdb_strerror(rc));
	switch (rc) {
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID: return HUES_DATA_LOSS;
	case EIO: return HUES_UNAVAILABLE;
	case ENOMEM: return HUES_RESOURCE_EXHAUSTED;
	default: return HUES_INTERNAL;
	}
}

/* mkdir -p with mode 0700 for the directories it creates. */
static int
make_dirs(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s", dir) >= (int) sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = path + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0700) != 0 && errno != EEXIST) {
				return -1;
			}
			*p = '/';
		}
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		return -1;
	}
	return 0;
}

/* Reads the schema version, or writes ours into a new environment. */
static int
check_schema(store *st, char *err, size_t errlen, const char *dir)
{
	MDB_txn *txn;
	MDB_val  k = { sizeof("schema_version") - 1, "schema_version" }, v;
	uint8_t  be[4];
	int      rc;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0) {
		snprintf(err, errlen, "cannot open data dir %s: %s", dir,
		    mdb_strerror(rc));
		return store__error(rc, "schema txn");
	}
	if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &st->meta)) != 0) {
		goto fail;
	}
	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		be[0] = (uint8_t) (STORE_SCHEMA_VERSION >> 24);
		be[1] = (uint8_t) (STORE_SCHEMA_VERSION >> 16);
		be[2] = (uint8_t) (STORE_SCHEMA_VERSION >> 8);
		be[3] = (uint8_t) STORE_SCHEMA_VERSION;
		v     = (MDB_val) { sizeof(be), be };
		if ((rc = mdb_put(txn, st->meta, &k, &v, 0)) != 0) {
			goto fail;
		}
		st->schema = STORE_SCHEMA_VERSION;
	} else if (rc == 0) {
		if (v.mv_size != 4) {
			mdb_txn_abort(txn);
			snprintf(err, errlen,
			    "data dir %s has a malformed schema version", dir);
			return HUES_DATA_LOSS;
		}
		const uint8_t *p = v.mv_data;
		st->schema = (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 |
		             (uint32_t) p[2] << 8 | p[3];
	} else {
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		snprintf(err, errlen, "cannot write to data dir %s: %s", dir,
		    mdb_strerror(rc));
		return store__error(rc, "schema commit");
	}
	if (st->schema != STORE_SCHEMA_VERSION) {
		snprintf(err, errlen,
		    "data dir %s has schema version %u; this hues reads "
		    "version "
		    "%d (migrate it or use another data dir)",
		    dir, st->schema, STORE_SCHEMA_VERSION);
		return HUES_FAILED_PRECONDITION;
	}
	return HUES_OK;

fail:
	mdb_txn_abort(txn);
	snprintf(
	    err, errlen, "cannot use data dir %s: %s", dir, mdb_strerror(rc));
	return store__error(rc, "schema");
}

static bool
valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return n > 0 && n <= STORE_TABLE_NAME_MAX && strcmp(name, "meta") != 0;
}

/* The published table called name, or NULL. Under tables_mu. */
static store_table *
find_table(store *st, const char *name)
{
	for (unsigned i = 0; i < st->ntables; i++) {
		if (strcmp(st->tables[i].name, name) == 0) {
			return &st->tables[i];
		}
	}
	return NULL;
}

/* Publishes a table LMDB opened in a committed txn (LMDB hands out the
 * same dbi for the same name, so a race of two openers is harmless). */
static int
publish_table(store *st, const char *name, MDB_dbi dbi, store_table **out)
{
	store_table *t;
	int          rc = HUES_OK;

	pthread_mutex_lock(&st->tables_mu);
	if ((t = find_table(st, name)) == NULL) {
		if (st->ntables == STORE_MAX_TABLES) {
			rc = HUES_RESOURCE_EXHAUSTED;
		} else {
			t      = &st->tables[st->ntables++];
			t->dbi = dbi;
			snprintf(t->name, sizeof(t->name), "%s", name);
		}
	}
	pthread_mutex_unlock(&st->tables_mu);
	if (rc == HUES_OK) {
		*out = t;
	}
	return rc;
}

/* Opens opts->tables in one txn, before the writer starts. */
static int
open_tables(store *st, const char *const *names, char *err, size_t errlen)
{
	MDB_txn *txn;
	MDB_dbi  dbis[STORE_MAX_TABLES];
	size_t   n = 0;
	int      rc;

	while (names != NULL && names[n] != NULL) {
		if (!valid_name(names[n]) || n == STORE_MAX_TABLES) {
			snprintf(err, errlen, "bad store table name \"%.64s\"",
			    names[n]);
			return HUES_INVALID_ARGUMENT;
		}
		n++;
	}
	if (n == 0) {
		return HUES_OK;
	}
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0) {
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		if ((rc = mdb_dbi_open(txn, names[i], MDB_CREATE, &dbis[i])) !=
		    0) {
			mdb_txn_abort(txn);
			goto fail;
		}
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		store_table *t;
		if ((rc = publish_table(st, names[i], dbis[i], &t)) !=
		    HUES_OK) {
			snprintf(err, errlen, "too many store tables");
			return rc;
		}
	}
	return HUES_OK;

fail:
	snprintf(err, errlen, "cannot open store tables: %s", mdb_strerror(rc));
	return store__error(rc, "open tables");
}

static void
store_free(store *st)
{
	store__warm_stop(st);
	if (st->env != NULL) {
		mdb_env_close(st->env);
	}
	pthread_rwlock_destroy(&st->map_lock);
	pthread_mutex_destroy(&st->tables_mu);
	pthread_mutex_destroy(&st->q_mu);
	pthread_cond_destroy(&st->q_cv);
	free(st);
}

/* Allocates st with its locks; the env is not created yet. */
static store *
store_alloc(void)
{
	pthread_rwlockattr_t ra;
	pthread_condattr_t   ca;
	store               *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		return NULL;
	}
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(
	    &ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&st->map_lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	/* The writer's idle wait is timed against CLOCK_MONOTONIC. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&st->q_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&st->q_mu, NULL);
	pthread_mutex_init(&st->tables_mu, NULL);
	st->joined = true; /* until the writer runs */
	return st;
}

static int
open_env(store *st, const store_opts *opts, size_t map_size, char *err,
    size_t errlen)
{
	int rc;

	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, STORE_MAX_TABLES + 1)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->env,
	         opts->max_readers ? opts->max_readers : DEFAULT_READERS)) !=
	        0 ||
	    (rc = mdb_env_set_mapsize(st->env, map_size)) != 0 ||
	    (rc = mdb_env_open(st->env, opts->dir, MDB_NOTLS, 0600)) != 0) {
		snprintf(err, errlen, "cannot open data dir %s: %s", opts->dir,
		    rc == EACCES ? "permission denied" : mdb_strerror(rc));
		return rc == EACCES ? HUES_PERMISSION_DENIED
		                    : store__error(rc, "open environment");
	}
	return HUES_OK;
}

int
store_open(const store_opts *opts, store **out, char *err, size_t errlen)
{
	size_t map_size = opts->map_size ? opts->map_size : DEFAULT_MAP_SIZE;
	MDB_envinfo info;
	store      *st;
	int         rc;

	if ((st = store_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return HUES_RESOURCE_EXHAUSTED;
	}
	st->map_max   = opts->map_max ? opts->map_max : 4 * map_size;
	st->max_batch = opts->max_batch ? opts->max_batch : 256;
	st->reader_check_ms =
	    opts->reader_check_ms ? opts->reader_check_ms : 5000;
	st->no_huge_pages = opts->no_huge_pages;
	if (make_dirs(opts->dir) != 0) {
		snprintf(err, errlen, "cannot create data dir %s: %s",
		    opts->dir, strerror(errno));
		rc = HUES_FAILED_PRECONDITION;
		goto fail;
	}
	if ((rc = open_env(st, opts, map_size, err, errlen)) != HUES_OK) {
		goto fail;
	}
	/* The file of an existing environment may be larger than map_size;
	 * LMDB then maps the whole file. */
	mdb_env_info(st->env, &info);
	atomic_store(&st->n_map_size, (uint64_t) info.me_mapsize);
	if (st->map_max < info.me_mapsize) {
		st->map_max = info.me_mapsize;
	}
	/* Reader slots of processes that died (kill -9) would pin old pages
	 * forever; clear them before anyone reads. */
	store__reader_check(st);
	if ((rc = check_schema(st, err, errlen, opts->dir)) != HUES_OK ||
	    (rc = open_tables(st, opts->tables, err, errlen)) != HUES_OK) {
		goto fail;
	}
	if ((rc = store__writer_start(st)) != HUES_OK) {
		snprintf(err, errlen, "cannot start the store writer thread");
		goto fail;
	}
	store__warm_start(st);
	*out = st;
	return HUES_OK;

fail:
	store_free(st);
	return rc;
}

uint32_t
store_schema_version(const store *st)
{
	return st->schema;
}

void
store_stop(store *st, unsigned flags)
{
	store__writer_stop(st, flags);
}

void
store_close(store *st)
{
	if (st == NULL) {
		return;
	}
	store__writer_stop(st, 0);
	mdb_env_sync(st->env, 1);
	store_free(st);
}

void
store_pause(store *st)
{
	pthread_mutex_lock(&st->q_mu);
	st->paused = true;
	pthread_mutex_unlock(&st->q_mu);
}

void
store_resume(store *st)
{
	pthread_mutex_lock(&st->q_mu);
	st->paused = false;
	pthread_cond_signal(&st->q_cv);
	pthread_mutex_unlock(&st->q_mu);
}

void
store_stats_get(store *st, store_stats *out)
{
	*out = (store_stats) {
		.commits            = atomic_load(&st->n_commits),
		.requests_committed = atomic_load(&st->n_committed),
		.requests_failed    = atomic_load(&st->n_failed),
		.largest_batch      = atomic_load(&st->n_largest),
		.commit_errors      = atomic_load(&st->n_commit_errors),
		.batches_redone     = atomic_load(&st->n_redone),
		.map_grows          = atomic_load(&st->n_grows),
		.map_size           = atomic_load(&st->n_map_size),
		.stale_readers      = atomic_load(&st->n_stale),
		.warm_done          = atomic_load(&st->warm_done),
		.huge_bytes         = atomic_load(&st->n_huge),
		.writer_idle_ns     = atomic_load(&st->ns_idle),
		.writer_run_ns      = atomic_load(&st->ns_run),
		.writer_commit_ns   = atomic_load(&st->ns_commit),
		.writer_complete_ns = atomic_load(&st->ns_complete),
	};
}

void
store__reader_check(store *st)
{
	int dead = 0;
	if (mdb_reader_check(st->env, &dead) == 0 && dead > 0) {
		atomic_fetch_add(&st->n_stale, (uint64_t) dead);
		LOG_INFO(NULL, "store: cleared %d stale reader slots", dead);
	}
}

/* The table-open request: run by the writer in a txn of its own, since
 * LMDB forbids mdb_dbi_open in two transactions at once. */
typedef struct {
	const char *name;
	unsigned    flags;
	MDB_dbi     dbi;
} open_arg;

static int
open_fn(store_txn *txn, void *arg)
{
	open_arg *a  = arg;
	int       rc = mdb_dbi_open(txn->txn, a->name,
            (a->flags & STORE_TABLE_CREATE) ? MDB_CREATE : 0, &a->dbi);
	return rc == 0 ? HUES_OK : store__error(rc, "open table");
}

int
store_table_open(store *st, const char *name, unsigned flags, store_table **out)
{
	store_write_req req = { .fn = open_fn, .solo = true };
	open_arg        a   = { .name = name, .flags = flags };
	store_table    *t;
	int             rc;

	if (!valid_name(name)) {
		return HUES_INVALID_ARGUMENT;
	}
	pthread_mutex_lock(&st->tables_mu);
	t = find_table(st, name);
	pthread_mutex_unlock(&st->tables_mu);
	if (t != NULL) {
		*out = t;
		return HUES_OK;
	}
	if ((rc = store__wait_allowed(st)) != HUES_OK) {
		return rc;
	}
	req.arg = &a;
	pthread_mutex_init(&req.mu, NULL);
	pthread_cond_init(&req.cv, NULL);
	if ((rc = store_write_submit(st, &req)) == HUES_OK) {
		rc = store_write_wait(&req);
	}
	pthread_mutex_destroy(&req.mu);
	pthread_cond_destroy(&req.cv);
	if (rc != HUES_OK) {
		return rc;
	}
	return publish_table(st, name, a.dbi, out);
}

const char *
store_table_name(const store_table *t)
{
	return t->name;
}
