/*
 * debug.h - hues.v1.Debug: Echo, always served (a cheap call for latency
 * checks and benchmarks), and, only when debug methods are enabled, Sleep,
 * Bump and Fail, which tests use to hold workers, count executions and
 * provoke every status code, and Put and Get, a key-value table in the
 * store for tests and benchmarks of the durable write path.
 */
#ifndef HUES_SVC_DEBUG_H
#define HUES_SVC_DEBUG_H

#include <stdbool.h>

#include "store/store.h"
#include "svc/service.h"

/*
 * Fills *out with the Debug service: with all its methods when
 * with_test_methods is true (Put and Get use the "debug" table of db,
 * which it opens, and answer UNAVAILABLE when db is NULL), with Echo only
 * otherwise. Returns HUES_OK or an
 * error code.
 */
int debug_service(bool with_test_methods, store *db, svc_service *out);

#endif /* HUES_SVC_DEBUG_H */
