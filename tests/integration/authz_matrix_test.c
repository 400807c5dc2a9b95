/*
 * authz_matrix_test.c - every method the server serves x every kind of
 * caller (and, for methods on objects, own / other object) -> the exact
 * status, against the real server with tokens signed by its own secret.
 *
 * The method list comes from the server's reflection: a method served
 * without rows here, or a row for a method that is not served, fails the
 * test, so a new method cannot ship without its authorization decided.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/mint.h"
#include "harness.h"

enum {
	ANON,      /* no token */
	FORGED,    /* signed with another secret */
	EXPIRED,   /* a citizen's, an hour past exp */
	CITIZEN,   /* alice */
	OFFICER,   /* olga of agency "roads" */
	COORD,     /* the provincial centre */
	ADMIN,
	SVC,       /* a gateway acting as itself */
	SVC_OBO,   /* a gateway on behalf of alice */
	NCALLERS,
};

static const char *const caller_names[NCALLERS] = {"anonymous", "forged",
    "expired", "citizen", "officer", "coordinator", "admin", "service",
    "service-obo"};

#define OK HUES_OK
#define NA HUES_UNAUTHENTICATED
#define PD HUES_PERMISSION_DENIED

/* Methods on no object have one row; methods on an object will have one
 * row per object kind (own, other) once such methods exist. */
typedef enum { NO_OBJECT, OWN, OTHER } object_kind;

typedef struct matrix_row {
	const char *method;
	object_kind object;
	int         expect[NCALLERS];
	/* The request; NULL: the empty message (all defaults). */
	const uint8_t *req;
	size_t         req_len;
} matrix_row;

/* Debug/Sleep with ms = 0 (field 1, varint 0) returns at once; Put and
 * Get name key "k" (field 1, length 1). */
static const uint8_t sleep0[] = {0x08, 0x00};
static const uint8_t key_k[]  = {0x0a, 0x01, 'k'};

/* A token, when sent, is always verified: forged and expired tokens fail
 * even public methods. */
#define PUBLIC_ROW(m)                                                         \
	{m, NO_OBJECT, {OK, NA, NA, OK, OK, OK, OK, OK, OK}, NULL, 0}

static const matrix_row rows[] = {
    PUBLIC_ROW("/hues.v1.Health/Check"),
    PUBLIC_ROW("/hues.v1.Reflection/ListServices"),
    PUBLIC_ROW("/hues.v1.Reflection/GetFileDescriptorSet"),
    {"/hues.v1.Identity/Whoami", NO_OBJECT,
        {NA, NA, NA, OK, OK, OK, OK, OK, OK}, NULL, 0},
    /* The Debug service exists only with --debug-methods (tests). */
    PUBLIC_ROW("/hues.v1.Debug/Echo"),
    PUBLIC_ROW("/hues.v1.Debug/Bump"),
    PUBLIC_ROW("/hues.v1.Debug/Fail"),
    {"/hues.v1.Debug/Sleep", NO_OBJECT, {OK, NA, NA, OK, OK, OK, OK, OK, OK},
        sleep0, sizeof(sleep0)},
    {"/hues.v1.Debug/Put", NO_OBJECT, {OK, NA, NA, OK, OK, OK, OK, OK, OK},
        key_k, sizeof(key_k)},
    {"/hues.v1.Debug/Get", NO_OBJECT, {OK, NA, NA, OK, OK, OK, OK, OK, OK},
        key_k, sizeof(key_k)},
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static ht_server srv;
static char     *tokens[NCALLERS];

static char *
mint(const auth_mint_opts *o)
{
	char  err[256];
	char *tok = NULL;
	if (auth_mint(o, err, sizeof(err), &tok) != HUES_OK) {
		fail_msg("cannot mint a test token: %s", err);
	}
	return tok;
}

static int
setup(void **state)
{
	(void) state;
	ht_server_start(&srv, NULL);
	char secret[400];
	snprintf(secret, sizeof(secret), "%s/jwt-secret", srv.data_dir);

	const auth_mint_opts base = {
	    .alg = AUTH_ALG_HS256, .key_path = secret, .kid = "local", .ttl_s = 3600};
	auth_mint_opts o;
#define MINT(who, ...)                                                        \
	do {                                                                  \
		o           = base;                                           \
		__VA_ARGS__;                                                  \
		tokens[who] = mint(&o);                                       \
	} while (0)
	MINT(CITIZEN, o.sub = "alice", o.role = "citizen");
	MINT(OFFICER, o.sub = "olga", o.role = "officer", o.agency = "roads");
	MINT(COORD, o.sub = "ioc-1", o.role = "coordinator");
	MINT(ADMIN, o.sub = "root", o.role = "admin");
	MINT(SVC, o.sub = "gateway-1", o.role = "service");
	MINT(SVC_OBO, o.sub = "gateway-1", o.role = "service", o.obo = "alice");
	MINT(EXPIRED, o.sub = "alice", o.role = "citizen", o.ttl_s = -3600);
	static const unsigned char other[32] = "not the server's secret at all!";
	MINT(FORGED, o.sub = "alice", o.role = "citizen", o.key_path = NULL,
	    o.key = other, o.key_len = sizeof(other));
#undef MINT
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	ht_server_stop(&srv);
	for (int i = 0; i < NCALLERS; i++) {
		free(tokens[i]);
		tokens[i] = NULL;
	}
	return 0;
}

static const matrix_row *
row_for(const char *method)
{
	for (size_t i = 0; i < NROWS; i++) {
		if (strcmp(rows[i].method, method) == 0) {
			return &rows[i];
		}
	}
	return NULL;
}

static void
test_matrix_covers_every_method(void **state)
{
	(void) state;
	hues_client *c = ht_client(&srv, NULL);
	hues_result *res;
	bool         served[NROWS] = {false};
	Hues__V1__ListServicesRequest req = HUES__V1__LIST_SERVICES_REQUEST__INIT;

	assert_int_equal(
	    hues_reflection_list_services(c, &req, NULL, &res), HUES_OK);
	const Hues__V1__ListServicesResponse *r =
	    hues_reflection_list_services_response(res);
	for (size_t i = 0; i < r->n_services; i++) {
		for (size_t j = 0; j < r->services[i]->n_methods; j++) {
			const char       *m   = r->services[i]->methods[j]->full_name;
			const matrix_row *row = row_for(m);
			if (row == NULL) {
				fail_msg("%s is served but has no row in the "
				         "authorization matrix",
				    m);
			}
			served[row - rows] = true;
		}
	}
	hues_result_free(res);
	for (size_t i = 0; i < NROWS; i++) {
		if (!served[i]) {
			fail_msg("the matrix has a row for %s, which the server "
			         "does not serve",
			    rows[i].method);
		}
	}
	hues_client_destroy(c);
}

static void
test_matrix_every_method_every_caller(void **state)
{
	(void) state;
	hues_client_opts o = {.max_attempts = 1};
	hues_client     *c = ht_client(&srv, &o);
	int              failures = 0;

	for (size_t i = 0; i < NROWS; i++) {
		for (int who = 0; who < NCALLERS; who++) {
			hues_call_opts co  = {.bearer_token = tokens[who]};
			hues_result   *res = NULL;
			int got = hues_call(c, rows[i].method, rows[i].req,
			    rows[i].req_len, &co, &res);
			if (got != rows[i].expect[who]) {
				print_error("%s as %s: %s (%s), expected %s\n",
				    rows[i].method, caller_names[who],
				    hues_status_name(got),
				    res != NULL ? hues_result_message(res) : "",
				    hues_status_name(rows[i].expect[who]));
				failures++;
			}
			hues_result_free(res);
		}
	}
	hues_client_destroy(c);
	assert_int_equal(failures, 0);
}

/* What the server made of each token: the claims the rules rest on. */
static void
test_matrix_principals(void **state)
{
	(void) state;
	hues_client *c = ht_client(&srv, NULL);
	static const struct {
		int         who;
		const char *subject, *agency, *obo, *acting;
		int         role;
	} want[] = {
	    {CITIZEN, "alice", "", "", "alice", HUES__V1__ROLE__ROLE_CITIZEN},
	    {OFFICER, "olga", "roads", "", "olga", HUES__V1__ROLE__ROLE_OFFICER},
	    {COORD, "ioc-1", "", "", "ioc-1", HUES__V1__ROLE__ROLE_COORDINATOR},
	    {ADMIN, "root", "", "", "root", HUES__V1__ROLE__ROLE_ADMIN},
	    /* A gateway acts for nobody unless its token names the user. */
	    {SVC, "gateway-1", "", "", "", HUES__V1__ROLE__ROLE_SERVICE},
	    {SVC_OBO, "gateway-1", "", "alice", "alice",
	        HUES__V1__ROLE__ROLE_SERVICE},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		Hues__V1__WhoamiRequest req = HUES__V1__WHOAMI_REQUEST__INIT;
		hues_call_opts          co  = {.bearer_token = tokens[want[i].who]};
		hues_result            *res;
		assert_int_equal(
		    hues_identity_whoami(c, &req, &co, &res), HUES_OK);
		const Hues__V1__WhoamiResponse *r =
		    hues_identity_whoami_response(res);
		assert_string_equal(r->subject, want[i].subject);
		assert_int_equal(r->role, want[i].role);
		assert_string_equal(r->agency, want[i].agency);
		assert_string_equal(r->on_behalf_of, want[i].obo);
		assert_string_equal(r->acting_user, want[i].acting);
		hues_result_free(res);
	}
	/* The reasons of the token failures are stable. */
	Hues__V1__WhoamiRequest req = HUES__V1__WHOAMI_REQUEST__INIT;
	hues_result            *res;
	hues_call_opts          co  = {.bearer_token = tokens[EXPIRED]};
	assert_int_equal(hues_identity_whoami(c, &req, &co, &res),
	    HUES_UNAUTHENTICATED);
	assert_string_equal(hues_result_reason(res), "TOKEN_EXPIRED");
	hues_result_free(res);
	co.bearer_token = tokens[FORGED];
	assert_int_equal(hues_identity_whoami(c, &req, &co, &res),
	    HUES_UNAUTHENTICATED);
	assert_string_equal(hues_result_reason(res), "BAD_SIGNATURE");
	hues_result_free(res);
	assert_int_equal(hues_identity_whoami(c, &req, NULL, &res),
	    HUES_UNAUTHENTICATED);
	assert_string_equal(hues_result_reason(res), "TOKEN_MISSING");
	hues_result_free(res);
	hues_client_destroy(c);
}

/* The abuse limit: a token bucket per caller for write methods. */
static void
test_rate_limit_per_caller(void **state)
{
	(void) state;
	ht_server   one;
	const char *args[] = {
	    "--write-burst", "2", "--write-rate-per-hour", "1", NULL};
	char        secret[400];
	ht_server_start(&one, args);
	snprintf(secret, sizeof(secret), "%s/jwt-secret", one.data_dir);
	auth_mint_opts o = {.alg = AUTH_ALG_HS256, .key_path = secret,
	    .kid = "local", .ttl_s = 3600, .sub = "alice", .role = "citizen"};
	char *alice = mint(&o);
	o.sub       = "bob";
	char *bob   = mint(&o);

	hues_client_opts      copts = {.max_attempts = 1};
	hues_client          *c     = ht_client(&one, &copts);
	hues_result          *res;
	Hues__V1__BumpRequest br = HUES__V1__BUMP_REQUEST__INIT;
	hues_call_opts        as_alice = {.bearer_token = alice};
	hues_call_opts        as_bob   = {.bearer_token = bob};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(hues_debug_bump(c, &br, &as_alice, &res), HUES_OK);
		hues_result_free(res);
	}
	assert_int_equal(hues_debug_bump(c, &br, &as_alice, &res),
	    HUES_RESOURCE_EXHAUSTED);
	assert_string_equal(hues_result_reason(res), "RATE_LIMITED");
	/* One call an hour: the next is about an hour away. */
	assert_in_range(hues_result_retry_after_ms(res), 3500000, 3600001);
	hues_result_free(res);
	/* Bob is not charged for Alice; reads are never limited. */
	assert_int_equal(hues_debug_bump(c, &br, &as_bob, &res), HUES_OK);
	assert_int_equal(hues_debug_bump_response(res)->value, 3);
	hues_result_free(res);
	Hues__V1__WhoamiRequest wr = HUES__V1__WHOAMI_REQUEST__INIT;
	assert_int_equal(hues_identity_whoami(c, &wr, &as_alice, &res), HUES_OK);
	hues_result_free(res);
	hues_client_destroy(c);
	ht_server_stop(&one);
	free(alice);
	free(bob);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matrix_covers_every_method),
	    cmocka_unit_test(test_matrix_every_method_every_caller),
	    cmocka_unit_test(test_matrix_principals),
	    cmocka_unit_test(test_rate_limit_per_caller),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
