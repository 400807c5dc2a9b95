/*
 * stats.c - Stats: per agency, category, ward and month of submission,
 * what a province publishes about its agencies. Computed at call time
 * from the month index (summaries only, no record is loaded), so the
 * figures are always those of the last commit; the cost is a scan of the
 * months asked for.
 */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "svc/feedback/fb.h"

typedef struct group {
	const char *agency, *category, *ward;
	size_t      agency_len, category_len, ward_len;
	uint32_t    month;
	uint32_t    received, resolved, acknowledged, ack_on_time,
	    resolved_on_time, rated, satisfied, reopened, resolved_ever,
	    overdue_open;
	int64_t *durations; /* resolve times, for the median */
	size_t   ndur, capdur;
	struct group *next; /* hash chain */
} group;

typedef struct table {
	group  **buckets;
	size_t   nbuckets;
	group  **all;
	size_t   n, cap;
	svc_call *call;
} table;

static uint32_t
hash(const fb_summary *s, uint32_t month)
{
	uint32_t h = fb_page_hash(0, s->agency, s->agency_len);
	h          = fb_page_hash(h, s->category, s->category_len);
	h          = fb_page_hash(h, s->ward, s->ward_len);
	return fb_page_hash(h, &month, sizeof(month));
}

static bool
same(const group *g, const fb_summary *s, uint32_t month)
{
	return g->month == month && g->agency_len == s->agency_len &&
	       g->category_len == s->category_len && g->ward_len == s->ward_len &&
	       memcmp(g->agency, s->agency, s->agency_len) == 0 &&
	       memcmp(g->category, s->category, s->category_len) == 0 &&
	       memcmp(g->ward, s->ward, s->ward_len) == 0;
}

static group *
find(table *t, const fb_summary *s, uint32_t month)
{
	uint32_t h = hash(s, month) % t->nbuckets;
	for (group *g = t->buckets[h]; g != NULL; g = g->next) {
		if (same(g, s, month)) {
			return g;
		}
	}
	group *g = call_alloc(t->call, sizeof(*g));
	*g       = (group) {
	          .agency       = call_memdup(t->call, s->agency, s->agency_len),
	          .agency_len   = s->agency_len,
	          .category     = call_memdup(t->call, s->category, s->category_len),
	          .category_len = s->category_len,
	          .ward         = call_memdup(t->call, s->ward, s->ward_len),
	          .ward_len     = s->ward_len,
	          .month        = month,
	          .next         = t->buckets[h],
        };
	t->buckets[h] = g;
	if (t->n == t->cap) {
		size_t  cap = t->cap ? t->cap * 2 : 64;
		group **v   = call_alloc(t->call, cap * sizeof(*v));
		if (t->n > 0) {
			memcpy(v, t->all, t->n * sizeof(*v));
		}
		t->all = v;
		t->cap = cap;
	}
	t->all[t->n++] = g;
	return g;
}

static void
add_duration(table *t, group *g, int64_t d)
{
	if (g->ndur == g->capdur) {
		size_t   cap = g->capdur ? g->capdur * 2 : 16;
		int64_t *v   = call_alloc(t->call, cap * sizeof(*v));
		if (g->ndur > 0) {
			memcpy(v, g->durations, g->ndur * sizeof(*v));
		}
		g->durations = v;
		g->capdur    = cap;
	}
	g->durations[g->ndur++] = d;
}

static void
count(table *t, group *g, const fb_summary *s, int64_t now)
{
	feedback_sla sla = {s->ack_by, s->resolve_by, s->acknowledged_at,
	    s->resolved_at};
	unsigned flags = feedback_sla_flags(&sla, now);

	g->received++;
	if (s->acknowledged_at != 0) {
		g->acknowledged++;
		g->ack_on_time += (flags & FEEDBACK_SLA_ACK_LATE) == 0;
	}
	if (s->resolved_at != 0) {
		g->resolved++;
		g->resolved_on_time += (flags & FEEDBACK_SLA_RESOLVE_LATE) == 0;
		add_duration(t, g, s->resolved_at - s->submitted_at);
	}
	if (s->resolved_at != 0 || s->reopen_count > 0) {
		g->resolved_ever++;
		g->reopened += s->reopen_count > 0;
	}
	if (s->rating != 0) {
		g->rated++;
		g->satisfied += s->rating == FEEDBACK_RATING_SATISFIED;
	}
	if (fb_state_nearby_open(s->state) &&
	    (flags & (FEEDBACK_SLA_ACK_OVERDUE | FEEDBACK_SLA_RESOLVE_OVERDUE))) {
		g->overdue_open++;
	}
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
	return (x > y) - (x < y);
}

static int
cmp_str(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c != 0 ? c : (an > bn) - (an < bn);
}

static int
cmp_group(const void *pa, const void *pb)
{
	const group *a = *(group *const *) pa, *b = *(group *const *) pb;
	int          c;
	if ((c = cmp_str(a->agency, a->agency_len, b->agency, b->agency_len)))
		return c;
	if ((c = cmp_str(a->category, a->category_len, b->category,
	         b->category_len)))
		return c;
	if ((c = cmp_str(a->ward, a->ward_len, b->ward, b->ward_len)))
		return c;
	return (a->month > b->month) - (a->month < b->month);
}

static Hues__V1__Percentage *
pct(svc_call *call, uint32_t part, uint32_t whole)
{
	if (whole == 0) {
		return NULL; /* absent: nothing to measure */
	}
	Hues__V1__Percentage *p =
	    call_new_message(call, &hues__v1__percentage__descriptor);
	p->value = 100.0 * part / whole;
	return p;
}

/* "YYYY-MM" into 202603; 0 for "". */
static bool
parse_month(const char *s, uint32_t *out)
{
	if (s == NULL || s[0] == '\0') {
		*out = 0;
		return true;
	}
	if (strlen(s) != 7 || s[4] != '-') {
		return false;
	}
	for (int i = 0; i < 7; i++) {
		if (i != 4 && (s[i] < '0' || s[i] > '9')) {
			return false;
		}
	}
	uint32_t y = (uint32_t) atoi(s), m = (uint32_t) atoi(s + 5);
	if (y < 1970 || m < 1 || m > 12) {
		return false;
	}
	*out = y * 100 + m;
	return true;
}

static bool
want(const char *f, const char *s, size_t n)
{
	return f == NULL || f[0] == '\0' || fb_summary_is(s, n, f);
}

int
fb_stats(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__StatsRequest *req  = reqp;
	Hues__V1__StatsResponse      *resp = respp;
	fb_service                   *svc  = call_state(call);
	uint32_t                      from, to;
	int64_t                       now = clock_unix_s();
	int                           rv;

	if (!parse_month(req->from_month, &from)) {
		call_violation(call, "from_month", "YYYY-MM");
	}
	if (!parse_month(req->to_month, &to)) {
		call_violation(call, "to_month", "YYYY-MM");
	} else if (to != 0 && to < from) {
		call_violation(call, "to_month", "not before from_month");
	}
	if (call_violation_count(call) > 0) {
		return call_invalid(call);
	}
	store_key   lo, hi;
	store_range r = {0};
	if (from != 0) {
		store_key_init(&lo);
		store_key_u32(&lo, from);
		r.lo     = store_key_data(&lo);
		r.lo_len = store_key_len(&lo);
	}
	if (to != 0) {
		store_key_init(&hi);
		store_key_u32(&hi, to + 1); /* months sort as numbers */
		r.hi     = store_key_data(&hi);
		r.hi_len = store_key_len(&hi);
	}
	table t = {.nbuckets = 1024, .call = call};
	t.buckets = call_alloc(call, t.nbuckets * sizeof(*t.buckets));
	memset(t.buckets, 0, t.nbuckets * sizeof(*t.buckets));

	store_txn    *txn;
	store_cursor *c;
	store_item    it;
	if ((rv = fb_read_begin(svc, call, &txn)) != HUES_OK) {
		return rv;
	}
	if (store_cursor_open(txn, svc->t.month, &r, &c) != HUES_OK) {
		fb_read_end(svc);
		return call_fail(call, HUES_INTERNAL, "cannot scan");
	}
	while (store_cursor_next(c, &it) == HUES_OK) {
		store_key_view v;
		uint32_t       month;
		fb_summary     s;
		store_key_view_init(&v, it.key, it.klen);
		if (store_key_get_u32(&v, &month) != HUES_OK ||
		    !fb_summary_decode(it.val, it.vlen, &s) ||
		    !want(req->agency, s.agency, s.agency_len) ||
		    !want(req->category, s.category, s.category_len) ||
		    !want(req->ward_code, s.ward, s.ward_len)) {
			continue;
		}
		count(&t, find(&t, &s, month), &s, now);
	}
	store_cursor_close(c);
	fb_read_end(svc);

	if (t.n > 0) {
		qsort(t.all, t.n, sizeof(*t.all), cmp_group);
	}
	resp->rows   = call_alloc(call, (t.n + 1) * sizeof(*resp->rows));
	resp->n_rows = t.n;
	for (size_t i = 0; i < t.n; i++) {
		group            *g   = t.all[i];
		Hues__V1__StatsRow *row =
		    call_new_message(call, &hues__v1__stats_row__descriptor);
		row->agency    = call_printf(call, "%.*s", (int) g->agency_len, g->agency);
		row->category  = call_printf(
		     call, "%.*s", (int) g->category_len, g->category);
		row->ward_code = call_printf(call, "%.*s", (int) g->ward_len, g->ward);
		row->month     = call_printf(
		    call, "%04u-%02u", g->month / 100, g->month % 100);
		row->received             = g->received;
		row->resolved             = g->resolved;
		row->acknowledged_on_time = pct(call, g->ack_on_time, g->acknowledged);
		row->resolved_on_time = pct(call, g->resolved_on_time, g->resolved);
		row->satisfied        = pct(call, g->satisfied, g->rated);
		row->reopened         = pct(call, g->reopened, g->resolved_ever);
		row->overdue_open     = g->overdue_open;
		if (g->ndur > 0) {
			qsort(g->durations, g->ndur, sizeof(int64_t), cmp_i64);
			Hues__V1__Seconds *m =
			    call_new_message(call, &hues__v1__seconds__descriptor);
			m->value = g->ndur % 2 ? g->durations[g->ndur / 2]
			                       : (g->durations[g->ndur / 2 - 1] +
			                             g->durations[g->ndur / 2]) /
			                             2;
			row->median_time_to_resolve = m;
		}
		resp->rows[i] = row;
	}
	return HUES_OK;
}
