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

static inline uint64_t
hash_fnv1a(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t             h = 14695981039346656037u;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211u;
	}
	return h;
}

#endif /* HUES_CORE_HASH_H */
