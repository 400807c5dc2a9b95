/*
 * clock.h - monotonic time for deadlines and durations.
 */
#ifndef HUES_CORE_CLOCK_H
#define HUES_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds on CLOCK_MONOTONIC: only differences mean anything. */
static inline uint64_t
clock_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* Seconds since the Unix epoch, for timestamps that leave the process. */
static inline int64_t
clock_unix_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec;
}

#endif /* HUES_CORE_CLOCK_H */
