/*
 * authz.c - the rules of authz.h as one decision function, so that the
 * status a handler answers and the reason it logs cannot disagree.
 */
#include "svc/authz.h"

#include <string.h>

#include "hues/status.h"

typedef enum {
	ALLOW,
	NO_USER,      /* anonymous, or a service without "obo" */
	NOT_OWNER,    /* a citizen and someone else's object */
	OTHER_AGENCY, /* an officer and another agency's object */
	ROLE_DENIED,  /* the role never does this */
} verdict;

static bool
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

const char *
authz_acting_user(const svc_principal *p)
{
	if (p->subject == NULL) {
		return NULL;
	}
	if (p->role == SVC_ROLE_SERVICE) {
		return p->on_behalf_of; /* NULL: the gateway acts as itself */
	}
	return p->subject;
}

/*
 * The table of the rules, by action:
 *   READ    owner (citizen, or service on her behalf); officer of the
 *           agency it is routed to; coordinator; admin
 *   CHANGE  owner only
 *   WORK    officer of the agency it is routed to only
 *   ROUTE   coordinator only
 *   MANAGE  admin only
 */
static verdict
decide(const svc_principal *p, authz_action act, const authz_object *obj)
{
	const char *user  = authz_acting_user(p);
	bool        owner = p->role == SVC_ROLE_CITIZEN ||
	    p->role == SVC_ROLE_SERVICE;

	if (user == NULL) {
		return NO_USER;
	}
	switch (act) {
	case AUTHZ_READ:
		if (p->role == SVC_ROLE_COORDINATOR || p->role == SVC_ROLE_ADMIN) {
			return ALLOW;
		}
		break;
	case AUTHZ_CHANGE:
		if (!owner) {
			return ROLE_DENIED;
		}
		break;
	case AUTHZ_WORK:
		if (p->role != SVC_ROLE_OFFICER) {
			return ROLE_DENIED;
		}
		break;
	case AUTHZ_ROUTE:
		return p->role == SVC_ROLE_COORDINATOR ? ALLOW : ROLE_DENIED;
	case AUTHZ_MANAGE:
		return p->role == SVC_ROLE_ADMIN ? ALLOW : ROLE_DENIED;
	default: return ROLE_DENIED;
	}
	if (owner) {
		return same(user, obj->owner) ? ALLOW : NOT_OWNER;
	}
	if (p->role == SVC_ROLE_OFFICER) {
		/* An unrouted object belongs to no agency yet: not hers. */
		return same(p->agency, obj->agency) ? ALLOW : OTHER_AGENCY;
	}
	return ROLE_DENIED;
}

int
authz_check(const svc_principal *p, authz_action act, const authz_object *obj)
{
	switch (decide(p, act, obj)) {
	case ALLOW: return HUES_OK;
	case NO_USER:
		return p->subject == NULL ? HUES_UNAUTHENTICATED
		                          : HUES_PERMISSION_DENIED;
	default: return HUES_PERMISSION_DENIED;
	}
}

int
authz_require(svc_call *call, authz_action act, const authz_object *obj)
{
	const svc_principal *p = call_principal(call);

	switch (decide(p, act, obj)) {
	case ALLOW: return HUES_OK;
	case NO_USER:
		if (p->subject == NULL) {
			call_set_reason(call, "TOKEN_MISSING");
			return call_fail(call, HUES_UNAUTHENTICATED,
			    "this needs a bearer token");
		}
		call_set_reason(call, "NO_USER");
		return call_fail(call, HUES_PERMISSION_DENIED,
		    "a service token acts on objects only on behalf of a user "
		    "(obo claim)");
	case NOT_OWNER:
		call_set_reason(call, "NOT_OWNER");
		return call_fail(call, HUES_PERMISSION_DENIED,
		    "this belongs to another user");
	case OTHER_AGENCY:
		call_set_reason(call, "OTHER_AGENCY");
		return call_fail(call, HUES_PERMISSION_DENIED,
		    "this is not routed to your agency");
	case ROLE_DENIED:
	default:
		call_set_reason(call, "ROLE_NOT_ALLOWED");
		return call_fail(call, HUES_PERMISSION_DENIED,
		    "your role may not do this");
	}
}

bool
authz_sees_reporter(const svc_principal *p, const authz_object *obj)
{
	switch (p->role) {
	case SVC_ROLE_COORDINATOR:
	case SVC_ROLE_ADMIN: return true;
	case SVC_ROLE_CITIZEN:
	case SVC_ROLE_SERVICE: return same(authz_acting_user(p), obj->owner);
	default: return false; /* officers never */
	}
}
