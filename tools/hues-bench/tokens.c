/*
 * tokens.c - minting the bearer tokens of hues-bench with server/auth's
 * minting code, the same that tools/hues-token uses, so that libjwt stays
 * in one module. A thousand HS256 tokens take a few milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/mint.h"
#include "hues/status.h"
#include "tokens.h"

int
tokens_mint(tokens *out, const char *secret_path, const char *prefix,
    const char *role, size_t n, long ttl_s, char *why, size_t whylen)
{
	char err[512], sub[64];

	memset(out, 0, sizeof(*out));
	out->tok = calloc(n > 0 ? n : 1, sizeof(*out->tok));
	if (out->tok == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s%zu", prefix, i + 1);
		auth_mint_opts o = {
			.alg      = AUTH_ALG_HS256,
			.key_path = secret_path,
			.sub      = sub,
			.role     = role,
			.ttl_s    = ttl_s,
		};
		if (auth_mint(&o, err, sizeof(err), &out->tok[i]) != HUES_OK) {
			snprintf(why, whylen, "cannot mint a token for %s: %s",
			    sub, err);
			out->n = i;
			tokens_fini(out);
			return -1;
		}
	}
	out->n = n;
	return 0;
}

void
tokens_fini(tokens *t)
{
	for (size_t i = 0; t->tok != NULL && i < t->n; i++) {
		free(t->tok[i]);
	}
	free(t->tok);
	memset(t, 0, sizeof(*t));
}
