/*
 * view.c - what each caller may see of a report (docs/feedback.md,
 * "Views"): coordinators and admins everything; the reporter her report
 * without internal notes or staff names; officers no reporter; the
 * public neither the reporter, nor any actor, nor internal notes, nor the
 * private exchange between the agency and the reporter.
 */
#include <string.h>

#include "svc/authz.h"
#include "svc/feedback/fb.h"

static char empty[] = "";

static int
decide(svc_call *call, const svc_principal *p, const Hues__V1__Report *r)
{
	authz_object obj;
	const char  *user = authz_acting_user(p);

	fb_authz_object(r, &obj);
	if (p->role == SVC_ROLE_COORDINATOR || p->role == SVC_ROLE_ADMIN) {
		return FB_VIEW_FULL;
	}
	if (user != NULL && obj.owner != NULL && strcmp(user, obj.owner) == 0 &&
	    (p->role == SVC_ROLE_CITIZEN || p->role == SVC_ROLE_SERVICE)) {
		return FB_VIEW_OWN;
	}
	if (p->role == SVC_ROLE_OFFICER && p->agency != NULL &&
	    obj.agency != NULL && strcmp(p->agency, obj.agency) == 0) {
		return FB_VIEW_OFFICER;
	}
	if (obj.published) {
		return FB_VIEW_PUBLIC;
	}
	/* Records the refusal with its reason; READ is never allowed here
	 * (the cases above are every reader of an unpublished report). */
	int rv = authz_require(call, AUTHZ_READ, &obj);
	return rv == HUES_OK ? FB_VIEW_PUBLIC : -rv;
}

int
fb_view_for(svc_call *call, const svc_principal *p, const Hues__V1__Report *r,
    fb_view *out)
{
	int v = decide(call, p, r);
	if (v < 0) {
		return -v;
	}
	*out = (fb_view) v;
	return HUES_OK;
}

static bool
private_exchange(Hues__V1__ReportAction a)
{
	return a == HUES__V1__REPORT_ACTION__REPORT_ACTION_REQUEST_INFO ||
	       a == HUES__V1__REPORT_ACTION__REPORT_ACTION_PROVIDE_INFO ||
	       a == HUES__V1__REPORT_ACTION__REPORT_ACTION_COMMENT;
}

void
fb_view_apply(svc_call *call, Hues__V1__Report *r, fb_view v)
{
	(void) call;
	if (v == FB_VIEW_FULL) {
		return;
	}
	if (v != FB_VIEW_OWN) {
		r->reporter = empty;
	}
	for (size_t i = 0; i < r->n_history; i++) {
		Hues__V1__HistoryEntry *e = r->history[i];
		bool by_reporter =
		    e->role == HUES__V1__ACTOR_ROLE__ACTOR_ROLE_REPORTER;

		switch (v) {
		case FB_VIEW_OWN:
			e->internal_note = empty;
			if (!by_reporter) {
				e->actor = empty;
			}
			break;
		case FB_VIEW_OFFICER:
			if (by_reporter) {
				e->actor = empty;
			}
			break;
		default:
			e->actor         = empty;
			e->internal_note = empty;
			if (private_exchange(e->action)) {
				e->public_note = empty;
				e->n_media     = 0;
			}
			break;
		}
	}
	if (v != FB_VIEW_OFFICER) {
		for (size_t i = 0; i < r->n_extensions; i++) {
			r->extensions[i]->actor = empty;
		}
	}
	if (v == FB_VIEW_PUBLIC && r->rating != NULL) {
		r->rating->comment = empty;
	}
}
