/*
 * state.c - the report state machine: one row per legal (from, action,
 * role), with the state it leads to and who hears about it. Anything
 * without a row is illegal; tests/unit/svc/feedback/state_test.c holds the
 * same table written out, so a row added here without its test fails.
 */
#include "svc/feedback/state.h"

#include "hues/v1/feedback.pb-c.h"

/* The C enums travel on the wire by cast: keep the numbers in step. */
_Static_assert((int) FEEDBACK_STATE_RETURNED_TO_TRIAGE ==
                   HUES__V1__REPORT_STATE__REPORT_STATE_RETURNED_TO_TRIAGE,
    "feedback_state and hues.v1.ReportState differ");
_Static_assert((int) FEEDBACK_STATE_RESOLVED ==
                   HUES__V1__REPORT_STATE__REPORT_STATE_RESOLVED,
    "feedback_state and hues.v1.ReportState differ");
_Static_assert((int) FEEDBACK_ACTION_RETURN_TO_TRIAGE ==
                   HUES__V1__REPORT_ACTION__REPORT_ACTION_RETURN_TO_TRIAGE,
    "feedback_action and hues.v1.ReportAction differ");
_Static_assert((int) FEEDBACK_ACTION_EXTEND_DEADLINE ==
                   HUES__V1__REPORT_ACTION__REPORT_ACTION_EXTEND_DEADLINE,
    "feedback_action and hues.v1.ReportAction differ");
_Static_assert(
    (int) FEEDBACK_ROLE_SYSTEM == HUES__V1__ACTOR_ROLE__ACTOR_ROLE_SYSTEM,
    "feedback_role and hues.v1.ActorRole differ");
_Static_assert((int) FEEDBACK_EVENT_RETURNED_TO_TRIAGE ==
                   HUES__V1__EVENT_KIND__EVENT_KIND_RETURNED_TO_TRIAGE,
    "feedback_event_kind and hues.v1.EventKind differ");
_Static_assert(
    (int) FEEDBACK_AUDIENCE_CENTRE == HUES__V1__AUDIENCE__AUDIENCE_CENTRE,
    "feedback_audience and hues.v1.Audience differ");
_Static_assert(
    (int) FEEDBACK_RATING_DISSATISFIED == HUES__V1__RATING__RATING_DISSATISFIED,
    "feedback_rating and hues.v1.Rating differ");

/* Audience bits of a row, expanded in this order into events. */
enum {
	TO_REPORTER  = 1u << 0,
	TO_FOLLOWERS = 1u << 1,
	TO_AGENCY    = 1u << 2,
	TO_CENTRE    = 1u << 3,
};

/* Row flags. */
enum { NOTE = 1u << 0 };

typedef struct row {
	feedback_state      from;
	feedback_action     act;
	feedback_role       role;
	feedback_state      to;
	feedback_event_kind event;
	unsigned            audience;
	unsigned            flags;
} row;

#define S(x)  FEEDBACK_STATE_##x
#define A(x)  FEEDBACK_ACTION_##x
#define R(x)  FEEDBACK_ROLE_##x
#define EV(x) FEEDBACK_EVENT_##x

/* The followers hear what the public may see: every change of a
 * published report except the exchanges between agency and reporter. */
static const row rows[] = {
	{ S(NONE), A(SUBMIT), R(REPORTER), S(SUBMITTED), EV(SUBMITTED),
	    TO_REPORTER | TO_CENTRE, 0 },

	/* Triage by the centre, first time or after the agency gave it back. */
	{ S(SUBMITTED), A(ACCEPT), R(COORDINATOR), S(ACCEPTED), EV(ACCEPTED),
	    TO_REPORTER | TO_FOLLOWERS | TO_AGENCY, 0 },
	{ S(SUBMITTED), A(REJECT), R(COORDINATOR), S(REJECTED), EV(REJECTED),
	    TO_REPORTER | TO_FOLLOWERS, NOTE },
	{ S(SUBMITTED), A(MARK_DUPLICATE), R(COORDINATOR), S(DUPLICATE),
	    EV(DUPLICATE), TO_REPORTER | TO_FOLLOWERS, 0 },
	{ S(SUBMITTED), A(WITHDRAW), R(REPORTER), S(WITHDRAWN), EV(WITHDRAWN),
	    TO_FOLLOWERS | TO_CENTRE, 0 },
	{ S(RETURNED_TO_TRIAGE), A(ACCEPT), R(COORDINATOR), S(ACCEPTED),
	    EV(ACCEPTED), TO_REPORTER | TO_FOLLOWERS | TO_AGENCY, 0 },
	{ S(RETURNED_TO_TRIAGE), A(REJECT), R(COORDINATOR), S(REJECTED),
	    EV(REJECTED), TO_REPORTER | TO_FOLLOWERS, NOTE },
	{ S(RETURNED_TO_TRIAGE), A(MARK_DUPLICATE), R(COORDINATOR),
	    S(DUPLICATE), EV(DUPLICATE), TO_REPORTER | TO_FOLLOWERS, 0 },

	/* The agency's work. A reopened report comes back to the agency,
	 * which acknowledges it again under its new deadline. */
	{ S(ACCEPTED), A(ACKNOWLEDGE), R(OFFICER), S(ACKNOWLEDGED),
	    EV(ACKNOWLEDGED), TO_REPORTER | TO_FOLLOWERS, 0 },
	{ S(REOPENED), A(ACKNOWLEDGE), R(OFFICER), S(ACKNOWLEDGED),
	    EV(ACKNOWLEDGED), TO_REPORTER | TO_FOLLOWERS, 0 },
	{ S(ACKNOWLEDGED), A(START_WORK), R(OFFICER), S(IN_PROGRESS),
	    EV(WORK_STARTED), TO_REPORTER | TO_FOLLOWERS, 0 },
	{ S(NEED_INFO), A(START_WORK), R(OFFICER), S(IN_PROGRESS),
	    EV(WORK_STARTED), TO_REPORTER | TO_FOLLOWERS, 0 },
	{ S(ACKNOWLEDGED), A(REQUEST_INFO), R(OFFICER), S(NEED_INFO),
	    EV(INFO_REQUESTED), TO_REPORTER, NOTE },
	{ S(IN_PROGRESS), A(REQUEST_INFO), R(OFFICER), S(NEED_INFO),
	    EV(INFO_REQUESTED), TO_REPORTER, NOTE },
	{ S(NEED_INFO), A(PROVIDE_INFO), R(REPORTER), S(IN_PROGRESS),
	    EV(INFO_PROVIDED), TO_AGENCY, NOTE },
	{ S(ACKNOWLEDGED), A(EXTEND_DEADLINE), R(OFFICER), S(ACKNOWLEDGED),
	    EV(DEADLINE_EXTENDED), TO_REPORTER | TO_FOLLOWERS | TO_CENTRE,
	    NOTE },
	{ S(IN_PROGRESS), A(EXTEND_DEADLINE), R(OFFICER), S(IN_PROGRESS),
	    EV(DEADLINE_EXTENDED), TO_REPORTER | TO_FOLLOWERS | TO_CENTRE,
	    NOTE },
	{ S(NEED_INFO), A(EXTEND_DEADLINE), R(OFFICER), S(NEED_INFO),
	    EV(DEADLINE_EXTENDED), TO_REPORTER | TO_FOLLOWERS | TO_CENTRE,
	    NOTE },
	{ S(ACKNOWLEDGED), A(RESOLVE), R(OFFICER), S(RESOLVED), EV(RESOLVED),
	    TO_REPORTER | TO_FOLLOWERS | TO_CENTRE, NOTE },
	{ S(IN_PROGRESS), A(RESOLVE), R(OFFICER), S(RESOLVED), EV(RESOLVED),
	    TO_REPORTER | TO_FOLLOWERS | TO_CENTRE, NOTE },

	/* "Not ours": back to the centre from any step of the agency's work. */
	{ S(ACCEPTED), A(RETURN_TO_TRIAGE), R(OFFICER), S(RETURNED_TO_TRIAGE),
	    EV(RETURNED_TO_TRIAGE), TO_CENTRE, NOTE },
	{ S(ACKNOWLEDGED), A(RETURN_TO_TRIAGE), R(OFFICER),
	    S(RETURNED_TO_TRIAGE), EV(RETURNED_TO_TRIAGE), TO_CENTRE, NOTE },
	{ S(IN_PROGRESS), A(RETURN_TO_TRIAGE), R(OFFICER),
	    S(RETURNED_TO_TRIAGE), EV(RETURNED_TO_TRIAGE), TO_CENTRE, NOTE },
	{ S(NEED_INFO), A(RETURN_TO_TRIAGE), R(OFFICER), S(RETURNED_TO_TRIAGE),
	    EV(RETURNED_TO_TRIAGE), TO_CENTRE, NOTE },
	{ S(REOPENED), A(RETURN_TO_TRIAGE), R(OFFICER), S(RETURNED_TO_TRIAGE),
	    EV(RETURNED_TO_TRIAGE), TO_CENTRE, NOTE },

	/* The reporter's verdict, or the rating window's end. */
	{ S(RESOLVED), A(CLOSE), R(REPORTER), S(CLOSED), EV(CLOSED),
	    TO_FOLLOWERS | TO_AGENCY, 0 },
	{ S(RESOLVED), A(REOPEN), R(REPORTER), S(REOPENED), EV(REOPENED),
	    TO_FOLLOWERS | TO_AGENCY | TO_CENTRE, 0 },
	{ S(RESOLVED), A(EXPIRE_RATING), R(SYSTEM), S(CLOSED), EV(CLOSED),
	    TO_REPORTER | TO_FOLLOWERS, 0 },
};

#undef S
#undef A
#undef R
#undef EV

static const feedback_audience audiences[] = { FEEDBACK_AUDIENCE_REPORTER,
	FEEDBACK_AUDIENCE_FOLLOWERS, FEEDBACK_AUDIENCE_AGENCY,
	FEEDBACK_AUDIENCE_CENTRE };

static const char *const state_names[FEEDBACK_STATE_COUNT] = { "none",
	"submitted", "accepted", "rejected", "duplicate", "withdrawn",
	"acknowledged", "in_progress", "need_info", "resolved", "closed",
	"reopened", "returned_to_triage" };

static const char *const action_names[FEEDBACK_ACTION_COUNT] = { NULL, "submit",
	"accept", "reject", "mark_duplicate", "withdraw", "acknowledge",
	"start_work", "request_info", "provide_info", "extend_deadline",
	"resolve", "close", "reopen", "expire_rating", "return_to_triage" };

static const char *const role_names[FEEDBACK_ROLE_COUNT] = { "none", "reporter",
	"officer", "coordinator", "system" };

/* Finds the row of (from, act, role); *other tells whether (from, act)
 * has a row for another role. */
static const row *
find_row(
    feedback_state from, feedback_action act, feedback_role role, bool *other)
{
	*other = false;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].from != from || rows[i].act != act) {
			continue;
		}
		if (rows[i].role == role) {
			return &rows[i];
		}
		*other = true;
	}
	return NULL;
}

int
feedback_transition(feedback_state from, feedback_action act,
    feedback_role role, int64_t at, const char *public_note,
    const char *internal_note, feedback_step *out)
{
	bool       other;
	const row *r = find_row(from, act, role, &other);
	if (r == NULL) {
		return other ? HUES_PERMISSION_DENIED
		             : HUES_FAILED_PRECONDITION;
	}
	feedback_step s = {
	    .to    = r->to,
	    .entry = {
	        .at            = at,
	        .role          = role,
	        .from          = from,
	        .to            = r->to,
	        .action        = act,
	        .public_note   = public_note != NULL ? public_note : "",
	        .internal_note = internal_note != NULL ? internal_note : "",
	    },
	};
	for (size_t i = 0; i < sizeof(audiences) / sizeof(audiences[0]); i++) {
		if (r->audience & (1u << i)) {
			s.events[s.nevents++] =
			    (feedback_event) { .kind = r->event,
				    .audience        = audiences[i] };
		}
	}
	*out = s;
	return HUES_OK;
}

int
feedback_transition_call(svc_call *call, feedback_state from,
    feedback_action act, feedback_role role, int64_t at,
    const char *public_note, const char *internal_note, feedback_step *out)
{
	int rc = feedback_transition(
	    from, act, role, at, public_note, internal_note, out);
	switch (rc) {
	case HUES_OK: break;
	case HUES_PERMISSION_DENIED:
		call_set_reason(call, "ROLE_NOT_ALLOWED");
		return call_fail(call, rc,
		    "the %s may not %s a report that is %s",
		    feedback_role_name(role), feedback_action_name(act),
		    feedback_state_name(from));
	default:
		call_set_reason(call, "ILLEGAL_TRANSITION");
		return call_fail(call, rc, "cannot %s a report that is %s",
		    feedback_action_name(act), feedback_state_name(from));
	}
	return HUES_OK;
}

bool
feedback_action_needs_note(feedback_action act)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].act == act) {
			return (rows[i].flags & NOTE) != 0;
		}
	}
	return false;
}

bool
feedback_state_final(feedback_state s)
{
	return s == FEEDBACK_STATE_REJECTED || s == FEEDBACK_STATE_DUPLICATE ||
	       s == FEEDBACK_STATE_WITHDRAWN || s == FEEDBACK_STATE_CLOSED;
}

bool
feedback_state_open(feedback_state s)
{
	switch (s) {
	case FEEDBACK_STATE_ACCEPTED:
	case FEEDBACK_STATE_ACKNOWLEDGED:
	case FEEDBACK_STATE_IN_PROGRESS:
	case FEEDBACK_STATE_NEED_INFO:
	case FEEDBACK_STATE_REOPENED: return true;
	default: return false;
	}
}

int
feedback_rating_action(int rating, int64_t resolved_at, int64_t now,
    int64_t window_s, feedback_action *out)
{
	switch (rating) {
	case FEEDBACK_RATING_SATISFIED:
	case FEEDBACK_RATING_NEUTRAL: *out = FEEDBACK_ACTION_CLOSE; break;
	case FEEDBACK_RATING_DISSATISFIED:
		*out = now - resolved_at <= window_s ? FEEDBACK_ACTION_REOPEN
		                                     : FEEDBACK_ACTION_CLOSE;
		break;
	default: return HUES_INVALID_ARGUMENT;
	}
	return HUES_OK;
}

feedback_role
feedback_role_of(const svc_principal *p)
{
	switch (p->role) {
	case SVC_ROLE_CITIZEN:
	case SVC_ROLE_SERVICE: return FEEDBACK_ROLE_REPORTER;
	case SVC_ROLE_OFFICER: return FEEDBACK_ROLE_OFFICER;
	case SVC_ROLE_COORDINATOR: return FEEDBACK_ROLE_COORDINATOR;
	default: return FEEDBACK_ROLE_NONE;
	}
}

const char *
feedback_state_name(feedback_state s)
{
	return (unsigned) s < FEEDBACK_STATE_COUNT ? state_names[s] : "?";
}

const char *
feedback_action_name(feedback_action a)
{
	return a >= FEEDBACK_ACTION_SUBMIT && a < FEEDBACK_ACTION_COUNT
	           ? action_names[a]
	           : "?";
}

const char *
feedback_role_name(feedback_role r)
{
	return (unsigned) r < FEEDBACK_ROLE_COUNT ? role_names[r] : "?";
}
