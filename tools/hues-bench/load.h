/*
 * load.h - the load drivers of hues-bench: a closed loop (exactly C calls
 * in flight) and an open loop (calls sent at a fixed rate, at most C in
 * flight), both over one hues_client and the generic hues_call_async().
 */
#ifndef HUES_BENCH_LOAD_H
#define HUES_BENCH_LOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "hues/hues.h"

/*
 * Decides whether the payload of an OK reply is the right answer; arg is
 * load_cfg.check_arg. Runs on SDK threads, concurrently: it must only
 * read shared state.
 */
typedef bool (*load_check)(const void *payload, size_t len, const void *arg);

/* One call a generator hands the driver. The pointers must stay valid
 * until the driver's hues_call_async() returns (which copies them). */
typedef struct load_call {
	const char *method; /* full name; NULL: load_cfg.method */
	const void *req;    /* serialized request */
	size_t      len;
	const char *token; /* bearer token; NULL: load_cfg.call's */
} load_call;

/*
 * A source of calls that differ (requests, callers, methods), instead of
 * one request sent again and again. A slot is one call in flight: the
 * driver numbers them 0 .. concurrency - 1 and has at most one call per
 * slot at a time, so a generator may keep per-slot state (a buffer, a
 * chain of calls) without locks. next and done run on the driver's and
 * the SDK's threads, concurrently for different slots.
 */
typedef struct load_gen {
	/* Fills *out with the slot's next call. Returns false when the slot
	 * has nothing more to send (finite generators only). */
	bool (*next)(void *arg, unsigned slot, load_call *out);
	/* Sees how the slot's call ended: its code, and for HUES_OK the
	 * reply (valid during the call only; NULL otherwise). Returns
	 * whether an OK reply is right; ignored for other codes. */
	bool (*done)(void *arg, unsigned slot, int code, const void *payload,
	    size_t len);
	void *arg;
	/* next may return false: the window then ends with the last call,
	 * or at duration_s if that comes first. */
	bool finite;
} load_gen;

typedef struct load_cfg {
	const char *const *urls;
	size_t             nurls;
	hues_client_opts   client; /* copied by hues_client_create */
	hues_call_opts     call;   /* the same for every call */
	const char        *method; /* full name, e.g. /hues.v1.Debug/Echo */
	const void        *req;    /* serialized request, sent as-is */
	size_t             req_len;
	load_check         check; /* NULL: any OK reply is right */
	const void        *check_arg;
	/* Not NULL: the calls come from here, and req, check are unused. */
	const load_gen *gen;
	unsigned        concurrency; /* >= 1 */
	double          warmup_s;
	double          duration_s; /* the window; ignored when calls > 0 */
	uint64_t        calls;      /* > 0: measure this many calls */
	double          rate;       /* > 0: open loop at rate calls/s */
	uint32_t        timeout_ms; /* per-call deadline, bounds the drain */
	/* > 0: a line on stderr every progress_s seconds with the calls
	 * completed so far (long loads). */
	double progress_s;
	/* Set (by a signal handler) to end the run early; may be NULL. */
	volatile sig_atomic_t *interrupt;
} load_cfg;

typedef struct load_report {
	hist     lat;    /* latencies (ns) of the measured OK calls */
	uint64_t ok;     /* measured OK calls: lat.count */
	uint64_t errors; /* failed calls, in or out of the window */
	/* Errors by status code; an OK reply with a wrong payload counts
	 * under bad_replies instead. */
	uint64_t by_code[HUES_STATUS_COUNT];
	uint64_t bad_replies;
	/* Calls still in flight at shutdown, cancelled by
	 * hues_client_destroy(); not errors. */
	uint64_t abandoned;
	/* Open loop: sends that were due while C calls were in flight, and
	 * so left later than scheduled (their latency includes the wait). */
	uint64_t late_sends;
	double   window_s;    /* length of the measurement window */
	double   cpu_s;       /* user + system CPU of this process in it */
	bool     interrupted; /* the run was cut short */
	/* hues_client_destroy() did not return in time (see load.c). The
	 * process must then leave with _exit(): the client, and what its
	 * callbacks use, cannot be freed. */
	bool client_stuck;
} load_report;

/*
 * Runs the load cfg describes and fills *rep (about 30 KiB: allocate it
 * statically or on the heap). Returns HUES_OK when the run took place,
 * whatever its calls returned; otherwise the code of the client or of the
 * first call that could not start, with a reason in why (whylen bytes).
 * Every wait is bounded: the run ends at most timeout_ms + 7 s after its
 * window. Call from one thread at a time.
 */
int load_run(const load_cfg *cfg, load_report *rep, char *why, size_t whylen);

#endif /* HUES_BENCH_LOAD_H */
