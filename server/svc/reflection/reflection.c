/*
 * reflection.c - ListServices and GetFileDescriptorSet.
 */
#include "svc/reflection/reflection.h"

#include <string.h>

#include "hues/v1/reflection.pb-c.h"
#include "proto/descriptor_set.h"

static const char *const role_names[] = {
    "citizen", "officer", "coordinator", "admin", "service"};

static void
fill_method(svc_call *call, const svc_method *m, Hues__V1__MethodInfo *mi)
{
	mi->full_name     = (char *) m->name;
	mi->name          = strrchr(m->name, '/') + 1;
	mi->request_type  = (char *) m->request->name;
	mi->response_type = (char *) m->response->name;
	mi->idempotent    = (m->flags & SVC_IDEMPOTENT) != 0;
	mi->read_only     = (m->flags & SVC_READ_ONLY) != 0;
	switch (m->auth) {
	case SVC_AUTH_PUBLIC:
		mi->auth = HUES__V1__METHOD_INFO__AUTH_POLICY__PUBLIC;
		break;
	case SVC_AUTH_AUTHENTICATED:
		mi->auth = HUES__V1__METHOD_INFO__AUTH_POLICY__AUTHENTICATED;
		break;
	case SVC_AUTH_ROLES:
		mi->auth = HUES__V1__METHOD_INFO__AUTH_POLICY__ROLES;
		break;
	}
	if (m->auth != SVC_AUTH_ROLES) {
		return;
	}
	size_t nroles = sizeof(role_names) / sizeof(role_names[0]);
	mi->roles     = call_alloc(call, nroles * sizeof(char *));
	for (size_t r = 0; r < nroles; r++) {
		if (m->roles & (1u << r)) {
			mi->roles[mi->n_roles++] = (char *) role_names[r];
		}
	}
}

static int
list_services(svc_call *call, const void *reqp, void *respp)
{
	const svc_registry                 *reg  = call_state(call);
	Hues__V1__ListServicesResponse     *resp = respp;
	size_t                              n    = svc_registry_count(reg);
	(void) reqp;

	resp->n_services = n;
	resp->services   = call_alloc(call, n * sizeof(*resp->services));
	for (size_t i = 0; i < n; i++) {
		const svc_service     *s  = svc_registry_at(reg, i);
		Hues__V1__ServiceInfo *si = call_new_message(
		    call, &hues__v1__service_info__descriptor);
		si->name      = (char *) s->name;
		si->n_methods = s->nmethods;
		si->methods = call_alloc(call, s->nmethods * sizeof(*si->methods));
		for (size_t j = 0; j < s->nmethods; j++) {
			si->methods[j] = call_new_message(
			    call, &hues__v1__method_info__descriptor);
			fill_method(call, &s->methods[j], si->methods[j]);
		}
		resp->services[i] = si;
	}
	return HUES_OK;
}

static int
get_descriptors(svc_call *call, const void *reqp, void *respp)
{
	Hues__V1__GetFileDescriptorSetResponse *resp = respp;
	(void) call;
	(void) reqp;
	/* The embedded bytes are static; protobuf-c only reads them. */
	resp->file_descriptor_set.data = (uint8_t *) hues_descriptor_set;
	resp->file_descriptor_set.len  = hues_descriptor_set_len;
	return HUES_OK;
}

static const svc_method reflection_methods[] = {
    {
        .name     = "/hues.v1.Reflection/ListServices",
        .request  = &hues__v1__list_services_request__descriptor,
        .response = &hues__v1__list_services_response__descriptor,
        .handler  = list_services,
        .flags    = SVC_READ_ONLY | SVC_IDEMPOTENT,
        .auth     = SVC_AUTH_PUBLIC,
    },
    {
        .name     = "/hues.v1.Reflection/GetFileDescriptorSet",
        .request  = &hues__v1__get_file_descriptor_set_request__descriptor,
        .response = &hues__v1__get_file_descriptor_set_response__descriptor,
        .handler  = get_descriptors,
        .flags    = SVC_READ_ONLY | SVC_IDEMPOTENT,
        .auth     = SVC_AUTH_PUBLIC,
    },
};

int
reflection_service(const svc_registry *reg, svc_service *out)
{
	*out = (svc_service) {
	    .name     = "hues.v1.Reflection",
	    .methods  = reflection_methods,
	    .nmethods = sizeof(reflection_methods) / sizeof(reflection_methods[0]),
	    .state    = (void *) reg,
	};
	return HUES_OK;
}
