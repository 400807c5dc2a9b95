/*
 * warm.c - fills the page tables of the map at open, in the background,
 * with huge pages where the kernel can.
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
 *
 * Huge pages: a read descends B-trees through pages spread over the whole
 * file, so with 4 KiB mappings most page loads are TLB misses as well as
 * cache misses. Where the file system caches files in large folios (ext4
 * since Linux 6.16), a 2 MiB folio is mapped with one PMD entry. But the
 * pages LMDB wrote with pwrite() sit in the page cache as 4 KiB folios,
 * so a store that was just loaded is mapped in small pages. When less
 * than half of the mapping came out huge, the pass is redone with
 * MADV_HUGEPAGE on the map: each step's page table entries are dropped,
 * its clean page-cache pages too (POSIX_FADV_DONTNEED leaves dirty and
 * otherwise mapped pages alone), and the read-back comes in 2 MiB folios.
 * That costs one read of the file; if the first step gives no huge page
 * (an older kernel), the rest is not tried. The price is on the write
 * side: here a 4 KiB pwrite() into a 2 MiB folio took about ten times as
 * long as one into a small folio, and random page writes plus fdatasync
 * twice as long, so store_opts.no_huge_pages turns this off for
 * write-heavy stores (docs/performance.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "store/internal.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

#define STEP ((size_t) 64 << 20)

/* Below this, a store's pages fit the TLB's reach anyway. */
#define HUGE_MIN ((size_t) 32 << 20)

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

/*
 * The resident and the PMD-mapped bytes of the mapping at base, from
 * /proc/self/smaps; false if it is not found. Reading smaps walks the
 * mapping's page tables, so this is called three times per open at
 * most, not per step.
 */
static bool
map_huge_share(const char *base, size_t *rss, size_t *pmd)
{
	char          line[512];
	unsigned long want = (unsigned long) base, lo;
	bool          in = false, found = false;
	FILE         *f = fopen("/proc/self/smaps", "r");

	if (f == NULL) {
		return false;
	}
	*rss = *pmd = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long kb, hi;
		/* A mapping's header; "FilePmdMapped:" would match one %lx. */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			if (in) {
				break; /* the next mapping */
			}
			in = found = lo == want;
		} else if (in && sscanf(line, "Rss: %lu kB", &kb) == 1) {
			*rss = (size_t) kb << 10;
		} else if (in && sscanf(line, "FilePmdMapped: %lu kB", &kb) == 1) {
			*pmd = (size_t) kb << 10;
		}
	}
	fclose(f);
	return found;
}

/* One step of the huge-page pass (under map_lock); false to stop. */
static bool
huge_step(store *st, size_t off, size_t len)
{
	int   fd;
	char *base = map_base(st);

	if (base == NULL || mdb_env_get_fd(st->env, &fd) != 0 ||
	    madvise(base + off, len, MADV_DONTNEED) != 0) {
		return false;
	}
	/* Drops only clean pages no one maps; the rest keep their folios. */
	(void) posix_fadvise(fd, (off_t) off, (off_t) len, POSIX_FADV_DONTNEED);
	return madvise(base + off, len, MADV_POPULATE_READ) == 0;
}

/* Marks the map for huge pages once warm chose them; under map_lock.
 * Harmless where the kernel has none (EINVAL, ignored). */
void
store__map_advise(store *st)
{
	char *base;
	if (atomic_load(&st->huge) && (base = map_base(st)) != NULL) {
		(void) madvise(base, (size_t) atomic_load(&st->n_map_size),
		    MADV_HUGEPAGE);
	}
}

/* map_huge_share of the store's mapping, under map_lock. */
static bool
huge_share(store *st, size_t *rss, size_t *pmd)
{
	pthread_rwlock_rdlock(&st->map_lock);
	char *base = map_base(st);
	bool  ok   = base != NULL && map_huge_share(base, rss, pmd);
	pthread_rwlock_unlock(&st->map_lock);
	return ok;
}

static double
since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double) (t1.tv_sec - t0->tv_sec) +
	       (double) (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Redoes the warm pass in huge pages when too few came out huge. */
static void
warm_huge(store *st, size_t used)
{
	size_t          rss, pmd, pmd0;
	struct timespec t0;

	if (!huge_share(st, &rss, &pmd)) {
		return;
	}
	pmd0 = pmd;
	if (pmd < rss / 2) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (size_t off = 0; off < used && !atomic_load(&st->warm_stop);
		     off += STEP) {
			size_t len = used - off < STEP ? used - off : STEP;
			pthread_rwlock_rdlock(&st->map_lock);
			bool ok = huge_step(st, off, len);
			pthread_rwlock_unlock(&st->map_lock);
			/* After the first step: did the kernel give any? */
			bool none = ok && off == 0 &&
			            (!huge_share(st, &rss, &pmd) || pmd <= pmd0);
			if (!ok || none) {
				LOG_INFO(NULL, "store: %s",
				    none ? "the kernel maps this file in small "
				           "pages only"
				         : "huge-page pass stopped");
				break;
			}
		}
		if (!huge_share(st, &rss, &pmd)) {
			return;
		}
		LOG_INFO(NULL, "store: reread in %.2f s for huge pages",
		    since(&t0));
	}
	atomic_store(&st->n_huge, (uint64_t) pmd);
	LOG_INFO(NULL, "store: %zu MB mapped ahead, %zu MB in huge pages "
	               "(%zu MB before the reread)",
	    rss >> 20, pmd >> 20, pmd0 >> 20);
}

static void
warm_run(store *st)
{
	MDB_envinfo info;
	MDB_stat    stat;

	mdb_env_info(st->env, &info);
	mdb_env_stat(st->env, &stat);
	size_t used = ((size_t) info.me_last_pgno + 1) * stat.ms_psize;
	long   pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	if (pages > 0 && psize > 0 && used > (size_t) pages * (size_t) psize / 2) {
		LOG_INFO(NULL, "store: %zu MB in use, over half the memory: "
		               "not mapped ahead", used >> 20);
		return;
	}
	if (!st->no_huge_pages && used >= HUGE_MIN) {
		/* Pages read in from here on come in 2 MiB folios. Not for a
		 * store that may not fit: every miss would read 2 MiB. */
		atomic_store(&st->huge, true);
		pthread_rwlock_rdlock(&st->map_lock);
		store__map_advise(st);
		pthread_rwlock_unlock(&st->map_lock);
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
			return;
		}
	}
	LOG_DEBUG(NULL, "store: %zu MB mapped ahead", used >> 20);
	if (atomic_load(&st->huge) && !atomic_load(&st->warm_stop)) {
		warm_huge(st, used);
	}
}

static void *
warm_main(void *arg)
{
	store *st = arg;
	warm_run(st);
	atomic_store(&st->warm_done, true);
	return NULL;
}

void
store__warm_start(store *st)
{
	atomic_store(&st->warm_stop, false);
	st->warm_running =
	    pthread_create(&st->warm, NULL, warm_main, st) == 0;
	if (!st->warm_running) {
		atomic_store(&st->warm_done, true); /* reads fault pages in */
	}
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
