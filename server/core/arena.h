/*
 * arena.h - a bump allocator for the life of one call.
 *
 * Each worker owns one arena. A call decodes its request into it, builds its
 * response in it, and the whole arena is reset in one go once the reply has
 * been handed to the transport (like h2o's req->pool). A cap bounds what
 * decoding untrusted bytes may allocate: protobuf-c 1.4.1 has no allocation
 * limit of its own, and a few MB of hostile input can make it ask for
 * hundreds of MB.
 */
#ifndef HUES_CORE_ARENA_H
#define HUES_CORE_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

typedef struct arena_chunk arena_chunk;

typedef struct arena {
	arena_chunk *chunks;     /* newest first; the last one is kept */
	char        *cur;        /* next free byte in chunks */
	char        *end;        /* end of chunks' usable space */
	size_t       used;       /* bytes handed out since the last reset */
	size_t       cap;        /* limit on used; 0 means no limit */
	size_t       chunk_size; /* size of an ordinary chunk */
	bool         capped;     /* an allocation failed because of cap */
} arena;

/* Initialises an arena whose ordinary chunks hold chunk_size bytes. */
void arena_init(arena *a, size_t chunk_size);

/* Frees everything the arena holds. Accepts an arena that was never used. */
void arena_fini(arena *a);

/*
 * Releases every allocation at once, keeps one chunk for the next call,
 * clears the capped flag and removes the cap.
 */
void arena_reset(arena *a);

/*
 * Limits the bytes handed out from now on to cap more than already used;
 * 0 removes the limit.
 */
void arena_set_cap(arena *a, size_t cap);

/*
 * Returns n bytes aligned for any type, or NULL when the cap would be
 * exceeded (capped becomes true) or memory is exhausted. Never NULL for
 * n == 0 (returns a valid, zero-sized pointer).
 */
void *arena_alloc(arena *a, size_t n);

/* Like arena_alloc, but zero-filled. */
void *arena_zalloc(arena *a, size_t n);

/* Copies a string into the arena; NULL on failure as arena_alloc. */
char *arena_strdup(arena *a, const char *s);

/* Copies n bytes into the arena; NULL on failure as arena_alloc. */
void *arena_memdup(arena *a, const void *p, size_t n);

/* printf into the arena; NULL on failure as arena_alloc. */
char *arena_printf(arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Fills a protobuf-c allocator that allocates from the arena and frees
 * nothing (the arena is reset as a whole). The allocator refers to a and is
 * valid as long as a is.
 */
void arena_protobuf_allocator(arena *a, ProtobufCAllocator *out);

#endif /* HUES_CORE_ARENA_H */
