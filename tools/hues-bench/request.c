/*
 * request.c - building or loading the request of hues-bench and checking
 * echo replies. Replies are compared as bytes first, because decoding
 * each one would cost the client a malloc and the server's CPU share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hues/hues.h"
#include "request.h"

#define MAX_REQUEST_FILE (64u << 20)

bool
request_load(request *rq, const char *path, char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return false;
	}
	/* One byte more than the limit tells a file at the limit from a
	 * longer one. */
	uint8_t *buf  = malloc(MAX_REQUEST_FILE + 1);
	size_t   n    = buf ? fread(buf, 1, MAX_REQUEST_FILE + 1, f) : 0;
	bool     fail = buf == NULL || ferror(f) || n > MAX_REQUEST_FILE;
	fclose(f);
	if (fail) {
		free(buf);
		snprintf(why, whylen, "%s: cannot read it, or over %u bytes",
		    path, MAX_REQUEST_FILE);
		return false;
	}
	rq->data = buf;
	rq->len  = n;
	return true;
}

bool
request_build(request *rq, bool echo, size_t payload)
{
	Hues__V1__EchoRequest req  = HUES__V1__ECHO_REQUEST__INIT;
	uint8_t              *data = malloc(payload + 1);

	if (data == NULL) {
		return false;
	}
	/* Printable and not all one byte, like the peers' payload. */
	for (size_t i = 0; i < payload; i++) {
		data[i] = (uint8_t) ('a' + i % 26);
	}
	req.payload.len  = payload;
	req.payload.data = data;
	rq->len  = echo ? hues__v1__echo_request__get_packed_size(&req) : 0;
	rq->data = malloc(rq->len + 1);
	if (rq->data != NULL && echo) {
		hues__v1__echo_request__pack(&req, rq->data);
	}
	free(data);
	return rq->data != NULL;
}

bool
request_expect_echo(request *rq)
{
	Hues__V1__EchoRequest *in =
	    hues__v1__echo_request__unpack(NULL, rq->len, rq->data);
	if (in == NULL) {
		return false;
	}
	Hues__V1__EchoResponse out = HUES__V1__ECHO_RESPONSE__INIT;
	out.payload                = in->payload;
	rq->reply_len   = hues__v1__echo_response__get_packed_size(&out);
	rq->reply       = malloc(rq->reply_len + 1);
	rq->payload_len = in->payload.len;
	rq->payload     = malloc(rq->payload_len + 1);
	bool ok         = rq->reply != NULL && rq->payload != NULL;
	if (ok) {
		hues__v1__echo_response__pack(&out, rq->reply);
		if (rq->payload_len > 0) {
			memcpy(rq->payload, in->payload.data, rq->payload_len);
		}
	}
	hues__v1__echo_request__free_unpacked(in, NULL);
	return ok;
}

bool
request_check_echo(const void *payload, size_t len, const void *arg)
{
	const request *rq = arg;

	if (len == rq->reply_len && memcmp(payload, rq->reply, len) == 0) {
		return true;
	}
	/* Another encoder may lay out the same message differently: decode
	 * before calling it wrong. */
	Hues__V1__EchoResponse *m =
	    hues__v1__echo_response__unpack(NULL, len, payload);
	bool ok = m != NULL && m->payload.len == rq->payload_len &&
	          (rq->payload_len == 0 || memcmp(m->payload.data, rq->payload,
	                                       rq->payload_len) == 0);
	if (m != NULL) {
		hues__v1__echo_response__free_unpacked(m, NULL);
	}
	return ok;
}

void
request_fini(request *rq)
{
	free(rq->data);
	free(rq->reply);
	free(rq->payload);
	memset(rq, 0, sizeof(*rq));
}
