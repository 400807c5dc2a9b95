/*
 * feedback_expect.c - what the Feedback integration tests check against:
 * the outbox as plain structs, statuses and field violations, and a little
 * geometry and date arithmetic that does not use the server's own code.
 */
#include "feedback_util.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define EARTH_RADIUS_M 6371008.8
#define PI             3.14159265358979323846

/* ----- outbox ---------------------------------------------------------------
 */

size_t
fb_outbox(fb_env *e, const char *report_id, fb_event *out, size_t cap)
{
	hues_call_opts o     = fb_as(fb_coord(e));
	char          *token = strdup("");
	size_t         n     = 0;
	uint64_t       last  = 0;
	for (int pages = 0;; pages++) {
		assert_true(pages < 10000);
		Hues__V1__ReadOutboxRequest r =
		    HUES__V1__READ_OUTBOX_REQUEST__INIT;
		hues_result *res;
		r.page_size  = 100;
		r.page_token = token;
		int code     = hues_feedback_read_outbox(e->c, &r, &o, &res);
		if (code != HUES_OK) {
			fail_msg("ReadOutbox: %s %s", hues_status_name(code),
			    hues_result_message(res));
		}
		const Hues__V1__ReadOutboxResponse *rr =
		    hues_feedback_read_outbox_response(res);
		assert_true(rr->n_events <= 100);
		for (size_t i = 0; i < rr->n_events; i++) {
			const Hues__V1__OutboxEvent *ev = rr->events[i];
			assert_true(ev->seq > last);
			last = ev->seq;
			if (report_id != NULL &&
			    strcmp(ev->report_id, report_id) != 0) {
				continue;
			}
			if (n < cap) {
				fb_event *f = &out[n];
				f->seq      = ev->seq;
				f->at       = ev->at;
				f->kind     = ev->kind;
				f->audience = ev->audience;
				f->from     = ev->from;
				f->to       = ev->to;
				snprintf(f->report_id, sizeof(f->report_id),
				    "%s", ev->report_id);
				snprintf(f->agency, sizeof(f->agency), "%s",
				    ev->agency);
				snprintf(f->recipient, sizeof(f->recipient),
				    "%s", ev->recipient);
			}
			n++;
		}
		free(token);
		token = strdup(rr->next_page_token);
		hues_result_free(res);
		if (token[0] == '\0') {
			break;
		}
	}
	free(token);
	return n;
}

void
fb_expect_events(const fb_event *ev, size_t n, int kind, int from, int to,
    unsigned audiences, const char *reporter, const char *agency)
{
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind != kind || ev[i].from != from ||
		    ev[i].to != to) {
			fail_msg(
			    "event %zu of %s: kind %d %d->%d, expected kind "
			    "%d %d->%d",
			    i, ev[i].report_id, ev[i].kind, ev[i].from,
			    ev[i].to, kind, from, to);
		}
		unsigned bit = 1u << ev[i].audience;
		if ((seen & bit) != 0 || (audiences & bit) == 0) {
			fail_msg("event %zu of %s (kind %d): audience %d is "
			         "repeated or not expected (expected set 0x%x)",
			    i, ev[i].report_id, kind, ev[i].audience,
			    audiences);
		}
		seen |= bit;
		if (ev[i].audience == FB_AUD(REPORTER) && reporter != NULL) {
			assert_string_equal(ev[i].recipient, reporter);
		}
		if (ev[i].audience == FB_AUD(AGENCY) && agency != NULL) {
			assert_string_equal(ev[i].agency, agency);
		}
		assert_true(ev[i].at > 0);
	}
	if (seen != audiences) {
		fail_msg("events of kind %d: audiences 0x%x, expected 0x%x",
		    kind, seen, audiences);
	}
}

/* ----- statuses
 * --------------------------------------------------------------- */

bool
fb_has_violation(const hues_result *res, const char *field)
{
	size_t n = hues_result_violation_count(res);
	for (size_t i = 0; i < n; i++) {
		const char *f = NULL, *d = NULL;
		if (hues_result_violation(res, i, &f, &d) == HUES_OK &&
		    strcmp(f, field) == 0) {
			return true;
		}
	}
	return false;
}

void
fb_expect_violation(const hues_result *res, const char *field)
{
	if (hues_result_code(res) != HUES_INVALID_ARGUMENT ||
	    !fb_has_violation(res, field)) {
		size_t n = hues_result_violation_count(res);
		print_error("got %s (%s), %zu violations:\n",
		    hues_status_name(hues_result_code(res)),
		    hues_result_message(res), n);
		for (size_t i = 0; i < n; i++) {
			const char *f = NULL, *d = NULL;
			hues_result_violation(res, i, &f, &d);
			print_error("  %s: %s\n", f, d);
		}
		fail_msg("expected INVALID_ARGUMENT with a violation on '%s'",
		    field);
	}
}

void
fb_expect_status(const hues_result *res, int code, const char *reason)
{
	if (hues_result_code(res) != code ||
	    (reason != NULL && strcmp(hues_result_reason(res), reason) != 0)) {
		fail_msg("got %s (reason '%s': %s), expected %s (reason '%s')",
		    hues_status_name(hues_result_code(res)),
		    hues_result_reason(res), hues_result_message(res),
		    hues_status_name(code), reason != NULL ? reason : "any");
	}
}

/* ----- geometry and dates
 * ----------------------------------------------------- */

double
fb_distance_m(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * PI / 180, p2 = lat2 * PI / 180;
	double dp = (lat2 - lat1) * PI / 180, dl = (lon2 - lon1) * PI / 180;
	double a = sin(dp / 2) * sin(dp / 2) +
	           cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
	return 2 * EARTH_RADIUS_M * asin(sqrt(a));
}

void
fb_offset(
    double lat, double lon, double dn, double de, double *olat, double *olon)
{
	*olat = lat + dn / EARTH_RADIUS_M * 180 / PI;
	*olon = lon + de / (EARTH_RADIUS_M * cos(lat * PI / 180)) * 180 / PI;
}

void
fb_geohash(double lat, double lon, unsigned prec, char *out)
{
	static const char b32[] = "0123456789bcdefghjkmnpqrstuvwxyz";
	double lo[2] = { -180, -90 }, hi[2] = { 180, 90 }, v[2] = { lon, lat };
	unsigned bit = 0, ch = 0, k = 0, n = 0;
	while (n < prec) {
		double mid = (lo[k] + hi[k]) / 2;
		ch <<= 1;
		if (v[k] >= mid) {
			ch |= 1;
			lo[k] = mid;
		} else {
			hi[k] = mid;
		}
		k = 1 - k;
		if (++bit == 5) {
			out[n++] = b32[ch];
			bit = ch = 0;
		}
	}
	out[n] = '\0';
}

void
fb_local_date(int days, char buf[11])
{
	time_t    t = time(NULL) + 7 * 3600 + (time_t) days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
}
