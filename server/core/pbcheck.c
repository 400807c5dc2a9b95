/*
 * pbcheck.c - a descriptor-guided walk over protobuf wire bytes.
 *
 * Unknown fields are skipped after their framing is checked, as protobuf
 * requires; groups (wire types 3 and 4) are refused, as protobuf-c does.
 */
#include "core/pbcheck.h"

#include <stdio.h>
#include <string.h>

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4,
	WT_I32 = 5 };

typedef struct walk {
	const uint8_t *base;
	pbcheck_error *err;
} walk;

static int
fail(walk *w, const char *path, const uint8_t *at, const char *what)
{
	snprintf(w->err->path, sizeof(w->err->path), "%s", path);
	w->err->what   = what;
	w->err->offset = (size_t) (at - w->base);
	return -1;
}

/* Reads a varint; returns bytes used, or 0 if it is truncated or longer
 * than 10 bytes. */
static size_t
read_varint(const uint8_t *p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 10 && p + i < end; i++) {
		v |= (uint64_t) (p[i] & 0x7f) << (7 * i);
		if ((p[i] & 0x80) == 0) {
			if (i == 9 && p[i] > 1) {
				return 0; /* more than 64 bits */
			}
			*out = v;
			return i + 1;
		}
	}
	return 0;
}

bool
pbcheck_utf8(const uint8_t *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint8_t c = s[i];
		if (c == 0) {
			return false;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t   n;
		uint32_t cp;
		if (c >= 0xc2 && c <= 0xdf) {
			n  = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n  = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n  = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n) {
			return false;
		}
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80) {
				return false;
			}
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong forms, UTF-16 surrogates, beyond U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
			return false;
		}
		i += n + 1;
	}
	return true;
}

static int
wire_type_of(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT: return WT_I32;
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE: return WT_I64;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE: return WT_LEN;
	default: return WT_VARINT;
	}
}

/* Checks the contents of a packed repeated scalar field. */
static int
check_packed(walk *w, const char *path, const uint8_t *p, const uint8_t *end,
    int wt)
{
	if (wt == WT_I32 || wt == WT_I64) {
		size_t size = wt == WT_I32 ? 4 : 8;
		if ((size_t) (end - p) % size != 0) {
			return fail(w, path, p,
			    "packed field length is not a multiple of its "
			    "element size");
		}
		return 0;
	}
	while (p < end) {
		uint64_t v;
		size_t   n = read_varint(p, end, &v);
		if (n == 0) {
			return fail(w, path, p, "malformed varint in packed field");
		}
		p += n;
	}
	return 0;
}

static int check(walk *w, const ProtobufCMessageDescriptor *desc,
    const uint8_t *p, const uint8_t *end, char *path, size_t plen,
    unsigned depth);

/* Checks one known field's value at p (length-delimited ones: [p, end)). */
static int
check_field(walk *w, const ProtobufCFieldDescriptor *f, const uint8_t *p,
    const uint8_t *end, char *path, size_t plen, unsigned depth)
{
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		if (!pbcheck_utf8(p, (size_t) (end - p))) {
			return fail(w, path, p,
			    "string is not valid UTF-8 or contains a NUL byte");
		}
		return 0;
	}
	if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
		if (depth + 1 >= PBCHECK_MAX_DEPTH) {
			return fail(w, path, p, "messages nested too deeply");
		}
		return check(w, f->descriptor, p, end, path, plen, depth + 1);
	}
	return 0;
}

static int
check(walk *w, const ProtobufCMessageDescriptor *desc, const uint8_t *p,
    const uint8_t *end, char *path, size_t plen, unsigned depth)
{
	/* Occurrences of each repeated field so far, for "[i]" in paths. */
	unsigned seen[64] = {0};

	while (p < end) {
		const uint8_t *start = p;
		uint64_t       key;
		size_t         n = read_varint(p, end, &key);
		if (n == 0) {
			return fail(w, path, p, "truncated or malformed field tag");
		}
		p += n;
		int      wt  = (int) (key & 7);
		uint64_t num = key >> 3;
		if (num == 0 || num > 536870911u) {
			return fail(w, path, start, "invalid field number");
		}
		const uint8_t *vstart = NULL, *vend = NULL;
		uint64_t       v;
		switch (wt) {
		case WT_VARINT:
			if ((n = read_varint(p, end, &v)) == 0) {
				return fail(w, path, p, "truncated or malformed varint");
			}
			p += n;
			break;
		case WT_I64:
		case WT_I32: {
			size_t size = wt == WT_I64 ? 8 : 4;
			if ((size_t) (end - p) < size) {
				return fail(w, path, p, "truncated fixed-size field");
			}
			p += size;
			break;
		}
		case WT_LEN:
			if ((n = read_varint(p, end, &v)) == 0) {
				return fail(w, path, p, "truncated or malformed length");
			}
			p += n;
			if (v > (uint64_t) (end - p)) {
				return fail(w, path, p,
				    "length-delimited field runs past the end "
				    "(truncated message)");
			}
			vstart = p;
			vend   = p + v;
			break;
		case WT_SGROUP:
		case WT_EGROUP:
			return fail(w, path, start, "groups are not supported");
		default:
			return fail(w, path, start, "invalid wire type");
		}

		const ProtobufCFieldDescriptor *f =
		    protobuf_c_message_descriptor_get_field(desc, (unsigned) num);
		if (f == NULL) {
			if (vend != NULL) {
				p = vend;
			}
			continue; /* unknown field: framing is all we check */
		}

		/* Extend the path with this field's name (and index). */
		size_t   idx = (size_t) (f - desc->fields);
		unsigned occ = idx < 64 ? seen[idx]++ : 0;
		int      k;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			k = snprintf(path + plen, sizeof(w->err->path) - plen,
			    "%s%s[%u]", plen ? "." : "", f->name, occ);
		} else {
			k = snprintf(path + plen, sizeof(w->err->path) - plen,
			    "%s%s", plen ? "." : "", f->name);
		}
		size_t nplen = plen + (k > 0 ? (size_t) k : 0);
		if (nplen >= sizeof(w->err->path)) {
			nplen = sizeof(w->err->path) - 1;
		}

		int want = wire_type_of(f);
		if (wt != want) {
			bool packed = wt == WT_LEN && want != WT_LEN &&
			    f->label == PROTOBUF_C_LABEL_REPEATED;
			if (!packed) {
				return fail(w, path, start,
				    "field has the wrong wire type");
			}
			if (check_packed(w, path, vstart, vend, want) != 0) {
				return -1;
			}
		} else if (vend != NULL) {
			if (check_field(w, f, vstart, vend, path, nplen,
			        depth) != 0) {
				return -1;
			}
		}
		if (vend != NULL) {
			p = vend;
		}
		path[plen] = '\0';
	}
	return 0;
}

int
pbcheck_message(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
    size_t len, pbcheck_error *err)
{
	walk w    = {.base = data, .err = err};
	char path[sizeof(err->path)];

	path[0] = '\0';
	memset(err, 0, sizeof(*err));
	if (len == 0) {
		return 0;
	}
	return check(&w, desc, data, data + len, path, 0, 0);
}
