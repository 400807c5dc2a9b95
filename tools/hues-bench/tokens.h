/*
 * tokens.h - bearer tokens for many callers: hues-bench mints them with
 * the server's HS256 secret (the zero-configuration <data-dir>/jwt-secret
 * or any --jwt-key secret file), the way tools/hues-token does, so that a
 * load spreads over many users and no per-caller limit is its bottleneck.
 */
#ifndef HUES_BENCH_TOKENS_H
#define HUES_BENCH_TOKENS_H

#include <stddef.h>

typedef struct tokens {
	char **tok;
	size_t n;
} tokens;

/*
 * Mints n tokens signed with the HS256 secret in secret_path, for the
 * users <prefix>1 .. <prefix>n with role (e.g. "citizen"), valid for
 * ttl_s seconds. Returns 0 and fills *out, or -1 with a reason in why
 * (whylen bytes); *out is then empty.
 */
int tokens_mint(tokens *out, const char *secret_path, const char *prefix,
    const char *role, size_t n, long ttl_s, char *why, size_t whylen);

/* Frees the tokens; an empty or zeroed set is fine. */
void tokens_fini(tokens *t);

#endif /* HUES_BENCH_TOKENS_H */
