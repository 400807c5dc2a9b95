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
#include "feedback_util.h"
#include "harness.h"

enum {
	ANON,      /* no token */
	FORGED,    /* signed with another secret */
	EXPIRED,   /* a citizen's, an hour past exp */
	CITIZEN,   /* alice */
	OFFICER,   /* olga of agency "so-gtvt" (roads in the default catalog) */
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

/* Methods on no object have one row; methods on a report have rows per
 * object kind: OWN is alice's road.pothole, routed to olga's so-gtvt at
 * triage; OTHER is bob's light.out, routed to hepco. */
typedef enum { NO_OBJECT, OWN, OTHER } object_kind;

/* Packs the request of a row for report id (ignored by rows on no
 * object) into buf; returns its length. */
typedef size_t (*build_fn)(const char *id, uint8_t *buf, size_t cap);

typedef struct matrix_row {
	const char *method;
	object_kind object;
	int         expect[NCALLERS];
	/* The request; NULL: the empty message (all defaults). */
	const uint8_t *req;
	size_t         req_len;
	/* Feedback rows: the request built for the row's report, which is
	 * brought to `state` first (a fresh one for each call that
	 * succeeds, unless the method only reads). */
	build_fn build;
	int      state;
	bool     reads;
} matrix_row;

/* Debug/Sleep with ms = 0 (field 1, varint 0) returns at once; Put and
 * Get name key "k" (field 1, length 1). */
static const uint8_t sleep0[] = {0x08, 0x00};
static const uint8_t key_k[]  = {0x0a, 0x01, 'k'};

/* ----- Feedback requests ----------------------------------------------------- */

static char extend_to[11]; /* a date 40 days ahead, set by setup() */

static size_t
pack(const ProtobufCMessage *m, uint8_t *buf, size_t cap)
{
	assert_true(protobuf_c_message_get_packed_size(m) <= cap);
	return protobuf_c_message_pack(m, buf);
}

static size_t
b_submit(const char *id, uint8_t *buf, size_t cap)
{
	fb_draft d;
	(void) id;
	fb_draft_init(&d, "road.pothole", FB_HUE_LAT, FB_HUE_LON);
	return pack(&d.req.base, buf, cap);
}

static size_t
b_queue_hepco(const char *id, uint8_t *buf, size_t cap)
{
	Hues__V1__WorkQueueRequest r = HUES__V1__WORK_QUEUE_REQUEST__INIT;
	(void) id;
	r.agency = "hepco";
	return pack(&r.base, buf, cap);
}

static size_t
b_put_category(const char *id, uint8_t *buf, size_t cap)
{
	Hues__V1__PutCategoryRequest r = HUES__V1__PUT_CATEGORY_REQUEST__INIT;
	Hues__V1__Category           c = HUES__V1__CATEGORY__INIT;
	(void) id;
	c.code       = "matrix.test";
	c.name_vi    = "Thử ma trận";
	c.name_en    = "Matrix test";
	c.group_code = "other";
	c.active     = true;
	r.category   = &c;
	return pack(&r.base, buf, cap);
}

static size_t
b_put_agency(const char *id, uint8_t *buf, size_t cap)
{
	Hues__V1__PutAgencyRequest r = HUES__V1__PUT_AGENCY_REQUEST__INIT;
	Hues__V1__Agency           a = HUES__V1__AGENCY__INIT;
	(void) id;
	a.id     = "matrix-agency";
	a.name   = "Cơ quan thử";
	a.kind   = HUES__V1__AGENCY_KIND__AGENCY_KIND_DEPARTMENT;
	a.active = true;
	r.agency = &a;
	return pack(&r.base, buf, cap);
}

static size_t
b_put_ward(const char *id, uint8_t *buf, size_t cap)
{
	Hues__V1__PutWardRequest r = HUES__V1__PUT_WARD_REQUEST__INIT;
	Hues__V1__Ward           w = HUES__V1__WARD__INIT;
	(void) id;
	w.code   = "matrix-ward";
	w.name   = "Phường thử";
	w.active = true;
	r.ward   = &w;
	return pack(&r.base, buf, cap);
}

static size_t
b_put_rule(const char *id, uint8_t *buf, size_t cap)
{
	Hues__V1__PutRoutingRuleRequest r  = HUES__V1__PUT_ROUTING_RULE_REQUEST__INIT;
	Hues__V1__RoutingRule           rr = HUES__V1__ROUTING_RULE__INIT;
	(void) id;
	rr.category  = "road.sign";
	rr.ward_code = "phu-hoi";
	rr.agency    = "so-gtvt";
	r.rule       = &rr;
	return pack(&r.base, buf, cap);
}

static size_t
b_delete_rule(const char *id, uint8_t *buf, size_t cap)
{
	Hues__V1__DeleteRoutingRuleRequest r =
	    HUES__V1__DELETE_ROUTING_RULE_REQUEST__INIT;
	(void) id;
	r.category  = "road.sidewalk";
	r.ward_code = "phu-hoi";
	return pack(&r.base, buf, cap);
}

/* Requests on a report: its id, and the text the action requires. */
#define ID_REQUEST(fn, Type, INIT, ...)                                       \
	static size_t fn(const char *id, uint8_t *buf, size_t cap)            \
	{                                                                     \
		Type r = INIT;                                                \
		r.id   = (char *) id;                                         \
		__VA_ARGS__;                                                  \
		return pack(&r.base, buf, cap);                               \
	}
ID_REQUEST(b_get, Hues__V1__GetReportRequest, HUES__V1__GET_REPORT_REQUEST__INIT)
ID_REQUEST(b_withdraw, Hues__V1__WithdrawRequest, HUES__V1__WITHDRAW_REQUEST__INIT)
ID_REQUEST(b_comment, Hues__V1__AddCommentRequest,
    HUES__V1__ADD_COMMENT_REQUEST__INIT, r.text = "Vẫn còn")
ID_REQUEST(b_support, Hues__V1__SupportRequest, HUES__V1__SUPPORT_REQUEST__INIT)
ID_REQUEST(
    b_subscribe, Hues__V1__SubscribeRequest, HUES__V1__SUBSCRIBE_REQUEST__INIT)
ID_REQUEST(b_unsubscribe, Hues__V1__UnsubscribeRequest,
    HUES__V1__UNSUBSCRIBE_REQUEST__INIT)
ID_REQUEST(b_rate, Hues__V1__RateRequest, HUES__V1__RATE_REQUEST__INIT,
    r.rating = FB_RATE(SATISFIED))
ID_REQUEST(b_triage, Hues__V1__TriageRequest, HUES__V1__TRIAGE_REQUEST__INIT,
    r.decision = HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT)
ID_REQUEST(b_ack, Hues__V1__AcknowledgeRequest,
    HUES__V1__ACKNOWLEDGE_REQUEST__INIT)
ID_REQUEST(
    b_start, Hues__V1__StartWorkRequest, HUES__V1__START_WORK_REQUEST__INIT)
ID_REQUEST(b_ask, Hues__V1__RequestInfoRequest,
    HUES__V1__REQUEST_INFO_REQUEST__INIT, r.question = "Ở làn nào?")
ID_REQUEST(b_extend, Hues__V1__ExtendDeadlineRequest,
    HUES__V1__EXTEND_DEADLINE_REQUEST__INIT, r.new_date = extend_to,
    r.reason = "Chờ vật tư")
ID_REQUEST(b_resolve, Hues__V1__ResolveRequest, HUES__V1__RESOLVE_REQUEST__INIT,
    r.answer = "Đã sửa")
ID_REQUEST(b_return, Hues__V1__ReturnToTriageRequest,
    HUES__V1__RETURN_TO_TRIAGE_REQUEST__INIT, r.reason = "Không phải của chúng tôi")
#undef ID_REQUEST

/* A token, when sent, is always verified: forged and expired tokens fail
 * even public methods. */
#define PUBLIC_ROW(m)                                                         \
	{m, NO_OBJECT, {OK, NA, NA, OK, OK, OK, OK, OK, OK}, NULL, 0, NULL, 0, \
	    false}

/* docs/feedback.md, "Who may call what". The callers, in order: anonymous,
 * forged, expired, citizen, officer, coordinator, admin, service,
 * service-obo. */
#define FB(m) "/hues.v1.Feedback/" m
#define OBJ(m, obj, st, b, ...)                                               \
	{FB(m), obj, {__VA_ARGS__}, NULL, 0, b, FB_ST(st), false}
#define READ_OBJ(m, obj, st, b, ...)                                          \
	{FB(m), obj, {__VA_ARGS__}, NULL, 0, b, FB_ST(st), true}
#define NO_OBJ(m, b, ...) {FB(m), NO_OBJECT, {__VA_ARGS__}, NULL, 0, b, 0, false}
/* Citizens and gateways for a user; the owner only (NOT_OWNER). */
#define OWNER_ROWS(m, st, b)                                                  \
	OBJ(m, OWN, st, b, NA, NA, NA, OK, PD, PD, PD, PD, OK),               \
	    OBJ(m, OTHER, st, b, NA, NA, NA, PD, PD, PD, PD, PD, PD)
/* Any report the user may read: her own, or a published one. */
#define READER_ROWS(m, b)                                                     \
	OBJ(m, OWN, SUBMITTED, b, NA, NA, NA, OK, PD, PD, PD, PD, OK),        \
	    OBJ(m, OTHER, SUBMITTED, b, NA, NA, NA, PD, PD, PD, PD, PD, PD),  \
	    OBJ(m, OTHER, ACCEPTED, b, NA, NA, NA, OK, PD, PD, PD, PD, OK)
/* The officers of the report's agency (OTHER_AGENCY). */
#define AGENCY_ROWS(m, st, b)                                                 \
	OBJ(m, OWN, st, b, NA, NA, NA, PD, OK, PD, PD, PD, PD),               \
	    OBJ(m, OTHER, st, b, NA, NA, NA, PD, PD, PD, PD, PD, PD)
#define ADMIN_ROW(m, b) NO_OBJ(m, b, NA, NA, NA, PD, PD, PD, OK, PD, PD)
#define PUBLIC_FB_ROW(m) NO_OBJ(m, NULL, OK, NA, NA, OK, OK, OK, OK, OK, OK)

#define FEEDBACK_ROWS                                                         \
	NO_OBJ("SubmitReport", b_submit, NA, NA, NA, OK, PD, PD, PD, PD, OK), \
	    READ_OBJ("GetReport", OWN, SUBMITTED, b_get, NA, NA, NA, OK, PD,  \
	        OK, OK, PD, OK),                                              \
	    READ_OBJ("GetReport", OTHER, SUBMITTED, b_get, NA, NA, NA, PD,    \
	        PD, OK, OK, PD, PD),                                          \
	    READ_OBJ("GetReport", OWN, ACCEPTED, b_get, OK, NA, NA, OK, OK,   \
	        OK, OK, OK, OK),                                              \
	    READ_OBJ("GetReport", OTHER, ACCEPTED, b_get, OK, NA, NA, OK, OK, \
	        OK, OK, OK, OK),                                              \
	    NO_OBJ("ListMyReports", NULL, NA, NA, NA, OK, PD, PD, PD, PD, OK), \
	    OWNER_ROWS("Withdraw", SUBMITTED, b_withdraw),                    \
	    OWNER_ROWS("AddComment", ACCEPTED, b_comment),                    \
	    READER_ROWS("Support", b_support),                                \
	    READER_ROWS("Subscribe", b_subscribe),                            \
	    READER_ROWS("Unsubscribe", b_unsubscribe),                        \
	    OWNER_ROWS("Rate", RESOLVED, b_rate),                             \
	    PUBLIC_FB_ROW("PublicFeed"),                                      \
	    OBJ("Triage", OWN, SUBMITTED, b_triage, NA, NA, NA, PD, PD, OK,   \
	        PD, PD, PD),                                                  \
	    OBJ("Triage", OTHER, SUBMITTED, b_triage, NA, NA, NA, PD, PD, OK, \
	        PD, PD, PD),                                                  \
	    AGENCY_ROWS("Acknowledge", ACCEPTED, b_ack),                      \
	    AGENCY_ROWS("StartWork", ACKNOWLEDGED, b_start),                  \
	    AGENCY_ROWS("RequestInfo", ACKNOWLEDGED, b_ask),                  \
	    AGENCY_ROWS("ExtendDeadline", ACKNOWLEDGED, b_extend),            \
	    AGENCY_ROWS("Resolve", ACKNOWLEDGED, b_resolve),                  \
	    AGENCY_ROWS("ReturnToTriage", ACCEPTED, b_return),                \
	    /* Officers: their own agency ("" is theirs); coordinators any,  \
	     * "" being the centre's triage queue. */                         \
	    NO_OBJ("WorkQueue", NULL, NA, NA, NA, PD, OK, OK, PD, PD, PD),    \
	    NO_OBJ("WorkQueue", b_queue_hepco, NA, NA, NA, PD, PD, OK, PD, PD, \
	        PD),                                                          \
	    PUBLIC_FB_ROW("Stats"),                                           \
	    NO_OBJ("ReadOutbox", NULL, NA, NA, NA, PD, PD, OK, OK, OK, PD),   \
	    PUBLIC_FB_ROW("ListCategories"), ADMIN_ROW("PutCategory", b_put_category), \
	    PUBLIC_FB_ROW("ListAgencies"), ADMIN_ROW("PutAgency", b_put_agency), \
	    PUBLIC_FB_ROW("ListWards"), ADMIN_ROW("PutWard", b_put_ward),     \
	    PUBLIC_FB_ROW("ListRoutingRules"),                                \
	    ADMIN_ROW("PutRoutingRule", b_put_rule),                          \
	    ADMIN_ROW("DeleteRoutingRule", b_delete_rule)

static const matrix_row rows[] = {
    PUBLIC_ROW("/hues.v1.Health/Check"),
    PUBLIC_ROW("/hues.v1.Reflection/ListServices"),
    PUBLIC_ROW("/hues.v1.Reflection/GetFileDescriptorSet"),
    {"/hues.v1.Identity/Whoami", NO_OBJECT,
        {NA, NA, NA, OK, OK, OK, OK, OK, OK}, NULL, 0, NULL, 0, false},
    /* The Debug service exists only with --debug-methods (tests). */
    PUBLIC_ROW("/hues.v1.Debug/Echo"),
    PUBLIC_ROW("/hues.v1.Debug/Bump"),
    PUBLIC_ROW("/hues.v1.Debug/Fail"),
    {"/hues.v1.Debug/Sleep", NO_OBJECT, {OK, NA, NA, OK, OK, OK, OK, OK, OK},
        sleep0, sizeof(sleep0), NULL, 0, false},
    {"/hues.v1.Debug/Put", NO_OBJECT, {OK, NA, NA, OK, OK, OK, OK, OK, OK},
        key_k, sizeof(key_k), NULL, 0, false},
    {"/hues.v1.Debug/Get", NO_OBJECT, {OK, NA, NA, OK, OK, OK, OK, OK, OK},
        key_k, sizeof(key_k), NULL, 0, false},
    FEEDBACK_ROWS
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static fb_env env;
static char *tokens[NCALLERS];
static char *bob_token, *hana_token; /* OTHER's reporter, its agency's officer */

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
	/* Preparing the reports of the Feedback rows writes a lot. */
	fb_start(&env, NULL);
	fb_local_date(40, extend_to);
	char secret[400];
	snprintf(secret, sizeof(secret), "%s/jwt-secret", env.srv.data_dir);

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
	MINT(OFFICER, o.sub = "olga", o.role = "officer", o.agency = "so-gtvt");
	MINT(COORD, o.sub = "ioc-1", o.role = "coordinator");
	MINT(ADMIN, o.sub = "root", o.role = "admin");
	MINT(SVC, o.sub = "gateway-1", o.role = "service");
	MINT(SVC_OBO, o.sub = "gateway-1", o.role = "service", o.obo = "alice");
	MINT(EXPIRED, o.sub = "alice", o.role = "citizen", o.ttl_s = -3600);
	static const unsigned char other[32] = "not the server's secret at all!";
	MINT(FORGED, o.sub = "alice", o.role = "citizen", o.key_path = NULL,
	    o.key = other, o.key_len = sizeof(other));
	o    = base;
	o.sub  = "bob";
	o.role = "citizen";
	bob_token = mint(&o);
	o.sub    = "hana";
	o.role   = "officer";
	o.agency = "hepco";
	hana_token = mint(&o);
#undef MINT
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	fb_stop(&env);
	for (int i = 0; i < NCALLERS; i++) {
		free(tokens[i]);
		tokens[i] = NULL;
	}
	free(bob_token);
	free(hana_token);
	bob_token = hana_token = NULL;
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
	hues_client *c = ht_client(&env.srv, NULL);
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
			if (row_for(m) == NULL) {
				fail_msg("%s is served but has no row in the "
				         "authorization matrix",
				    m);
			}
			for (size_t k = 0; k < NROWS; k++) {
				served[k] |= strcmp(rows[k].method, m) == 0;
			}
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

static const char *const object_names[] = {"", " (own report)",
    " (another's report)"};

/* A fresh report for row: OWN is alice's, routed to so-gtvt; OTHER is
 * bob's, routed to hepco; brought to the row's state. */
static void
prepare(const matrix_row *row, char id[FB_ID_LEN])
{
	static int  n;
	bool        own      = row->object == OWN;
	const char *reporter = own ? tokens[CITIZEN] : bob_token;
	const char *officer  = own ? tokens[OFFICER] : hana_token;
	fb_submit(&env, reporter, own ? "road.pothole" : "light.out",
	    16.10 + 0.01 * (n / 50), 107.30 + 0.01 * (n % 50), id);
	n++;
	fb_advance(&env, id, row->state, officer, reporter);
}

static void
test_matrix_every_method_every_caller(void **state)
{
	(void) state;
	hues_client_opts o = {.max_attempts = 1};
	hues_client     *c = ht_client(&env.srv, &o);
	int              failures = 0;

	for (size_t i = 0; i < NROWS; i++) {
		char id[FB_ID_LEN] = "";
		for (int who = 0; who < NCALLERS; who++) {
			hues_call_opts co  = {.bearer_token = tokens[who]};
			hues_result   *res = NULL;
			const uint8_t *req = rows[i].req;
			size_t         len = rows[i].req_len;
			uint8_t        buf[4096];
			if (rows[i].object != NO_OBJECT && id[0] == '\0') {
				prepare(&rows[i], id);
			}
			if (rows[i].build != NULL) {
				len = rows[i].build(id, buf, sizeof(buf));
				req = buf;
			}
			int got = hues_call(c, rows[i].method, req, len, &co, &res);
			if (got != rows[i].expect[who]) {
				print_error("%s%s as %s: %s (%s: %s), expected %s\n",
				    rows[i].method, object_names[rows[i].object],
				    caller_names[who], hues_status_name(got),
				    res != NULL ? hues_result_reason(res) : "",
				    res != NULL ? hues_result_message(res) : "",
				    hues_status_name(rows[i].expect[who]));
				failures++;
			}
			/* The next caller gets a report in the row's state. */
			if (got == HUES_OK && !rows[i].reads) {
				id[0] = '\0';
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
	hues_client *c = ht_client(&env.srv, NULL);
	static const struct {
		int         who;
		const char *subject, *agency, *obo, *acting;
		int         role;
	} want[] = {
	    {CITIZEN, "alice", "", "", "alice", HUES__V1__ROLE__ROLE_CITIZEN},
	    {OFFICER, "olga", "so-gtvt", "", "olga", HUES__V1__ROLE__ROLE_OFFICER},
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

/* The abuse limit: a token bucket per caller for write methods and costly
 * reads. */
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
	/* Anonymous callers cannot be told apart: they share one bucket. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(hues_debug_bump(c, &br, NULL, &res), HUES_OK);
		hues_result_free(res);
	}
	assert_int_equal(
	    hues_debug_bump(c, &br, NULL, &res), HUES_RESOURCE_EXHAUSTED);
	assert_string_equal(hues_result_reason(res), "RATE_LIMITED");
	hues_result_free(res);
	/* Stats, a read that scans the store, is charged like a write; a
	 * read that is not, is not. Bob has one call left. */
	Hues__V1__StatsRequest sr = HUES__V1__STATS_REQUEST__INIT;
	assert_int_equal(
	    hues_feedback_stats(c, &sr, NULL, &res), HUES_RESOURCE_EXHAUSTED);
	assert_string_equal(hues_result_reason(res), "RATE_LIMITED");
	hues_result_free(res);
	assert_int_equal(hues_feedback_stats(c, &sr, &as_bob, &res), HUES_OK);
	hues_result_free(res);
	assert_int_equal(hues_feedback_stats(c, &sr, &as_bob, &res),
	    HUES_RESOURCE_EXHAUSTED);
	assert_string_equal(hues_result_reason(res), "RATE_LIMITED");
	hues_result_free(res);
	Hues__V1__ListCategoriesRequest lr =
	    HUES__V1__LIST_CATEGORIES_REQUEST__INIT;
	assert_int_equal(
	    hues_feedback_list_categories(c, &lr, NULL, &res), HUES_OK);
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
