/*
 * key.h - composite keys for the store: big-endian integers, fixed bytes
 * and strings appended one after the other, so that LMDB's byte order
 * (memcmp, shorter first) is the order of the fields, left to right. A
 * range or prefix scan over such keys is an index scan.
 *
 * The builder and the view are small values on the caller's stack; their
 * fields are read only through the functions below. Neither knows LMDB.
 */
#ifndef HUES_STORE_KEY_H
#define HUES_STORE_KEY_H

#include <stddef.h>
#include <stdint.h>

/* The longest key LMDB accepts with its default page size. */
#define STORE_KEY_MAX 511

typedef struct store_key {
	size_t  len;
	int     err;
	uint8_t buf[STORE_KEY_MAX];
} store_key;

/* Empties k. Any thread; k belongs to the caller. */
void store_key_init(store_key *k);

/*
 * Appends a field. Integers are written big-endian in their full width
 * (u64: 8 bytes), so they sort numerically; store_key_i64 flips the sign
 * bit, so negative values sort before positive ones.
 *
 * Errors are sticky: once a field does not fit (the key would pass
 * STORE_KEY_MAX bytes), that append and every later one return
 * HUES_INVALID_ARGUMENT and leave k as it was, so a caller may append
 * several fields and check only the last result (or store_key_error()).
 * Otherwise they return HUES_OK.
 */
int store_key_u8(store_key *k, uint8_t v);
int store_key_u16(store_key *k, uint16_t v);
int store_key_u32(store_key *k, uint32_t v);
int store_key_u64(store_key *k, uint64_t v);
int store_key_i64(store_key *k, int64_t v);

/* Appends n bytes as they are: for fields of a fixed width only (an id,
 * a hash), since two such fields of different lengths do not compose. */
int store_key_bytes(store_key *k, const void *p, size_t n);

/*
 * Appends a string as a 2-byte big-endian length and its n bytes (n <=
 * 65535). Keys then sort by the string's length first and its bytes
 * second: right for exact lookups and for grouping by a code, wrong for
 * alphabetical order (use store_key_text for that).
 */
int store_key_str(store_key *k, const char *s, size_t n);

/*
 * Appends a string in an order-preserving form: its bytes, with each 0x00
 * written as 0x00 0xFF, and then the terminator 0x00 0x00. Keys then sort
 * by the string's bytes (memcmp order, "ab" before "b"), and a text field
 * never is a prefix of a longer one, so fields after it still compose.
 */
int store_key_text(store_key *k, const char *s, size_t n);

/* HUES_OK, or HUES_INVALID_ARGUMENT once an append did not fit. */
int store_key_error(const store_key *k);

/* The key's bytes, valid while k is alive and unchanged, and its length. */
const void *store_key_data(const store_key *k);
size_t      store_key_len(const store_key *k);

/*
 * A view decodes a key (for example one a scan returned) field by field,
 * in the order the fields were appended. The view borrows the key's
 * bytes: they must stay valid while it is used (for a key a cursor
 * returned, until the cursor moves).
 */
typedef struct store_key_view {
	const uint8_t *p;
	size_t         len;
	size_t         off;
} store_key_view;

/* Starts a view at the first byte of key. */
void store_key_view_init(store_key_view *v, const void *key, size_t len);

/*
 * Reads the next field. Each returns HUES_OK and writes *out, or returns
 * HUES_INVALID_ARGUMENT when the rest of the key is too short or
 * malformed for that field, and then neither moves the view nor writes
 * *out.
 */
int store_key_get_u8(store_key_view *v, uint8_t *out);
int store_key_get_u16(store_key_view *v, uint16_t *out);
int store_key_get_u32(store_key_view *v, uint32_t *out);
int store_key_get_u64(store_key_view *v, uint64_t *out);
int store_key_get_i64(store_key_view *v, int64_t *out);

/* The next n bytes, borrowed from the key. */
int store_key_get_bytes(store_key_view *v, size_t n, const void **out);

/* A store_key_str field; *s is borrowed from the key, not terminated. */
int store_key_get_str(store_key_view *v, const char **s, size_t *n);

/*
 * A store_key_text field, unescaped into buf (cap bytes) and terminated
 * with a NUL, which *n does not count. HUES_OUT_OF_RANGE when it does not
 * fit, with the view unmoved.
 */
int store_key_get_text(store_key_view *v, char *buf, size_t cap, size_t *n);

/* How many bytes of the key are left after the fields read so far. */
size_t store_key_view_left(const store_key_view *v);

#endif /* HUES_STORE_KEY_H */
