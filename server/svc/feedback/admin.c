/*
 * admin.c - the catalog methods: anyone lists categories, agencies, wards
 * and routing rules (paged by code); admins put them and delete rules.
 * A put is checked against the catalog as it is, written to the store,
 * and then the in-memory catalog is rebuilt from the store, so that it
 * always equals what is committed, whatever order admins' writes land in.
 */
#include <string.h>

#include "svc/feedback/convert.h"
#include "svc/feedback/fb.h"
#include "svc/feedback/validate.h"
#include "svc/write.h"

static const char *
text(const char *s)
{
	return s != NULL ? s : "";
}

/* ----- listing -------------------------------------------------------------- */

/* Parses a list request's token: the last code returned ("" at first). */
static int
list_start(svc_call *call, fb_page_kind kind, uint32_t h, int32_t page_size,
    const char *token, uint32_t *size, const char **after)
{
	const void *last;
	size_t      n;
	int         rv = fb_page_size(call, page_size, size);

	*after = NULL;

	if (fb_page_parse(call, token, kind, h, &last, &n) != HUES_OK ||
	    rv != HUES_OK) {
		return call_invalid(call);
	}
	*after = n > 0 ? call_printf(call, "%.*s", (int) n, (const char *) last)
	               : NULL;
	return HUES_OK;
}

/* Whether code comes after the token's code. */
static bool
past(const char *code, const char *after)
{
	return after == NULL || strcmp(code, after) > 0;
}

#define LIST_BODY(KIND, COUNT, AT, CODE, ACTIVE, TOPB, FIELD, NFIELD)         \
	fb_service *svc = call_state(call);                                   \
	uint32_t    size;                                                     \
	const char *after;                                                    \
	fb_mem      m = {fb_call_mem, call};                                     \
	uint32_t    h = fb_page_hash(0, &req->include_inactive, 1);          \
	int         rv;                                                       \
	if ((rv = list_start(call, KIND, h, req->page_size, req->page_token,  \
	         &size, &after)) != HUES_OK) {                                \
		return rv;                                                    \
	}                                                                     \
	const feedback_catalog *cat = fb_catalog_hold(svc);                   \
	size_t                  n   = COUNT(cat);                             \
	resp->FIELD = call_alloc(call, (size + 1) * sizeof(*resp->FIELD));    \
	bool more   = false;                                                  \
	for (size_t i = 0; i < n; i++) {                                      \
		const void *rec_ = AT(cat, i);                                \
		if (!past(CODE(rec_), after) ||                               \
		    (!req->include_inactive && !ACTIVE(rec_))) {              \
			continue;                                             \
		}                                                             \
		if (resp->NFIELD == size) {                                   \
			more = true;                                          \
			break;                                                \
		}                                                             \
		resp->FIELD[resp->NFIELD++] = TOPB(&m, rec_);                 \
	}                                                                     \
	fb_catalog_release(svc);                                              \
	if (more) {                                                           \
		const char *lc = CODE_PB(resp->FIELD[resp->NFIELD - 1]);      \
		resp->next_page_token =                                       \
		    fb_page_token(call, KIND, h, lc, strlen(lc));             \
	}                                                                     \
	return HUES_OK

#define CAT_CODE(r)   (((const feedback_category *) (r))->code)
#define CAT_ACTIVE(r) (((const feedback_category *) (r))->active)
#define AG_CODE(r)    (((const feedback_agency *) (r))->id)
#define AG_ACTIVE(r)  (((const feedback_agency *) (r))->active)
#define WD_CODE(r)    (((const feedback_ward *) (r))->code)
#define WD_ACTIVE(r)  (((const feedback_ward *) (r))->active)

int
fb_list_categories(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__ListCategoriesRequest *req  = reqp;
	Hues__V1__ListCategoriesResponse      *resp = respp;
#define CODE_PB(x) ((x)->code)
	LIST_BODY(FB_PAGE_CATEGORIES, feedback_catalog_ncategories,
	    feedback_catalog_category_at, CAT_CODE, CAT_ACTIVE,
	    fb_category_to_pb, categories, n_categories);
#undef CODE_PB
}

int
fb_list_agencies(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__ListAgenciesRequest *req  = reqp;
	Hues__V1__ListAgenciesResponse      *resp = respp;
#define CODE_PB(x) ((x)->id)
	LIST_BODY(FB_PAGE_AGENCIES, feedback_catalog_nagencies,
	    feedback_catalog_agency_at, AG_CODE, AG_ACTIVE, fb_agency_to_pb,
	    agencies, n_agencies);
#undef CODE_PB
}

int
fb_list_wards(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__ListWardsRequest *req  = reqp;
	Hues__V1__ListWardsResponse      *resp = respp;
#define CODE_PB(x) ((x)->code)
	LIST_BODY(FB_PAGE_WARDS, feedback_catalog_nwards,
	    feedback_catalog_ward_at, WD_CODE, WD_ACTIVE, fb_ward_to_pb, wards,
	    n_wards);
#undef CODE_PB
}

/* Rules page by "category\x1fward" of the last one. */
int
fb_list_routing_rules(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__ListRoutingRulesRequest *req  = reqp;
	Hues__V1__ListRoutingRulesResponse      *resp = respp;
	fb_service                              *svc  = call_state(call);
	fb_mem                                   m    = {fb_call_mem, call};
	uint32_t    h = fb_page_hash_str(0, req->category);
	uint32_t    size;
	const char *after;
	int         rv;

	if ((rv = list_start(call, FB_PAGE_ROUTES, h, req->page_size,
	         req->page_token, &size, &after)) != HUES_OK) {
		return rv;
	}
	const feedback_catalog *cat = fb_catalog_hold(svc);
	size_t                  n   = feedback_catalog_nroutes(cat);
	resp->rules = call_alloc(call, (size + 1) * sizeof(*resp->rules));
	bool more   = false;
	for (size_t i = 0; i < n; i++) {
		const feedback_route *r = feedback_catalog_route_at(cat, i);
		char *k = call_printf(call, "%s\x1f%s", r->category, text(r->ward));
		if (!past(k, after) ||
		    (req->category[0] != '\0' && strcmp(r->category, req->category))) {
			continue;
		}
		if (resp->n_rules == size) {
			more = true;
			break;
		}
		resp->rules[resp->n_rules++] = fb_route_to_pb(&m, r);
	}
	fb_catalog_release(svc);
	if (more) {
		const Hues__V1__RoutingRule *r = resp->rules[resp->n_rules - 1];
		char *k = call_printf(call, "%s\x1f%s", r->category, r->ward_code);
		resp->next_page_token =
		    fb_page_token(call, FB_PAGE_ROUTES, h, k, strlen(k));
	}
	return HUES_OK;
}

/* ----- writing ------------------------------------------------------------- */

typedef struct put_job {
	fb_service        *svc;
	const store_table *table;
	store_key          key;
	void              *val; /* NULL: delete */
	size_t             vlen;
} put_job;

static int
put_fn(store_txn *txn, void *arg)
{
	put_job *j = arg;
	if (j->val == NULL) {
		return store_del(txn, j->table, store_key_data(&j->key),
		    store_key_len(&j->key));
	}
	return store_put(txn, j->table, store_key_data(&j->key),
	    store_key_len(&j->key), j->val, j->vlen, 0);
}

static int
put_after(svc_call *call, int code, void *arg)
{
	put_job *j = arg;
	if (code == HUES_NOT_FOUND) {
		return call_fail(call, code, "no such routing rule");
	}
	if (code != HUES_OK) {
		return call_fail(call, code, "the catalog was not changed: %s",
		    hues_status_name(code));
	}
	if (fb_catalog_reload(j->svc) != HUES_OK) {
		/* Committed but not in memory: the next reload (or restart)
		 * picks it up. The write itself stands. */
		call_set_reason(call, "RELOAD_FAILED");
	}
	return HUES_OK;
}

static int
defer_put(svc_call *call, const store_table *t, const store_key *k,
    const ProtobufCMessage *msg)
{
	fb_service *svc = call_state(call);
	put_job    *j   = call_alloc(call, sizeof(*j));
	j->svc          = svc;
	j->table        = t;
	j->key          = *k;
	j->val          = NULL;
	if (msg != NULL) {
		j->vlen = protobuf_c_message_get_packed_size(msg);
		j->val  = call_alloc(call, j->vlen + 1);
		protobuf_c_message_pack(msg, j->val);
	}
	return call_defer_write(call, svc->st, put_fn, j, put_after);
}

/* Adds one problem of a record as a violation under a prefix. */
typedef struct problem_ctx {
	svc_call   *call;
	const char *prefix;
} problem_ctx;

static void
problem(void *arg, const char *field, const char *description)
{
	problem_ctx *p = arg;
	call_violation(p->call, call_printf(p->call, "%s.%s", p->prefix, field),
	    "%s", description);
}

int
fb_put_category(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__PutCategoryRequest *req  = reqp;
	Hues__V1__PutCategoryResponse      *resp = respp;
	fb_service                         *svc  = call_state(call);
	fb_mem                              m    = {fb_call_mem, call};
	feedback_category                   c;
	store_key                           k;
	int                                 rv;

	if (req->category == NULL) {
		call_violation(call, "category", "required");
		return call_invalid(call);
	}
	fb_category_from_pb(&m, req->category, &c);
	const feedback_catalog *cat = fb_catalog_hold(svc);
	rv = feedback_validate_category(call, "category", cat, &c);
	fb_catalog_release(svc);
	if (rv != HUES_OK) {
		return rv;
	}
	fb_key_code(&k, c.code);
	resp->category = req->category;
	return defer_put(call, svc->t.category, &k, &req->category->base);
}

/* Whether id is among the ancestors of parent (so that making parent
 * id's parent closes a loop). The walk is bounded by the agency count,
 * so a loop already in the catalog cannot hang it. */
static bool
parent_cycle(const feedback_catalog *cat, const char *id, const char *parent)
{
	size_t      n = feedback_catalog_nagencies(cat);
	const char *p = parent;

	for (size_t i = 0; i <= n && p != NULL && p[0] != '\0'; i++) {
		if (strcmp(p, id) == 0) {
			return true;
		}
		const feedback_agency *a = feedback_catalog_agency(cat, p);
		p                        = a != NULL ? a->parent : NULL;
	}
	return false;
}

int
fb_put_agency(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__PutAgencyRequest *req  = reqp;
	Hues__V1__PutAgencyResponse      *resp = respp;
	fb_service                       *svc  = call_state(call);
	feedback_agency                   a;
	store_key                         k;
	problem_ctx                       pc = {call, "agency"};

	if (req->agency == NULL) {
		call_violation(call, "agency", "required");
		return call_invalid(call);
	}
	fb_agency_from_pb(req->agency, &a);
	feedback_agency_problems(&a, problem, &pc);
	const feedback_catalog *cat = fb_catalog_hold(svc);
	if (a.parent[0] != '\0' &&
	    (strcmp(a.parent, a.id) == 0 ||
	        feedback_catalog_agency(cat, a.parent) == NULL)) {
		call_violation(call, "agency.parent", "an existing other agency");
	} else if (a.parent[0] != '\0' && parent_cycle(cat, a.id, a.parent)) {
		call_violation(call, "agency.parent",
		    "%s is below %s already: parents would form a cycle",
		    a.parent, a.id);
	}
	if (a.ward[0] != '\0' && feedback_catalog_ward(cat, a.ward) == NULL) {
		call_violation(call, "agency.ward_code", "unknown ward");
	}
	fb_catalog_release(svc);
	if (call_violation_count(call) > 0) {
		return call_invalid(call);
	}
	fb_key_code(&k, a.id);
	resp->agency = req->agency;
	return defer_put(call, svc->t.agency, &k, &req->agency->base);
}

int
fb_put_ward(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__PutWardRequest *req  = reqp;
	Hues__V1__PutWardResponse      *resp = respp;
	fb_service                     *svc  = call_state(call);
	feedback_ward                   w;
	store_key                       k;
	problem_ctx                     pc = {call, "ward"};

	if (req->ward == NULL) {
		call_violation(call, "ward", "required");
		return call_invalid(call);
	}
	fb_ward_from_pb(req->ward, &w);
	if (feedback_ward_problems(&w, problem, &pc) > 0) {
		return call_invalid(call);
	}
	fb_key_code(&k, w.code);
	resp->ward = req->ward;
	return defer_put(call, svc->t.ward, &k, &req->ward->base);
}

int
fb_put_routing_rule(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__PutRoutingRuleRequest *req  = reqp;
	Hues__V1__PutRoutingRuleResponse      *resp = respp;
	fb_service                            *svc  = call_state(call);
	feedback_route                         r;
	store_key                              k;
	problem_ctx                            pc = {call, "rule"};

	if (req->rule == NULL) {
		call_violation(call, "rule", "required");
		return call_invalid(call);
	}
	fb_route_from_pb(req->rule, &r);
	feedback_route_problems(&r, problem, &pc);
	const feedback_catalog *cat = fb_catalog_hold(svc);
	if (feedback_catalog_category(cat, r.category) == NULL) {
		call_violation(call, "rule.category", "unknown category");
	}
	if (feedback_catalog_ward(cat, r.ward) == NULL) {
		call_violation(call, "rule.ward_code", "unknown ward");
	}
	if (feedback_catalog_agency(cat, r.agency) == NULL) {
		call_violation(call, "rule.agency", "unknown agency");
	}
	fb_catalog_release(svc);
	if (call_violation_count(call) > 0) {
		return call_invalid(call);
	}
	fb_key_route(&k, r.category, r.ward);
	resp->rule = req->rule;
	return defer_put(call, svc->t.route, &k, &req->rule->base);
}

int
fb_delete_routing_rule(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__DeleteRoutingRuleRequest *req = reqp;
	fb_service                               *svc = call_state(call);
	store_key                                 k;
	(void) respp;

	if (req->category[0] == '\0') {
		call_violation(call, "category", "required");
	}
	if (req->ward_code[0] == '\0') {
		call_violation(call, "ward_code", "required");
	}
	if (call_violation_count(call) > 0) {
		return call_invalid(call);
	}
	fb_key_route(&k, req->category, req->ward_code);
	return defer_put(call, svc->t.route, &k, NULL);
}
