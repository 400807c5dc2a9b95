/*
 * report.h - what hues-bench prints: a summary for people (stderr), a JSON
 * object (stdout, --json) and the RESULT line every peer benchmark prints.
 */
#ifndef HUES_BENCH_REPORT_H
#define HUES_BENCH_REPORT_H

#include <stdio.h>

#include "load.h"

/* What was run, for the reports. */
typedef struct report_run {
	const char *name; /* short lowercase method name: echo, health ... */
	const load_cfg *cfg;
	size_t          payload; /* echo payload bytes; 0 for other methods */
	/* key=value words the RESULT line ends with (a generator's facts);
	 * NULL or "" for none. */
	const char *extra;
} report_run;

void report_human(FILE *f, const report_run *run, const load_report *rep);
void report_json(FILE *f, const report_run *run, const load_report *rep);

/* RESULT tool=hues method=<m> conc=<C> qps=<f> p50_us=<n> p90_us=<n>
 * p99_us=<n> errors=<n>, in the peers' format, then run->extra. */
void report_result_line(FILE *f, const report_run *run, const load_report *rep);

#endif /* HUES_BENCH_REPORT_H */
