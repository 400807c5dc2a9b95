/*
 * internal.h - what the SDK's files share; nothing here is public.
 *
 * Locking: one mutex per client guards its lists, slots and calls in
 * flight. It is never held while user callbacks run or while NNG is asked
 * to send, so callbacks may start new calls.
 */
#ifndef HUES_SDK_INTERNAL_H
#define HUES_SDK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <protobuf-c/protobuf-c.h>

#include "hues/client.h"
#include "hues/v1/rpc.pb-c.h"

typedef struct hues__call hues__call;
typedef struct hues__slot hues__slot;

/* One REQ socket and its dialers (one per URL). pipes is kept by NNG's
 * pipe events, without the client's lock: the events fire on NNG threads
 * that may be inside nng_dialer_close(), called by the redial thread. */
typedef struct hues__sock {
	nng_socket  s;
	nng_dialer *dialers;
	size_t      ndialers;
	atomic_int  pipes;     /* connections up now */
	bool        redial;    /* the redial thread should replace dialers */
	uint64_t    redial_at; /* when it last did, or was asked to */
} hues__sock;

/* A call from start to callback. Allocated in one block with its copies of
 * method, payload and metadata. */
struct hues__call {
	hues__call   *next, *prev; /* pending or retry list */
	hues__call   *done_next;   /* list of calls to complete */
	hues_client  *client;
	uint64_t      call_id;
	uint64_t      deadline_ns;
	uint64_t      due_ns;  /* retry time */
	unsigned      attempts;
	unsigned      max_attempts;
	bool          retry_ok; /* idempotent method, flag or key */
	bool          in_slot_done; /* completed early (deadline in a batch) */
	size_t        wire_size; /* encoded Call, timeout at its largest */
	hues_callback cb;
	void         *arg;
	const ProtobufCMessageDescriptor *resp_desc; /* typed calls */
	hues_result  *result;   /* the outcome, once known */
	hues_result  *fallback; /* used when no memory is left for result */
	Hues__V1__Call           wire; /* method, id, metadata, payload */
	Hues__V1__MetadataEntry  *md_ptrs[];
};

enum { SLOT_IDLE, SLOT_SENDING, SLOT_RECEIVING };

/* One message in flight on one socket: a REQ context and its calls. */
struct hues__slot {
	hues_client  *client;
	size_t        sock; /* index in client->socks */
	nng_ctx       ctx;
	nng_aio      *aio;   /* send, then receive */
	nng_aio      *timer; /* deadlines of a batch's earlier calls */
	int           state;
	int           refs;  /* receive + timer; free when both are done */
	bool          timer_armed;
	bool          replied; /* the reply (or failure) was processed */
	hues__slot   *next_free;
	hues__slot   *next_send;
	bool          batch;
	size_t        ncalls;
	hues__call  **calls;
	Hues__V1__Call **wires;   /* the calls' wire structs, for a batch */
	hues_result    **results; /* new outcomes of the calls, by index */
};

struct hues_client {
	pthread_mutex_t  mtx;
	pthread_cond_t   idle_cv; /* active reached 0 */
	hues_client_opts o;
	hues__sock      *socks;
	size_t           nsocks;
	char           **urls; /* copies, for the redial thread */
	size_t           nurls;
	/* Replaces the dialers of a socket whose sends time out with no
	 * connection (redial.c); started with the client. */
	pthread_t        redial_thread;
	bool             redial_running;
	pthread_cond_t   redial_cv;
	nng_tls_config  *tls;
	hues__slot      *slots;
	size_t           nslots;
	hues__slot      *free_head, *free_tail; /* FIFO spreads over sockets */
	hues__call       pending;  /* list head: calls waiting for a slot */
	size_t           npending;
	size_t           slot_calls; /* calls carried by busy slots */
	hues__call       retrying; /* list head: calls waiting to retry */
	nng_aio         *timer;    /* retries and deadlines of pending calls */
	bool             timer_armed;
	uint64_t         timer_at;
	size_t           active;   /* calls started and not yet completed */
	/* Threads between dispatch() and the nng_ctx_send() of the slots it
	 * filled. hues_client_destroy() waits for 0 before it stops the
	 * slots: nng 1.5.2 panics when a context is sent on while it closes. */
	size_t           senders;
	bool             closing;
	uint64_t         rng;
	atomic_uint_fast64_t next_id;
};

/* Set on threads while they run user callbacks, so that hues_call() can
 * refuse to wait for itself. */
extern _Thread_local bool hues__in_callback;
/* Calls started on a thread while it runs the callbacks of one client's
 * completed calls, held there until the last callback has run (finish()),
 * linked by next. */
typedef struct hues__cork {
	hues_client *client;
	hues__call  *head, *tail;
	size_t       n;
} hues__cork;
extern _Thread_local hues__cork *hues__corked;

/* clock */
#define MS 1000000u /* nanoseconds in a millisecond */
uint64_t hues__now_ns(void);

/* requests (request.c) */
/* What is left until deadline, in whole ms rounded up, at least 1. */
uint32_t hues__remaining_ms(uint64_t deadline, uint64_t now);
/* Packs the calls of s into one request message *out, each with what is
 * left of its deadline at now; *last gets the latest deadline. 0, or
 * NNG_ENOMEM (nothing allocated; the calls are as they were). */
int hues__request_pack(
    hues__slot *s, uint64_t now, uint64_t *last, nng_msg **out);

/* outcomes (outcome.c): fill slot->results[0..ncalls) from a reply (which
 * is freed) or from the NNG error of the slot's send or receive */
void hues__outcomes_of_reply(hues__slot *s, nng_msg *msg);
void hues__outcomes_of_error(hues__slot *s, int nng_rv, bool never_sent);

/* dialers (redial.c) */
int  hues__dialer_start(hues_client *c, hues__sock *hs, size_t url);
int  hues__redial_start(hues_client *c);
void hues__redial_stop(hues_client *c);
/* A send on socket i found no connection within connect_timeout_ms. */
void hues__redial_want(hues_client *c, size_t i);

/* results (result.c) */
hues_result *hues__result_local(uint64_t call_id, int code, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
hues_result *hues__result_from_reply(uint64_t call_id, int code,
    const char *message, const Hues__V1__ErrorDetails *details,
    const ProtobufCBinaryData *payload, Hues__V1__MetadataEntry **md,
    size_t nmd);
/* Decodes the payload of an OK result with desc; turns the result into
 * INTERNAL when it cannot. Returns the result (possibly a new one). */
hues_result *hues__result_decode(hues_result *r,
    const ProtobufCMessageDescriptor *desc);
void hues__result_set_attempts(hues_result *r, unsigned attempts);

/* calls (call.c) */
/*
 * Starts a call; resp_desc is set for typed calls. On failure returns the
 * code and writes why into why (whylen bytes); cb never runs then.
 */
/* Queues a call built by hues__start() (start.c) and sends what it can.
 * On error (the client is closing, too many calls wait) the call is not
 * queued and stays the caller's; why says what happened. */
int hues__enqueue(hues_client *c, hues__call *call, char *why, size_t whylen);

int  hues__start(hues_client *c, const char *method, const void *req,
     size_t len, const hues_call_opts *opts,
     const ProtobufCMessageDescriptor *resp_desc, hues_callback cb, void *arg,
     char *why, size_t whylen);
/* Completes the calls still waiting (destroy). */
void hues__cancel_waiting(hues_client *c);
void hues__slot_cb(void *arg);
void hues__slot_timer_cb(void *arg);
void hues__timer_cb(void *arg);

#endif /* HUES_SDK_INTERNAL_H */
