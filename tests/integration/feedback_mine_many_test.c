/*
 * feedback_mine_many_test.c - ListMyReports of a resident with more
 * reports than the owners index (owners.c) hands over at a time, at the
 * default scan budget: a filtered call reads across the chunks, and
 * pages of 100 list every report once, newest first. Pages and filters
 * of a few reports are in feedback_citizen_test.c, the scan budget in
 * feedback_mine_test.c.
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

FB_FILE_SERVER(env)

/* More reports than the index hands over at a time (owners.c takes 256
 * numbers per step): a filtered call reads across the steps, and pages
 * of 100 list all of them once, in order. */
static void
test_list_my_reports_many(void **state)
{
	(void) state;
	enum { M = 300 };
	static char  ids[M][FB_ID_LEN];
	const char  *hoa = fb_citizen(&env, "hoa-many");
	hues_result *res;
	double       lat, lon;
	for (int i = 0; i < M; i++) {
		lat = 16.35 + 0.0003 * (i / 40);
		lon = 107.45 + 0.001 * (i % 40);
		fb_submit(&env, hoa, "light.out", lat, lon, ids[i]);
	}
	fb_must(&env, hoa, FB_WITHDRAW, ids[0], FB_ST(WITHDRAWN));
	fb_must(&env, hoa, FB_WITHDRAW, ids[M - 1], FB_ST(WITHDRAWN));
	Hues__V1__ReportState st[] = { FB_ST(WITHDRAWN) };
	assert_int_equal(fb_list_mine(&env, hoa, 20, "", st, 1, &res), HUES_OK);
	const Hues__V1__ListMyReportsResponse *l =
	    hues_feedback_list_my_reports_response(res);
	assert_int_equal(l->n_reports, 2);
	assert_string_equal(l->reports[0]->id, ids[M - 1]);
	assert_string_equal(l->reports[1]->id, ids[0]);
	assert_string_equal(l->next_page_token, "");
	hues_result_free(res);

	char *tok = strdup("");
	int   at = M - 1, pages = 0;
	do {
		assert_int_equal(
		    fb_list_mine(&env, hoa, 100, tok, NULL, 0, &res), HUES_OK);
		l = hues_feedback_list_my_reports_response(res);
		for (size_t i = 0; i < l->n_reports; i++, at--) {
			assert_true(at >= 0);
			assert_string_equal(l->reports[i]->id, ids[at]);
		}
		free(tok);
		tok = strdup(l->next_page_token);
		hues_result_free(res);
	} while (tok[0] != '\0' && ++pages < 10);
	free(tok);
	assert_int_equal(at, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_my_reports_many),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
