/*
 * feedback_catalog_test.c - the catalog through the SDK: the default Huế
 * catalog as the List* methods page it, and the admin methods (PutCategory,
 * PutAgency, PutWard, PutRoutingRule, DeleteRoutingRule): what they store
 * is listed, routes the next reports, survives a restart. What they refuse
 * is in feedback_catalog_errors_test.c.
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
		cmocka_unit_test(test_catalog_survives_restart),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
