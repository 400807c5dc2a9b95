/*
 * hues/hues.h - everything a gateway needs: the client, its results and
 * status codes, and a typed function per method of the API.
 */
#ifndef HUES_HUES_H
#define HUES_HUES_H

#include "hues/api.h"
#include "hues/client.h"
#include "hues/status.h"

#endif /* HUES_HUES_H */
