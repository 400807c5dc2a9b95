/*
 * fb.h - the Feedback service's handlers and what they share: the
 * service state, the tables and their keys, the report summary kept in the
 * indexes, the deferred state change of one report, views and page
 * tokens. Internal to server/svc/feedback; the server sees only
 * feedback.h. docs/feedback.md describes the tables and the rules.
 */
#ifndef HUES_SVC_FEEDBACK_FB_H
#define HUES_SVC_FEEDBACK_FB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "hues/v1/feedback.pb-c.h"
#include "store/store.h"
#include "svc/authz.h"
#include "svc/call.h"
#include "svc/feedback/catalog.h"
#include "svc/feedback/feedback.h"
#include "svc/feedback/geo.h"
#include "svc/feedback/sla.h"
#include "svc/feedback/state.h"

/* Geohash length in index keys: cells of about 38 m x 19 m, so that a
 * nearest-first query near a dense centre reads few entries. Any shorter
 * cell is a key prefix, so covers of any length scan the same index. */
#define FB_GEO_KEY_LEN 8
/* A fb_geo key (and fb_card key): the geohash, then the report number. */
#define FB_GEO_KEY_BYTES (FB_GEO_KEY_LEN + 8)

/* "R" and ten digits. */
#define FB_ID_LEN 11

typedef struct fb_tables {
	store_table *report, *geo, *time, *queue, *month, *rating, *support,
	    *follow, *outbox, *card;
	store_table *category, *agency, *ward, *route;
} fb_tables;

typedef struct fb_pending fb_pending;
typedef struct fb_owners  fb_owners;

typedef struct fb_service {
	store             *st;
	fb_tables          t;
	/* The reports waiting for the centre, by place (pending.c). */
	fb_pending        *pending;
	/* Who filed which report, and under which idempotency key
	 * (owners.c). */
	fb_owners         *owners;
	feedback_calendar *cal;
	feedback_area      area;
	int64_t            rating_window_s;
	size_t             scan_budget; /* feed.c, queue.c */

	/* The catalog: readers hold cat_lock shared while they use it; an
	 * admin write rebuilds it from the store and swaps it in. */
	pthread_rwlock_t  cat_lock;
	feedback_catalog *cat;
	pthread_mutex_t   reload_mtx; /* one rebuild at a time */

	/* Report numbers are taken on workers before the write is deferred,
	 * outbox numbers on the writer thread; both only grow. */
	atomic_uint_fast64_t next_seq;
	atomic_uint_fast64_t next_event;

	/* One store reader per worker thread (pthread key), all destroyed
	 * with the service. */
	pthread_key_t   reader_key;
	pthread_mutex_t readers_mtx;
	store_reader  **readers;
	size_t          nreaders, cap_readers;

	/* The rating-window sweep. */
	pthread_t       sweeper;
	bool            sweeper_started;
	pthread_mutex_t sweep_mtx;
	pthread_cond_t  sweep_cv;
	bool            stopping;
	unsigned        sweep_ms;
} fb_service;

/* ----- ids (records.c) ------------------------------------------------ */

/* Writes "R%010llu" (FB_ID_LEN + 1 bytes). */
void fb_id_format(uint64_t seq, char out[FB_ID_LEN + 1]);
/* Parses an id; false unless it is R and exactly ten digits, not all 0. */
bool fb_id_parse(const char *id, uint64_t *seq);
/* fb_id_parse() for a request's id field: a violation on field when it
 * is malformed; returns HUES_OK or HUES_INVALID_ARGUMENT. */
int fb_id_require(svc_call *call, const char *field, const char *id,
    uint64_t *seq);

/* ----- the summary kept in index values (summary.c) -------------------- */

/* The facts of a report that scans filter on, without the record. The
 * strings are borrowed: from the report when made by fb_summary_of(),
 * from the value when decoded. */
typedef struct fb_summary {
	uint64_t    seq;
	int64_t     submitted_at, ack_by, resolve_by, acknowledged_at,
	    resolved_at;
	double      lat, lon;
	uint8_t     state, published, rating, reopen_count;
	const char *category, *ward, *agency;
	size_t      category_len, ward_len, agency_len;
} fb_summary;

#define FB_SUMMARY_MAX (8 * 8 + 4 + 3 * (1 + FEEDBACK_MAX_CODE))

void   fb_summary_of(const Hues__V1__Report *r, uint64_t seq, fb_summary *out);
size_t fb_summary_encode(const fb_summary *s, uint8_t buf[FB_SUMMARY_MAX]);
bool   fb_summary_decode(const void *p, size_t n, fb_summary *out);
/*
 * The owner tail of a report's fb_time value, after its summary: the
 * reporter ("" when anonymous) and the idempotency key of its submission
 * ("" when none), each a length and its bytes. It is the durable record
 * the in-memory owners index is rebuilt from (owners.c); the other
 * indexes hold the summary alone.
 */
typedef struct fb_owner {
	const char *user, *key;
	size_t      user_len, key_len;
} fb_owner;

#define FB_OWNER_USER_MAX 256 /* a token's sub claim (auth/claims.c) */
#define FB_OWNER_KEY_MAX  255
#define FB_OWNER_MAX      (2 + FB_OWNER_USER_MAX + 1 + FB_OWNER_KEY_MAX)

/* Writes the tail (FB_OWNER_MAX bytes of room); 0 when a part is longer
 * than its maximum. */
size_t fb_owner_encode(const fb_owner *w, uint8_t *buf);
/* Finds the tail of an fb_time value v; false when it has none. The
 * strings point into v. */
bool fb_owner_decode(const void *v, size_t n, fb_owner *out);

/* Whether a summary's string field equals s (NULL or "" match ""). */
bool fb_summary_is(const char *field, size_t len, const char *s);

/* ----- the record and its indexes (records.c) --------------------------- */

/* Copies report seq's packed bytes into memory of alloc; HUES_NOT_FOUND. */
int fb_report_bytes(store_txn *txn, const fb_tables *t, uint64_t seq,
    ProtobufCAllocator *alloc, void **val, size_t *len);

/* The key of the card (and of the fb_geo entry) of the report summed up
 * by s: FB_GEO_KEY_BYTES. */
void fb_card_key(const fb_summary *s, uint8_t key[FB_GEO_KEY_BYTES]);
/* The same key from a geohash already computed (FB_GEO_KEY_LEN). */
void fb_geo_key(const char gh[FB_GEO_KEY_LEN], uint64_t seq,
    uint8_t key[FB_GEO_KEY_BYTES]);

/*
 * Copies the public card (card.c) under key into memory of alloc, room
 * bytes into its block (free for the caller, e.g. for a length prefix):
 * found through cards, a cursor on t->card (finds in key order through
 * one cursor read fewer pages), else, in a store written before the card
 * table, cut from record seq. HUES_NOT_FOUND, HUES_DATA_LOSS.
 */
int fb_card_load(store_cursor *cards, store_txn *txn, const fb_tables *t,
    const uint8_t key[FB_GEO_KEY_BYTES], uint64_t seq,
    ProtobufCAllocator *alloc, size_t room, void **val, size_t *len);

/* Reads report seq into r (unpacked with alloc); HUES_NOT_FOUND. */
int fb_report_load(store_txn *txn, const fb_tables *t, uint64_t seq,
    ProtobufCAllocator *alloc, Hues__V1__Report **out);

/*
 * The answer of a list (ListMyReports, WorkQueue) whose scan stopped on
 * err at report seq: RESOURCE_EXHAUSTED when the page outgrew the call's
 * memory; otherwise an index entry without its summary or report, a
 * damaged store, which is logged (with what: the method and the index)
 * and answered DATA_LOSS rather than hidden as a shorter list.
 */
int fb_scan_failed(svc_call *call, int err, const char *what, uint64_t seq);

/*
 * Writes report r (seq) packed, and moves its index entries from what old
 * described (NULL for a new report) to what r describes now. A new
 * report's fb_time entry gets the owner tail of its reporter and key
 * (NULL: none); a changed one keeps the tail it has. On the
 * writer thread, in the request's transaction. pre, when not NULL, is r
 * packed already (by a handler, off the writer thread); else scratch
 * holds the packed record. *packed and *packed_len point at it after.
 */
int fb_report_save(store_txn *txn, const fb_service *svc, uint64_t seq,
    const Hues__V1__Report *r, const ProtobufCBinaryData *pre,
    const fb_summary *old, const char *key, arena *scratch, void **packed,
    size_t *packed_len);

/* Appends the outbox events of step for report r (writer thread). */
int fb_outbox_emit(store_txn *txn, fb_service *svc,
    const Hues__V1__Report *r, const feedback_step *step,
    const char *public_note, int64_t at);

/* The geohash of a point at FB_GEO_KEY_LEN. */
void fb_geohash(double lat, double lon, char out[FB_GEO_KEY_LEN + 1]);

/* Due time of a report in the work queue (0: not in a queue), and the
 * queue's agency ("" is the centre). */
int64_t fb_queue_due(const fb_summary *s, const char **agency, size_t *len);

/* Whether a report in this state waits for the centre's triage
 * (submitted, or returned to triage): the pending set's reports. */
bool fb_state_waits_for_centre(int state);

/* Whether the state counts as open for "nearby" (not final, not
 * resolved). */
bool fb_state_nearby_open(int state);

/* A report found by a nearest-first scan, and the bounded list of the
 * want nearest, kept sorted by (distance, number) as hits come in. */
typedef struct fb_hit {
	double   d;
	uint64_t seq;
	uint8_t  key[FB_GEO_KEY_BYTES]; /* its fb_geo key, its card's too */
} fb_hit;
bool fb_hit_before(double d1, uint64_t s1, double d2, uint64_t s2);
/* key: the fb_geo key of the hit (FB_GEO_KEY_BYTES). */
void fb_hits_keep(fb_hit *h, size_t *n, size_t want, double d, uint64_t seq,
    const void *key);

/* Whether a report in this state is public: accepted and after, but not
 * waiting for the centre, refused or withdrawn. */
bool fb_state_published(int state);

/* Whether state is in states (an empty list wants every state), and a
 * check of such a list (violations on field[i]). */
bool fb_state_wanted(int state, const Hues__V1__ReportState *states, size_t n);
bool fb_states_check(svc_call *call, const char *field,
    const Hues__V1__ReportState *states, size_t n);

/* ----- readers and the catalog (service.c) ------------------------------ */

/* Keys of the catalog tables: a code; a rule's category and ward. */
void fb_key_code(store_key *k, const char *code);
void fb_key_route(store_key *k, const char *category, const char *ward);

/* Begins a read on this thread's reader. HUES_OK and *txn, or an error
 * recorded on call (only returned when call is NULL). End it with
 * fb_read_end() before deferring. */
int  fb_read_begin(fb_service *svc, svc_call *call, store_txn **txn);
void fb_read_end(fb_service *svc);

/* The catalog, shared-locked until fb_catalog_release(). */
const feedback_catalog *fb_catalog_hold(fb_service *svc);
void                    fb_catalog_release(fb_service *svc);

/* Rebuilds the in-memory catalog from the store (after an admin write). */
int fb_catalog_reload(fb_service *svc);

/* n bytes (at least 1) of the call's memory, for fb_mem and allocators. */
void *fb_call_mem(void *call, size_t n);

/* A protobuf-c allocator on the call's memory. */
void fb_call_allocator(svc_call *call, ProtobufCAllocator *out);

/* ----- views (view.c) --------------------------------------------------- */

typedef enum {
	FB_VIEW_FULL,    /* coordinators, admins */
	FB_VIEW_OWN,     /* the reporter */
	FB_VIEW_OFFICER, /* the agency: no reporter */
	FB_VIEW_PUBLIC,  /* everyone else */
} fb_view;

/* The view p gets of r into *out: HUES_OK, or the refusal (recorded on
 * call) when p may not read r at all. */
int fb_view_for(svc_call *call, const svc_principal *p,
    const Hues__V1__Report *r, fb_view *out);

/* Applies view v to r in place (r is in the call's memory), and fills
 * the derived fields that depend on now. */
void fb_view_apply(svc_call *call, Hues__V1__Report *r, fb_view v);

/* ----- cards (card.c) --------------------------------------------------- */

/* What fb_card_of returns for bytes that are not a well-formed record. */
#define FB_CARD_BAD ((size_t) -1)

/*
 * The public card of a stored report (its packed bytes, len of them):
 * the public view without the history, as protobuf bytes, written to out
 * (len bytes of room; a card is never longer than its record). Returns
 * its length, or FB_CARD_BAD.
 */
size_t fb_card_of(const void *report, size_t len, void *out);

/* Writes the length prefix of a len-byte card (a protobuf varint) to out
 * and returns its length: for sending a card as a packed field. */
size_t fb_card_prefix(uint8_t out[10], size_t len);

/* A few fields of a stored report, read where they lie in its bytes:
 * what a nearby suggestion shows, without unpacking the whole report
 * (its history, description and media are most of it). The strings
 * point into the bytes and are not NUL-terminated. */
typedef struct fb_glance {
	const char *id, *title;
	size_t      id_len, title_len;
	int32_t     state;
	uint32_t    supporters;
	int64_t     submitted_at;
} fb_glance;

/* Reads *out from the len bytes of a stored report; false when they are
 * not a well-formed record (or give a field another type). */
bool fb_report_glance(const void *report, size_t len, fb_glance *out);

/* Whether card.c has a rule for field number of desc (the unit test
 * checks that every field of the messages it filters has one). */
bool fb_card_knows(const ProtobufCMessageDescriptor *desc, uint32_t number);

/* The authz facts of a report. */
void fb_authz_object(const Hues__V1__Report *r, authz_object *out);

/* ----- page tokens (page.c) --------------------------------------------- */

typedef enum {
	FB_PAGE_MINE = 1,
	FB_PAGE_FEED_NEAR,
	FB_PAGE_FEED_BOX,
	FB_PAGE_FEED_TIME,
	FB_PAGE_QUEUE,
	FB_PAGE_OUTBOX,
	FB_PAGE_CATEGORIES,
	FB_PAGE_AGENCIES,
	FB_PAGE_WARDS,
	FB_PAGE_ROUTES,
} fb_page_kind;

/* The hash of a request's filters: fb_page_hash(NULL, 0, 0) starts one,
 * then fold each field in. */
uint32_t fb_page_hash(uint32_t h, const void *p, size_t n);
uint32_t fb_page_hash_str(uint32_t h, const char *s);

/* Encodes a token for the key (or cursor bytes) last returned. */
char *fb_page_token(svc_call *call, fb_page_kind kind, uint32_t filters,
    const void *last, size_t n);

/* Decodes a request's token: "" gives *n == 0 (the first page). Returns
 * HUES_OK, or INVALID_ARGUMENT with a violation on page_token. The bytes
 * are in the call's memory. */
int fb_page_parse(svc_call *call, const char *token, fb_page_kind kind,
    uint32_t filters, const void **last, size_t *n);

/* A cursor that is one report or event number: HUES_OK and *seq, or
 * INVALID_ARGUMENT on page_token. */
int fb_page_seq(svc_call *call, const void *last, size_t n, uint64_t *seq);

/* feedback_page_size() with the request's page_size. */
int fb_page_size(svc_call *call, int32_t requested, uint32_t *out);

/* ----- the deferred change of one report (mutate.c) ---------------------- */

typedef struct fb_job fb_job;

/* A job's right: readable by the caller (published, or her own). */
#define FB_AUTHZ_READABLE (-1)
/* A job of the server itself (the rating sweep): no caller to check. */
#define FB_AUTHZ_SYSTEM (-2)

/*
 * What one method does to a loaded report on the writer thread: checks
 * and changes j->rep, may set j->step (a transition, appended to the
 * history and the outbox by the caller) and write other tables. Returns
 * HUES_OK or an error code after fb_job_fail().
 */
typedef int (*fb_apply_fn)(fb_job *j, store_txn *txn);

/* Fills the method's response from the view of the changed report. */
typedef void (*fb_fill_fn)(fb_job *j, void *resp, Hues__V1__Report *view);

struct fb_job {
	fb_service          *svc;
	const svc_principal *who; /* the call's: read-only */
	feedback_role        role;
	uint64_t             seq;
	int64_t              now;
	const void          *req;
	void                *resp;
	fb_apply_fn          apply;
	fb_fill_fn           fill;
	int                  authz; /* authz_action or FB_AUTHZ_READABLE */
	bool                 no_save; /* apply wrote what it needed */

	/* Writer side; reset on every run. */
	arena             wa;
	Hues__V1__Report *rep;
	bool              has_step;
	feedback_step     step;
	const char       *note; /* public note of the step, for the outbox */
	Hues__V1__MediaRef *const *step_media; /* of the history entry */
	size_t                     n_step_media;

	/* Results. */
	void       *out;
	size_t      out_len;
	uint32_t    count;
	bool        flag;
	char        msg[256];
	const char *reason;
	const char *field; /* INVALID_ARGUMENT: the field msg is about */
};

/* Records an error for the worker to report; returns code. */
int fb_job_fail(fb_job *j, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Asks the state machine for act (role j->role), into j->step. */
int fb_job_transition(fb_job *j, feedback_action act, const char *public_note,
    const char *internal_note);

/* Allocates in the job's writer-side memory. */
void *fb_job_alloc(fb_job *j, size_t n);
char *fb_job_strdup(fb_job *j, const char *s);

/*
 * Prepares a job on report id (request field "id") for the call, and
 * defers it. Returns what the handler returns.
 */
int fb_job_defer(svc_call *call, fb_service *svc, const char *id,
    const void *req, void *resp, int authz, fb_apply_fn apply, fb_fill_fn fill);

/* Runs a job without a call, waiting for its commit (the sweep's
 * thread). Returns its code; the job's memory is freed. */
int fb_job_run(fb_job *j, store *st);

/* Fills the common "Report report = 1" response. */
void fb_fill_report(fb_job *j, void *resp, Hues__V1__Report *view);

/* ----- handlers ---------------------------------------------------------- */

int fb_submit_report(svc_call *call, const void *req, void *resp);
int fb_get_report(svc_call *call, const void *req, void *resp);
int fb_list_my_reports(svc_call *call, const void *req, void *resp);
int fb_withdraw(svc_call *call, const void *req, void *resp);
int fb_add_comment(svc_call *call, const void *req, void *resp);
int fb_support(svc_call *call, const void *req, void *resp);
int fb_subscribe(svc_call *call, const void *req, void *resp);
int fb_unsubscribe(svc_call *call, const void *req, void *resp);
int fb_rate(svc_call *call, const void *req, void *resp);
int fb_public_feed(svc_call *call, const void *req, void *resp);
int fb_triage(svc_call *call, const void *req, void *resp);
int fb_acknowledge(svc_call *call, const void *req, void *resp);
int fb_start_work(svc_call *call, const void *req, void *resp);
int fb_request_info(svc_call *call, const void *req, void *resp);
int fb_extend_deadline(svc_call *call, const void *req, void *resp);
int fb_resolve(svc_call *call, const void *req, void *resp);
int fb_return_to_triage(svc_call *call, const void *req, void *resp);
int fb_work_queue(svc_call *call, const void *req, void *resp);
int fb_stats(svc_call *call, const void *req, void *resp);
int fb_read_outbox(svc_call *call, const void *req, void *resp);
int fb_list_categories(svc_call *call, const void *req, void *resp);
int fb_put_category(svc_call *call, const void *req, void *resp);
int fb_list_agencies(svc_call *call, const void *req, void *resp);
int fb_put_agency(svc_call *call, const void *req, void *resp);
int fb_list_wards(svc_call *call, const void *req, void *resp);
int fb_put_ward(svc_call *call, const void *req, void *resp);
int fb_list_routing_rules(svc_call *call, const void *req, void *resp);
int fb_put_routing_rule(svc_call *call, const void *req, void *resp);
int fb_delete_routing_rule(svc_call *call, const void *req, void *resp);

/* Up to 5 open reports of category within 250 m of p, nearest first,
 * other than exclude (submit.c). */
int fb_nearby(svc_call *call, fb_service *svc, store_txn *txn,
    const char *category, feedback_point p, uint64_t exclude,
    Hues__V1__NearbyReport ***out, size_t *nout);

/* The rating-window sweep thread (sweep.c). */
int  fb_sweeper_start(fb_service *svc);
void fb_sweeper_stop(fb_service *svc);

/* ----- reports waiting for the centre (pending.c) ------------------------ */

/* The set of reports that wait for triage, submitted or returned to it,
 * by place: fb_geo holds published reports only, so SubmitReport's nearby
 * search finds unpublished ones here. Any thread (a read-write lock). */
int    fb_pending_create(fb_pending **out);
void   fb_pending_destroy(fb_pending *p);
size_t fb_pending_count(fb_pending *p);

/*
 * The report of s was saved as s (from old, or new when old is NULL): it
 * joins the set when it waits for triage, and leaves it otherwise. Called
 * from commit hooks, in commit order, and at start from the queue.
 * HUES_RESOURCE_EXHAUSTED when memory is missing (it is then not in).
 */
int fb_pending_update(fb_pending *p, const fb_summary *old, const fb_summary *s);

/* Offers to hits (as fb_hits_keep, want at most) the reports of the set
 * in cells (of 6 or more characters, or any) of category within radius_m
 * of pt, but not exclude nor those already in hits. cells come nearest
 * first (by min_distance_m, as the covers sort them): the search stops
 * at the first that cannot hold a nearer report than the want-th. */
void fb_pending_near(fb_pending *p, const feedback_cell *cells, size_t ncells,
    const char *category, feedback_point pt, double radius_m,
    uint64_t exclude, fb_hit *hits, size_t *nhits, size_t want);

/* At start: fills the set from the centre's queue. */
int fb_pending_load(fb_service *svc);

/* ----- who filed which report (owners.c) --------------------------------- */

int  fb_owners_create(fb_owners **out);
void fb_owners_destroy(fb_owners *o);

/* Adds report seq to user's (len bytes) reports; a number already there
 * is kept once. From commit hooks and at start. */
int fb_owners_add(fb_owners *o, const char *user, size_t len, uint64_t seq);

/* Copies up to max of user's report numbers below below (0: all),
 * newest first, into out; returns how many. Any thread. */
size_t fb_owners_list(fb_owners *o, const char *user, size_t len,
    uint64_t below, uint64_t *out, size_t max);

/* The hash of a user's idempotency key. */
uint64_t fb_owners_key_hash(const fb_owners *o, const char *user, size_t ulen,
    const char *key, size_t klen);

/* The reports last remembered under hash h (up to max): candidates, to
 * check against their owner tails. */
size_t fb_owners_key_find(fb_owners *o, uint64_t h, uint64_t *out, size_t max);

/* Remembers seq under h, in place of stale (a candidate that proved not
 * to exist; 0 for none) when there is one. */
int fb_owners_key_set(fb_owners *o, uint64_t h, uint64_t stale, uint64_t seq);

/* How many users and keys the index holds (for the log at start). */
void fb_owners_counts(fb_owners *o, size_t *users, size_t *keys);

/* At start: fills the index from the owner tails in fb_time. */
int fb_owners_load(fb_service *svc);

#endif /* HUES_SVC_FEEDBACK_FB_H */
