/*
 * debug.h - hues.v1.Debug: Echo, always served (a cheap call for latency
 * checks and benchmarks), and, only when debug methods are enabled, Sleep,
 * Bump and Fail, which tests use to hold workers, count executions and
 * provoke every status code.
 */
#ifndef HUES_SVC_DEBUG_H
#define HUES_SVC_DEBUG_H

#include <stdbool.h>

#include "svc/service.h"

/*
 * Fills *out with the Debug service: with all its methods when
 * with_test_methods is true, with Echo only otherwise. Returns HUES_OK or
 * HUES_RESOURCE_EXHAUSTED.
 */
int debug_service(bool with_test_methods, svc_service *out);

#endif /* HUES_SVC_DEBUG_H */
