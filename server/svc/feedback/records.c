/*
 * records.c - report ids, the keys of every index, and saving a report
 * with its index entries and outbox events in one write transaction (the
 * summary those entries hold is summary.c's).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "svc/feedback/fb.h"

void
fb_id_format(uint64_t seq, char out[FB_ID_LEN + 1])
{
	/* "R%010" PRIu64 of seq mod 10^10, without printf. */
	uint64_t v = seq % 10000000000u;
	out[0]     = 'R';
	for (int i = FB_ID_LEN - 1; i >= 1; i--, v /= 10) {
		out[i] = (char) ('0' + v % 10);
	}
	out[FB_ID_LEN] = '\0';
}

bool
fb_id_parse(const char *id, uint64_t *seq)
{
	uint64_t v = 0;

	if (id == NULL || id[0] != 'R' || strlen(id) != FB_ID_LEN) {
		return false;
	}
	for (size_t i = 1; i < FB_ID_LEN; i++) {
		if (id[i] < '0' || id[i] > '9') {
			return false;
		}
		v = v * 10 + (uint64_t) (id[i] - '0');
	}
	if (v == 0) {
		return false;
	}
	*seq = v;
	return true;
}

int
fb_id_require(svc_call *call, const char *field, const char *id,
    uint64_t *seq)
{
	if (fb_id_parse(id, seq)) {
		return HUES_OK;
	}
	call_violation(call, field, "a report id is R and ten digits");
	return call_invalid(call);
}

/* ----- keys --------------------------------------------------------------- */

void
fb_geohash(double lat, double lon, char out[FB_GEO_KEY_LEN + 1])
{
	feedback_point p = {lat, lon};
	if (feedback_geohash_encode(p, FB_GEO_KEY_LEN, out) != HUES_OK) {
		memset(out, '0', FB_GEO_KEY_LEN);
		out[FB_GEO_KEY_LEN] = '\0';
	}
}

static void
key_seq(store_key *k, uint64_t seq)
{
	store_key_init(k);
	store_key_u64(k, seq);
}

static void
key_geo_of(store_key *k, const char gh[FB_GEO_KEY_LEN], uint64_t seq)
{
	store_key_init(k);
	store_key_bytes(k, gh, FB_GEO_KEY_LEN);
	store_key_u64(k, seq);
}

static void
key_geo(store_key *k, const fb_summary *s)
{
	char gh[FB_GEO_KEY_LEN + 1];
	fb_geohash(s->lat, s->lon, gh);
	key_geo_of(k, gh, s->seq);
}

static uint32_t
month_of(int64_t t)
{
	char day[11];
	feedback_day_format(feedback_day_of(t), day);
	return (uint32_t) ((day[0] - '0') * 100000 + (day[1] - '0') * 10000 +
	                   (day[2] - '0') * 1000 + (day[3] - '0') * 100 +
	                   (day[5] - '0') * 10 + (day[6] - '0'));
}

static void
key_month(store_key *k, const fb_summary *s)
{
	store_key_init(k);
	store_key_u32(k, month_of(s->submitted_at));
	store_key_u64(k, s->seq);
}

bool
fb_state_nearby_open(int state)
{
	return fb_state_waits_for_centre(state) ||
	       feedback_state_open((feedback_state) state);
}

bool
fb_state_waits_for_centre(int state)
{
	return state == FEEDBACK_STATE_SUBMITTED ||
	       state == FEEDBACK_STATE_RETURNED_TO_TRIAGE;
}

bool
fb_state_published(int state)
{
	switch (state) {
	case FEEDBACK_STATE_NONE:
	case FEEDBACK_STATE_SUBMITTED:
	case FEEDBACK_STATE_RETURNED_TO_TRIAGE:
	case FEEDBACK_STATE_REJECTED:
	case FEEDBACK_STATE_DUPLICATE:
	case FEEDBACK_STATE_WITHDRAWN: return false;
	default: return state > 0 && state < FEEDBACK_STATE_COUNT;
	}
}

int64_t
fb_queue_due(const fb_summary *s, const char **agency, size_t *len)
{
	switch (s->state) {
	case FEEDBACK_STATE_SUBMITTED:
	case FEEDBACK_STATE_RETURNED_TO_TRIAGE:
		*agency = "";
		*len    = 0;
		return s->ack_by;
	case FEEDBACK_STATE_ACCEPTED:
	case FEEDBACK_STATE_REOPENED:
		*agency = s->agency;
		*len    = s->agency_len;
		return s->ack_by;
	case FEEDBACK_STATE_ACKNOWLEDGED:
	case FEEDBACK_STATE_IN_PROGRESS:
	case FEEDBACK_STATE_NEED_INFO:
		*agency = s->agency;
		*len    = s->agency_len;
		return s->resolve_by;
	default: return 0;
	}
}

static bool
key_queue(store_key *k, const fb_summary *s)
{
	const char *agency;
	size_t      len;
	int64_t     due = fb_queue_due(s, &agency, &len);
	if (due == 0) {
		return false;
	}
	store_key_init(k);
	store_key_str(k, agency, len);
	store_key_i64(k, due);
	store_key_u64(k, s->seq);
	return true;
}

static bool
key_rating(store_key *k, const fb_summary *s, int64_t window)
{
	if (s->state != FEEDBACK_STATE_RESOLVED) {
		return false;
	}
	store_key_init(k);
	store_key_i64(k, s->resolved_at + window);
	store_key_u64(k, s->seq);
	return true;
}

/* ----- load and save ------------------------------------------------------ */

int
fb_report_bytes(store_txn *txn, const fb_tables *t, uint64_t seq,
    ProtobufCAllocator *alloc, void **val, size_t *len)
{
	store_key k;

	key_seq(&k, seq);
	return store_get_alloc(txn, t->report, store_key_data(&k),
	    store_key_len(&k), (store_alloc_fn) alloc->alloc,
	    alloc->allocator_data, val, len);
}

int
fb_report_load(store_txn *txn, const fb_tables *t, uint64_t seq,
    ProtobufCAllocator *alloc, Hues__V1__Report **out)
{
	void  *val;
	size_t len;
	int    rv = fb_report_bytes(txn, t, seq, alloc, &val, &len);

	if (rv != HUES_OK) {
		return rv;
	}
	*out = hues__v1__report__unpack(alloc, len, val);
	return *out != NULL ? HUES_OK : HUES_DATA_LOSS;
}

int
fb_scan_failed(svc_call *call, int err, const char *what, uint64_t seq)
{
	if (err == HUES_RESOURCE_EXHAUSTED) {
		return call_fail(call, err,
		    "the page does not fit in the call's memory; ask for a "
		    "smaller one");
	}
	LOG_ERROR(call_request_id(call), "%s: %s at report %" PRIu64, what,
	    hues_status_name(err), seq);
	return call_fail(call, HUES_DATA_LOSS, "a report of this list cannot "
	                                       "be read");
}

static int
put_key(store_txn *txn, const store_table *t, const store_key *k,
    const void *v, size_t n)
{
	return store_put(txn, t, store_key_data(k), store_key_len(k), v, n, 0);
}

static int
del_key(store_txn *txn, const store_table *t, const store_key *k)
{
	int rv = store_del(txn, t, store_key_data(k), store_key_len(k));
	return rv == HUES_NOT_FOUND ? HUES_OK : rv;
}

/*
 * The card table: a published report's public card (card.c) under its
 * geo key. A feed page finds its twenty reports in a few neighbouring
 * cells, so their cards share a few pages of this table, where their
 * records are twenty random pages of the report table; and the geo index
 * keeps only summaries, so that the scans stay short.
 */
static int
put_card(store_txn *txn, const fb_tables *t, const store_key *k,
    const uint8_t *pb, size_t n, arena *scratch)
{
	uint8_t *v = arena_alloc(scratch, n > 0 ? n : 1);
	if (v == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	size_t cn = fb_card_of(pb, n, v);
	if (cn == FB_CARD_BAD) {
		return HUES_INTERNAL; /* pb was packed by the caller */
	}
	return put_key(txn, t->card, k, v, cn);
}

void
fb_card_key(const fb_summary *s, uint8_t key[FB_GEO_KEY_BYTES])
{
	store_key k;
	key_geo(&k, s);
	memcpy(key, store_key_data(&k), FB_GEO_KEY_BYTES);
}

void
fb_geo_key(const char gh[FB_GEO_KEY_LEN], uint64_t seq,
    uint8_t key[FB_GEO_KEY_BYTES])
{
	store_key k;
	key_geo_of(&k, gh, seq);
	memcpy(key, store_key_data(&k), FB_GEO_KEY_BYTES);
}

int
fb_card_load(store_cursor *cards, store_txn *txn, const fb_tables *t,
    const uint8_t key[FB_GEO_KEY_BYTES], uint64_t seq,
    ProtobufCAllocator *alloc, size_t room, void **val, size_t *len)
{
	uint8_t *p;
	store_item it;
	void      *rec;
	size_t     n;

	int rv = store_cursor_find(cards, key, FB_GEO_KEY_BYTES, &it);
	if (rv == HUES_OK) {
		if ((p = alloc->alloc(alloc->allocator_data, room + it.vlen + 1)) ==
		    NULL) {
			return HUES_RESOURCE_EXHAUSTED;
		}
		memcpy(p + room, it.val, it.vlen);
		*val = p + room;
		*len = it.vlen;
		return HUES_OK;
	}
	if (rv != HUES_NOT_FOUND) {
		return rv;
	}
	if ((rv = fb_report_bytes(txn, t, seq, alloc, &rec, &n)) != HUES_OK) {
		return rv;
	}
	if ((p = alloc->alloc(alloc->allocator_data, room + n + 1)) == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	*val = p + room;
	*len = fb_card_of(rec, n, *val);
	return *len != FB_CARD_BAD ? HUES_OK : HUES_DATA_LOSS;
}

/* Removes the index entries whose key the change moves or drops. */
static int
unindex(store_txn *txn, const fb_service *svc, const fb_summary *o,
    const fb_summary *n)
{
	const fb_tables *t = &svc->t;
	store_key        ko, kn;
	int              rv = HUES_OK;

	key_geo(&ko, o);
	key_geo(&kn, n);
	bool moved = store_key_len(&ko) != store_key_len(&kn) ||
	             memcmp(store_key_data(&ko), store_key_data(&kn),
	                 store_key_len(&ko)) != 0;
	/* fb_geo holds published reports (and, in stores written before
	 * pending.c, unpublished ones too: they go at their next change). */
	if (moved || !n->published) {
		rv = del_key(txn, t->geo, &ko);
	}
	if (rv == HUES_OK && o->published && (moved || !n->published)) {
		rv = del_key(txn, t->card, &ko);
	}
	if (rv == HUES_OK && key_queue(&ko, o)) {
		rv = del_key(txn, t->queue, &ko);
	}
	if (rv == HUES_OK && key_rating(&ko, o, svc->rating_window_s)) {
		rv = del_key(txn, t->rating, &ko);
	}
	return rv;
}

/* ----- what memory learns of a save (pending.c, owners.c) ------------- */

/*
 * What a save changes in memory once it is committed: the pending set
 * when the report starts or stops waiting for the centre, the owners
 * index when it is new and has a reporter. One hook for both (a write
 * has one). The summaries and the user borrow the report's strings,
 * which live in scratch until the write ends, after its hooks.
 */
typedef struct save_change {
	fb_pending *p;      /* NULL: the set does not change */
	fb_owners  *owners; /* NULL: no new report of a user */
	bool        has_old;
	fb_summary  old, s;
	const char *user;
	size_t      user_len;
} save_change;

/* The store's completer thread, once the save is durable. */
static void
save_commit(void *arg)
{
	save_change *c = arg;
	if (c->p != NULL && fb_pending_update(c->p, c->has_old ? &c->old : NULL,
	                        &c->s) != HUES_OK) {
		LOG_WARN(NULL, "feedback: no memory to remember report %llu "
		               "as waiting for triage (not suggested nearby)",
		    (unsigned long long) c->s.seq);
	}
	if (c->owners != NULL && fb_owners_add(c->owners, c->user, c->user_len,
	                             c->s.seq) != HUES_OK) {
		LOG_ERROR(NULL,
		    "feedback: no memory to list report %llu "
		    "among its reporter's (back after a restart)",
		    (unsigned long long) c->s.seq);
	}
}

static int
follow_save(store_txn *txn, const fb_service *svc, const fb_summary *old,
    const fb_summary *s, const fb_owner *w, arena *scratch)
{
	bool pending =
	    svc->pending != NULL &&
	    (fb_state_waits_for_centre(s->state) ||
	        (old != NULL && fb_state_waits_for_centre(old->state)));
	bool owned = old == NULL && w->user_len > 0 && svc->owners != NULL;
	if (!pending && !owned) {
		return HUES_OK;
	}
	save_change *c = arena_alloc(scratch, sizeof(*c));
	if (c == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	*c = (save_change) { .p = pending ? svc->pending : NULL,
		.owners         = owned ? svc->owners : NULL,
		.has_old        = old != NULL,
		.s              = *s,
		.user           = w->user,
		.user_len       = w->user_len };
	if (old != NULL) {
		c->old = *old;
	}
	return store_txn_on_commit(txn, save_commit, c);
}

/*
 * The fb_time value of the save: the summary, then the owner tail, new
 * (from r and key) or kept from the value the report has.
 */
static int
time_value(store_txn *txn, const fb_tables *t, const store_key *k,
    const Hues__V1__Report *r, const fb_summary *old, const char *key,
    uint8_t *v, size_t sn, fb_owner *w, size_t *n)
{
	size_t tn;
	if (old == NULL) {
		*w =
		    (fb_owner) { .user = r->reporter != NULL ? r->reporter : "",
			    .key       = key != NULL ? key : "" };
		w->user_len = strlen(w->user);
		w->key_len  = strlen(w->key);
		if ((tn = fb_owner_encode(w, v + sn)) == 0) {
			return HUES_INVALID_ARGUMENT; /* checked by submit */
		}
		*n = sn + tn;
		return HUES_OK;
	}
	uint8_t cur[FB_SUMMARY_MAX + FB_OWNER_MAX];
	size_t  cn;
	int rv = store_get(txn, t->time, store_key_data(k), store_key_len(k),
	    cur, sizeof(cur), &cn);
	if (rv != HUES_OK || !fb_owner_decode(cur, cn, w)) {
		/* OUT_OF_RANGE too: no value of ours is longer than cur. */
		return rv == HUES_OK || rv == HUES_NOT_FOUND ||
		               rv == HUES_OUT_OF_RANGE
		           ? HUES_DATA_LOSS
		           : rv;
	}
	const uint8_t *tail = (const uint8_t *) w->user - 2;
	tn                  = (size_t) (cur + cn - tail);
	memcpy(v + sn, tail, tn);
	*n = sn + tn;
	return fb_owner_decode(v, *n, w) ? HUES_OK : HUES_DATA_LOSS;
}

int
fb_pending_load(fb_service *svc)
{
	store_reader *r;
	store_txn    *txn;
	store_cursor *c;
	store_item    it;
	store_key     k;
	int           rv;

	store_key_init(&k);
	store_key_str(&k, "", 0); /* the centre's part of the queue */
	store_range rg = {.prefix = store_key_data(&k),
	    .prefix_len       = store_key_len(&k)};
	if ((rv = store_reader_create(svc->st, &r)) != HUES_OK) {
		return rv;
	}
	if ((rv = store_read_begin(r, &txn)) == HUES_OK) {
		if ((rv = store_cursor_open(txn, svc->t.queue, &rg, &c)) == HUES_OK) {
			while (rv == HUES_OK && store_cursor_next(c, &it) == HUES_OK) {
				fb_summary s;
				rv = fb_summary_decode(it.val, it.vlen, &s)
				         ? fb_pending_update(svc->pending, NULL, &s)
				         : HUES_DATA_LOSS;
			}
			store_cursor_close(c);
		}
		store_read_end(r);
	}
	store_reader_destroy(r);
	return rv;
}

int
fb_report_save(store_txn *txn, const fb_service *svc, uint64_t seq,
    const Hues__V1__Report *r, const ProtobufCBinaryData *pre,
    const fb_summary *old, const char *key, arena *scratch, void **packed,
    size_t *packed_len)
{
	const fb_tables *t = &svc->t;
	fb_summary       s;
	fb_owner         w;
	uint8_t          sv[FB_SUMMARY_MAX];
	uint8_t          tv[FB_SUMMARY_MAX + FB_OWNER_MAX];
	size_t           tvn;
	store_key        k;
	size_t           n;
	uint8_t         *pb;
	int              rv;

	if (pre != NULL) {
		pb = pre->data;
		n  = pre->len;
	} else {
		n  = hues__v1__report__get_packed_size(r);
		pb = arena_alloc(scratch, n > 0 ? n : 1);
		if (pb == NULL) {
			return HUES_RESOURCE_EXHAUSTED;
		}
		hues__v1__report__pack(r, pb);
	}
	fb_summary_of(r, seq, &s);
	size_t sn = fb_summary_encode(&s, sv);

	if (old != NULL && (rv = unindex(txn, svc, old, &s)) != HUES_OK) {
		return rv;
	}
	key_seq(&k, seq);
	if ((rv = store_put(txn, t->report, store_key_data(&k),
	         store_key_len(&k), pb, n, 0)) != HUES_OK) {
		return rv;
	}
	memcpy(tv, sv, sn);
	if ((rv = time_value(txn, t, &k, r, old, key, tv, sn, &w, &tvn)) !=
	        HUES_OK ||
	    (rv = put_key(txn, t->time, &k, tv, tvn)) != HUES_OK) {
		return rv;
	}
	if (s.published) { /* a geohash costs: only when indexed */
		key_geo(&k, &s);
		if ((rv = put_key(txn, t->geo, &k, sv, sn)) != HUES_OK ||
		    (rv = put_card(txn, t, &k, pb, n, scratch)) != HUES_OK) {
			return rv;
		}
	}
	key_month(&k, &s);
	if ((rv = put_key(txn, t->month, &k, sv, sn)) != HUES_OK) {
		return rv;
	}
	if (key_queue(&k, &s) &&
	    (rv = put_key(txn, t->queue, &k, sv, sn)) != HUES_OK) {
		return rv;
	}
	if (key_rating(&k, &s, svc->rating_window_s) &&
	    (rv = put_key(txn, t->rating, &k, "", 0)) != HUES_OK) {
		return rv;
	}
	if ((rv = follow_save(txn, svc, old, &s, &w, scratch)) != HUES_OK) {
		return rv;
	}
	*packed     = pb;
	*packed_len = n;
	return HUES_OK;
}

/* ----- outbox ------------------------------------------------------------- */

int
fb_outbox_emit(store_txn *txn, fb_service *svc, const Hues__V1__Report *r,
    const feedback_step *step, const char *public_note, int64_t at)
{
	for (size_t i = 0; i < step->nevents; i++) {
		const feedback_event *e = &step->events[i];
		bool to_reporter        = e->audience == FEEDBACK_AUDIENCE_REPORTER;

		if (to_reporter && (r->reporter == NULL || r->reporter[0] == '\0')) {
			continue; /* anonymous: nobody to tell */
		}
		Hues__V1__OutboxEvent ev = HUES__V1__OUTBOX_EVENT__INIT;
		ev.seq          = atomic_fetch_add(&svc->next_event, 1);
		ev.at           = at;
		ev.kind         = (Hues__V1__EventKind) e->kind;
		ev.audience     = (Hues__V1__Audience) e->audience;
		ev.report_id    = (char *) "";
		ev.from         = (Hues__V1__ReportState) step->entry.from;
		ev.to           = (Hues__V1__ReportState) step->to;
		ev.agency       = r->agency != NULL ? r->agency : (char *) "";
		ev.recipient    = to_reporter ? r->reporter : (char *) "";
		ev.public_note  = (char *) (public_note != NULL ? public_note : "");
		ev.report_id    = r->id;

		uint8_t buf[8192];
		size_t  n = hues__v1__outbox_event__get_packed_size(&ev);
		if (n > sizeof(buf)) {
			ev.public_note = (char *) ""; /* notes are <= 2000 chars */
			n = hues__v1__outbox_event__get_packed_size(&ev);
		}
		hues__v1__outbox_event__pack(&ev, buf);
		store_key k;
		key_seq(&k, ev.seq);
		int rv = put_key(txn, svc->t.outbox, &k, buf, n);
		if (rv != HUES_OK) {
			return rv;
		}
	}
	return HUES_OK;
}

/* ----- state filters ------------------------------------------------------ */

bool
fb_state_wanted(int state, const Hues__V1__ReportState *states, size_t n)
{
	if (n == 0) {
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if ((int) states[i] == state) {
			return true;
		}
	}
	return false;
}

bool
fb_states_check(svc_call *call, const char *field,
    const Hues__V1__ReportState *s, size_t n)
{
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		if ((int) s[i] <= 0 || (int) s[i] >= FEEDBACK_STATE_COUNT) {
			call_violation(call, call_printf(call, "%s[%zu]", field, i),
			    "not a report state");
			ok = false;
		}
	}
	return ok;
}

/* ----- nearest first ------------------------------------------------------ */

bool
fb_hit_before(double d1, uint64_t s1, double d2, uint64_t s2)
{
	return d1 < d2 || (d1 == d2 && s1 < s2);
}

void
fb_hits_keep(fb_hit *h, size_t *n, size_t want, double d, uint64_t seq,
    const void *key)
{
	size_t i;
	if (*n == want) {
		if (!fb_hit_before(d, seq, h[want - 1].d, h[want - 1].seq)) {
			return;
		}
		i = want - 1;
	} else {
		i = (*n)++;
	}
	while (i > 0 && fb_hit_before(d, seq, h[i - 1].d, h[i - 1].seq)) {
		h[i] = h[i - 1];
		i--;
	}
	h[i].d   = d;
	h[i].seq = seq;
	memcpy(h[i].key, key, FB_GEO_KEY_BYTES);
}
