/*
 * feedback_mine_test.c - ListMyReports on a server that reads three
 * entries of the user index a call (--scan-budget=3), so that a filter
 * that matches few of a resident's reports answers in pages that end on
 * the budget and hand on a token. Pages, views and filters at the default
 * budget are in feedback_citizen_test.c; a damaged store in
 * feedback_damage_test.c.
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

enum { N = 8 };

static fb_env      env;
static const char *budget[] = { "--scan-budget=3", NULL };

static int
setup(void **state)
{
	(void) state;
	fb_start(&env, budget);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	fb_stop(&env);
	return 0;
}

/* Files N reports for sub, each at a point of its own, oldest first. */
static const char *
file_reports(const char *sub, char ids[N][FB_ID_LEN])
{
	const char *tok = fb_citizen(&env, sub);
	for (int i = 0; i < N; i++) {
		fb_submit_apart(&env, tok, "light.out", ids[i]);
	}
	return tok;
}

/*
 * Follows the tokens of ListMyReports (states: one state or none) from the
 * first page to the last, and writes the ids in the order listed to got;
 * returns their number and counts the pages that came back empty.
 */
static size_t
walk(const char *tok, int page_size, const Hues__V1__ReportState *state,
    char got[][FB_ID_LEN], size_t cap, size_t *empty)
{
	Hues__V1__ListMyReportsRequest r =
	    HUES__V1__LIST_MY_REPORTS_REQUEST__INIT;
	hues_call_opts o    = fb_as(tok);
	char          *page = strdup("");
	size_t         n = 0, pages = 0;
	r.page_size = page_size;
	r.states    = (Hues__V1__ReportState *) state;
	r.n_states  = state != NULL ? 1 : 0;
	*empty      = 0;
	do {
		hues_result *res;
		r.page_token = page;
		assert_int_equal(
		    hues_feedback_list_my_reports(env.c, &r, &o, &res),
		    HUES_OK);
		const Hues__V1__ListMyReportsResponse *l =
		    hues_feedback_list_my_reports_response(res);
		/* a page never holds more than the budget's entries */
		assert_true(l->n_reports <= (size_t) page_size);
		assert_true(l->n_reports <= 3);
		*empty += l->n_reports == 0;
		for (size_t i = 0; i < l->n_reports; i++) {
			assert_true(n < cap);
			assert_string_equal(
			    l->reports[i]->reporter, "mine-lan");
			snprintf(got[n++], FB_ID_LEN, "%s", l->reports[i]->id);
		}
		free(page);
		page = strdup(l->next_page_token);
		hues_result_free(res);
		assert_true(++pages < 50); /* the walk ends by itself */
	} while (page[0] != '\0');
	free(page);
	return n;
}

static void
test_list_pages_on_the_budget(void **state)
{
	(void) state;
	char        ids[N][FB_ID_LEN], got[2 * N][FB_ID_LEN];
	size_t      empty;
	const char *lan = file_reports("mine-lan", ids);

	/* Someone else's reports stay out of her pages. */
	char other[N][FB_ID_LEN];
	file_reports("mine-mai", other);

	/* Unfiltered: every report once, newest first, in pages of at most
	 * the three entries a call reads. */
	assert_int_equal(walk(lan, 5, NULL, got, 2 * N, &empty), N);
	for (int i = 0; i < N; i++) {
		assert_string_equal(got[i], ids[N - 1 - i]);
	}
	assert_int_equal(empty, 0);

	/* Two withdrawn among eight: the pages between them end on the
	 * budget with nothing to show, and still hand on a token. */
	fb_must(&env, lan, FB_WITHDRAW, ids[1], FB_ST(WITHDRAWN));
	fb_must(&env, lan, FB_WITHDRAW, ids[6], FB_ST(WITHDRAWN));
	Hues__V1__ReportState w = FB_ST(WITHDRAWN);
	assert_int_equal(walk(lan, 1, &w, got, 2 * N, &empty), 2);
	assert_string_equal(got[0], ids[6]);
	assert_string_equal(got[1], ids[1]);
	assert_true(empty > 0);

	/* A state none of them is in: empty pages to the end, no error. */
	Hues__V1__ReportState rs = FB_ST(RESOLVED);
	assert_int_equal(walk(lan, 20, &rs, got, 2 * N, &empty), 0);
	assert_true(empty > 0);

	/* The index is in memory: after kill -9 and a start that rebuilds
	 * it from the store, the same lists. */
	fb_restart(&env, true, budget);
	lan = fb_citizen(&env, "mine-lan");
	assert_int_equal(walk(lan, 5, NULL, got, 2 * N, &empty), N);
	for (int i = 0; i < N; i++) {
		assert_string_equal(got[i], ids[N - 1 - i]);
	}
	assert_int_equal(walk(lan, 1, &w, got, 2 * N, &empty), 2);
	assert_string_equal(got[0], ids[6]);
	assert_string_equal(got[1], ids[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_pages_on_the_budget),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
