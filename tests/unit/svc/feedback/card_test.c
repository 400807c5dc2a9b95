/*
 * card_test.c - the public cards of card.c: byte for byte what packing
 * view.c's public view without the history gives, for a report with every
 * private part filled and for a bare one; a rule for every field of the
 * messages it filters, so that a new field cannot reach the public
 * unnoticed; and malformed records refused without reading or writing
 * out of bounds (the buffers are exact-size heap blocks, for ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "svc/call_impl.h"
#include "svc/feedback/fb.h"

typedef struct fixture {
	arena    a;
	svc_call call;
} fixture;

static int
setup(void **state)
{
	static fixture f;
	arena_init(&f.a, 8192);
	call_init(&f.call, &f.a, NULL, NULL, NULL);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;
	arena_fini(&f->a);
	return 0;
}

static char *
dup(svc_call *call, const char *s)
{
	return call_strdup(call, s);
}

/* A string of n copies of c, in the call's memory. */
static char *
run_of(svc_call *call, char c, size_t n)
{
	char *s = call_alloc(call, n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static Hues__V1__MediaRef *
media(svc_call *call, const char *url)
{
	Hues__V1__MediaRef *m =
	    call_new_message(call, &hues__v1__media_ref__descriptor);
	m->source_case  = HUES__V1__MEDIA_REF__SOURCE_URL;
	m->url          = dup(call, url);
	m->content_type = dup(call, "image/jpeg");
	return m;
}

/*
 * A report with every field set, private ones included. The extension
 * reasons are sized so that dropping the actor takes the first one's
 * length under 128 bytes (a one-byte prefix instead of two) and leaves
 * the second one's above.
 */
static Hues__V1__Report *
full_report(svc_call *call)
{
	Hues__V1__Report *r =
	    call_new_message(call, &hues__v1__report__descriptor);
	r->id          = dup(call, "R0000000042");
	r->category    = dup(call, "road.pothole");
	r->title       = dup(call, "Ổ gà lớn trước số 12 Lê Lợi");
	r->description = run_of(call, 'x', 300);

	Hues__V1__Location *loc =
	    call_new_message(call, &hues__v1__location__descriptor);
	Hues__V1__GeoPoint *pt =
	    call_new_message(call, &hues__v1__geo_point__descriptor);
	pt->latitude   = 16.4637;
	pt->longitude  = 107.5909;
	loc->point     = pt;
	loc->address   = dup(call, "12 Lê Lợi, Vĩnh Ninh");
	loc->ward_code = dup(call, "19768");
	r->location    = loc;

	r->n_media    = 2;
	r->media      = call_alloc(call, 2 * sizeof(*r->media));
	r->media[0]   = media(call, "https://media.hue.gov.vn/a.jpg");
	r->media[1]   = media(call, "https://media.hue.gov.vn/b.jpg");
	r->n_attributes = 1;
	r->attributes   = call_alloc(call, sizeof(*r->attributes));
	r->attributes[0] =
	    call_new_message(call, &hues__v1__attribute_value__descriptor);
	r->attributes[0]->code     = dup(call, "depth_cm");
	r->attributes[0]->n_values = 1;
	r->attributes[0]->values =
	    call_alloc(call, sizeof(*r->attributes[0]->values));
	r->attributes[0]->values[0] = dup(call, "20");

	r->reporter        = dup(call, "citizen-1");
	r->hide_name       = true;
	r->emergency       = true;
	r->urgency         = HUES__V1__URGENCY__URGENCY_HIGH;
	r->state           = HUES__V1__REPORT_STATE__REPORT_STATE_CLOSED;
	r->agency          = dup(call, "so-gtvt");
	r->duplicate_of    = dup(call, "R0000000007");
	r->submitted_at    = 1767225600;
	r->updated_at      = 1767225601;
	r->acknowledge_by  = 1767227400;
	r->resolve_by      = 1767830400;
	r->acknowledged_at = 1767226000;
	r->resolved_at     = 1767800000;
	r->closed_at       = 1767900000;

	r->n_extensions = 2;
	r->extensions   = call_alloc(call, 2 * sizeof(*r->extensions));
	for (size_t i = 0; i < 2; i++) {
		Hues__V1__DeadlineExtension *x = call_new_message(
		    call, &hues__v1__deadline_extension__descriptor);
		x->at             = 1767300000 + (int64_t) i;
		x->old_resolve_by = 1767400000;
		x->new_resolve_by = 1767500000;
		x->reason         = run_of(call, 'r', i == 0 ? 100 : 200);
		x->actor          = dup(call, "officer-1-with-a-long-name");
		r->extensions[i]  = x;
	}
	r->rating =
	    call_new_message(call, &hues__v1__report_rating__descriptor);
	r->rating->rating  = HUES__V1__RATING__RATING_DISSATISFIED;
	r->rating->comment = dup(call, "Không sửa gì cả");
	r->rating->at      = 1767600000;

	r->supporters     = 3;
	r->followers      = 5;
	r->reopen_count   = 1;
	r->answer         = dup(call, "Filled on 3 March");
	r->n_answer_media = 1;
	r->answer_media   = call_alloc(call, sizeof(*r->answer_media));
	r->answer_media[0] = media(call, "https://media.hue.gov.vn/done.jpg");

	r->n_history = 2;
	r->history   = call_alloc(call, 2 * sizeof(*r->history));
	for (size_t i = 0; i < 2; i++) {
		Hues__V1__HistoryEntry *e = call_new_message(
		    call, &hues__v1__history_entry__descriptor);
		e->at            = 1767225600 + (int64_t) i;
		e->actor         = dup(call, "officer-1");
		e->internal_note = dup(call, "crew 3");
		e->public_note   = dup(call, "on our way");
		r->history[i]    = e;
	}
	r->geohash   = dup(call, "w6ugq3");
	r->published = true;
	return r;
}

/* packed bytes of r in a malloc'd block of exactly *n bytes */
static uint8_t *
pack(const Hues__V1__Report *r, size_t *n)
{
	*n           = hues__v1__report__get_packed_size(r);
	uint8_t *buf = malloc(*n > 0 ? *n : 1);
	assert_non_null(buf);
	hues__v1__report__pack(r, buf);
	return buf;
}

/* Asserts that the card of r is what packing r's public view without its
 * history gives (r is changed into that view). */
static void
assert_card_is_public_view(svc_call *call, Hues__V1__Report *r)
{
	size_t   n, en, cn;
	uint8_t *rec = pack(r, &n);
	uint8_t *out = malloc(n > 0 ? n : 1);
	assert_non_null(out);

	cn = fb_card_of(rec, n, out);
	assert_int_not_equal(cn, FB_CARD_BAD);

	fb_view_apply(call, r, FB_VIEW_PUBLIC);
	r->n_history   = 0;
	r->history     = NULL;
	uint8_t *want = pack(r, &en);
	assert_int_equal(cn, en);
	assert_memory_equal(out, want, en);
	free(want);
	free(out);
	free(rec);
}

static void
test_card_of_full_report(void **state)
{
	fixture          *f = *state;
	Hues__V1__Report *r = full_report(&f->call);
	assert_card_is_public_view(&f->call, r);

	/* and what the public view removed is really gone from the card */
	size_t   n;
	uint8_t *rec = pack(full_report(&f->call), &n);
	uint8_t *out = malloc(n);
	size_t   cn  = fb_card_of(rec, n, out);
	Hues__V1__Report *c = hues__v1__report__unpack(NULL, cn, out);
	assert_non_null(c);
	assert_string_equal(c->reporter, "");
	assert_int_equal(c->n_history, 0);
	assert_int_equal(c->n_extensions, 2);
	assert_string_equal(c->extensions[0]->actor, "");
	assert_int_equal(strlen(c->extensions[0]->reason), 100);
	assert_int_equal(strlen(c->extensions[1]->reason), 200);
	assert_string_equal(c->rating->comment, "");
	assert_int_equal(c->rating->rating, HUES__V1__RATING__RATING_DISSATISFIED);
	assert_string_equal(c->title, "Ổ gà lớn trước số 12 Lê Lợi");
	assert_int_equal(c->supporters, 3);
	assert_true(c->published);
	hues__v1__report__free_unpacked(c, NULL);
	free(out);
	free(rec);
}

static void
test_card_of_bare_report(void **state)
{
	fixture          *f = *state;
	Hues__V1__Report *r =
	    call_new_message(&f->call, &hues__v1__report__descriptor);
	assert_card_is_public_view(&f->call, r); /* empty in, empty out */

	r           = call_new_message(&f->call, &hues__v1__report__descriptor);
	r->id       = dup(&f->call, "R0000000001");
	r->reporter = dup(&f->call, "citizen-1");
	r->rating =
	    call_new_message(&f->call, &hues__v1__report_rating__descriptor);
	r->rating->comment = dup(&f->call, "ok"); /* a rating of comment only */
	assert_card_is_public_view(&f->call, r);
}

static void
assert_all_fields_known(const ProtobufCMessageDescriptor *d)
{
	for (unsigned i = 0; i < d->n_fields; i++) {
		if (!fb_card_knows(d, d->fields[i].id)) {
			fail_msg("card.c has no rule for %s.%s (field %u): decide "
			         "whether the public may see it",
			    d->name, d->fields[i].name, d->fields[i].id);
		}
	}
}

static void
test_card_rules_cover_every_field(void **state)
{
	(void) state;
	assert_all_fields_known(&hues__v1__report__descriptor);
	assert_all_fields_known(&hues__v1__deadline_extension__descriptor);
	assert_all_fields_known(&hues__v1__report_rating__descriptor);
	/* and a number no message has is not known */
	assert_false(fb_card_knows(&hues__v1__report__descriptor, 999));
	assert_false(fb_card_knows(&hues__v1__media_ref__descriptor, 1));
}

/* The card of the n bytes at p, through exact-size copies. */
static size_t
card_of_copy(const uint8_t *p, size_t n)
{
	uint8_t *in  = malloc(n > 0 ? n : 1);
	uint8_t *out = malloc(n > 0 ? n : 1);
	assert_non_null(in);
	assert_non_null(out);
	memcpy(in, p, n);
	size_t cn = fb_card_of(in, n, out);
	free(in);
	free(out);
	return cn;
}

static void
test_card_of_truncated_records(void **state)
{
	fixture *f = *state;
	size_t   n;
	uint8_t *rec = pack(full_report(&f->call), &n);

	/* Every cut either ends on a field boundary (a shorter card) or is
	 * refused; none reads past the cut or writes past the output. */
	size_t refused = 0;
	for (size_t cut = 0; cut < n; cut++) {
		size_t cn = card_of_copy(rec, cut);
		if (cn == FB_CARD_BAD) {
			refused++;
		} else {
			assert_true(cn <= cut);
		}
	}
	assert_true(refused > n / 2); /* most cuts fall inside a field */
	free(rec);
}

static void
test_card_of_hostile_bytes(void **state)
{
	(void) state;
	/* field 3 (title) claiming 100 bytes with 2 there */
	static const uint8_t too_long[] = { 0x1a, 100, 'a', 'b' };
	/* a group (wire type 3), which this server never writes */
	static const uint8_t group[] = { 0x0b, 0x0c };
	/* an 11-byte varint */
	static const uint8_t varint[] = { 0x78, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	/* extensions (field 22) as a varint instead of a message */
	static const uint8_t nested_varint[] = { 0xb0, 0x01, 0x05 };
	/* a rating (23) whose inner comment overruns the rating */
	static const uint8_t nested_overrun[] = { 0xba, 0x01, 0x02, 0x12,
		0x05, 'a', 'b', 'c', 'd', 'e' };
	/* a fixed64 and a fixed32 cut short */
	static const uint8_t short64[] = { 0x09, 1, 2, 3 };
	static const uint8_t short32[] = { 0x0d, 1, 2 };

	assert_int_equal(card_of_copy(too_long, sizeof(too_long)), FB_CARD_BAD);
	assert_int_equal(card_of_copy(group, sizeof(group)), FB_CARD_BAD);
	assert_int_equal(card_of_copy(varint, sizeof(varint)), FB_CARD_BAD);
	assert_int_equal(
	    card_of_copy(nested_varint, sizeof(nested_varint)), FB_CARD_BAD);
	assert_int_equal(
	    card_of_copy(nested_overrun, sizeof(nested_overrun)), FB_CARD_BAD);
	assert_int_equal(card_of_copy(short64, sizeof(short64)), FB_CARD_BAD);
	assert_int_equal(card_of_copy(short32, sizeof(short32)), FB_CARD_BAD);

	/* unknown fields are dropped, not copied: 999 as a varint */
	static const uint8_t unknown[] = { 0xb8, 0x3e, 0x01, 0x0a, 0x01, 'R' };
	uint8_t out[sizeof(unknown)];
	assert_int_equal(fb_card_of(unknown, sizeof(unknown), out), 3);
	assert_memory_equal(out, "\x0a\x01R", 3);
}

/* A glance reads what an unpack reads, for any report. */
static void
assert_glance_is_unpack(Hues__V1__Report *r)
{
	size_t    n;
	uint8_t  *rec = pack(r, &n);
	fb_glance g;
	assert_true(fb_report_glance(rec, n, &g));
	Hues__V1__Report *u = hues__v1__report__unpack(NULL, n, rec);
	assert_non_null(u);
	assert_int_equal(g.id_len, strlen(u->id));
	assert_memory_equal(g.id, u->id, g.id_len);
	assert_int_equal(g.title_len, strlen(u->title));
	assert_memory_equal(g.title, u->title, g.title_len);
	assert_int_equal(g.state, u->state);
	assert_int_equal(g.supporters, u->supporters);
	assert_int_equal(g.submitted_at, u->submitted_at);
	hues__v1__report__free_unpacked(u, NULL);
	free(rec);
}

static void
test_report_glance(void **state)
{
	fixture *f = *state;
	assert_glance_is_unpack(full_report(&f->call));
	assert_glance_is_unpack(
	    call_new_message(&f->call, &hues__v1__report__descriptor));
	Hues__V1__Report *r = full_report(&f->call);
	r->submitted_at     = -5; /* a negative varint, ten bytes */
	assert_glance_is_unpack(r);

	/* a cut record: most cuts are refused, none reads past the cut */
	size_t   n;
	uint8_t *rec = pack(full_report(&f->call), &n);
	size_t   refused = 0;
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t  *in = malloc(cut > 0 ? cut : 1);
		fb_glance g;
		memcpy(in, rec, cut);
		refused += !fb_report_glance(in, cut, &g);
		free(in);
	}
	assert_true(refused > n / 2);
	free(rec);

	/* a field of another type than Report's: title (3) as a varint,
	 * state (12) as bytes */
	static const uint8_t title_varint[] = { 0x18, 0x05 };
	static const uint8_t state_bytes[]  = { 0x62, 0x01, 'x' };
	fb_glance            g;
	assert_false(fb_report_glance(title_varint, sizeof(title_varint), &g));
	assert_false(fb_report_glance(state_bytes, sizeof(state_bytes), &g));
	/* the last of a repeated scalar wins, as in an unpack */
	static const uint8_t twice[] = { 0x60, 0x01, 0x60, 0x03 };
	assert_true(fb_report_glance(twice, sizeof(twice), &g));
	assert_int_equal(g.state, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_card_of_full_report),
		cmocka_unit_test(test_card_of_bare_report),
		cmocka_unit_test(test_card_rules_cover_every_field),
		cmocka_unit_test(test_card_of_truncated_records),
		cmocka_unit_test(test_card_of_hostile_bytes),
		cmocka_unit_test(test_report_glance),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
