/*
 * registry.h - the set of services a server serves, and the method lookup
 * the dispatcher uses (a hash of full method names, built once at start).
 */
#ifndef HUES_SVC_REGISTRY_H
#define HUES_SVC_REGISTRY_H

#include <stddef.h>

#include "svc/service.h"

typedef struct svc_registry svc_registry;

/* Creates an empty registry. Returns HUES_OK or HUES_RESOURCE_EXHAUSTED. */
int svc_registry_create(svc_registry **out);

/* Calls every service's destroy hook, then frees the registry. NULL is
 * accepted. */
void svc_registry_destroy(svc_registry *reg);

/*
 * Adds a service; the registry copies the svc_service struct (not its method
 * table, which must outlive the registry) and owns its state from now on,
 * also on failure. Returns HUES_OK, HUES_ALREADY_EXISTS if a service or
 * method name is taken, HUES_INVALID_ARGUMENT if a method name is not
 * "/<service>/<Method>", or HUES_RESOURCE_EXHAUSTED. Not thread-safe: add
 * every service before the server starts.
 */
int svc_registry_add(svc_registry *reg, const svc_service *svc);

/* Number of services, and the i-th in the order they were added. */
size_t             svc_registry_count(const svc_registry *reg);
const svc_service *svc_registry_at(const svc_registry *reg, size_t i);

/* The service called name, or NULL. */
const svc_service *svc_registry_service(
    const svc_registry *reg, const char *name);

/*
 * Finds a method by its full name (len bytes, need not be NUL-terminated).
 * Returns the row and sets *owner to its service, or returns NULL. Safe from
 * any number of threads once the server runs.
 */
const svc_method *svc_registry_lookup(const svc_registry *reg,
    const char *name, size_t len, const svc_service **owner);

/* Passes ev to every service that has an event hook. Any thread. */
void svc_registry_event(const svc_registry *reg, svc_event ev);

#endif /* HUES_SVC_REGISTRY_H */
