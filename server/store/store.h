/*
 * store.h - the LMDB environment in the data dir. This folder is the only
 * place that includes <lmdb.h>; LMDB's errors never leave it (MDB_NOTFOUND
 * becomes HUES_NOT_FOUND, MDB_MAP_FULL HUES_RESOURCE_EXHAUSTED, ...).
 */
#ifndef HUES_STORE_STORE_H
#define HUES_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

/* The layout version this build reads and writes. */
#define STORE_SCHEMA_VERSION 1

typedef struct store store;

typedef struct store_opts {
	const char *dir;         /* created (mode 0700) if missing */
	size_t      map_size;    /* bytes reserved; 0 = default (16 GiB) */
	unsigned    max_readers; /* 0 = default (256) */
} store_opts;

/*
 * Opens (creating if needed) the environment, clears stale reader slots
 * and checks the schema version, writing it into a new environment. On
 * failure returns an error code and writes one line into err, e.g.
 * "cannot open data dir /var/lib/hues: Permission denied" or "data dir
 * ... has schema version 7; this hues reads version 1".
 */
int store_open(const store_opts *opts, store **out, char *err, size_t errlen);

/* The schema version found in the environment. */
uint32_t store_schema_version(const store *st);

/* Flushes and closes the environment. NULL accepted. */
void store_close(store *st);

#endif /* HUES_STORE_STORE_H */
