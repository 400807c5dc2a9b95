/*
 * validate_test.c - SubmitReport and its parts against the default
 * catalog: one valid report, then one defect at a time, each pinned to its
 * field violation; several defects are all reported; the plan is written
 * only when everything is valid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "core/arena.h"
#include "svc/call_impl.h"
#include "svc/feedback/validate.h"

typedef struct fixture {
	arena             a;
	svc_call          call;
	feedback_catalog *cat;
} fixture;

static int
setup(void **state)
{
	static fixture f;
	arena_init(&f.a, 8192);
	call_init(&f.call, &f.a, NULL, NULL, NULL);
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

/* A fresh call for each check. */
static svc_call *
fresh(fixture *f)
{
	arena_reset(&f->a);
	call_init(&f->call, &f->a, NULL, NULL, NULL);
	return &f->call;
}

static bool
has_violation(const svc_call *call, const char *field, const char *part)
{
	for (size_t i = 0; i < call->nviolations; i++) {
		if (strcmp(call->violations[i].field, field) == 0 &&
		    strstr(call->violations[i].description, part) != NULL) {
			return true;
		}
	}
	return false;
}

static const char *const size_large[] = { "large" };
static const char *const no[]         = { "no" };

static const feedback_attr_input pothole_attrs[] = {
	{ "size", size_large, 1 },
	{ "lane_blocked", no, 1 },
};

static const feedback_media_input photos[] = {
	{ .url            = "https://media.hue.gov.vn/p/1.jpg",
	    .content_type = "image/jpeg" },
	{ .media_id = "m_01H8X", .content_type = "image/heic" },
};

static feedback_report_input
good(void)
{
	return (feedback_report_input) {
		.category    = "road.pothole",
		.title       = "Ổ gà lớn trước số 12 Lê Lợi",
		.description = "Ổ gà sâu khoảng 20 cm,\nxe máy dễ ngã.",
		.has_point   = true,
		.point       = { 16.4637, 107.5909 },
		.address     = "12 Lê Lợi, Huế",
		.ward        = "phu-hoi",
		.media       = photos,
		.nmedia      = 2,
		.attrs       = pothole_attrs,
		.nattrs      = 2,
	};
}

static void
test_validate_report_ok(void **state)
{
	fixture              *f    = *state;
	feedback_report_input in   = good();
	feedback_report_plan  plan = { 0 };
	assert_int_equal(feedback_validate_report(fresh(f), f->cat,
	                     &feedback_default_area, &in, &plan),
	    HUES_OK);
	assert_int_equal(f->call.nviolations, 0);
	assert_string_equal(plan.category->code, "road.pothole");
	assert_string_equal(plan.ward->code, "phu-hoi");
	assert_string_equal(plan.agency->id, "so-gtvt");
	assert_string_equal(plan.geohash, "w6ut8m"); /* Huế's citadel */

	/* Routed by ward; no ward; nobody to route to. */
	in.category = "order.illegal_construction";
	in.nattrs   = 0;
	assert_int_equal(feedback_validate_report(fresh(f), f->cat,
	                     &feedback_default_area, &in, &plan),
	    HUES_OK);
	assert_string_equal(plan.agency->id, "ubnd-phu-hoi");
	in.ward = NULL;
	assert_int_equal(feedback_validate_report(fresh(f), f->cat,
	                     &feedback_default_area, &in, &plan),
	    HUES_OK);
	assert_null(plan.ward);
	assert_string_equal(plan.agency->id, "ubnd-tp-hue");
	in.category = "other";
	assert_int_equal(feedback_validate_report(fresh(f), f->cat,
	                     &feedback_default_area, &in, &plan),
	    HUES_OK);
	assert_null(plan.agency);
}

typedef void (*mutate_fn)(feedback_report_input *in);

typedef struct bad_case {
	const char *name;
	mutate_fn   mutate;
	const char *field;
	const char *part;
} bad_case;

static char long_text[4 * 4001 + 1];

static void
m_no_category(feedback_report_input *in)
{
	in->category = "";
}
static void
m_unknown_category(feedback_report_input *in)
{
	in->category = "road.nope";
}
static void
m_anonymous(feedback_report_input *in)
{
	in->anonymous = true;
}
static void
m_no_title(feedback_report_input *in)
{
	in->title = "  ";
}
static void
m_title_newline(feedback_report_input *in)
{
	in->title = "a\nb";
}
static void
m_title_overlong(feedback_report_input *in)
{
	in->title = "\xc0\xaf";
}
static void
m_title_surrogate(feedback_report_input *in)
{
	in->title = "\xed\xa0\x80";
}
static void
m_desc_too_long(feedback_report_input *in)
{
	in->description = long_text;
}
static void
m_no_point(feedback_report_input *in)
{
	in->has_point = false;
}
static void
m_lat(feedback_report_input *in)
{
	in->point.lat = 91;
}
static void
m_lon(feedback_report_input *in)
{
	in->point.lon = NAN;
}
static void
m_outside(feedback_report_input *in)
{
	in->point = (feedback_point) { 21.03, 105.85 };
}
static void
m_ward(feedback_report_input *in)
{
	in->ward = "ba-dinh";
}
static void
m_address(feedback_report_input *in)
{
	in->address = "a\x01";
}

static const feedback_media_input seven[7] = {
	{ .media_id = "a", .content_type = "image/png" },
	{ .media_id = "b", .content_type = "image/png" },
	{ .media_id = "c", .content_type = "image/png" },
	{ .media_id = "d", .content_type = "image/png" },
	{ .media_id = "e", .content_type = "image/png" },
	{ .media_id = "f", .content_type = "image/png" },
	{ .media_id = "g", .content_type = "image/png" },
};
static const feedback_media_input bad_media[] = {
	{ .url = "http://x/1.jpg", .content_type = "image/jpeg" },
	{ .media_id = "a b", .content_type = "image/jpeg" },
	{ .content_type = "image/jpeg" },
	{ .url = "https://x/1", .media_id = "m", .content_type = "image/jpeg" },
	{ .media_id = "m", .content_type = "application/pdf" },
	{ .url = "https://", .content_type = "image/jpeg" },
};
static void
m_seven_media(feedback_report_input *in)
{
	in->media  = seven;
	in->nmedia = 7;
}
static void
m_http(feedback_report_input *in)
{
	in->media  = &bad_media[0];
	in->nmedia = 1;
}
static void
m_media_id(feedback_report_input *in)
{
	in->media  = &bad_media[1];
	in->nmedia = 1;
}
static void
m_media_none(feedback_report_input *in)
{
	in->media  = &bad_media[2];
	in->nmedia = 1;
}
static void
m_media_both(feedback_report_input *in)
{
	in->media  = &bad_media[3];
	in->nmedia = 1;
}
static void
m_media_type(feedback_report_input *in)
{
	in->media  = &bad_media[4];
	in->nmedia = 1;
}
static void
m_media_host(feedback_report_input *in)
{
	in->media  = &bad_media[5];
	in->nmedia = 1;
}

static const char *const         huge[]       = { "huge" };
static const char *const         two[]        = { "large", "small" };
static const feedback_attr_input a_unknown[]  = { { "size", size_large, 1 },
	 { "colour", no, 1 } };
static const feedback_attr_input a_missing[]  = { { "lane_blocked", no, 1 } };
static const feedback_attr_input a_value[]    = { { "size", huge, 1 } };
static const feedback_attr_input a_two[]      = { { "size", two, 2 } };
static const feedback_attr_input a_none[]     = { { "size", NULL, 0 } };
static const feedback_attr_input a_repeated[] = { { "size", size_large, 1 },
	{ "size", size_large, 1 } };
static void
m_attr_unknown(feedback_report_input *in)
{
	in->attrs  = a_unknown;
	in->nattrs = 2;
}
static void
m_attr_missing(feedback_report_input *in)
{
	in->attrs  = a_missing;
	in->nattrs = 1;
}
static void
m_attr_value(feedback_report_input *in)
{
	in->attrs  = a_value;
	in->nattrs = 1;
}
static void
m_attr_two(feedback_report_input *in)
{
	in->attrs  = a_two;
	in->nattrs = 1;
}
static void
m_attr_none(feedback_report_input *in)
{
	in->attrs  = a_none;
	in->nattrs = 1;
}
static void
m_attr_repeated(feedback_report_input *in)
{
	in->attrs  = a_repeated;
	in->nattrs = 2;
}
static void
m_key(feedback_report_input *in)
{
	in->idempotency_key = "has space";
}

static const bad_case bad_cases[] = {
	{ "no category", m_no_category, "category", "required" },
	{ "unknown category", m_unknown_category, "category", "not a known" },
	{ "anonymous", m_anonymous, "category", "anonymous" },
	{ "no title", m_no_title, "title", "required" },
	{ "title newline", m_title_newline, "title", "single line" },
	{ "title overlong", m_title_overlong, "title", "UTF-8" },
	{ "title surrogate", m_title_surrogate, "title", "UTF-8" },
	{ "description", m_desc_too_long, "description", "longer than 4000" },
	{ "no point", m_no_point, "location.point", "required" },
	{ "latitude", m_lat, "location.point.latitude", "between" },
	{ "longitude", m_lon, "location.point.longitude", "between" },
	{ "outside", m_outside, "location.point", "outside the service area" },
	{ "ward", m_ward, "location.ward_code", "not a known ward" },
	{ "address", m_address, "location.address", "control" },
	{ "seven media", m_seven_media, "media", "more than 6" },
	{ "http", m_http, "media[0].url", "https" },
	{ "media id", m_media_id, "media[0].media_id", "characters" },
	{ "media none", m_media_none, "media[0]", "either" },
	{ "media both", m_media_both, "media[0]", "either" },
	{ "media type", m_media_type, "media[0].content_type",
	    "not an allowed" },
	{ "media host", m_media_host, "media[0].url", "https" },
	{ "attr unknown", m_attr_unknown, "attributes[1].code",
	    "not an attribute" },
	{ "attr missing", m_attr_missing, "attributes",
	    "required attribute size" },
	{ "attr value", m_attr_value, "attributes[0].values[0]", "not one of" },
	{ "attr two", m_attr_two, "attributes[0].values", "one value" },
	{ "attr none", m_attr_none, "attributes[0].values", "needs a value" },
	{ "attr repeated", m_attr_repeated, "attributes[1].code", "repeated" },
	{ "key", m_key, "idempotency_key", "printable" },
};

static void
test_validate_report_defects(void **state)
{
	fixture *f = *state;
	/* 4001 characters of 4 bytes each. */
	for (size_t i = 0; i < 4001; i++) {
		memcpy(long_text + 4 * i, "\xf0\x9f\x98\x80", 4);
	}
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		feedback_report_input in = good();
		feedback_report_plan  plan;
		memset(&plan, 0x5a, sizeof(plan));
		bad_cases[i].mutate(&in);
		svc_call *call = fresh(f);
		int       rc   = feedback_validate_report(
		            call, f->cat, &feedback_default_area, &in, &plan);
		if (rc != HUES_INVALID_ARGUMENT) {
			fail_msg("%s: got %d", bad_cases[i].name, rc);
		}
		if (!has_violation(
		        call, bad_cases[i].field, bad_cases[i].part)) {
			fail_msg("%s: no violation %s ~ %s (first: %s: %s)",
			    bad_cases[i].name, bad_cases[i].field,
			    bad_cases[i].part,
			    call->nviolations ? call->violations[0].field : "-",
			    call->nviolations ? call->violations[0].description
			                      : "-");
		}
		assert_non_null(call->message);
		assert_int_equal(((unsigned char *) &plan)[0], 0x5a);
	}
	/* 4000 characters exactly are fine. */
	long_text[4 * 4000]      = '\0';
	feedback_report_input in = good();
	feedback_report_plan  plan;
	in.description = long_text;
	assert_int_equal(feedback_validate_report(fresh(f), f->cat,
	                     &feedback_default_area, &in, &plan),
	    HUES_OK);
}

static void
test_validate_report_reports_everything(void **state)
{
	fixture              *f  = *state;
	feedback_report_input in = good();
	feedback_report_plan  plan;
	in.title       = "";
	in.has_point   = false;
	in.ward        = "nowhere";
	in.attrs       = NULL;
	in.nattrs      = 0;
	svc_call *call = fresh(f);
	assert_int_equal(feedback_validate_report(
	                     call, f->cat, &feedback_default_area, &in, &plan),
	    HUES_INVALID_ARGUMENT);
	assert_int_equal(call->nviolations, 4);
	assert_true(has_violation(call, "title", "required"));
	assert_true(has_violation(call, "location.point", "required"));
	assert_true(has_violation(call, "location.ward_code", "ward"));
	assert_true(has_violation(call, "attributes", "size"));
	assert_string_equal(
	    call->message, "title: is required (and 3 more field violations)");
}

static void
test_validate_attribute_datatypes(void **state)
{
	fixture *f = *state;
	assert_true(feedback_number_valid("0"));
	assert_true(feedback_number_valid("-12.5"));
	assert_true(feedback_number_valid("+3e-2"));
	assert_true(feedback_number_valid("1E3"));
	const char *bad_numbers[] = { "", " 1", "1 ", "1.", ".5", "0x10", "inf",
		"nan", "1e", "--1", "1,5",
		"123456789012345678901234567890123" };
	for (size_t i = 0; i < sizeof(bad_numbers) / sizeof(bad_numbers[0]);
	     i++) {
		if (feedback_number_valid(bad_numbers[i])) {
			fail_msg("number '%s' accepted", bad_numbers[i]);
		}
	}
	assert_false(feedback_number_valid(NULL));
	assert_true(feedback_datetime_valid("2025-03-01T08:30:00+07:00"));
	assert_true(feedback_datetime_valid("2025-03-01t08:30:00.123z"));
	assert_true(feedback_datetime_valid("2024-02-29T23:59:60Z"));
	const char *bad_times[] = { "2025-03-01", "2025-03-01T08:30:00",
		"2025-02-29T08:30:00Z", "2025-03-01T24:00:00Z",
		"2025-03-01T08:60:00Z", "2025-03-01 08:30:00Z",
		"2025-03-01T08:30:00+0700", "2025-03-01T08:30:00+24:00",
		"2025-03-01T08:30:00.Z", "2025-03-01T08:30:00Zx" };
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		if (feedback_datetime_valid(bad_times[i])) {
			fail_msg("date-time '%s' accepted", bad_times[i]);
		}
	}

	/* water.outage: a required datetime and an optional string. */
	const feedback_category *c =
	    feedback_catalog_category(f->cat, "water.outage");
	const char *const   since[]     = { "2025-03-01T06:00:00+07:00" };
	const char *const   yesterday[] = { "hôm qua" };
	const char *const   code[]      = { "KH-0042" };
	const char *const   two_lines[] = { "a\nb" };
	feedback_attr_input ok[]        = { { "since", since, 1 },
		       { "customer_code", code, 1 } };
	assert_true(feedback_check_attributes(fresh(f), c, ok, 2));
	feedback_attr_input bad_since[] = { { "since", yesterday, 1 } };
	svc_call           *call        = fresh(f);
	assert_false(feedback_check_attributes(call, c, bad_since, 1));
	assert_true(has_violation(call, "attributes[0].values[0]", "RFC 3339"));
	feedback_attr_input bad_code[] = { { "since", since, 1 },
		{ "customer_code", two_lines, 1 } };
	call                           = fresh(f);
	assert_false(feedback_check_attributes(call, c, bad_code, 2));
	assert_true(
	    has_violation(call, "attributes[1].values[0]", "single line"));

	/* drain.flooding: a required number. */
	c = feedback_catalog_category(f->cat, "drain.flooding");
	const char *const   depth[]      = { "35" };
	const char *const   deep[]       = { "knee" };
	feedback_attr_input good_depth[] = { { "depth_cm", depth, 1 } };
	feedback_attr_input bad_depth[]  = { { "depth_cm", deep, 1 } };
	assert_true(feedback_check_attributes(fresh(f), c, good_depth, 1));
	call = fresh(f);
	assert_false(feedback_check_attributes(call, c, bad_depth, 1));
	assert_true(has_violation(call, "attributes[0].values[0]", "number"));

	/* env.pollution: a required multivaluelist. */
	c = feedback_catalog_category(f->cat, "env.pollution");
	const char *const   kinds[]      = { "smoke", "noise" };
	const char *const   twice[]      = { "smoke", "smoke" };
	const char *const   odd[]        = { "smoke", "radiation" };
	feedback_attr_input good_kinds[] = { { "kind", kinds, 2 } };
	feedback_attr_input dup_kinds[]  = { { "kind", twice, 2 } };
	feedback_attr_input odd_kinds[]  = { { "kind", odd, 2 } };
	assert_true(feedback_check_attributes(fresh(f), c, good_kinds, 1));
	call = fresh(f);
	assert_false(feedback_check_attributes(call, c, dup_kinds, 1));
	assert_true(has_violation(call, "attributes[0].values[1]", "repeated"));
	call = fresh(f);
	assert_false(feedback_check_attributes(call, c, odd_kinds, 1));
	assert_true(
	    has_violation(call, "attributes[0].values[1]", "not one of"));

	/* More attributes than any category may have. */
	feedback_attr_input many[FEEDBACK_MAX_ATTRS + 1];
	for (size_t i = 0; i < FEEDBACK_MAX_ATTRS + 1; i++) {
		many[i] = good_kinds[0];
	}
	call = fresh(f);
	assert_false(
	    feedback_check_attributes(call, c, many, FEEDBACK_MAX_ATTRS + 1));
	assert_true(has_violation(call, "attributes", "more than 32"));
}

static void
test_validate_paging_notes_areas(void **state)
{
	fixture *f = *state;
	uint32_t n = 0;
	assert_int_equal(feedback_page_size(fresh(f), 0, &n), HUES_OK);
	assert_int_equal(n, 20);
	assert_int_equal(feedback_page_size(fresh(f), 1, &n), HUES_OK);
	assert_int_equal(n, 1);
	assert_int_equal(feedback_page_size(fresh(f), 100, &n), HUES_OK);
	assert_int_equal(n, 100);
	assert_int_equal(feedback_page_size(fresh(f), 5000, &n), HUES_OK);
	assert_int_equal(n, 100);
	n              = 7;
	svc_call *call = fresh(f);
	assert_int_equal(
	    feedback_page_size(call, -1, &n), HUES_INVALID_ARGUMENT);
	assert_true(has_violation(call, "page_size", "negative"));
	assert_int_equal(n, 7);

	call = fresh(f);
	assert_false(
	    feedback_check_note(call, "reason", FEEDBACK_ACTION_REJECT, ""));
	assert_true(has_violation(call, "reason", "required"));
	assert_true(feedback_check_note(
	    fresh(f), "public_note", FEEDBACK_ACTION_ACKNOWLEDGE, ""));
	assert_true(feedback_check_note(
	    fresh(f), "answer", FEEDBACK_ACTION_RESOLVE, "Đã vá ổ gà."));

	feedback_point hue = { 16.4637, 107.5909 };
	assert_true(feedback_check_circle(fresh(f), "near", true, hue, 5000));
	call = fresh(f);
	assert_false(feedback_check_circle(call, "near", true, hue, 5001));
	assert_true(has_violation(call, "near.radius_m", "between 1 and 5000"));
	call = fresh(f);
	assert_false(feedback_check_circle(call, "near", false, hue, 0));
	assert_true(has_violation(call, "near.center", "required"));
	assert_true(has_violation(call, "near.radius_m", "between"));

	feedback_bbox b = { 16.4, 107.5, 16.5, 107.7 };
	assert_true(feedback_check_bbox(fresh(f), "bbox", &b));
	feedback_bbox flipped = { 16.5, 107.5, 16.4, 107.7 };
	call                  = fresh(f);
	assert_false(feedback_check_bbox(call, "bbox", &flipped));
	assert_true(has_violation(call, "bbox", "south <= north"));
	feedback_bbox wide = { 10, 100, 20, 110 };
	call               = fresh(f);
	assert_false(feedback_check_bbox(call, "bbox", &wide));
	assert_true(has_violation(call, "bbox", "spans more"));
}

static void
test_validate_category(void **state)
{
	fixture          *f = *state;
	feedback_category c =
	    *feedback_catalog_category(f->cat, "road.pothole");
	assert_int_equal(
	    feedback_validate_category(fresh(f), "category", f->cat, &c),
	    HUES_OK);
	c.default_agency = "so-nope";
	c.name_en        = "";
	svc_call *call   = fresh(f);
	assert_int_equal(
	    feedback_validate_category(call, "category", f->cat, &c),
	    HUES_INVALID_ARGUMENT);
	assert_true(
	    has_violation(call, "category.default_agency", "not a known"));
	assert_true(has_violation(call, "category.name_en", "required"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_report_ok),
		cmocka_unit_test(test_validate_report_defects),
		cmocka_unit_test(test_validate_report_reports_everything),
		cmocka_unit_test(test_validate_attribute_datatypes),
		cmocka_unit_test(test_validate_paging_notes_areas),
		cmocka_unit_test(test_validate_category),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
