/*
 * owners.c - who filed which report, in memory: each user's report
 * numbers, for ListMyReports, and each idempotency key's report, for
 * SubmitReport's retries.
 *
 * They are not an LMDB table: users are many and each submission's user
 * is a random one, so a table keyed by user made every submission dirty
 * one more page in a random place of its tree, and a commit's sync costs
 * about as much per separate page as for the rest of the commit together
 * (docs/performance.md). The durable truth is the owner tail of each
 * report's fb_time value (summary.c): the reporter and the idempotency
 * key. The user index is rebuilt from it at start (fb_owners_load) and
 * follows the committed data through commit hooks, in commit order; the
 * key map is only a hint that the writer checks against that tail in its
 * own transaction, so an entry of a write that never committed, or two
 * keys of one hash, are never taken for a replay.
 *
 * Users hash into open addressing, each with a sorted array of numbers
 * (about 100 bytes a user and 8 a report); keys into (hash, number)
 * pairs (32 bytes a key at most half full). The hashes take a seed drawn
 * at start, so crafted keys cannot aim at one chain.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/hash.h"
#include "core/log.h"
#include "svc/feedback/fb.h"

typedef struct owner {
	uint64_t  h;
	uint64_t *seqs; /* ascending */
	uint32_t  n, cap;
	size_t    len;
	char      user[]; /* len bytes, then a NUL */
} owner;

typedef struct idem_slot {
	uint64_t h, seq; /* seq 0: free */
} idem_slot;

struct fb_owners {
	uint64_t seed;

	pthread_rwlock_t lock;  /* the users */
	owner          **users; /* a power of 2 slots */
	size_t           nslots, nusers;

	pthread_mutex_t idem_mu; /* the keys */
	idem_slot      *keys;
	size_t          nkeys_slots, nkeys;
};

int
fb_owners_create(fb_owners **out)
{
	fb_owners *o = calloc(1, sizeof(*o));
	if (o == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	o->nslots      = 1024;
	o->nkeys_slots = 1024;
	o->users       = calloc(o->nslots, sizeof(*o->users));
	o->keys        = calloc(o->nkeys_slots, sizeof(*o->keys));
	if (o->users == NULL || o->keys == NULL) {
		free(o->users);
		free(o->keys);
		free(o);
		return HUES_RESOURCE_EXHAUSTED;
	}
	if (getrandom(&o->seed, sizeof(o->seed), 0) != sizeof(o->seed)) {
		o->seed = (uint64_t) (uintptr_t) o ^ 0x9e3779b97f4a7c15u;
	}
	pthread_rwlock_init(&o->lock, NULL);
	pthread_mutex_init(&o->idem_mu, NULL);
	*out = o;
	return HUES_OK;
}

void
fb_owners_destroy(fb_owners *o)
{
	if (o == NULL) {
		return;
	}
	for (size_t i = 0; i < o->nslots; i++) {
		if (o->users[i] != NULL) {
			free(o->users[i]->seqs);
			free(o->users[i]);
		}
	}
	free(o->users);
	free(o->keys);
	pthread_rwlock_destroy(&o->lock);
	pthread_mutex_destroy(&o->idem_mu);
	free(o);
}

/* FNV-1a of the seed, then the bytes: a different walk for every start. */
static uint64_t
seeded(uint64_t seed, const void *p, size_t n)
{
	return hash_fnv1a_more(hash_fnv1a(&seed, sizeof(seed)), p, n);
}

uint64_t
fb_owners_key_hash(const fb_owners *o, const char *user, size_t ulen,
    const char *key, size_t klen)
{
	/* The user's length first, so "ab"+"c" and "a"+"bc" differ. */
	uint64_t h = seeded(o->seed, &ulen, sizeof(ulen));
	h ^= seeded(h, user, ulen);
	return seeded(h, key, klen);
}

/* ----- users ------------------------------------------------------------ */

/* The slot of user (or the free one where it would go). Locked. */
static size_t
user_slot(owner *const *users, size_t nslots, uint64_t h, const char *user,
    size_t len)
{
	size_t i = (size_t) h & (nslots - 1);
	while (
	    users[i] != NULL && (users[i]->h != h || users[i]->len != len ||
	                            memcmp(users[i]->user, user, len) != 0)) {
		i = (i + 1) & (nslots - 1);
	}
	return i;
}

/* Doubles the user table when it is more than half full. Write-locked. */
static int
users_grow(fb_owners *o)
{
	if (2 * (o->nusers + 1) <= o->nslots) {
		return HUES_OK;
	}
	size_t  n = o->nslots * 2;
	owner **u = calloc(n, sizeof(*u));
	if (u == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	for (size_t i = 0; i < o->nslots; i++) {
		owner *w = o->users[i];
		if (w != NULL) {
			u[user_slot(u, n, w->h, w->user, w->len)] = w;
		}
	}
	free(o->users);
	o->users  = u;
	o->nslots = n;
	return HUES_OK;
}

/* Inserts seq in w's sorted numbers: commits come nearly in number
 * order, so the walk back from the end is short. Write-locked. */
static int
owner_insert(owner *w, uint64_t seq)
{
	if (w->n == w->cap) {
		uint32_t  cap = w->cap != 0 ? w->cap * 2 : 2;
		uint64_t *v   = realloc(w->seqs, cap * sizeof(*v));
		if (v == NULL) {
			return HUES_RESOURCE_EXHAUSTED;
		}
		w->seqs = v;
		w->cap  = cap;
	}
	uint32_t i = w->n;
	while (i > 0 && w->seqs[i - 1] > seq) {
		i--;
	}
	if (i > 0 && w->seqs[i - 1] == seq) {
		return HUES_OK; /* already in (loaded, then committed) */
	}
	memmove(&w->seqs[i + 1], &w->seqs[i], (w->n - i) * sizeof(*w->seqs));
	w->seqs[i] = seq;
	w->n++;
	return HUES_OK;
}

int
fb_owners_add(fb_owners *o, const char *user, size_t len, uint64_t seq)
{
	uint64_t h = seeded(o->seed, user, len);
	int      rv;

	pthread_rwlock_wrlock(&o->lock);
	if ((rv = users_grow(o)) != HUES_OK) {
		pthread_rwlock_unlock(&o->lock);
		return rv;
	}
	size_t i = user_slot(o->users, o->nslots, h, user, len);
	if (o->users[i] == NULL) {
		owner *w = calloc(1, sizeof(*w) + len + 1);
		if (w == NULL) {
			pthread_rwlock_unlock(&o->lock);
			return HUES_RESOURCE_EXHAUSTED;
		}
		w->h   = h;
		w->len = len;
		memcpy(w->user, user, len);
		o->users[i] = w;
		o->nusers++;
	}
	rv = owner_insert(o->users[i], seq);
	pthread_rwlock_unlock(&o->lock);
	return rv;
}

size_t
fb_owners_list(fb_owners *o, const char *user, size_t len, uint64_t below,
    uint64_t *out, size_t max)
{
	uint64_t h = seeded(o->seed, user, len);
	size_t   n = 0;

	pthread_rwlock_rdlock(&o->lock);
	owner *w = o->users[user_slot(o->users, o->nslots, h, user, len)];
	if (w != NULL) {
		/* The first number not below the bound, by bisection. */
		uint32_t lo = 0, hi = w->n;
		while (below != 0 && lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (w->seqs[mid] < below) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
		for (uint32_t i = hi; i > 0 && n < max; i--) {
			out[n++] = w->seqs[i - 1];
		}
	}
	pthread_rwlock_unlock(&o->lock);
	return n;
}

/* ----- idempotency keys --------------------------------------------------- */

size_t
fb_owners_key_find(fb_owners *o, uint64_t h, uint64_t *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&o->idem_mu);
	size_t mask = o->nkeys_slots - 1;
	for (size_t i = (size_t) h & mask; o->keys[i].seq != 0;
	     i        = (i + 1) & mask) {
		if (o->keys[i].h == h && n < max) {
			out[n++] = o->keys[i].seq;
		}
	}
	pthread_mutex_unlock(&o->idem_mu);
	return n;
}

static void
key_place(idem_slot *keys, size_t nslots, uint64_t h, uint64_t seq)
{
	size_t i = (size_t) h & (nslots - 1);
	while (keys[i].seq != 0) {
		i = (i + 1) & (nslots - 1);
	}
	keys[i] = (idem_slot) { h, seq };
}

int
fb_owners_key_set(fb_owners *o, uint64_t h, uint64_t stale, uint64_t seq)
{
	pthread_mutex_lock(&o->idem_mu);
	size_t mask = o->nkeys_slots - 1;
	for (size_t i = (size_t) h & mask; o->keys[i].seq != 0;
	     i        = (i + 1) & mask) {
		if (o->keys[i].h == h &&
		    (o->keys[i].seq == seq || o->keys[i].seq == stale)) {
			o->keys[i].seq = seq; /* no slot ever frees */
			pthread_mutex_unlock(&o->idem_mu);
			return HUES_OK;
		}
	}
	if (2 * (o->nkeys + 1) > o->nkeys_slots) {
		size_t     n = o->nkeys_slots * 2;
		idem_slot *k = calloc(n, sizeof(*k));
		if (k == NULL) {
			pthread_mutex_unlock(&o->idem_mu);
			return HUES_RESOURCE_EXHAUSTED;
		}
		for (size_t i = 0; i < o->nkeys_slots; i++) {
			if (o->keys[i].seq != 0) {
				key_place(k, n, o->keys[i].h, o->keys[i].seq);
			}
		}
		free(o->keys);
		o->keys        = k;
		o->nkeys_slots = n;
	}
	key_place(o->keys, o->nkeys_slots, h, seq);
	o->nkeys++;
	pthread_mutex_unlock(&o->idem_mu);
	return HUES_OK;
}

void
fb_owners_counts(fb_owners *o, size_t *users, size_t *keys)
{
	pthread_rwlock_rdlock(&o->lock);
	*users = o->nusers;
	pthread_rwlock_unlock(&o->lock);
	pthread_mutex_lock(&o->idem_mu);
	*keys = o->nkeys;
	pthread_mutex_unlock(&o->idem_mu);
}

/* ----- at start ------------------------------------------------------------
 */

/* One fb_time entry: its owner into the index. */
static int
load_entry(fb_owners *o, const store_item *it)
{
	fb_summary s;
	fb_owner   w;
	int        rv = HUES_OK;

	if (!fb_summary_decode(it->val, it->vlen, &s) ||
	    !fb_owner_decode(it->val, it->vlen, &w)) {
		LOG_ERROR(NULL, "feedback: an fb_time entry without summary or "
		                "owner");
		return HUES_DATA_LOSS;
	}
	if (w.user_len > 0) {
		rv = fb_owners_add(o, w.user, w.user_len, s.seq);
	}
	if (rv == HUES_OK && w.key_len > 0) {
		rv = fb_owners_key_set(o,
		    fb_owners_key_hash(o, w.user, w.user_len, w.key, w.key_len),
		    0, s.seq);
	}
	return rv;
}

static uint64_t
key_seq_of(const store_item *it)
{
	store_key_view v;
	uint64_t       seq = 0;
	store_key_view_init(&v, it->key, it->klen);
	(void) store_key_get_u64(&v, &seq);
	return seq;
}

/*
 * A store whose fb_time lacks entries of fb_report (a damaged one: both
 * are written in one transaction) would hide those reports from their
 * reporters' lists. Their records name the reporter: they are listed, so
 * that ListMyReports answers DATA_LOSS where it needs the summary rather
 * than a shorter list. Their idempotency keys are lost, which is logged.
 */
static int
load_orphans(fb_service *svc, store_txn *txn)
{
	store_cursor *rc, *tc;
	store_item    ri, ti;
	int           rv;
	bool          more_t;

	if ((rv = store_cursor_open(txn, svc->t.report, NULL, &rc)) !=
	    HUES_OK) {
		return rv;
	}
	if ((rv = store_cursor_open(txn, svc->t.time, NULL, &tc)) != HUES_OK) {
		store_cursor_close(rc);
		return rv;
	}
	more_t = store_cursor_next(tc, &ti) == HUES_OK;
	while (rv == HUES_OK && store_cursor_next(rc, &ri) == HUES_OK) {
		uint64_t seq = key_seq_of(&ri);
		while (more_t && key_seq_of(&ti) < seq) {
			more_t = store_cursor_next(tc, &ti) == HUES_OK;
		}
		if (more_t && key_seq_of(&ti) == seq) {
			continue;
		}
		ProtobufCAllocator *a = NULL; /* protobuf-c's malloc */
		Hues__V1__Report   *r =
		    hues__v1__report__unpack(a, ri.vlen, ri.val);
		LOG_ERROR(NULL,
		    "feedback: report %llu has no fb_time entry: "
		    "listed for its reporter, its idempotency key "
		    "forgotten",
		    (unsigned long long) seq);
		if (r != NULL && r->reporter != NULL &&
		    r->reporter[0] != '\0') {
			rv = fb_owners_add(
			    svc->owners, r->reporter, strlen(r->reporter), seq);
		}
		hues__v1__report__free_unpacked(r, a);
	}
	store_cursor_close(tc);
	store_cursor_close(rc);
	return rv;
}

int
fb_owners_load(fb_service *svc)
{
	store_reader *r;
	store_txn    *txn;
	store_cursor *c;
	store_item    it;
	uint64_t      nrep = 0, ntime = 0;
	int           rv;

	if ((rv = store_reader_create(svc->st, &r)) != HUES_OK) {
		return rv;
	}
	if ((rv = store_read_begin(r, &txn)) == HUES_OK) {
		if ((rv = store_cursor_open(txn, svc->t.time, NULL, &c)) ==
		    HUES_OK) {
			while (rv == HUES_OK &&
			       store_cursor_next(c, &it) == HUES_OK) {
				rv = load_entry(svc->owners, &it);
			}
			store_cursor_close(c);
		}
		if (rv == HUES_OK &&
		    (rv = store_count(txn, svc->t.report, &nrep)) == HUES_OK &&
		    (rv = store_count(txn, svc->t.time, &ntime)) == HUES_OK &&
		    nrep != ntime) {
			rv = load_orphans(svc, txn);
		}
		store_read_end(r);
	}
	store_reader_destroy(r);
	return rv;
}
