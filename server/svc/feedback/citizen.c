/*
 * citizen.c - what a resident does with reports: read one, list hers,
 * withdraw, comment (or answer a question), support, follow, rate.
 * Changes are jobs (mutate.c): checked here, applied on the writer.
 */
#include <string.h>

#include "svc/authz.h"
#include "svc/feedback/convert.h"
#include "svc/feedback/fb.h"
#include "svc/feedback/validate.h"

static char *
text(const char *s)
{
	return (char *) (s != NULL ? s : "");
}

/* ----- GetReport ---------------------------------------------------------- */

/* Loads report seq into the call's memory and applies the caller's view;
 * records NOT_FOUND or the refusal on the call. */
static int
load_view(svc_call *call, fb_service *svc, store_txn *txn, uint64_t seq,
    const char *id, Hues__V1__Report **out)
{
	ProtobufCAllocator pa;
	fb_view            v;
	int                rv;

	fb_call_allocator(call, &pa);
	rv = fb_report_load(txn, &svc->t, seq, &pa, out);
	if (rv == HUES_NOT_FOUND) {
		call_set_reason(call, "NO_REPORT");
		return call_fail(call, rv, "report %s not found", id);
	}
	if (rv != HUES_OK) {
		return call_fail(call, HUES_INTERNAL, "report %s unreadable", id);
	}
	if ((rv = fb_view_for(call, call_principal(call), *out, &v)) != HUES_OK) {
		return rv;
	}
	fb_view_apply(call, *out, v);
	return HUES_OK;
}

int
fb_get_report(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__GetReportRequest *req  = reqp;
	Hues__V1__GetReportResponse      *resp = respp;
	fb_service                       *svc  = call_state(call);
	store_txn                        *txn;
	uint64_t                          seq;
	int                               rv;

	if ((rv = fb_id_require(call, "id", req->id, &seq)) != HUES_OK) {
		return rv;
	}
	if ((rv = fb_read_begin(svc, call, &txn)) != HUES_OK) {
		return rv;
	}
	rv = load_view(call, svc, txn, seq, req->id, &resp->report);
	fb_read_end(svc);
	return rv;
}

/* ----- ListMyReports ------------------------------------------------------ */

/* Report numbers taken from the owners index at a time (owners.c). */
#define MINE_CHUNK 256

/* Whether report seq is in one of the states asked for, from its
 * summary (*ok); HUES_NOT_FOUND when the snapshot has no such report,
 * HUES_DATA_LOSS when its summary is damaged. */
static int
state_wanted(store_txn *txn, const fb_service *svc, uint64_t seq,
    const Hues__V1__ListMyReportsRequest *req, bool *ok)
{
	uint8_t    sv[FB_SUMMARY_MAX + FB_OWNER_MAX];
	size_t     n;
	fb_summary s;
	store_key  k;

	if (req->n_states == 0) {
		*ok = true; /* no filter: no summary to read */
		return HUES_OK;
	}
	store_key_init(&k);
	store_key_u64(&k, seq);
	int rv = store_get(txn, svc->t.time, store_key_data(&k),
	    store_key_len(&k), sv, sizeof(sv), &n);
	if (rv == HUES_NOT_FOUND) {
		return rv; /* the caller knows whether it may be */
	}
	if (rv != HUES_OK || !fb_summary_decode(sv, n, &s)) {
		return HUES_DATA_LOSS;
	}
	*ok = fb_state_wanted(s.state, req->states, req->n_states);
	return HUES_OK;
}

int
fb_list_my_reports(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__ListMyReportsRequest *req  = reqp;
	Hues__V1__ListMyReportsResponse      *resp = respp;
	fb_service                           *svc  = call_state(call);
	const char *user = authz_acting_user(call_principal(call));
	uint32_t    size;
	const void *last;
	size_t      lastn;
	int         rv;

	if (user == NULL) {
		call_set_reason(call, "NO_USER");
		return call_fail(call, HUES_PERMISSION_DENIED,
		    "a service token lists reports only on behalf of a user "
		    "(obo claim)");
	}
	uint32_t h = fb_page_hash(0, req->states,
	    req->n_states * sizeof(*req->states));
	h          = fb_page_hash_str(h, user);
	fb_states_check(call, "states", req->states, req->n_states);
	rv = fb_page_size(call, req->page_size, &size);
	if (fb_page_parse(call, req->page_token, FB_PAGE_MINE, h, &last,
	        &lastn) != HUES_OK ||
	    rv != HUES_OK || call_violation_count(call) > 0) {
		return call_invalid(call);
	}

	uint64_t below = 0;
	if (lastn != 0 && fb_page_seq(call, last, lastn, &below) != HUES_OK) {
		return HUES_INVALID_ARGUMENT;
	}
	/* The numbers come from memory in chunks, the first before the
	 * snapshot: each of those was committed (its hook ran) before the
	 * read began, so its report must be there. A later chunk may name a
	 * report committed since, which the snapshot does not hold: it is
	 * newer than the listing, and skipped. */
	uint64_t seqs[MINE_CHUNK];
	size_t   nseq = fb_owners_list(
	      svc->owners, user, strlen(user), below, seqs, MINE_CHUNK);
	bool first = true;

	store_txn *txn;
	if ((rv = fb_read_begin(svc, call, &txn)) != HUES_OK) {
		return rv;
	}
	resp->reports = call_alloc(call, size * sizeof(*resp->reports));
	ProtobufCAllocator pa;
	fb_call_allocator(call, &pa);
	/* The state filter reads the summary in fb_time, and only the
	 * reports of the page are loaded; the scan stops at the budget like
	 * PublicFeed's (feed.c), so a filter that matches few of a prolific
	 * user's reports costs a bounded call and pages on with a token. */
	uint64_t tail    = 0; /* the last entry handled, returned or not */
	size_t   scanned = 0;
	bool     more = false, done = false;
	int      err     = HUES_OK;
	uint64_t seq     = 0;
	for (size_t i = 0; !done && err == HUES_OK; i++) {
		Hues__V1__Report *rep;
		bool              ok;

		if (i == nseq) {
			if (nseq < MINE_CHUNK) {
				break; /* the user's last */
			}
			nseq  = fb_owners_list(svc->owners, user, strlen(user),
			     seqs[nseq - 1], seqs, MINE_CHUNK);
			first = false;
			i     = 0;
			if (nseq == 0) {
				break;
			}
		}
		seq = seqs[i];
		err = state_wanted(txn, svc, seq, req, &ok);
		if (err == HUES_OK && (++scanned > svc->scan_budget ||
		                          (resp->n_reports == size && ok))) {
			more = tail != 0;
			break;
		}
		if (err == HUES_OK && ok) {
			err = fb_report_load(txn, &svc->t, seq, &pa, &rep);
		}
		if (err == HUES_NOT_FOUND && !first) {
			err = HUES_OK; /* newer than the snapshot */
			continue;
		}
		if (err != HUES_OK) {
			err = err == HUES_NOT_FOUND ? HUES_DATA_LOSS : err;
			break;
		}
		tail = seq;
		if (ok) {
			fb_view_apply(call, rep, FB_VIEW_OWN);
			resp->reports[resp->n_reports++] = rep;
		}
	}
	fb_read_end(svc);
	if (err != HUES_OK) {
		return fb_scan_failed(
		    call, err, "ListMyReports, the user index", seq);
	}
	if (more) {
		resp->next_page_token =
		    fb_page_token(call, FB_PAGE_MINE, h, &tail, sizeof(tail));
	}
	return HUES_OK;
}

/* ----- Withdraw ----------------------------------------------------------- */

static int
apply_withdraw(fb_job *j, store_txn *txn)
{
	const Hues__V1__WithdrawRequest *req = j->req;
	(void) txn;
	return fb_job_transition(j, FEEDBACK_ACTION_WITHDRAW, text(req->reason), "");
}

int
fb_withdraw(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__WithdrawRequest *req = reqp;
	feedback_check_note(call, "reason", FEEDBACK_ACTION_WITHDRAW, req->reason);
	return fb_job_defer(call, call_state(call), req->id, req, respp,
	    AUTHZ_CHANGE, apply_withdraw, fb_fill_report);
}

/* ----- AddComment --------------------------------------------------------- */

static int
apply_comment(fb_job *j, store_txn *txn)
{
	const Hues__V1__AddCommentRequest *req = j->req;
	feedback_state s = (feedback_state) j->rep->state;
	(void) txn;

	j->step_media   = req->media;
	j->n_step_media = req->n_media;
	if (s == FEEDBACK_STATE_NEED_INFO) {
		return fb_job_transition(
		    j, FEEDBACK_ACTION_PROVIDE_INFO, req->text, "");
	}
	if (feedback_state_final(s)) {
		return fb_job_fail(j, HUES_FAILED_PRECONDITION,
		    "ILLEGAL_TRANSITION", "cannot comment on a report that is %s",
		    feedback_state_name(s));
	}
	/* A comment changes no state: one history entry and a word to whoever
	 * has the report now. */
	bool routed = j->rep->agency != NULL && j->rep->agency[0] != '\0' &&
	              s != FEEDBACK_STATE_RETURNED_TO_TRIAGE;
	j->step = (feedback_step) {
	    .to    = s,
	    .entry = {.at = j->now,
	        .role     = j->role,
	        .from     = s,
	        .to       = s,
	        .action   = (feedback_action) HUES__V1__REPORT_ACTION__REPORT_ACTION_COMMENT,
	        .public_note   = req->text,
	        .internal_note = ""},
	    .nevents = 1,
	    .events  = {{(feedback_event_kind) HUES__V1__EVENT_KIND__EVENT_KIND_COMMENTED,
	         routed ? FEEDBACK_AUDIENCE_AGENCY : FEEDBACK_AUDIENCE_CENTRE}},
	};
	j->has_step = true;
	j->note     = req->text;
	return HUES_OK;
}

int
fb_add_comment(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__AddCommentRequest *req = reqp;
	fb_mem                             mem = {fb_call_mem, call};
	feedback_media_input              *m =
	    fb_media_inputs(&mem, req->media, req->n_media);

	feedback_check_text(call, "text", req->text, 1, FEEDBACK_MAX_NOTE, 0);
	feedback_check_media(call, "media", m, req->n_media);
	return fb_job_defer(call, call_state(call), req->id, req, respp,
	    AUTHZ_CHANGE, apply_comment, fb_fill_report);
}

/* ----- Support, Subscribe, Unsubscribe ------------------------------------ */

/* The (report, user) key of a support or a follow. */
static void
key_pair(store_key *k, uint64_t seq, const char *user)
{
	store_key_init(k);
	store_key_u64(k, seq);
	store_key_str(k, user, strlen(user));
}

static int
apply_support(fb_job *j, store_txn *txn)
{
	store_key k;
	int       rv;

	key_pair(&k, j->seq, authz_acting_user(j->who));
	rv = store_has(txn, j->svc->t.support, store_key_data(&k),
	    store_key_len(&k));
	if (rv == HUES_OK) {
		j->flag    = true; /* already counted */
		j->count   = j->rep->supporters;
		j->no_save = true;
		return HUES_OK;
	}
	if ((rv = store_put(txn, j->svc->t.support, store_key_data(&k),
	         store_key_len(&k), "", 0, 0)) != HUES_OK) {
		return rv;
	}
	j->count = ++j->rep->supporters;
	return HUES_OK;
}

static void
fill_support(fb_job *j, void *respp, Hues__V1__Report *view)
{
	Hues__V1__SupportResponse *resp = respp;
	(void) view;
	resp->supporters = j->count;
	resp->already    = j->flag;
}

int
fb_support(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__SupportRequest *req = reqp;
	if (authz_acting_user(call_principal(call)) == NULL) {
		call_set_reason(call, "NO_USER");
		return call_fail(call, HUES_PERMISSION_DENIED,
		    "a service token supports only on behalf of a user");
	}
	return fb_job_defer(call, call_state(call), req->id, req, respp,
	    FB_AUTHZ_READABLE, apply_support, fill_support);
}

/* Follows (on true) or unfollows; j->count gets the followers. */
static int
follow(fb_job *j, store_txn *txn, bool on)
{
	store_key k;
	int       rv;

	key_pair(&k, j->seq, authz_acting_user(j->who));
	rv = store_has(txn, j->svc->t.follow, store_key_data(&k),
	    store_key_len(&k));
	if ((rv == HUES_OK) == on) {
		j->count   = j->rep->followers; /* nothing changes */
		j->no_save = true;
		return HUES_OK;
	}
	if (on) {
		rv = store_put(txn, j->svc->t.follow, store_key_data(&k),
		    store_key_len(&k), "", 0, 0);
		j->rep->followers++;
	} else {
		rv = store_del(txn, j->svc->t.follow, store_key_data(&k),
		    store_key_len(&k));
		if (j->rep->followers > 0) {
			j->rep->followers--;
		}
	}
	j->count = j->rep->followers;
	return rv;
}

static int
apply_subscribe(fb_job *j, store_txn *txn)
{
	return follow(j, txn, true);
}

static int
apply_unsubscribe(fb_job *j, store_txn *txn)
{
	return follow(j, txn, false);
}

static void
fill_followers(fb_job *j, void *respp, Hues__V1__Report *view)
{
	/* Subscribe and Unsubscribe responses are alike. */
	Hues__V1__SubscribeResponse *resp = respp;
	(void) view;
	resp->followers = j->count;
}

_Static_assert(offsetof(Hues__V1__SubscribeResponse, followers) ==
                   offsetof(Hues__V1__UnsubscribeResponse, followers),
    "Subscribe and Unsubscribe responses are alike");

static int
follow_call(svc_call *call, const char *id, const void *req, void *resp,
    fb_apply_fn apply)
{
	if (authz_acting_user(call_principal(call)) == NULL) {
		call_set_reason(call, "NO_USER");
		return call_fail(call, HUES_PERMISSION_DENIED,
		    "a service token follows only on behalf of a user");
	}
	return fb_job_defer(call, call_state(call), id, req, resp,
	    FB_AUTHZ_READABLE, apply, fill_followers);
}

int
fb_subscribe(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__SubscribeRequest *req = reqp;
	return follow_call(call, req->id, req, respp, apply_subscribe);
}

int
fb_unsubscribe(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__UnsubscribeRequest *req = reqp;
	return follow_call(call, req->id, req, respp, apply_unsubscribe);
}

/* ----- Rate --------------------------------------------------------------- */

/* New deadlines for a reopened report, from now, by its category. */
static int
reopen_deadlines(fb_job *j)
{
	fb_service             *svc = j->svc;
	const feedback_catalog *cat = fb_catalog_hold(svc);
	const feedback_category *c =
	    feedback_catalog_category(cat, j->rep->category);
	uint32_t ack  = c != NULL ? feedback_category_ack_minutes(c)
	                          : FEEDBACK_DEFAULT_ACK_MINUTES;
	uint32_t days = c != NULL ? feedback_category_resolve_days(c)
	                          : FEEDBACK_DEFAULT_RESOLVE_DAYS;
	fb_catalog_release(svc);

	int64_t by;
	if (feedback_resolve_by(svc->cal, j->now, days, &by) != HUES_OK) {
		return fb_job_fail(j, HUES_INTERNAL, NULL, "no new deadline");
	}
	j->rep->acknowledge_by  = feedback_ack_by(j->now, ack);
	j->rep->resolve_by      = by;
	j->rep->acknowledged_at = 0;
	j->rep->resolved_at     = 0;
	j->rep->reopen_count++;
	return HUES_OK;
}

static int
apply_rate(fb_job *j, store_txn *txn)
{
	const Hues__V1__RateRequest *req = j->req;
	feedback_action              act;
	int                          rv;
	(void) txn;

	if (j->rep->state != HUES__V1__REPORT_STATE__REPORT_STATE_RESOLVED) {
		return fb_job_fail(j, HUES_FAILED_PRECONDITION,
		    "ILLEGAL_TRANSITION", "cannot rate a report that is %s",
		    feedback_state_name((feedback_state) j->rep->state));
	}
	rv = feedback_rating_action(req->rating, j->rep->resolved_at, j->now,
	    j->svc->rating_window_s, &act);
	if (rv != HUES_OK) {
		return fb_job_fail(j, rv, NULL, "not a rating");
	}
	if ((rv = fb_job_transition(j, act, text(req->comment), "")) != HUES_OK) {
		return rv;
	}
	Hues__V1__ReportRating *rt = fb_job_alloc(j, sizeof(*rt));
	hues__v1__report_rating__init(rt);
	rt->rating     = req->rating;
	rt->comment    = text(req->comment);
	rt->at         = j->now;
	j->rep->rating = rt;
	if (act == FEEDBACK_ACTION_REOPEN) {
		return reopen_deadlines(j);
	}
	j->rep->closed_at = j->now;
	return HUES_OK;
}

int
fb_rate(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__RateRequest *req = reqp;

	if ((int) req->rating < FEEDBACK_RATING_SATISFIED ||
	    (int) req->rating > FEEDBACK_RATING_DISSATISFIED) {
		call_violation(call, "rating", "satisfied, neutral or dissatisfied");
	}
	feedback_check_text(call, "comment", req->comment, 0,
	    FEEDBACK_MAX_RATING_COMMENT, 0);
	return fb_job_defer(call, call_state(call), req->id, req, respp,
	    AUTHZ_CHANGE, apply_rate, fb_fill_report);
}
