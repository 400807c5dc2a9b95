/*
 * feedback_util.c - the shared pieces of the Feedback integration tests:
 * server and tokens, a valid SubmitReport draft, one call per workflow
 * step. What the tests check against (the outbox as plain structs,
 * statuses and violations, geometry and dates) is in feedback_expect.c.
 */
#include "feedback_util.h"

#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "auth/mint.h"

/* ----- server and tokens ---------------------------------------------------
 */

static void
start_args(fb_env *e, const char *reuse_dir, const char *const *args)
{
	const char *argv[40];
	size_t      n = 0;
	argv[n++]     = "--write-burst";
	argv[n++]     = "100000";
	for (size_t i = 0; args != NULL && args[i] != NULL && n < 38; i++) {
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	ht_server_start_in(&e->srv, reuse_dir, argv);
	hues_client_opts o = { .max_attempts = 1, .timeout_ms = 20000 };
	e->c               = ht_client(&e->srv, &o);
}

void
fb_start(fb_env *e, const char *const *args)
{
	memset(e, 0, sizeof(*e));
	start_args(e, NULL, args);
	snprintf(
	    e->secret, sizeof(e->secret), "%s/jwt-secret", e->srv.data_dir);
}

void
fb_restart_after(fb_env *e, bool kill9, const char *const *args,
    void (*between)(const char *data_dir))
{
	hues_client_destroy(e->c);
	e->c = NULL;
	ht_signal(&e->srv, kill9 ? SIGKILL : SIGTERM);
	ht_wait_exit(&e->srv);
	if (between != NULL) {
		between(e->srv.data_dir);
	}
	start_args(e, e->srv.dir, args);
}

void
fb_restart(fb_env *e, bool kill9, const char *const *args)
{
	fb_restart_after(e, kill9, args, NULL);
}

void
fb_stop(fb_env *e)
{
	hues_client_destroy(e->c);
	e->c = NULL;
	ht_server_stop(&e->srv);
	for (size_t i = 0; i < e->ntokens; i++) {
		free(e->tokens[i].key);
		free(e->tokens[i].token);
	}
	e->ntokens = 0;
}

const char *
fb_token_for(fb_env *e, const char *role, const char *sub, const char *agency,
    const char *obo)
{
	char key[256];
	snprintf(key, sizeof(key), "%s/%s/%s/%s", role, sub,
	    agency != NULL ? agency : "", obo != NULL ? obo : "");
	for (size_t i = 0; i < e->ntokens; i++) {
		if (strcmp(e->tokens[i].key, key) == 0) {
			return e->tokens[i].token;
		}
	}
	assert_true(e->ntokens < sizeof(e->tokens) / sizeof(e->tokens[0]));
	auth_mint_opts o = { .alg = AUTH_ALG_HS256,
		.key_path         = e->secret,
		.kid              = "local",
		.ttl_s            = 3600,
		.sub              = sub,
		.role             = role,
		.agency           = agency,
		.obo              = obo };
	char           err[256];
	char          *tok = NULL;
	if (auth_mint(&o, err, sizeof(err), &tok) != HUES_OK) {
		fail_msg("cannot mint a test token: %s", err);
	}
	e->tokens[e->ntokens].key   = strdup(key);
	e->tokens[e->ntokens].token = tok;
	return e->tokens[e->ntokens++].token;
}

const char *
fb_citizen(fb_env *e, const char *sub)
{
	return fb_token_for(e, "citizen", sub, NULL, NULL);
}

const char *
fb_officer(fb_env *e, const char *sub, const char *agency)
{
	return fb_token_for(e, "officer", sub, agency, NULL);
}

const char *
fb_coord(fb_env *e)
{
	return fb_token_for(e, "coordinator", "ioc-1", NULL, NULL);
}

const char *
fb_admin(fb_env *e)
{
	return fb_token_for(e, "admin", "root", NULL, NULL);
}

hues_call_opts
fb_as(const char *token)
{
	hues_call_opts o = { .bearer_token = token };
	return o;
}

/* ----- drafts ---------------------------------------------------------------
 */

void
fb_draft_no_attrs(fb_draft *d)
{
	d->req.n_attributes = 0;
}

void
fb_draft_attr(fb_draft *d, const char *code, const char *v1, const char *v2)
{
	size_t i = d->req.n_attributes;
	assert_true(i < 8);
	hues__v1__attribute_value__init(&d->attr[i]);
	d->attr[i].code     = (char *) code;
	d->vals[i][0]       = (char *) v1;
	d->vals[i][1]       = (char *) v2;
	d->attr[i].values   = d->vals[i];
	d->attr[i].n_values = v2 != NULL ? 2 : v1 != NULL ? 1 : 0;
	d->attrp[i]         = &d->attr[i];
	d->req.attributes   = d->attrp;
	d->req.n_attributes = i + 1;
}

void
fb_draft_media(fb_draft *d, const char *url, const char *media_id,
    const char *content_type)
{
	size_t i = d->req.n_media;
	assert_true(i < 8);
	hues__v1__media_ref__init(&d->media[i]);
	if (url != NULL) {
		d->media[i].source_case = HUES__V1__MEDIA_REF__SOURCE_URL;
		d->media[i].url         = (char *) url;
	} else if (media_id != NULL) {
		d->media[i].source_case = HUES__V1__MEDIA_REF__SOURCE_MEDIA_ID;
		d->media[i].media_id    = (char *) media_id;
	}
	d->media[i].content_type = (char *) content_type;
	d->mediap[i]             = &d->media[i];
	d->req.media             = d->mediap;
	d->req.n_media           = i + 1;
}

void
fb_draft_init(fb_draft *d, const char *category, double lat, double lon)
{
	memset(d, 0, sizeof(*d));
	hues__v1__submit_report_request__init(&d->req);
	hues__v1__location__init(&d->loc);
	hues__v1__geo_point__init(&d->pt);
	d->pt.latitude  = lat;
	d->pt.longitude = lon;
	d->loc.point    = &d->pt;
	d->loc.address  = "12 Lê Lợi, Huế";
	d->req.location = &d->loc;
	d->req.category = (char *) category;
	d->req.title    = "Ổ gà sâu giữa đường";
	d->req.description = "Ổ gà rộng khoảng nửa mét, xe máy dễ ngã khi "
	                     "trời mưa.\nĐề nghị sửa gấp.";
	fb_draft_media(
	    d, "https://cdn.example.vn/hue/a1.jpg", NULL, "image/jpeg");
	/* The required attributes of the default catalog's categories. */
	if (strcmp(category, "road.pothole") == 0) {
		fb_draft_attr(d, "size", "medium", NULL);
	} else if (strcmp(category, "road.traffic_light") == 0) {
		fb_draft_attr(d, "intersection", "Lê Lợi - Hùng Vương", NULL);
	} else if (strcmp(category, "env.pollution") == 0) {
		fb_draft_attr(d, "kind", "smoke", "dust");
	} else if (strcmp(category, "water.outage") == 0) {
		fb_draft_attr(d, "since", "2025-03-01T08:30:00+07:00", NULL);
	} else if (strcmp(category, "water.quality") == 0) {
		fb_draft_attr(d, "symptom", "colour", NULL);
	} else if (strcmp(category, "drain.flooding") == 0) {
		fb_draft_attr(d, "depth_cm", "35", NULL);
	} else if (strcmp(category, "security.public_order") == 0) {
		fb_draft_attr(d, "kind", "disturbance", NULL);
	}
}

int
fb_submit_draft(
    fb_env *e, const char *token, const fb_draft *d, hues_result **out)
{
	hues_call_opts o = fb_as(token);
	return hues_feedback_submit_report(e->c, &d->req, &o, out);
}

void
fb_submit(fb_env *e, const char *token, const char *category, double lat,
    double lon, char id[FB_ID_LEN])
{
	fb_draft     d;
	hues_result *res;
	fb_draft_init(&d, category, lat, lon);
	int code = fb_submit_draft(e, token, &d, &res);
	if (code != HUES_OK) {
		fail_msg("SubmitReport %s at %f,%f: %s %s (%s)", category, lat,
		    lon, hues_status_name(code), hues_result_message(res),
		    hues_result_reason(res));
	}
	const Hues__V1__SubmitReportResponse *r =
	    hues_feedback_submit_report_response(res);
	assert_int_equal(r->state, FB_ST(SUBMITTED));
	assert_int_equal(strlen(r->id), 11);
	snprintf(id, FB_ID_LEN, "%s", r->id);
	hues_result_free(res);
}

void
fb_submit_apart(fb_env *e, const char *token, const char *category,
    char id[FB_ID_LEN])
{
	static int next_spot;
	int        i = next_spot++;
	fb_submit(e, token, category, 16.10 + 0.01 * (i / 60),
	    107.30 + 0.01 * (i % 60), id);
}

/* ----- workflow ------------------------------------------------------------
 */

int
fb_do(fb_env *e, const char *token, fb_step step, const char *id,
    const char *note, hues_result **out)
{
	hues_call_opts o    = fb_as(token);
	hues_result   *res  = NULL;
	char          *i    = (char *) id;
	char          *n    = (char *) note;
	int            code = HUES_INTERNAL;

	switch (step) {
	case FB_ACCEPT:
	case FB_REJECT: {
		Hues__V1__TriageRequest r = HUES__V1__TRIAGE_REQUEST__INIT;
		r.id                      = i;
		r.decision =
		    step == FB_ACCEPT
		        ? HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT
		        : HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_REJECT;
		if (step == FB_REJECT) {
			r.public_note =
			    n != NULL ? n : "Không thuộc phạm vi xử lý";
		}
		r.internal_note = "triage note (staff only)";
		code            = hues_feedback_triage(e->c, &r, &o, &res);
		break;
	}
	case FB_ACKNOWLEDGE: {
		Hues__V1__AcknowledgeRequest r =
		    HUES__V1__ACKNOWLEDGE_REQUEST__INIT;
		r.id            = i;
		r.public_note   = n != NULL ? n : "";
		r.internal_note = "ack note (staff only)";
		code            = hues_feedback_acknowledge(e->c, &r, &o, &res);
		break;
	}
	case FB_START_WORK: {
		Hues__V1__StartWorkRequest r =
		    HUES__V1__START_WORK_REQUEST__INIT;
		r.id          = i;
		r.public_note = n != NULL ? n : "";
		code          = hues_feedback_start_work(e->c, &r, &o, &res);
		break;
	}
	case FB_REQUEST_INFO: {
		Hues__V1__RequestInfoRequest r =
		    HUES__V1__REQUEST_INFO_REQUEST__INIT;
		r.id       = i;
		r.question = n != NULL ? n : "Ổ gà nằm ở làn đường nào?";
		code       = hues_feedback_request_info(e->c, &r, &o, &res);
		break;
	}
	case FB_RESOLVE: {
		Hues__V1__ResolveRequest r = HUES__V1__RESOLVE_REQUEST__INIT;
		r.id                       = i;
		r.answer = n != NULL ? n : "Đã vá ổ gà ngày hôm nay.";
		r.internal_note = "resolve note (staff only)";
		code            = hues_feedback_resolve(e->c, &r, &o, &res);
		break;
	}
	case FB_RETURN: {
		Hues__V1__ReturnToTriageRequest r =
		    HUES__V1__RETURN_TO_TRIAGE_REQUEST__INIT;
		r.id     = i;
		r.reason = n != NULL ? n : "Đường do thành phố quản lý.";
		code     = hues_feedback_return_to_triage(e->c, &r, &o, &res);
		break;
	}
	case FB_WITHDRAW: {
		Hues__V1__WithdrawRequest r = HUES__V1__WITHDRAW_REQUEST__INIT;
		r.id                        = i;
		r.reason                    = n != NULL ? n : "Đã tự sửa";
		code = hues_feedback_withdraw(e->c, &r, &o, &res);
		break;
	}
	case FB_COMMENT: {
		Hues__V1__AddCommentRequest r =
		    HUES__V1__ADD_COMMENT_REQUEST__INIT;
		r.id = i;
		r.text = n != NULL ? n : "Làn bên phải, gần cột điện số 14.";
		code = hues_feedback_add_comment(e->c, &r, &o, &res);
		break;
	}
	case FB_RATE_SATISFIED:
	case FB_RATE_NEUTRAL:
	case FB_RATE_DISSATISFIED: {
		Hues__V1__RateRequest r = HUES__V1__RATE_REQUEST__INIT;
		r.id                    = i;
		r.rating  = step == FB_RATE_SATISFIED ? FB_RATE(SATISFIED)
		            : step == FB_RATE_NEUTRAL ? FB_RATE(NEUTRAL)
		                                      : FB_RATE(DISSATISFIED);
		r.comment = n != NULL ? n : "";
		code      = hues_feedback_rate(e->c, &r, &o, &res);
		break;
	}
	}
	if (out != NULL) {
		*out = res;
	} else {
		hues_result_free(res);
	}
	return code;
}

const Hues__V1__Report *
fb_step_report(const hues_result *res)
{
	/* Every step's response is a message whose field 1 is the report:
	 * the generated structs share that layout (base, then the pointer). */
	typedef struct {
		ProtobufCMessage  base;
		Hues__V1__Report *report;
	} with_report;
	const with_report *r = hues_result_response(res);
	return r != NULL ? r->report : NULL;
}

static const char *const step_names[] = { "accept", "reject", "acknowledge",
	"start_work", "request_info", "resolve", "return_to_triage", "withdraw",
	"comment", "rate satisfied", "rate neutral", "rate dissatisfied" };

void
fb_must(
    fb_env *e, const char *token, fb_step step, const char *id, int want_state)
{
	hues_result *res;
	int          code = fb_do(e, token, step, id, NULL, &res);
	if (code != HUES_OK) {
		fail_msg("%s of %s: %s %s (%s)", step_names[step], id,
		    hues_status_name(code), hues_result_message(res),
		    hues_result_reason(res));
	}
	const Hues__V1__Report *r = fb_step_report(res);
	assert_non_null(r);
	assert_string_equal(r->id, id);
	if ((int) r->state != want_state) {
		fail_msg("%s of %s: state %d, expected %d", step_names[step],
		    id, r->state, want_state);
	}
	hues_result_free(res);
}

void
fb_advance(fb_env *e, const char *id, int state, const char *officer,
    const char *reporter)
{
	const char *coord = fb_coord(e);
	switch (state) {
	case FB_ST(SUBMITTED): return;
	case FB_ST(WITHDRAWN):
		fb_must(e, reporter, FB_WITHDRAW, id, state);
		return;
	case FB_ST(REJECTED): fb_must(e, coord, FB_REJECT, id, state); return;
	default: break;
	}
	fb_must(e, coord, FB_ACCEPT, id, FB_ST(ACCEPTED));
	if (state == FB_ST(ACCEPTED)) {
		return;
	}
	if (state == FB_ST(RETURNED_TO_TRIAGE)) {
		fb_must(e, officer, FB_RETURN, id, state);
		return;
	}
	fb_must(e, officer, FB_ACKNOWLEDGE, id, FB_ST(ACKNOWLEDGED));
	switch (state) {
	case FB_ST(ACKNOWLEDGED): return;
	case FB_ST(IN_PROGRESS):
		fb_must(e, officer, FB_START_WORK, id, state);
		return;
	case FB_ST(NEED_INFO):
		fb_must(e, officer, FB_REQUEST_INFO, id, state);
		return;
	default: break;
	}
	fb_must(e, officer, FB_RESOLVE, id, FB_ST(RESOLVED));
	switch (state) {
	case FB_ST(RESOLVED): return;
	case FB_ST(CLOSED):
		fb_must(e, reporter, FB_RATE_SATISFIED, id, state);
		return;
	case FB_ST(REOPENED):
		fb_must(e, reporter, FB_RATE_DISSATISFIED, id, state);
		return;
	default: fail_msg("fb_advance: no path to state %d", state);
	}
}

const Hues__V1__Report *
fb_get(fb_env *e, const char *token, const char *id, hues_result **res)
{
	Hues__V1__GetReportRequest r = HUES__V1__GET_REPORT_REQUEST__INIT;
	hues_call_opts             o = fb_as(token);
	r.id                         = (char *) id;
	int code = hues_feedback_get_report(e->c, &r, &o, res);
	if (code != HUES_OK) {
		fail_msg("GetReport %s: %s %s", id, hues_status_name(code),
		    hues_result_message(*res));
	}
	const Hues__V1__GetReportResponse *g =
	    hues_feedback_get_report_response(*res);
	assert_non_null(g->report);
	assert_string_equal(g->report->id, id);
	return g->report;
}

int
fb_state(fb_env *e, const char *id)
{
	hues_result *res;
	int          s = (int) fb_get(e, fb_coord(e), id, &res)->state;
	hues_result_free(res);
	return s;
}

int
fb_list_mine(fb_env *e, const char *token, int page_size,
    const char *page_token, const Hues__V1__ReportState *states,
    size_t nstates, hues_result **res)
{
	Hues__V1__ListMyReportsRequest r =
	    HUES__V1__LIST_MY_REPORTS_REQUEST__INIT;
	hues_call_opts o = fb_as(token);
	r.page_size      = page_size;
	r.page_token     = (char *) page_token;
	r.states         = (Hues__V1__ReportState *) states;
	r.n_states       = nstates;
	return hues_feedback_list_my_reports(e->c, &r, &o, res);
}

void
fb_expect_last_history(
    const Hues__V1__Report *r, int action, int from, int to, int role)
{
	assert_true(r->n_history > 0);
	const Hues__V1__HistoryEntry *h = r->history[r->n_history - 1];
	if ((int) h->action != action || (int) h->from != from ||
	    (int) h->to != to || (int) h->role != role) {
		fail_msg("%s: last history entry action %d %d->%d role %d, "
		         "expected action %d %d->%d role %d",
		    r->id, h->action, h->from, h->to, h->role, action, from, to,
		    role);
	}
	assert_true(h->at > 0);
}

size_t
fb_count_mine(fb_env *e, const char *token)
{
	hues_call_opts o   = fb_as(token);
	char          *tok = strdup("");
	size_t         n   = 0;
	for (int pages = 0;; pages++) {
		assert_true(pages < 1000);
		Hues__V1__ListMyReportsRequest r =
		    HUES__V1__LIST_MY_REPORTS_REQUEST__INIT;
		hues_result *res;
		r.page_size  = 100;
		r.page_token = tok;
		assert_int_equal(
		    hues_feedback_list_my_reports(e->c, &r, &o, &res), HUES_OK);
		const Hues__V1__ListMyReportsResponse *l =
		    hues_feedback_list_my_reports_response(res);
		n += l->n_reports;
		free(tok);
		tok = strdup(l->next_page_token);
		hues_result_free(res);
		if (tok[0] == '\0') {
			break;
		}
	}
	free(tok);
	return n;
}
