/*
 * identity.c - Identity/Whoami. The strings are the principal's, which live
 * in the call's arena as long as the response does.
 */
#include "svc/identity/identity.h"

#include "hues/v1/identity.pb-c.h"
#include "svc/authz.h"

static char *
text(const char *s)
{
	/* protobuf-c packs "" for an absent proto3 string. */
	return (char *) (s != NULL ? s : "");
}

static int
identity_whoami(svc_call *call, const void *reqp, void *respp)
{
	const svc_principal   *p    = call_principal(call);
	Hues__V1__WhoamiResponse *resp = respp;
	(void) reqp;

	switch (p->role) {
	case SVC_ROLE_CITIZEN: resp->role = HUES__V1__ROLE__ROLE_CITIZEN; break;
	case SVC_ROLE_OFFICER: resp->role = HUES__V1__ROLE__ROLE_OFFICER; break;
	case SVC_ROLE_COORDINATOR:
		resp->role = HUES__V1__ROLE__ROLE_COORDINATOR;
		break;
	case SVC_ROLE_ADMIN: resp->role = HUES__V1__ROLE__ROLE_ADMIN; break;
	case SVC_ROLE_SERVICE: resp->role = HUES__V1__ROLE__ROLE_SERVICE; break;
	default: resp->role = HUES__V1__ROLE__ROLE_UNSPECIFIED; break;
	}
	resp->subject      = text(p->subject);
	resp->agency       = text(p->agency);
	resp->ward         = text(p->ward);
	resp->name         = text(p->name);
	resp->on_behalf_of = text(p->on_behalf_of);
	resp->acting_user  = text(authz_acting_user(p));
	return HUES_OK;
}

static const svc_method identity_methods[] = {
    {
        .name     = "/hues.v1.Identity/Whoami",
        .request  = &hues__v1__whoami_request__descriptor,
        .response = &hues__v1__whoami_response__descriptor,
        .handler  = identity_whoami,
        .flags    = SVC_READ_ONLY | SVC_IDEMPOTENT,
        .auth     = SVC_AUTH_AUTHENTICATED,
    },
};

int
identity_service(svc_service *out)
{
	*out = (svc_service) {
	    .name     = "hues.v1.Identity",
	    .methods  = identity_methods,
	    .nmethods = sizeof(identity_methods) / sizeof(identity_methods[0]),
	};
	return HUES_OK;
}
