/*
 * warm.c - fills the page tables of the map at open, in the background.
 *
 * A restarted server has no page table entries for its map, even when the
 * file is in the page cache: the first touch of every page is a fault, and
 * on a VM a fault is expensive. GetReport on a 2 GB store made 21-29k
 * calls/s in its first 3 s after a restart, against 42-52k warm
 * (docs/performance.md).
 * MADV_POPULATE_READ (Linux 5.14) maps the used part of the file ahead of
 * the reads: 64 MiB at a time under the map lock, so a growth of the map
 * (which remaps it) waits for one step at most, from a thread that
 * store_close() stops. A store larger than half the machine's memory is
 * left alone: reading it all in would push out what the readers need.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/log.h"
#include "store/internal.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

#define STEP ((size_t) 64 << 20)

/* Where the data file is mapped: LMDB does not say (me_mapaddr is only
 * set for MDB_FIXEDMAP), so the mapping of its inode is looked up in
 * /proc/self/maps. Under map_lock, since a growth remaps the file. */
static char *
map_base(store *st)
{
	struct stat sb;
	int         fd;
	char        line[512];
	char       *base = NULL;

	if (mdb_env_get_fd(st->env, &fd) != 0 || fstat(fd, &sb) != 0) {
		return NULL;
	}
	FILE *f = fopen("/proc/self/maps", "r");
	if (f == NULL) {
		return NULL;
	}
	while (base == NULL && fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, off, ino;
		unsigned      maj, min;
		if (sscanf(line, "%lx-%*x %*s %lx %x:%x %lu", &lo, &off, &maj,
		        &min, &ino) == 5 &&
		    off == 0 && ino == (unsigned long) sb.st_ino &&
		    makedev(maj, min) == sb.st_dev) {
			base = (char *) lo;
		}
	}
	fclose(f);
	return base;
}

static void *
warm_main(void *arg)
{
	store      *st = arg;
	MDB_envinfo info;
	MDB_stat    stat;

	mdb_env_info(st->env, &info);
	mdb_env_stat(st->env, &stat);
	size_t used = ((size_t) info.me_last_pgno + 1) * stat.ms_psize;
	long   pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	if (pages > 0 && psize > 0 && used > (size_t) pages * (size_t) psize / 2) {
		LOG_INFO(NULL, "store: %zu MB in use, over half the memory: "
		               "not mapped ahead", used >> 20);
		return NULL;
	}
	for (size_t off = 0; off < used && !atomic_load(&st->warm_stop);
	     off += STEP) {
		size_t len = used - off < STEP ? used - off : STEP;
		int    rv  = -1;
		pthread_rwlock_rdlock(&st->map_lock);
		char *base = map_base(st);
		if (base != NULL) {
			rv = madvise(base + off, len, MADV_POPULATE_READ);
		}
		pthread_rwlock_unlock(&st->map_lock);
		if (rv != 0) {
			/* EINVAL: a kernel before 5.14. Reads fault pages in
			 * as they go, as they always did. */
			LOG_DEBUG(NULL, "store: not mapped ahead: %s",
			    base == NULL ? "no mapping found" : strerror(errno));
			return NULL;
		}
	}
	LOG_DEBUG(NULL, "store: %zu MB mapped ahead", used >> 20);
	return NULL;
}

void
store__warm_start(store *st)
{
	atomic_store(&st->warm_stop, false);
	st->warm_running =
	    pthread_create(&st->warm, NULL, warm_main, st) == 0;
}

void
store__warm_stop(store *st)
{
	if (st->warm_running) {
		atomic_store(&st->warm_stop, true);
		pthread_join(st->warm, NULL);
		st->warm_running = false;
	}
}
