/*
 * service.h - what a service is to the server: a name and a table of methods.
 *
 * Dispatch is a table, not a switch (redis commands, CMD_WRITE): each method
 * is one row with its full name, request and response descriptors, handler,
 * and flags. The dispatcher in server/rpc checks the auth policy, decodes the
 * request with a capped allocator, runs the handler on a worker thread and
 * maps its result to the reply status. A handler never sees NNG or LMDB
 * types: it reads its decoded request, fills its response, and returns a
 * status code.
 */
#ifndef HUES_SVC_SERVICE_H
#define HUES_SVC_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "svc/call.h"

/* Method flags. */
enum {
	/* Changes nothing; safe to serve from a read transaction. */
	SVC_READ_ONLY = 1u << 0,
	/* Calling it twice with the same request has the effect of once, so
	 * clients may retry it freely. */
	SVC_IDEMPOTENT = 1u << 1,
	/* Not subject to the per-caller write limit: test methods only
	 * (Debug/Put, which --debug-methods enables and whose loads are
	 * anonymous by design). */
	SVC_NO_RATE_LIMIT = 1u << 2,
	/* A read whose cost grows with the store, not with the request
	 * (Stats scans every report of the months asked for: 0.2 s of a
	 * worker over 1 000 000 reports). Charged to the caller's write
	 * bucket like a write, so that no caller, anonymous ones least of
	 * all, can keep the workers busy with it. */
	SVC_COSTLY = 1u << 3,
};

/* Who may call a method. */
typedef enum {
	SVC_AUTH_PUBLIC = 0,    /* anyone, with or without a token */
	SVC_AUTH_AUTHENTICATED, /* any valid token */
	SVC_AUTH_ROLES,         /* a valid token whose role is in roles */
} svc_auth;

/*
 * A handler: req is the decoded request (of the row's request type), resp
 * an initialised response (of the row's response type) to fill. Both live
 * in the call's arena. Returns HUES_OK or an error code; on error the
 * response is discarded and the message set with call_fail() is sent.
 * Runs on a worker thread; may block on the store, never on the network.
 */
typedef int (*svc_handler)(svc_call *call, const void *req, void *resp);

typedef struct svc_method {
	/* Full method name, "/hues.v1.<Service>/<Method>". */
	const char                       *name;
	const ProtobufCMessageDescriptor *request;
	const ProtobufCMessageDescriptor *response;
	svc_handler                       handler;
	unsigned                          flags; /* SVC_READ_ONLY | ... */
	svc_auth                          auth;
	unsigned                          roles; /* SVC_ROLE_* when SVC_AUTH_ROLES */
} svc_method;

/* Serving status of a service, as reported by Health/Check. */
typedef enum {
	SVC_SERVING     = 1,
	SVC_NOT_SERVING = 2,
} svc_health;

/* Events the server passes to every service. */
typedef enum {
	/* The server began to drain: handlers that wait should stop. */
	SVC_EVENT_DRAIN = 1,
	/* An operator sent SIGUSR1: the debug service releases held calls. */
	SVC_EVENT_RELEASE = 2,
} svc_event;

typedef struct svc_service {
	/* Full service name, e.g. "hues.v1.Health". */
	const char       *name;
	const svc_method *methods;
	size_t            nmethods;
	/* Handed to handlers through call_state(); owned by the service. */
	void *state;
	/* Optional: an event from outside (see svc_event). */
	void (*event)(void *state, svc_event ev);
	/* Optional: current health; NULL means always serving. */
	svc_health (*health)(void *state);
	/* Optional: frees state when the registry is destroyed. */
	void (*destroy)(void *state);
} svc_service;

#endif /* HUES_SVC_SERVICE_H */
