/*
 * submit.c - SubmitReport. The worker validates the request against the
 * catalog, numbers the report, computes its deadlines, builds the record
 * and looks for open reports of the same category nearby (a read, ended
 * before the write is deferred). The writer checks the idempotency key
 * (owners.c) and saves the record, its index entries, its owner tail
 * with the key, and the outbox events in one transaction.
 */
#include <inttypes.h>
#include <string.h>

#include "core/clock.h"
#include "core/hash.h"
#include "core/log.h"
#include "svc/authz.h"
#include "svc/feedback/convert.h"
#include "svc/feedback/fb.h"
#include "svc/feedback/validate.h"
#include "svc/write.h"

#define NEARBY_MAX 5
#define NEARBY_CELLS 64

typedef struct submit_job {
	fb_service       *svc;
	uint64_t          seq;
	Hues__V1__Report *rep;
	feedback_step     step;
	const char       *user; /* "" when anonymous */
	const char       *key;  /* idempotency key, "" when none */
	arena             wa;
	Hues__V1__SubmitReportResponse *resp;
	feedback_point                  point;  /* for the suggestions */
	ProtobufCBinaryData             packed; /* rep, packed by the handler */
	/* Results. */
	uint64_t replay_seq; /* 0 unless the key was known */
	void    *out;
	size_t   out_len;
} submit_job;

static char *
text(const char *s)
{
	return (char *) (s != NULL ? s : "");
}

/* ----- nearby ------------------------------------------------------------ */

int
fb_nearby(svc_call *call, fb_service *svc, store_txn *txn,
    const char *category, feedback_point p, uint64_t exclude,
    Hues__V1__NearbyReport ***out, size_t *nout)
{
	feedback_cell cells[NEARBY_CELLS];
	size_t        ncells = 0;
	fb_hit        hits[NEARBY_MAX];
	size_t        nhits = 0;
	int           rv;

	*out  = NULL;
	*nout = 0;
	/* 150 m cells where 64 of them cover the circle, else 600 m ones. */
	rv = feedback_geo_cover_circle(p, FEEDBACK_NEARBY_RADIUS_M, 7, cells,
	    NEARBY_CELLS, &ncells);
	if (rv != HUES_OK) {
		rv = feedback_geo_cover_circle(p, FEEDBACK_NEARBY_RADIUS_M, 6,
		    cells, NEARBY_CELLS, &ncells);
	}
	if (rv != HUES_OK) {
		return HUES_OK; /* no cover: no suggestions, not an error */
	}
	/* One cursor for every cell, as in the feed (store_cursor_seek). */
	store_cursor *c;
	if ((rv = store_cursor_open(txn, svc->t.geo, NULL, &c)) != HUES_OK) {
		return rv;
	}
	for (size_t i = 0; i < ncells; i++) {
		if (nhits == NEARBY_MAX && cells[i].min_distance_m > hits[nhits - 1].d) {
			break; /* sorted by distance: nothing nearer follows */
		}
		store_range r = {.prefix = cells[i].hash,
		    .prefix_len          = strlen(cells[i].hash)};
		store_item it;
		if ((rv = store_cursor_seek(c, &r)) != HUES_OK) {
			store_cursor_close(c);
			return rv;
		}
		while (store_cursor_next(c, &it) == HUES_OK) {
			fb_summary s;
			if (it.klen != FB_GEO_KEY_BYTES ||
			    !fb_summary_decode(it.val, it.vlen, &s) ||
			    s.seq == exclude || !s.published ||
			    !fb_state_nearby_open(s.state) ||
			    !fb_summary_is(s.category, s.category_len, category)) {
				continue;
			}
			double d = feedback_distance_m(p, (feedback_point) {s.lat, s.lon});
			if (d <= FEEDBACK_NEARBY_RADIUS_M) {
				fb_hits_keep(hits, &nhits, NEARBY_MAX, d, s.seq, it.key);
			}
		}
	}
	store_cursor_close(c);
	/* Reports that wait for the centre are not in fb_geo (pending.c). */
	fb_pending_near(svc->pending, cells, ncells, category, p,
	    FEEDBACK_NEARBY_RADIUS_M, exclude, hits, &nhits, NEARBY_MAX);
	if (nhits == 0) {
		return HUES_OK;
	}
	ProtobufCAllocator pa;
	fb_call_allocator(call, &pa);
	Hues__V1__NearbyReport **v = call_alloc(call, nhits * sizeof(*v));
	size_t                   n = 0;
	for (size_t i = 0; i < nhits; i++) {
		/* A glance at the stored bytes, not an unpack: a suggestion
		 * shows five fields of a report. */
		void     *val;
		size_t    len;
		fb_glance g;
		if (fb_report_bytes(txn, &svc->t, hits[i].seq, &pa, &val, &len) !=
		        HUES_OK ||
		    !fb_report_glance(val, len, &g)) {
			continue;
		}
		Hues__V1__NearbyReport *nr =
		    call_new_message(call, &hues__v1__nearby_report__descriptor);
		nr->id           = call_strndup(call, g.id, g.id_len);
		nr->title        = call_strndup(call, g.title, g.title_len);
		nr->state        = (Hues__V1__ReportState) g.state;
		nr->distance_m   = hits[i].d;
		nr->supporters   = g.supporters;
		nr->submitted_at = g.submitted_at;
		v[n++]           = nr;
	}
	*out  = v;
	*nout = n;
	return HUES_OK;
}

/* ----- the write ---------------------------------------------------------- */

/*
 * Whether report seq, as this transaction sees it, was filed by j's user
 * under j's key: the check of a candidate of the owners' key map, which
 * is only a hint. *gone when the report does not exist (the candidate
 * of a write that never committed).
 */
static int
filed_with_key(
    store_txn *txn, const submit_job *j, uint64_t seq, bool *yes, bool *gone)
{
	uint8_t   v[FB_SUMMARY_MAX + FB_OWNER_MAX];
	size_t    n;
	fb_owner  w;
	store_key k;

	store_key_init(&k);
	store_key_u64(&k, seq);
	*yes = *gone = false;
	int rv       = store_get(txn, j->svc->t.time, store_key_data(&k),
	          store_key_len(&k), v, sizeof(v), &n);
	if (rv == HUES_NOT_FOUND) {
		*gone = true;
		return HUES_OK;
	}
	if (rv != HUES_OK || !fb_owner_decode(v, n, &w)) {
		return rv == HUES_OK || rv == HUES_OUT_OF_RANGE ? HUES_DATA_LOSS
		                                                : rv;
	}
	*yes = w.user_len == strlen(j->user) && w.key_len == strlen(j->key) &&
	       memcmp(w.user, j->user, w.user_len) == 0 &&
	       memcmp(w.key, j->key, w.key_len) == 0;
	return HUES_OK;
}

/*
 * The idempotency check, on the writer thread: a report of this key
 * that the transaction sees (committed, or earlier in this batch) is a
 * replay; otherwise the key is remembered for this report, in place of
 * a candidate that proved gone. A redone run finds its own number gone
 * and takes its slot again.
 */
static int
check_key(store_txn *txn, submit_job *j)
{
	fb_owners *o = j->svc->owners;
	uint64_t   h = fb_owners_key_hash(
	      o, j->user, strlen(j->user), j->key, strlen(j->key));
	uint64_t cand[8], stale = 0;
	size_t   n = fb_owners_key_find(o, h, cand, 8);
	int      rv;

	for (size_t i = 0; i < n; i++) {
		bool yes, gone;
		if (cand[i] == j->seq) {
			stale = j->seq; /* a redone run of this write */
			continue;
		}
		if ((rv = filed_with_key(txn, j, cand[i], &yes, &gone)) !=
		    HUES_OK) {
			return rv;
		}
		if (yes) {
			j->replay_seq = cand[i];
			return HUES_OK;
		}
		if (gone && stale == 0) {
			stale = cand[i];
		}
	}
	return fb_owners_key_set(o, h, stale, j->seq);
}

static int
submit_fn(store_txn *txn, void *arg)
{
	submit_job *j = arg;
	int         rv;

	arena_reset(&j->wa);
	j->replay_seq = 0;
	j->out        = NULL;
	if (j->key[0] != '\0') {
		if ((rv = check_key(txn, j)) != HUES_OK) {
			return rv;
		}
		if (j->replay_seq != 0) {
			return HUES_OK; /* the first call's report stands */
		}
	}
	rv = fb_report_save(txn, j->svc, j->seq, j->rep, &j->packed, NULL,
	    j->key, &j->wa, &j->out, &j->out_len);
	if (rv == HUES_OK) {
		rv = fb_outbox_emit(txn, j->svc, j->rep, &j->step, "", j->rep->submitted_at);
	}
	return rv;
}

/* ----- the handler --------------------------------------------------------- */

/*
 * The key under which the store remembers the request's idempotency key.
 * A user's keys are hers. Anonymous callers share one namespace, so
 * theirs is scoped to the request itself: a retry, which resends the
 * same request, finds the first report; someone else who sends the same
 * key with another request makes a report of their own, and learns
 * nothing of the first.
 */
static const char *
idem_key_of(svc_call *call, const Hues__V1__SubmitReportRequest *req,
    const char *user)
{
	const char *key = text(req->idempotency_key);
	if (user != NULL || key[0] == '\0') {
		return key;
	}
	size_t   n   = hues__v1__submit_report_request__get_packed_size(req);
	uint8_t *buf = call_alloc(call, n + 1);
	hues__v1__submit_report_request__pack(req, buf);
	return call_printf(call, "%s#%016" PRIx64, key, hash_fnv1a(buf, n));
}

static int
who_may_report(svc_call *call, const svc_principal *p, const char **user)
{
	*user = authz_acting_user(p);
	switch (p->role) {
	case 0:
	case SVC_ROLE_CITIZEN: return HUES_OK;
	case SVC_ROLE_SERVICE:
		if (*user != NULL) {
			return HUES_OK;
		}
		call_set_reason(call, "NO_USER");
		return call_fail(call, HUES_PERMISSION_DENIED,
		    "a service token reports only on behalf of a user (obo "
		    "claim)");
	default:
		call_set_reason(call, "ROLE_NOT_ALLOWED");
		return call_fail(call, HUES_PERMISSION_DENIED,
		    "staff accounts do not file reports; use a resident account");
	}
}

/* The request as the validator reads it. */
static void
input_of(svc_call *call, const Hues__V1__SubmitReportRequest *req,
    const char *user, feedback_report_input *in)
{
	const Hues__V1__Location *loc = req->location;
	fb_mem                    mem = {fb_call_mem, call};
	feedback_media_input     *media =
	    fb_media_inputs(&mem, req->media, req->n_media);
	feedback_attr_input *attrs =
	    call_alloc(call, (req->n_attributes + 1) * sizeof(*attrs));

	for (size_t i = 0; i < req->n_attributes; i++) {
		attrs[i] = (feedback_attr_input) {req->attributes[i]->code,
		    (const char *const *) req->attributes[i]->values,
		    req->attributes[i]->n_values};
	}
	*in = (feedback_report_input) {
	    .category    = req->category,
	    .title       = req->title,
	    .description = req->description,
	    .has_point   = loc != NULL && loc->point != NULL,
	    .point       = loc != NULL && loc->point != NULL
	                       ? (feedback_point) {loc->point->latitude,
	                       loc->point->longitude}
	                       : (feedback_point) {0, 0},
	    .address         = loc != NULL ? loc->address : NULL,
	    .ward            = loc != NULL ? loc->ward_code : NULL,
	    .media           = media,
	    .nmedia          = req->n_media,
	    .attrs           = attrs,
	    .nattrs          = req->n_attributes,
	    .idempotency_key = req->idempotency_key,
	    .anonymous       = user == NULL,
	};
}

static int
finish(svc_call *call, int code, void *arg);

/* The report's suggestions, once its write is queued: open reports of
 * its category nearby, itself left out (it may have committed since).
 * A failed search gives none; the report is saved all the same. */
static void
suggest(svc_call *call, void *arg)
{
	submit_job *j = arg;
	store_txn  *txn;
	int         rv;

	/* No call_fail(): the call succeeds, and its reply must carry no
	 * message of this. */
	if ((rv = fb_read_begin(j->svc, NULL, &txn)) == HUES_OK) {
		rv = fb_nearby(call, j->svc, txn, j->rep->category, j->point, j->seq,
		    &j->resp->nearby, &j->resp->n_nearby);
		fb_read_end(j->svc);
	}
	if (rv != HUES_OK) {
		j->resp->nearby   = NULL;
		j->resp->n_nearby = 0;
		LOG_WARN(call_request_id(call), "no suggestions for %s: %s",
		    j->rep->id, hues_status_name(rv));
	}
}

int
fb_submit_report(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__SubmitReportRequest *req  = reqp;
	Hues__V1__SubmitReportResponse      *resp = respp;
	fb_service                          *svc  = call_state(call);
	const char                          *user;
	feedback_report_input                in;
	feedback_report_plan                 plan;
	uint32_t                             ack_minutes, resolve_days;
	int                                  rv;

	if ((rv = who_may_report(call, call_principal(call), &user)) != HUES_OK) {
		return rv;
	}
	input_of(call, req, user, &in);
	const feedback_catalog *cat = fb_catalog_hold(svc);
	const feedback_category *c  = feedback_catalog_category(cat, req->category);
	if (user == NULL && c != NULL && c->active && !c->anonymous_allowed) {
		fb_catalog_release(svc);
		call_set_reason(call, "TOKEN_MISSING");
		return call_fail(call, HUES_UNAUTHENTICATED,
		    "sign in to report in category %s", c->code);
	}
	rv = feedback_validate_report(call, cat, &svc->area, &in, &plan);
	if (rv == HUES_OK) {
		ack_minutes  = feedback_category_ack_minutes(plan.category);
		resolve_days = feedback_category_resolve_days(plan.category);
	}
	fb_catalog_release(svc);
	if (rv != HUES_OK) {
		return rv;
	}

	int64_t  now = clock_unix_s();
	uint64_t seq = atomic_fetch_add(&svc->next_seq, 1);
	int64_t  resolve_by;
	if (feedback_resolve_by(svc->cal, now, resolve_days, &resolve_by) !=
	    HUES_OK) {
		return call_fail(call, HUES_INTERNAL, "no resolve-by for %u days",
		    resolve_days);
	}

	submit_job *j = call_alloc(call, sizeof(*j));
	*j            = (submit_job) {.svc = svc, .seq = seq,
	               .user = user != NULL ? user : "",
	               .key  = idem_key_of(call, req, user),
	               .resp = resp};
	if (feedback_transition(FEEDBACK_STATE_NONE, FEEDBACK_ACTION_SUBMIT,
	        FEEDBACK_ROLE_REPORTER, now, "", "", &j->step) != HUES_OK) {
		return call_fail(call, HUES_INTERNAL, "no submit transition");
	}

	/* The record, in the call's memory; it borrows the request's
	 * strings, which live as long as the call. */
	Hues__V1__Report *r = call_new_message(call, &hues__v1__report__descriptor);
	Hues__V1__Location *loc =
	    call_new_message(call, &hues__v1__location__descriptor);
	Hues__V1__GeoPoint *pt =
	    call_new_message(call, &hues__v1__geo_point__descriptor);
	char *id = call_alloc(call, FB_ID_LEN + 1);
	char *gh = call_alloc(call, FB_GEO_KEY_LEN + 1);

	fb_id_format(seq, id);
	pt->latitude    = in.point.lat;
	pt->longitude   = in.point.lon;
	loc->point      = pt;
	loc->address    = text(in.address);
	loc->ward_code  = text(in.ward);
	fb_geohash(pt->latitude, pt->longitude, gh);
	r->id             = id;
	r->category       = text(req->category);
	r->title          = text(req->title);
	r->description    = text(req->description);
	r->location       = loc;
	r->media          = req->media;
	r->n_media        = req->n_media;
	r->attributes     = req->attributes;
	r->n_attributes   = req->n_attributes;
	r->reporter       = (char *) j->user;
	r->hide_name      = req->hide_name;
	r->emergency      = req->emergency;
	r->urgency        = req->emergency
	                        ? HUES__V1__URGENCY__URGENCY_EMERGENCY
	                        : HUES__V1__URGENCY__URGENCY_NORMAL;
	r->state          = HUES__V1__REPORT_STATE__REPORT_STATE_SUBMITTED;
	r->agency         = text(NULL);
	r->submitted_at   = now;
	r->updated_at     = now;
	r->acknowledge_by = feedback_ack_by(now, ack_minutes);
	r->resolve_by     = resolve_by;
	r->geohash        = gh;

	Hues__V1__HistoryEntry *h =
	    call_new_message(call, &hues__v1__history_entry__descriptor);
	h->at              = now;
	h->role            = HUES__V1__ACTOR_ROLE__ACTOR_ROLE_REPORTER;
	h->actor           = (char *) j->user;
	h->from            = HUES__V1__REPORT_STATE__REPORT_STATE_UNSPECIFIED;
	h->to              = HUES__V1__REPORT_STATE__REPORT_STATE_SUBMITTED;
	h->action          = HUES__V1__REPORT_ACTION__REPORT_ACTION_SUBMIT;
	r->history         = call_alloc(call, sizeof(*r->history));
	r->history[0]      = h;
	r->n_history       = 1;
	j->rep             = r;

	/* Packed here, not on the writer thread every write waits for. */
	j->packed.len  = hues__v1__report__get_packed_size(r);
	j->packed.data = call_alloc(call, j->packed.len > 0 ? j->packed.len : 1);
	hues__v1__report__pack(r, j->packed.data);
	arena_init(&j->wa, 8192);
	j->point = in.point;
	rv       = call_defer_write(call, svc->st, submit_fn, j, finish);
	if (rv != HUES_OK) {
		arena_fini(&j->wa);
		return rv;
	}
	/* The suggestions while the write commits, not before it: the
	 * writes of a message's calls then meet in one commit. suggest()
	 * only reads what submit_fn reads, on the writer, meanwhile. */
	call_meanwhile(call, suggest, j);
	resp->id             = id;
	resp->state          = r->state;
	resp->acknowledge_by = r->acknowledge_by;
	resp->resolve_by     = r->resolve_by;
	return HUES_OK;
}

/* After the commit: a replay answers with the first report. */
static int
finish(svc_call *call, int code, void *arg)
{
	submit_job *j   = arg;
	fb_service *svc = j->svc;
	uint64_t    replay = j->replay_seq;

	arena_fini(&j->wa);
	if (code != HUES_OK) {
		return call_fail(call, code, "the report was not saved: %s",
		    hues_status_name(code));
	}
	if (replay == 0) {
		return HUES_OK;
	}
	/* The response the handler filled described the new report, which
	 * was not written: describe the first one instead. */
	Hues__V1__SubmitReportResponse *resp = j->resp;
	store_txn                      *txn;
	Hues__V1__Report               *first;
	ProtobufCAllocator              pa;
	int                             rv;

	fb_call_allocator(call, &pa);
	if ((rv = fb_read_begin(svc, call, &txn)) != HUES_OK) {
		return rv;
	}
	rv = fb_report_load(txn, &svc->t, replay, &pa, &first);
	if (rv == HUES_OK && first->location != NULL &&
	    first->location->point != NULL) {
		feedback_point p = {first->location->point->latitude,
		    first->location->point->longitude};
		rv = fb_nearby(call, svc, txn, first->category, p, replay,
		    &resp->nearby, &resp->n_nearby);
	}
	fb_read_end(svc);
	if (rv != HUES_OK) {
		return call_fail(call, HUES_INTERNAL,
		    "the first report of this idempotency key is unreadable");
	}
	resp->id             = first->id;
	resp->state          = first->state;
	resp->acknowledge_by = first->acknowledge_by;
	resp->resolve_by     = first->resolve_by;
	resp->replayed       = true;
	return HUES_OK;
}
