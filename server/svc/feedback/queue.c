/*
 * queue.c - WorkQueue (the open reports of one agency, soonest due first,
 * from the queue index) and ReadOutbox (the durable events, oldest
 * first).
 */
#include <string.h>

#include "core/clock.h"
#include "svc/authz.h"
#include "svc/feedback/fb.h"
#include "svc/feedback/validate.h"

/* The agency whose queue the caller may read. */
static int
queue_agency(svc_call *call, const Hues__V1__WorkQueueRequest *req,
    const char **agency)
{
	const svc_principal *p = call_principal(call);

	if (p->role == SVC_ROLE_OFFICER) {
		if (req->agency[0] != '\0' &&
		    (p->agency == NULL || strcmp(req->agency, p->agency) != 0)) {
			call_set_reason(call, "OTHER_AGENCY");
			return call_fail(call, HUES_PERMISSION_DENIED,
			    "officers read their own agency's queue only");
		}
		if (p->agency == NULL || p->agency[0] == '\0') {
			call_set_reason(call, "NO_AGENCY");
			return call_fail(call, HUES_PERMISSION_DENIED,
			    "this officer's token names no agency");
		}
		*agency = p->agency;
		return HUES_OK;
	}
	*agency = req->agency; /* coordinators: any; "" is the centre */
	return HUES_OK;
}

int
fb_work_queue(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__WorkQueueRequest *req  = reqp;
	Hues__V1__WorkQueueResponse      *resp = respp;
	fb_service                       *svc  = call_state(call);
	const char                       *agency = NULL;
	uint32_t                          size;
	const void                       *last;
	size_t                            lastn;
	int64_t                           now = clock_unix_s();
	int                               rv;

	if ((rv = queue_agency(call, req, &agency)) != HUES_OK) {
		return rv;
	}
	fb_states_check(call, "states", req->states, req->n_states);
	if (req->due_before < 0) {
		call_violation(call, "due_before", "Unix seconds, or 0");
	}
	uint32_t h = fb_page_hash_str(0, agency);
	h = fb_page_hash(h, req->states, req->n_states * sizeof(*req->states));
	h = fb_page_hash_str(h, req->category);
	h = fb_page_hash_str(h, req->ward_code);
	h = fb_page_hash(h, &req->overdue_only, sizeof(req->overdue_only));
	h = fb_page_hash(h, &req->due_before, sizeof(req->due_before));
	rv = fb_page_size(call, req->page_size, &size);
	if (fb_page_parse(call, req->page_token, FB_PAGE_QUEUE, h, &last,
	        &lastn) != HUES_OK ||
	    rv != HUES_OK || call_violation_count(call) > 0) {
		return call_invalid(call);
	}

	/* agency, due, id: ascending due within the agency's prefix. */
	store_key pre, lo, hi;
	store_key_init(&pre);
	store_key_str(&pre, agency, strlen(agency));
	store_range r = {.prefix = store_key_data(&pre),
	    .prefix_len          = store_key_len(&pre)};
	int64_t bound = req->due_before;
	if (req->overdue_only && (bound == 0 || bound > now)) {
		bound = now;
	}
	if (bound != 0) {
		hi = pre;
		store_key_i64(&hi, bound);
		r.hi     = store_key_data(&hi);
		r.hi_len = store_key_len(&hi);
	}
	if (lastn != 0) {
		if (lastn > STORE_KEY_MAX - store_key_len(&pre)) {
			call_violation(call, "page_token", "malformed");
			return call_invalid(call);
		}
		lo = pre;
		store_key_bytes(&lo, last, lastn);
		r.lo     = store_key_data(&lo);
		r.lo_len = store_key_len(&lo);
		r.flags |= STORE_RANGE_LO_EXCL;
	}

	store_txn    *txn;
	store_cursor *c;
	store_item    it;
	if ((rv = fb_read_begin(svc, call, &txn)) != HUES_OK) {
		return rv;
	}
	if (store_cursor_open(txn, svc->t.queue, &r, &c) != HUES_OK) {
		fb_read_end(svc);
		return call_fail(call, HUES_INTERNAL, "cannot scan the queue");
	}
	resp->items = call_alloc(call, size * sizeof(*resp->items));
	ProtobufCAllocator pa;
	fb_call_allocator(call, &pa);
	uint8_t tail[STORE_KEY_MAX];
	size_t  tailn = 0, scanned = 0;
	bool    more  = false;
	int      err = HUES_OK;
	uint64_t seq = 0;
	while (store_cursor_next(c, &it) == HUES_OK) {
		/* The key ends with the seq (agency, due, seq: key_queue in
		 * records.c); only those 8 bytes are read, not the agency. */
		fb_summary     s;
		store_key_view kv;
		store_key_view_init(&kv,
		    (const uint8_t *) it.key + (it.klen >= 8 ? it.klen - 8 : 0),
		    it.klen >= 8 ? 8 : 0);
		if (store_key_get_u64(&kv, &seq) != HUES_OK ||
		    !fb_summary_decode(it.val, it.vlen, &s) || s.seq != seq) {
			err = HUES_DATA_LOSS;
			break;
		}
		bool ok =
		    fb_state_wanted(s.state, req->states, req->n_states) &&
		    (req->category[0] == '\0' ||
		        fb_summary_is(s.category, s.category_len, req->category)) &&
		    (req->ward_code[0] == '\0' ||
		        fb_summary_is(s.ward, s.ward_len, req->ward_code));
		/* Both stops go on after the last entry handled, returned or
		 * not (feed.c): the budget's before this one, a full page's
		 * before returning it; so a page of nothing still has a token. */
		if (++scanned > svc->scan_budget || (resp->n_items == size && ok)) {
			more = tailn > 0;
			break;
		}
		if (it.klen >= store_key_len(&pre) &&
		    it.klen - store_key_len(&pre) <= sizeof(tail)) {
			tailn = it.klen - store_key_len(&pre);
			memcpy(tail, (const uint8_t *) it.key + store_key_len(&pre),
			    tailn);
		}
		if (!ok) {
			continue;
		}
		Hues__V1__Report *rep;
		fb_view           v;
		if ((err = fb_report_load(txn, &svc->t, seq, &pa, &rep)) !=
		    HUES_OK) {
			break;
		}
		if (fb_view_for(call, call_principal(call), rep, &v) != HUES_OK) {
			/* Cannot happen for the agency's own queue; the refusal
			 * recorded on the call must not stand. */
			v = FB_VIEW_OFFICER;
		}
		fb_view_apply(call, rep, v);
		Hues__V1__WorkItem *w =
		    call_new_message(call, &hues__v1__work_item__descriptor);
		const char *ag;
		size_t      agn;
		w->report  = rep;
		w->due_at  = fb_queue_due(&s, &ag, &agn);
		w->overdue = w->due_at != 0 && w->due_at < now;
		resp->items[resp->n_items++] = w;
	}
	store_cursor_close(c);
	fb_read_end(svc);
	if (err != HUES_OK) {
		return fb_scan_failed(call, err, "WorkQueue, the queue", seq);
	}
	if (more) {
		resp->next_page_token =
		    fb_page_token(call, FB_PAGE_QUEUE, h, tail, tailn);
	}
	return HUES_OK;
}

/* ----- ReadOutbox ----------------------------------------------------------- */

int
fb_read_outbox(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__ReadOutboxRequest *req  = reqp;
	Hues__V1__ReadOutboxResponse      *resp = respp;
	fb_service                        *svc  = call_state(call);
	const svc_principal               *p    = call_principal(call);
	uint32_t                           size;
	const void                        *last;
	size_t                             lastn;
	int                                rv;

	if (p->role == SVC_ROLE_SERVICE && p->on_behalf_of != NULL) {
		call_set_reason(call, "ROLE_NOT_ALLOWED");
		return call_fail(call, HUES_PERMISSION_DENIED,
		    "the outbox is read by the notification service itself, not "
		    "on behalf of a user");
	}
	rv = fb_page_size(call, req->page_size, &size);
	if (fb_page_parse(call, req->page_token, FB_PAGE_OUTBOX, 0, &last,
	        &lastn) != HUES_OK ||
	    rv != HUES_OK) {
		return call_invalid(call);
	}
	store_key   lo;
	store_range r = {.limit = size + 1};
	if (lastn != 0) {
		uint64_t seq;
		if (fb_page_seq(call, last, lastn, &seq) != HUES_OK) {
			return HUES_INVALID_ARGUMENT;
		}
		store_key_init(&lo);
		store_key_u64(&lo, seq);
		r.lo     = store_key_data(&lo);
		r.lo_len = store_key_len(&lo);
		r.flags  = STORE_RANGE_LO_EXCL;
	}
	store_txn    *txn;
	store_cursor *c;
	store_item    it;
	if ((rv = fb_read_begin(svc, call, &txn)) != HUES_OK) {
		return rv;
	}
	if (store_cursor_open(txn, svc->t.outbox, &r, &c) != HUES_OK) {
		fb_read_end(svc);
		return call_fail(call, HUES_INTERNAL, "cannot scan the outbox");
	}
	ProtobufCAllocator pa;
	fb_call_allocator(call, &pa);
	resp->events = call_alloc(call, size * sizeof(*resp->events));
	bool more    = false;
	while (store_cursor_next(c, &it) == HUES_OK) {
		if (resp->n_events == size) {
			more = true;
			break;
		}
		Hues__V1__OutboxEvent *e =
		    hues__v1__outbox_event__unpack(&pa, it.vlen, it.val);
		if (e != NULL) {
			resp->events[resp->n_events++] = e;
		}
	}
	store_cursor_close(c);
	fb_read_end(svc);
	if (more && resp->n_events > 0) {
		uint64_t seq = resp->events[resp->n_events - 1]->seq;
		resp->next_page_token =
		    fb_page_token(call, FB_PAGE_OUTBOX, 0, &seq, sizeof(seq));
	}
	return HUES_OK;
}
