/*
 * all.h - every service of hues, registered in one place, so the server and
 * the tests (the method x role matrix) see the same set.
 */
#ifndef HUES_SVC_ALL_H
#define HUES_SVC_ALL_H

#include <stdatomic.h>
#include <stdbool.h>

#include "store/store.h"
#include "svc/registry.h"

/* What the services need from the server that hosts them. */
typedef struct svc_env {
	/* Serve the Debug test methods (Sleep, Bump, Fail). */
	bool debug_methods;
	/* True while the server drains; Health reports NOT_SERVING. */
	const atomic_bool *draining;
	/* The store, for services that keep data; NULL in some tests (the
	 * Feedback service is then not served). */
	store *store;
	/* Feedback: holidays ("YYYY-MM-DD" list; NULL: the demo list), the
	 * rating window and how often its sweep runs. */
	const char *holidays;
	int64_t     rating_window_s;
	unsigned    sweep_ms;
	unsigned    scan_budget; /* 0: the default */
} svc_env;

/*
 * Creates every service and adds it to reg. Returns HUES_OK or the first
 * error of svc_registry_add(); on error reg holds the services added so far
 * and is still to be destroyed by the caller.
 */
int services_register_all(svc_registry *reg, const svc_env *env);

#endif /* HUES_SVC_ALL_H */
