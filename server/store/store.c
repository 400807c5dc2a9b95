/*
 * store.c - environment lifecycle and the schema version.
 *
 * Durable by default: no MDB_NOSYNC, so a commit that returned is on disk.
 * MDB_NOTLS because read transactions belong to calls, not to threads.
 */
#include "store/store.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "hues/status.h"

#define DEFAULT_MAP_SIZE ((size_t) 16 << 30)

struct store {
	MDB_env *env;
	MDB_dbi  meta;
	uint32_t schema;
};

static int
map_error(int rc)
{
	switch (rc) {
	case 0: return HUES_OK;
	case MDB_NOTFOUND: return HUES_NOT_FOUND;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case MDB_READERS_FULL:
	case MDB_DBS_FULL: return HUES_RESOURCE_EXHAUSTED;
	case MDB_KEYEXIST: return HUES_ALREADY_EXISTS;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID: return HUES_DATA_LOSS;
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
	MDB_val  k = {sizeof("schema_version") - 1, "schema_version"}, v;
	uint8_t  be[4];
	int      rc;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0) {
		snprintf(err, errlen, "cannot open data dir %s: %s", dir,
		    mdb_strerror(rc));
		return map_error(rc);
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
		v     = (MDB_val) {sizeof(be), be};
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
		return map_error(rc);
	}
	if (st->schema != STORE_SCHEMA_VERSION) {
		snprintf(err, errlen,
		    "data dir %s has schema version %u; this hues reads version "
		    "%d (migrate it or use another data dir)",
		    dir, st->schema, STORE_SCHEMA_VERSION);
		return HUES_FAILED_PRECONDITION;
	}
	return HUES_OK;

fail:
	mdb_txn_abort(txn);
	snprintf(err, errlen, "cannot use data dir %s: %s", dir, mdb_strerror(rc));
	return map_error(rc);
}

int
store_open(const store_opts *opts, store **out, char *err, size_t errlen)
{
	store *st = calloc(1, sizeof(*st));
	int    rc, dead = 0;

	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return HUES_RESOURCE_EXHAUSTED;
	}
	if (make_dirs(opts->dir) != 0) {
		snprintf(err, errlen, "cannot create data dir %s: %s", opts->dir,
		    strerror(errno));
		free(st);
		return HUES_FAILED_PRECONDITION;
	}
	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, 64)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->env,
	         opts->max_readers ? opts->max_readers : 256)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env,
	         opts->map_size ? opts->map_size : DEFAULT_MAP_SIZE)) != 0 ||
	    (rc = mdb_env_open(st->env, opts->dir, MDB_NOTLS, 0600)) != 0) {
		snprintf(err, errlen, "cannot open data dir %s: %s", opts->dir,
		    rc == EACCES ? "permission denied" : mdb_strerror(rc));
		if (st->env != NULL) {
			mdb_env_close(st->env);
		}
		free(st);
		return rc == EACCES ? HUES_PERMISSION_DENIED : map_error(rc);
	}
	/* Reader slots of processes that died (kill -9) would pin old pages
	 * forever; clear them before anyone reads. */
	mdb_reader_check(st->env, &dead);
	if (dead > 0) {
		LOG_INFO(NULL, "cleared %d stale reader slots in %s", dead,
		    opts->dir);
	}
	if ((rc = check_schema(st, err, errlen, opts->dir)) != HUES_OK) {
		mdb_env_close(st->env);
		free(st);
		return rc;
	}
	*out = st;
	return HUES_OK;
}

uint32_t
store_schema_version(const store *st)
{
	return st->schema;
}

void
store_close(store *st)
{
	if (st == NULL) {
		return;
	}
	mdb_env_sync(st->env, 1);
	mdb_env_close(st->env);
	free(st);
}
