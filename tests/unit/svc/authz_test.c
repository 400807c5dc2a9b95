/*
 * authz_test.c - the per-object rules as a table: every action x every
 * kind of caller x own / other object -> the expected status. A rule
 * changed in authz.c without its row here fails the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hues/status.h"
#include "svc/authz.h"

enum { ANON, CITIZEN, OFFICER, COORD, ADMIN, SVC_OBO, SVC_BARE, NCALLERS };

static const svc_principal callers[NCALLERS] = {
    [ANON]     = {0},
    [CITIZEN]  = {.subject = "alice", .role = SVC_ROLE_CITIZEN},
    [OFFICER]  = {.subject = "olga", .role = SVC_ROLE_OFFICER,
         .agency = "roads"},
    [COORD]    = {.subject = "ioc-1", .role = SVC_ROLE_COORDINATOR},
    [ADMIN]    = {.subject = "root", .role = SVC_ROLE_ADMIN},
    [SVC_OBO]  = {.subject = "gateway", .role = SVC_ROLE_SERVICE,
         .on_behalf_of = "alice"},
    [SVC_BARE] = {.subject = "gateway", .role = SVC_ROLE_SERVICE},
};

/* "Own" is alice's report routed to roads (the officer's agency); "other"
 * is bob's report routed to water. */
static const authz_object own   = {.owner = "alice", .agency = "roads"};
static const authz_object other = {.owner = "bob", .agency = "water"};

#define OK HUES_OK
#define NA HUES_UNAUTHENTICATED
#define PD HUES_PERMISSION_DENIED

/* expected[action][caller][0 own, 1 other] */
static const int expected[5][NCALLERS][2] = {
    /*               ANON     CITIZEN  OFFICER  COORD    ADMIN    SVC_OBO  SVC_BARE */
    [AUTHZ_READ]   = {{NA, NA}, {OK, PD}, {OK, PD}, {OK, OK}, {OK, OK}, {OK, PD}, {PD, PD}},
    [AUTHZ_CHANGE] = {{NA, NA}, {OK, PD}, {PD, PD}, {PD, PD}, {PD, PD}, {OK, PD}, {PD, PD}},
    [AUTHZ_WORK]   = {{NA, NA}, {PD, PD}, {OK, PD}, {PD, PD}, {PD, PD}, {PD, PD}, {PD, PD}},
    [AUTHZ_ROUTE]  = {{NA, NA}, {PD, PD}, {PD, PD}, {OK, OK}, {PD, PD}, {PD, PD}, {PD, PD}},
    [AUTHZ_MANAGE] = {{NA, NA}, {PD, PD}, {PD, PD}, {PD, PD}, {OK, OK}, {PD, PD}, {PD, PD}},
};

static void
test_authz_matrix(void **state)
{
	(void) state;
	for (int act = AUTHZ_READ; act <= AUTHZ_MANAGE; act++) {
		for (int c = 0; c < NCALLERS; c++) {
			for (int o = 0; o < 2; o++) {
				int got = authz_check(&callers[c], (authz_action) act,
				    o == 0 ? &own : &other);
				if (got != expected[act][c][o]) {
					fail_msg("action %d caller %d %s: got %d, "
					         "expected %d",
					    act, c, o == 0 ? "own" : "other", got,
					    expected[act][c][o]);
				}
			}
		}
	}
}

static void
test_authz_unrouted_is_no_agency(void **state)
{
	(void) state;
	authz_object fresh = {.owner = "alice", .agency = NULL};
	assert_int_equal(authz_check(&callers[OFFICER], AUTHZ_READ, &fresh), PD);
	assert_int_equal(authz_check(&callers[OFFICER], AUTHZ_WORK, &fresh), PD);
	/* An officer token without an agency never matches. */
	svc_principal lost = callers[OFFICER];
	lost.agency        = NULL;
	assert_int_equal(authz_check(&lost, AUTHZ_READ, &fresh), PD);
	/* An object without an owner is nobody's own. */
	authz_object orphan = {.owner = NULL, .agency = "roads"};
	assert_int_equal(authz_check(&callers[CITIZEN], AUTHZ_READ, &orphan), PD);
}

static void
test_authz_reporter_identity(void **state)
{
	(void) state;
	/* Officers never see who reported, even on their agency's report. */
	assert_false(authz_sees_reporter(&callers[OFFICER], &own));
	assert_true(authz_sees_reporter(&callers[COORD], &other));
	assert_true(authz_sees_reporter(&callers[ADMIN], &other));
	assert_true(authz_sees_reporter(&callers[CITIZEN], &own));
	assert_false(authz_sees_reporter(&callers[CITIZEN], &other));
	assert_true(authz_sees_reporter(&callers[SVC_OBO], &own));
	assert_false(authz_sees_reporter(&callers[SVC_BARE], &own));
	assert_false(authz_sees_reporter(&callers[ANON], &own));
}

static void
test_authz_acting_user(void **state)
{
	(void) state;
	assert_null(authz_acting_user(&callers[ANON]));
	assert_string_equal(authz_acting_user(&callers[CITIZEN]), "alice");
	assert_string_equal(authz_acting_user(&callers[SVC_OBO]), "alice");
	assert_null(authz_acting_user(&callers[SVC_BARE]));
	/* "obo" means something only in a service token. */
	svc_principal c = callers[CITIZEN];
	c.on_behalf_of  = "bob";
	assert_string_equal(authz_acting_user(&c), "alice");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_authz_matrix),
	    cmocka_unit_test(test_authz_unrouted_is_no_agency),
	    cmocka_unit_test(test_authz_reporter_identity),
	    cmocka_unit_test(test_authz_acting_user),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
