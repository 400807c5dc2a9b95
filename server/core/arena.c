/*
 * arena.c - chunked bump allocation with a cap for untrusted decoding.
 *
 * Chunks are malloc'd blocks chained newest first; an allocation larger than
 * an ordinary chunk gets a chunk of its own. Reset frees all chunks but the
 * oldest ordinary one, so a worker's steady state does no malloc at all.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16

struct arena_chunk {
	arena_chunk *next;
	size_t       size; /* usable bytes after the header */
	/* Keeps the usable space that follows aligned to ARENA_ALIGN. */
	_Alignas(ARENA_ALIGN) char data[];
};

static size_t
round_up(size_t n)
{
	return (n + (ARENA_ALIGN - 1)) & ~(size_t) (ARENA_ALIGN - 1);
}

void
arena_init(arena *a, size_t chunk_size)
{
	memset(a, 0, sizeof(*a));
	a->chunk_size = chunk_size < 256 ? 256 : round_up(chunk_size);
}

void
arena_fini(arena *a)
{
	arena_chunk *c = a->chunks;
	while (c != NULL) {
		arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->chunks = NULL;
	a->cur = a->end = NULL;
	a->used         = 0;
}

void
arena_reset(arena *a)
{
	arena_chunk *keep = NULL;

	/* Keep the oldest chunk if it is an ordinary one: it is the one every
	 * call uses, and keeping it avoids a malloc per call. */
	for (arena_chunk *c = a->chunks; c != NULL;) {
		arena_chunk *next = c->next;
		if (next == NULL && c->size == a->chunk_size) {
			keep = c;
		} else {
			free(c);
		}
		c = next;
	}
	a->chunks = keep;
	if (keep != NULL) {
		keep->next = NULL;
		a->cur     = keep->data;
		a->end     = keep->data + keep->size;
	} else {
		a->cur = a->end = NULL;
	}
	a->used   = 0;
	a->cap    = 0;
	a->capped = false;
}

void
arena_set_cap(arena *a, size_t cap)
{
	a->cap = cap == 0 ? 0 : a->used + cap;
}

void *
arena_alloc(arena *a, size_t n)
{
	size_t need = round_up(n == 0 ? 1 : n);

	if (need < n) {
		a->capped = true;
		return NULL;
	}
	if (a->cap != 0 && (need > a->cap || a->used > a->cap - need)) {
		a->capped = true;
		return NULL;
	}
	if ((size_t) (a->end - a->cur) < need) {
		size_t       size = need > a->chunk_size ? need : a->chunk_size;
		arena_chunk *c    = malloc(sizeof(*c) + size);
		if (c == NULL) {
			return NULL;
		}
		c->size = size;
		if (size == a->chunk_size || a->chunks == NULL) {
			/* An ordinary chunk becomes the current one. */
			c->next   = a->chunks;
			a->chunks = c;
			a->cur    = c->data;
			a->end    = c->data + size;
		} else {
			/* A dedicated chunk for one big allocation: link it
			 * behind the current chunk so the current chunk's free
			 * space stays in use. */
			c->next         = a->chunks->next;
			a->chunks->next = c;
			a->used += need;
			return c->data;
		}
	}
	void *p = a->cur;
	a->cur += need;
	a->used += need;
	return p;
}

void *
arena_zalloc(arena *a, size_t n)
{
	void *p = arena_alloc(a, n);
	if (p != NULL) {
		memset(p, 0, n);
	}
	return p;
}

void *
arena_memdup(arena *a, const void *p, size_t n)
{
	void *q = arena_alloc(a, n);
	if (q != NULL && n > 0) {
		memcpy(q, p, n);
	}
	return q;
}

char *
arena_strdup(arena *a, const char *s)
{
	return arena_memdup(a, s, strlen(s) + 1);
}

char *
arena_printf(arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		return NULL;
	}
	char *s = arena_alloc(a, (size_t) n + 1);
	if (s != NULL) {
		va_start(ap, fmt);
		vsnprintf(s, (size_t) n + 1, fmt, ap);
		va_end(ap);
	}
	return s;
}

static void *
pb_alloc(void *data, size_t size)
{
	return arena_alloc(data, size);
}

static void
pb_free(void *data, void *p)
{
	/* Everything goes at once when the arena is reset. */
	(void) data;
	(void) p;
}

void
arena_protobuf_allocator(arena *a, ProtobufCAllocator *out)
{
	out->alloc          = pb_alloc;
	out->free           = pb_free;
	out->allocator_data = a;
}
