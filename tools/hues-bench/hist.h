/*
 * hist.h - a log-linear latency histogram for hues-bench.
 *
 * Values below 128 ns have a bucket each; above, every power of two is cut
 * into 64 equal buckets, so a reported value is within 1/64 of a recorded
 * one. Adding is a few instructions and takes no lock: each thread keeps
 * its own histogram and they are merged once the run is over.
 */
#ifndef HUES_BENCH_HIST_H
#define HUES_BENCH_HIST_H

#include <stdint.h>

/* 128 exact buckets, then 64 per power of two from 2^7 to 2^63. */
#define HIST_EXACT   128u
#define HIST_SUB     64u
#define HIST_BUCKETS (HIST_EXACT + (64u - 7u) * HIST_SUB)

typedef struct hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	/* Sum of the values, for the mean: 2^64 ns is 584 years of summed
	 * latency, far beyond any run. */
	uint64_t sum;
	uint64_t b[HIST_BUCKETS];
} hist;

/* Empties h. */
void hist_init(hist *h);

/* Records one value (ns). */
void hist_add(hist *h, uint64_t v);

/* Adds the values of src to dst. */
void hist_merge(hist *dst, const hist *src);

/*
 * The value at quantile q (0 < q <= 1) by nearest rank: the bucket that
 * holds the ceil(q * count)-th smallest value, reported by its midpoint
 * and clamped to the recorded minimum and maximum. 0 when h is empty.
 */
uint64_t hist_quantile(const hist *h, double q);

/* The mean of the values, 0 when h is empty. */
double hist_mean(const hist *h);

#endif /* HUES_BENCH_HIST_H */
