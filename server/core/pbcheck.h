/*
 * pbcheck.h - checks untrusted protobuf bytes against a message descriptor
 * before protobuf-c unpacks them.
 *
 * protobuf-c 1.4.1 reports only that unpacking failed, never why, and does
 * not check that strings are UTF-8 (proto3 requires it). This walk names the
 * first problem with a field path ("batch[3].metadata[0].key: not valid
 * UTF-8") so the client gets an INVALID_ARGUMENT it can act on, and it
 * refuses strings with NUL bytes, which C code would silently cut short.
 * It allocates nothing and recurses at most PBCHECK_MAX_DEPTH levels.
 */
#ifndef HUES_CORE_PBCHECK_H
#define HUES_CORE_PBCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#define PBCHECK_MAX_DEPTH 32

typedef struct pbcheck_error {
	char        path[160]; /* field path, "" for the message itself */
	const char *what;      /* static description of the problem */
	size_t      offset;    /* byte offset of the problem in the input */
} pbcheck_error;

/*
 * Returns 0 when data (len bytes) is a well-formed encoding of desc whose
 * strings are valid UTF-8 without NUL bytes, or -1 with *err filled.
 */
int pbcheck_message(const ProtobufCMessageDescriptor *desc,
    const uint8_t *data, size_t len, pbcheck_error *err);

/* True when s (len bytes) is valid UTF-8 and has no NUL byte. */
bool pbcheck_utf8(const uint8_t *s, size_t len);

#endif /* HUES_CORE_PBCHECK_H */
