/*
 * auth.h - JWT verification: a bearer token in, a principal out.
 *
 * A verifier holds a key set (HS256 secrets, RS256 and ES256 public keys,
 * chosen by the token's kid), the claim policy (issuer, audience, leeway)
 * and a cache of tokens it already verified. It knows neither NNG nor LMDB:
 * the server wires auth_verify() into the dispatcher's hook.
 */
#ifndef HUES_AUTH_AUTH_H
#define HUES_AUTH_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

/* Tokens longer than this are refused unread (TOKEN_TOO_LARGE). */
#define AUTH_MAX_TOKEN 8192

/* Shortest HS256 secret a production server accepts (RFC 7518 3.2). */
#define AUTH_MIN_PRODUCTION_SECRET 32

typedef struct auth_verifier auth_verifier;

typedef enum auth_alg {
	AUTH_ALG_HS256 = 1,
	AUTH_ALG_RS256,
	AUTH_ALG_ES256,
} auth_alg;

typedef enum auth_role {
	AUTH_ROLE_CITIZEN = 1,
	AUTH_ROLE_OFFICER,
	AUTH_ROLE_COORDINATOR,
	AUTH_ROLE_ADMIN,
	AUTH_ROLE_SERVICE,
} auth_role;

/* Who a verified token names. Strings live in the arena auth_verify() was
 * given; optional ones are NULL when the token lacks them. */
typedef struct auth_principal {
	const char *subject;      /* "sub", never NULL */
	auth_role   role;         /* "role" */
	const char *agency;       /* "agency": never NULL for officers */
	const char *ward;         /* "ward" */
	const char *name;         /* "name" */
	const char *on_behalf_of; /* "obo": only ever set for services */
	int64_t     expires;      /* "exp", Unix seconds */
} auth_principal;

/* One key: its kid, its algorithm and the file it is read from (an HS256
 * secret, whose one trailing newline is ignored, or a PEM public key). */
typedef struct auth_key_spec {
	const char *kid;
	auth_alg    alg;
	const char *path;
} auth_key_spec;

/* Seconds since the Unix epoch; tests pass a clock of their own. */
typedef int64_t (*auth_clock_fn)(void *arg);

/* Zero-initialised means: no issuer or audience check, no leeway, a real
 * clock and a cache of AUTH_DEFAULT_CACHE tokens. */
typedef struct auth_opts {
	const auth_key_spec *keys;
	size_t               nkeys;
	const char          *issuer;     /* NULL: "iss" is not checked */
	const char          *audience;   /* NULL: "aud" is not checked */
	unsigned             leeway_s;   /* slack for exp and nbf */
	size_t               min_secret; /* shortest HS256 secret; 0 means 1 */
	size_t               cache_entries; /* 0: AUTH_DEFAULT_CACHE */
	auth_clock_fn        clock;         /* NULL: the real-time clock */
	void                *clock_arg;
} auth_opts;

#define AUTH_DEFAULT_CACHE 4096

/*
 * Parses "kid:alg:path" (alg HS256, RS256 or ES256; the path is the rest,
 * colons included) into *out, splitting s in place: out's strings point
 * into s, which must outlive them. Returns HUES_OK, or
 * HUES_INVALID_ARGUMENT with one line in err and s unchanged.
 */
int auth_key_spec_parse(char *s, char *err, size_t errlen, auth_key_spec *out);

/*
 * Reads every key of o and creates a verifier. Returns HUES_OK, or
 * HUES_INVALID_ARGUMENT (no keys, a duplicate kid, a bad key file, a
 * secret shorter than o->min_secret) or HUES_RESOURCE_EXHAUSTED with one
 * line in err that names the kid and file but never a key's bytes. o and
 * its strings need not outlive the call.
 */
int auth_verifier_create(
    const auth_opts *o, char *err, size_t errlen, auth_verifier **out);

/* Frees the verifier. NULL is accepted. No auth_verify() may be running. */
void auth_verifier_destroy(auth_verifier *v);

/*
 * Builds a new key set and policy from o (its clock and cache size are
 * ignored) and swaps it in atomically: a verify that runs meanwhile uses
 * the old set or the new one, never a mix. The cache is emptied, so a
 * token signed by a removed key is refused from now on. On failure the old
 * set stays in force and err says why, as for auth_verifier_create().
 * Any thread; reloads are serialised.
 */
int auth_verifier_reload(
    auth_verifier *v, const auth_opts *o, char *err, size_t errlen);

/* Number of keys in force. Any thread. */
size_t auth_verifier_nkeys(auth_verifier *v);

/* Tokens answered from the cache, and tokens that were not, since the
 * verifier was created (malformed and oversized ones are not counted).
 * Any thread. */
void auth_verifier_stats(auth_verifier *v, uint64_t *hits, uint64_t *misses);

/*
 * Verifies token (the text after "Bearer "). Returns HUES_OK and fills *p
 * with strings allocated in a, or HUES_UNAUTHENTICATED with *why (a static
 * message for the client that quotes nothing of the token) and *reason
 * (static UPPER_SNAKE_CASE: TOKEN_MALFORMED, TOKEN_TOO_LARGE, UNKNOWN_KID,
 * ALG_NOT_ALLOWED, BAD_SIGNATURE, TOKEN_EXPIRED, TOKEN_NOT_YET_VALID,
 * WRONG_ISSUER, WRONG_AUDIENCE or BAD_CLAIMS). *p is written only on
 * success. Safe from any number of threads at once, also during a reload.
 */
int auth_verify(auth_verifier *v, const char *token, arena *a,
    auth_principal *p, const char **why, const char **reason);

/* The alg's name ("HS256"), or NULL; and the reverse, 0 when unknown. */
const char *auth_alg_name(auth_alg alg);
auth_alg    auth_alg_parse(const char *name);

/*
 * Makes sure the zero-configuration secret exists: dir/name holding 64 hex
 * digits (32 random bytes from getrandom), mode 0600, created atomically
 * so that two servers never see half a file. Sets *created to 1 when this
 * call made it, 0 when it was there. Returns HUES_OK, or
 * HUES_FAILED_PRECONDITION when the file exists but is not a private
 * regular file, or HUES_INTERNAL, with one line in err.
 */
int auth_secret_ensure(
    const char *dir, const char *name, char *err, size_t errlen, int *created);

#endif /* HUES_AUTH_AUTH_H */
