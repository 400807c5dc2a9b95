/*
 * request.h - the request hues-bench sends, and what an echo reply must
 * carry to count as right.
 */
#ifndef HUES_BENCH_REQUEST_H
#define HUES_BENCH_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct request {
	uint8_t *data; /* serialized request, sent as-is */
	size_t   len;
	/* Echo only (request_expect_echo): the EchoResponse the server
	 * should send back, serialized, and its payload. */
	uint8_t *reply;
	size_t   reply_len;
	uint8_t *payload;
	size_t   payload_len;
} request;

/* Reads a serialized request from path (at most 64 MiB). Returns false
 * with a reason in why (whylen bytes) when it cannot. */
bool request_load(request *rq, const char *path, char *why, size_t whylen);

/* Builds an EchoRequest with payload bytes of payload (echo), or an empty
 * message, every field at its default (other methods). Returns false when
 * memory runs out. */
bool request_build(request *rq, bool echo, size_t payload);

/* Derives what an echo reply must be from the request. Returns false when
 * the request is not an EchoRequest (or memory runs out). */
bool request_expect_echo(request *rq);

/* A load_check for echo; arg is the request. Runs on SDK threads and only
 * reads the request. */
bool request_check_echo(const void *payload, size_t len, const void *arg);

/* Frees what the request holds. */
void request_fini(request *rq);

#endif /* HUES_BENCH_REQUEST_H */
