/*
 * all.c - the list of services. A new service adds one block here.
 */
#include "svc/all.h"

#include "svc/debug/debug.h"
#include "svc/feedback/feedback.h"
#include "svc/health/health.h"
#include "svc/identity/identity.h"
#include "svc/reflection/reflection.h"

int
services_register_all(svc_registry *reg, const svc_env *env)
{
	svc_service s;
	int         rv;

	if ((rv = health_service(reg, env->draining, &s)) != HUES_OK ||
	    (rv = svc_registry_add(reg, &s)) != HUES_OK) {
		return rv;
	}
	if ((rv = reflection_service(reg, &s)) != HUES_OK ||
	    (rv = svc_registry_add(reg, &s)) != HUES_OK) {
		return rv;
	}
	if ((rv = identity_service(&s)) != HUES_OK ||
	    (rv = svc_registry_add(reg, &s)) != HUES_OK) {
		return rv;
	}
	if ((rv = debug_service(env->debug_methods, env->store, &s)) != HUES_OK ||
	    (rv = svc_registry_add(reg, &s)) != HUES_OK) {
		return rv;
	}
	if (env->store != NULL) {
		feedback_opts fo = {.store = env->store,
		    .holidays            = env->holidays,
		    .rating_window_s     = env->rating_window_s,
		    .sweep_ms            = env->sweep_ms,
		    .scan_budget    = env->scan_budget};
		if ((rv = feedback_service(&fo, &s)) != HUES_OK) {
			return rv;
		}
		if ((rv = svc_registry_add(reg, &s)) != HUES_OK) {
			s.destroy(s.state);
			return rv;
		}
	}
	return HUES_OK;
}
