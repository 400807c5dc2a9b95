/*
 * pending.c - the reports that wait for the centre (submitted, or
 * returned to triage), in memory by place, for SubmitReport's nearby
 * search.
 *
 * They are not in fb_geo: that index holds published reports only, so a
 * submission writes no entry in a random place of it (one scattered page
 * of every commit per report, about a third of SubmitReport's cost; see
 * docs/performance.md). The set follows the committed data exactly: it
 * changes only in commit hooks (store_txn_on_commit), which the writer
 * runs in commit order, and it is rebuilt at start from the centre's
 * queue (fb_queue under agency ""), which holds the same reports.
 *
 * Entries are grouped by the cell of their 7-character geohash (about
 * 150 m); a search at 7 characters reads one group per cell, one at 6
 * reads the 32 groups inside it. Categories are interned: a catalog has
 * tens of them, and an entry keeps a 16-bit number instead of a string.
 * Groups by cell and category were tried: at the benchmark's density
 * the table grew twentyfold, out of the caches, and a search took longer
 * (docs/performance.md). An entry outside the circle's bounding box is
 * passed over before the distance (three trigonometric calls).
 */
#include <stdlib.h>
#include <string.h>

#include "svc/feedback/fb.h"

#define CELL_LEN 7

typedef struct entry {
	uint64_t seq;
	double   lat, lon;
	uint16_t cat;
	char     gh[FB_GEO_KEY_LEN];
} entry;

typedef struct group {
	uint64_t cell; /* CELL_LEN characters, 0 = a free slot */
	entry   *v;
	uint32_t n, cap;
} group;

struct fb_pending {
	pthread_rwlock_t lock;
	group           *g; /* open addressing, a power of 2 slots */
	size_t           nslots, nused;
	char           **cats;
	size_t           ncats, cap_cats;
	size_t           count;
};

static const char base32[] = "0123456789bcdefghjkmnpqrstuvwxyz";

int
fb_pending_create(fb_pending **out)
{
	fb_pending *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	p->nslots = 256;
	if ((p->g = calloc(p->nslots, sizeof(*p->g))) == NULL) {
		free(p);
		return HUES_RESOURCE_EXHAUSTED;
	}
	pthread_rwlock_init(&p->lock, NULL);
	*out = p;
	return HUES_OK;
}

void
fb_pending_destroy(fb_pending *p)
{
	if (p == NULL) {
		return;
	}
	for (size_t i = 0; i < p->nslots; i++) {
		free(p->g[i].v);
	}
	for (size_t i = 0; i < p->ncats; i++) {
		free(p->cats[i]);
	}
	free(p->cats);
	free(p->g);
	pthread_rwlock_destroy(&p->lock);
	free(p);
}

size_t
fb_pending_count(fb_pending *p)
{
	pthread_rwlock_rdlock(&p->lock);
	size_t n = p->count;
	pthread_rwlock_unlock(&p->lock);
	return n;
}

static uint64_t
cell_of(const char *gh)
{
	uint64_t c = 0;
	memcpy(&c, gh, CELL_LEN); /* ASCII, never all zero */
	return c;
}

static size_t
slot_of(uint64_t cell, size_t nslots)
{
	cell *= 0x9e3779b97f4a7c15ull; /* Fibonacci hashing */
	return (size_t) (cell >> 32) & (nslots - 1);
}

/* The group of cell, or NULL. Lock held. */
static group *
find(fb_pending *p, uint64_t cell)
{
	for (size_t i = slot_of(cell, p->nslots);; i = (i + 1) & (p->nslots - 1)) {
		if (p->g[i].cell == cell) {
			return &p->g[i];
		}
		if (p->g[i].cell == 0) {
			return NULL;
		}
	}
}

/* Doubles the slots. Groups are never removed (an empty one keeps its
 * slot), so a probe never crosses a hole. Lock held exclusively. */
static int
grow(fb_pending *p)
{
	size_t n  = p->nslots * 2;
	group *ng = calloc(n, sizeof(*ng));
	if (ng == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	for (size_t i = 0; i < p->nslots; i++) {
		if (p->g[i].cell != 0) {
			size_t j = slot_of(p->g[i].cell, n);
			while (ng[j].cell != 0) {
				j = (j + 1) & (n - 1);
			}
			ng[j] = p->g[i];
		}
	}
	free(p->g);
	p->g      = ng;
	p->nslots = n;
	return HUES_OK;
}

static group *
find_or_add(fb_pending *p, uint64_t cell)
{
	group *g = find(p, cell);
	if (g != NULL) {
		return g;
	}
	if ((p->nused + 1) * 2 > p->nslots && grow(p) != HUES_OK) {
		return NULL;
	}
	size_t i = slot_of(cell, p->nslots);
	while (p->g[i].cell != 0) {
		i = (i + 1) & (p->nslots - 1);
	}
	p->g[i].cell = cell;
	p->nused++;
	return &p->g[i];
}

/* The number of category c (len bytes), interned when add. -1 if absent
 * (or out of memory). Lock held (exclusively when add). */
static int
cat_of(fb_pending *p, const char *c, size_t len, bool add)
{
	for (size_t i = 0; i < p->ncats; i++) {
		if (strlen(p->cats[i]) == len && memcmp(p->cats[i], c, len) == 0) {
			return (int) i;
		}
	}
	if (!add || p->ncats == UINT16_MAX + 1) {
		return -1;
	}
	if (p->ncats == p->cap_cats) {
		size_t n  = p->cap_cats ? p->cap_cats * 2 : 16;
		char **nc = realloc(p->cats, n * sizeof(*nc));
		if (nc == NULL) {
			return -1;
		}
		p->cats     = nc;
		p->cap_cats = n;
	}
	char *s = malloc(len + 1);
	if (s == NULL) {
		return -1;
	}
	memcpy(s, c, len);
	s[len]              = '\0';
	p->cats[p->ncats++] = s;
	return (int) p->ncats - 1;
}

/* Removes report seq from the group of gh, if there. Lock held. */
static void
drop(fb_pending *p, const char *gh, uint64_t seq)
{
	group *g = find(p, cell_of(gh));
	if (g == NULL) {
		return;
	}
	for (uint32_t i = 0; i < g->n; i++) {
		if (g->v[i].seq == seq) {
			g->v[i] = g->v[--g->n];
			p->count--;
			return;
		}
	}
}

int
fb_pending_update(fb_pending *p, const fb_summary *old, const fb_summary *s)
{
	char gh[FB_GEO_KEY_LEN + 1], ogh[FB_GEO_KEY_LEN + 1];
	int  rv = HUES_OK;

	fb_geohash(s->lat, s->lon, gh);
	pthread_rwlock_wrlock(&p->lock);
	if (old != NULL) {
		/* Where it was, if it was in: a new report is not. */
		fb_geohash(old->lat, old->lon, ogh);
		drop(p, ogh, old->seq);
	}
	if (fb_state_waits_for_centre(s->state)) {
		group *g   = find_or_add(p, cell_of(gh));
		int    cat = cat_of(p, s->category != NULL ? s->category : "",
		       s->category != NULL ? s->category_len : 0, true);
		if (g == NULL || cat < 0) {
			rv = HUES_RESOURCE_EXHAUSTED;
		} else if (g->n == g->cap) {
			uint32_t n  = g->cap ? g->cap * 2 : 4;
			entry   *nv = realloc(g->v, n * sizeof(*nv));
			if (nv == NULL) {
				rv = HUES_RESOURCE_EXHAUSTED;
			} else {
				g->v   = nv;
				g->cap = n;
			}
		}
		if (rv == HUES_OK) {
			entry *e = &g->v[g->n++];
			e->seq   = s->seq;
			e->lat   = s->lat;
			e->lon   = s->lon;
			e->cat   = (uint16_t) cat;
			memcpy(e->gh, gh, FB_GEO_KEY_LEN);
			p->count++;
		}
	}
	pthread_rwlock_unlock(&p->lock);
	return rv;
}

/* What an entry must be within: a circle, and the box around it. */
typedef struct near_box {
	feedback_point pt;
	double         radius_m;
	double         south, west, north, east;
} near_box;

static near_box
box_of(feedback_point pt, double radius_m)
{
	feedback_bbox b = feedback_circle_bbox(pt, radius_m);
	/* 1e-7 degrees (1 cm) of margin covers rounding; a box past the
	 * 180th takes every longitude (entries are never wrapped). */
	near_box nb = { .pt = pt, .radius_m = radius_m,
		.south = b.south - 1e-7, .north = b.north + 1e-7,
		.west = b.west - 1e-7, .east = b.east + 1e-7 };
	if (nb.west < -180 || nb.east > 180) {
		nb.west = -180;
		nb.east = 180;
	}
	return nb;
}

/* Offers the entries of g of category cat, in the cell prefix (len
 * characters) and in box, to hits. */
static void
near_group(const group *g, const char *prefix, size_t len, int cat,
    const near_box *box, uint64_t exclude, fb_hit *hits, size_t *nhits,
    size_t want)
{
	for (uint32_t i = 0; i < g->n; i++) {
		const entry *e = &g->v[i];
		if (e->cat != cat || e->seq == exclude || e->lat < box->south ||
		    e->lat > box->north || e->lon < box->west ||
		    e->lon > box->east || memcmp(e->gh, prefix, len) != 0) {
			continue;
		}
		double d =
		    feedback_distance_m(box->pt, (feedback_point) {e->lat, e->lon});
		if (d > box->radius_m) {
			continue;
		}
		bool known = false;
		for (size_t k = 0; k < *nhits && !known; k++) {
			known = hits[k].seq == e->seq;
		}
		if (!known) {
			uint8_t key[FB_GEO_KEY_BYTES];
			fb_geo_key(e->gh, e->seq, key);
			fb_hits_keep(hits, nhits, want, d, e->seq, key);
		}
	}
}

void
fb_pending_near(fb_pending *p, const feedback_cell *cells, size_t ncells,
    const char *category, feedback_point pt, double radius_m,
    uint64_t exclude, fb_hit *hits, size_t *nhits, size_t want)
{
	near_box box = box_of(pt, radius_m);

	pthread_rwlock_rdlock(&p->lock);
	int cat = cat_of(p, category, strlen(category), false);
	for (size_t i = 0; cat >= 0 && i < ncells; i++) {
		const char *h = cells[i].hash;
		/* Cells come nearest first: none after this one can hold a
		 * report nearer than the farthest kept. */
		if (*nhits == want &&
		    cells[i].min_distance_m > hits[want - 1].d) {
			break;
		}
		size_t      len = strlen(h);
		if (len >= CELL_LEN) {
			const group *g = find(p, cell_of(h));
			if (g != NULL) {
				near_group(g, h, len > FB_GEO_KEY_LEN ? FB_GEO_KEY_LEN : len,
				    cat, &box, exclude, hits, nhits, want);
			}
		} else if (len == CELL_LEN - 1) {
			char c[CELL_LEN + 1];
			memcpy(c, h, len);
			c[CELL_LEN] = '\0';
			for (size_t k = 0; k < 32; k++) {
				c[CELL_LEN - 1] = base32[k];
				const group *g  = find(p, cell_of(c));
				if (g != NULL) {
					near_group(g, c, CELL_LEN, cat, &box, exclude, hits,
					    nhits, want);
				}
			}
		} else {
			/* Wider cells than the nearby search uses: every group. */
			for (size_t k = 0; k < p->nslots; k++) {
				if (p->g[k].cell != 0) {
					near_group(&p->g[k], h, len, cat, &box, exclude,
					    hits, nhits, want);
				}
			}
		}
	}
	pthread_rwlock_unlock(&p->lock);
}
