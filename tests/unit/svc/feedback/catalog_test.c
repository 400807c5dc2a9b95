/*
 * catalog_test.c - the default catalog is complete and consistent (valid
 * UTF-8 names, twelve groups, known agencies everywhere), routing picks
 * the rule, then the default, then nobody; puts copy, replace and refuse
 * bad records without changing the catalog.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hues/status.h"
#include "svc/feedback/catalog.h"
#include "svc/feedback/sla.h"
#include "svc/feedback/text.h"

static void
test_catalog_default_is_consistent(void **state)
{
	(void) state;
	feedback_catalog *cat = NULL;
	char              msg[256];
	assert_int_equal(feedback_catalog_default(&cat), HUES_OK);
	assert_int_equal(
	    feedback_catalog_check(cat, msg, sizeof(msg)), HUES_OK);
	assert_string_equal(msg, "");

	static const char *const groups[] = { "roads_traffic",
		"street_lighting", "waste_environment", "water_supply",
		"drainage_flooding", "urban_order", "trees_parks",
		"public_security", "electricity", "telecom_cables",
		"consumer_protection", "other" };
	size_t                   ngroups  = sizeof(groups) / sizeof(groups[0]);
	size_t                   seen[12] = { 0 };
	size_t                   nc       = feedback_catalog_ncategories(cat);
	assert_true(nc >= 20);
	for (size_t i = 0; i < nc; i++) {
		const feedback_category *c =
		    feedback_catalog_category_at(cat, i);
		assert_int_equal(feedback_category_problems(c, NULL, NULL), 0);
		assert_true(c->active);
		assert_true(feedback_utf8_valid(c->name_vi));
		assert_true(feedback_category_ack_minutes(c) >= 15);
		assert_true(feedback_category_resolve_days(c) >= 1);
		bool known = false;
		for (size_t g = 0; g < ngroups; g++) {
			if (strcmp(c->group, groups[g]) == 0) {
				seen[g]++;
				known = true;
			}
		}
		if (!known) {
			fail_msg(
			    "category %s: unknown group %s", c->code, c->group);
		}
		if (i > 0) {
			assert_true(
			    strcmp(
			        feedback_catalog_category_at(cat, i - 1)->code,
			        c->code) < 0);
		}
		/* Attributes come in their order. */
		for (size_t a = 1; a < c->nattrs; a++) {
			assert_true(c->attrs[a - 1].order <= c->attrs[a].order);
		}
	}
	for (size_t g = 0; g < ngroups; g++) {
		if (seen[g] == 0) {
			fail_msg("no category in group %s", groups[g]);
		}
	}
	/* The agencies the issue names are there, with their diacritics. */
	const feedback_agency *a = feedback_catalog_agency(cat, "hepco");
	assert_non_null(a);
	assert_string_equal(
	    a->name, "Công ty Môi trường và Công trình đô thị Huế");
	assert_int_equal(a->kind, FEEDBACK_AGENCY_UTILITY);
	assert_string_equal(feedback_catalog_agency(cat, "huewaco")->name,
	    "Công ty Cổ phần Cấp nước Thừa Thiên Huế");
	assert_string_equal(feedback_catalog_agency(cat, "pc-tth")->name,
	    "Điện lực Thừa Thiên Huế");
	assert_string_equal(feedback_catalog_agency(cat, "so-gtvt")->name,
	    "Sở Giao thông vận tải");
	const feedback_agency *office =
	    feedback_catalog_agency(cat, "ubnd-phu-hoi");
	assert_non_null(office);
	assert_int_equal(office->kind, FEEDBACK_AGENCY_WARD_OFFICE);
	assert_string_equal(office->ward, "phu-hoi");
	assert_string_equal(office->name, "UBND phường Phú Hội");
	assert_string_equal(office->parent, "ubnd-tp-hue");
	for (size_t i = 0; i < feedback_catalog_nagencies(cat); i++) {
		const feedback_agency *ag = feedback_catalog_agency_at(cat, i);
		assert_true(feedback_utf8_valid(ag->name));
		assert_int_equal(feedback_agency_problems(ag, NULL, NULL), 0);
	}
	assert_true(feedback_catalog_nwards(cat) >= 10);
	assert_string_equal(
	    feedback_catalog_ward(cat, "dong-ba")->name, "Phường Đông Ba");
	assert_null(feedback_catalog_ward(cat, "ha-noi"));
	assert_null(feedback_catalog_category(cat, "road"));
	assert_null(feedback_catalog_category(cat, NULL));
	assert_null(feedback_catalog_category_at(cat, nc));

	const feedback_category *pothole =
	    feedback_catalog_category(cat, "road.pothole");
	assert_non_null(pothole);
	const feedback_attr_def *size = feedback_category_attr(pothole, "size");
	assert_non_null(size);
	assert_true(size->required);
	assert_int_equal(size->type, FEEDBACK_ATTR_SINGLEVALUELIST);
	assert_int_equal(size->noptions, 3);
	assert_null(feedback_category_attr(pothole, "colour"));
	feedback_catalog_destroy(cat);
}

typedef struct route_case {
	const char *category;
	const char *ward;
	int         rc;
	const char *agency;
} route_case;

static void
test_catalog_routing(void **state)
{
	(void) state;
	feedback_catalog *cat;
	assert_int_equal(feedback_catalog_default(&cat), HUES_OK);
	static const route_case cases[] = {
		/* A ward rule. */
		{ "order.illegal_construction", "phu-hoi", HUES_OK,
		    "ubnd-phu-hoi" },
		{ "order.encroachment", "kim-long", HUES_OK, "ubnd-kim-long" },
		/* No ward, or a ward without a rule: the category's default. */
		{ "order.illegal_construction", NULL, HUES_OK, "ubnd-tp-hue" },
		{ "order.illegal_construction", "", HUES_OK, "ubnd-tp-hue" },
		{ "road.pothole", "phu-hoi", HUES_OK, "so-gtvt" },
		{ "water.outage", "vy-da", HUES_OK, "huewaco" },
		{ "power.outage", NULL, HUES_OK, "pc-tth" },
		{ "telecom.cable", "dong-ba", HUES_OK, "vnpt-tth" },
		{ "telecom.cable", "an-cuu", HUES_OK, "so-tttt" },
		/* Nobody: the centre routes by hand. */
		{ "other", "phu-hoi", HUES_NOT_FOUND, NULL },
		{ "no.such", "phu-hoi", HUES_NOT_FOUND, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const feedback_agency *a  = NULL;
		int                    rc = feedback_catalog_route(
		                       cat, cases[i].category, cases[i].ward, &a);
		if (rc != cases[i].rc) {
			fail_msg("case %zu: got %d", i, rc);
		}
		if (rc == HUES_OK) {
			assert_string_equal(a->id, cases[i].agency);
		} else {
			assert_null(a);
		}
	}
	/* An inactive agency is skipped: the rule falls back to the default,
	 * an inactive default to nobody. */
	feedback_agency off = *feedback_catalog_agency(cat, "ubnd-phu-hoi");
	off.active          = false;
	assert_int_equal(feedback_catalog_put_agency(cat, &off), HUES_OK);
	const feedback_agency *a;
	assert_int_equal(feedback_catalog_route(
	                     cat, "order.illegal_construction", "phu-hoi", &a),
	    HUES_OK);
	assert_string_equal(a->id, "ubnd-tp-hue");
	feedback_agency hepco = *feedback_catalog_agency(cat, "hepco");
	hepco.active          = false;
	assert_int_equal(feedback_catalog_put_agency(cat, &hepco), HUES_OK);
	assert_int_equal(
	    feedback_catalog_route(cat, "light.out", NULL, &a), HUES_NOT_FOUND);

	/* Rules can be replaced and deleted. */
	feedback_route r = { "road.pothole", "vy-da", "ubnd-vy-da" };
	assert_int_equal(feedback_catalog_put_route(cat, &r), HUES_OK);
	assert_int_equal(
	    feedback_catalog_route(cat, "road.pothole", "vy-da", &a), HUES_OK);
	assert_string_equal(a->id, "ubnd-vy-da");
	size_t n = feedback_catalog_nroutes(cat);
	r.agency = "so-xd";
	assert_int_equal(feedback_catalog_put_route(cat, &r), HUES_OK);
	assert_int_equal(feedback_catalog_nroutes(cat), n);
	assert_int_equal(
	    feedback_catalog_route(cat, "road.pothole", "vy-da", &a), HUES_OK);
	assert_string_equal(a->id, "so-xd");
	assert_int_equal(
	    feedback_catalog_delete_route(cat, "road.pothole", "vy-da"),
	    HUES_OK);
	assert_int_equal(
	    feedback_catalog_delete_route(cat, "road.pothole", "vy-da"),
	    HUES_NOT_FOUND);
	assert_int_equal(feedback_catalog_nroutes(cat), n - 1);
	for (size_t i = 1; i < feedback_catalog_nroutes(cat); i++) {
		const feedback_route *x = feedback_catalog_route_at(cat, i - 1);
		const feedback_route *y = feedback_catalog_route_at(cat, i);
		int                   c = strcmp(x->category, y->category);
		assert_true(c < 0 || (c == 0 && strcmp(x->ward, y->ward) < 0));
	}
	feedback_catalog_destroy(cat);
}

static void
test_catalog_put_copies(void **state)
{
	(void) state;
	feedback_catalog *cat;
	assert_int_equal(feedback_catalog_create(&cat), HUES_OK);
	char                 code[16] = "x.one", name[32] = "Một";
	char                 key[8] = "a";
	feedback_attr_option opt    = { key, "A", "A" };
	feedback_attr_def    defs[] = {
		   { .code             = "z",
		       .type           = FEEDBACK_ATTR_NUMBER,
		       .order          = 2,
		       .description_vi = "Z" },
		   { .code             = "y",
		       .type           = FEEDBACK_ATTR_SINGLEVALUELIST,
		       .order          = 1,
		       .description_vi = "Y",
		       .options        = &opt,
		       .noptions       = 1 },
	};
	const char       *kw[] = { name };
	feedback_category c    = { .code = code,
		   .name_vi              = name,
		   .name_en              = "One",
		   .group                = "other",
		   .keywords             = kw,
		   .nkeywords            = 1,
		   .attrs                = defs,
		   .nattrs               = 2,
		   .active               = true };
	assert_int_equal(feedback_catalog_put_category(cat, &c), HUES_OK);
	/* The catalog holds copies: change the originals. */
	strcpy(code, "x.two");
	strcpy(name, "Hai");
	strcpy(key, "b");
	const feedback_category *got = feedback_catalog_category(cat, "x.one");
	assert_non_null(got);
	assert_string_equal(got->name_vi, "Một");
	assert_string_equal(got->keywords[0], "Một");
	assert_string_equal(got->default_agency, ""); /* NULL became "" */
	assert_string_equal(got->attrs[0].code, "y"); /* sorted by order */
	assert_string_equal(got->attrs[0].options[0].key, "a");
	assert_null(feedback_catalog_category(cat, "x.two"));
	assert_int_equal(feedback_category_ack_minutes(got), 30);
	assert_int_equal(feedback_category_resolve_days(got), 7);

	/* Bad records change nothing. */
	static const char *const bad_codes[] = { "", "A.b", "-x", "x y", "đ" };
	for (size_t i = 0; i < sizeof(bad_codes) / sizeof(bad_codes[0]); i++) {
		feedback_category b = c;
		b.code              = bad_codes[i];
		assert_int_equal(feedback_catalog_put_category(cat, &b),
		    HUES_INVALID_ARGUMENT);
	}
	feedback_category b = c;
	b.code              = "x.three";
	b.name_vi           = "\xc0\xaf";
	assert_int_equal(
	    feedback_catalog_put_category(cat, &b), HUES_INVALID_ARGUMENT);
	b.name_vi      = "Ba";
	b.resolve_days = FEEDBACK_MAX_RESOLVE_DAYS + 1;
	assert_int_equal(
	    feedback_catalog_put_category(cat, &b), HUES_INVALID_ARGUMENT);
	b.resolve_days = 0;
	defs[0].code   = "y"; /* repeated */
	assert_int_equal(
	    feedback_catalog_put_category(cat, &b), HUES_INVALID_ARGUMENT);
	defs[0].code     = "z";
	defs[1].noptions = 0; /* a list without values */
	assert_int_equal(
	    feedback_catalog_put_category(cat, &b), HUES_INVALID_ARGUMENT);
	defs[1].noptions = 1;
	defs[0].options  = &opt; /* a number with values */
	defs[0].noptions = 1;
	assert_int_equal(
	    feedback_catalog_put_category(cat, &b), HUES_INVALID_ARGUMENT);
	assert_int_equal(feedback_catalog_ncategories(cat), 1);

	feedback_agency ag = { "x", "X", NULL, NULL,
		FEEDBACK_AGENCY_WARD_OFFICE, NULL, true };
	assert_int_equal(feedback_catalog_put_agency(cat, &ag),
	    HUES_INVALID_ARGUMENT); /* a ward office needs its ward */
	ag.kind = 0;
	assert_int_equal(
	    feedback_catalog_put_agency(cat, &ag), HUES_INVALID_ARGUMENT);
	ag.kind   = FEEDBACK_AGENCY_DEPARTMENT;
	ag.parent = "x";
	assert_int_equal(
	    feedback_catalog_put_agency(cat, &ag), HUES_INVALID_ARGUMENT);
	assert_int_equal(feedback_catalog_nagencies(cat), 0);
	feedback_catalog_destroy(cat);
	feedback_catalog_destroy(NULL);
}

static void
test_catalog_check_finds_dangling_names(void **state)
{
	(void) state;
	feedback_catalog *cat;
	char              msg[128];
	assert_int_equal(feedback_catalog_create(&cat), HUES_OK);
	assert_int_equal(
	    feedback_catalog_check(cat, msg, sizeof(msg)), HUES_OK);
	feedback_category c = { .code = "c",
		.name_vi              = "C",
		.name_en              = "C",
		.group                = "other",
		.default_agency       = "nobody" };
	assert_int_equal(feedback_catalog_put_category(cat, &c), HUES_OK);
	assert_int_equal(feedback_catalog_check(cat, msg, sizeof(msg)),
	    HUES_FAILED_PRECONDITION);
	assert_string_equal(msg, "category c: unknown default agency nobody");

	feedback_agency a = { "nobody", "N", NULL, "p", FEEDBACK_AGENCY_UTILITY,
		NULL, true };
	assert_int_equal(feedback_catalog_put_agency(cat, &a), HUES_OK);
	assert_int_equal(feedback_catalog_check(cat, msg, sizeof(msg)),
	    HUES_FAILED_PRECONDITION);
	assert_string_equal(msg, "agency nobody: unknown parent p");
	feedback_agency p = { "p", "P", NULL, "nobody", FEEDBACK_AGENCY_UTILITY,
		NULL, true };
	assert_int_equal(feedback_catalog_put_agency(cat, &p), HUES_OK);
	assert_int_equal(feedback_catalog_check(cat, msg, sizeof(msg)),
	    HUES_FAILED_PRECONDITION);
	assert_non_null(strstr(msg, "cycle"));
	p.parent = NULL;
	assert_int_equal(feedback_catalog_put_agency(cat, &p), HUES_OK);
	assert_int_equal(
	    feedback_catalog_check(cat, msg, sizeof(msg)), HUES_OK);

	feedback_route r = { "c", "w", "p" };
	assert_int_equal(feedback_catalog_put_route(cat, &r), HUES_OK);
	assert_int_equal(feedback_catalog_check(cat, msg, sizeof(msg)),
	    HUES_FAILED_PRECONDITION);
	assert_string_equal(msg, "rule c/w: unknown ward");
	feedback_ward w = { "w", "W", true };
	assert_int_equal(feedback_catalog_put_ward(cat, &w), HUES_OK);
	assert_int_equal(feedback_catalog_check(cat, NULL, 0), HUES_OK);
	feedback_catalog_destroy(cat);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_default_is_consistent),
		cmocka_unit_test(test_catalog_routing),
		cmocka_unit_test(test_catalog_put_copies),
		cmocka_unit_test(test_catalog_check_finds_dangling_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
