/*
 * feedback_catalog_util.c - the catalog tests' shared server, list walks
 * and admin writes (see feedback_catalog_util.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "feedback_catalog_util.h"

fb_env env;

int
setup(void **state)
{
	(void) state;
	fb_start(&env, NULL);
	return 0;
}

int
teardown(void **state)
{
	(void) state;
	fb_stop(&env);
	return 0;
}

/* One page of list `which`; the keys go into *k (appended). */
int
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

bool
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
void
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

int
put_category(const char *token, Hues__V1__Category *c, hues_result **res)
{
	Hues__V1__PutCategoryRequest r = HUES__V1__PUT_CATEGORY_REQUEST__INIT;
	hues_call_opts               o = fb_as(token);
	r.category                     = c;
	return hues_feedback_put_category(env.c, &r, &o, res);
}

void
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

int
put_agency(const char *token, Hues__V1__Agency *a, hues_result **res)
{
	Hues__V1__PutAgencyRequest r = HUES__V1__PUT_AGENCY_REQUEST__INIT;
	hues_call_opts             o = fb_as(token);
	r.agency                     = a;
	return hues_feedback_put_agency(env.c, &r, &o, res);
}

int
put_ward(const char *token, Hues__V1__Ward *w, hues_result **res)
{
	Hues__V1__PutWardRequest r = HUES__V1__PUT_WARD_REQUEST__INIT;
	hues_call_opts           o = fb_as(token);
	r.ward                     = w;
	return hues_feedback_put_ward(env.c, &r, &o, res);
}

int
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

int
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
const char *
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

void
count_all(size_t n[4])
{
	static keys k;
	for (int i = 0; i < 4; i++) {
		walk(i, true, NULL, 100, &k, NULL);
		n[i] = k.n;
	}
}
