/*
 * report.c - hues-bench's output: the summary on stderr, the JSON object
 * and the RESULT line on stdout. Rates are per second of the measurement
 * window; latencies are printed in µs, rounded to the nearest.
 */
#include <string.h>

#include "report.h"

static double
qps(const load_report *rep)
{
	return rep->window_s > 0 ? (double) rep->ok / rep->window_s : 0.0;
}

/* ns to whole µs, rounded to nearest, as the peers round. */
static long long
us(uint64_t ns)
{
	return (long long) ((ns + 500) / 1000);
}

/* Calls in flight on average by Little's law; a closed loop should show
 * C here, and less means the loop did not keep C calls going. */
static double
littles_law(const load_report *rep)
{
	return qps(rep) * hist_mean(&rep->lat) / 1e9;
}

/* Prints the SDK options that were set; 0 leaves the SDK's default. */
static void
sdk_opts(FILE *f, const hues_client_opts *o)
{
	if (o->sockets == 0 && o->inflight_per_socket == 0 &&
	    o->max_batch == 0) {
		fprintf(f, ", SDK defaults");
		return;
	}
	if (o->sockets != 0) {
		fprintf(f, ", sockets=%u", o->sockets);
	}
	if (o->inflight_per_socket != 0) {
		fprintf(f, ", inflight_per_socket=%u", o->inflight_per_socket);
	}
	if (o->max_batch != 0) {
		fprintf(f, ", max_batch=%u", o->max_batch);
	}
}

void
report_human(FILE *f, const report_run *run, const load_report *rep)
{
	const load_cfg *cfg = run->cfg;
	const hist     *h   = &rep->lat;

	fprintf(f, "hues-bench: %s (%s) on", run->name, cfg->method);
	for (size_t i = 0; i < cfg->nurls; i++) {
		fprintf(f, " %s", cfg->urls[i]);
	}
	if (cfg->rate > 0) {
		fprintf(f,
		    "\n  open loop at %.1f calls/s, at most %u in flight",
		    cfg->rate, cfg->concurrency);
	} else {
		fprintf(f, "\n  closed loop, %u in flight", cfg->concurrency);
	}
	sdk_opts(f, &cfg->client);
	if (cfg->gen != NULL) {
		fprintf(f, ", generated requests\n");
	} else {
		fprintf(f, ", request %zu B\n", cfg->req_len);
	}
	fprintf(f,
	    "  window %.2f s after %.1f s warmup%s: %llu calls, %.1f "
	    "calls/s\n",
	    rep->window_s, cfg->warmup_s,
	    rep->interrupted ? " (interrupted)" : "",
	    (unsigned long long) rep->ok, qps(rep));
	fprintf(f,
	    "  latency µs: min %lld  mean %.1f  p50 %lld  p90 %lld  p99 %lld  "
	    "p99.9 %lld  max %lld\n",
	    h->count ? us(h->min) : 0, hist_mean(h) / 1e3,
	    us(hist_quantile(h, 0.50)), us(hist_quantile(h, 0.90)),
	    us(hist_quantile(h, 0.99)), us(hist_quantile(h, 0.999)),
	    us(h->max));
	if (rep->errors == 0) {
		fprintf(f, "  errors: none\n");
	} else {
		fprintf(
		    f, "  errors: %llu (", (unsigned long long) rep->errors);
		const char *sep = "";
		for (int i = 0; i < HUES_STATUS_COUNT; i++) {
			if (rep->by_code[i] > 0) {
				fprintf(f, "%s%s %llu", sep,
				    hues_status_name(i),
				    (unsigned long long) rep->by_code[i]);
				sep = ", ";
			}
		}
		if (rep->bad_replies > 0) {
			fprintf(f, "%swrong reply %llu", sep,
			    (unsigned long long) rep->bad_replies);
		}
		fprintf(f, ")\n");
	}
	if (rep->abandoned > 0) {
		fprintf(f,
		    "  %llu calls still in flight at shutdown were "
		    "cancelled\n",
		    (unsigned long long) rep->abandoned);
	}
	if (rep->client_stuck) {
		fprintf(f, "  hues_client_destroy() did not return within 5 s "
		           "(nng_close() hangs after a server went away); "
		           "leaving without it\n");
	}
	if (rep->late_sends > 0) {
		fprintf(f,
		    "  %llu sends were due while %u calls were in flight "
		    "and left late (their latency counts the wait)\n",
		    (unsigned long long) rep->late_sends, cfg->concurrency);
	}
	fprintf(f, "  client CPU: %.2f cores (user + system over the window)\n",
	    rep->window_s > 0 ? rep->cpu_s / rep->window_s : 0.0);
	/* The peers' check line, to compare like with like. */
	fprintf(f,
	    "hues-bench: completed=%llu mean_us=%.1f max_us=%.1f "
	    "inflight_by_littles_law=%.2f (C=%u%s)\n",
	    (unsigned long long) rep->ok, hist_mean(h) / 1e3,
	    (double) h->max / 1e3, littles_law(rep), cfg->concurrency,
	    cfg->rate > 0 ? "; open loop: late sends count as in flight" : "");
}

/* Writes s as a JSON string. */
static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p);
		} else if (*p < 0x20) {
			fprintf(f, "\\u%04x", *p);
		} else {
			fputc(*p, f);
		}
	}
	fputc('"', f);
}

void
report_json(FILE *f, const report_run *run, const load_report *rep)
{
	const load_cfg *cfg = run->cfg;
	const hist     *h   = &rep->lat;

	fprintf(f, "{\"tool\":\"hues\",\"method\":");
	json_str(f, run->name);
	fprintf(f, ",\"full_method\":");
	json_str(f, cfg->method);
	fprintf(f, ",\"urls\":[");
	for (size_t i = 0; i < cfg->nurls; i++) {
		if (i > 0) {
			fputc(',', f);
		}
		json_str(f, cfg->urls[i]);
	}
	fprintf(f, "],\"mode\":\"%s\",\"concurrency\":%u,\"rate\":%.3f",
	    cfg->rate > 0 ? "open" : "closed", cfg->concurrency, cfg->rate);
	/* 0 means the SDK's default, as in hues_client_opts. */
	fprintf(f,
	    ",\"sockets\":%u,\"inflight_per_socket\":%u,\"max_batch\":%u",
	    cfg->client.sockets, cfg->client.inflight_per_socket,
	    cfg->client.max_batch);
	fprintf(f, ",\"request_bytes\":%zu,\"payload_bytes\":%zu", cfg->req_len,
	    run->payload);
	fprintf(f, ",\"warmup_s\":%.3f,\"window_s\":%.6f,\"calls\":%llu",
	    cfg->warmup_s, rep->window_s, (unsigned long long) rep->ok);
	fprintf(f, ",\"qps\":%.1f", qps(rep));
	fprintf(f,
	    ",\"latency_us\":{\"min\":%.3f,\"mean\":%.3f,\"p50\":%.3f,"
	    "\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}",
	    h->count ? (double) h->min / 1e3 : 0.0, hist_mean(h) / 1e3,
	    (double) hist_quantile(h, 0.50) / 1e3,
	    (double) hist_quantile(h, 0.90) / 1e3,
	    (double) hist_quantile(h, 0.99) / 1e3,
	    (double) hist_quantile(h, 0.999) / 1e3, (double) h->max / 1e3);
	fprintf(f, ",\"errors\":%llu,\"errors_by_code\":{",
	    (unsigned long long) rep->errors);
	const char *sep = "";
	for (int i = 0; i < HUES_STATUS_COUNT; i++) {
		if (rep->by_code[i] > 0) {
			fprintf(f, "%s\"%s\":%llu", sep, hues_status_name(i),
			    (unsigned long long) rep->by_code[i]);
			sep = ",";
		}
	}
	fprintf(f, "},\"wrong_replies\":%llu,\"abandoned\":%llu",
	    (unsigned long long) rep->bad_replies,
	    (unsigned long long) rep->abandoned);
	fprintf(f, ",\"late_sends\":%llu,\"inflight_by_littles_law\":%.3f",
	    (unsigned long long) rep->late_sends, littles_law(rep));
	fprintf(f, ",\"client_cpu_cores\":%.3f,\"interrupted\":%s",
	    rep->window_s > 0 ? rep->cpu_s / rep->window_s : 0.0,
	    rep->interrupted ? "true" : "false");
	fprintf(
	    f, ",\"client_stuck\":%s}\n", rep->client_stuck ? "true" : "false");
}

void
report_result_line(FILE *f, const report_run *run, const load_report *rep)
{
	const hist *h = &rep->lat;

	fprintf(f,
	    "RESULT tool=hues method=%s conc=%u qps=%.1f p50_us=%lld "
	    "p90_us=%lld p99_us=%lld errors=%llu%s%s\n",
	    run->name, run->cfg->concurrency, qps(rep),
	    us(hist_quantile(h, 0.50)), us(hist_quantile(h, 0.90)),
	    us(hist_quantile(h, 0.99)), (unsigned long long) rep->errors,
	    run->extra != NULL && run->extra[0] != '\0' ? " " : "",
	    run->extra != NULL ? run->extra : "");
	fflush(f);
}
