/*
 * cache.c - tokens already verified, so that a hit costs a hash and a copy
 * instead of a signature check (RS256 through libjwt re-parses the PEM key
 * on every call: about 0.65 ms).
 *
 * The table is split into shards, each with its own mutex, so workers that
 * verify at once rarely wait for each other. A shard is a set-associative
 * table: the token's SHA-256 picks a bucket of WAYS entries, and a full
 * bucket evicts its least recently used entry, which bounds memory without
 * any list to maintain. An entry remembers the key set generation it was
 * verified with: one verified under a set that is no longer in force is
 * never returned, even if it was put after the reload emptied the cache.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth/internal.h"
#include "hues/status.h"

#define SHARDS 16
#define WAYS   4

/* A principal and its strings in one allocation. */
typedef struct cached {
	auth_principal p;
	char           text[];
} cached;

typedef struct entry {
	uint8_t  hash[AUTH_HASH_LEN];
	int64_t  valid_until;
	uint64_t gen;
	uint64_t used;  /* the shard's tick at the last hit: LRU order */
	cached  *value; /* NULL: the slot is free */
} entry;

typedef struct shard {
	/* Shards sit on cache lines of their own, so that the mutexes of
	 * two shards never share one. */
	_Alignas(64) pthread_mutex_t mu;
	entry   *slots; /* nbuckets * WAYS */
	uint64_t tick;
	uint64_t hits, misses; /* under mu, so counting costs no atomics */
} shard;

struct auth_cache {
	shard  shards[SHARDS];
	size_t nbuckets; /* per shard */
};

int
auth__cache_create(size_t entries, auth_cache **out)
{
	auth_cache *c = aligned_alloc(64, sizeof(*c));
	if (c == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	memset(c, 0, sizeof(*c));
	c->nbuckets = entries / (SHARDS * WAYS);
	if (c->nbuckets == 0) {
		c->nbuckets = 1;
	}
	for (size_t i = 0; i < SHARDS; i++) {
		shard *s = &c->shards[i];
		s->slots = calloc(c->nbuckets * WAYS, sizeof(entry));
		if (s->slots == NULL) {
			auth__cache_destroy(c);
			return HUES_RESOURCE_EXHAUSTED;
		}
		pthread_mutex_init(&s->mu, NULL);
	}
	*out = c;
	return HUES_OK;
}

void
auth__cache_destroy(auth_cache *c)
{
	if (c == NULL) {
		return;
	}
	for (size_t i = 0; i < SHARDS; i++) {
		shard *s = &c->shards[i];
		if (s->slots == NULL) {
			continue;
		}
		for (size_t j = 0; j < c->nbuckets * WAYS; j++) {
			free(s->slots[j].value);
		}
		free(s->slots);
		pthread_mutex_destroy(&s->mu);
	}
	free(c);
}

/* The shard and bucket of a hash: its bytes are uniform, any will do. */
static entry *
bucket(auth_cache *c, const uint8_t *hash, shard **sp)
{
	uint64_t h;
	memcpy(&h, hash, sizeof(h));
	*sp = &c->shards[h % SHARDS];
	return &(*sp)->slots[(h / SHARDS) % c->nbuckets * WAYS];
}

static const char *
copy_out(arena *a, const char *s)
{
	return s != NULL ? auth__strdup(a, s) : NULL;
}

bool
auth__cache_get(auth_cache *c, const uint8_t hash[AUTH_HASH_LEN], int64_t now,
    uint64_t gen, arena *a, auth_principal *p)
{
	shard *s;
	entry *b   = bucket(c, hash, &s);
	bool   hit = false;

	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < WAYS; i++) {
		entry *e = &b[i];
		if (e->value == NULL ||
		    memcmp(e->hash, hash, AUTH_HASH_LEN) != 0) {
			continue;
		}
		if (e->gen != gen || now >= e->valid_until) {
			/* Dead for good: the set changed or time ran out. */
			free(e->value);
			e->value = NULL;
			break;
		}
		/* Copied under the lock: a put may free the value after. */
		const auth_principal *q = &e->value->p;
		*p                      = *q;
		p->subject              = copy_out(a, q->subject);
		p->agency               = copy_out(a, q->agency);
		p->ward                 = copy_out(a, q->ward);
		p->name                 = copy_out(a, q->name);
		p->on_behalf_of         = copy_out(a, q->on_behalf_of);
		e->used                 = ++s->tick;
		hit                     = true;
		break;
	}
	if (hit) {
		s->hits++;
	} else {
		s->misses++;
	}
	pthread_mutex_unlock(&s->mu);
	return hit;
}

/* Appends s to the text of v at *off and returns where it went. */
static const char *
pack(cached *v, size_t *off, const char *s)
{
	if (s == NULL) {
		return NULL;
	}
	size_t n = strlen(s) + 1;
	char  *d = v->text + *off;
	memcpy(d, s, n);
	*off += n;
	return d;
}

static size_t
len0(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

void
auth__cache_put(auth_cache *c, const uint8_t hash[AUTH_HASH_LEN],
    int64_t valid_until, uint64_t gen, const auth_principal *p)
{
	size_t n = len0(p->subject) + len0(p->agency) + len0(p->ward) +
	           len0(p->name) + len0(p->on_behalf_of);
	cached *v   = malloc(sizeof(*v) + n);
	size_t  off = 0;

	if (v == NULL) {
		return; /* a cache may always forget */
	}
	v->p              = *p;
	v->p.subject      = pack(v, &off, p->subject);
	v->p.agency       = pack(v, &off, p->agency);
	v->p.ward         = pack(v, &off, p->ward);
	v->p.name         = pack(v, &off, p->name);
	v->p.on_behalf_of = pack(v, &off, p->on_behalf_of);

	shard *s;
	entry *b      = bucket(c, hash, &s);
	entry *victim = NULL;
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < WAYS; i++) {
		entry *e = &b[i];
		if (e->value != NULL &&
		    memcmp(e->hash, hash, AUTH_HASH_LEN) == 0) {
			victim = e; /* two workers verified the same token */
			break;
		}
		if (victim == NULL || e->value == NULL ||
		    (victim->value != NULL && e->used < victim->used)) {
			victim = e;
		}
	}
	free(victim->value);
	memcpy(victim->hash, hash, AUTH_HASH_LEN);
	victim->valid_until = valid_until;
	victim->gen         = gen;
	victim->used        = ++s->tick;
	victim->value       = v;
	pthread_mutex_unlock(&s->mu);
}

void
auth__cache_clear(auth_cache *c)
{
	for (size_t i = 0; i < SHARDS; i++) {
		shard *s = &c->shards[i];
		pthread_mutex_lock(&s->mu);
		for (size_t j = 0; j < c->nbuckets * WAYS; j++) {
			free(s->slots[j].value);
			s->slots[j].value = NULL;
		}
		pthread_mutex_unlock(&s->mu);
	}
}

void
auth__cache_stats(auth_cache *c, uint64_t *hits, uint64_t *misses)
{
	uint64_t h = 0, m = 0;
	for (size_t i = 0; i < SHARDS; i++) {
		shard *s = &c->shards[i];
		pthread_mutex_lock(&s->mu);
		h += s->hits;
		m += s->misses;
		pthread_mutex_unlock(&s->mu);
	}
	*hits   = h;
	*misses = m;
}
