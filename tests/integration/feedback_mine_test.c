/*
 * feedback_mine_test.c - ListMyReports at its bounds, through the real
 * server: a server that reads three entries of the user index a call
 * (--scan-budget=3), so that a filter that matches few of a resident's
 * reports answers in pages that end on the budget and hand on a token;
 * and a damaged store, whose missing report is a DATA_LOSS, not a list
 * that silently lacks it. Pages, views and filters at the default budget
 * are in feedback_citizen_test.c.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "feedback_util.h"
#include "store/key.h"
#include "store/store.h"

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
}

/* ----- a damaged store ---------------------------------------------------- */

static uint64_t victim; /* the seq whose records the store loses */

static int
drop_fn(store_txn *txn, void *arg)
{
	store_table *t = arg;
	store_key    k;
	store_key_init(&k);
	store_key_u64(&k, victim);
	return store_del(txn, t, store_key_data(&k), store_key_len(&k));
}

/* Deletes victim's entry from one table of the stopped server's store. */
static void
drop_from(const char *data_dir, const char *table)
{
	const char *const tables[] = { table, NULL };
	store_opts        o        = { .dir = data_dir, .tables = tables };
	store            *st;
	store_table      *t;
	char              err[256];
	assert_int_equal(store_open(&o, &st, err, sizeof(err)), HUES_OK);
	assert_int_equal(store_table_open(st, table, 0, &t), HUES_OK);
	assert_int_equal(store_write(st, drop_fn, t), HUES_OK);
	store_close(st);
}

static void
drop_summary(const char *data_dir)
{
	drop_from(data_dir, "fb_time");
}

static void
drop_record(const char *data_dir)
{
	drop_from(data_dir, "fb_report");
}

/* The status of the first page of tok's reports (state: a filter or
 * NULL). */
static int
first_page(const char *tok, const Hues__V1__ReportState *state)
{
	Hues__V1__ListMyReportsRequest r =
	    HUES__V1__LIST_MY_REPORTS_REQUEST__INIT;
	hues_call_opts o = fb_as(tok);
	hues_result   *res;
	r.states   = (Hues__V1__ReportState *) state;
	r.n_states = state != NULL ? 1 : 0;
	int code   = hues_feedback_list_my_reports(env.c, &r, &o, &res);
	if (code != HUES_OK) {
		assert_non_null(
		    strstr(hues_result_message(res), "cannot be read"));
	}
	hues_result_free(res);
	return code;
}

static void
test_list_of_a_damaged_store(void **state)
{
	(void) state;
	const char *tok = fb_citizen(&env, "mine-hoa");
	char        id[FB_ID_LEN];
	fb_submit_apart(&env, tok, "waste.uncollected", id);
	assert_int_equal(sscanf(id, "R%10" SCNu64, &victim), 1);
	Hues__V1__ReportState sub = FB_ST(SUBMITTED);
	assert_int_equal(first_page(tok, &sub), HUES_OK);

	/* Without its summary, the state filter cannot tell: DATA_LOSS; the
	 * unfiltered list, which does not need it, still works. */
	fb_restart_after(&env, false, budget, drop_summary);
	assert_int_equal(first_page(tok, &sub), HUES_DATA_LOSS);
	assert_int_equal(first_page(tok, NULL), HUES_OK);

	/* Without the report itself, both fail alike. */
	fb_restart_after(&env, false, budget, drop_record);
	assert_int_equal(first_page(tok, NULL), HUES_DATA_LOSS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_pages_on_the_budget),
		cmocka_unit_test(test_list_of_a_damaged_store),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
