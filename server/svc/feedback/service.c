/*
 * service.c - the Feedback service: its method table, its tables, the
 * catalog (seeded with the Huế default into an empty store, then always
 * read from the store), one store reader per worker thread, and the
 * numbering of reports and outbox events.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "svc/feedback/convert.h"
#include "svc/feedback/fb.h"

/* M(path, msg, handler, flags, PUB or ROLES(...)): the auth pair is
 * expanded before M_ counts its arguments. */
#define M(path, msg, fn, fl, ...) M_(path, msg, fn, fl, __VA_ARGS__)
#define M_(path, msg, fn, fl, au, ro)                                         \
	{                                                                     \
	    .name     = "/hues.v1.Feedback/" path,                            \
	    .request  = &hues__v1__##msg##_request__descriptor,               \
	    .response = &hues__v1__##msg##_response__descriptor,              \
	    .handler  = fn,                                                   \
	    .flags    = fl,                                                   \
	    .auth     = au,                                                   \
	    .roles    = ro,                                                   \
	}
#define RD (SVC_READ_ONLY | SVC_IDEMPOTENT)
#define PUB SVC_AUTH_PUBLIC, 0
#define ROLES(r) SVC_AUTH_ROLES, (r)
#define RESIDENT (SVC_ROLE_CITIZEN | SVC_ROLE_SERVICE)

static const svc_method fb_methods[] = {
    M("SubmitReport", submit_report, fb_submit_report, 0,
        PUB),
    M("GetReport", get_report, fb_get_report, RD, PUB),
    M("ListMyReports", list_my_reports,
        fb_list_my_reports, RD, ROLES(RESIDENT)),
    M("Withdraw", withdraw, fb_withdraw, 0, ROLES(RESIDENT)),
    M("AddComment", add_comment, fb_add_comment, 0,
        ROLES(RESIDENT)),
    M("Support", support, fb_support, SVC_IDEMPOTENT,
        ROLES(RESIDENT)),
    M("Subscribe", subscribe, fb_subscribe, SVC_IDEMPOTENT,
        ROLES(RESIDENT)),
    M("Unsubscribe", unsubscribe, fb_unsubscribe,
        SVC_IDEMPOTENT, ROLES(RESIDENT)),
    M("Rate", rate, fb_rate, 0, ROLES(RESIDENT)),
    M("PublicFeed", public_feed, fb_public_feed, RD, PUB),
    M("Triage", triage, fb_triage, 0,
        ROLES(SVC_ROLE_COORDINATOR)),
    M("Acknowledge", acknowledge, fb_acknowledge, 0,
        ROLES(SVC_ROLE_OFFICER)),
    M("StartWork", start_work, fb_start_work, 0,
        ROLES(SVC_ROLE_OFFICER)),
    M("RequestInfo", request_info, fb_request_info, 0,
        ROLES(SVC_ROLE_OFFICER)),
    M("ExtendDeadline", extend_deadline,
        fb_extend_deadline, 0, ROLES(SVC_ROLE_OFFICER)),
    M("Resolve", resolve, fb_resolve, 0,
        ROLES(SVC_ROLE_OFFICER)),
    M("ReturnToTriage", return_to_triage,
        fb_return_to_triage, 0, ROLES(SVC_ROLE_OFFICER)),
    M("WorkQueue", work_queue, fb_work_queue, RD,
        ROLES(SVC_ROLE_OFFICER | SVC_ROLE_COORDINATOR)),
    M("Stats", stats, fb_stats, RD | SVC_COSTLY, PUB),
    M("ReadOutbox", read_outbox, fb_read_outbox, RD,
        ROLES(SVC_ROLE_COORDINATOR | SVC_ROLE_ADMIN | SVC_ROLE_SERVICE)),
    M("ListCategories", list_categories,
        fb_list_categories, RD, PUB),
    M("PutCategory", put_category, fb_put_category,
        SVC_IDEMPOTENT, ROLES(SVC_ROLE_ADMIN)),
    M("ListAgencies", list_agencies, fb_list_agencies, RD,
        PUB),
    M("PutAgency", put_agency, fb_put_agency, SVC_IDEMPOTENT,
        ROLES(SVC_ROLE_ADMIN)),
    M("ListWards", list_wards, fb_list_wards, RD, PUB),
    M("PutWard", put_ward, fb_put_ward, SVC_IDEMPOTENT,
        ROLES(SVC_ROLE_ADMIN)),
    M("ListRoutingRules", list_routing_rules,
        fb_list_routing_rules, RD, PUB),
    M("PutRoutingRule", put_routing_rule,
        fb_put_routing_rule, SVC_IDEMPOTENT, ROLES(SVC_ROLE_ADMIN)),
    M("DeleteRoutingRule", delete_routing_rule,
        fb_delete_routing_rule, SVC_IDEMPOTENT, ROLES(SVC_ROLE_ADMIN)),
};
#define NMETHODS (sizeof(fb_methods) / sizeof(fb_methods[0]))

/* The responses whose handlers answer with fb_fill_report() must start
 * with "Report report = 1". */
#define REPORT_FIRST(T)                                                       \
	_Static_assert(offsetof(T, base) == 0 &&                              \
	                   offsetof(T, report) == sizeof(ProtobufCMessage),   \
	    #T " starts with its report")
REPORT_FIRST(Hues__V1__WithdrawResponse);
REPORT_FIRST(Hues__V1__AddCommentResponse);
REPORT_FIRST(Hues__V1__RateResponse);
REPORT_FIRST(Hues__V1__TriageResponse);
REPORT_FIRST(Hues__V1__AcknowledgeResponse);
REPORT_FIRST(Hues__V1__StartWorkResponse);
REPORT_FIRST(Hues__V1__RequestInfoResponse);
REPORT_FIRST(Hues__V1__ExtendDeadlineResponse);
REPORT_FIRST(Hues__V1__ResolveResponse);
REPORT_FIRST(Hues__V1__ReturnToTriageResponse);

/* ----- memory ------------------------------------------------------------- */

void *
fb_call_mem(void *call, size_t n)
{
	return call_alloc(call, n > 0 ? n : 1);
}

static void
call_pb_free(void *call, void *p)
{
	(void) call;
	(void) p; /* the call's memory is released as a whole */
}

void
fb_call_allocator(svc_call *call, ProtobufCAllocator *out)
{
	out->alloc          = fb_call_mem;
	out->free           = call_pb_free;
	out->allocator_data = call;
}

/* An arena that aborts on exhaustion, like the call's memory, for the
 * converters at start. */
static void *
arena_or_die(void *a, size_t n)
{
	void *p = arena_alloc(a, n);
	if (p == NULL) {
		abort();
	}
	return p;
}

/* ----- readers ------------------------------------------------------------ */

int
fb_read_begin(fb_service *svc, svc_call *call, store_txn **txn)
{
	store_reader *r = pthread_getspecific(svc->reader_key);
	int           rv;

	if (r == NULL) {
		if ((rv = store_reader_create(svc->st, &r)) != HUES_OK) {
			return call != NULL ? call_fail(call, HUES_UNAVAILABLE,
			                          "no store reader")
			                    : HUES_UNAVAILABLE;
		}
		pthread_mutex_lock(&svc->readers_mtx);
		if (svc->nreaders == svc->cap_readers) {
			size_t cap = svc->cap_readers ? svc->cap_readers * 2 : 16;
			store_reader **v =
			    realloc(svc->readers, cap * sizeof(*v));
			if (v == NULL) {
				pthread_mutex_unlock(&svc->readers_mtx);
				store_reader_destroy(r);
				return call != NULL ? call_fail(call,
				                          HUES_RESOURCE_EXHAUSTED,
				                          "out of memory")
				                    : HUES_RESOURCE_EXHAUSTED;
			}
			svc->readers     = v;
			svc->cap_readers = cap;
		}
		svc->readers[svc->nreaders++] = r;
		pthread_mutex_unlock(&svc->readers_mtx);
		pthread_setspecific(svc->reader_key, r);
	}
	if ((rv = store_read_begin(r, txn)) != HUES_OK) {
		int code =
		    rv == HUES_RESOURCE_EXHAUSTED ? HUES_UNAVAILABLE : HUES_INTERNAL;
		return call != NULL ? call_fail(call, code,
		                          "cannot read the store (%s)",
		                          hues_status_name(rv))
		                    : code;
	}
	return HUES_OK;
}

void
fb_read_end(fb_service *svc)
{
	store_reader *r = pthread_getspecific(svc->reader_key);
	if (r != NULL) {
		store_read_end(r);
	}
}

/* ----- catalog ------------------------------------------------------------ */

const feedback_catalog *
fb_catalog_hold(fb_service *svc)
{
	pthread_rwlock_rdlock(&svc->cat_lock);
	return svc->cat;
}

void
fb_catalog_release(fb_service *svc)
{
	pthread_rwlock_unlock(&svc->cat_lock);
}

typedef struct seed_job {
	const fb_tables *t;
	const feedback_catalog *cat;
	arena *a;
} seed_job;

static int
put_pb(store_txn *txn, const store_table *t, const store_key *k,
    const ProtobufCMessage *m, arena *a)
{
	size_t   n = protobuf_c_message_get_packed_size(m);
	uint8_t *b = arena_or_die(a, n > 0 ? n : 1);
	protobuf_c_message_pack(m, b);
	return store_put(txn, t, store_key_data(k), store_key_len(k), b, n, 0);
}

void
fb_key_code(store_key *k, const char *code)
{
	store_key_init(k);
	store_key_str(k, code, strlen(code));
}

void
fb_key_route(store_key *k, const char *category, const char *ward)
{
	store_key_init(k);
	store_key_str(k, category, strlen(category));
	store_key_str(k, ward != NULL ? ward : "", ward != NULL ? strlen(ward) : 0);
}

static int
seed_fn(store_txn *txn, void *arg)
{
	seed_job    *j = arg;
	fb_mem       m = {arena_or_die, j->a};
	store_key    k;
	int          rv = HUES_OK;

	for (size_t i = 0; rv == HUES_OK &&
	                   i < feedback_catalog_ncategories(j->cat); i++) {
		const feedback_category *c = feedback_catalog_category_at(j->cat, i);
		fb_key_code(&k, c->code);
		rv = put_pb(txn, j->t->category, &k,
		    &fb_category_to_pb(&m, c)->base, j->a);
	}
	for (size_t i = 0; rv == HUES_OK &&
	                   i < feedback_catalog_nagencies(j->cat); i++) {
		const feedback_agency *a = feedback_catalog_agency_at(j->cat, i);
		fb_key_code(&k, a->id);
		rv = put_pb(txn, j->t->agency, &k, &fb_agency_to_pb(&m, a)->base,
		    j->a);
	}
	for (size_t i = 0; rv == HUES_OK &&
	                   i < feedback_catalog_nwards(j->cat); i++) {
		const feedback_ward *w = feedback_catalog_ward_at(j->cat, i);
		fb_key_code(&k, w->code);
		rv = put_pb(txn, j->t->ward, &k, &fb_ward_to_pb(&m, w)->base, j->a);
	}
	for (size_t i = 0; rv == HUES_OK &&
	                   i < feedback_catalog_nroutes(j->cat); i++) {
		const feedback_route *r = feedback_catalog_route_at(j->cat, i);
		fb_key_route(&k, r->category, r->ward);
		rv = put_pb(txn, j->t->route, &k, &fb_route_to_pb(&m, r)->base,
		    j->a);
	}
	return rv;
}

/* Reads every record of one catalog table into cat. */
static int
load_table(store_txn *txn, const store_table *t,
    const ProtobufCMessageDescriptor *d, feedback_catalog *cat, arena *a)
{
	store_cursor      *c;
	store_item         it;
	ProtobufCAllocator pa;
	fb_mem             m = {arena_or_die, a};
	int                rv;

	arena_protobuf_allocator(a, &pa);
	if ((rv = store_cursor_open(txn, t, NULL, &c)) != HUES_OK) {
		return rv;
	}
	while (rv == HUES_OK && store_cursor_next(c, &it) == HUES_OK) {
		ProtobufCMessage *msg =
		    protobuf_c_message_unpack(d, &pa, it.vlen, it.val);
		if (msg == NULL) {
			rv = HUES_DATA_LOSS;
			break;
		}
		if (d == &hues__v1__category__descriptor) {
			feedback_category fc;
			fb_category_from_pb(&m, (Hues__V1__Category *) msg, &fc);
			rv = feedback_catalog_put_category(cat, &fc);
		} else if (d == &hues__v1__agency__descriptor) {
			feedback_agency fa;
			fb_agency_from_pb((Hues__V1__Agency *) msg, &fa);
			rv = feedback_catalog_put_agency(cat, &fa);
		} else if (d == &hues__v1__ward__descriptor) {
			feedback_ward fw;
			fb_ward_from_pb((Hues__V1__Ward *) msg, &fw);
			rv = feedback_catalog_put_ward(cat, &fw);
		} else {
			feedback_route fr;
			fb_route_from_pb((Hues__V1__RoutingRule *) msg, &fr);
			rv = feedback_catalog_put_route(cat, &fr);
		}
	}
	store_cursor_close(c);
	return rv;
}

int
fb_catalog_reload(fb_service *svc)
{
	store_reader     *r;
	store_txn        *txn;
	feedback_catalog *cat;
	arena             a;
	int               rv;

	if ((rv = feedback_catalog_create(&cat)) != HUES_OK) {
		return rv;
	}
	if ((rv = store_reader_create(svc->st, &r)) != HUES_OK) {
		feedback_catalog_destroy(cat);
		return rv;
	}
	arena_init(&a, 65536);
	pthread_mutex_lock(&svc->reload_mtx);
	if ((rv = store_read_begin(r, &txn)) == HUES_OK) {
		rv = load_table(txn, svc->t.category, &hues__v1__category__descriptor,
		    cat, &a);
		if (rv == HUES_OK) {
			rv = load_table(txn, svc->t.agency,
			    &hues__v1__agency__descriptor, cat, &a);
		}
		if (rv == HUES_OK) {
			rv = load_table(
			    txn, svc->t.ward, &hues__v1__ward__descriptor, cat, &a);
		}
		if (rv == HUES_OK) {
			rv = load_table(txn, svc->t.route,
			    &hues__v1__routing_rule__descriptor, cat, &a);
		}
		store_read_end(r);
	}
	if (rv == HUES_OK) {
		char msg[256];
		if (feedback_catalog_check(cat, msg, sizeof(msg)) != HUES_OK) {
			LOG_WARN(NULL, "feedback catalog: %s", msg);
		}
		pthread_rwlock_wrlock(&svc->cat_lock);
		feedback_catalog *old = svc->cat;
		svc->cat              = cat;
		pthread_rwlock_unlock(&svc->cat_lock);
		feedback_catalog_destroy(old);
	} else {
		feedback_catalog_destroy(cat);
	}
	pthread_mutex_unlock(&svc->reload_mtx);
	arena_fini(&a);
	store_reader_destroy(r);
	return rv;
}

/* Seeds an empty store with the default catalog. */
static int
seed_if_empty(fb_service *svc)
{
	store_reader *r;
	store_txn    *txn;
	store_cursor *c;
	store_item    it;
	bool          empty = true;
	int           rv;

	if ((rv = store_reader_create(svc->st, &r)) != HUES_OK) {
		return rv;
	}
	if ((rv = store_read_begin(r, &txn)) == HUES_OK) {
		const store_table *ts[] = {svc->t.category, svc->t.agency,
		    svc->t.ward, svc->t.route};
		for (size_t i = 0; rv == HUES_OK && i < 4; i++) {
			if ((rv = store_cursor_open(txn, ts[i], NULL, &c)) ==
			    HUES_OK) {
				if (store_cursor_next(c, &it) == HUES_OK) {
					empty = false;
				}
				store_cursor_close(c);
			}
		}
		store_read_end(r);
	}
	store_reader_destroy(r);
	if (rv != HUES_OK || !empty) {
		return rv;
	}
	feedback_catalog *def;
	arena             a;
	if ((rv = feedback_catalog_default(&def)) != HUES_OK) {
		return rv;
	}
	arena_init(&a, 65536);
	seed_job j = {&svc->t, def, &a};
	rv         = store_write(svc->st, seed_fn, &j);
	arena_fini(&a);
	feedback_catalog_destroy(def);
	if (rv == HUES_OK) {
		LOG_DEBUG(NULL, "feedback: loaded the default catalog (Huế)");
	}
	return rv;
}

/* The next number after the last key of a table of u64 keys. */
static int
next_after_last(store *st, const store_table *t, atomic_uint_fast64_t *out)
{
	store_reader *r;
	store_txn    *txn;
	store_cursor *c;
	store_item    it;
	store_range   rg = {.flags = STORE_RANGE_REVERSE, .limit = 1};
	uint64_t      last = 0;
	int           rv;

	if ((rv = store_reader_create(st, &r)) != HUES_OK) {
		return rv;
	}
	if ((rv = store_read_begin(r, &txn)) == HUES_OK) {
		if ((rv = store_cursor_open(txn, t, &rg, &c)) == HUES_OK) {
			if (store_cursor_next(c, &it) == HUES_OK) {
				store_key_view v;
				store_key_view_init(&v, it.key, it.klen);
				store_key_get_u64(&v, &last);
			}
			store_cursor_close(c);
		}
		store_read_end(r);
	}
	store_reader_destroy(r);
	atomic_store(out, last + 1);
	return rv;
}

static int
open_tables(fb_service *svc)
{
	struct {
		const char   *name;
		store_table **t;
	} tabs[] = {
		{ "fb_report", &svc->t.report },
		{ "fb_geo", &svc->t.geo },
		{ "fb_time", &svc->t.time },
		{ "fb_queue", &svc->t.queue },
		{ "fb_month", &svc->t.month },
		{ "fb_rating", &svc->t.rating },
		{ "fb_support", &svc->t.support },
		{ "fb_follow", &svc->t.follow },
		{ "fb_outbox", &svc->t.outbox },
		{ "fb_category", &svc->t.category },
		{ "fb_agency", &svc->t.agency },
		{ "fb_ward", &svc->t.ward },
		{ "fb_route", &svc->t.route },
		{ "fb_card", &svc->t.card },
	};
	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
		int rv = store_table_open(
		    svc->st, tabs[i].name, STORE_TABLE_CREATE, tabs[i].t);
		if (rv != HUES_OK) {
			return rv;
		}
	}
	return HUES_OK;
}

static void
fb_destroy(void *arg)
{
	fb_service *svc = arg;

	fb_sweeper_stop(svc);
	for (size_t i = 0; i < svc->nreaders; i++) {
		store_reader_destroy(svc->readers[i]);
	}
	free(svc->readers);
	pthread_key_delete(svc->reader_key);
	feedback_catalog_destroy(svc->cat);
	feedback_calendar_destroy(svc->cal);
	fb_pending_destroy(svc->pending);
	fb_owners_destroy(svc->owners);
	pthread_rwlock_destroy(&svc->cat_lock);
	pthread_mutex_destroy(&svc->reload_mtx);
	pthread_mutex_destroy(&svc->readers_mtx);
	pthread_mutex_destroy(&svc->sweep_mtx);
	pthread_cond_destroy(&svc->sweep_cv);
	free(svc);
}

static void
fb_event(void *arg, svc_event ev)
{
	fb_service *svc = arg;
	if (ev == SVC_EVENT_DRAIN) {
		fb_sweeper_stop(svc);
	}
}

int
feedback_service(const feedback_opts *opts, svc_service *out)
{
	fb_service *svc = calloc(1, sizeof(*svc));
	int         rv;

	if (svc == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	svc->st   = opts->store;
	svc->area = feedback_default_area;
	svc->rating_window_s = opts->rating_window_s;
	svc->sweep_ms = opts->sweep_ms ? opts->sweep_ms : 60000;
	svc->scan_budget =
	    opts->scan_budget ? opts->scan_budget : 50000;
	pthread_rwlock_init(&svc->cat_lock, NULL);
	pthread_mutex_init(&svc->reload_mtx, NULL);
	pthread_mutex_init(&svc->readers_mtx, NULL);
	pthread_mutex_init(&svc->sweep_mtx, NULL);
	pthread_cond_init(&svc->sweep_cv, NULL);
	pthread_key_create(&svc->reader_key, NULL);

	rv = feedback_calendar_create(
	    opts->holidays != NULL ? opts->holidays : feedback_default_holidays,
	    &svc->cal);
	if (rv == HUES_OK) {
		rv = fb_pending_create(&svc->pending);
	}
	if (rv == HUES_OK) {
		rv = fb_owners_create(&svc->owners);
	}
	if (rv == HUES_OK) {
		rv = open_tables(svc);
	}
	if (rv == HUES_OK) {
		rv = seed_if_empty(svc);
	}
	if (rv == HUES_OK) {
		rv = fb_catalog_reload(svc);
	}
	if (rv == HUES_OK) {
		rv = next_after_last(svc->st, svc->t.report, &svc->next_seq);
	}
	if (rv == HUES_OK) {
		rv = next_after_last(svc->st, svc->t.outbox, &svc->next_event);
	}
	if (rv == HUES_OK) {
		rv = fb_pending_load(svc);
	}
	if (rv == HUES_OK && (rv = fb_owners_load(svc)) == HUES_OK) {
		size_t users, keys;
		fb_owners_counts(svc->owners, &users, &keys);
		LOG_DEBUG(NULL,
		    "feedback: %zu reports wait for triage; %zu "
		    "users, %zu idempotency keys in memory",
		    fb_pending_count(svc->pending), users, keys);
	}
	if (rv == HUES_OK) {
		rv = fb_sweeper_start(svc);
	}
	if (rv != HUES_OK) {
		fb_destroy(svc);
		return rv;
	}
	*out = (svc_service) {
	    .name     = "hues.v1.Feedback",
	    .methods  = fb_methods,
	    .nmethods = NMETHODS,
	    .state    = svc,
	    .event    = fb_event,
	    .destroy  = fb_destroy,
	};
	return HUES_OK;
}
