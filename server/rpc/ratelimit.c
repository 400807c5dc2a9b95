/*
 * ratelimit.c - token buckets in a chained hash table with an LRU list.
 * Tokens are kept in fixed point (millionths of a token), so refills of a
 * few tokens an hour stay exact over sub-millisecond steps.
 */
#include "rpc/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "hues/status.h"

#define MICRO 1000000u
#define NS_PER_HOUR (3600ull * 1000000000ull)

typedef struct bucket bucket;
struct bucket {
	bucket  *hnext;
	bucket  *prev, *next; /* LRU: head is the most recent */
	uint64_t hash;
	uint64_t tokens_u;   /* millionths of a token */
	uint64_t updated_ns; /* last refill */
	char     key[];
};

struct rpc_ratelimit {
	pthread_mutex_t mtx;
	bucket        **slots;
	size_t          nslots; /* power of two */
	bucket         *head, *tail;
	size_t          nkeys, max_keys;
	uint64_t        cap_u;      /* burst, in millionths */
	uint64_t        rate_per_h; /* tokens per hour */
};

int
rpc_ratelimit_create(uint32_t rate_per_hour, uint32_t burst, size_t max_keys,
    rpc_ratelimit **out)
{
	/* Bounds keep the fixed-point products below 2^64. */
	if (rate_per_hour == 0 || burst == 0 || burst > 1000000u ||
	    rate_per_hour > 1000000000u || max_keys == 0) {
		return HUES_INVALID_ARGUMENT;
	}
	rpc_ratelimit *rl = calloc(1, sizeof(*rl));
	if (rl == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	rl->nslots = 64;
	while (rl->nslots < max_keys) {
		rl->nslots *= 2;
	}
	if ((rl->slots = calloc(rl->nslots, sizeof(*rl->slots))) == NULL) {
		free(rl);
		return HUES_RESOURCE_EXHAUSTED;
	}
	pthread_mutex_init(&rl->mtx, NULL);
	rl->max_keys   = max_keys;
	rl->cap_u      = (uint64_t) burst * MICRO;
	rl->rate_per_h = rate_per_hour;
	*out           = rl;
	return HUES_OK;
}

void
rpc_ratelimit_destroy(rpc_ratelimit *rl)
{
	if (rl == NULL) {
		return;
	}
	for (bucket *b = rl->head; b != NULL;) {
		bucket *next = b->next;
		free(b);
		b = next;
	}
	pthread_mutex_destroy(&rl->mtx);
	free(rl->slots);
	free(rl);
}

static void
lru_unlink(rpc_ratelimit *rl, bucket *b)
{
	if (b->prev != NULL) {
		b->prev->next = b->next;
	} else {
		rl->head = b->next;
	}
	if (b->next != NULL) {
		b->next->prev = b->prev;
	} else {
		rl->tail = b->prev;
	}
	b->prev = b->next = NULL;
}

static void
lru_push_front(rpc_ratelimit *rl, bucket *b)
{
	b->prev = NULL;
	b->next = rl->head;
	if (rl->head != NULL) {
		rl->head->prev = b;
	} else {
		rl->tail = b;
	}
	rl->head = b;
}

static bucket **
find(rpc_ratelimit *rl, const char *key, uint64_t h)
{
	bucket **pp = &rl->slots[h & (rl->nslots - 1)];
	while (*pp != NULL && ((*pp)->hash != h || strcmp((*pp)->key, key) != 0)) {
		pp = &(*pp)->hnext;
	}
	return pp;
}

/* Forgets the least recently used bucket. */
static void
evict(rpc_ratelimit *rl)
{
	bucket *b = rl->tail;
	*find(rl, b->key, b->hash) = b->hnext;
	lru_unlink(rl, b);
	rl->nkeys--;
	free(b);
}

uint32_t
rpc_ratelimit_take(rpc_ratelimit *rl, const char *key, uint64_t now_ns)
{
	uint64_t h    = hash_fnv1a(key, strlen(key));
	uint32_t wait = 0;

	pthread_mutex_lock(&rl->mtx);
	bucket **pp = find(rl, key, h);
	bucket  *b  = *pp;
	if (b == NULL) {
		size_t klen = strlen(key) + 1;
		if ((b = malloc(sizeof(*b) + klen)) == NULL) {
			/* Without memory no limit can be kept: serve. */
			pthread_mutex_unlock(&rl->mtx);
			return 0;
		}
		if (rl->nkeys >= rl->max_keys) {
			evict(rl);
			pp = find(rl, key, h); /* the chain may have changed */
		}
		memcpy(b->key, key, klen);
		b->hash       = h;
		b->tokens_u   = rl->cap_u;
		b->updated_ns = now_ns;
		b->hnext      = NULL;
		*pp           = b;
		rl->nkeys++;
	} else {
		lru_unlink(rl, b);
		if (now_ns > b->updated_ns) {
			/* Refill: elapsed * rate / hour, in millionths; the
			 * product stays in 64 bits for any elapsed time up to
			 * the cap's worth of refill. */
			uint64_t dt  = now_ns - b->updated_ns;
			uint64_t gap = rl->cap_u - b->tokens_u;
			uint64_t full_ns =
			    gap == 0 ? 0 : gap * (NS_PER_HOUR / MICRO) / rl->rate_per_h;
			if (dt >= full_ns) {
				b->tokens_u = rl->cap_u;
			} else {
				b->tokens_u += dt * rl->rate_per_h / (NS_PER_HOUR / MICRO);
			}
			b->updated_ns = now_ns;
		}
	}
	lru_push_front(rl, b);
	if (b->tokens_u >= MICRO) {
		b->tokens_u -= MICRO;
	} else {
		uint64_t need_u = MICRO - b->tokens_u;
		uint64_t ns = need_u * (NS_PER_HOUR / MICRO) / rl->rate_per_h;
		uint64_t ms = ns / 1000000u + 1;
		wait        = ms > UINT32_MAX ? UINT32_MAX : (uint32_t) ms;
	}
	pthread_mutex_unlock(&rl->mtx);
	return wait;
}
