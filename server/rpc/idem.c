/*
 * idem.c - a chained hash table with a FIFO list for expiry and eviction,
 * under one mutex (lookups are rare: only non-idempotent calls that carry
 * a key come here).
 */
#include "rpc/idem.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/hash.h"
#include "hues/status.h"

typedef struct idem_entry idem_entry;
struct idem_entry {
	idem_entry *hnext;          /* hash chain */
	idem_entry *older, *newer;  /* FIFO by creation */
	uint64_t    hash;
	uint64_t    payload_hash;
	uint64_t    expires_ns;
	bool        done;
	int         code;
	char       *message;
	char       *reason;
	uint8_t    *payload;
	size_t      payload_len;
	uint32_t    retry_after_ms;
	size_t      nviolations;
	char      **violations; /* field, description, field, ... */
	size_t      bytes; /* accounted size */
	char        key[];
};

struct rpc_idem {
	pthread_mutex_t mtx;
	idem_entry    **buckets;
	size_t          nbuckets; /* power of two */
	idem_entry     *oldest, *newest;
	size_t          entries, bytes;
	size_t          max_entries, max_bytes;
	uint64_t        ttl_ns;
};

uint64_t
rpc_idem_hash(const void *data, size_t len)
{
	return hash_fnv1a(data, len);
}

int
rpc_idem_create(size_t max_entries, size_t max_bytes, uint64_t ttl_ms,
    rpc_idem **out)
{
	rpc_idem *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	t->nbuckets = 1024;
	while (t->nbuckets < max_entries) {
		t->nbuckets *= 2;
	}
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (t->buckets == NULL) {
		free(t);
		return HUES_RESOURCE_EXHAUSTED;
	}
	pthread_mutex_init(&t->mtx, NULL);
	t->max_entries = max_entries;
	t->max_bytes   = max_bytes;
	t->ttl_ns      = ttl_ms * 1000000u;
	*out           = t;
	return HUES_OK;
}

static void
entry_free(idem_entry *e)
{
	free(e->message);
	free(e->reason);
	free(e->payload);
	for (size_t i = 0; i < 2 * e->nviolations; i++) {
		free(e->violations[i]);
	}
	free(e->violations);
	free(e);
}

void
rpc_idem_destroy(rpc_idem *t)
{
	if (t == NULL) {
		return;
	}
	for (idem_entry *e = t->oldest; e != NULL;) {
		idem_entry *next = e->newer;
		entry_free(e);
		e = next;
	}
	pthread_mutex_destroy(&t->mtx);
	free(t->buckets);
	free(t);
}

static idem_entry **
find_slot(rpc_idem *t, const char *key, uint64_t h)
{
	idem_entry **pp = &t->buckets[h & (t->nbuckets - 1)];
	while (*pp != NULL && ((*pp)->hash != h || strcmp((*pp)->key, key) != 0)) {
		pp = &(*pp)->hnext;
	}
	return pp;
}

static void
unlink_entry(rpc_idem *t, idem_entry *e)
{
	idem_entry **pp = find_slot(t, e->key, e->hash);
	*pp             = e->hnext;
	if (e->older != NULL) {
		e->older->newer = e->newer;
	} else {
		t->oldest = e->newer;
	}
	if (e->newer != NULL) {
		e->newer->older = e->older;
	} else {
		t->newest = e->older;
	}
	t->entries--;
	t->bytes -= e->bytes;
	entry_free(e);
}

/* Drops expired entries, then the oldest finished ones while over limits.
 * An entry in progress is never dropped: its owner will finish it. */
static void
trim(rpc_idem *t, uint64_t now)
{
	idem_entry *e = t->oldest;
	while (e != NULL) {
		idem_entry *next = e->newer;
		bool over = t->entries >= t->max_entries || t->bytes > t->max_bytes;
		if (e->done && (e->expires_ns <= now || over)) {
			unlink_entry(t, e);
		} else if (!over) {
			break;
		}
		e = next;
	}
}

idem_state
rpc_idem_begin(rpc_idem *t, const char *key, uint64_t payload_hash, arena *a,
    rpc_outcome *cached)
{
	uint64_t   h   = rpc_idem_hash(key, strlen(key));
	uint64_t   now = clock_now_ns();
	idem_state st;

	pthread_mutex_lock(&t->mtx);
	trim(t, now);
	idem_entry *e = *find_slot(t, key, h);
	if (e != NULL && e->done && e->expires_ns <= now) {
		unlink_entry(t, e);
		e = NULL;
	}
	if (e == NULL) {
		size_t klen = strlen(key) + 1;
		e           = calloc(1, sizeof(*e) + klen);
		if (e == NULL) {
			/* Without memory the key cannot be honoured; run the
			 * call as though it had none. */
			pthread_mutex_unlock(&t->mtx);
			return IDEM_NEW;
		}
		memcpy(e->key, key, klen);
		e->hash         = h;
		e->payload_hash = payload_hash;
		e->bytes        = sizeof(*e) + klen;
		e->hnext        = t->buckets[h & (t->nbuckets - 1)];
		t->buckets[h & (t->nbuckets - 1)] = e;
		e->older = t->newest;
		if (t->newest != NULL) {
			t->newest->newer = e;
		} else {
			t->oldest = e;
		}
		t->newest = e;
		t->entries++;
		t->bytes += e->bytes;
		st = IDEM_NEW;
	} else if (e->payload_hash != payload_hash) {
		st = IDEM_MISMATCH;
	} else if (!e->done) {
		st = IDEM_IN_PROGRESS;
	} else {
		st = IDEM_DONE;
		/* call_id and request_id stay those of the retry. */
		svc_violation *v = e->nviolations == 0 ? NULL
		    : arena_alloc(a, e->nviolations * sizeof(*v));
		for (size_t i = 0; v != NULL && i < e->nviolations; i++) {
			v[i].field       = arena_strdup(a, e->violations[2 * i]);
			v[i].description = arena_strdup(a, e->violations[2 * i + 1]);
		}
		cached->violations     = v;
		cached->nviolations    = v != NULL ? e->nviolations : 0;
		cached->retry_after_ms = e->retry_after_ms;
		cached->code    = e->code;
		cached->message = e->message ? arena_strdup(a, e->message) : NULL;
		cached->reason  = e->reason ? arena_strdup(a, e->reason) : NULL;
		cached->payload.len  = e->payload_len;
		cached->payload.data = arena_memdup(a, e->payload, e->payload_len);
	}
	pthread_mutex_unlock(&t->mtx);
	return st;
}

void
rpc_idem_finish(rpc_idem *t, const char *key, const rpc_outcome *o)
{
	uint64_t h = rpc_idem_hash(key, strlen(key));

	pthread_mutex_lock(&t->mtx);
	idem_entry *e = *find_slot(t, key, h);
	if (e != NULL && !e->done) {
		e->done       = true;
		e->code       = o->code;
		e->expires_ns = clock_now_ns() + t->ttl_ns;
		e->message    = o->message ? strdup(o->message) : NULL;
		e->reason     = o->reason ? strdup(o->reason) : NULL;
		if (o->payload.len > 0) {
			e->payload = malloc(o->payload.len);
			if (e->payload != NULL) {
				memcpy(e->payload, o->payload.data, o->payload.len);
				e->payload_len = o->payload.len;
			}
		}
		e->retry_after_ms = o->retry_after_ms;
		size_t vbytes     = 0;
		bool   vlost      = false;
		if (o->nviolations > 0) {
			e->violations = calloc(2 * o->nviolations, sizeof(char *));
			vlost         = e->violations == NULL;
		}
		for (size_t i = 0; e->violations != NULL && i < o->nviolations;
		     i++) {
			const svc_violation *v = &o->violations[i];
			e->violations[2 * i]     = strdup(v->field ? v->field : "");
			e->violations[2 * i + 1] =
			    strdup(v->description ? v->description : "");
			e->nviolations = i + 1;
			if (!e->violations[2 * i] || !e->violations[2 * i + 1]) {
				vlost = true;
				break;
			}
			vbytes += strlen(e->violations[2 * i]) +
			    strlen(e->violations[2 * i + 1]) + 2 * sizeof(char *);
		}
		bool lost = vlost || (o->message && !e->message) ||
		    (o->reason && !e->reason) ||
		    (o->payload.len > 0 && e->payload == NULL);
		size_t extra = e->payload_len +
		    (e->message ? strlen(e->message) : 0) +
		    (e->reason ? strlen(e->reason) : 0) + vbytes;
		e->bytes += extra;
		t->bytes += extra;
		if (lost) {
			/* A partial copy would replay a wrong answer. */
			unlink_entry(t, e);
		}
	}
	pthread_mutex_unlock(&t->mtx);
}

void
rpc_idem_abandon(rpc_idem *t, const char *key)
{
	uint64_t h = rpc_idem_hash(key, strlen(key));

	pthread_mutex_lock(&t->mtx);
	idem_entry *e = *find_slot(t, key, h);
	if (e != NULL && !e->done) {
		unlink_entry(t, e);
	}
	pthread_mutex_unlock(&t->mtx);
}
