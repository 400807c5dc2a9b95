/*
 * gen.c - the Feedback generators (see gen.h). Each slot (one call in
 * flight) has a buffer, a random stream and, for the publish chain, the
 * id its last SubmitReport returned. Replies are checked by walking the
 * protobuf wire format for the few fields that matter (an id, a state, a
 * count of items) instead of decoding whole reports, which would take
 * the CPU the server shares with us.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"
#include "gen.h"
#include "hues/hues.h"

#define M_SUBMIT "/hues.v1.Feedback/SubmitReport"
#define M_GET    "/hues.v1.Feedback/GetReport"
#define M_FEED   "/hues.v1.Feedback/PublicFeed"
#define M_TRIAGE "/hues.v1.Feedback/Triage"

#define ID_LEN   11  /* "R" and ten digits */
#define KEY_ROOM 64  /* the idempotency key field, appended per call */
#define SMALL    512 /* GetReport, PublicFeed and Triage requests */

enum inflight { IN_NONE, IN_SUBMIT, IN_TRIAGE, IN_GET, IN_FEED };

typedef struct slot {
	corpus_rng    rng;
	uint8_t      *buf;
	enum inflight in;
	bool          triage_next; /* publish: the id below awaits triage */
	bool          routable;    /* of the report being submitted */
	char          id[24];      /* "R" and ten digits; room for snprintf */
	size_t        user;        /* the citizen of the call in flight */
} slot;

struct gen {
	gen_opts       o;
	corpus        *cp;
	corpus_report *pool;
	size_t         npool;
	slot          *slots;
	const char    *fallback_agency;
	char           nonce[24]; /* tells this run's keys from others' */
	load_gen       hooks;

	atomic_uint_fast64_t seq;     /* calls made */
	atomic_uint_fast64_t started; /* publish: reports started */
	atomic_uint_fast64_t submitted, submit_failed, replayed, nearby;
	atomic_uint_fast64_t accepted, published, triage_failed;
	atomic_uint_fast64_t wrong_get;
	atomic_uint_fast64_t pages, items, empty_pages, more_pages;
	atomic_uint_fast64_t replies, reply_bytes; /* OK replies */
};

const char *
gen_method(gen_kind kind)
{
	switch (kind) {
	case GEN_GET: return M_GET;
	case GEN_FEED: return M_FEED;
	case GEN_SUBMIT:
	case GEN_PUBLISH:
	default: return M_SUBMIT;
	}
}

/* ----- the wire format, just enough to find a few fields ------------------
 */

typedef struct wfield {
	uint32_t       num, type;
	uint64_t       v; /* varints */
	const uint8_t *p; /* length-delimited */
	size_t         len;
} wfield;

static bool
varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; *pp < end && shift < 64; shift += 7) {
		uint8_t b = *(*pp)++;
		*v |= (uint64_t) (b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			return true;
		}
	}
	return false;
}

/* Reads the next field at *pp; false at the end or on bad bytes. */
static bool
wire_next(const uint8_t **pp, const uint8_t *end, wfield *f)
{
	uint64_t key, n;
	if (*pp >= end || !varint(pp, end, &key)) {
		return false;
	}
	f->num  = (uint32_t) (key >> 3);
	f->type = (uint32_t) (key & 7);
	switch (f->type) {
	case 0: return varint(pp, end, &f->v);
	case 1:
	case 5: {
		size_t w = f->type == 1 ? 8 : 4;
		if ((size_t) (end - *pp) < w) {
			return false;
		}
		*pp += w;
		return true;
	}
	case 2:
		if (!varint(pp, end, &n) || n > (uint64_t) (end - *pp)) {
			return false;
		}
		f->p   = *pp;
		f->len = (size_t) n;
		*pp += n;
		return true;
	default: return false;
	}
}

/* Finds the first length-delimited field num in [p, p + n). */
static bool
wire_find(const uint8_t *p, size_t n, uint32_t num, wfield *out)
{
	const uint8_t *end = p + n;
	while (wire_next(&p, end, out)) {
		if (out->num == num && out->type == 2) {
			return true;
		}
	}
	return false;
}

static bool
id_valid(const uint8_t *p, size_t n)
{
	if (n != ID_LEN || p[0] != 'R') {
		return false;
	}
	for (size_t i = 1; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			return false;
		}
	}
	return true;
}

/* ----- making calls ----------------------------------------------------------
 */

static const char *
citizen(gen *g, slot *s, uint64_t seq)
{
	const tokens *t = g->o.citizens;
	if (t == NULL || t->n == 0) {
		return NULL;
	}
	s->user = (size_t) (seq % t->n);
	return t->tok[s->user];
}

/* A pool request with a point of its own and a fresh idempotency key. */
static bool
submit_next(gen *g, slot *s, load_call *out)
{
	uint64_t             seq = atomic_fetch_add(&g->seq, 1);
	const corpus_report *e   = &g->pool[seq % g->npool];
	size_t               len = e->len;
	char                 key[KEY_ROOM];

	memcpy(s->buf, e->data, len);
	if (e->lat_off != 0 && e->lon_off != 0) {
		double lat, lon;
		corpus_point(&s->rng, &lat, &lon);
		memcpy(s->buf + e->lat_off, &lat, 8);
		memcpy(s->buf + e->lon_off, &lon, 8);
	}
	/* Field 9, idempotency_key: a field may come after those of higher
	 * numbers, so appending it keeps the message valid. */
	int n = snprintf(
	    key, sizeof(key), "hb-%s-%llu", g->nonce, (unsigned long long) seq);
	s->buf[len++] = (9 << 3) | 2;
	s->buf[len++] = (uint8_t) n; /* < 128: one byte of length */
	memcpy(s->buf + len, key, (size_t) n);
	len += (size_t) n;

	s->in       = IN_SUBMIT;
	s->routable = e->routable;
	out->method = M_SUBMIT;
	out->req    = s->buf;
	out->len    = len;
	out->token  = citizen(g, s, seq);
	return true;
}

static bool
get_next(gen *g, slot *s, load_call *out)
{
	Hues__V1__GetReportRequest req = HUES__V1__GET_REPORT_REQUEST__INIT;
	uint64_t                   seq = atomic_fetch_add(&g->seq, 1);
	uint64_t id = 1 + ((corpus_rand(&s->rng) >> 1) % g->o.ids);

	snprintf(s->id, sizeof(s->id), "R%010llu", (unsigned long long) id);
	req.id      = s->id;
	s->in       = IN_GET;
	out->method = M_GET;
	out->req    = s->buf;
	out->len    = hues__v1__get_report_request__pack(&req, s->buf);
	out->token  = citizen(g, s, seq);
	return true;
}

static bool
feed_next(gen *g, slot *s, load_call *out)
{
	Hues__V1__PublicFeedRequest req  = HUES__V1__PUBLIC_FEED_REQUEST__INIT;
	Hues__V1__Circle            near = HUES__V1__CIRCLE__INIT;
	Hues__V1__GeoPoint          c    = HUES__V1__GEO_POINT__INIT;
	uint64_t                    seq  = atomic_fetch_add(&g->seq, 1);

	corpus_point(&s->rng, &c.latitude, &c.longitude);
	near.center   = &c;
	near.radius_m = g->o.radius_m;
	req.area_case = HUES__V1__PUBLIC_FEED_REQUEST__AREA_NEAR;
	req.near      = &near;
	req.page_size = (int32_t) g->o.page_size;
	s->in         = IN_FEED;
	out->method   = M_FEED;
	out->req      = s->buf;
	out->len      = hues__v1__public_feed_request__pack(&req, s->buf);
	out->token    = citizen(g, s, seq);
	return true;
}

/* ACCEPT, routed by the table, or to the fallback agency when the table
 * has none for the report (as the centre does by hand). */
static bool
triage_next(gen *g, slot *s, load_call *out)
{
	Hues__V1__TriageRequest req = HUES__V1__TRIAGE_REQUEST__INIT;

	atomic_fetch_add(&g->seq, 1);
	req.id            = s->id;
	req.decision      = HUES__V1__TRIAGE_DECISION__TRIAGE_DECISION_ACCEPT;
	req.agency        = (char *) (s->routable ? "" : g->fallback_agency);
	req.internal_note = (char *) "Chuyển đơn vị chủ trì xử lý.";
	s->in             = IN_TRIAGE;
	out->method       = M_TRIAGE;
	out->req          = s->buf;
	out->len          = hues__v1__triage_request__pack(&req, s->buf);
	out->token        = g->o.coordinator;
	return true;
}

static bool
gen_next(void *arg, unsigned i, load_call *out)
{
	gen  *g = arg;
	slot *s = &g->slots[i];

	switch (g->o.kind) {
	case GEN_GET: return get_next(g, s, out);
	case GEN_FEED: return feed_next(g, s, out);
	case GEN_PUBLISH:
		if (s->triage_next) {
			return triage_next(g, s, out);
		}
		if (g->o.reports > 0 &&
		    atomic_fetch_add(&g->started, 1) >= g->o.reports) {
			return false;
		}
		return submit_next(g, s, out);
	case GEN_SUBMIT:
	default: return submit_next(g, s, out);
	}
}

/* ----- checking replies
 * --------------------------------------------------------
 */

/* SubmitReportResponse: an id (1), nearby reports (5), replayed (6). */
static bool
check_submit(gen *g, slot *s, const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	wfield         f;
	bool           have_id = false;
	uint64_t       nearby  = 0;

	while (wire_next(&p, end, &f)) {
		if (f.num == 1 && f.type == 2 && id_valid(f.p, f.len)) {
			memcpy(s->id, f.p, ID_LEN);
			s->id[ID_LEN] = '\0';
			have_id       = true;
		} else if (f.num == 5 && f.type == 2) {
			nearby++;
		} else if (f.num == 6 && f.type == 0 && f.v != 0) {
			atomic_fetch_add(&g->replayed, 1);
		}
	}
	atomic_fetch_add(&g->nearby, nearby);
	return have_id;
}

/* TriageResponse: the report (1), in state ACCEPTED (12) and published
 * (31). */
static bool
check_triage(gen *g, const uint8_t *p, size_t n)
{
	wfield rep, f;
	bool   accepted = false, published = false;

	if (!wire_find(p, n, 1, &rep)) {
		return false;
	}
	const uint8_t *q = rep.p, *end = rep.p + rep.len;
	while (wire_next(&q, end, &f)) {
		if (f.num == 12 && f.type == 0) {
			accepted =
			    f.v ==
			    HUES__V1__REPORT_STATE__REPORT_STATE_ACCEPTED;
		} else if (f.num == 31 && f.type == 0) {
			published = f.v != 0;
		}
	}
	if (published) {
		atomic_fetch_add(&g->published, 1);
	}
	return accepted;
}

/* GetReportResponse: the report (1) with the id asked for (1). */
static bool
check_get(const slot *s, const uint8_t *p, size_t n)
{
	wfield rep, id;
	return wire_find(p, n, 1, &rep) && wire_find(rep.p, rep.len, 1, &id) &&
	       id.len == ID_LEN && memcmp(id.p, s->id, ID_LEN) == 0;
}

/* PublicFeedResponse: items (1), next_page_token (2). */
static void
count_feed(gen *g, const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	wfield         f;
	uint64_t       items = 0;
	bool           more  = false;

	while (wire_next(&p, end, &f)) {
		if (f.num == 1 && f.type == 2) {
			items++;
		} else if (f.num == 2 && f.type == 2 && f.len > 0) {
			more = true;
		}
	}
	atomic_fetch_add(&g->pages, 1);
	atomic_fetch_add(&g->items, items);
	if (items == 0) {
		atomic_fetch_add(&g->empty_pages, 1);
	}
	if (more) {
		atomic_fetch_add(&g->more_pages, 1);
	}
}

static bool
gen_done(void *arg, unsigned i, int code, const void *payload, size_t len)
{
	gen  *g     = arg;
	slot *s     = &g->slots[i];
	bool  ok    = code == HUES_OK;
	bool  right = true;

	if (ok) {
		atomic_fetch_add(&g->replies, 1);
		atomic_fetch_add(&g->reply_bytes, len);
	}
	switch (s->in) {
	case IN_SUBMIT:
		right = ok && check_submit(g, s, payload, len);
		atomic_fetch_add(right ? &g->submitted : &g->submit_failed, 1);
		s->triage_next = g->o.kind == GEN_PUBLISH && right;
		break;
	case IN_TRIAGE:
		right = ok && check_triage(g, payload, len);
		atomic_fetch_add(right ? &g->accepted : &g->triage_failed, 1);
		s->triage_next = false;
		break;
	case IN_GET:
		right = ok && check_get(s, payload, len);
		if (ok && !right) {
			atomic_fetch_add(&g->wrong_get, 1);
		}
		break;
	case IN_FEED:
		if (ok) {
			count_feed(g, payload, len);
		}
		break;
	case IN_NONE:
	default: break;
	}
	s->in = IN_NONE;
	return right;
}

/* ----- life cycle
 * ----------------------------------------------------------------
 */

int
gen_create(const gen_opts *o, gen **out, char *why, size_t whylen)
{
	gen *g = calloc(1, sizeof(*g));
	if (g == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	g->o = *o;
	if (g->o.pool == 0) {
		g->o.pool = 4096;
	}
	if (g->o.radius_m == 0) {
		g->o.radius_m = 1000;
	}
	if (g->o.page_size == 0) {
		g->o.page_size = 20;
	}
	if (g->o.kind == GEN_GET && g->o.ids == 0) {
		snprintf(why, whylen, "get-report needs --ids N (R1 .. RN)");
		goto fail;
	}
	if (g->o.kind == GEN_PUBLISH && g->o.coordinator == NULL) {
		snprintf(why, whylen,
		    "publish needs a coordinator's token "
		    "(--jwt-secret)");
		goto fail;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(g->nonce, sizeof(g->nonce), "%llx%x",
	    (unsigned long long) ts.tv_sec * 1000000000ull +
	        (unsigned long long) ts.tv_nsec,
	    (unsigned) getpid());

	size_t room = SMALL;
	if (g->o.kind == GEN_SUBMIT || g->o.kind == GEN_PUBLISH) {
		if (corpus_create(&g->cp, why, whylen) != 0) {
			goto fail;
		}
		g->fallback_agency = corpus_fallback_agency(g->cp);
		g->pool            = calloc(g->o.pool, sizeof(*g->pool));
		if (g->pool == NULL) {
			snprintf(why, whylen, "out of memory");
			goto fail;
		}
		corpus_rng r = { g->o.seed };
		for (; g->npool < g->o.pool; g->npool++) {
			corpus_report *e = &g->pool[g->npool];
			if (!corpus_report_make(g->cp, &r, e)) {
				snprintf(why, whylen, "out of memory");
				goto fail;
			}
			if (e->len + KEY_ROOM > room) {
				room = e->len + KEY_ROOM;
			}
		}
	}
	g->slots = calloc(o->slots, sizeof(*g->slots));
	if (g->slots == NULL) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < o->slots; i++) {
		g->slots[i].rng.s = o->seed * 0x100000001b3ull + i + 1;
		g->slots[i].buf   = malloc(room);
		if (g->slots[i].buf == NULL) {
			snprintf(why, whylen, "out of memory");
			goto fail;
		}
	}
	g->hooks = (load_gen) {
		.next   = gen_next,
		.done   = gen_done,
		.arg    = g,
		.finite = g->o.kind == GEN_PUBLISH && g->o.reports > 0,
	};
	*out = g;
	return 0;
fail:
	gen_destroy(g);
	return -1;
}

void
gen_destroy(gen *g)
{
	if (g == NULL) {
		return;
	}
	for (size_t i = 0; g->slots != NULL && i < g->o.slots; i++) {
		free(g->slots[i].buf);
	}
	free(g->slots);
	for (size_t i = 0; i < g->npool; i++) {
		free(g->pool[i].data);
	}
	free(g->pool);
	corpus_destroy(g->cp);
	free(g);
}

const load_gen *
gen_hooks(gen *g)
{
	return &g->hooks;
}

const gen_opts *
gen_options(const gen *g)
{
	return &g->o;
}

#define LD(x) ((unsigned long long) atomic_load(&g->x))

void
gen_summary(FILE *f, const gen *gc)
{
	gen *g = (gen *) gc; /* atomic_load wants a non-const object */

	fprintf(f, "  replies: %.0f B on average (OK ones, payload only)\n",
	    LD(replies) ? (double) LD(reply_bytes) / LD(replies) : 0.0);
	switch (g->o.kind) {
	case GEN_SUBMIT:
		fprintf(f,
		    "  reports: %llu made, %llu failed, %llu replayed; "
		    "%.2f nearby per report\n",
		    LD(submitted), LD(submit_failed), LD(replayed),
		    LD(submitted) ? (double) LD(nearby) / LD(submitted) : 0.0);
		break;
	case GEN_PUBLISH:
		fprintf(f,
		    "  reports: %llu submitted (%llu failed), %llu accepted "
		    "at triage (%llu failed), %llu published\n",
		    LD(submitted), LD(submit_failed), LD(accepted),
		    LD(triage_failed), LD(published));
		break;
	case GEN_GET:
		fprintf(f, "  replies with another report than asked: %llu\n",
		    LD(wrong_get));
		break;
	case GEN_FEED:
		fprintf(f,
		    "  pages: %llu, %.1f items per page (page size %u), %llu "
		    "empty, %llu with a next page\n",
		    LD(pages), LD(pages) ? (double) LD(items) / LD(pages) : 0.0,
		    g->o.page_size, LD(empty_pages), LD(more_pages));
		break;
	}
}

void
gen_result_words(const gen *gc, char *buf, size_t len)
{
	gen *g = (gen *) gc;

	switch (g->o.kind) {
	case GEN_SUBMIT:
		snprintf(buf, len, "made=%llu replayed=%llu", LD(submitted),
		    LD(replayed));
		break;
	case GEN_PUBLISH:
		snprintf(buf, len,
		    "submitted=%llu accepted=%llu published=%llu",
		    LD(submitted), LD(accepted), LD(published));
		break;
	case GEN_FEED:
		snprintf(buf, len, "items_per_page=%.1f empty_pages=%llu",
		    LD(pages) ? (double) LD(items) / LD(pages) : 0.0,
		    LD(empty_pages));
		break;
	case GEN_GET:
	default: snprintf(buf, len, "%s", ""); break;
	}
	size_t used = strlen(buf);
	snprintf(buf + used, len - used, "%sreply_bytes=%.0f", used ? " " : "",
	    LD(replies) ? (double) LD(reply_bytes) / LD(replies) : 0.0);
}

#undef LD
