/*
 * health.c - Health/Check. The empty service name asks about the server as
 * a whole: SERVING unless it drains or a service reports NOT_SERVING.
 */
#include "svc/health/health.h"

#include <stdlib.h>

#include "hues/v1/health.pb-c.h"

typedef struct health_state {
	const svc_registry *reg;
	const atomic_bool  *draining;
} health_state;

static svc_health
service_health(const svc_service *s)
{
	return s->health != NULL ? s->health(s->state) : SVC_SERVING;
}

static int
health_check(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__HealthCheckRequest *req  = reqp;
	Hues__V1__HealthCheckResponse      *resp = respp;
	const health_state                 *st   = call_state(call);
	bool draining = atomic_load(st->draining);

	if (req->service[0] == '\0') {
		bool ok = !draining;
		for (size_t i = 0; ok && i < svc_registry_count(st->reg); i++) {
			ok = service_health(svc_registry_at(st->reg, i)) ==
			    SVC_SERVING;
		}
		resp->status = ok
		    ? HUES__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
		    : HUES__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
		return HUES_OK;
	}
	const svc_service *s = svc_registry_service(st->reg, req->service);
	if (s == NULL) {
		resp->status =
		    HUES__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN;
	} else if (draining || service_health(s) != SVC_SERVING) {
		resp->status =
		    HUES__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
	} else {
		resp->status =
		    HUES__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
	}
	return HUES_OK;
}

static const svc_method health_methods[] = {
    {
        .name     = "/hues.v1.Health/Check",
        .request  = &hues__v1__health_check_request__descriptor,
        .response = &hues__v1__health_check_response__descriptor,
        .handler  = health_check,
        .flags    = SVC_READ_ONLY | SVC_IDEMPOTENT,
        .auth     = SVC_AUTH_PUBLIC,
    },
};

int
health_service(const svc_registry *reg, const atomic_bool *draining,
    svc_service *out)
{
	health_state *st = malloc(sizeof(*st));
	if (st == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	st->reg      = reg;
	st->draining = draining;
	*out         = (svc_service) {
	            .name     = "hues.v1.Health",
	            .methods  = health_methods,
	            .nmethods = sizeof(health_methods) / sizeof(health_methods[0]),
	            .state    = st,
	            .destroy  = free,
        };
	return HUES_OK;
}
