/*
 * status.h - status codes inside the server: the public hues error space
 * (hues/status.h, names from hues_status_name()), so the wire, the SDK and
 * the server share one numbering.
 */
#ifndef HUES_CORE_STATUS_H
#define HUES_CORE_STATUS_H

#include <stdbool.h>

#include "hues/status.h"

/* True for 0 .. HUES_STATUS_COUNT - 1. */
static inline bool
status_valid(int code)
{
	return code >= 0 && code < HUES_STATUS_COUNT;
}

#endif /* HUES_CORE_STATUS_H */
