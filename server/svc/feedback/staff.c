/*
 * staff.c - the centre's triage and the agency's work on a report:
 * accept (routing), reject, mark duplicate; acknowledge, start work,
 * request information, extend the deadline, resolve, return to triage.
 * Each is a job (mutate.c): the request is checked here, the state
 * machine and the record are consulted on the writer.
 */
#include <string.h>

#include "svc/authz.h"
#include "svc/feedback/convert.h"
#include "svc/feedback/fb.h"
#include "svc/feedback/text.h"
#include "svc/feedback/validate.h"

static const char *
text(const char *s)
{
	return s != NULL ? s : "";
}

static bool
set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* ----- Triage ------------------------------------------------------------- */

/* Recategorises j->rep to code: its deadlines become the new category's,
 * counted from the submission. */
static int
recategorise(fb_job *j, const feedback_category *c)
{
	int64_t by;
	if (feedback_resolve_by(j->svc->cal, j->rep->submitted_at,
	        feedback_category_resolve_days(c), &by) != HUES_OK) {
		return fb_job_fail(j, HUES_INTERNAL, NULL, "no deadline");
	}
	j->rep->category       = fb_job_strdup(j, c->code);
	j->rep->acknowledge_by = feedback_ack_by(
	    j->rep->submitted_at, feedback_category_ack_minutes(c));
	j->rep->resolve_by = by;
	return HUES_OK;
}

/* Category and agency of an accept, checked against the catalog as it is
 * now (an admin may have changed it since the worker looked). */
static int
route(fb_job *j, const Hues__V1__TriageRequest *req)
{
	const feedback_catalog  *cat = fb_catalog_hold(j->svc);
	const feedback_category *c   = NULL;
	const feedback_agency   *a   = NULL;
	const char *ward = j->rep->location != NULL ? j->rep->location->ward_code
	                                            : NULL;
	int         rv   = HUES_OK;

	if (set(req->category)) {
		c = feedback_catalog_category(cat, req->category);
		if (c == NULL || !c->active) {
			rv = fb_job_fail(j, HUES_FAILED_PRECONDITION, "NO_CATEGORY",
			    "category %s is unknown or inactive", req->category);
		} else if (strcmp(c->code, j->rep->category) != 0) {
			rv = recategorise(j, c);
		}
	}
	if (rv == HUES_OK && set(req->agency)) {
		a = feedback_catalog_agency(cat, req->agency);
		if (a == NULL || !a->active) {
			rv = fb_job_fail(j, HUES_FAILED_PRECONDITION, "NO_AGENCY",
			    "agency %s is unknown or inactive", req->agency);
		}
	} else if (rv == HUES_OK &&
	           feedback_catalog_route(cat, j->rep->category, ward, &a) !=
	               HUES_OK) {
		rv = fb_job_fail(j, HUES_FAILED_PRECONDITION, "NO_ROUTE",
		    "no agency is in charge of %s here; name one in agency",
		    j->rep->category);
	}
	if (rv == HUES_OK) {
		j->rep->agency = fb_job_strdup(j, a->id);
	}
	fb_catalog_release(j->svc);
	return rv;
}

/* The report a duplicate repeats: published, and not this one. */
static int
check_original(fb_job *j, store_txn *txn, const char *id)
{
	ProtobufCAllocator pa;
	Hues__V1__Report  *orig;
	uint64_t           seq;

	fb_id_parse(id, &seq); /* checked on the worker */
	arena_protobuf_allocator(&j->wa, &pa);
	if (fb_report_load(txn, &j->svc->t, seq, &pa, &orig) != HUES_OK) {
		return fb_job_fail(j, HUES_NOT_FOUND, "NO_REPORT",
		    "report %s (duplicate_of) not found", id);
	}
	if (!orig->published) {
		return fb_job_fail(j, HUES_FAILED_PRECONDITION, "NOT_PUBLISHED",
		    "report %s is not published: a duplicate repeats an accepted "
		    "report",
		    id);
	}
	return HUES_OK;
}

static int
apply_triage(fb_job *j, store_txn *txn)
{
	const Hues__V1__TriageRequest *req = j->req;
	int                            rv  = HUES_OK;

	switch (req->decision) {
	case HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT:
		rv = fb_job_transition(j, FEEDBACK_ACTION_ACCEPT,
		    text(req->public_note), text(req->internal_note));
		if (rv == HUES_OK) {
			rv = route(j, req);
		}
		break;
	case HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_REJECT:
		rv = fb_job_transition(j, FEEDBACK_ACTION_REJECT,
		    text(req->public_note), text(req->internal_note));
		break;
	default:
		rv = fb_job_transition(j, FEEDBACK_ACTION_MARK_DUPLICATE,
		    text(req->public_note), text(req->internal_note));
		if (rv == HUES_OK) {
			rv = check_original(j, txn, req->duplicate_of);
		}
		if (rv == HUES_OK) {
			j->rep->duplicate_of = (char *) req->duplicate_of;
		}
		break;
	}
	if (rv == HUES_OK && req->urgency != 0) {
		j->rep->urgency = req->urgency;
	}
	return rv;
}

int
fb_triage(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__TriageRequest *req = reqp;
	uint64_t                       seq, dup;

	switch (req->decision) {
	case HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT: break;
	case HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_REJECT:
		feedback_check_note(call, "public_note", FEEDBACK_ACTION_REJECT,
		    req->public_note);
		break;
	case HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_DUPLICATE:
		if (!fb_id_parse(req->duplicate_of, &dup)) {
			call_violation(call, "duplicate_of",
			    "the id of the report this one repeats");
		} else if (fb_id_parse(req->id, &seq) && seq == dup) {
			call_violation(call, "duplicate_of", "is the report itself");
		}
		break;
	default:
		call_violation(call, "decision", "accept, reject or duplicate");
		break;
	}
	if (req->decision != HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_REJECT) {
		feedback_check_text(
		    call, "public_note", req->public_note, 0, FEEDBACK_MAX_NOTE, 0);
	}
	feedback_check_text(
	    call, "internal_note", req->internal_note, 0, FEEDBACK_MAX_NOTE, 0);
	if ((int) req->urgency < 0 ||
	    req->urgency > HUES__V1__URGENCY__URGENCY_EMERGENCY) {
		call_violation(call, "urgency", "not an urgency");
	}
	feedback_check_text(call, "agency", req->agency, 0, FEEDBACK_MAX_CODE,
	    FEEDBACK_TEXT_SINGLE_LINE);
	feedback_check_text(call, "category", req->category, 0,
	    FEEDBACK_MAX_CODE, FEEDBACK_TEXT_SINGLE_LINE);
	return fb_job_defer(call, call_state(call), req->id, req, respp,
	    AUTHZ_ROUTE, apply_triage, fb_fill_report);
}

/* ----- the agency's steps ------------------------------------------------- */

static int
apply_acknowledge(fb_job *j, store_txn *txn)
{
	const Hues__V1__AcknowledgeRequest *req = j->req;
	(void) txn;
	int rv = fb_job_transition(j, FEEDBACK_ACTION_ACKNOWLEDGE,
	    text(req->public_note), text(req->internal_note));
	if (rv == HUES_OK) {
		j->rep->acknowledged_at = j->now;
	}
	return rv;
}

static int
apply_start(fb_job *j, store_txn *txn)
{
	const Hues__V1__StartWorkRequest *req = j->req;
	(void) txn;
	return fb_job_transition(j, FEEDBACK_ACTION_START_WORK,
	    text(req->public_note), text(req->internal_note));
}

static int
apply_request_info(fb_job *j, store_txn *txn)
{
	const Hues__V1__RequestInfoRequest *req = j->req;
	(void) txn;
	return fb_job_transition(j, FEEDBACK_ACTION_REQUEST_INFO, req->question,
	    text(req->internal_note));
}

static int
apply_resolve(fb_job *j, store_txn *txn)
{
	const Hues__V1__ResolveRequest *req = j->req;
	(void) txn;
	int rv = fb_job_transition(j, FEEDBACK_ACTION_RESOLVE, req->answer,
	    text(req->internal_note));
	if (rv == HUES_OK) {
		j->rep->answer         = req->answer;
		j->rep->answer_media   = req->proof;
		j->rep->n_answer_media = req->n_proof;
		j->rep->resolved_at    = j->now;
		j->step_media          = req->proof;
		j->n_step_media        = req->n_proof;
	}
	return rv;
}

static int
apply_return(fb_job *j, store_txn *txn)
{
	const Hues__V1__ReturnToTriageRequest *req = j->req;
	(void) txn;
	return fb_job_transition(j, FEEDBACK_ACTION_RETURN_TO_TRIAGE,
	    req->reason, text(req->internal_note));
}

static int
apply_extend(fb_job *j, store_txn *txn)
{
	const Hues__V1__ExtendDeadlineRequest *req = j->req;
	feedback_day                           day;
	feedback_extension                     ext;
	int                                    rv;
	(void) txn;

	feedback_day_parse(req->new_date, &day); /* checked on the worker */
	if ((rv = fb_job_transition(j, FEEDBACK_ACTION_EXTEND_DEADLINE,
	         req->reason, text(req->internal_note))) != HUES_OK) {
		return rv;
	}
	feedback_sla sla = {j->rep->acknowledge_by, j->rep->resolve_by,
	    j->rep->acknowledged_at, j->rep->resolved_at};
	rv = feedback_extend(j->svc->cal, &sla, j->now, day, req->reason,
	    j->rep->n_extensions, &ext);
	if (rv == HUES_FAILED_PRECONDITION) {
		return fb_job_fail(j, rv, "TOO_MANY_EXTENSIONS",
		    "this report's deadline was extended %d times already",
		    FEEDBACK_MAX_EXTENSIONS);
	}
	if (rv != HUES_OK) {
		j->field = "new_date";
		return fb_job_fail(j, rv, "BAD_DATE",
		    "new_date must be after the current deadline and today, and "
		    "at most %d working days away",
		    FEEDBACK_MAX_RESOLVE_DAYS);
	}
	Hues__V1__DeadlineExtension *e = fb_job_alloc(j, sizeof(*e));
	Hues__V1__DeadlineExtension **v =
	    fb_job_alloc(j, (j->rep->n_extensions + 1) * sizeof(*v));
	const char *actor = authz_acting_user(j->who);
	hues__v1__deadline_extension__init(e);
	e->at             = ext.at;
	e->old_resolve_by = ext.old_resolve_by;
	e->new_resolve_by = ext.new_resolve_by;
	e->reason         = (char *) req->reason;
	e->actor          = (char *) text(actor);
	if (j->rep->n_extensions > 0) {
		memcpy(v, j->rep->extensions, j->rep->n_extensions * sizeof(*v));
	}
	v[j->rep->n_extensions++] = e;
	j->rep->extensions        = v;
	j->rep->resolve_by        = ext.new_resolve_by;
	return HUES_OK;
}

static void
check_notes(svc_call *call, feedback_action act, const char *field,
    const char *note, const char *internal)
{
	feedback_check_note(call, field, act, note);
	feedback_check_text(
	    call, "internal_note", internal, 0, FEEDBACK_MAX_NOTE, 0);
}

static int
work(svc_call *call, const char *id, const void *req, void *resp,
    fb_apply_fn apply)
{
	return fb_job_defer(call, call_state(call), id, req, resp, AUTHZ_WORK,
	    apply, fb_fill_report);
}

int
fb_acknowledge(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__AcknowledgeRequest *req = reqp;
	check_notes(call, FEEDBACK_ACTION_ACKNOWLEDGE, "public_note",
	    req->public_note, req->internal_note);
	return work(call, req->id, req, respp, apply_acknowledge);
}

int
fb_start_work(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__StartWorkRequest *req = reqp;
	check_notes(call, FEEDBACK_ACTION_START_WORK, "public_note",
	    req->public_note, req->internal_note);
	return work(call, req->id, req, respp, apply_start);
}

int
fb_request_info(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__RequestInfoRequest *req = reqp;
	check_notes(call, FEEDBACK_ACTION_REQUEST_INFO, "question",
	    req->question, req->internal_note);
	return work(call, req->id, req, respp, apply_request_info);
}

int
fb_extend_deadline(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__ExtendDeadlineRequest *req = reqp;
	feedback_day                           day;

	if (feedback_day_parse(text(req->new_date), &day) != HUES_OK) {
		call_violation(call, "new_date", "a date YYYY-MM-DD");
	}
	check_notes(call, FEEDBACK_ACTION_EXTEND_DEADLINE, "reason", req->reason,
	    req->internal_note);
	return work(call, req->id, req, respp, apply_extend);
}

int
fb_resolve(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__ResolveRequest *req = reqp;
	fb_mem                          mem = {fb_call_mem, call};
	feedback_media_input           *m =
	    fb_media_inputs(&mem, req->proof, req->n_proof);

	check_notes(call, FEEDBACK_ACTION_RESOLVE, "answer", req->answer,
	    req->internal_note);
	feedback_check_media(call, "proof", m, req->n_proof);
	return work(call, req->id, req, respp, apply_resolve);
}

int
fb_return_to_triage(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__ReturnToTriageRequest *req = reqp;
	check_notes(call, FEEDBACK_ACTION_RETURN_TO_TRIAGE, "reason",
	    req->reason, req->internal_note);
	return work(call, req->id, req, respp, apply_return);
}
