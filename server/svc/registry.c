/*
 * registry.c - services and an open-addressing hash of their methods.
 *
 * The hash is rebuilt on every add (a server has a few dozen methods and
 * adds them once), and read without locks afterwards.
 */
#include "svc/registry.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

typedef struct method_slot {
	const svc_method  *method;
	const svc_service *owner;
	size_t             len;
} method_slot;

struct svc_registry {
	svc_service **services;
	size_t        nservices;
	method_slot  *slots;
	size_t        nslots; /* a power of two, at least twice the methods */
};

int
svc_registry_create(svc_registry **out)
{
	svc_registry *reg = calloc(1, sizeof(*reg));
	if (reg == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	*out = reg;
	return HUES_OK;
}

void
svc_registry_destroy(svc_registry *reg)
{
	if (reg == NULL) {
		return;
	}
	for (size_t i = 0; i < reg->nservices; i++) {
		svc_service *s = reg->services[i];
		if (s->destroy != NULL) {
			s->destroy(s->state);
		}
		free(s);
	}
	free(reg->services);
	free(reg->slots);
	free(reg);
}

static const svc_method *
lookup(const method_slot *slots, size_t nslots, const char *name, size_t len,
    const svc_service **owner)
{
	if (nslots == 0) {
		return NULL;
	}
	size_t mask = nslots - 1;
	for (size_t i = hash_fnv1a(name, len) & mask;; i = (i + 1) & mask) {
		const method_slot *s = &slots[i];
		if (s->method == NULL) {
			return NULL;
		}
		if (s->len == len && memcmp(s->method->name, name, len) == 0) {
			if (owner != NULL) {
				*owner = s->owner;
			}
			return s->method;
		}
	}
}

static int
rebuild(svc_registry *reg, size_t nmethods)
{
	size_t nslots = 16;
	while (nslots < 2 * nmethods) {
		nslots *= 2;
	}
	method_slot *slots = calloc(nslots, sizeof(*slots));
	if (slots == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	for (size_t i = 0; i < reg->nservices; i++) {
		const svc_service *svc = reg->services[i];
		for (size_t j = 0; j < svc->nmethods; j++) {
			const svc_method *m   = &svc->methods[j];
			size_t            len = strlen(m->name);
			if (lookup(slots, nslots, m->name, len, NULL) != NULL) {
				free(slots);
				return HUES_ALREADY_EXISTS;
			}
			size_t k = hash_fnv1a(m->name, len) & (nslots - 1);
			while (slots[k].method != NULL) {
				k = (k + 1) & (nslots - 1);
			}
			slots[k] = (method_slot) {m, svc, len};
		}
	}
	free(reg->slots);
	reg->slots  = slots;
	reg->nslots = nslots;
	return HUES_OK;
}

/* A method's name must be "/" + service name + "/" + a method name. */
static int
check_names(const svc_service *svc)
{
	size_t sl = strlen(svc->name);
	for (size_t j = 0; j < svc->nmethods; j++) {
		const char *n = svc->methods[j].name;
		if (n[0] != '/' || strncmp(n + 1, svc->name, sl) != 0 ||
		    n[sl + 1] != '/' || n[sl + 2] == '\0' ||
		    strchr(n + sl + 2, '/') != NULL) {
			return HUES_INVALID_ARGUMENT;
		}
	}
	return HUES_OK;
}

int
svc_registry_add(svc_registry *reg, const svc_service *svc)
{
	int rv;
	size_t nmethods = svc->nmethods;

	if ((rv = check_names(svc)) != HUES_OK) {
		goto fail;
	}
	if (svc_registry_service(reg, svc->name) != NULL) {
		rv = HUES_ALREADY_EXISTS;
		goto fail;
	}
	svc_service  *copy = malloc(sizeof(*copy));
	svc_service **list =
	    realloc(reg->services, (reg->nservices + 1) * sizeof(*list));
	if (copy == NULL || list == NULL) {
		free(copy);
		if (list != NULL) {
			reg->services = list;
		}
		rv = HUES_RESOURCE_EXHAUSTED;
		goto fail;
	}
	*copy                           = *svc;
	reg->services                   = list;
	reg->services[reg->nservices++] = copy;
	for (size_t i = 0; i + 1 < reg->nservices; i++) {
		nmethods += reg->services[i]->nmethods;
	}
	if ((rv = rebuild(reg, nmethods)) != HUES_OK) {
		/* Take the service out again; the registry still owns its
		 * state, as documented, and frees it right here. */
		reg->nservices--;
		free(copy);
		goto fail;
	}
	return HUES_OK;

fail:
	if (svc->destroy != NULL) {
		svc->destroy(svc->state);
	}
	return rv;
}

size_t
svc_registry_count(const svc_registry *reg)
{
	return reg->nservices;
}

const svc_service *
svc_registry_at(const svc_registry *reg, size_t i)
{
	return i < reg->nservices ? reg->services[i] : NULL;
}

const svc_service *
svc_registry_service(const svc_registry *reg, const char *name)
{
	for (size_t i = 0; i < reg->nservices; i++) {
		if (strcmp(reg->services[i]->name, name) == 0) {
			return reg->services[i];
		}
	}
	return NULL;
}

const svc_method *
svc_registry_lookup(const svc_registry *reg, const char *name, size_t len,
    const svc_service **owner)
{
	return lookup(reg->slots, reg->nslots, name, len, owner);
}

void
svc_registry_event(const svc_registry *reg, svc_event ev)
{
	for (size_t i = 0; i < reg->nservices; i++) {
		const svc_service *s = reg->services[i];
		if (s->event != NULL) {
			s->event(s->state, ev);
		}
	}
}
