/*
 * cache_test.c - the verified-token cache, through the verifier and on its
 * own: a hit returns the same principal (in the caller's arena) without a
 * second verification; an entry is not used after its exp (plus leeway)
 * or after a reload; the table stays within its bound; and workers verify
 * concurrently while keys are reloaded (run it under the sanitizers).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/internal.h"
#include "fixture.h"
#include "hues/status.h"

static fixture fx;
static arena   a;

static int
group_setup(void **state)
{
	(void) state;
	fixture_init(&fx);
	return 0;
}

static int
group_teardown(void **state)
{
	(void) state;
	fixture_fini(&fx);
	return 0;
}

static int
setup(void **state)
{
	(void) state;
	arena_init(&a, 4096);
	fx.now = FIXTURE_NOW;
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	arena_fini(&a);
	return 0;
}

static auth_key_spec keys[3];

static auth_opts
opts(void)
{
	keys[0] = (auth_key_spec) { "hs", AUTH_ALG_HS256, fx.hs };
	keys[1] = (auth_key_spec) { "rs", AUTH_ALG_RS256, fx.rsa_pub };
	keys[2] = (auth_key_spec) { "es", AUTH_ALG_ES256, fx.ec_pub };
	return (auth_opts) { .keys = keys,
		.nkeys             = 3,
		.leeway_s          = 60,
		.clock             = fixture_clock,
		.clock_arg         = &fx };
}

static auth_verifier *
make(void)
{
	char           err[256];
	auth_opts      o = opts();
	auth_verifier *v = NULL;
	assert_int_equal(
	    auth_verifier_create(&o, err, sizeof(err), &v), HUES_OK);
	return v;
}

static void
expect_stats(auth_verifier *v, uint64_t hits, uint64_t misses)
{
	uint64_t h, m;
	auth_verifier_stats(v, &h, &m);
	assert_int_equal(h, hits);
	assert_int_equal(m, misses);
}

static int
verify(
    auth_verifier *v, const char *tok, auth_principal *p, const char **reason)
{
	const char *why;
	return auth_verify(v, tok, &a, p, &why, reason);
}

static void
test_cache_hit_returns_same_principal(void **state)
{
	(void) state;
	auth_verifier *v = make();
	auth_mint_opts o = fixture_mint_opts(&fx, AUTH_ALG_RS256, fx.rsa, "rs");
	o.role           = "service";
	o.sub            = "gateway";
	o.obo            = "citizen-7";
	o.ward           = "thuan-hoa";
	o.name           = "Hue-S gateway";
	char          *tok = fixture_mint(&o);
	auth_principal p1, p2;
	const char    *reason;

	assert_int_equal(verify(v, tok, &p1, &reason), HUES_OK);
	expect_stats(v, 0, 1);
	assert_int_equal(verify(v, tok, &p2, &reason), HUES_OK);
	expect_stats(v, 1, 1);
	assert_string_equal(p2.subject, p1.subject);
	assert_int_equal(p2.role, p1.role);
	assert_string_equal(p2.on_behalf_of, "citizen-7");
	assert_string_equal(p2.ward, p1.ward);
	assert_string_equal(p2.name, p1.name);
	assert_null(p2.agency);
	assert_int_equal(p2.expires, p1.expires);
	/* Each copy is the caller's, in its arena. */
	assert_ptr_not_equal(p2.subject, p1.subject);

	/* Rejected tokens are never cached. */
	o.ttl_s    = -3600;
	char *dead = fixture_mint(&o);
	assert_int_equal(verify(v, dead, &p1, &reason), HUES_UNAUTHENTICATED);
	assert_int_equal(verify(v, dead, &p1, &reason), HUES_UNAUTHENTICATED);
	assert_string_equal(reason, "TOKEN_EXPIRED");
	expect_stats(v, 1, 3);
	free(dead);
	free(tok);
	auth_verifier_destroy(v);
}

static void
test_cache_entry_ends_with_exp(void **state)
{
	(void) state;
	auth_verifier *v = make();
	auth_mint_opts o = fixture_mint_opts(&fx, AUTH_ALG_ES256, fx.ec, "es");
	o.ttl_s          = 100;
	char          *tok = fixture_mint(&o);
	auth_principal p;
	const char    *reason;

	assert_int_equal(verify(v, tok, &p, &reason), HUES_OK);
	/* Just before exp + leeway: still a hit. */
	fx.now = FIXTURE_NOW + 100 + 59;
	assert_int_equal(verify(v, tok, &p, &reason), HUES_OK);
	expect_stats(v, 1, 1);
	/* At exp + leeway the entry is dead, and so is the token. */
	fx.now = FIXTURE_NOW + 100 + 60;
	assert_int_equal(verify(v, tok, &p, &reason), HUES_UNAUTHENTICATED);
	assert_string_equal(reason, "TOKEN_EXPIRED");
	expect_stats(v, 1, 2);
	free(tok);
	auth_verifier_destroy(v);
}

static void
test_cache_dropped_on_reload(void **state)
{
	(void) state;
	char           err[256];
	auth_verifier *v = make();
	auth_mint_opts o = fixture_mint_opts(&fx, AUTH_ALG_HS256, fx.hs, "hs");
	char          *tok = fixture_mint(&o);
	auth_principal p;
	const char    *reason;

	assert_int_equal(verify(v, tok, &p, &reason), HUES_OK);
	assert_int_equal(verify(v, tok, &p, &reason), HUES_OK);
	expect_stats(v, 1, 1);
	/* Same kid, another secret: the cached verdict must not survive. */
	auth_opts n  = opts();
	keys[0].path = fx.hs2;
	assert_int_equal(
	    auth_verifier_reload(v, &n, err, sizeof(err)), HUES_OK);
	assert_int_equal(verify(v, tok, &p, &reason), HUES_UNAUTHENTICATED);
	assert_string_equal(reason, "BAD_SIGNATURE");
	expect_stats(v, 1, 2);
	free(tok);
	auth_verifier_destroy(v);
}

static void
test_cache_direct(void **state)
{
	(void) state;
	auth_cache    *c = NULL;
	auth_principal p = { .subject = "s", .role = AUTH_ROLE_ADMIN }, q;
	uint8_t        h[AUTH_HASH_LEN];

	assert_int_equal(auth__cache_create(64, &c), HUES_OK);
	memset(h, 7, sizeof(h));
	auth__cache_put(c, h, 100, 1, &p);
	assert_true(auth__cache_get(c, h, 99, 1, &a, &q));
	assert_string_equal(q.subject, "s");
	assert_int_equal(q.role, AUTH_ROLE_ADMIN);
	assert_null(q.agency);
	assert_false(auth__cache_get(c, h, 99, 2, &a, &q)); /* other gen */
	auth__cache_put(c, h, 100, 1, &p);
	assert_false(auth__cache_get(c, h, 100, 1, &a, &q)); /* expired */
	auth__cache_put(c, h, 100, 1, &p);
	auth__cache_clear(c);
	assert_false(auth__cache_get(c, h, 0, 1, &a, &q));

	/* Ten times the capacity: most early entries are gone, and at
	 * most the capacity remains. */
	size_t found = 0;
	for (uint32_t i = 0; i < 640; i++) {
		memset(h, 0, sizeof(h));
		memcpy(h, &i, sizeof(i));
		memcpy(h + 8, &i, sizeof(i));
		auth__cache_put(c, h, 100, 1, &p);
	}
	for (uint32_t i = 0; i < 640; i++) {
		memset(h, 0, sizeof(h));
		memcpy(h, &i, sizeof(i));
		memcpy(h + 8, &i, sizeof(i));
		found += auth__cache_get(c, h, 0, 1, &a, &q);
	}
	assert_true(found <= 64);
	assert_true(found > 0);
	auth__cache_destroy(c);
	auth__cache_destroy(NULL);
}

typedef struct worker_arg {
	auth_verifier *v;
	char          *tokens[3];
	int            failures;
} worker_arg;

static void *
worker(void *p)
{
	worker_arg *w = p;
	arena       wa;
	arena_init(&wa, 4096);
	for (int i = 0; i < 300; i++) {
		auth_principal pr;
		const char    *why, *reason;
		if (auth_verify(w->v, w->tokens[i % 3], &wa, &pr, &why,
		        &reason) != HUES_OK ||
		    strcmp(pr.subject, "alice") != 0) {
			w->failures++;
		}
		arena_reset(&wa);
	}
	arena_fini(&wa);
	return NULL;
}

static void
test_cache_concurrent_verify_and_reload(void **state)
{
	(void) state;
	char           err[256];
	auth_verifier *v    = make();
	auth_mint_opts m[3] = {
		fixture_mint_opts(&fx, AUTH_ALG_HS256, fx.hs, "hs"),
		fixture_mint_opts(&fx, AUTH_ALG_RS256, fx.rsa, "rs"),
		fixture_mint_opts(&fx, AUTH_ALG_ES256, fx.ec, "es"),
	};
	worker_arg args[4];
	pthread_t  th[4];

	for (int i = 0; i < 4; i++) {
		args[i].v        = v;
		args[i].failures = 0;
		for (int j = 0; j < 3; j++) {
			args[i].tokens[j] = fixture_mint(&m[j]);
		}
		assert_int_equal(
		    pthread_create(&th[i], NULL, worker, &args[i]), 0);
	}
	/* Reloads with the same keys: every token stays valid throughout. */
	for (int i = 0; i < 20; i++) {
		auth_opts o = opts();
		assert_int_equal(
		    auth_verifier_reload(v, &o, err, sizeof(err)), HUES_OK);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].failures, 0);
		for (int j = 0; j < 3; j++) {
			free(args[i].tokens[j]);
		}
	}
	auth_verifier_destroy(v);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_cache_hit_returns_same_principal),
		T(test_cache_entry_ends_with_exp),
		T(test_cache_dropped_on_reload),
		T(test_cache_direct),
		T(test_cache_concurrent_verify_and_reload),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
