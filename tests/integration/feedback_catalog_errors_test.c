/*
 * feedback_catalog_errors_test.c - what the catalog's admin methods refuse:
 * bad records are INVALID_ARGUMENT with field violations and change
 * nothing; only admins may write.
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

/* ----- bad records, wrong callers
 * ------------------------------------------------------- */

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_admin_only),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
