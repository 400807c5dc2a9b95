/*
 * hash.h - FNV-1a, 64 bits: the hash of the server's in-memory tables
 * (method registry, idempotency keys, rate-limit buckets). Their keys are
 * short, and each table compares full keys, so a fast non-cryptographic
 * hash is enough. One copy: a wrong constant once hid in two of them.
 */
#ifndef HUES_CORE_HASH_H
#define HUES_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Goes on hashing data from a hash h already taken (of a seed, say). */
static inline uint64_t
hash_fnv1a_more(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211u;
	}
	return h;
}

static inline uint64_t
hash_fnv1a(const void *data, size_t len)
{
	return hash_fnv1a_more(14695981039346656037u, data, len);
}

#endif /* HUES_CORE_HASH_H */
