/*
 * card.c - a report's public card made straight from its stored bytes.
 *
 * A card is what PublicFeed shows of a report: the public view of
 * view.c without the history. The feed sends twenty of them a page, and
 * unpacking each stored report, blanking fields and packing it again was
 * most of what a page cost (docs/performance.md). On the wire the public
 * view only leaves fields out, so a card is the stored bytes with those
 * fields cut: one pass over the bytes, no allocation, no repack.
 *
 * The rules are a list of the fields a card keeps, not of those it
 * drops: a field added to Report later stays out of the public's sight
 * until someone decides it belongs here (tests/unit/svc/feedback/
 * card_test.c fails until every field of these messages is listed, and
 * checks every card against view.c's public view).
 */
#include <string.h>

#include "svc/feedback/fb.h"

enum { KEEP, DROP, NESTED };

typedef struct card_msg card_msg;

typedef struct card_field {
	uint32_t        number;
	int             rule;
	const card_msg *nested; /* NESTED: the rules inside */
} card_field;

struct card_msg {
	const ProtobufCMessageDescriptor *desc;
	const card_field                 *fields;
	size_t                            nfields;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* DeadlineExtension: the public sees no actor. */
static const card_field extension_fields[] = {
	{ 1, KEEP, NULL }, /* at */
	{ 2, KEEP, NULL }, /* old_resolve_by */
	{ 3, KEEP, NULL }, /* new_resolve_by */
	{ 4, KEEP, NULL }, /* reason */
	{ 5, DROP, NULL }, /* actor */
};
static const card_msg extension = { &hues__v1__deadline_extension__descriptor,
	extension_fields, N(extension_fields) };

/* ReportRating: the public sees the rating, not the comment. */
static const card_field rating_fields[] = {
	{ 1, KEEP, NULL }, /* rating */
	{ 2, DROP, NULL }, /* comment */
	{ 3, KEEP, NULL }, /* at */
};
static const card_msg rating = { &hues__v1__report_rating__descriptor,
	rating_fields, N(rating_fields) };

static const card_field report_fields[] = {
	{ 1, KEEP, NULL },        /* id */
	{ 2, KEEP, NULL },        /* category */
	{ 3, KEEP, NULL },        /* title */
	{ 4, KEEP, NULL },        /* description */
	{ 5, KEEP, NULL },        /* location */
	{ 6, KEEP, NULL },        /* media */
	{ 7, KEEP, NULL },        /* attributes */
	{ 8, DROP, NULL },        /* reporter */
	{ 9, KEEP, NULL },        /* hide_name */
	{ 10, KEEP, NULL },       /* emergency */
	{ 11, KEEP, NULL },       /* urgency */
	{ 12, KEEP, NULL },       /* state */
	{ 13, KEEP, NULL },       /* agency */
	{ 14, KEEP, NULL },       /* duplicate_of */
	{ 15, KEEP, NULL },       /* submitted_at */
	{ 16, KEEP, NULL },       /* updated_at */
	{ 17, KEEP, NULL },       /* acknowledge_by */
	{ 18, KEEP, NULL },       /* resolve_by */
	{ 19, KEEP, NULL },       /* acknowledged_at */
	{ 20, KEEP, NULL },       /* resolved_at */
	{ 21, KEEP, NULL },       /* closed_at */
	{ 22, NESTED, &extension }, /* extensions */
	{ 23, NESTED, &rating },  /* rating */
	{ 24, KEEP, NULL },       /* supporters */
	{ 25, KEEP, NULL },       /* followers */
	{ 26, KEEP, NULL },       /* reopen_count */
	{ 27, KEEP, NULL },       /* answer */
	{ 28, KEEP, NULL },       /* answer_media */
	{ 29, DROP, NULL },       /* history: GetReport's, not a card's */
	{ 30, KEEP, NULL },       /* geohash */
	{ 31, KEEP, NULL },       /* published */
};
static const card_msg report_msg = { &hues__v1__report__descriptor, report_fields,
	N(report_fields) };

static const card_msg *const all_msgs[] = { &report_msg, &extension, &rating };

static const card_field *
find(const card_msg *m, uint64_t number)
{
	for (size_t i = 0; i < m->nfields; i++) {
		if (m->fields[i].number == number) {
			return &m->fields[i];
		}
	}
	return NULL;
}

bool
fb_card_knows(const ProtobufCMessageDescriptor *desc, uint32_t number)
{
	for (size_t i = 0; i < N(all_msgs); i++) {
		if (all_msgs[i]->desc == desc) {
			return find(all_msgs[i], number) != NULL;
		}
	}
	return false;
}

static bool
varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;
		x |= (uint64_t) (b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*v = x;
			return true;
		}
	}
	return false;
}

static size_t
varint_put(uint8_t *out, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		out[n++] = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t) v;
	return n;
}

/*
 * Steps over the field at *p (before end): its tag to *tag, where what
 * follows the tag starts to *body, and for a varint its value, for a
 * length-prefixed field its length, to *v; *p then points past the
 * field. false for bytes that are no field.
 */
static bool
next_field(const uint8_t **p, const uint8_t *end, uint64_t *tag,
    const uint8_t **body, uint64_t *v)
{
	*v = 0;
	if (!varint(p, end, tag)) {
		return false;
	}
	*body = *p;
	switch (*tag & 7) {
	case PROTOBUF_C_WIRE_TYPE_VARINT: return varint(p, end, v);
	case PROTOBUF_C_WIRE_TYPE_64BIT:
		if (end - *p < 8) {
			return false;
		}
		*p += 8;
		return true;
	case PROTOBUF_C_WIRE_TYPE_32BIT:
		if (end - *p < 4) {
			return false;
		}
		*p += 4;
		return true;
	case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED:
		if (!varint(p, end, v) || *v > (uint64_t) (end - *p)) {
			return false;
		}
		*p += *v;
		return true;
	default: return false; /* groups: never written by this server */
	}
}

/*
 * Writes the fields of m that a card keeps from [p, end) to out and
 * returns their length, or FB_CARD_BAD. The output is never longer than
 * the input, and out[i] is written only after in[i] was read, so out may
 * be a separate buffer of (end - p) bytes.
 */
static size_t
filter(const card_msg *m, const uint8_t *p, const uint8_t *end, uint8_t *out)
{
	uint8_t *o = out;

	while (p < end) {
		const uint8_t *field = p, *body;
		uint64_t       tag, len;

		if (!next_field(&p, end, &tag, &body, &len)) {
			return FB_CARD_BAD;
		}

		const card_field *f = find(m, tag >> 3);
		if (f == NULL || f->rule == DROP) {
			continue;
		}
		if (f->rule == KEEP) {
			memcpy(o, field, (size_t) (p - field));
			o += p - field;
			continue;
		}
		if ((tag & 7) != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
			return FB_CARD_BAD;
		}
		/* NESTED: the tag, then the filtered body where the input had
		 * its prefix and body; a shorter body may take a shorter
		 * prefix, and then moves down to it. */
		const uint8_t *sub    = p - len;
		size_t         tagn   = (size_t) (body - field);
		size_t         prefix = (size_t) (sub - body);
		memcpy(o, field, tagn);
		o += tagn;
		size_t sn = filter(f->nested, sub, p, o + prefix);
		if (sn == FB_CARD_BAD) {
			return FB_CARD_BAD;
		}
		uint8_t pb[10];
		size_t  pn = varint_put(pb, sn);
		if (pn != prefix) {
			memmove(o + pn, o + prefix, sn);
		}
		memcpy(o, pb, pn);
		o += pn + sn;
	}
	return (size_t) (o - out);
}

size_t
fb_card_prefix(uint8_t out[10], size_t len)
{
	return varint_put(out, len);
}

size_t
fb_card_of(const void *report, size_t len, void *out)
{
	const uint8_t *p = report;
	return filter(&report_msg, p, p + len, out);
}

bool
fb_report_glance(const void *report, size_t len, fb_glance *out)
{
	const uint8_t *p = report, *end = p + len, *body;
	uint64_t       tag, v;

	*out = (fb_glance) { .id = "", .title = "" };
	while (p < end) {
		if (!next_field(&p, end, &tag, &body, &v)) {
			return false;
		}
		unsigned wire = (unsigned) (tag & 7);
		uint64_t f    = tag >> 3;
		bool     str  = f == 1 || f == 3;
		bool     num  = f == 12 || f == 15 || f == 24;
		if ((str && wire != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) ||
		    (num && wire != PROTOBUF_C_WIRE_TYPE_VARINT)) {
			return false; /* not what Report declares */
		}
		/* Scalars: the last one wins, as in protobuf-c; a varint
		 * narrows to its field's type the same way. */
		switch (f) {
		case 1:
			out->id     = (const char *) p - v;
			out->id_len = (size_t) v;
			break;
		case 3:
			out->title     = (const char *) p - v;
			out->title_len = (size_t) v;
			break;
		case 12: out->state = (int32_t) v; break;
		case 15: out->submitted_at = (int64_t) v; break;
		case 24: out->supporters = (uint32_t) v; break;
		default: break;
		}
	}
	return true;
}
