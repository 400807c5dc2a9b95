/*
 * hist.c - the log-linear latency histogram: bucket arithmetic, merging
 * and nearest-rank quantiles. See hist.h for the layout.
 */
#include <string.h>

#include "hist.h"

/* Bucket of v. For v >= 128 the top bit (e >= 7) picks the octave and the
 * 6 bits below it pick one of its 64 buckets. */
static unsigned
bucket_of(uint64_t v)
{
	if (v < HIST_EXACT) {
		return (unsigned) v;
	}
	unsigned e     = 63u - (unsigned) __builtin_clzll(v);
	unsigned shift = e - 6u;
	unsigned sub   = (unsigned) (v >> shift) - HIST_SUB;
	return HIST_EXACT + (e - 7u) * HIST_SUB + sub;
}

/* Smallest value of bucket i. */
static uint64_t
bucket_low(unsigned i)
{
	if (i < HIST_EXACT) {
		return i;
	}
	unsigned octave = (i - HIST_EXACT) / HIST_SUB;
	unsigned sub    = (i - HIST_EXACT) % HIST_SUB;
	return (uint64_t) (HIST_SUB + sub) << (octave + 1u);
}

static uint64_t
bucket_width(unsigned i)
{
	if (i < HIST_EXACT) {
		return 1;
	}
	return (uint64_t) 1 << ((i - HIST_EXACT) / HIST_SUB + 1u);
}

void
hist_init(hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
hist_add(hist *h, uint64_t v)
{
	h->b[bucket_of(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min) {
		h->min = v;
	}
	if (v > h->max) {
		h->max = v;
	}
}

void
hist_merge(hist *dst, const hist *src)
{
	if (src->count == 0) {
		return;
	}
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		dst->b[i] += src->b[i];
	}
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min) {
		dst->min = src->min;
	}
	if (src->max > dst->max) {
		dst->max = src->max;
	}
}

uint64_t
hist_quantile(const hist *h, double q)
{
	if (h->count == 0) {
		return 0;
	}
	/* Nearest rank: ceil(q * count), kept within 1 .. count. */
	double   want = q * (double) h->count;
	uint64_t rank = (uint64_t) want;
	if ((double) rank < want) {
		rank++;
	}
	if (rank < 1) {
		rank = 1;
	}
	if (rank >= h->count) {
		return h->max; /* known exactly */
	}
	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen < rank) {
			continue;
		}
		/* The midpoint halves the worst-case error; the clamp keeps
		 * a lone value exact. */
		uint64_t v = bucket_low(i) + (bucket_width(i) - 1) / 2;
		if (v < h->min) {
			v = h->min;
		}
		if (v > h->max) {
			v = h->max;
		}
		return v;
	}
	return h->max;
}

double
hist_mean(const hist *h)
{
	return h->count ? (double) h->sum / (double) h->count : 0.0;
}
