/*
 * state.h - the life of a report as a table of transitions (docs/feedback.md
 * draws it). A handler asks feedback_transition() whether an action is
 * legal for the report's state and the caller's role; the answer is the
 * new state, the history entry to append and the outbox events to write,
 * all in the same store transaction. Pure: no store, no clock (times are
 * passed in), any thread.
 */
#ifndef HUES_SVC_FEEDBACK_STATE_H
#define HUES_SVC_FEEDBACK_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svc/call.h"

/* The numbers are hues.v1.ReportState's (state.c checks it at build). */
typedef enum feedback_state {
	FEEDBACK_STATE_NONE               = 0, /* before SUBMIT */
	FEEDBACK_STATE_SUBMITTED          = 1,
	FEEDBACK_STATE_ACCEPTED           = 2,
	FEEDBACK_STATE_REJECTED           = 3,
	FEEDBACK_STATE_DUPLICATE          = 4,
	FEEDBACK_STATE_WITHDRAWN          = 5,
	FEEDBACK_STATE_ACKNOWLEDGED       = 6,
	FEEDBACK_STATE_IN_PROGRESS        = 7,
	FEEDBACK_STATE_NEED_INFO          = 8,
	FEEDBACK_STATE_RESOLVED           = 9,
	FEEDBACK_STATE_CLOSED             = 10,
	FEEDBACK_STATE_REOPENED           = 11,
	FEEDBACK_STATE_RETURNED_TO_TRIAGE = 12,
	FEEDBACK_STATE_COUNT
} feedback_state;

/* The numbers are hues.v1.ReportAction's. */
typedef enum feedback_action {
	FEEDBACK_ACTION_SUBMIT           = 1,
	FEEDBACK_ACTION_ACCEPT           = 2,
	FEEDBACK_ACTION_REJECT           = 3,
	FEEDBACK_ACTION_MARK_DUPLICATE   = 4,
	FEEDBACK_ACTION_WITHDRAW         = 5,
	FEEDBACK_ACTION_ACKNOWLEDGE      = 6,
	FEEDBACK_ACTION_START_WORK       = 7,
	FEEDBACK_ACTION_REQUEST_INFO     = 8,
	FEEDBACK_ACTION_PROVIDE_INFO     = 9,
	FEEDBACK_ACTION_EXTEND_DEADLINE  = 10,
	FEEDBACK_ACTION_RESOLVE          = 11,
	FEEDBACK_ACTION_CLOSE            = 12,
	FEEDBACK_ACTION_REOPEN           = 13,
	FEEDBACK_ACTION_EXPIRE_RATING    = 14,
	FEEDBACK_ACTION_RETURN_TO_TRIAGE = 15,
	FEEDBACK_ACTION_COUNT
} feedback_action;

/* Who acts (hues.v1.ActorRole). A citizen acting on her own report, or a
 * gateway on her behalf, is the REPORTER; authz_require() has established
 * that before the state machine is asked. */
typedef enum feedback_role {
	FEEDBACK_ROLE_NONE        = 0,
	FEEDBACK_ROLE_REPORTER    = 1,
	FEEDBACK_ROLE_OFFICER     = 2,
	FEEDBACK_ROLE_COORDINATOR = 3,
	FEEDBACK_ROLE_SYSTEM      = 4,
	FEEDBACK_ROLE_COUNT
} feedback_role;

/* hues.v1.EventKind. */
typedef enum feedback_event_kind {
	FEEDBACK_EVENT_SUBMITTED          = 1,
	FEEDBACK_EVENT_ACCEPTED           = 2,
	FEEDBACK_EVENT_REJECTED           = 3,
	FEEDBACK_EVENT_DUPLICATE          = 4,
	FEEDBACK_EVENT_WITHDRAWN          = 5,
	FEEDBACK_EVENT_ACKNOWLEDGED       = 6,
	FEEDBACK_EVENT_WORK_STARTED       = 7,
	FEEDBACK_EVENT_INFO_REQUESTED     = 8,
	FEEDBACK_EVENT_INFO_PROVIDED      = 9,
	FEEDBACK_EVENT_DEADLINE_EXTENDED  = 10,
	FEEDBACK_EVENT_RESOLVED           = 11,
	FEEDBACK_EVENT_CLOSED             = 12,
	FEEDBACK_EVENT_REOPENED           = 13,
	FEEDBACK_EVENT_RETURNED_TO_TRIAGE = 14,
} feedback_event_kind;

/* hues.v1.Audience. */
typedef enum feedback_audience {
	FEEDBACK_AUDIENCE_REPORTER  = 1,
	FEEDBACK_AUDIENCE_FOLLOWERS = 2,
	FEEDBACK_AUDIENCE_AGENCY    = 3,
	FEEDBACK_AUDIENCE_CENTRE    = 4,
} feedback_audience;

/* hues.v1.Rating. */
typedef enum feedback_rating {
	FEEDBACK_RATING_SATISFIED    = 1,
	FEEDBACK_RATING_NEUTRAL      = 2,
	FEEDBACK_RATING_DISSATISFIED = 3,
} feedback_rating;

/* One event per audience: a transition emits at most this many. */
#define FEEDBACK_MAX_EVENTS 4

/* What a history entry records. The notes are borrowed from the caller of
 * feedback_transition() and valid as long as its strings are. */
typedef struct feedback_history {
	int64_t         at; /* Unix seconds */
	feedback_role   role;
	feedback_state  from;
	feedback_state  to;
	feedback_action action;
	const char     *public_note;   /* never NULL ("" when none) */
	const char     *internal_note; /* never NULL */
} feedback_history;

typedef struct feedback_event {
	feedback_event_kind kind;
	feedback_audience   audience;
} feedback_event;

/* The outcome of a legal transition. */
typedef struct feedback_step {
	feedback_state   to;
	feedback_history entry;
	size_t           nevents;
	feedback_event   events[FEEDBACK_MAX_EVENTS];
} feedback_step;

/*
 * Decides whether role may take act on a report in state from, at time at.
 * On success returns HUES_OK and fills *out with the new state (equal to
 * from for EXTEND_DEADLINE), the history entry (the notes borrowed; NULL
 * counts as "") and the events to write into the outbox. Returns
 * HUES_FAILED_PRECONDITION when no role may take act in state from, and
 * HUES_PERMISSION_DENIED when some other role may; *out is untouched then.
 */
int feedback_transition(feedback_state from, feedback_action act,
    feedback_role role, int64_t at, const char *public_note,
    const char *internal_note, feedback_step *out);

/*
 * feedback_transition() for a handler: on failure it also sets the reply's
 * message (naming the state and the action) and reason (ILLEGAL_TRANSITION
 * or ROLE_NOT_ALLOWED) on call, and returns the code.
 */
int feedback_transition_call(svc_call *call, feedback_state from,
    feedback_action act, feedback_role role, int64_t at,
    const char *public_note, const char *internal_note, feedback_step *out);

/* Whether act requires a public note (a reason, a question, an answer):
 * validation asks this so that the note is checked before any write. */
bool feedback_action_needs_note(feedback_action act);

/* Whether no further action is possible in s (rejected, duplicate,
 * withdrawn, closed). */
bool feedback_state_final(feedback_state s);

/* Whether s is open work for an agency (accepted .. need_info, reopened). */
bool feedback_state_open(feedback_state s);

/*
 * The action a rating means: REOPEN for a dissatisfied rating no later
 * than window_s after resolved_at, CLOSE otherwise (a late dissatisfied
 * rating is recorded but reopens nothing). Returns HUES_OK and sets *out,
 * or HUES_INVALID_ARGUMENT for a rating outside feedback_rating.
 */
int feedback_rating_action(int rating, int64_t resolved_at, int64_t now,
    int64_t window_s, feedback_action *out);

/* The role a principal has on a report it may act on (authz checked):
 * REPORTER for citizens and services, OFFICER, COORDINATOR; NONE for
 * admins and anonymous callers, who take no workflow action. */
feedback_role feedback_role_of(const svc_principal *p);

/* Lowercase names ("in_progress", "return_to_triage"), static; "?" for a
 * value outside the enum. */
const char *feedback_state_name(feedback_state s);
const char *feedback_action_name(feedback_action a);
const char *feedback_role_name(feedback_role r);

#endif /* HUES_SVC_FEEDBACK_STATE_H */
