/*
 * health.h - hues.v1.Health: serving status of the server and of each
 * service, like grpc.health.v1.
 */
#ifndef HUES_SVC_HEALTH_H
#define HUES_SVC_HEALTH_H

#include <stdatomic.h>

#include "svc/registry.h"

/*
 * Fills *out with the Health service. It answers from reg (which must
 * outlive it) and reports NOT_SERVING for everything while *draining is
 * true. Returns HUES_OK or HUES_RESOURCE_EXHAUSTED.
 */
int health_service(const svc_registry *reg, const atomic_bool *draining,
    svc_service *out);

#endif /* HUES_SVC_HEALTH_H */
