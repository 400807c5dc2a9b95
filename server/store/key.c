/*
 * key.c - building and decoding composite keys. Every field is encoded so
 * that memcmp order of the whole key is the order of its fields: integers
 * big-endian, text escaped and terminated so no field is a prefix of
 * another.
 */
#include "store/key.h"

#include <string.h>

#include "hues/status.h"

void
store_key_init(store_key *k)
{
	k->len = 0;
	k->err = HUES_OK;
}

/* Reserves n bytes at the end of k, or fails for good (sticky). */
static uint8_t *
reserve(store_key *k, size_t n)
{
	if (k->err != HUES_OK) {
		return NULL;
	}
	if (n > STORE_KEY_MAX - k->len) {
		k->err = HUES_INVALID_ARGUMENT;
		return NULL;
	}
	uint8_t *p = k->buf + k->len;
	k->len += n;
	return p;
}

static int
put_be(store_key *k, uint64_t v, size_t width)
{
	uint8_t *p = reserve(k, width);
	if (p == NULL) {
		return k->err;
	}
	for (size_t i = width; i-- > 0; v >>= 8) {
		p[i] = (uint8_t) v;
	}
	return HUES_OK;
}

int
store_key_u8(store_key *k, uint8_t v)
{
	return put_be(k, v, 1);
}

int
store_key_u16(store_key *k, uint16_t v)
{
	return put_be(k, v, 2);
}

int
store_key_u32(store_key *k, uint32_t v)
{
	return put_be(k, v, 4);
}

int
store_key_u64(store_key *k, uint64_t v)
{
	return put_be(k, v, 8);
}

int
store_key_i64(store_key *k, int64_t v)
{
	/* Flipping the sign bit maps INT64_MIN..INT64_MAX onto 0..UINT64_MAX
	 * in order. */
	return put_be(k, (uint64_t) v ^ ((uint64_t) 1 << 63), 8);
}

int
store_key_bytes(store_key *k, const void *p, size_t n)
{
	uint8_t *d = reserve(k, n);
	if (d == NULL) {
		return k->err;
	}
	if (n > 0) {
		memcpy(d, p, n);
	}
	return HUES_OK;
}

int
store_key_str(store_key *k, const char *s, size_t n)
{
	if (n > UINT16_MAX) {
		if (k->err == HUES_OK) {
			k->err = HUES_INVALID_ARGUMENT;
		}
		return k->err;
	}
	size_t   before = k->len;
	uint8_t *d      = reserve(k, 2 + n);
	if (d == NULL) {
		return k->err;
	}
	k->len = before;
	put_be(k, n, 2);
	store_key_bytes(k, s, n);
	return HUES_OK;
}

int
store_key_text(store_key *k, const char *s, size_t n)
{
	size_t need = 2;
	for (size_t i = 0; i < n; i++) {
		need += s[i] == '\0' ? 2 : 1;
	}
	uint8_t *d = reserve(k, need);
	if (d == NULL) {
		return k->err;
	}
	for (size_t i = 0; i < n; i++) {
		*d++ = (uint8_t) s[i];
		if (s[i] == '\0') {
			*d++ = 0xFF;
		}
	}
	d[0] = 0x00;
	d[1] = 0x00;
	return HUES_OK;
}

int
store_key_error(const store_key *k)
{
	return k->err;
}

const void *
store_key_data(const store_key *k)
{
	return k->buf;
}

size_t
store_key_len(const store_key *k)
{
	return k->len;
}

void
store_key_view_init(store_key_view *v, const void *key, size_t len)
{
	v->p   = key;
	v->len = len;
	v->off = 0;
}

size_t
store_key_view_left(const store_key_view *v)
{
	return v->len - v->off;
}

static int
get_be(store_key_view *v, size_t width, uint64_t *out)
{
	uint64_t x = 0;
	if (store_key_view_left(v) < width) {
		return HUES_INVALID_ARGUMENT;
	}
	for (size_t i = 0; i < width; i++) {
		x = x << 8 | v->p[v->off + i];
	}
	v->off += width;
	*out = x;
	return HUES_OK;
}

int
store_key_get_u8(store_key_view *v, uint8_t *out)
{
	uint64_t x;
	int      rc = get_be(v, 1, &x);
	if (rc == HUES_OK) {
		*out = (uint8_t) x;
	}
	return rc;
}

int
store_key_get_u16(store_key_view *v, uint16_t *out)
{
	uint64_t x;
	int      rc = get_be(v, 2, &x);
	if (rc == HUES_OK) {
		*out = (uint16_t) x;
	}
	return rc;
}

int
store_key_get_u32(store_key_view *v, uint32_t *out)
{
	uint64_t x;
	int      rc = get_be(v, 4, &x);
	if (rc == HUES_OK) {
		*out = (uint32_t) x;
	}
	return rc;
}

int
store_key_get_u64(store_key_view *v, uint64_t *out)
{
	return get_be(v, 8, out);
}

int
store_key_get_i64(store_key_view *v, int64_t *out)
{
	uint64_t x;
	int      rc = get_be(v, 8, &x);
	if (rc == HUES_OK) {
		*out = (int64_t) (x ^ ((uint64_t) 1 << 63));
	}
	return rc;
}

int
store_key_get_bytes(store_key_view *v, size_t n, const void **out)
{
	if (store_key_view_left(v) < n) {
		return HUES_INVALID_ARGUMENT;
	}
	*out = v->p + v->off;
	v->off += n;
	return HUES_OK;
}

int
store_key_get_str(store_key_view *v, const char **s, size_t *n)
{
	size_t   start = v->off;
	uint64_t len;
	if (get_be(v, 2, &len) != HUES_OK) {
		return HUES_INVALID_ARGUMENT;
	}
	if (store_key_view_left(v) < len) {
		v->off = start;
		return HUES_INVALID_ARGUMENT;
	}
	*s = (const char *) v->p + v->off;
	*n = (size_t) len;
	v->off += (size_t) len;
	return HUES_OK;
}

int
store_key_get_text(store_key_view *v, char *buf, size_t cap, size_t *n)
{
	size_t i = v->off, w = 0;

	/* First pass checks the encoding and measures, so that a malformed
	 * or oversized field leaves both the view and buf untouched. */
	for (;;) {
		if (i >= v->len) {
			return HUES_INVALID_ARGUMENT;
		}
		if (v->p[i] != 0x00) {
			i++, w++;
			continue;
		}
		if (i + 1 >= v->len) {
			return HUES_INVALID_ARGUMENT;
		}
		if (v->p[i + 1] == 0x00) {
			break;
		}
		if (v->p[i + 1] != 0xFF) {
			return HUES_INVALID_ARGUMENT;
		}
		i += 2, w++;
	}
	if (w >= cap) {
		return HUES_OUT_OF_RANGE;
	}
	w = 0;
	for (size_t j = v->off; j < i; j++) {
		buf[w++] = (char) v->p[j];
		if (v->p[j] == 0x00) {
			j++; /* the 0xFF escape */
		}
	}
	buf[w] = '\0';
	*n     = w;
	v->off = i + 2;
	return HUES_OK;
}
