/*
 * feed.c - PublicFeed: published reports with filters, near a point
 * (nearest first), in a box (by index cell), or over the whole province
 * (newest first). Every scan reads index summaries and loads only the
 * reports it returns; near a point it widens a circle from 50 m until a
 * page is full, so a dense city centre costs a few cells, not the 5 km.
 */
#include <math.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "svc/feedback/fb.h"
#include "svc/feedback/validate.h"

/* svc->scan_budget: index entries one call may read before it
 * answers with what it has and a token to go on (bounds a call whose
 * filters match little). */
#define NEAR_CELLS  32
#define BOX_CELLS   64
#define NEAR_START_M 50.0

typedef struct feed_filter {
	const Hues__V1__PublicFeedRequest *req;
	bool                               has_box;
	feedback_bbox                      box;
} feed_filter;

static bool
passes(const feed_filter *f, const fb_summary *s)
{
	const Hues__V1__PublicFeedRequest *q = f->req;

	if (!s->published) {
		return false;
	}
	if (q->category[0] != '\0' &&
	    !fb_summary_is(s->category, s->category_len, q->category)) {
		return false;
	}
	if (q->ward_code[0] != '\0' &&
	    !fb_summary_is(s->ward, s->ward_len, q->ward_code)) {
		return false;
	}
	if (q->since != 0 && s->submitted_at < q->since) {
		return false;
	}
	if (q->until != 0 && s->submitted_at >= q->until) {
		return false;
	}
	if (f->has_box &&
	    !feedback_bbox_contains(&f->box, (feedback_point) {s->lat, s->lon})) {
		return false;
	}
	return fb_state_wanted(s->state, q->states, q->n_states);
}

/* The request's filters, for page tokens. */
static uint32_t
filters_hash(const Hues__V1__PublicFeedRequest *q)
{
	uint32_t h = fb_page_hash_str(0, q->category);
	h          = fb_page_hash_str(h, q->ward_code);
	h = fb_page_hash(h, q->states, q->n_states * sizeof(*q->states));
	h = fb_page_hash(h, &q->since, sizeof(q->since));
	h = fb_page_hash(h, &q->until, sizeof(q->until));
	if (q->area_case == HUES__V1__PUBLIC_FEED_REQUEST__AREA_BBOX) {
		h = fb_page_hash(h, &q->bbox->south, sizeof(double));
		h = fb_page_hash(h, &q->bbox->west, sizeof(double));
		h = fb_page_hash(h, &q->bbox->north, sizeof(double));
		h = fb_page_hash(h, &q->bbox->east, sizeof(double));
	} else if (q->area_case == HUES__V1__PUBLIC_FEED_REQUEST__AREA_NEAR) {
		const Hues__V1__GeoPoint *c = q->near->center;
		double lat = c != NULL ? c->latitude : 0, lon = c != NULL ? c->longitude : 0;
		h = fb_page_hash(h, &lat, sizeof(lat));
		h = fb_page_hash(h, &lon, sizeof(lon));
		h = fb_page_hash(h, &q->near->radius_m, sizeof(q->near->radius_m));
	}
	return fb_page_hash(h, &q->area_case, sizeof(q->area_case));
}

/* Loads the report of a summary into an item of the public view. */
/* The longest length prefix (a varint of a size_t). */
#define PREFIX_MAX 10

/*
 * The feed item of hit h. Its report is the public card of card.c,
 * carried as the item's field 1 in packed form (an "unknown" field to
 * protobuf-c, which packs such fields as they are): a page neither
 * unpacks nor repacks the reports it shows.
 */
static Hues__V1__FeedItem *
item(svc_call *call, fb_service *svc, store_txn *txn, store_cursor *cards,
    const fb_hit *h)
{
	ProtobufCAllocator pa;
	void              *card;
	size_t             n;

	fb_call_allocator(call, &pa);
	int rv = fb_card_load(
	    cards, txn, &svc->t, h->key, h->seq, &pa, PREFIX_MAX, &card, &n);
	if (rv != HUES_OK) {
		if (rv != HUES_NOT_FOUND) {
			LOG_WARN(call_request_id(call), "report %llu: no card: %s",
			    (unsigned long long) h->seq, hues_status_name(rv));
		}
		return NULL;
	}
	/* The item's field: the length prefix, right in front of the card. */
	uint8_t  pfx[PREFIX_MAX];
	size_t   pn   = fb_card_prefix(pfx, n);
	uint8_t *data = (uint8_t *) card - pn;
	memcpy(data, pfx, pn);

	ProtobufCMessageUnknownField *f = call_alloc(call, sizeof(*f));
	f->tag       = 1; /* FeedItem.report */
	f->wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
	f->len       = pn + n;
	f->data      = data;

	Hues__V1__FeedItem *it =
	    call_new_message(call, &hues__v1__feed_item__descriptor);
	it->base.n_unknown_fields = 1;
	it->base.unknown_fields   = f;
	it->distance_m            = h->d;
	return it;
}

/* The item of the report summed up by s (read off an index other than
 * fb_geo, whose key would have been the card's). */
static Hues__V1__FeedItem *
item_of(svc_call *call, fb_service *svc, store_txn *txn, store_cursor *cards,
    const fb_summary *s)
{
	fb_hit h = {.seq = s->seq};
	fb_card_key(s, h.key);
	return item(call, svc, txn, cards, &h);
}

/*
 * Appends the items of hits[0..n) to resp, in the hits' order. The cards
 * are read in key order through one cursor: a page's reports are
 * neighbours on the map, so most finds stay on the leaf of the one
 * before.
 */
static int
items_of_hits(svc_call *call, fb_service *svc, store_txn *txn,
    const fb_hit *hits, size_t n, Hues__V1__PublicFeedResponse *resp)
{
	size_t              *order = call_alloc(call, (n + 1) * sizeof(*order));
	Hues__V1__FeedItem **made  = call_alloc(call, (n + 1) * sizeof(*made));
	store_cursor        *cards;

	if (store_cursor_open(txn, svc->t.card, NULL, &cards) != HUES_OK) {
		return call_fail(call, HUES_INTERNAL, "cannot read cards");
	}
	for (size_t i = 0; i < n; i++) { /* insertion sort: n <= 101 */
		size_t j = i;
		for (; j > 0 && memcmp(hits[i].key, hits[order[j - 1]].key,
		                    FB_GEO_KEY_BYTES) < 0;
		     j--) {
			order[j] = order[j - 1];
		}
		order[j] = i;
	}
	for (size_t i = 0; i < n; i++) {
		size_t j = order[i];
		made[j]  = item(call, svc, txn, cards, &hits[j]);
	}
	store_cursor_close(cards);
	for (size_t i = 0; i < n; i++) {
		if (made[i] != NULL) {
			resp->items[resp->n_items++] = made[i];
		}
	}
	return HUES_OK;
}

/* ----- near a point ------------------------------------------------------- */

/* The finest cover of the circle with at most NEAR_CELLS cells. */
static int
cover(feedback_point c, double r, feedback_cell *cells, size_t *n)
{
	for (unsigned p = FB_GEO_KEY_LEN; p >= 1; p--) {
		if (feedback_geo_cover_circle(c, r, p, cells, NEAR_CELLS, n) ==
		    HUES_OK) {
			return HUES_OK;
		}
	}
	return HUES_OUT_OF_RANGE;
}

static int
feed_near(svc_call *call, fb_service *svc, store_txn *txn,
    const feed_filter *f, uint32_t size, const void *last, size_t lastn,
    uint32_t h, Hues__V1__PublicFeedResponse *resp)
{
	const Hues__V1__Circle *q = f->req->near;
	feedback_point c = {q->center->latitude, q->center->longitude};
	double         R = q->radius_m;
	double         last_d = -1;
	uint64_t       last_seq = 0;
	size_t         want = size + 1; /* one more says there is a next page */
	fb_hit        *hits = call_alloc(call, want * sizeof(*hits));
	size_t         nhits = 0, scanned = 0;
	feedback_cell  cells[NEAR_CELLS];

	if (lastn != 0) {
		if (lastn != sizeof(double) + sizeof(uint64_t)) {
			call_violation(call, "page_token", "malformed");
			return call_invalid(call);
		}
		memcpy(&last_d, last, sizeof(double));
		memcpy(&last_seq, (const char *) last + sizeof(double), 8);
	}
	/* One cursor for every cell: LMDB looks on its current page first,
	 * and neighbouring cells often share a page. */
	store_cursor *cur;
	if (store_cursor_open(txn, svc->t.geo, NULL, &cur) != HUES_OK) {
		return call_fail(call, HUES_INTERNAL, "cannot scan");
	}
	double rr = fmax(NEAR_START_M, last_d * 1.5);
	for (;;) {
		if (rr > R) {
			rr = R;
		}
		size_t ncells;
		if (cover(c, rr, cells, &ncells) != HUES_OK) {
			store_cursor_close(cur);
			return call_fail(call, HUES_INTERNAL, "no cover");
		}
		nhits = 0;
		for (size_t i = 0; i < ncells; i++) {
			if (nhits == want && cells[i].min_distance_m > hits[want - 1].d) {
				break;
			}
			store_range r = {.prefix = cells[i].hash,
			    .prefix_len          = strlen(cells[i].hash)};
			store_item it;
			if (store_cursor_seek(cur, &r) != HUES_OK) {
				store_cursor_close(cur);
				return call_fail(call, HUES_INTERNAL, "cannot scan");
			}
			while (store_cursor_next(cur, &it) == HUES_OK) {
				fb_summary s;
				scanned++;
				if (it.klen != FB_GEO_KEY_BYTES ||
				    !fb_summary_decode(it.val, it.vlen, &s) ||
				    !passes(f, &s)) {
					continue;
				}
				double d = feedback_distance_m(
				    c, (feedback_point) {s.lat, s.lon});
				if (d > rr ||
				    (lastn != 0 && !fb_hit_before(last_d, last_seq, d, s.seq))) {
					continue;
				}
				fb_hits_keep(hits, &nhits, want, d, s.seq, it.key);
			}
		}
		if (nhits == want || rr >= R || scanned > svc->scan_budget) {
			break;
		}
		rr *= 3;
	}
	store_cursor_close(cur);
	size_t n = nhits < size ? nhits : size;
	resp->items = call_alloc(call, (n + 1) * sizeof(*resp->items));
	int rv = items_of_hits(call, svc, txn, hits, n, resp);
	if (rv != HUES_OK) {
		return rv;
	}
	if (nhits > size || rr < R) {
		/* After the last item; or, when the scan budget stopped the
		 * circle at rr with nothing found, after everything within
		 * rr (no seq comes after UINT64_MAX at the same distance). */
		double   d   = n > 0 ? hits[n - 1].d : rr;
		uint64_t seq = n > 0 ? hits[n - 1].seq : UINT64_MAX;
		uint8_t  tok[sizeof(double) + sizeof(uint64_t)];
		memcpy(tok, &d, sizeof(double));
		memcpy(tok + sizeof(double), &seq, 8);
		resp->next_page_token =
		    fb_page_token(call, FB_PAGE_FEED_NEAR, h, tok, sizeof(tok));
	}
	return HUES_OK;
}

/* ----- a box -------------------------------------------------------------- */

static int
box_cover(const feedback_bbox *b, feedback_cell *cells, size_t *n)
{
	for (unsigned p = FB_GEO_KEY_LEN; p >= 1; p--) {
		if (feedback_geo_cover_bbox(b, p, cells, BOX_CELLS, n) == HUES_OK) {
			return HUES_OK;
		}
	}
	return HUES_OUT_OF_RANGE;
}

/* Scans cells in hash order, each newest key first; the token is the
 * cell's index and the last key. */
static int
feed_box(svc_call *call, fb_service *svc, store_txn *txn,
    const feed_filter *f, uint32_t size, const void *last, size_t lastn,
    uint32_t h, Hues__V1__PublicFeedResponse *resp)
{
	feedback_cell cells[BOX_CELLS];
	size_t        ncells, scanned = 0, first = 0;
	const uint8_t *lk = NULL;
	size_t         lkn = 0;

	if (box_cover(&f->box, cells, &ncells) != HUES_OK) {
		return call_fail(call, HUES_INTERNAL, "no cover");
	}
	if (lastn != 0) {
		uint16_t ci;
		if (lastn < 2 + 1) {
			call_violation(call, "page_token", "malformed");
			return call_invalid(call);
		}
		memcpy(&ci, last, 2);
		first = ci;
		lk    = (const uint8_t *) last + 2;
		lkn   = lastn - 2;
		if (first >= ncells) {
			call_violation(call, "page_token", "malformed");
			return call_invalid(call);
		}
	}
	store_cursor *cards;
	if (store_cursor_open(txn, svc->t.card, NULL, &cards) != HUES_OK) {
		return call_fail(call, HUES_INTERNAL, "cannot read cards");
	}
	resp->items = call_alloc(call, size * sizeof(*resp->items));
	uint8_t  key[STORE_KEY_MAX + 2];
	size_t   keyn = 0;
	uint16_t cell = 0;
	bool     more = false;
	for (size_t i = first; i < ncells && !more; i++) {
		store_range r = {.prefix = cells[i].hash,
		    .prefix_len          = strlen(cells[i].hash),
		    .flags               = STORE_RANGE_REVERSE};
		if (i == first && lk != NULL) {
			r.hi     = lk;
			r.hi_len = lkn;
		}
		store_cursor *cur;
		store_item    it;
		if (store_cursor_open(txn, svc->t.geo, &r, &cur) != HUES_OK) {
			store_cursor_close(cards);
			return call_fail(call, HUES_INTERNAL, "cannot scan");
		}
		while (store_cursor_next(cur, &it) == HUES_OK) {
			fb_summary s;
			bool       ok = it.klen == FB_GEO_KEY_BYTES &&
			          fb_summary_decode(it.val, it.vlen, &s) &&
			          passes(f, &s);
			/* Both stops go on after the last entry handled: the
			 * budget's before reading this one, a full page's
			 * before returning it. */
			if (++scanned > svc->scan_budget ||
			    (resp->n_items == size && ok)) {
				more = true;
				break;
			}
			if (it.klen <= STORE_KEY_MAX) {
				memcpy(key + 2, it.key, it.klen);
				keyn = it.klen;
				cell = (uint16_t) i;
			}
			if (!ok) {
				continue;
			}
			fb_hit hit = {.seq = s.seq};
			memcpy(hit.key, it.key, FB_GEO_KEY_BYTES);
			Hues__V1__FeedItem *x = item(call, svc, txn, cards, &hit);
			if (x != NULL) {
				resp->items[resp->n_items++] = x;
			}
		}
		store_cursor_close(cur);
	}
	store_cursor_close(cards);
	if (more && keyn > 0) {
		memcpy(key, &cell, 2);
		resp->next_page_token =
		    fb_page_token(call, FB_PAGE_FEED_BOX, h, key, keyn + 2);
	}
	return HUES_OK;
}

/* ----- the province, newest first ------------------------------------------ */

static int
feed_time(svc_call *call, fb_service *svc, store_txn *txn,
    const feed_filter *f, uint32_t size, const void *last, size_t lastn,
    uint32_t h, Hues__V1__PublicFeedResponse *resp)
{
	store_key   hi;
	store_range r = {.flags = STORE_RANGE_REVERSE};
	size_t      scanned = 0;
	uint64_t    last_seq = 0;
	bool        more = false;

	if (lastn != 0) {
		uint64_t seq;
		if (fb_page_seq(call, last, lastn, &seq) != HUES_OK) {
			return HUES_INVALID_ARGUMENT;
		}
		store_key_init(&hi);
		store_key_u64(&hi, seq);
		r.hi     = store_key_data(&hi);
		r.hi_len = store_key_len(&hi);
	}
	store_cursor *cur, *cards;
	store_item    it;
	if (store_cursor_open(txn, svc->t.time, &r, &cur) != HUES_OK) {
		return call_fail(call, HUES_INTERNAL, "cannot scan");
	}
	if (store_cursor_open(txn, svc->t.card, NULL, &cards) != HUES_OK) {
		store_cursor_close(cur);
		return call_fail(call, HUES_INTERNAL, "cannot read cards");
	}
	resp->items = call_alloc(call, size * sizeof(*resp->items));
	while (store_cursor_next(cur, &it) == HUES_OK) {
		fb_summary     s;
		store_key_view v;
		uint64_t       seq;
		/* As in feed_box: go on after the last entry handled. */
		bool ok = fb_summary_decode(it.val, it.vlen, &s) && passes(f, &s);
		if (++scanned > svc->scan_budget ||
		    (resp->n_items == size && ok)) {
			more = last_seq != 0;
			break;
		}
		store_key_view_init(&v, it.key, it.klen);
		if (store_key_get_u64(&v, &seq) == HUES_OK) {
			last_seq = seq;
		}
		if (!ok) {
			continue;
		}
		Hues__V1__FeedItem *x = item_of(call, svc, txn, cards, &s);
		if (x != NULL) {
			resp->items[resp->n_items++] = x;
		}
	}
	store_cursor_close(cards);
	store_cursor_close(cur);
	if (more) {
		resp->next_page_token = fb_page_token(
		    call, FB_PAGE_FEED_TIME, h, &last_seq, sizeof(last_seq));
	}
	return HUES_OK;
}

static bool
check_filters(svc_call *call, fb_service *svc,
    const Hues__V1__PublicFeedRequest *q)
{
	bool ok = true;
	const feedback_catalog *cat = fb_catalog_hold(svc);
	if (q->category[0] != '\0' &&
	    feedback_catalog_category(cat, q->category) == NULL) {
		call_violation(call, "category", "unknown category");
		ok = false;
	}
	if (q->ward_code[0] != '\0' &&
	    feedback_catalog_ward(cat, q->ward_code) == NULL) {
		call_violation(call, "ward_code", "unknown ward");
		ok = false;
	}
	fb_catalog_release(svc);
	ok &= fb_states_check(call, "states", q->states, q->n_states);
	if (q->since < 0 || q->until < 0 ||
	    (q->until != 0 && q->until <= q->since)) {
		call_violation(call, "until", "after since (Unix seconds)");
		ok = false;
	}
	return ok;
}

int
fb_public_feed(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__PublicFeedRequest *req  = reqp;
	Hues__V1__PublicFeedResponse      *resp = respp;
	fb_service                        *svc  = call_state(call);
	feed_filter                        f    = {.req = req};
	fb_page_kind                       kind = FB_PAGE_FEED_TIME;
	uint32_t                           size;
	const void                        *last;
	size_t                             lastn;
	store_txn                         *txn;
	int                                rv;

	check_filters(call, svc, req);
	if (req->area_case == HUES__V1__PUBLIC_FEED_REQUEST__AREA_NEAR) {
		const Hues__V1__Circle *c = req->near;
		feedback_point p = {0, 0};
		if (c->center != NULL) {
			p = (feedback_point) {c->center->latitude, c->center->longitude};
		}
		feedback_check_circle(call, "near", c->center != NULL, p, c->radius_m);
		kind = FB_PAGE_FEED_NEAR;
	} else if (req->area_case == HUES__V1__PUBLIC_FEED_REQUEST__AREA_BBOX) {
		f.box = (feedback_bbox) {req->bbox->south, req->bbox->west,
		    req->bbox->north, req->bbox->east};
		f.has_box = true;
		feedback_check_bbox(call, "bbox", &f.box);
		kind = FB_PAGE_FEED_BOX;
	}
	uint32_t h = filters_hash(req);
	rv         = fb_page_size(call, req->page_size, &size);
	if (fb_page_parse(call, req->page_token, kind, h, &last, &lastn) !=
	        HUES_OK ||
	    rv != HUES_OK || call_violation_count(call) > 0) {
		return call_invalid(call);
	}
	if ((rv = fb_read_begin(svc, call, &txn)) != HUES_OK) {
		return rv;
	}
	switch (kind) {
	case FB_PAGE_FEED_NEAR:
		rv = feed_near(call, svc, txn, &f, size, last, lastn, h, resp);
		break;
	case FB_PAGE_FEED_BOX:
		rv = feed_box(call, svc, txn, &f, size, last, lastn, h, resp);
		break;
	default:
		rv = feed_time(call, svc, txn, &f, size, last, lastn, h, resp);
		break;
	}
	fb_read_end(svc);
	return rv;
}
