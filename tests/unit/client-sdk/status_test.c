/*
 * status_test.c - the one error space: hues_status_name() and
 * hues_strerror() for every code and for numbers outside the space, and
 * the agreement of the SDK's numbering with the wire's StatusCode enum
 * (proto/hues/v1/rpc.proto), which both come from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hues/status.h"
#include "hues/v1/rpc.pb-c.h"

static const struct {
	int         code;
	const char *name;
	const char *text;
} expected[] = {
    {HUES_OK, "OK", "success"},
    {HUES_CANCELLED, "CANCELLED", "the call was cancelled"},
    {HUES_UNKNOWN, "UNKNOWN", "unknown error"},
    {HUES_INVALID_ARGUMENT, "INVALID_ARGUMENT", "invalid argument"},
    {HUES_DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED", "deadline exceeded"},
    {HUES_NOT_FOUND, "NOT_FOUND", "not found"},
    {HUES_ALREADY_EXISTS, "ALREADY_EXISTS", "already exists"},
    {HUES_PERMISSION_DENIED, "PERMISSION_DENIED", "permission denied"},
    {HUES_RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED", "resource exhausted"},
    {HUES_FAILED_PRECONDITION, "FAILED_PRECONDITION", "failed precondition"},
    {HUES_ABORTED, "ABORTED", "aborted"},
    {HUES_OUT_OF_RANGE, "OUT_OF_RANGE", "out of range"},
    {HUES_UNIMPLEMENTED, "UNIMPLEMENTED", "not implemented"},
    {HUES_INTERNAL, "INTERNAL", "internal error"},
    {HUES_UNAVAILABLE, "UNAVAILABLE", "service unavailable"},
    {HUES_DATA_LOSS, "DATA_LOSS", "data loss"},
    {HUES_UNAUTHENTICATED, "UNAUTHENTICATED", "unauthenticated"},
};

static void
test_status_names_and_descriptions(void **state)
{
	(void) state;
	size_t n = sizeof(expected) / sizeof(expected[0]);
	assert_int_equal(n, HUES_STATUS_COUNT);
	for (size_t i = 0; i < n; i++) {
		/* gRPC's numbers, in order. */
		assert_int_equal(expected[i].code, (int) i);
		assert_string_equal(
		    hues_status_name(expected[i].code), expected[i].name);
		assert_string_equal(
		    hues_strerror(expected[i].code), expected[i].text);
	}
}

static void
test_status_out_of_range(void **state)
{
	(void) state;
	const int outside[] = {-1, HUES_STATUS_COUNT, 99, INT32_MIN, INT32_MAX};
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		assert_string_equal(
		    hues_status_name(outside[i]), "UNKNOWN_CODE");
		assert_string_equal(
		    hues_strerror(outside[i]), "unknown status code");
	}
}

static void
test_status_matches_wire_enum(void **state)
{
	(void) state;
	const ProtobufCEnumDescriptor *d = &hues__v1__status_code__descriptor;
	assert_int_equal(d->n_values, HUES_STATUS_COUNT);
	for (int code = 0; code < HUES_STATUS_COUNT; code++) {
		const ProtobufCEnumValue *v =
		    protobuf_c_enum_descriptor_get_value(d, code);
		assert_non_null(v);
		assert_string_equal(v->name, hues_status_name(code));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_names_and_descriptions),
	    cmocka_unit_test(test_status_out_of_range),
	    cmocka_unit_test(test_status_matches_wire_enum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
