/*
 * verify.c - the verifier: one token's way from text to principal, and the
 * swap of key sets on reload.
 *
 * libjwt 1.10.2 takes the algorithm from the token, accepts any token
 * unverified when given no key and checks no claim. So everything that
 * decides which key and which algorithm applies happens here, before
 * libjwt sees the token: the header is decoded by hand, the key is chosen
 * by kid, the header's alg must be the key's, and only then does libjwt
 * check the signature, with that key, never NULL. Its verdict is trusted
 * only if it also reports the expected algorithm.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
/* SHA256_Init() and friends are deprecated in OpenSSL 3 but stay, and are
 * the fast path (see auth_verify()). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "auth/internal.h"
#include "hues/status.h"

struct auth_verifier {
	pthread_mutex_t       mu; /* guards ks (the pointer, not the set) */
	pthread_mutex_t       reload_mu; /* one reload at a time */
	auth_keyset          *ks;
	atomic_uint_least64_t gen; /* ks->gen, readable without mu */
	uint64_t              next_gen;
	auth_cache           *cache;
	auth_clock_fn         clock;
	void                 *clock_arg;
};

#define FAIL(r, w)                           \
	do {                                 \
		*reason = (r);               \
		*why    = (w);               \
		return HUES_UNAUTHENTICATED; \
	} while (0)

static int64_t
real_clock(void *arg)
{
	(void) arg;
	return (int64_t) time(NULL);
}

int
auth_verifier_create(
    const auth_opts *o, char *err, size_t errlen, auth_verifier **out)
{
	auth_verifier *v = calloc(1, sizeof(*v));
	int            rv;

	if (v == NULL) {
		snprintf(err, errlen, "out of memory");
		return HUES_RESOURCE_EXHAUSTED;
	}
	if ((rv = auth__keyset_build(o, err, errlen, &v->ks)) != HUES_OK) {
		free(v);
		return rv;
	}
	if (auth__cache_create(
	        o->cache_entries != 0 ? o->cache_entries : AUTH_DEFAULT_CACHE,
	        &v->cache) != HUES_OK) {
		auth__keyset_release(v->ks);
		free(v);
		snprintf(err, errlen, "out of memory");
		return HUES_RESOURCE_EXHAUSTED;
	}
	v->ks->gen  = 1;
	v->next_gen = 2;
	atomic_init(&v->gen, 1);
	v->clock     = o->clock != NULL ? o->clock : real_clock;
	v->clock_arg = o->clock_arg;
	pthread_mutex_init(&v->mu, NULL);
	pthread_mutex_init(&v->reload_mu, NULL);
	*out = v;
	return HUES_OK;
}

void
auth_verifier_destroy(auth_verifier *v)
{
	if (v == NULL) {
		return;
	}
	auth__cache_destroy(v->cache);
	auth__keyset_release(v->ks);
	pthread_mutex_destroy(&v->mu);
	pthread_mutex_destroy(&v->reload_mu);
	free(v);
}

int
auth_verifier_reload(
    auth_verifier *v, const auth_opts *o, char *err, size_t errlen)
{
	auth_keyset *ks, *old;
	int          rv;

	/* The new set is complete before anyone can see it. */
	if ((rv = auth__keyset_build(o, err, errlen, &ks)) != HUES_OK) {
		return rv;
	}
	pthread_mutex_lock(&v->reload_mu);
	ks->gen = v->next_gen++;
	pthread_mutex_lock(&v->mu);
	old   = v->ks;
	v->ks = ks;
	atomic_store(&v->gen, ks->gen);
	pthread_mutex_unlock(&v->mu);
	/* Entries of the old generation are dead already (gen differs);
	 * clearing gives their memory back. */
	auth__cache_clear(v->cache);
	pthread_mutex_unlock(&v->reload_mu);
	auth__keyset_release(old);
	return HUES_OK;
}

/* A reference to the set in force; release with auth__keyset_release. */
static auth_keyset *
acquire(auth_verifier *v)
{
	pthread_mutex_lock(&v->mu);
	auth_keyset *ks = v->ks;
	atomic_fetch_add(&ks->refs, 1);
	pthread_mutex_unlock(&v->mu);
	return ks;
}

size_t
auth_verifier_nkeys(auth_verifier *v)
{
	auth_keyset *ks = acquire(v);
	size_t       n  = ks->nkeys;
	auth__keyset_release(ks);
	return n;
}

void
auth_verifier_stats(auth_verifier *v, uint64_t *hits, uint64_t *misses)
{
	auth__cache_stats(v->cache, hits, misses);
}

/* Decodes one base64url segment as a JSON object; NULL if it is not. */
static json_t *
decode_json(const char *s, size_t n)
{
	unsigned char *buf;
	size_t         len;

	if (n == 0 || auth__b64url_decode(s, n, &buf, &len) != HUES_OK) {
		return NULL;
	}
	/* Duplicate keys are refused: two readers of one token (us and
	 * libjwt) must never see different claims. */
	json_t *j =
	    json_loadb((const char *) buf, len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The token's header: which key, and which algorithm it claims. */
static int
check_header(const auth_keyset *ks, const char *tok, size_t n,
    const auth_key **key, const char **why, const char **reason)
{
	json_t *h = decode_json(tok, n);
	if (h == NULL) {
		FAIL("TOKEN_MALFORMED", "token header is not base64url JSON");
	}
	const json_t *alg = json_object_get(h, "alg");
	const json_t *kid = json_object_get(h, "kid");
	int           rv  = HUES_UNAUTHENTICATED;

	if (!json_is_string(alg) || (kid != NULL && !json_is_string(kid))) {
		*reason = "TOKEN_MALFORMED";
		*why    = "token header needs a string alg and at most a "
		          "string kid";
	} else if (json_object_get(h, "crit") != NULL) {
		/* RFC 7515 4.1.11: extensions we do not know must fail. */
		*reason = "TOKEN_MALFORMED";
		*why    = "token header has critical extensions (crit)";
	} else if ((*key = auth__keyset_find(ks,
	                kid != NULL ? json_string_value(kid) : NULL)) == NULL) {
		*reason = "UNKNOWN_KID";
		*why    = kid != NULL ? "token's key id (kid) is not known here"
		                      : "token has no kid and this server has "
		                        "several keys";
	} else if (strcmp(json_string_value(alg), "none") == 0) {
		*reason = "ALG_NOT_ALLOWED";
		*why    = "unsigned tokens (alg none) are not accepted";
	} else if (strcmp(json_string_value(alg), auth_alg_name((*key)->alg)) !=
	           0) {
		*reason = "ALG_NOT_ALLOWED";
		*why    = "token's alg is not the algorithm of its key";
	} else {
		rv = HUES_OK;
	}
	json_decref(h);
	return rv;
}

/* libjwt's check of the signature, with the key chosen by us. */
static int
check_signature(const auth_key *key, const char *token, const char **why,
    const char **reason)
{
	static const jwt_alg_t algs[] = {
		[AUTH_ALG_HS256] = JWT_ALG_HS256,
		[AUTH_ALG_RS256] = JWT_ALG_RS256,
		[AUTH_ALG_ES256] = JWT_ALG_ES256,
	};
	jwt_t *jwt = NULL;

	if (jwt_decode(&jwt, token, key->bytes, (int) key->len) != 0 ||
	    jwt == NULL) {
		FAIL("BAD_SIGNATURE", "token signature does not verify");
	}
	jwt_alg_t got = jwt_get_alg(jwt);
	jwt_free(jwt);
	if (got != algs[key->alg]) {
		FAIL("ALG_NOT_ALLOWED", "token's alg is not the algorithm of "
		                        "its key");
	}
	return HUES_OK;
}

/* True when sig is a strictly encoded signature of the length the key's
 * algorithm makes (an RS256 one has the modulus' length, which libjwt
 * checks). libjwt's decoder ignores stray low bits, so without this one
 * signature would have several spellings, each its own cache entry. */
static bool
canonical_signature(const auth_key *key, const char *sig)
{
	unsigned char *raw;
	size_t         len;

	if (sig[0] == '\0' ||
	    auth__b64url_decode(sig, strlen(sig), &raw, &len) != HUES_OK) {
		return false;
	}
	free(raw);
	switch (key->alg) {
	case AUTH_ALG_HS256: return len == 32;
	case AUTH_ALG_ES256: return len == 64;
	case AUTH_ALG_RS256: return len >= 256;
	}
	return false;
}

/* Everything after the cache: header, signature, claims. */
static int
verify_slow(auth_keyset *ks, const char *token, const char *dot1,
    const char *dot2, int64_t now, arena *a, auth_principal *p,
    const char **why, const char **reason)
{
	const auth_key *key;
	int             rv;

	if ((rv = check_header(ks, token, (size_t) (dot1 - token), &key, why,
	         reason)) != HUES_OK) {
		return rv;
	}
	json_t *payload = decode_json(dot1 + 1, (size_t) (dot2 - dot1 - 1));
	if (payload == NULL) {
		FAIL("TOKEN_MALFORMED", "token payload is not base64url JSON");
	}
	if (!canonical_signature(key, dot2 + 1)) {
		*reason = "BAD_SIGNATURE";
		*why    = "token signature is missing or malformed";
		rv      = HUES_UNAUTHENTICATED;
	} else if ((rv = check_signature(key, token, why, reason)) == HUES_OK) {
		rv = auth__claims_check(payload, ks, now, a, p, why, reason);
	}
	json_decref(payload);
	return rv;
}

int
auth_verify(auth_verifier *v, const char *token, arena *a, auth_principal *p,
    const char **why, const char **reason)
{
	size_t n = strnlen(token, AUTH_MAX_TOKEN + 1);
	if (n > AUTH_MAX_TOKEN) {
		FAIL("TOKEN_TOO_LARGE", "token is longer than 8192 bytes");
	}
	/* The cache first: a token in it passed every check below before,
	 * byte for byte, so a hit needs neither the shape check nor libjwt.
	 * SHA-256 through the low-level interface: OpenSSL 3's one-shot
	 * SHA256() fetches the algorithm on every call, which costs three
	 * times as much, on every authenticated call. */
	uint8_t    hash[AUTH_HASH_LEN];
	SHA256_CTX sha;
	int64_t    now = v->clock(v->clock_arg);
	SHA256_Init(&sha);
	SHA256_Update(&sha, token, n);
	SHA256_Final(hash, &sha);
	if (auth__cache_get(v->cache, hash, now, atomic_load(&v->gen), a, p)) {
		return HUES_OK;
	}

	/* Then the shape: three base64url segments, the last one possibly
	 * empty (alg none), and nothing else, so that no later step sees
	 * bytes a JWT cannot hold. */
	const char *dot1 = memchr(token, '.', n);
	const char *dot2 = dot1 != NULL ? memchr(dot1 + 1, '.',
	                                      n - (size_t) (dot1 - token) - 1)
	                                : NULL;
	if (dot2 == NULL || dot1 == token || dot2 == dot1 + 1 ||
	    !auth__b64url_valid(token, (size_t) (dot1 - token)) ||
	    !auth__b64url_valid(dot1 + 1, (size_t) (dot2 - dot1 - 1)) ||
	    !auth__b64url_valid(dot2 + 1, n - (size_t) (dot2 - token) - 1)) {
		FAIL("TOKEN_MALFORMED", "token is not a JWT: three base64url "
		                        "parts separated by dots");
	}

	auth_principal r;
	auth_keyset   *ks = acquire(v);
	int rv = verify_slow(ks, token, dot1, dot2, now, a, &r, why, reason);
	if (rv == HUES_OK) {
		auth__cache_put(
		    v->cache, hash, r.expires + ks->leeway_s, ks->gen, &r);
		*p = r;
	}
	auth__keyset_release(ks);
	return rv;
}
