/*
 * feedback_durability_test.c - SubmitReport under a kill -9: a write load
 * from several users in flight, the server killed in the middle of it and
 * started again on the same data dir. Every report whose SubmitReport
 * answered OK must be there, intact, listed for its reporter, with its
 * outbox events and its idempotency key; ids are never given out twice.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "feedback_util.h"

enum { USERS = 6, PER_USER = 80, N = USERS * PER_USER };

typedef struct load {
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	bool            submits; /* the calls are SubmitReport (keep ids) */
	size_t          done;
	int             code[N];
	char            id[N][FB_ID_LEN];
} load;

typedef struct slot {
	load *l;
	int   i;
} slot;

static load   ld;
static slot   slots[N];
static fb_env env;

/* What call i sent, rebuilt from i alone. */
static void
user_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "load-user-%d", i % USERS);
}

static void
draft_of(int i, fb_draft *d, char title[64], char desc[96], char url[96],
    char key[32])
{
	fb_draft_init(d, i % 4 == 3 ? "light.out" : "road.pothole",
	    16.05 + 0.0007 * (i / 40), 107.25 + 0.0009 * (i % 40));
	snprintf(title, 64, "Tải #%d: ổ gà", i);
	snprintf(desc, 96, "Mô tả của báo cáo số %d.\nDòng hai.", i);
	snprintf(url, 96, "https://cdn.example.vn/load/%d.jpg", i);
	d->req.title           = title;
	d->req.description     = desc;
	d->media[0].url        = url;
	d->loc.address         = "Đường Lê Duẩn, Huế";
	d->req.idempotency_key = "";
	if (i % 3 == 0) {
		snprintf(key, 32, "load-key-%d", i);
		d->req.idempotency_key = key;
	}
}

static void
on_done(hues_result *res, void *arg)
{
	slot *s    = arg;
	int   code = hues_result_code(res);
	pthread_mutex_lock(&s->l->mtx);
	s->l->code[s->i] = code;
	if (code == HUES_OK && s->l->submits) {
		snprintf(s->l->id[s->i], FB_ID_LEN, "%s",
		    hues_feedback_submit_report_response(res)->id);
	}
	s->l->done++;
	pthread_cond_broadcast(&s->l->cv);
	pthread_mutex_unlock(&s->l->mtx);
	hues_result_free(res);
}

/* Waits, bounded, until at least n calls are done. */
static void
wait_done(size_t n)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	pthread_mutex_lock(&ld.mtx);
	while (ld.done < n) {
		if (pthread_cond_timedwait(&ld.cv, &ld.mtx, &until) != 0) {
			size_t done = ld.done;
			pthread_mutex_unlock(&ld.mtx);
			fail_msg("only %zu of %zu calls completed", done, n);
		}
	}
	pthread_mutex_unlock(&ld.mtx);
}

static bool
reports_equal(const Hues__V1__Report *r, int i)
{
	fb_draft d;
	char     title[64], desc[96], url[96], key[32], user[32];
	draft_of(i, &d, title, desc, url, key);
	user_of(i, user, sizeof(user));
	return strcmp(r->title, title) == 0 &&
	       strcmp(r->description, desc) == 0 &&
	       strcmp(r->category, d.req.category) == 0 &&
	       strcmp(r->reporter, user) == 0 && r->location != NULL &&
	       r->location->point != NULL &&
	       r->location->point->latitude == d.pt.latitude &&
	       r->location->point->longitude == d.pt.longitude &&
	       strcmp(r->location->address, d.loc.address) == 0 &&
	       r->n_media == 1 && strcmp(r->media[0]->url, url) == 0 &&
	       strcmp(r->media[0]->content_type, "image/jpeg") == 0 &&
	       r->n_attributes == d.req.n_attributes &&
	       r->state == FB_ST(SUBMITTED) && r->n_history == 1;
}

static void
test_submit_survives_kill(void **state)
{
	(void) state;
	memset(&ld, 0, sizeof(ld));
	ld.submits = true;
	pthread_mutex_init(&ld.mtx, NULL);
	pthread_cond_init(&ld.cv, NULL);
	fb_start(&env, NULL);
	hues_client_opts copts = { .max_attempts = 1, .sockets = 2 };
	hues_client     *c     = ht_client(&env.srv, &copts);

	for (int i = 0; i < N; i++) {
		fb_draft d;
		char     title[64], desc[96], url[96], key[32], user[32];
		draft_of(i, &d, title, desc, url, key);
		user_of(i, user, sizeof(user));
		hues_call_opts o = fb_as(fb_citizen(&env, user));
		o.timeout_ms     = 10000;
		slots[i]         = (slot) { &ld, i };
		assert_int_equal(hues_feedback_submit_report_async(
		                     c, &d.req, &o, on_done, &slots[i]),
		    HUES_OK);
	}
	/* Kill it in the middle of the load, and start it again at once. */
	wait_done(N / 4);
	ht_signal(&env.srv, SIGKILL);
	ht_wait_exit(&env.srv);
	hues_client_destroy(env.c);
	env.c                           = NULL;
	static const char *const args[] = { "--write-burst", "100000", NULL };
	ht_server_start_in(&env.srv, env.srv.dir, args);
	/* Calls still in flight fail, or reach the new server. */
	wait_done(N);
	ht_client_settle(c, 2);
	hues_client_destroy(c);
	hues_client_opts o1 = { .max_attempts = 1, .timeout_ms = 20000 };
	env.c               = ht_client(&env.srv, &o1);

	size_t ok = 0;
	for (int i = 0; i < N; i++) {
		int code = ld.code[i];
		if (code == HUES_OK) {
			ok++;
			continue;
		}
		/* The ones that did not make it failed as a lost server does.
		 */
		if (code != HUES_UNAVAILABLE &&
		    code != HUES_DEADLINE_EXCEEDED && code != HUES_CANCELLED &&
		    code != HUES_RESOURCE_EXHAUSTED) {
			fail_msg("call %d: %s", i, hues_status_name(code));
		}
	}
	assert_true(ok >= N / 4);
	print_message(
	    "%zu of %d submissions acknowledged before the kill\n", ok, N);

	/* Every acknowledged report is there, as it was sent; ids once. */
	char maxid[FB_ID_LEN] = "";
	for (int i = 0; i < N; i++) {
		if (ld.code[i] != HUES_OK) {
			continue;
		}
		for (int k = 0; k < i; k++) {
			if (ld.code[k] == HUES_OK) {
				assert_string_not_equal(ld.id[k], ld.id[i]);
			}
		}
		if (strcmp(ld.id[i], maxid) > 0) {
			snprintf(maxid, sizeof(maxid), "%s", ld.id[i]);
		}
		hues_result            *res;
		const Hues__V1__Report *r =
		    fb_get(&env, fb_coord(&env), ld.id[i], &res);
		if (!reports_equal(r, i)) {
			fail_msg(
			    "report %s of call %d differs from what was sent",
			    ld.id[i], i);
		}
		hues_result_free(res);
	}

	/* Each user's list holds her acknowledged reports, and whatever it
	 * lists is whole: readable, with its two submit events. */
	static fb_event ev[4 * N];
	size_t          nev = fb_outbox(&env, NULL, ev, 4 * N);
	assert_true(nev <= 4 * N);
	for (int u = 0; u < USERS; u++) {
		char user[32];
		user_of(u, user, sizeof(user));
		hues_call_opts o = fb_as(fb_citizen(&env, user));
		static char    listed[N][FB_ID_LEN];
		size_t         nl  = 0;
		char          *tok = strdup("");
		do {
			Hues__V1__ListMyReportsRequest r =
			    HUES__V1__LIST_MY_REPORTS_REQUEST__INIT;
			hues_result *res;
			r.page_size  = 100;
			r.page_token = tok;
			assert_int_equal(
			    hues_feedback_list_my_reports(env.c, &r, &o, &res),
			    HUES_OK);
			const Hues__V1__ListMyReportsResponse *l =
			    hues_feedback_list_my_reports_response(res);
			for (size_t k = 0; k < l->n_reports; k++) {
				assert_true(nl < N);
				snprintf(listed[nl++], FB_ID_LEN, "%s",
				    l->reports[k]->id);
				assert_string_equal(
				    l->reports[k]->reporter, user);
			}
			free(tok);
			tok = strdup(l->next_page_token);
			hues_result_free(res);
		} while (tok[0] != '\0');
		free(tok);
		for (int i = u; i < N; i += USERS) {
			if (ld.code[i] != HUES_OK) {
				continue;
			}
			bool found = false;
			for (size_t k = 0; k < nl && !found; k++) {
				found = strcmp(listed[k], ld.id[i]) == 0;
			}
			if (!found) {
				fail_msg("%s (call %d) is not in %s's list",
				    ld.id[i], i, user);
			}
		}
		for (size_t k = 0; k < nl; k++) {
			hues_result *res;
			fb_get(&env, fb_coord(&env), listed[k], &res);
			hues_result_free(res);
			size_t submitted = 0;
			for (size_t e = 0; e < nev; e++) {
				submitted +=
				    strcmp(ev[e].report_id, listed[k]) == 0 &&
				    ev[e].kind == FB_EV(SUBMITTED);
			}
			if (submitted != 2) {
				fail_msg("%s has %zu submit events, expected 2",
				    listed[k], submitted);
			}
		}
	}

	/* Idempotency keys were stored with their reports. */
	for (int i = 0; i < N; i += 3) {
		if (ld.code[i] != HUES_OK) {
			continue;
		}
		fb_draft     d;
		char         title[64], desc[96], url[96], key[32], user[32];
		hues_result *res;
		draft_of(i, &d, title, desc, url, key);
		user_of(i, user, sizeof(user));
		assert_int_equal(
		    fb_submit_draft(&env, fb_citizen(&env, user), &d, &res),
		    HUES_OK);
		assert_string_equal(
		    hues_feedback_submit_report_response(res)->id, ld.id[i]);
		assert_true(
		    hues_feedback_submit_report_response(res)->replayed);
		hues_result_free(res);
	}

	/* New reports get new ids, above every id acknowledged before, and
	 * overwrite nothing. */
	for (int j = 0; j < 5; j++) {
		char id[FB_ID_LEN];
		fb_submit(&env, fb_citizen(&env, "after-kill"), "road.sign",
		    16.60, 107.90 + 0.01 * j, id);
		assert_true(strcmp(id, maxid) > 0);
		hues_result            *res;
		const Hues__V1__Report *r =
		    fb_get(&env, fb_coord(&env), id, &res);
		assert_string_equal(r->category, "road.sign");
		assert_string_equal(r->reporter, "after-kill");
		hues_result_free(res);
	}
	for (int i = 0; i < N; i++) {
		if (ld.code[i] == HUES_OK) {
			hues_result            *res;
			const Hues__V1__Report *r =
			    fb_get(&env, fb_coord(&env), ld.id[i], &res);
			assert_true(reports_equal(r, i));
			hues_result_free(res);
		}
	}
	fb_stop(&env);
	pthread_cond_destroy(&ld.cv);
	pthread_mutex_destroy(&ld.mtx);
}

/* The ids in every page of a queue ("" the centre's) or, with agency
 * NULL, of the whole public feed. */
static size_t
collect(const char *agency, char (*ids)[FB_ID_LEN], size_t cap)
{
	hues_call_opts o   = fb_as(fb_coord(&env));
	char          *tok = strdup("");
	size_t         n   = 0;
	do {
		hues_result *res;
		if (agency != NULL) {
			Hues__V1__WorkQueueRequest q =
			    HUES__V1__WORK_QUEUE_REQUEST__INIT;
			q.agency     = (char *) agency;
			q.page_size  = 100;
			q.page_token = tok;
			assert_int_equal(
			    hues_feedback_work_queue(env.c, &q, &o, &res),
			    HUES_OK);
			const Hues__V1__WorkQueueResponse *r =
			    hues_feedback_work_queue_response(res);
			for (size_t i = 0; i < r->n_items && n < cap; i++) {
				snprintf(ids[n++], FB_ID_LEN, "%s",
				    r->items[i]->report->id);
			}
			free(tok);
			tok = strdup(r->next_page_token);
		} else {
			Hues__V1__PublicFeedRequest f =
			    HUES__V1__PUBLIC_FEED_REQUEST__INIT;
			f.page_size  = 100;
			f.page_token = tok;
			assert_int_equal(
			    hues_feedback_public_feed(env.c, &f, &o, &res),
			    HUES_OK);
			const Hues__V1__PublicFeedResponse *r =
			    hues_feedback_public_feed_response(res);
			for (size_t i = 0; i < r->n_items && n < cap; i++) {
				snprintf(ids[n++], FB_ID_LEN, "%s",
				    r->items[i]->report->id);
			}
			free(tok);
			tok = strdup(r->next_page_token);
		}
		hues_result_free(res);
	} while (tok[0] != '\0');
	free(tok);
	return n;
}

static bool
listed(char (*ids)[FB_ID_LEN], size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ids[i], id) == 0) {
			return true;
		}
	}
	return false;
}

/* Transitions under a kill: each report is wholly before or wholly after
 * its accept (state, history, events, queues, feed), and every accept
 * that answered OK is there. */
static void
test_transitions_survive_kill(void **state)
{
	(void) state;
	enum { M = 160 };
	static char ids[M][FB_ID_LEN];
	memset(&ld, 0, sizeof(ld));
	pthread_mutex_init(&ld.mtx, NULL);
	pthread_cond_init(&ld.cv, NULL);
	fb_start(&env, NULL);
	const char *rep = fb_citizen(&env, "kill-user");
	for (int i = 0; i < M; i++) {
		fb_submit(&env, rep, "road.pothole", 16.20 + 0.001 * (i / 40),
		    107.40 + 0.002 * (i % 40), ids[i]);
	}
	hues_client_opts copts = { .max_attempts = 1, .sockets = 2 };
	hues_client     *c     = ht_client(&env.srv, &copts);
	for (int i = 0; i < M; i++) {
		Hues__V1__TriageRequest t = HUES__V1__TRIAGE_REQUEST__INIT;
		hues_call_opts          o = fb_as(fb_coord(&env));
		o.timeout_ms              = 10000;
		t.id                      = ids[i];
		t.decision = HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT;
		slots[i]   = (slot) { &ld, i };
		assert_int_equal(
		    hues_feedback_triage_async(c, &t, &o, on_done, &slots[i]),
		    HUES_OK);
	}
	wait_done(M / 4);
	ht_signal(&env.srv, SIGKILL);
	ht_wait_exit(&env.srv);
	hues_client_destroy(env.c);
	env.c                           = NULL;
	static const char *const args[] = { "--write-burst", "100000", NULL };
	ht_server_start_in(&env.srv, env.srv.dir, args);
	wait_done(M);
	ht_client_settle(c, 2);
	hues_client_destroy(c);
	hues_client_opts o1 = { .max_attempts = 1, .timeout_ms = 20000 };
	env.c               = ht_client(&env.srv, &o1);

	static char centre[M][FB_ID_LEN], agency[M][FB_ID_LEN],
	    feed[M][FB_ID_LEN];
	size_t nc = collect("", centre, M), na = collect("so-gtvt", agency, M);
	size_t nf = collect(NULL, feed, M);
	static fb_event ev[8 * M];
	size_t          nev = fb_outbox(&env, NULL, ev, 8 * M);
	assert_true(nev <= 8 * M);
	size_t accepted = 0, acked = 0;
	for (int i = 0; i < M; i++) {
		hues_result            *res;
		const Hues__V1__Report *r =
		    fb_get(&env, fb_coord(&env), ids[i], &res);
		bool is_acc = r->state == FB_ST(ACCEPTED);
		if (ld.code[i] == HUES_OK) {
			acked++;
			assert_true(is_acc);
		}
		if (!is_acc) {
			assert_int_equal(r->state, FB_ST(SUBMITTED));
		}
		accepted += is_acc;
		assert_int_equal(r->n_history, is_acc ? 2 : 1);
		assert_int_equal(r->published, is_acc);
		assert_string_equal(r->agency, is_acc ? "so-gtvt" : "");
		hues_result_free(res);
		size_t sub = 0, acc = 0;
		for (size_t e = 0; e < nev; e++) {
			if (strcmp(ev[e].report_id, ids[i]) == 0) {
				sub += ev[e].kind == FB_EV(SUBMITTED);
				acc += ev[e].kind == FB_EV(ACCEPTED);
			}
		}
		assert_int_equal(sub, 2);
		assert_int_equal(acc, is_acc ? 3 : 0);
		assert_int_equal(listed(centre, nc, ids[i]), !is_acc);
		assert_int_equal(listed(agency, na, ids[i]), is_acc);
		assert_int_equal(listed(feed, nf, ids[i]), is_acc);
	}
	assert_int_equal(nc, M - accepted);
	assert_int_equal(na, accepted);
	assert_int_equal(nf, accepted);
	print_message("%zu of %d accepts acknowledged, %zu accepted\n", acked,
	    M, accepted);
	/* What did not get through can be done now. */
	for (int i = 0; i < M; i++) {
		if (fb_state(&env, ids[i]) == FB_ST(SUBMITTED)) {
			fb_must(&env, fb_coord(&env), FB_ACCEPT, ids[i],
			    FB_ST(ACCEPTED));
		}
	}
	fb_stop(&env);
	pthread_cond_destroy(&ld.cv);
	pthread_mutex_destroy(&ld.mtx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_submit_survives_kill),
		cmocka_unit_test(test_transitions_survive_kill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
