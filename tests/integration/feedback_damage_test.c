/*
 * feedback_damage_test.c - the lists of the Feedback service on a store
 * that lost records while the server was down (deleted here through the
 * store itself): an index entry whose summary or report is gone fails
 * ListMyReports and WorkQueue with DATA_LOSS, so that the damage is seen,
 * instead of a list that silently lacks a report.
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

FB_FILE_SERVER(env)

static uint64_t victim; /* the seq whose records the store loses */

static void
aim_at(const char *id)
{
	assert_int_equal(sscanf(id, "R%10" SCNu64, &victim), 1);
}

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

/* The status of a call, given after the call wrote res (an argument
 * that reads res beside the call would be evaluated in either order); on
 * failure its message must contain what. */
static int
status(int code, hues_result *res, const char *what)
{
	if (code != HUES_OK) {
		assert_non_null(strstr(hues_result_message(res), what));
	}
	hues_result_free(res);
	return code;
}

/* The first page of tok's reports (state: a filter, or NULL). */
static int
my_reports(const char *tok, const Hues__V1__ReportState *state)
{
	Hues__V1__ListMyReportsRequest r =
	    HUES__V1__LIST_MY_REPORTS_REQUEST__INIT;
	hues_call_opts o = fb_as(tok);
	hues_result   *res;
	r.states   = (Hues__V1__ReportState *) state;
	r.n_states = state != NULL ? 1 : 0;
	int code   = hues_feedback_list_my_reports(env.c, &r, &o, &res);
	return status(code, res, "cannot be read");
}

/* The first page of the work queue of tok's agency. */
static int
work_queue(const char *tok)
{
	Hues__V1__WorkQueueRequest r = HUES__V1__WORK_QUEUE_REQUEST__INIT;
	hues_call_opts             o = fb_as(tok);
	hues_result               *res;
	int code = hues_feedback_work_queue(env.c, &r, &o, &res);
	return status(code, res, "cannot be read");
}

static void
test_my_reports_of_a_damaged_store(void **state)
{
	(void) state;
	const char *tok = fb_citizen(&env, "damage-hoa");
	char        id[FB_ID_LEN], other[FB_ID_LEN];
	fb_submit_apart(&env, tok, "waste.uncollected", other);
	fb_submit_apart(&env, tok, "waste.uncollected", id);
	aim_at(id);
	Hues__V1__ReportState sub = FB_ST(SUBMITTED);
	assert_int_equal(my_reports(tok, &sub), HUES_OK);

	/* Without its summary, the state filter cannot tell: DATA_LOSS; the
	 * unfiltered list, which does not need it, still works. (The owners
	 * index lists it from its record: fb_time has one entry fewer than
	 * fb_report, owners.c.) */
	fb_restart_after(&env, false, NULL, drop_summary);
	assert_int_equal(my_reports(tok, &sub), HUES_DATA_LOSS);
	assert_int_equal(my_reports(tok, NULL), HUES_OK);

	/* Without the other report's record, both fail alike: its summary
	 * (the owner tail in fb_time) still lists it for her. */
	aim_at(other);
	fb_restart_after(&env, false, NULL, drop_record);
	assert_int_equal(my_reports(tok, NULL), HUES_DATA_LOSS);
	assert_int_equal(my_reports(tok, &sub), HUES_DATA_LOSS);
}

static void
test_work_queue_of_a_damaged_store(void **state)
{
	(void) state;
	const char *cit = fb_citizen(&env, "damage-lan"),
	           *off = fb_officer(&env, "damage-o", "huewaco");
	char id[FB_ID_LEN];
	fb_submit_apart(&env, cit, "water.leak", id);
	fb_must(&env, fb_coord(&env), FB_ACCEPT, id, FB_ST(ACCEPTED));
	aim_at(id);
	assert_int_equal(work_queue(off), HUES_OK);

	fb_restart_after(&env, false, NULL, drop_record);
	assert_int_equal(work_queue(off), HUES_DATA_LOSS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_my_reports_of_a_damaged_store),
		cmocka_unit_test(test_work_queue_of_a_damaged_store),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
