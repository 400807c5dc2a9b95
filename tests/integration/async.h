/*
 * async.h - waiting for one asynchronous call's result in a test.
 */
#ifndef HUES_TEST_ASYNC_H
#define HUES_TEST_ASYNC_H

#include <pthread.h>

#include "hues/hues.h"

typedef struct ht_async {
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	hues_result    *res;
} ht_async;

/* Initialises a; pass ht_async_done as the callback and a as its arg. */
void ht_async_init(ht_async *a);
void ht_async_done(hues_result *res, void *arg);

/* Waits for the result (bounded by the call's own deadline) and returns
 * it; the caller frees it. Destroys a. */
hues_result *ht_async_wait(ht_async *a);

#endif /* HUES_TEST_ASYNC_H */
