/*
 * mint.h - making tokens, for hues-token and the tests. The server never
 * mints: this lives in server/auth only so that libjwt stays in one
 * module.
 */
#ifndef HUES_AUTH_MINT_H
#define HUES_AUTH_MINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"

/* Zero-initialised fields are left out of the token (except exp, which
 * is always there). */
typedef struct auth_mint_opts {
	auth_alg alg;
	/* The HS256 secret file (its trailing newline ignored, as the server
	 * does) or a PEM private key; or key/key_len bytes used as they are,
	 * which tests use to forge tokens. */
	const char          *key_path;
	const unsigned char *key;
	size_t               key_len;
	const char          *kid;
	const char          *sub, *role, *agency, *ward, *name, *obo, *iss;
	const char *const   *aud; /* one: a string; several: an array */
	size_t               naud;
	int64_t              now;   /* 0: the real-time clock */
	int64_t              ttl_s; /* exp = now + ttl_s; may be negative */
	bool                 nbf;   /* add nbf = now + nbf_offset_s */
	int64_t              nbf_offset_s;
	const char          *extra_json; /* an object merged in last */
} auth_mint_opts;

/*
 * Signs a token with the claims of o. Returns HUES_OK and sets *token to a
 * malloc'd string the caller frees, or returns HUES_INVALID_ARGUMENT (bad
 * key, bad extra_json) or HUES_RESOURCE_EXHAUSTED with one line in err.
 * Any thread.
 */
int auth_mint(const auth_mint_opts *o, char *err, size_t errlen, char **token);

#endif /* HUES_AUTH_MINT_H */
