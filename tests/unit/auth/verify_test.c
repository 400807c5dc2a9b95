/*
 * verify_test.c - auth_verify() on good and hostile tokens: each algorithm,
 * the time claims with and without leeway, issuer and audience, kid
 * selection, algorithm confusion and alg none, tampering, truncation,
 * oversized and non-base64url input, and the claims of a principal. Every
 * rejection pins its exact code and reason. Keys are made at run time and
 * the clock is the fixture's, so no test depends on the time of day.
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

/* A verifier with the fixture's clock and the given policy. */
static auth_verifier *
make(const auth_key_spec *keys, size_t n, const char *iss, const char *aud,
    unsigned leeway)
{
	auth_opts o = {
		.keys      = keys,
		.nkeys     = n,
		.issuer    = iss,
		.audience  = aud,
		.leeway_s  = leeway,
		.clock     = fixture_clock,
		.clock_arg = &fx,
	};
	char           err[256] = "";
	auth_verifier *v        = NULL;
	if (auth_verifier_create(&o, err, sizeof(err), &v) != HUES_OK) {
		fail_msg("auth_verifier_create: %s", err);
	}
	return v;
}

/* The three standard keys: hs (HS256), rs (RS256), es (ES256). */
static auth_verifier *
make_std(const char *iss, const char *aud, unsigned leeway)
{
	auth_key_spec keys[] = {
		{ "hs", AUTH_ALG_HS256, fx.hs },
		{ "rs", AUTH_ALG_RS256, fx.rsa_pub },
		{ "es", AUTH_ALG_ES256, fx.ec_pub },
	};
	return make(keys, 3, iss, aud, leeway);
}

static void
expect_reject(auth_verifier *v, const char *tok, const char *want_reason)
{
	auth_principal p;
	const char    *why = NULL, *reason = NULL;
	assert_int_equal(
	    auth_verify(v, tok, &a, &p, &why, &reason), HUES_UNAUTHENTICATED);
	assert_non_null(why);
	assert_non_null(reason);
	assert_string_equal(reason, want_reason);
}

static auth_principal
expect_ok(auth_verifier *v, const char *tok)
{
	auth_principal p;
	const char    *why = NULL, *reason = NULL;
	int            rv = auth_verify(v, tok, &a, &p, &why, &reason);
	if (rv != HUES_OK) {
		fail_msg("rejected: %s (%s)", reason, why);
	}
	return p;
}

/* Mints o and checks the verdict of v on it: reason NULL means OK. */
static void
check(auth_verifier *v, const auth_mint_opts *o, const char *reason)
{
	char *tok = fixture_mint(o);
	if (reason == NULL) {
		expect_ok(v, tok);
	} else {
		expect_reject(v, tok, reason);
	}
	free(tok);
}

static void
test_verify_valid_each_algorithm(void **state)
{
	(void) state;
	auth_verifier *v = make_std(NULL, NULL, 60);
	struct {
		auth_alg    alg;
		const char *key, *kid;
	} cases[] = {
		{ AUTH_ALG_HS256, fx.hs, "hs" },
		{ AUTH_ALG_RS256, fx.rsa, "rs" },
		{ AUTH_ALG_ES256, fx.ec, "es" },
	};
	for (size_t i = 0; i < 3; i++) {
		auth_mint_opts o = fixture_mint_opts(
		    &fx, cases[i].alg, cases[i].key, cases[i].kid);
		o.role             = "officer";
		o.agency           = "water-works";
		o.ward             = "phu-hoi";
		o.name             = "Nguyen Van A";
		char          *tok = fixture_mint(&o);
		auth_principal p   = expect_ok(v, tok);
		assert_string_equal(p.subject, "alice");
		assert_int_equal(p.role, AUTH_ROLE_OFFICER);
		assert_string_equal(p.agency, "water-works");
		assert_string_equal(p.ward, "phu-hoi");
		assert_string_equal(p.name, "Nguyen Van A");
		assert_null(p.on_behalf_of);
		assert_int_equal(p.expires, FIXTURE_NOW + 3600);
		free(tok);
	}
	auth_verifier_destroy(v);
}

static void
test_verify_time_claims_and_leeway(void **state)
{
	(void) state;
	auth_verifier *v  = make_std(NULL, NULL, 60);
	auth_verifier *v0 = make_std(NULL, NULL, 0);
	auth_mint_opts o  = fixture_mint_opts(&fx, AUTH_ALG_HS256, fx.hs, "hs");

	o.ttl_s = -3600; /* long expired */
	check(v, &o, "TOKEN_EXPIRED");
	o.ttl_s = -30; /* expired, but within the leeway */
	check(v, &o, NULL);
	check(v0, &o, "TOKEN_EXPIRED");
	o.ttl_s = -60; /* exactly the leeway: expired */
	check(v, &o, "TOKEN_EXPIRED");
	o.ttl_s = 0; /* exp == now: expired without leeway */
	check(v0, &o, "TOKEN_EXPIRED");

	o.ttl_s        = 3600;
	o.nbf          = true;
	o.nbf_offset_s = 3600; /* far in the future */
	check(v, &o, "TOKEN_NOT_YET_VALID");
	o.nbf_offset_s = 30; /* soon: the leeway covers it */
	check(v, &o, NULL);
	check(v0, &o, "TOKEN_NOT_YET_VALID");
	o.nbf_offset_s = -10;
	check(v0, &o, NULL);

	o.nbf        = false;
	o.extra_json = "{\"exp\": null}";
	check(v, &o, "BAD_CLAIMS");
	o.extra_json = "{\"exp\": \"tomorrow\"}";
	check(v, &o, "BAD_CLAIMS");
	o.extra_json = "{\"nbf\": \"now\"}";
	check(v, &o, "BAD_CLAIMS");
	auth_verifier_destroy(v);
	auth_verifier_destroy(v0);
}

static void
test_verify_issuer_and_audience(void **state)
{
	(void) state;
	auth_verifier *v = make_std("https://id.hue.gov.vn", "hues", 60);
	auth_mint_opts o = fixture_mint_opts(&fx, AUTH_ALG_RS256, fx.rsa, "rs");
	const char    *one[]     = { "hues" };
	const char    *other[]   = { "other" };
	const char    *many[]    = { "other", "hues", "third" };
	const char    *without[] = { "other", "third" };

	o.iss  = "https://id.hue.gov.vn";
	o.aud  = one;
	o.naud = 1;
	check(v, &o, NULL);
	o.aud  = many;
	o.naud = 3;
	check(v, &o, NULL);
	o.aud  = other; /* a string, not ours */
	o.naud = 1;
	check(v, &o, "WRONG_AUDIENCE");
	o.aud  = without; /* an array without ours */
	o.naud = 2;
	check(v, &o, "WRONG_AUDIENCE");
	o.naud = 0; /* no aud at all */
	check(v, &o, "WRONG_AUDIENCE");
	o.extra_json = "{\"aud\": [1, {\"hues\": 1}]}";
	check(v, &o, "WRONG_AUDIENCE");

	o.extra_json = NULL;
	o.aud        = one;
	o.naud       = 1;
	o.iss        = "https://evil.example";
	check(v, &o, "WRONG_ISSUER");
	o.iss = NULL;
	check(v, &o, "WRONG_ISSUER");
	auth_verifier_destroy(v);
}

static void
test_verify_kid_selection(void **state)
{
	(void) state;
	auth_verifier *v = make_std(NULL, NULL, 60);
	auth_mint_opts o =
	    fixture_mint_opts(&fx, AUTH_ALG_HS256, fx.hs, "nope");
	check(v, &o, "UNKNOWN_KID");
	o.kid = NULL; /* three keys: which one? */
	check(v, &o, "UNKNOWN_KID");
	o.extra_json = NULL;
	/* A token signed by one key but naming another's kid. */
	o.kid = "rs";
	check(v, &o, "ALG_NOT_ALLOWED");
	auth_verifier_destroy(v);

	/* With exactly one key, a token without kid uses it. */
	auth_key_spec only = { "hs", AUTH_ALG_HS256, fx.hs };
	v                  = make(&only, 1, NULL, NULL, 60);
	o.kid              = NULL;
	check(v, &o, NULL);
	o.kid = "hs";
	check(v, &o, NULL);
	auth_verifier_destroy(v);
}

static void
test_verify_alg_confusion(void **state)
{
	(void) state;
	unsigned char *pem;
	size_t         len;
	char           err[256];
	auth_key_spec  only = { "rs", AUTH_ALG_RS256, fx.rsa_pub };
	auth_verifier *v    = make(&only, 1, NULL, NULL, 60);
	auth_verifier *all  = make_std(NULL, NULL, 60);

	/* HS256 with the server's RSA public key (the whole PEM file, as
	 * libjwt would get it) as the HMAC secret. */
	assert_int_equal(
	    auth__read_file(fx.rsa_pub, 65536, err, sizeof(err), &pem, &len),
	    HUES_OK);
	auth_mint_opts o = fixture_mint_opts(&fx, AUTH_ALG_HS256, NULL, "rs");
	o.key            = pem;
	o.key_len        = len;
	o.role           = "admin";
	check(v, &o, "ALG_NOT_ALLOWED");
	check(all, &o, "ALG_NOT_ALLOWED");
	o.kid = NULL;
	check(v, &o, "ALG_NOT_ALLOWED");
	/* ES256 signed by a key of ours, presented as the RSA kid. */
	auth_mint_opts e = fixture_mint_opts(&fx, AUTH_ALG_ES256, fx.ec, "rs");
	check(all, &e, "ALG_NOT_ALLOWED");
	free(pem);
	auth_verifier_destroy(v);
	auth_verifier_destroy(all);
}

/* header.payload.sig from JSON texts, with sig given as is. */
static char *
forge(const char *header, const char *payload, const char *sig)
{
	char *h = auth__b64url_encode(header, strlen(header));
	char *p = auth__b64url_encode(payload, strlen(payload));
	char *t = malloc(strlen(h) + strlen(p) + strlen(sig) + 3);
	sprintf(t, "%s.%s.%s", h, p, sig);
	free(h);
	free(p);
	return t;
}

static void
test_verify_alg_none(void **state)
{
	(void) state;
	auth_verifier *v = make_std(NULL, NULL, 60);
	char           payload[256];
	snprintf(payload, sizeof(payload),
	    "{\"sub\":\"mallory\",\"role\":\"admin\",\"exp\":%lld}",
	    (long long) FIXTURE_NOW + 3600);
	const char *headers[] = {
		"{\"alg\":\"none\",\"kid\":\"hs\"}",
		"{\"alg\":\"none\",\"kid\":\"rs\",\"typ\":\"JWT\"}",
	};
	for (size_t i = 0; i < 2; i++) {
		char *t = forge(headers[i], payload, "");
		expect_reject(v, t, "ALG_NOT_ALLOWED");
		free(t);
		t = forge(headers[i], payload, "c2ln");
		expect_reject(v, t, "ALG_NOT_ALLOWED");
		free(t);
	}
	/* Other spellings are simply not the key's algorithm. */
	char *t = forge("{\"alg\":\"None\",\"kid\":\"hs\"}", payload, "");
	expect_reject(v, t, "ALG_NOT_ALLOWED");
	free(t);
	/* The right alg with no signature at all. */
	t = forge("{\"alg\":\"HS256\",\"kid\":\"hs\"}", payload, "");
	expect_reject(v, t, "BAD_SIGNATURE");
	free(t);
	auth_verifier_destroy(v);
}

static void
test_verify_tampered_and_truncated(void **state)
{
	(void) state;
	auth_verifier *v   = make_std(NULL, NULL, 60);
	auth_alg    algs[] = { AUTH_ALG_HS256, AUTH_ALG_RS256, AUTH_ALG_ES256 };
	const char *keys[] = { fx.hs, fx.rsa, fx.ec };
	const char *kids[] = { "hs", "rs", "es" };
	char        payload[256];
	snprintf(payload, sizeof(payload),
	    "{\"sub\":\"alice\",\"role\":\"admin\",\"exp\":%lld}",
	    (long long) FIXTURE_NOW + 3600);
	char *evil = auth__b64url_encode(payload, strlen(payload));

	for (size_t i = 0; i < 3; i++) {
		auth_mint_opts o =
		    fixture_mint_opts(&fx, algs[i], keys[i], kids[i]);
		char *tok = fixture_mint(&o);
		char *d1  = strchr(tok, '.');
		char *d2  = strchr(d1 + 1, '.');

		/* The payload swapped for one that says admin. */
		char *t = malloc(strlen(tok) + strlen(evil) + 1);
		sprintf(t, "%.*s.%s%s", (int) (d1 - tok), tok, evil, d2);
		expect_reject(v, t, "BAD_SIGNATURE");
		/* One character of the signature changed: in the middle,
		 * and the last one, whose low bits are padding. */
		strcpy(t, tok);
		char *mid = t + (d2 - tok) + 20;
		*mid      = *mid == 'A' ? 'B' : 'A';
		expect_reject(v, t, "BAD_SIGNATURE");
		strcpy(t, tok);
		char *last = t + strlen(t) - 1;
		*last      = *last == 'A' ? 'B' : 'A';
		expect_reject(v, t, "BAD_SIGNATURE");
		/* Truncated: the signature cut short, then gone, then the
		 * whole last part. */
		strcpy(t, tok);
		t[strlen(t) - 10] = '\0';
		expect_reject(v, t, "BAD_SIGNATURE");
		t[d2 - tok + 1] = '\0';
		expect_reject(v, t, "BAD_SIGNATURE");
		t[d2 - tok] = '\0';
		expect_reject(v, t, "TOKEN_MALFORMED");
		t[(d1 - tok) + 5] = '\0';
		expect_reject(v, t, "TOKEN_MALFORMED");
		free(t);
		free(tok);
	}
	free(evil);
	auth_verifier_destroy(v);
}

static void
test_verify_size_and_garbage(void **state)
{
	(void) state;
	auth_verifier *v   = make_std(NULL, NULL, 60);
	size_t         big = 100 * 1024;
	char          *t   = malloc(big + 1);

	/* 100 KB of a token's alphabet, shaped like a JWT. */
	memset(t, 'A', big);
	t[1000] = t[50000] = '.';
	t[big]             = '\0';
	expect_reject(v, t, "TOKEN_TOO_LARGE");
	t[AUTH_MAX_TOKEN + 1] = '\0';
	expect_reject(v, t, "TOKEN_TOO_LARGE");
	free(t);

	const char *garbage[] = {
		"", ".", "..", "abc", "abc.def", "a.b.c.d", "!!!.@@@.###",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln=",
		"eyJhbGciOiJIUzI1NiJ9 .eyJzdWIiOiJhIn0.c2ln",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIi+OiJhIn0.c2ln",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2l/",
		"\xc3\xa9\xc3\xa9.\xc3\xa9.\xc3\xa9",
		"e.eyJzdWIiOiJhIn0.c2ln",  /* a length base64 never has */
		"eB.eyJzdWIiOiJhIn0.c2ln", /* leftover bits set */
		"bm90IGpzb24.eyJzdWIiOiJhIn0.c2ln", /* header "not json" */
		"WzFd.eyJzdWIiOiJhIn0.c2ln", /* header [1]: not an object */
		"e30.eyJzdWIiOiJhIn0.c2ln",  /* header {}: no alg */
	};
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		expect_reject(v, garbage[i], "TOKEN_MALFORMED");
	}
	/* A good header over a payload that is not JSON. */
	t = forge("{\"alg\":\"HS256\",\"kid\":\"hs\"}", "sub=alice", "c2ln");
	expect_reject(v, t, "TOKEN_MALFORMED");
	free(t);
	/* Duplicate claims: two readers could see different values. */
	t = forge("{\"alg\":\"HS256\",\"kid\":\"hs\"}",
	    "{\"sub\":\"a\",\"sub\":\"b\"}", "c2ln");
	expect_reject(v, t, "TOKEN_MALFORMED");
	free(t);
	t = forge("{\"alg\":\"HS256\",\"kid\":\"hs\",\"crit\":[\"x\"]}", "{}",
	    "c2ln");
	expect_reject(v, t, "TOKEN_MALFORMED");
	free(t);
	t = forge("{\"alg\":\"HS256\",\"kid\":7}", "{}", "c2ln");
	expect_reject(v, t, "TOKEN_MALFORMED");
	free(t);
	auth_verifier_destroy(v);
}

static void
test_verify_principal_claims(void **state)
{
	(void) state;
	auth_verifier *v = make_std(NULL, NULL, 60);
	auth_mint_opts o = fixture_mint_opts(&fx, AUTH_ALG_ES256, fx.ec, "es");

	o.sub = NULL;
	check(v, &o, "BAD_CLAIMS");
	o.sub = "";
	check(v, &o, "BAD_CLAIMS");
	o.sub        = "alice";
	o.extra_json = "{\"sub\": 42}";
	check(v, &o, "BAD_CLAIMS");
	o.extra_json = "{\"sub\": \"al\\nice\"}";
	check(v, &o, "BAD_CLAIMS");
	o.extra_json = NULL;
	o.role       = "superuser";
	check(v, &o, "BAD_CLAIMS");
	o.role = NULL;
	check(v, &o, "BAD_CLAIMS");
	o.role = "officer"; /* without agency */
	check(v, &o, "BAD_CLAIMS");
	o.agency = "";
	check(v, &o, "BAD_CLAIMS");
	o.agency = "water";
	check(v, &o, NULL);
	o.role = "citizen"; /* only services act for others */
	o.obo  = "bob";
	check(v, &o, "BAD_CLAIMS");
	o.role = "coordinator";
	check(v, &o, "BAD_CLAIMS");

	const char *roles[] = { "citizen", "officer", "coordinator", "admin",
		"service" };
	auth_role   want[]  = { AUTH_ROLE_CITIZEN, AUTH_ROLE_OFFICER,
		   AUTH_ROLE_COORDINATOR, AUTH_ROLE_ADMIN, AUTH_ROLE_SERVICE };
	o.obo               = NULL;
	for (size_t i = 0; i < 5; i++) {
		o.role             = roles[i];
		char          *tok = fixture_mint(&o);
		auth_principal p   = expect_ok(v, tok);
		assert_int_equal(p.role, want[i]);
		free(tok);
	}
	o.role             = "service";
	o.sub              = "gateway-1";
	o.obo              = "citizen-42";
	o.agency           = NULL;
	char          *tok = fixture_mint(&o);
	auth_principal p   = expect_ok(v, tok);
	assert_int_equal(p.role, AUTH_ROLE_SERVICE);
	assert_string_equal(p.subject, "gateway-1");
	assert_string_equal(p.on_behalf_of, "citizen-42");
	assert_null(p.agency);
	assert_null(p.ward);
	free(tok);
	auth_verifier_destroy(v);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_verify_valid_each_algorithm),
		T(test_verify_time_claims_and_leeway),
		T(test_verify_issuer_and_audience),
		T(test_verify_kid_selection),
		T(test_verify_alg_confusion),
		T(test_verify_alg_none),
		T(test_verify_tampered_and_truncated),
		T(test_verify_size_and_garbage),
		T(test_verify_principal_claims),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
