/*
 * internal.h - what the files of server/auth share: key sets, the cache of
 * verified tokens, claim checks and base64url. Nothing outside server/auth
 * includes it, except its white-box tests.
 */
#ifndef HUES_AUTH_INTERNAL_H
#define HUES_AUTH_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "auth/auth.h"

#define AUTH_HASH_LEN 32 /* SHA-256 of the whole token */

/* Key files larger than this are refused: no real key comes close. */
#define AUTH_MAX_KEY_FILE (64 * 1024)

typedef struct auth_key {
	char          *kid;
	auth_alg       alg;
	unsigned char *bytes; /* the secret, or the PEM text handed to libjwt */
	size_t         len;
} auth_key;

/* An immutable key set with its claim policy. Verifies hold a reference,
 * so a reload can swap the verifier's set while they still use the old
 * one; the last reference frees it. */
typedef struct auth_keyset {
	atomic_size_t refs;
	uint64_t      gen; /* distinct for every set a verifier installs */
	auth_key     *keys;
	size_t        nkeys;
	char         *issuer;   /* NULL: not checked */
	char         *audience; /* NULL: not checked */
	int64_t       leeway_s;
} auth_keyset;

/* keys.c */

/* Reads o's keys and policy into a new set with one reference. Returns
 * HUES_OK, or an error code with one line in err (see auth.h). */
int auth__keyset_build(
    const auth_opts *o, char *err, size_t errlen, auth_keyset **out);

/* Drops one reference; the last one frees the set. NULL is accepted. */
void auth__keyset_release(auth_keyset *ks);

/* The key called kid, or with kid NULL the only key when there is one;
 * otherwise NULL. */
const auth_key *auth__keyset_find(const auth_keyset *ks, const char *kid);

/*
 * Reads the whole of path (at most max bytes) into a malloc'd buffer with
 * a NUL after its len bytes. Returns HUES_OK, or HUES_INVALID_ARGUMENT with
 * one line in err naming the file.
 */
int auth__read_file(const char *path, size_t max, char *err, size_t errlen,
    unsigned char **buf, size_t *len);

/* The length of an HS256 secret read from a file: one trailing "\n" or
 * "\r\n" is not part of it, so that `echo` and editors can write one. */
size_t auth__secret_len(const unsigned char *buf, size_t len);

/* cache.c */

typedef struct auth_cache auth_cache;

/* Creates a cache holding about entries tokens (at least 64). Returns
 * HUES_OK or HUES_RESOURCE_EXHAUSTED. */
int  auth__cache_create(size_t entries, auth_cache **out);
void auth__cache_destroy(auth_cache *c);

/*
 * Looks the token up by its hash. On a hit that belongs to key set gen and
 * is still valid at now, copies the principal into a and returns true.
 * Any thread.
 */
bool auth__cache_get(auth_cache *c, const uint8_t hash[AUTH_HASH_LEN],
    int64_t now, uint64_t gen, arena *a, auth_principal *p);

/* Remembers p for the token of hash, verified with key set gen, until
 * valid_until (exclusive). Evicts the least recently used entry of its
 * bucket when full. Any thread. */
void auth__cache_put(auth_cache *c, const uint8_t hash[AUTH_HASH_LEN],
    int64_t valid_until, uint64_t gen, const auth_principal *p);

/* Forgets every entry. Any thread. */
void auth__cache_clear(auth_cache *c);

/* Lookups that hit and missed since the cache was created. Any thread. */
void auth__cache_stats(auth_cache *c, uint64_t *hits, uint64_t *misses);

/* claims.c */

/*
 * Applies ks's policy to the payload of a token whose signature verified:
 * exp (required) and nbf with the leeway, iss, aud, and the claims of a
 * principal. Returns HUES_OK with *p filled (strings in a), or
 * HUES_UNAUTHENTICATED with *why and *reason as auth_verify().
 */
int auth__claims_check(const json_t *payload, const auth_keyset *ks,
    int64_t now, arena *a, auth_principal *p, const char **why,
    const char **reason);

/* Copies s into a; aborts when memory is exhausted (servers may). */
char *auth__strdup(arena *a, const char *s);

/* b64url.c */

/* True when s[0..n) holds only base64url characters (no padding). */
bool auth__b64url_valid(const char *s, size_t n);

/*
 * Decodes n base64url characters into a malloc'd buffer (NUL-terminated,
 * *outlen bytes before the NUL). Returns HUES_OK, HUES_INVALID_ARGUMENT
 * for a length no encoding has or for bits left over, or
 * HUES_RESOURCE_EXHAUSTED.
 */
int auth__b64url_decode(
    const char *s, size_t n, unsigned char **out, size_t *outlen);

/* Encodes n bytes without padding into a malloc'd string; NULL when
 * memory is exhausted. Tests use it to build hostile tokens. */
char *auth__b64url_encode(const void *p, size_t n);

#endif /* HUES_AUTH_INTERNAL_H */
