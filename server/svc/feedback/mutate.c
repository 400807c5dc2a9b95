/*
 * mutate.c - the deferred change of one report. The handler checks its
 * request on the worker and defers a job; on the writer thread the job
 * loads the report inside the write transaction, checks the caller's
 * rights on it and lets the method change it, then appends the history
 * entry, saves the record with its indexes and writes the outbox events,
 * all in the one transaction. The worker then unpacks the saved record
 * into the call's memory and answers with the caller's view of it.
 *
 * The writer side allocates from the job's own arena, never from the
 * call's: the call belongs to the worker.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "svc/authz.h"
#include "svc/feedback/fb.h"
#include "svc/write.h"

int
fb_job_fail(fb_job *j, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->msg, sizeof(j->msg), fmt, ap);
	va_end(ap);
	j->reason = reason;
	return code;
}

void *
fb_job_alloc(fb_job *j, size_t n)
{
	return arena_alloc(&j->wa, n);
}

char *
fb_job_strdup(fb_job *j, const char *s)
{
	return arena_strdup(&j->wa, s != NULL ? s : "");
}

int
fb_job_transition(fb_job *j, feedback_action act, const char *public_note,
    const char *internal_note)
{
	feedback_state from = (feedback_state) j->rep->state;
	int rc = feedback_transition(from, act, j->role, j->now, public_note,
	    internal_note, &j->step);

	if (rc == HUES_PERMISSION_DENIED) {
		return fb_job_fail(j, rc, "ROLE_NOT_ALLOWED",
		    "the %s may not %s a report that is %s",
		    feedback_role_name(j->role), feedback_action_name(act),
		    feedback_state_name(from));
	}
	if (rc != HUES_OK) {
		return fb_job_fail(j, rc, "ILLEGAL_TRANSITION",
		    "cannot %s a report that is %s", feedback_action_name(act),
		    feedback_state_name(from));
	}
	j->has_step = true;
	j->note     = public_note;
	return HUES_OK;
}

void
fb_authz_object(const Hues__V1__Report *r, authz_object *out)
{
	*out = (authz_object) {
	    .owner     = r->reporter != NULL && r->reporter[0] != '\0'
	                     ? r->reporter
	                     : NULL,
	    .agency    = r->agency != NULL && r->agency[0] != '\0' ? r->agency
	                                                           : NULL,
	    .published = r->published,
	};
}

/* Appends the step's history entry to the report. */
static int
append_history(fb_job *j)
{
	Hues__V1__Report       *r = j->rep;
	const feedback_history *h = &j->step.entry;
	Hues__V1__HistoryEntry *e = fb_job_alloc(j, sizeof(*e));
	Hues__V1__HistoryEntry **v =
	    fb_job_alloc(j, (r->n_history + 1) * sizeof(*v));
	const char *actor = authz_acting_user(j->who);

	if (e == NULL || v == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	hues__v1__history_entry__init(e);
	e->at            = h->at;
	e->role          = (Hues__V1__ActorRole) h->role;
	e->actor         = (char *) (actor != NULL ? actor : "");
	e->from          = (Hues__V1__ReportState) h->from;
	e->to            = (Hues__V1__ReportState) h->to;
	e->action        = (Hues__V1__ReportAction) h->action;
	e->public_note   = (char *) h->public_note;
	e->internal_note = (char *) h->internal_note;
	e->media         = (Hues__V1__MediaRef **) j->step_media;
	e->n_media       = j->n_step_media;
	if (r->n_history > 0) {
		memcpy(v, r->history, r->n_history * sizeof(*v));
	}
	v[r->n_history++] = e;
	r->history        = v;
	r->state          = (Hues__V1__ReportState) j->step.to;
	return HUES_OK;
}

/* The refusal of authz_check(), worded as authz_require() words it. */
static int
deny(fb_job *j, int rv)
{
	const svc_principal *p = j->who;

	if (rv == HUES_UNAUTHENTICATED) {
		return fb_job_fail(
		    j, rv, "TOKEN_MISSING", "this needs a bearer token");
	}
	if (authz_acting_user(p) == NULL) {
		return fb_job_fail(j, rv, "NO_USER",
		    "a service token acts on objects only on behalf of a user "
		    "(obo claim)");
	}
	switch (p->role) {
	case SVC_ROLE_CITIZEN:
	case SVC_ROLE_SERVICE:
		return fb_job_fail(
		    j, rv, "NOT_OWNER", "this belongs to another user");
	case SVC_ROLE_OFFICER:
		return fb_job_fail(j, rv, "OTHER_AGENCY",
		    "this is not routed to your agency");
	default:
		return fb_job_fail(
		    j, rv, "ROLE_NOT_ALLOWED", "your role may not do this");
	}
}

static int
job_fn(store_txn *txn, void *arg)
{
	fb_job            *j = arg;
	ProtobufCAllocator pa;
	fb_summary         old;
	authz_object       obj;
	int                rv;

	/* The store may run a batch again after growing its map. */
	arena_reset(&j->wa);
	j->rep = NULL;
	j->has_step = false;
	j->note     = NULL;
	j->msg[0]   = '\0';
	j->reason   = NULL;
	j->field    = NULL;
	j->count    = 0;
	j->flag     = false;
	arena_protobuf_allocator(&j->wa, &pa);

	rv = fb_report_load(txn, &j->svc->t, j->seq, &pa, &j->rep);
	if (rv == HUES_NOT_FOUND) {
		char id[FB_ID_LEN + 1];
		fb_id_format(j->seq, id);
		return fb_job_fail(j, rv, "NO_REPORT", "report %s not found", id);
	}
	if (rv != HUES_OK) {
		return fb_job_fail(j, rv, NULL, "reading the report failed");
	}
	fb_authz_object(j->rep, &obj);
	if (j->authz == FB_AUTHZ_SYSTEM) {
		rv = HUES_OK;
	} else if (j->authz == FB_AUTHZ_READABLE) {
		/* Support and follow: a published report, or one's own. */
		rv = obj.published ? HUES_OK
		                   : authz_check(j->who, AUTHZ_CHANGE, &obj);
	} else {
		rv = authz_check(j->who, (authz_action) j->authz, &obj);
	}
	if (rv != HUES_OK) {
		return deny(j, rv);
	}
	fb_summary_of(j->rep, j->seq, &old);
	/* old borrows the record's strings, which apply may replace but
	 * never frees: the arena keeps them until the job ends. */
	if ((rv = j->apply(j, txn)) != HUES_OK) {
		return rv;
	}
	if (j->no_save) {
		return HUES_OK;
	}
	if (j->has_step && (rv = append_history(j)) != HUES_OK) {
		return rv;
	}
	/* Published from acceptance on, while the report is the agency's
	 * or answered; not while it waits for the centre or after a refusal
	 * (docs/feedback.md, "Views"). */
	j->rep->published  = fb_state_published(j->rep->state);
	j->rep->updated_at = j->now;
	rv = fb_report_save(txn, j->svc, j->seq, j->rep, NULL, &old, NULL, &j->wa,
	    &j->out, &j->out_len);
	if (rv == HUES_OK && j->has_step) {
		rv = fb_outbox_emit(txn, j->svc, j->rep, &j->step, j->note, j->now);
	}
	return rv;
}

/* On the worker, once the write committed or failed. */
static int
job_after(svc_call *call, int code, void *arg)
{
	fb_job            *j = arg;
	ProtobufCAllocator pa;
	int                rv = code;

	if (code != HUES_OK) {
		if (j->reason != NULL) {
			call_set_reason(call, j->reason);
		}
		if (j->field != NULL && code == HUES_INVALID_ARGUMENT) {
			call_violation(call, j->field, "%s", j->msg);
			rv = call_invalid(call);
		} else if (j->msg[0] != '\0') {
			rv = call_fail(call, code, "%s", j->msg);
		} else {
			rv = call_fail(call, code, "the change was not saved: %s",
			    hues_status_name(code));
		}
		arena_fini(&j->wa);
		return rv;
	}
	Hues__V1__Report *view = NULL;
	if (j->out != NULL) {
		fb_call_allocator(call, &pa);
		view = hues__v1__report__unpack(&pa, j->out_len, j->out);
	}
	arena_fini(&j->wa);
	if (j->out != NULL && view == NULL) {
		return call_fail(call, HUES_INTERNAL, "saved report unreadable");
	}
	if (view != NULL) {
		/* The caller changed it, so she may read it: the refusal
		 * cannot happen, and would show the public view. */
		fb_view v = FB_VIEW_PUBLIC;
		(void) fb_view_for(call, call_principal(call), view, &v);
		fb_view_apply(call, view, v);
	}
	j->fill(j, j->resp, view);
	return HUES_OK;
}

int
fb_job_defer(svc_call *call, fb_service *svc, const char *id,
    const void *req, void *resp, int authz, fb_apply_fn apply,
    fb_fill_fn fill)
{
	uint64_t seq;
	int      rv;

	if ((rv = fb_id_require(call, "id", id, &seq)) != HUES_OK) {
		return rv;
	}
	if (call_violation_count(call) > 0) {
		return call_invalid(call);
	}
	fb_job *j = call_alloc(call, sizeof(*j));
	*j        = (fb_job) {
	           .svc   = svc,
	           .who   = call_principal(call),
	           .role  = feedback_role_of(call_principal(call)),
	           .seq   = seq,
	           .now   = clock_unix_s(),
	           .req   = req,
	           .resp  = resp,
	           .apply = apply,
	           .fill  = fill,
	           .authz = authz,
        };
	arena_init(&j->wa, 16384);
	rv = call_defer_write(call, svc->st, job_fn, j, job_after);
	if (rv != HUES_OK) {
		arena_fini(&j->wa);
	}
	return rv;
}

void
fb_fill_report(fb_job *j, void *resp, Hues__V1__Report *view)
{
	/* Every response of a change of one report starts with
	 * "Report report = 1" (checked by the method table). */
	struct {
		ProtobufCMessage  base;
		Hues__V1__Report *report;
	} *r = resp;
	(void) j;
	r->report = view;
}

int
fb_job_run(fb_job *j, store *st)
{
	arena_init(&j->wa, 16384);
	int rv = store_write(st, job_fn, j);
	arena_fini(&j->wa);
	return rv;
}
