/*
 * envelope.h - the request envelope in, the reply envelope out
 * (proto/hues/v1/rpc.proto, docs/protocol.md).
 *
 * Decoding checks the wire bytes first (core/pbcheck.h) so that a malformed
 * envelope gets an INVALID_ARGUMENT naming the problem, then unpacks with
 * the worker's arena under a cap, so a hostile envelope cannot make
 * protobuf-c allocate without bound.
 */
#ifndef HUES_RPC_ENVELOPE_H
#define HUES_RPC_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "hues/v1/rpc.pb-c.h"
#include "svc/call_impl.h"

#define RPC_PROTOCOL_VERSION 1
/* Keys and values of one call's metadata, in bytes. */
#define RPC_MAX_METADATA_BYTES 8192
#define RPC_MAX_METADATA_ENTRIES 64
/* Calls in one batch message. */
#define RPC_MAX_BATCH 1024

/* One call of a request; views into the decoded envelope. */
typedef struct rpc_call_in {
	const char               *method;
	uint64_t                  call_id;
	uint32_t                  timeout_ms;
	Hues__V1__MetadataEntry **metadata;
	size_t                    nmetadata;
	ProtobufCBinaryData       payload;
	/* A batch's shared metadata (the Request's own), which applies to
	 * every call of the batch unless the call has an entry of that key. */
	Hues__V1__MetadataEntry **shared;
	size_t                    nshared;
} rpc_call_in;

typedef struct rpc_request {
	rpc_call_in *calls;
	size_t       ncalls;
	bool         batch;
} rpc_request;

/* The outcome of one call, or of a whole message. */
typedef struct rpc_outcome {
	uint64_t             call_id;
	int                  code;
	const char          *message;
	const svc_violation *violations;
	size_t               nviolations;
	const char          *reason;
	uint32_t             retry_after_ms;
	ProtobufCBinaryData  payload;
	const char          *request_id; /* sent back as x-request-id */
} rpc_outcome;

/*
 * Decodes len bytes into *req, allocating in a. Returns HUES_OK, or an error
 * code with *fail describing it (message, reason and, when it could be
 * read, call_id): RESOURCE_EXHAUSTED when len exceeds max_len or decoding
 * needs more memory than the cap allows, INVALID_ARGUMENT otherwise.
 */
int envelope_decode(arena *a, const uint8_t *data, size_t len, size_t max_len,
    rpc_request *req, rpc_outcome *fail);

/*
 * Encodes the reply to a request: for a batch, one CallReply per outcome (in
 * order); otherwise outs[0] alone. The bytes are allocated in a.
 */
void envelope_encode(arena *a, bool batch, const rpc_outcome *outs, size_t n,
    uint8_t **out, size_t *outlen);

/*
 * Encodes a reply that answers every call of a message at once (the
 * envelope was bad, the server drains, the queue is full).
 */
void envelope_encode_whole(
    arena *a, const rpc_outcome *o, uint8_t **out, size_t *outlen);

#endif /* HUES_RPC_ENVELOPE_H */
