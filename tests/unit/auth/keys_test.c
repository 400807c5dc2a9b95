/*
 * keys_test.c - key sets: key specs, every way a key file can be wrong
 * (each refused at load with one line naming the kid and file), the
 * production minimum for HS256 secrets, and rotation: during the overlap
 * both kids verify; after a reload without the old key its tokens are
 * refused, even those the cache had already accepted; a failed reload
 * keeps the set in force.
 */
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
static char    err[512];

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
	memset(err, 0, sizeof(err));
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	arena_fini(&a);
	return 0;
}

static auth_opts
opts(const auth_key_spec *keys, size_t n)
{
	return (auth_opts) { .keys = keys,
		.nkeys             = n,
		.leeway_s          = 60,
		.clock             = fixture_clock,
		.clock_arg         = &fx };
}

/* Creating a verifier with keys must fail with code and an err that
 * contains want. */
static void
expect_load_error(const auth_key_spec *keys, size_t n, size_t min_secret,
    int code, const char *want)
{
	auth_opts      o = opts(keys, n);
	auth_verifier *v = NULL;
	o.min_secret     = min_secret;
	assert_int_equal(auth_verifier_create(&o, err, sizeof(err), &v), code);
	assert_null(v);
	if (strstr(err, want) == NULL) {
		fail_msg("'%s' does not contain '%s'", err, want);
	}
	assert_null(strchr(err, '\n'));
}

static void
test_keys_spec_parse(void **state)
{
	(void) state;
	auth_key_spec s;
	char          buf[64];

	snprintf(buf, sizeof(buf), "k1:RS256:/etc/hues/k:1.pem");
	assert_int_equal(
	    auth_key_spec_parse(buf, err, sizeof(err), &s), HUES_OK);
	assert_string_equal(s.kid, "k1");
	assert_int_equal(s.alg, AUTH_ALG_RS256);
	assert_string_equal(s.path, "/etc/hues/k:1.pem");

	const char *bad[] = { "", "k1", "k1:RS256", "k1:RS256:", ":RS256:/p",
		"k1::/p", "k1:PS256:/p", "k1:none:/p" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", bad[i]);
		assert_int_equal(auth_key_spec_parse(buf, err, sizeof(err), &s),
		    HUES_INVALID_ARGUMENT);
		assert_string_equal(buf, bad[i]); /* untouched on failure */
	}
	assert_int_equal(auth_alg_parse("ES256"), AUTH_ALG_ES256);
	assert_int_equal(auth_alg_parse("es256"), 0);
	assert_string_equal(auth_alg_name(AUTH_ALG_HS256), "HS256");
}

static void
test_keys_bad_files_are_refused(void **state)
{
	(void) state;
	char empty[96], nl[96], junk[96];
	fixture_write(&fx, "empty", "", 0, empty, sizeof(empty));
	fixture_write(&fx, "nl", "\n", 1, nl, sizeof(nl));
	fixture_write(&fx, "junk", "not a key", 9, junk, sizeof(junk));

	expect_load_error(
	    NULL, 0, 0, HUES_INVALID_ARGUMENT, "no JWT keys configured");
	auth_key_spec missing = { "m", AUTH_ALG_HS256, "/nonexistent/secret" };
	expect_load_error(&missing, 1, 0, HUES_INVALID_ARGUMENT,
	    "JWT key m: cannot read /nonexistent/secret: No such file");
	auth_key_spec e = { "e", AUTH_ALG_HS256, empty };
	expect_load_error(&e, 1, 0, HUES_INVALID_ARGUMENT, "is 0 bytes");
	e.path = nl;
	expect_load_error(&e, 1, 0, HUES_INVALID_ARGUMENT, "is 0 bytes");

	struct {
		auth_alg    alg;
		const char *path, *want;
	} cases[] = {
		{ AUTH_ALG_RS256, junk, "holds no PEM public key" },
		{ AUTH_ALG_RS256, fx.rsa,
		    "holds no PEM public key" }, /* private */
		{ AUTH_ALG_RS256, fx.ec_pub, "is not an RSA key" },
		{ AUTH_ALG_RS256, fx.rsa1024_pub, "1024-bit RSA key" },
		{ AUTH_ALG_ES256, fx.rsa_pub, "not an EC key on curve P-256" },
		{ AUTH_ALG_ES256, fx.ec, "holds no PEM public key" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		auth_key_spec k = { "k", cases[i].alg, cases[i].path };
		expect_load_error(
		    &k, 1, 0, HUES_INVALID_ARGUMENT, cases[i].want);
	}
	auth_key_spec twice[] = { { "k", AUTH_ALG_HS256, fx.hs },
		{ "k", AUTH_ALG_RS256, fx.rsa_pub } };
	expect_load_error(twice, 2, 0, HUES_INVALID_ARGUMENT,
	    "JWT key k is configured twice");
}

static void
test_keys_production_secret_length(void **state)
{
	(void) state;
	char short31[96], exact[96];
	fixture_write(&fx, "s31", "0123456789012345678901234567890\n", 32,
	    short31, sizeof(short31));
	fixture_write(&fx, "s32", "01234567890123456789012345678901\r\n", 34,
	    exact, sizeof(exact));

	auth_key_spec k = { "s", AUTH_ALG_HS256, short31 };
	expect_load_error(&k, 1, AUTH_MIN_PRODUCTION_SECRET,
	    HUES_INVALID_ARGUMENT, "is 31 bytes; at least 32 are needed");

	/* Outside production a short secret loads; the newline (here
	 * "\r\n") is not part of a secret. */
	auth_opts      o = opts(&k, 1);
	auth_verifier *v = NULL;
	assert_int_equal(
	    auth_verifier_create(&o, err, sizeof(err), &v), HUES_OK);
	auth_verifier_destroy(v);
	k.path       = exact;
	o.min_secret = AUTH_MIN_PRODUCTION_SECRET;
	assert_int_equal(
	    auth_verifier_create(&o, err, sizeof(err), &v), HUES_OK);
	auth_mint_opts m   = fixture_mint_opts(&fx, AUTH_ALG_HS256, exact, "s");
	char          *tok = fixture_mint(&m);
	auth_principal p;
	const char    *why, *reason;
	assert_int_equal(auth_verify(v, tok, &a, &p, &why, &reason), HUES_OK);
	free(tok);
	auth_verifier_destroy(v);
}

static void
verify_expect(auth_verifier *v, const char *tok, int code, const char *want)
{
	auth_principal p;
	const char    *why = NULL, *reason = NULL;
	assert_int_equal(auth_verify(v, tok, &a, &p, &why, &reason), code);
	if (want != NULL) {
		assert_string_equal(reason, want);
	}
}

static void
test_keys_rotation(void **state)
{
	(void) state;
	auth_key_spec both[] = {
		{ "2024", AUTH_ALG_RS256, fx.rsa_pub },
		{ "2025", AUTH_ALG_RS256, fx.rsa2_pub },
	};
	auth_opts      o = opts(both, 2);
	auth_verifier *v = NULL;
	assert_int_equal(
	    auth_verifier_create(&o, err, sizeof(err), &v), HUES_OK);
	assert_int_equal(auth_verifier_nkeys(v), 2);

	auth_mint_opts m1 =
	    fixture_mint_opts(&fx, AUTH_ALG_RS256, fx.rsa, "2024");
	auth_mint_opts m2 =
	    fixture_mint_opts(&fx, AUTH_ALG_RS256, fx.rsa2, "2025");
	char *old = fixture_mint(&m1), *cur = fixture_mint(&m2);
	/* The overlap: both verify, and both are cached now. */
	verify_expect(v, old, HUES_OK, NULL);
	verify_expect(v, cur, HUES_OK, NULL);
	verify_expect(v, old, HUES_OK, NULL);

	/* A reload that fails leaves both in force. */
	auth_key_spec broken[] = { { "2025", AUTH_ALG_RS256, "/nonexistent" } };
	o                      = opts(broken, 1);
	assert_int_equal(auth_verifier_reload(v, &o, err, sizeof(err)),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(auth_verifier_nkeys(v), 2);
	verify_expect(v, old, HUES_OK, NULL);

	/* The old key retired: its token is refused although cached. */
	o = opts(&both[1], 1);
	assert_int_equal(
	    auth_verifier_reload(v, &o, err, sizeof(err)), HUES_OK);
	assert_int_equal(auth_verifier_nkeys(v), 1);
	verify_expect(v, old, HUES_UNAUTHENTICATED, "UNKNOWN_KID");
	verify_expect(v, cur, HUES_OK, NULL);

	/* A kid reused for another key: tokens of the first are forged
	 * now, cache or not. */
	auth_key_spec swapped[] = { { "2025", AUTH_ALG_RS256, fx.rsa_pub } };
	o                       = opts(swapped, 1);
	assert_int_equal(
	    auth_verifier_reload(v, &o, err, sizeof(err)), HUES_OK);
	verify_expect(v, cur, HUES_UNAUTHENTICATED, "BAD_SIGNATURE");

	/* A reload may change the policy too. */
	o          = opts(&both[1], 1);
	o.audience = "hues";
	assert_int_equal(
	    auth_verifier_reload(v, &o, err, sizeof(err)), HUES_OK);
	verify_expect(v, cur, HUES_UNAUTHENTICATED, "WRONG_AUDIENCE");
	free(old);
	free(cur);
	auth_verifier_destroy(v);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_keys_spec_parse),
		T(test_keys_bad_files_are_refused),
		T(test_keys_production_secret_length),
		T(test_keys_rotation),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
