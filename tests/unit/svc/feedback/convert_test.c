/*
 * convert_test.c - catalog records to protobuf and back: for every record
 * of the default catalog, to_pb then from_pb gives the same fields
 * (attributes and their options included), directly and through the
 * packed wire form; the messages own copies, so they outlive the catalog;
 * absent strings become "" and empty arrays stay empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "hues/status.h"
#include "svc/feedback/catalog.h"
#include "svc/feedback/convert.h"

typedef struct fixture {
	arena              a;
	ProtobufCAllocator pa; /* unpacking into the arena */
	fb_mem             mem;
	feedback_catalog  *cat;
} fixture;

static void *
mem_alloc(void *ctx, size_t n)
{
	void *p = arena_alloc(ctx, n);
	assert_non_null(p); /* fb_mem's alloc never returns NULL */
	return p;
}

static int
setup(void **state)
{
	static fixture f;
	arena_init(&f.a, 16384);
	arena_protobuf_allocator(&f.a, &f.pa);
	f.mem = (fb_mem) { mem_alloc, &f.a };
	if (feedback_catalog_default(&f.cat) != HUES_OK) {
		return -1;
	}
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;
	feedback_catalog_destroy(f->cat);
	arena_fini(&f->a);
	return 0;
}

/* NULL and "" are the same string on the wire. */
static const char *
s(const char *p)
{
	return p != NULL ? p : "";
}

#define assert_str_same(a, b) assert_string_equal(s(a), s(b))

/* Packs m and unpacks it again, in the arena. */
static void *
through_wire(fixture *f, const ProtobufCMessage *m)
{
	size_t   n   = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = arena_alloc(&f->a, n > 0 ? n : 1);
	assert_non_null(buf);
	assert_int_equal(protobuf_c_message_pack(m, buf), n);
	ProtobufCMessage *back =
	    protobuf_c_message_unpack(m->descriptor, &f->pa, n, buf);
	assert_non_null(back);
	return back;
}

/* ----- categories --------------------------------------------------------- */

static void
assert_category_equal(const feedback_category *a, const feedback_category *b)
{
	assert_str_same(a->code, b->code);
	assert_str_same(a->name_vi, b->name_vi);
	assert_str_same(a->name_en, b->name_en);
	assert_str_same(a->group, b->group);
	assert_str_same(a->default_agency, b->default_agency);
	assert_int_equal(a->ack_minutes, b->ack_minutes);
	assert_int_equal(a->resolve_days, b->resolve_days);
	assert_int_equal(a->anonymous_allowed, b->anonymous_allowed);
	assert_int_equal(a->active, b->active);
	assert_int_equal(a->nkeywords, b->nkeywords);
	for (size_t i = 0; i < a->nkeywords; i++) {
		assert_str_same(a->keywords[i], b->keywords[i]);
	}
	assert_int_equal(a->nattrs, b->nattrs);
	for (size_t i = 0; i < a->nattrs; i++) {
		const feedback_attr_def *x = &a->attrs[i], *y = &b->attrs[i];
		assert_str_same(x->code, y->code);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->required, y->required);
		assert_int_equal(x->order, y->order);
		assert_str_same(x->description_vi, y->description_vi);
		assert_str_same(x->description_en, y->description_en);
		assert_int_equal(x->noptions, y->noptions);
		for (size_t k = 0; k < x->noptions; k++) {
			assert_str_same(x->options[k].key, y->options[k].key);
			assert_str_same(
			    x->options[k].name_vi, y->options[k].name_vi);
			assert_str_same(
			    x->options[k].name_en, y->options[k].name_en);
		}
	}
}

/* The message holds copies, not the catalog's pointers. */
static void
assert_not_borrowed(const char *copy, const char *orig)
{
	if (orig != NULL && orig[0] != '\0') {
		assert_ptr_not_equal(copy, orig);
	}
}

static void
test_convert_categories(void **state)
{
	fixture *f      = *state;
	size_t   nc     = feedback_catalog_ncategories(f->cat);
	size_t   nattrs = 0, noptions = 0, nkeywords = 0;
	assert_true(nc >= 20);

	for (size_t i = 0; i < nc; i++) {
		const feedback_category *c =
		    feedback_catalog_category_at(f->cat, i);
		arena_reset(&f->a);

		Hues__V1__Category *pb = fb_category_to_pb(&f->mem, c);
		assert_non_null(pb);
		assert_string_equal(pb->code, c->code);
		assert_string_equal(pb->group_code, c->group);
		assert_not_borrowed(pb->code, c->code);
		assert_not_borrowed(pb->name_vi, c->name_vi);
		assert_int_equal(pb->n_attributes, c->nattrs);
		for (size_t a = 0; a < c->nattrs; a++) {
			assert_int_equal(
			    pb->attributes[a]->datatype, c->attrs[a].type);
			assert_int_equal(
			    pb->attributes[a]->n_values, c->attrs[a].noptions);
			assert_not_borrowed(
			    pb->attributes[a]->code, c->attrs[a].code);
		}

		feedback_category back;
		fb_category_from_pb(&f->mem, pb, &back);
		assert_category_equal(&back, c);

		/* The stored form: packed and unpacked. */
		Hues__V1__Category *wire = through_wire(f, &pb->base);
		fb_category_from_pb(&f->mem, wire, &back);
		assert_category_equal(&back, c);

		/* What comes back is a record the catalog accepts as is. */
		assert_int_equal(
		    feedback_category_problems(&back, NULL, NULL), 0);

		nattrs += c->nattrs;
		nkeywords += c->nkeywords;
		for (size_t a = 0; a < c->nattrs; a++) {
			noptions += c->attrs[a].noptions;
		}
	}
	/* The default catalog exercises every part of a category. */
	assert_true(nattrs > 0);
	assert_true(noptions > 0);
	assert_true(nkeywords > 0);
}

/* Every datatype, including the list ones with their options. */
static void
test_convert_category_every_datatype(void **state)
{
	fixture *f       = *state;
	bool     seen[7] = { false };
	size_t   nc      = feedback_catalog_ncategories(f->cat);
	for (size_t i = 0; i < nc; i++) {
		const feedback_category *c =
		    feedback_catalog_category_at(f->cat, i);
		for (size_t a = 0; a < c->nattrs; a++) {
			if (c->attrs[a].type >= 1 && c->attrs[a].type <= 6) {
				seen[c->attrs[a].type] = true;
			}
		}
	}
	/* docs/feedback.md lists string, number, datetime and both list
	 * attributes in the default; none is text. */
	assert_true(seen[FEEDBACK_ATTR_STRING]);
	assert_true(seen[FEEDBACK_ATTR_NUMBER]);
	assert_true(seen[FEEDBACK_ATTR_DATETIME]);
	assert_true(seen[FEEDBACK_ATTR_SINGLEVALUELIST]);
	assert_true(seen[FEEDBACK_ATTR_MULTIVALUELIST]);

	/* A hand-made category has every datatype, text included. */
	static const feedback_attr_option colours[] = {
		{ "red", "Đỏ", "Red" },
		{ "amber", "Vàng", "Amber" },
		{ "green", "Xanh", "Green" },
	};
	static const feedback_attr_def attrs[] = {
		{ "a_string", FEEDBACK_ATTR_STRING, true, 1, "Chuỗi", "String",
		    NULL, 0 },
		{ "a_number", FEEDBACK_ATTR_NUMBER, false, 2, "Số", "Number",
		    NULL, 0 },
		{ "a_datetime", FEEDBACK_ATTR_DATETIME, true, 3, "Lúc", "When",
		    NULL, 0 },
		{ "a_text", FEEDBACK_ATTR_TEXT, false, 4, "", "", NULL, 0 },
		{ "a_single", FEEDBACK_ATTR_SINGLEVALUELIST, true, 5, "Một",
		    "One", colours, 3 },
		{ "a_multi", FEEDBACK_ATTR_MULTIVALUELIST, false, 6, "Nhiều",
		    "Many", colours, 2 },
	};
	static const char *const kw[] = { "đèn", "den", "light" };
	const feedback_category  c    = {
		    .code              = "test.every_type",
		    .name_vi           = "Thử",
		    .name_en           = "Test",
		    .group             = "other",
		    .keywords          = kw,
		    .nkeywords         = 3,
		    .default_agency    = "hepco",
		    .ack_minutes       = 10080,
		    .resolve_days      = 120,
		    .anonymous_allowed = true,
		    .attrs             = attrs,
		    .nattrs            = 6,
		    .active            = false,
	};
	arena_reset(&f->a);
	Hues__V1__Category *pb = fb_category_to_pb(&f->mem, &c);
	feedback_category   back;
	fb_category_from_pb(&f->mem, pb, &back);
	assert_category_equal(&back, &c);
	fb_category_from_pb(&f->mem, through_wire(f, &pb->base), &back);
	assert_category_equal(&back, &c);
	assert_false(back.active);
	assert_true(back.anonymous_allowed);
}

/* Absent strings are "" on the wire; no keywords and no attributes are
 * empty arrays, never a read of a NULL array. */
static void
test_convert_category_minimal(void **state)
{
	fixture                *f = *state;
	const feedback_category c = {
		.code    = "x",
		.name_vi = "X",
		.name_en = NULL,
		.group   = NULL,
		.active  = true,
	};
	arena_reset(&f->a);
	Hues__V1__Category *pb = fb_category_to_pb(&f->mem, &c);
	assert_string_equal(pb->name_en, "");
	assert_string_equal(pb->group_code, "");
	assert_string_equal(pb->default_agency, "");
	assert_int_equal(pb->n_keywords, 0);
	assert_int_equal(pb->n_attributes, 0);

	feedback_category back;
	fb_category_from_pb(&f->mem, pb, &back);
	assert_category_equal(&back, &c);
	assert_non_null(back.default_agency); /* "" : the centre routes */

	/* From a message protobuf-c made itself, with NULL arrays. */
	Hues__V1__Category empty = HUES__V1__CATEGORY__INIT;
	fb_category_from_pb(&f->mem, &empty, &back);
	assert_string_equal(back.code, "");
	assert_int_equal(back.nattrs, 0);
	assert_int_equal(back.nkeywords, 0);
}

/* ----- agencies, wards, rules --------------------------------------------- */

static void
assert_agency_equal(const feedback_agency *a, const feedback_agency *b)
{
	assert_str_same(a->id, b->id);
	assert_str_same(a->name, b->name);
	assert_str_same(a->name_en, b->name_en);
	assert_str_same(a->parent, b->parent);
	assert_int_equal(a->kind, b->kind);
	assert_str_same(a->ward, b->ward);
	assert_int_equal(a->active, b->active);
}

static void
test_convert_agencies(void **state)
{
	fixture *f        = *state;
	size_t   na       = feedback_catalog_nagencies(f->cat);
	bool     kinds[8] = { false };
	assert_true(na > 0);
	for (size_t i = 0; i < na; i++) {
		const feedback_agency *a =
		    feedback_catalog_agency_at(f->cat, i);
		arena_reset(&f->a);
		Hues__V1__Agency *pb = fb_agency_to_pb(&f->mem, a);
		assert_int_equal(pb->kind, a->kind);
		assert_not_borrowed(pb->id, a->id);
		assert_not_borrowed(pb->name, a->name);

		feedback_agency back;
		fb_agency_from_pb(pb, &back);
		assert_agency_equal(&back, a);
		fb_agency_from_pb(through_wire(f, &pb->base), &back);
		assert_agency_equal(&back, a);
		assert_int_equal(
		    feedback_agency_problems(&back, NULL, NULL), 0);
		if (a->kind >= 1 && a->kind <= 7) {
			kinds[a->kind] = true;
		}
	}
	/* The centre, ward offices and utilities are all in the default. */
	assert_true(kinds[FEEDBACK_AGENCY_CENTRE]);
	assert_true(kinds[FEEDBACK_AGENCY_WARD_OFFICE]);
	assert_true(kinds[FEEDBACK_AGENCY_UTILITY]);

	/* An inactive top-level agency with no ward: "" parent and ward. */
	const feedback_agency lone = { "lone", "Đơn vị", NULL, NULL,
		FEEDBACK_AGENCY_POLICE, NULL, false };
	arena_reset(&f->a);
	Hues__V1__Agency *pb = fb_agency_to_pb(&f->mem, &lone);
	assert_string_equal(pb->parent, "");
	assert_string_equal(pb->ward_code, "");
	feedback_agency back;
	fb_agency_from_pb(through_wire(f, &pb->base), &back);
	assert_agency_equal(&back, &lone);
	assert_false(back.active);
}

static void
test_convert_wards(void **state)
{
	fixture *f  = *state;
	size_t   nw = feedback_catalog_nwards(f->cat);
	assert_true(nw >= 12);
	for (size_t i = 0; i < nw; i++) {
		const feedback_ward *w = feedback_catalog_ward_at(f->cat, i);
		arena_reset(&f->a);
		Hues__V1__Ward *pb = fb_ward_to_pb(&f->mem, w);
		assert_not_borrowed(pb->code, w->code);
		feedback_ward back;
		fb_ward_from_pb(pb, &back);
		assert_str_same(back.code, w->code);
		assert_str_same(back.name, w->name);
		assert_int_equal(back.active, w->active);
		fb_ward_from_pb(through_wire(f, &pb->base), &back);
		assert_str_same(back.code, w->code);
		assert_str_same(back.name, w->name);
		assert_int_equal(back.active, w->active);
	}
	const feedback_ward closed = { "old-ward", "Phường cũ", false };
	arena_reset(&f->a);
	feedback_ward back;
	fb_ward_from_pb(
	    through_wire(f, &fb_ward_to_pb(&f->mem, &closed)->base), &back);
	assert_string_equal(back.code, "old-ward");
	assert_false(back.active);
}

static void
test_convert_routes(void **state)
{
	fixture *f  = *state;
	size_t   nr = feedback_catalog_nroutes(f->cat);
	assert_true(nr > 0);
	for (size_t i = 0; i < nr; i++) {
		const feedback_route *r = feedback_catalog_route_at(f->cat, i);
		arena_reset(&f->a);
		Hues__V1__RoutingRule *pb = fb_route_to_pb(&f->mem, r);
		assert_not_borrowed(pb->category, r->category);
		feedback_route back;
		fb_route_from_pb(pb, &back);
		assert_str_same(back.category, r->category);
		assert_str_same(back.ward, r->ward);
		assert_str_same(back.agency, r->agency);
		fb_route_from_pb(through_wire(f, &pb->base), &back);
		assert_str_same(back.category, r->category);
		assert_str_same(back.ward, r->ward);
		assert_str_same(back.agency, r->agency);
		assert_int_equal(feedback_route_problems(&back, NULL, NULL), 0);
	}
}

/* A catalog rebuilt from the messages of the default is the default: the
 * way the server reloads its catalog from the store. */
static void
test_convert_rebuilt_catalog(void **state)
{
	fixture          *f = *state;
	feedback_catalog *copy;
	assert_int_equal(feedback_catalog_create(&copy), HUES_OK);
	arena_reset(&f->a);

	for (size_t i = 0; i < feedback_catalog_nwards(f->cat); i++) {
		feedback_ward w;
		fb_ward_from_pb(
		    through_wire(f, &fb_ward_to_pb(&f->mem,
		                        feedback_catalog_ward_at(f->cat, i))
		                         ->base),
		    &w);
		assert_int_equal(feedback_catalog_put_ward(copy, &w), HUES_OK);
	}
	for (size_t i = 0; i < feedback_catalog_nagencies(f->cat); i++) {
		feedback_agency a;
		fb_agency_from_pb(
		    through_wire(f, &fb_agency_to_pb(&f->mem,
		                        feedback_catalog_agency_at(f->cat, i))
		                         ->base),
		    &a);
		assert_int_equal(
		    feedback_catalog_put_agency(copy, &a), HUES_OK);
	}
	for (size_t i = 0; i < feedback_catalog_ncategories(f->cat); i++) {
		feedback_category c;
		fb_category_from_pb(&f->mem,
		    through_wire(f, &fb_category_to_pb(&f->mem,
		                        feedback_catalog_category_at(f->cat, i))
		                         ->base),
		    &c);
		assert_int_equal(
		    feedback_catalog_put_category(copy, &c), HUES_OK);
	}
	for (size_t i = 0; i < feedback_catalog_nroutes(f->cat); i++) {
		feedback_route r;
		fb_route_from_pb(
		    through_wire(f, &fb_route_to_pb(&f->mem,
		                        feedback_catalog_route_at(f->cat, i))
		                         ->base),
		    &r);
		assert_int_equal(feedback_catalog_put_route(copy, &r), HUES_OK);
	}
	/* The copy owns its records: the messages may go. */
	arena_reset(&f->a);

	char msg[256];
	assert_int_equal(
	    feedback_catalog_check(copy, msg, sizeof(msg)), HUES_OK);
	assert_int_equal(feedback_catalog_ncategories(copy),
	    feedback_catalog_ncategories(f->cat));
	assert_int_equal(feedback_catalog_nagencies(copy),
	    feedback_catalog_nagencies(f->cat));
	assert_int_equal(
	    feedback_catalog_nwards(copy), feedback_catalog_nwards(f->cat));
	assert_int_equal(
	    feedback_catalog_nroutes(copy), feedback_catalog_nroutes(f->cat));
	for (size_t i = 0; i < feedback_catalog_ncategories(copy); i++) {
		assert_category_equal(feedback_catalog_category_at(copy, i),
		    feedback_catalog_category_at(f->cat, i));
	}
	for (size_t i = 0; i < feedback_catalog_nagencies(copy); i++) {
		assert_agency_equal(feedback_catalog_agency_at(copy, i),
		    feedback_catalog_agency_at(f->cat, i));
	}
	/* Routing answers the same. */
	const feedback_agency *a = NULL, *b = NULL;
	assert_int_equal(feedback_catalog_route(
	                     copy, "order.illegal_construction", "phu-hoi", &a),
	    HUES_OK);
	assert_int_equal(feedback_catalog_route(f->cat,
	                     "order.illegal_construction", "phu-hoi", &b),
	    HUES_OK);
	assert_string_equal(a->id, b->id);
	feedback_catalog_destroy(copy);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_convert_categories),
		cmocka_unit_test(test_convert_category_every_datatype),
		cmocka_unit_test(test_convert_category_minimal),
		cmocka_unit_test(test_convert_agencies),
		cmocka_unit_test(test_convert_wards),
		cmocka_unit_test(test_convert_routes),
		cmocka_unit_test(test_convert_rebuilt_catalog),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
