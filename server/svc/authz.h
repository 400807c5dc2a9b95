/*
 * authz.h - per-object authorization: the one place that says who may read
 * or change which object, so that every service applies the same rules
 * (issue 3). The dispatcher has already applied the method's role set;
 * these checks need the object, so handlers call them after loading it.
 *
 * The rules:
 * - a citizen reads and changes only her own objects (reports,
 *   subscriptions, inbox); published objects are readable by anyone, but
 *   only through their public view;
 * - an officer sees and acts on objects routed to her agency only, and
 *   never sees the reporter's identity (the response omits it);
 * - coordinators (the provincial centre) see everything and route;
 * - admins manage catalogs and keys, and may read any object (with the
 *   reporter, like coordinators), but do not work or route reports;
 * - a service principal (a gateway) acts only on behalf of a user named in
 *   its token's "obo" claim, with that user's rights as a citizen; without
 *   one it may call only what is public.
 */
#ifndef HUES_SVC_AUTHZ_H
#define HUES_SVC_AUTHZ_H

#include <stdbool.h>

#include "svc/call.h"

/* What a call wants to do with an object. */
typedef enum {
	AUTHZ_READ,   /* see it (a staff view, or the owner's view) */
	AUTHZ_CHANGE, /* act on it as its owner (withdraw, comment, rate) */
	AUTHZ_WORK,   /* act on it as the agency in charge (acknowledge ...) */
	AUTHZ_ROUTE,  /* triage: route, reject, merge (the centre) */
	AUTHZ_MANAGE, /* catalogs, keys, configuration */
} authz_action;

/* The facts about an object that the rules need. */
typedef struct authz_object {
	const char *owner;     /* user id of its owner (reporter); may be NULL */
	const char *agency;    /* agency it is routed to; NULL before routing */
	bool        published; /* visible to the public */
} authz_object;

/*
 * The user a call acts for: the subject of a citizen, officer, coordinator
 * or admin; the "obo" user of a service; NULL for anonymous calls and for
 * a service without "obo".
 */
const char *authz_acting_user(const svc_principal *p);

/*
 * Whether p may do act on obj. Returns HUES_OK, HUES_UNAUTHENTICATED for
 * an anonymous caller where a user is needed, or HUES_PERMISSION_DENIED.
 * Public reads of published objects are not covered here: a service
 * serves those through its public view, which hides the reporter.
 */
int authz_check(const svc_principal *p, authz_action act,
    const authz_object *obj);

/* Like authz_check(), and on failure records the status on call with a
 * stable reason (NOT_OWNER, OTHER_AGENCY, ROLE_NOT_ALLOWED, NO_USER) and
 * a message naming neither the owner nor the agency. */
int authz_require(svc_call *call, authz_action act, const authz_object *obj);

/* Whether p may see who reported obj (coordinators and admins, and the
 * reporter herself; never officers, whatever their agency). */
bool authz_sees_reporter(const svc_principal *p, const authz_object *obj);

#endif /* HUES_SVC_AUTHZ_H */
