/*
 * feedback.h - the Feedback service (hues.v1.Feedback): reports from
 * residents, their routing and answers, the public feed, the work queues,
 * statistics, the outbox and the catalog. docs/feedback.md has its rules.
 */
#ifndef HUES_SVC_FEEDBACK_FEEDBACK_H
#define HUES_SVC_FEEDBACK_FEEDBACK_H

#include <stdint.h>

#include "store/store.h"
#include "svc/service.h"

typedef struct feedback_opts {
	store      *store;    /* required */
	const char *holidays; /* NULL: the embedded demo list */
	/* How long a resolved report may be rated (dissatisfied reopens)
	 * before it closes by itself; seconds, 0 allowed. */
	int64_t rating_window_s;
	/* How often the rating-window sweep runs; 0: every 60 s. */
	unsigned sweep_ms;
	/* Index entries one PublicFeed or WorkQueue call reads at most
	 * before it answers with what it found and a token to go on;
	 * 0: 50 000. */
	unsigned scan_budget;
} feedback_opts;

/*
 * Opens the service's tables (loading the default catalog into an empty
 * store), starts its sweep thread and fills *out. Returns HUES_OK or an
 * error code (a bad holiday list is HUES_INVALID_ARGUMENT).
 */
int feedback_service(const feedback_opts *opts, svc_service *out);

#endif /* HUES_SVC_FEEDBACK_FEEDBACK_H */
