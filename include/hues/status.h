/*
 * hues/status.h - the one error space of hues.
 *
 * Every hues function that can fail returns one of these codes; 0 is
 * success. They are gRPC's status codes with gRPC's numbers, and they are
 * what travels on the wire, so a code means the same thing whether the
 * server sent it or the SDK produced it locally (for example
 * RESOURCE_EXHAUSTED for a request that is too large to send).
 */
#ifndef HUES_STATUS_H
#define HUES_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* XX(NAME, number, description): the single list both enum and strings
 * come from (like libuv's UV_ERRNO_MAP). */
#define HUES_STATUS_MAP(XX)                                                   \
	XX(OK, 0, "success")                                                  \
	XX(CANCELLED, 1, "the call was cancelled")                            \
	XX(UNKNOWN, 2, "unknown error")                                       \
	XX(INVALID_ARGUMENT, 3, "invalid argument")                           \
	XX(DEADLINE_EXCEEDED, 4, "deadline exceeded")                         \
	XX(NOT_FOUND, 5, "not found")                                         \
	XX(ALREADY_EXISTS, 6, "already exists")                               \
	XX(PERMISSION_DENIED, 7, "permission denied")                         \
	XX(RESOURCE_EXHAUSTED, 8, "resource exhausted")                       \
	XX(FAILED_PRECONDITION, 9, "failed precondition")                     \
	XX(ABORTED, 10, "aborted")                                            \
	XX(OUT_OF_RANGE, 11, "out of range")                                  \
	XX(UNIMPLEMENTED, 12, "not implemented")                              \
	XX(INTERNAL, 13, "internal error")                                    \
	XX(UNAVAILABLE, 14, "service unavailable")                            \
	XX(DATA_LOSS, 15, "data loss")                                        \
	XX(UNAUTHENTICATED, 16, "unauthenticated")

typedef enum hues_status {
#define HUES_STATUS_ENUM(name, num, desc) HUES_##name = num,
	HUES_STATUS_MAP(HUES_STATUS_ENUM)
#undef HUES_STATUS_ENUM
} hues_status;

/* The number of codes; valid codes are 0 .. HUES_STATUS_COUNT - 1. */
#define HUES_STATUS_COUNT 17

/*
 * Returns the code's name, e.g. "INVALID_ARGUMENT", or "UNKNOWN_CODE" for a
 * number outside the space. The string is static. Any thread.
 */
const char *hues_status_name(int code);

/*
 * Returns a short English description of the code, e.g. "invalid
 * argument". The string is static. Any thread.
 */
const char *hues_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif /* HUES_STATUS_H */
