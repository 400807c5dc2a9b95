/*
 * txn.c - what a transaction does: gets that copy values out, puts and
 * deletes in write transactions, and range cursors. The same calls serve
 * read transactions (readers) and the transactions of write requests.
 */
#include <stdlib.h>
#include <string.h>

#include "hues/status.h"
#include "store/internal.h"

struct store_cursor {
	store_txn    *txn;
	MDB_cursor   *mc;
	store_cursor *next; /* in txn->cursors */
	bool          reverse, started, done;
	bool          has_lo, lo_excl, has_hi, hi_incl;
	size_t        limit, count;
	size_t        lo_len, hi_len, last_len;
	uint8_t       lo[STORE_KEY_MAX];
	uint8_t       hi[STORE_KEY_MAX + 1];
	uint8_t       last[STORE_KEY_MAX]; /* the last key returned */
};

static bool
key_ok(size_t klen)
{
	return klen > 0 && klen <= STORE_KEY_MAX;
}

/* A failed put or delete: remembers errors after which LMDB refuses the
 * txn, so that the writer aborts the request whatever its fn returns. */
static int
write_error(store_txn *txn, int rc, const char *what)
{
	switch (rc) {
	case MDB_NOTFOUND:
	case MDB_KEYEXIST:
	case MDB_BAD_VALSIZE: break;
	default:
		if (txn->poison == 0) {
			txn->poison = rc;
		}
		break;
	}
	return store__error(rc, what);
}

/* A failed read: LMDB marks a txn failed after any error but a missing
 * key (a page it could not find, a corrupt one), and a write txn in that
 * state cannot commit, so the writer must know. */
static int
read_error(store_txn *txn, int rc, const char *what)
{
	if (rc != MDB_NOTFOUND && txn->write && txn->poison == 0) {
		txn->poison = rc;
	}
	return store__error(rc, what);
}

/* mdb_get in txn; a write txn's reads see its own writes. */
static int
lookup(store_txn *txn, const store_table *t, const void *key, size_t klen,
    MDB_val *v)
{
	MDB_val k = { klen, (void *) key };
	int     rc;

	if (!key_ok(klen)) {
		return HUES_INVALID_ARGUMENT;
	}
	if ((rc = mdb_get(txn->txn, t->dbi, &k, v)) != 0) {
		return read_error(txn, rc, "get");
	}
	return HUES_OK;
}

int
store_get(store_txn *txn, const store_table *t, const void *key, size_t klen,
    void *buf, size_t cap, size_t *len)
{
	MDB_val v;
	int     rc = lookup(txn, t, key, klen, &v);

	if (rc != HUES_OK) {
		return rc;
	}
	if (v.mv_size > cap) {
		return HUES_OUT_OF_RANGE;
	}
	if (v.mv_size > 0) {
		memcpy(buf, v.mv_data, v.mv_size);
	}
	*len = v.mv_size;
	return HUES_OK;
}

static void *
default_alloc(void *ctx, size_t size)
{
	(void) ctx;
	return malloc(size);
}

int
store_get_alloc(store_txn *txn, const store_table *t, const void *key,
    size_t klen, store_alloc_fn alloc, void *ctx, void **val, size_t *len)
{
	MDB_val v;
	void   *p;
	int     rc = lookup(txn, t, key, klen, &v);

	if (rc != HUES_OK) {
		return rc;
	}
	if ((p = (alloc ? alloc : default_alloc)(
	         ctx, v.mv_size ? v.mv_size : 1)) == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	if (v.mv_size > 0) {
		memcpy(p, v.mv_data, v.mv_size);
	}
	*val = p;
	*len = v.mv_size;
	return HUES_OK;
}

int
store_has(store_txn *txn, const store_table *t, const void *key, size_t klen)
{
	MDB_val v;
	return lookup(txn, t, key, klen, &v);
}

int
store_count(store_txn *txn, const store_table *t, uint64_t *out)
{
	MDB_stat ms;
	int      rc = mdb_stat(txn->txn, t->dbi, &ms);
	if (rc != 0) {
		return store__error(rc, "stat");
	}
	*out = ms.ms_entries;
	return HUES_OK;
}

int
store_put(store_txn *txn, const store_table *t, const void *key, size_t klen,
    const void *val, size_t vlen, unsigned flags)
{
	MDB_val k = { klen, (void *) key }, v = { vlen, (void *) val };
	int     rc;

	if (!txn->write) {
		return HUES_FAILED_PRECONDITION;
	}
	if (!key_ok(klen)) {
		return HUES_INVALID_ARGUMENT;
	}
	rc = mdb_put(txn->txn, t->dbi, &k, &v,
	    (flags & STORE_PUT_NOOVERWRITE) ? MDB_NOOVERWRITE : 0);
	if (rc != 0) {
		return write_error(txn, rc, "put");
	}
	txn->wrote = true;
	return HUES_OK;
}

int
store_txn_on_commit(store_txn *txn, store_commit_fn fn, void *arg)
{
	if (!txn->write) {
		return HUES_FAILED_PRECONDITION;
	}
	txn->on_commit     = fn;
	txn->on_commit_arg = arg;
	return HUES_OK;
}

int
store_del(store_txn *txn, const store_table *t, const void *key, size_t klen)
{
	MDB_val k = { klen, (void *) key };
	int     rc;

	if (!txn->write) {
		return HUES_FAILED_PRECONDITION;
	}
	if (!key_ok(klen)) {
		return HUES_INVALID_ARGUMENT;
	}
	rc = mdb_del(txn->txn, t->dbi, &k, NULL);
	if (rc != 0) {
		return write_error(txn, rc, "delete");
	}
	txn->wrote = true;
	return HUES_OK;
}

static int
cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0) {
		return c;
	}
	return alen < blen ? -1 : alen > blen;
}

/*
 * Narrows [lo, hi) by the prefix: keys that start with P are exactly
 * those in [P, succ(P)), where succ(P) is P without its trailing 0xFF
 * bytes, its last byte plus one. An all-0xFF prefix has no successor, and
 * every key >= it starts with it.
 */
static void
apply_prefix(store_cursor *c, const uint8_t *p, size_t n)
{
	if (!c->has_lo || cmp(p, n, c->lo, c->lo_len) > 0) {
		memcpy(c->lo, p, n);
		c->lo_len  = n;
		c->has_lo  = true;
		c->lo_excl = false;
	}
	size_t m = n;
	while (m > 0 && p[m - 1] == 0xFF) {
		m--;
	}
	if (m == 0) {
		return;
	}
	uint8_t succ[STORE_KEY_MAX];
	memcpy(succ, p, m);
	succ[m - 1]++;
	int c_hi = c->has_hi ? cmp(succ, m, c->hi, c->hi_len) : -1;
	if (c_hi < 0 || (c_hi == 0 && c->hi_incl)) {
		memcpy(c->hi, succ, m);
		c->hi_len  = m;
		c->has_hi  = true;
		c->hi_incl = false;
	}
}

static int
set_bounds(store_cursor *c, const store_range *r)
{
	if ((r->lo && r->lo_len > STORE_KEY_MAX) ||
	    (r->hi && r->hi_len > STORE_KEY_MAX) ||
	    (r->prefix && r->prefix_len > STORE_KEY_MAX)) {
		return HUES_INVALID_ARGUMENT;
	}
	c->reverse = (r->flags & STORE_RANGE_REVERSE) != 0;
	c->limit   = r->limit;
	if (r->lo != NULL) {
		memcpy(c->lo, r->lo, r->lo_len);
		c->lo_len  = r->lo_len;
		c->has_lo  = true;
		c->lo_excl = (r->flags & STORE_RANGE_LO_EXCL) != 0;
	}
	if (r->hi != NULL) {
		memcpy(c->hi, r->hi, r->hi_len);
		c->hi_len  = r->hi_len;
		c->has_hi  = true;
		c->hi_incl = (r->flags & STORE_RANGE_HI_INCL) != 0;
	}
	if (r->prefix != NULL && r->prefix_len > 0) {
		apply_prefix(c, r->prefix, r->prefix_len);
	}
	return HUES_OK;
}

int
store_cursor_open(store_txn *txn, const store_table *t, const store_range *r,
    store_cursor **out)
{
	store_cursor *c = calloc(1, sizeof(*c));
	int           rc;

	if (c == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	if (r != NULL && (rc = set_bounds(c, r)) != HUES_OK) {
		free(c);
		return rc;
	}
	if ((rc = mdb_cursor_open(txn->txn, t->dbi, &c->mc)) != 0) {
		free(c);
		return store__error(rc, "cursor open");
	}
	c->txn       = txn;
	c->next      = txn->cursors;
	txn->cursors = c;
	*out         = c;
	return HUES_OK;
}

static int
get(store_cursor *c, MDB_val *k, MDB_val *v, MDB_cursor_op op)
{
	return mdb_cursor_get(c->mc, k, v, op);
}

/* Positions on the first key >= (lo, or lo excluded). */
static int
seek_forward(store_cursor *c, const uint8_t *lo, size_t len, bool excl,
    MDB_val *k, MDB_val *v)
{
	int rc;
	*k = (MDB_val) { len, (void *) lo };
	if ((rc = get(c, k, v, MDB_SET_RANGE)) != 0) {
		return rc;
	}
	if (excl && cmp(k->mv_data, k->mv_size, lo, len) == 0) {
		rc = get(c, k, v, MDB_NEXT);
	}
	return rc;
}

/* Positions on the last key < hi (or <= hi when incl). */
static int
seek_reverse(store_cursor *c, const uint8_t *hi, size_t len, bool incl,
    MDB_val *k, MDB_val *v)
{
	int rc;
	*k = (MDB_val) { len, (void *) hi };
	rc = get(c, k, v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND) {
		return get(c, k, v, MDB_LAST);
	}
	if (rc != 0) {
		return rc;
	}
	if (incl && cmp(k->mv_data, k->mv_size, hi, len) == 0) {
		return 0;
	}
	return get(c, k, v, MDB_PREV);
}

/*
 * One step. In a write txn every step after the first seeks again from
 * the last key returned, so puts and deletes made between steps (which
 * move LMDB's cursor under it) cannot make it skip or repeat a key.
 */
static int
step(store_cursor *c, MDB_val *k, MDB_val *v)
{
	if (!c->started) {
		c->started = true;
		if (!c->reverse) {
			return c->has_lo ? seek_forward(c, c->lo, c->lo_len,
			                       c->lo_excl, k, v)
			                 : get(c, k, v, MDB_FIRST);
		}
		return c->has_hi
		           ? seek_reverse(c, c->hi, c->hi_len, c->hi_incl, k, v)
		           : get(c, k, v, MDB_LAST);
	}
	if (!c->txn->write) {
		return get(c, k, v, c->reverse ? MDB_PREV : MDB_NEXT);
	}
	return c->reverse ? seek_reverse(c, c->last, c->last_len, false, k, v)
	                  : seek_forward(c, c->last, c->last_len, true, k, v);
}

static bool
in_range(const store_cursor *c, const MDB_val *k)
{
	if (!c->reverse && c->has_hi) {
		int d = cmp(k->mv_data, k->mv_size, c->hi, c->hi_len);
		return d < 0 || (d == 0 && c->hi_incl);
	}
	if (c->reverse && c->has_lo) {
		int d = cmp(k->mv_data, k->mv_size, c->lo, c->lo_len);
		return d > 0 || (d == 0 && !c->lo_excl);
	}
	return true;
}

int
store_cursor_next(store_cursor *c, store_item *out)
{
	MDB_val k, v;
	int     rc;

	if (c->done || (c->limit > 0 && c->count >= c->limit)) {
		c->done = true;
		return HUES_NOT_FOUND;
	}
	if ((rc = step(c, &k, &v)) != 0 || !in_range(c, &k)) {
		c->done = true;
		return rc == 0 || rc == MDB_NOTFOUND
		           ? HUES_NOT_FOUND
		           : read_error(c->txn, rc, "cursor");
	}
	if (c->txn->write) {
		memcpy(c->last, k.mv_data, k.mv_size);
		c->last_len = k.mv_size;
	}
	c->count++;
	*out = (store_item) { k.mv_data, k.mv_size, v.mv_data, v.mv_size };
	return HUES_OK;
}

int
store_cursor_seek(store_cursor *c, const store_range *r)
{
	store_cursor fresh = { .txn = c->txn, .mc = c->mc, .next = c->next };
	int          rc;

	if (r != NULL && (rc = set_bounds(&fresh, r)) != HUES_OK) {
		return rc;
	}
	*c = fresh;
	return HUES_OK;
}

int
store_cursor_find(
    store_cursor *c, const void *key, size_t klen, store_item *out)
{
	MDB_val k = { klen, (void *) key }, v;
	int     rc;

	if (!key_ok(klen)) {
		return HUES_INVALID_ARGUMENT;
	}
	c->done = true; /* finds and steps do not mix; see store.h */
	if ((rc = get(c, &k, &v, MDB_SET_KEY)) != 0) {
		return rc == MDB_NOTFOUND ? HUES_NOT_FOUND
		                          : read_error(c->txn, rc, "cursor find");
	}
	*out = (store_item) { k.mv_data, k.mv_size, v.mv_data, v.mv_size };
	return HUES_OK;
}

void
store_cursor_close(store_cursor *c)
{
	if (c == NULL) {
		return;
	}
	for (store_cursor **pp = &c->txn->cursors; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	mdb_cursor_close(c->mc);
	free(c);
}

void
store__cursors_close_all(store_txn *txn)
{
	while (txn->cursors != NULL) {
		store_cursor_close(txn->cursors);
	}
}
