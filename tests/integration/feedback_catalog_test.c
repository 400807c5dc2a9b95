/*
 * feedback_catalog_test.c - the catalog through the SDK: the default Huế
 * catalog as the List* methods page it, and the admin methods (PutCategory,
 * PutAgency, PutWard, PutRoutingRule, DeleteRoutingRule): what they store
 * is listed, routes the next reports, survives a restart; bad records are
 * INVALID_ARGUMENT and change nothing; only admins may write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "feedback_util.h"

static fb_env env;

static int
setup(void **state)
{
	(void) state;
	fb_start(&env, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	fb_stop(&env);
	return 0;
}

/* The default catalog: 26 categories, 16 agencies and 12 ward offices,
 * 12 wards, 5 ward-office rules per ward and telecom.cable in Đông Ba. */
#define DEFAULT_CATEGORIES 26
#define DEFAULT_AGENCIES   28
#define DEFAULT_WARDS      12
#define DEFAULT_RULES      61

enum { CATEGORIES, AGENCIES, WARDS, RULES };

/* The keys of one list, walked to its end. */
typedef struct keys {
	char   k[200][80];
	size_t n;
	size_t pages;
} keys;

/* One page of list `which`; the keys go into *k (appended). */
static int
list_page(int which, bool inactive, const char *category, int page_size,
    const char *tok, keys *k, char **next)
{
	hues_call_opts o = fb_as(NULL);
	hues_result   *res;
	int            code;
	switch (which) {
	case CATEGORIES: {
		Hues__V1__ListCategoriesRequest r =
		    HUES__V1__LIST_CATEGORIES_REQUEST__INIT;
		r.include_inactive = inactive;
		r.page_size        = page_size;
		r.page_token       = (char *) tok;
		code = hues_feedback_list_categories(env.c, &r, &o, &res);
		if (code == HUES_OK) {
			const Hues__V1__ListCategoriesResponse *l =
			    hues_feedback_list_categories_response(res);
			for (size_t i = 0; i < l->n_categories; i++) {
				snprintf(k->k[k->n++], 80, "%s",
				    l->categories[i]->code);
			}
			*next = strdup(l->next_page_token);
		}
		break;
	}
	case AGENCIES: {
		Hues__V1__ListAgenciesRequest r =
		    HUES__V1__LIST_AGENCIES_REQUEST__INIT;
		r.include_inactive = inactive;
		r.page_size        = page_size;
		r.page_token       = (char *) tok;
		code = hues_feedback_list_agencies(env.c, &r, &o, &res);
		if (code == HUES_OK) {
			const Hues__V1__ListAgenciesResponse *l =
			    hues_feedback_list_agencies_response(res);
			for (size_t i = 0; i < l->n_agencies; i++) {
				snprintf(
				    k->k[k->n++], 80, "%s", l->agencies[i]->id);
			}
			*next = strdup(l->next_page_token);
		}
		break;
	}
	case WARDS: {
		Hues__V1__ListWardsRequest r =
		    HUES__V1__LIST_WARDS_REQUEST__INIT;
		r.include_inactive = inactive;
		r.page_size        = page_size;
		r.page_token       = (char *) tok;
		code = hues_feedback_list_wards(env.c, &r, &o, &res);
		if (code == HUES_OK) {
			const Hues__V1__ListWardsResponse *l =
			    hues_feedback_list_wards_response(res);
			for (size_t i = 0; i < l->n_wards; i++) {
				snprintf(
				    k->k[k->n++], 80, "%s", l->wards[i]->code);
			}
			*next = strdup(l->next_page_token);
		}
		break;
	}
	default: {
		Hues__V1__ListRoutingRulesRequest r =
		    HUES__V1__LIST_ROUTING_RULES_REQUEST__INIT;
		r.category   = (char *) (category != NULL ? category : "");
		r.page_size  = page_size;
		r.page_token = (char *) tok;
		code = hues_feedback_list_routing_rules(env.c, &r, &o, &res);
		if (code == HUES_OK) {
			const Hues__V1__ListRoutingRulesResponse *l =
			    hues_feedback_list_routing_rules_response(res);
			for (size_t i = 0; i < l->n_rules; i++) {
				snprintf(k->k[k->n++], 80, "%s/%s=%s",
				    l->rules[i]->category,
				    l->rules[i]->ward_code,
				    l->rules[i]->agency);
			}
			*next = strdup(l->next_page_token);
		}
		break;
	}
	}
	hues_result_free(res);
	return code;
}

static bool
has(const keys *k, const char *key)
{
	for (size_t i = 0; i < k->n; i++) {
		if (strcmp(k->k[i], key) == 0) {
			return true;
		}
	}
	return false;
}

/* Walks list `which` in pages of page_size; asserts no key twice;
 * between(page) runs after each page when given. */
static void
walk(int which, bool inactive, const char *category, int page_size, keys *k,
    void (*between)(size_t))
{
	char *tok = strdup("");
	memset(k, 0, sizeof(*k));
	do {
		char  *next = NULL;
		size_t at   = k->n;
		assert_int_equal(list_page(which, inactive, category, page_size,
		                     tok, k, &next),
		    HUES_OK);
		size_t cap = page_size == 0    ? 20
		             : page_size > 100 ? 100
		                               : (size_t) page_size;
		assert_true(k->n - at <= cap);
		for (size_t i = at; i < k->n; i++) {
			for (size_t j = 0; j < i; j++) {
				if (strcmp(k->k[i], k->k[j]) == 0) {
					fail_msg("%s listed twice", k->k[i]);
				}
			}
		}
		free(tok);
		tok = next;
		if (between != NULL) {
			between(k->pages);
		}
		assert_true(++k->pages < 100);
	} while (tok[0] != '\0');
	free(tok);
}

/* ----- admin calls
 * --------------------------------------------------------------- */

static int
put_category(const char *token, Hues__V1__Category *c, hues_result **res)
{
	Hues__V1__PutCategoryRequest r = HUES__V1__PUT_CATEGORY_REQUEST__INIT;
	hues_call_opts               o = fb_as(token);
	r.category                     = c;
	return hues_feedback_put_category(env.c, &r, &o, res);
}

static void
category_init(Hues__V1__Category *c, const char *code, const char *agency)
{
	hues__v1__category__init(c);
	c->code                 = (char *) code;
	c->name_vi              = "Cầu, cống hư hỏng";
	c->name_en              = "Damaged bridge or culvert";
	c->group_code           = "roads_traffic";
	c->default_agency       = (char *) agency;
	c->acknowledge_minutes  = 60;
	c->resolve_working_days = 10;
	c->active               = true;
}

static int
put_agency(const char *token, Hues__V1__Agency *a, hues_result **res)
{
	Hues__V1__PutAgencyRequest r = HUES__V1__PUT_AGENCY_REQUEST__INIT;
	hues_call_opts             o = fb_as(token);
	r.agency                     = a;
	return hues_feedback_put_agency(env.c, &r, &o, res);
}

static int
put_ward(const char *token, Hues__V1__Ward *w, hues_result **res)
{
	Hues__V1__PutWardRequest r = HUES__V1__PUT_WARD_REQUEST__INIT;
	hues_call_opts           o = fb_as(token);
	r.ward                     = w;
	return hues_feedback_put_ward(env.c, &r, &o, res);
}

static int
put_rule(const char *token, const char *category, const char *ward,
    const char *agency, hues_result **res)
{
	Hues__V1__PutRoutingRuleRequest r =
	    HUES__V1__PUT_ROUTING_RULE_REQUEST__INIT;
	Hues__V1__RoutingRule rr = HUES__V1__ROUTING_RULE__INIT;
	hues_call_opts        o  = fb_as(token);
	rr.category              = (char *) category;
	rr.ward_code             = (char *) ward;
	rr.agency                = (char *) agency;
	r.rule                   = &rr;
	return hues_feedback_put_routing_rule(env.c, &r, &o, res);
}

static int
delete_rule(const char *token, const char *category, const char *ward,
    hues_result **res)
{
	Hues__V1__DeleteRoutingRuleRequest r =
	    HUES__V1__DELETE_ROUTING_RULE_REQUEST__INIT;
	hues_call_opts o = fb_as(token);
	r.category       = (char *) category;
	r.ward_code      = (char *) ward;
	return hues_feedback_delete_routing_rule(env.c, &r, &o, res);
}

/* Submits a report of category in ward, accepts it by the routing table
 * and returns the agency it went to (static buffer). */
static const char *
routed_to(const char *category, const char *ward)
{
	static char  agency[72];
	static int   n;
	fb_draft     d;
	hues_result *res;
	fb_draft_init(
	    &d, category, 16.40 + 0.01 * (n % 30), 107.50 + 0.01 * (n / 30));
	n++;
	d.loc.ward_code = (char *) ward;
	assert_int_equal(
	    fb_submit_draft(&env, fb_citizen(&env, "cat-user"), &d, &res),
	    HUES_OK);
	char id[FB_ID_LEN];
	snprintf(id, sizeof(id), "%s",
	    hues_feedback_submit_report_response(res)->id);
	hues_result_free(res);
	assert_int_equal(
	    fb_do(&env, fb_coord(&env), FB_ACCEPT, id, NULL, &res), HUES_OK);
	snprintf(agency, sizeof(agency), "%s", fb_step_report(res)->agency);
	hues_result_free(res);
	return agency;
}

/* ----- the default catalog
 * --------------------------------------------------------- */

static void
test_default_catalog(void **state)
{
	(void) state;
	static keys k;
	walk(CATEGORIES, false, NULL, 0, &k, NULL);
	assert_int_equal(k.n, DEFAULT_CATEGORIES);
	assert_int_equal(k.pages, 2); /* 20 + 6 */
	assert_true(has(&k, "road.pothole"));
	assert_true(has(&k, "other"));
	walk(CATEGORIES, false, NULL, 1000, &k, NULL);
	assert_int_equal(k.n, DEFAULT_CATEGORIES);
	assert_int_equal(k.pages, 1);
	walk(AGENCIES, false, NULL, 0, &k, NULL);
	assert_int_equal(k.n, DEFAULT_AGENCIES);
	assert_true(has(&k, "ioc-hue"));
	assert_true(has(&k, "ubnd-vy-da"));
	walk(WARDS, false, NULL, 5, &k, NULL);
	assert_int_equal(k.n, DEFAULT_WARDS);
	assert_int_equal(k.pages, 3);
	walk(RULES, false, NULL, 7, &k, NULL);
	assert_int_equal(k.n, DEFAULT_RULES);
	assert_true(has(&k, "telecom.cable/dong-ba=vnpt-tth"));
	assert_true(has(&k, "road.sidewalk/kim-long=ubnd-kim-long"));
	walk(RULES, false, "road.sidewalk", 0, &k, NULL);
	assert_int_equal(k.n, DEFAULT_WARDS);
	walk(RULES, false, "telecom.cable", 0, &k, NULL);
	assert_int_equal(k.n, 1);

	/* A category as stored: road.pothole and its required size. */
	Hues__V1__ListCategoriesRequest r =
	    HUES__V1__LIST_CATEGORIES_REQUEST__INIT;
	hues_call_opts o = fb_as(NULL);
	hues_result   *res;
	r.page_size = 100;
	assert_int_equal(
	    hues_feedback_list_categories(env.c, &r, &o, &res), HUES_OK);
	const Hues__V1__ListCategoriesResponse *l =
	    hues_feedback_list_categories_response(res);
	bool pothole = false, dumping = false;
	for (size_t i = 0; i < l->n_categories; i++) {
		const Hues__V1__Category *c = l->categories[i];
		assert_true(c->active);
		if (strcmp(c->code, "road.pothole") == 0) {
			pothole = true;
			assert_string_equal(
			    c->name_vi, "Ổ gà, hư hỏng mặt đường");
			assert_string_equal(c->default_agency, "so-gtvt");
			assert_string_equal(c->group_code, "roads_traffic");
			assert_false(c->anonymous_allowed);
			assert_true(c->n_attributes >= 1);
			assert_string_equal(c->attributes[0]->code, "size");
			assert_int_equal(c->attributes[0]->datatype,
			    HUES__V1__ATTRIBUTE_DATATYPE__ATTRIBUTE_DATATYPE_SINGLEVALUELIST);
			assert_true(c->attributes[0]->required);
			assert_int_equal(c->attributes[0]->n_values, 3);
			assert_string_equal(
			    c->attributes[0]->values[0]->key, "small");
		}
		if (strcmp(c->code, "waste.illegal_dumping") == 0) {
			dumping = true;
			assert_true(c->anonymous_allowed);
		}
	}
	assert_true(pothole && dumping);
	hues_result_free(res);
}

static int inserted;

static void
insert_category(size_t page)
{
	(void) page;
	if (inserted < 4) {
		char code[32];
		snprintf(code, sizeof(code), "%c%d.inserted", "0aoz"[inserted],
		    inserted);
		Hues__V1__Category c;
		hues_result       *res;
		category_init(&c, code, "so-gtvt");
		assert_int_equal(
		    put_category(fb_admin(&env), &c, &res), HUES_OK);
		hues_result_free(res);
		inserted++;
	}
}

static void
test_pages_while_inserting(void **state)
{
	(void) state;
	static keys before, during, after;
	walk(CATEGORIES, true, NULL, 100, &before, NULL);
	walk(CATEGORIES, true, NULL, 5, &during, insert_category);
	for (size_t i = 0; i < before.n; i++) {
		assert_true(has(&during, before.k[i]));
	}
	walk(CATEGORIES, true, NULL, 100, &after, NULL);
	assert_int_equal(after.n, before.n + 4);
}

/* ----- admin writes
 * ---------------------------------------------------------------- */

static void
test_put_category(void **state)
{
	(void) state;
	Hues__V1__Category c;
	hues_result       *res;
	static keys        k;
	category_init(&c, "road.bridge", "so-gtvt");
	assert_int_equal(put_category(fb_admin(&env), &c, &res), HUES_OK);
	const Hues__V1__Category *back =
	    hues_feedback_put_category_response(res)->category;
	assert_string_equal(back->code, "road.bridge");
	assert_string_equal(back->default_agency, "so-gtvt");
	assert_int_equal(back->acknowledge_minutes, 60);
	hues_result_free(res);
	walk(CATEGORIES, false, NULL, 100, &k, NULL);
	assert_true(has(&k, "road.bridge"));

	/* New reports take its SLA and its agency. */
	fb_draft d;
	fb_draft_init(&d, "road.bridge", FB_HUE_LAT, FB_HUE_LON);
	assert_int_equal(
	    fb_submit_draft(&env, fb_citizen(&env, "cat-user"), &d, &res),
	    HUES_OK);
	char id[FB_ID_LEN];
	snprintf(id, sizeof(id), "%s",
	    hues_feedback_submit_report_response(res)->id);
	int64_t ack_by =
	    hues_feedback_submit_report_response(res)->acknowledge_by;
	hues_result_free(res);
	const Hues__V1__Report *r = fb_get(&env, fb_coord(&env), id, &res);
	assert_int_equal(ack_by, r->submitted_at + 3600);
	hues_result_free(res);
	assert_string_equal(routed_to("road.bridge", ""), "so-gtvt");

	/* Replaced by code: another default agency routes the next ones. */
	c.default_agency = "so-xd";
	assert_int_equal(put_category(fb_admin(&env), &c, &res), HUES_OK);
	hues_result_free(res);
	assert_string_equal(routed_to("road.bridge", ""), "so-xd");

	/* Inactive: not listed by default, and no new reports. */
	c.active = false;
	assert_int_equal(put_category(fb_admin(&env), &c, &res), HUES_OK);
	hues_result_free(res);
	walk(CATEGORIES, false, NULL, 100, &k, NULL);
	assert_false(has(&k, "road.bridge"));
	walk(CATEGORIES, true, NULL, 100, &k, NULL);
	assert_true(has(&k, "road.bridge"));
	assert_int_equal(
	    fb_submit_draft(&env, fb_citizen(&env, "cat-user"), &d, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "category");
	hues_result_free(res);
}

static void
test_put_agency_and_rules(void **state)
{
	(void) state;
	Hues__V1__Agency a = HUES__V1__AGENCY__INIT;
	hues_result     *res;
	static keys      k;
	a.id      = "ban-qlda-gt";
	a.name    = "Ban Quản lý dự án Giao thông";
	a.name_en = "Transport Projects Board";
	a.parent  = "so-gtvt";
	a.kind    = HUES__V1__AGENCY_KIND__AGENCY_KIND_DEPARTMENT;
	a.active  = true;
	assert_int_equal(put_agency(fb_admin(&env), &a, &res), HUES_OK);
	assert_string_equal(
	    hues_feedback_put_agency_response(res)->agency->id, "ban-qlda-gt");
	hues_result_free(res);
	walk(AGENCIES, false, NULL, 100, &k, NULL);
	assert_true(has(&k, "ban-qlda-gt"));

	/* A rule for one ward routes that ward's reports only. */
	assert_int_equal(put_rule(fb_admin(&env), "road.pothole", "vy-da",
	                     "ban-qlda-gt", &res),
	    HUES_OK);
	assert_string_equal(
	    hues_feedback_put_routing_rule_response(res)->rule->agency,
	    "ban-qlda-gt");
	hues_result_free(res);
	walk(RULES, false, "road.pothole", 0, &k, NULL);
	assert_int_equal(k.n, 1);
	assert_true(has(&k, "road.pothole/vy-da=ban-qlda-gt"));
	assert_string_equal(routed_to("road.pothole", "vy-da"), "ban-qlda-gt");
	assert_string_equal(routed_to("road.pothole", "kim-long"), "so-gtvt");
	assert_string_equal(routed_to("road.pothole", ""), "so-gtvt");

	/* Replaced by (category, ward). */
	assert_int_equal(put_rule(fb_admin(&env), "telecom.cable", "dong-ba",
	                     "viettel-tth", &res),
	    HUES_OK);
	hues_result_free(res);
	walk(RULES, false, "telecom.cable", 0, &k, NULL);
	assert_int_equal(k.n, 1);
	assert_true(has(&k, "telecom.cable/dong-ba=viettel-tth"));
	assert_string_equal(
	    routed_to("telecom.cable", "dong-ba"), "viettel-tth");

	/* Deleted: the default agency again. */
	assert_int_equal(
	    delete_rule(fb_admin(&env), "road.pothole", "vy-da", &res),
	    HUES_OK);
	hues_result_free(res);
	walk(RULES, false, "road.pothole", 0, &k, NULL);
	assert_int_equal(k.n, 0);
	assert_string_equal(routed_to("road.pothole", "vy-da"), "so-gtvt");

	/* Deactivated: listed only with include_inactive. */
	a.active = false;
	assert_int_equal(put_agency(fb_admin(&env), &a, &res), HUES_OK);
	hues_result_free(res);
	walk(AGENCIES, false, NULL, 100, &k, NULL);
	assert_false(has(&k, "ban-qlda-gt"));
	walk(AGENCIES, true, NULL, 100, &k, NULL);
	assert_true(has(&k, "ban-qlda-gt"));
}

static void
test_put_ward(void **state)
{
	(void) state;
	Hues__V1__Ward w = HUES__V1__WARD__INIT;
	hues_result   *res;
	static keys    k;
	fb_draft       d;
	fb_draft_init(&d, "road.pothole", FB_HUE_LAT, FB_HUE_LON);
	d.loc.ward_code = "thuy-xuan";
	assert_int_equal(
	    fb_submit_draft(&env, fb_citizen(&env, "cat-user"), &d, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "location.ward_code");
	hues_result_free(res);

	w.code   = "thuy-xuan";
	w.name   = "Phường Thủy Xuân";
	w.active = true;
	assert_int_equal(put_ward(fb_admin(&env), &w, &res), HUES_OK);
	assert_string_equal(hues_feedback_put_ward_response(res)->ward->name,
	    "Phường Thủy Xuân");
	hues_result_free(res);
	walk(WARDS, false, NULL, 0, &k, NULL);
	assert_int_equal(k.n, DEFAULT_WARDS + 1);
	assert_int_equal(
	    fb_submit_draft(&env, fb_citizen(&env, "cat-user"), &d, &res),
	    HUES_OK);
	hues_result_free(res);

	w.active = false;
	assert_int_equal(put_ward(fb_admin(&env), &w, &res), HUES_OK);
	hues_result_free(res);
	assert_int_equal(
	    fb_submit_draft(&env, fb_citizen(&env, "cat-user"), &d, &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "location.ward_code");
	hues_result_free(res);
}

/* ----- bad records, wrong callers
 * ------------------------------------------------------- */

static void
count_all(size_t n[4])
{
	static keys k;
	for (int i = 0; i < 4; i++) {
		walk(i, true, NULL, 100, &k, NULL);
		n[i] = k.n;
	}
}

static void
test_bad_records(void **state)
{
	(void) state;
	size_t             before[4], after[4];
	const char        *admin = fb_admin(&env);
	hues_result       *res;
	Hues__V1__Category c;
	count_all(before);

	static const struct {
		const char *code, *name_vi, *agency;
		uint32_t    ack, days;
		const char *field;
	} bad[] = {
		{ "Bad Code", "Tên", "so-gtvt", 0, 0, "category.code" },
		{ "", "Tên", "so-gtvt", 0, 0, "category.code" },
		{ ".dot", "Tên", "so-gtvt", 0, 0, "category.code" },
		/* 65 characters */
		{ "a12345678901234567890123456789012345678901234567890123456789"
		  "01234",
		    "Tên", "so-gtvt", 0, 0, "category.code" },
		{ "ok.code", "", "so-gtvt", 0, 0, "category.name_vi" },
		{ "ok.code", "Tên\nhai dòng", "so-gtvt", 0, 0,
		    "category.name_vi" },
		{ "ok.code", "Tên", "ghost", 0, 0, "category.default_agency" },
		{ "ok.code", "Tên", "so-gtvt", 7 * 24 * 60 + 1, 0,
		    "category.acknowledge_minutes" },
		{ "ok.code", "Tên", "so-gtvt", 0, 121,
		    "category.resolve_working_days" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		category_init(&c, bad[i].code, bad[i].agency);
		c.name_vi              = (char *) bad[i].name_vi;
		c.acknowledge_minutes  = bad[i].ack;
		c.resolve_working_days = bad[i].days;
		assert_int_equal(
		    put_category(admin, &c, &res), HUES_INVALID_ARGUMENT);
		fb_expect_violation(res, bad[i].field);
		hues_result_free(res);
	}
	/* A list attribute needs options; others take none. */
	Hues__V1__AttributeDefinition def =
	    HUES__V1__ATTRIBUTE_DEFINITION__INIT;
	Hues__V1__AttributeDefinition *defs[] = { &def };
	Hues__V1__AttributeOption      opt = HUES__V1__ATTRIBUTE_OPTION__INIT;
	Hues__V1__AttributeOption     *opts[] = { &opt };
	category_init(&c, "ok.code", "so-gtvt");
	def.code = "span";
	def.datatype =
	    HUES__V1__ATTRIBUTE_DATATYPE__ATTRIBUTE_DATATYPE_SINGLEVALUELIST;
	c.attributes   = defs;
	c.n_attributes = 1;
	assert_int_equal(put_category(admin, &c, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "category.attributes[0].values");
	hues_result_free(res);
	opt.key      = "long";
	opt.name_vi  = "Dài";
	def.datatype = HUES__V1__ATTRIBUTE_DATATYPE__ATTRIBUTE_DATATYPE_NUMBER;
	def.values   = opts;
	def.n_values = 1;
	assert_int_equal(put_category(admin, &c, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "category.attributes[0].values");
	hues_result_free(res);
	/* No record at all. */
	assert_int_equal(
	    put_category(admin, NULL, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "category");
	hues_result_free(res);

	Hues__V1__Agency a = HUES__V1__AGENCY__INIT;
	a.id               = "";
	a.name             = "Cơ quan";
	a.kind             = HUES__V1__AGENCY_KIND__AGENCY_KIND_DEPARTMENT;
	a.active           = true;
	assert_int_equal(put_agency(admin, &a, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "agency.id");
	hues_result_free(res);
	a.id   = "co-quan";
	a.name = "";
	assert_int_equal(put_agency(admin, &a, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "agency.name");
	hues_result_free(res);
	a.name   = "Cơ quan";
	a.parent = "co-quan";
	assert_int_equal(put_agency(admin, &a, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "agency.parent");
	hues_result_free(res);
	a.parent = "ghost";
	assert_int_equal(put_agency(admin, &a, &res), HUES_INVALID_ARGUMENT);
	hues_result_free(res);
	a.parent = "";
	a.kind   = 99;
	assert_int_equal(put_agency(admin, &a, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "agency.kind");
	hues_result_free(res);
	/* A ward office names a known ward. */
	a.kind      = HUES__V1__AGENCY_KIND__AGENCY_KIND_WARD_OFFICE;
	a.ward_code = "atlantis";
	assert_int_equal(put_agency(admin, &a, &res), HUES_INVALID_ARGUMENT);
	hues_result_free(res);
	a.ward_code = "";
	assert_int_equal(put_agency(admin, &a, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "agency.ward_code");
	hues_result_free(res);
	/* Parents form no cycle: so-gtvt's parent is ubnd-tinh. */
	Hues__V1__Agency top = HUES__V1__AGENCY__INIT;
	top.id               = "ubnd-tinh";
	top.name             = "UBND tỉnh Thừa Thiên Huế";
	top.parent           = "so-gtvt";
	top.kind             = HUES__V1__AGENCY_KIND__AGENCY_KIND_CITY_OFFICE;
	top.active           = true;
	/* Checked at the end, so that the rest still runs; a cycle the
	 * server took is undone first. */
	int cycle = put_agency(admin, &top, &res);
	hues_result_free(res);
	if (cycle == HUES_OK) {
		top.parent = "";
		assert_int_equal(put_agency(admin, &top, &res), HUES_OK);
		hues_result_free(res);
	}

	Hues__V1__Ward w = HUES__V1__WARD__INIT;
	w.code           = "Bad Ward";
	w.name           = "Phường";
	assert_int_equal(put_ward(admin, &w, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "ward.code");
	hues_result_free(res);
	w.code = "good-ward";
	w.name = "";
	assert_int_equal(put_ward(admin, &w, &res), HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "ward.name");
	hues_result_free(res);

	/* Rules point at what exists. */
	static const char *const rules[][3] = {
		{ "road.unicorn", "phu-hoi", "so-gtvt" },
		{ "road.pothole", "atlantis", "so-gtvt" },
		{ "road.pothole", "phu-hoi", "ghost" },
		{ "Road Pothole", "phu-hoi", "so-gtvt" },
	};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(put_rule(admin, rules[i][0], rules[i][1],
		                     rules[i][2], &res),
		    HUES_INVALID_ARGUMENT);
		hues_result_free(res);
	}
	assert_int_equal(
	    put_rule(admin, "Road Pothole", "phu-hoi", "so-gtvt", &res),
	    HUES_INVALID_ARGUMENT);
	fb_expect_violation(res, "rule.category");
	hues_result_free(res);

	count_all(after);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(after[i], before[i]);
	}
	if (cycle != HUES_INVALID_ARGUMENT) {
		fail_msg(
		    "PutAgency ubnd-tinh with parent so-gtvt (whose parent "
		    "is ubnd-tinh): %s, expected INVALID_ARGUMENT (parents "
		    "form a cycle)",
		    hues_status_name(cycle));
	}
}

static void
test_admin_only(void **state)
{
	(void) state;
	size_t             before[4], after[4];
	hues_result       *res;
	Hues__V1__Category c;
	Hues__V1__Agency   a = HUES__V1__AGENCY__INIT;
	Hues__V1__Ward     w = HUES__V1__WARD__INIT;
	count_all(before);
	category_init(&c, "not.admin", "so-gtvt");
	a.id              = "not-admin";
	a.name            = "Không phải admin";
	a.kind            = HUES__V1__AGENCY_KIND__AGENCY_KIND_DEPARTMENT;
	w.code            = "not-admin";
	w.name            = "Không phải admin";
	const char *who[] = { fb_coord(&env), fb_citizen(&env, "cat-user"),
		fb_officer(&env, "olga", "so-gtvt"),
		fb_token_for(&env, "service", "gw", NULL, NULL), NULL };
	for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		int want = who[i] != NULL ? HUES_PERMISSION_DENIED
		                          : HUES_UNAUTHENTICATED;
		assert_int_equal(put_category(who[i], &c, &res), want);
		hues_result_free(res);
		assert_int_equal(put_agency(who[i], &a, &res), want);
		hues_result_free(res);
		assert_int_equal(put_ward(who[i], &w, &res), want);
		hues_result_free(res);
		assert_int_equal(
		    put_rule(who[i], "road.sign", "phu-hoi", "so-xd", &res),
		    want);
		hues_result_free(res);
		assert_int_equal(
		    delete_rule(who[i], "road.sidewalk", "phu-hoi", &res),
		    want);
		hues_result_free(res);
	}
	count_all(after);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(after[i], before[i]);
	}
}

static void
test_catalog_survives_restart(void **state)
{
	(void) state;
	static keys k;
	fb_restart(&env, false, NULL);
	walk(CATEGORIES, true, NULL, 100, &k, NULL);
	assert_true(has(&k, "road.bridge"));
	walk(WARDS, true, NULL, 100, &k, NULL);
	assert_true(has(&k, "thuy-xuan"));
	walk(RULES, false, "telecom.cable", 0, &k, NULL);
	assert_true(has(&k, "telecom.cable/dong-ba=viettel-tth"));
	walk(RULES, false, "road.pothole", 0, &k, NULL);
	assert_int_equal(k.n, 0);
	assert_string_equal(
	    routed_to("telecom.cable", "dong-ba"), "viettel-tth");

	/* And after a kill, what was acknowledged is there too. */
	hues_result *res;
	assert_int_equal(put_rule(fb_admin(&env), "road.sign", "an-cuu",
	                     "ubnd-an-cuu", &res),
	    HUES_OK);
	hues_result_free(res);
	fb_restart(&env, true, NULL);
	walk(RULES, false, "road.sign", 0, &k, NULL);
	assert_true(has(&k, "road.sign/an-cuu=ubnd-an-cuu"));
	assert_string_equal(routed_to("road.sign", "an-cuu"), "ubnd-an-cuu");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_catalog),
		cmocka_unit_test(test_pages_while_inserting),
		cmocka_unit_test(test_put_category),
		cmocka_unit_test(test_put_agency_and_rules),
		cmocka_unit_test(test_put_ward),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_admin_only),
		cmocka_unit_test(test_catalog_survives_restart),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
