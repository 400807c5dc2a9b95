/*
 * gen_print.c - hues-bench --print: the calls a generator would make,
 * decoded again with protobuf-c, so that a generator can be read (and its
 * bytes proven to decode) without a server. Publish chains are followed
 * with a made-up SubmitReport reply.
 */
#include <stdio.h>
#include <string.h>

#include "gen.h"
#include "hues/hues.h"

/* Which citizen a token is, 1-based; 0 for another token. */
static size_t
user_of(const gen_opts *o, const char *token)
{
	for (size_t i = 0;
	     token != NULL && o->citizens != NULL && i < o->citizens->n; i++) {
		if (o->citizens->tok[i] == token) {
			return i + 1;
		}
	}
	return 0;
}

static void
print_submit(FILE *f, const Hues__V1__SubmitReportRequest *m)
{
	fprintf(f, "  category: %s\n  title: %s\n  description: %s\n",
	    m->category, m->title, m->description);
	if (m->location != NULL && m->location->point != NULL) {
		fprintf(f, "  location: %.6f, %.6f; ward '%s'; %s\n",
		    m->location->point->latitude, m->location->point->longitude,
		    m->location->ward_code, m->location->address);
	}
	for (size_t i = 0; i < m->n_attributes; i++) {
		fprintf(f, "  attribute %s:", m->attributes[i]->code);
		for (size_t k = 0; k < m->attributes[i]->n_values; k++) {
			fprintf(f, " %s", m->attributes[i]->values[k]);
		}
		fputc('\n', f);
	}
	for (size_t i = 0; i < m->n_media; i++) {
		fprintf(f, "  media: %s (%s)\n",
		    m->media[i]->source_case == HUES__V1__MEDIA_REF__SOURCE_URL
		        ? m->media[i]->url
		        : m->media[i]->media_id,
		    m->media[i]->content_type);
	}
	fprintf(f, "  hide_name: %s\n  idempotency_key: %s\n",
	    m->hide_name ? "yes" : "no", m->idempotency_key);
}

/* Decodes and prints one request; false when it does not decode. */
static bool
print_request(FILE *f, const char *method, const void *req, size_t len)
{
	const uint8_t *p = req;

	if (strcmp(method, "/hues.v1.Feedback/SubmitReport") == 0) {
		Hues__V1__SubmitReportRequest *m =
		    hues__v1__submit_report_request__unpack(NULL, len, p);
		if (m != NULL) {
			print_submit(f, m);
			hues__v1__submit_report_request__free_unpacked(m, NULL);
		}
		return m != NULL;
	}
	if (strcmp(method, "/hues.v1.Feedback/GetReport") == 0) {
		Hues__V1__GetReportRequest *m =
		    hues__v1__get_report_request__unpack(NULL, len, p);
		if (m != NULL) {
			fprintf(f, "  id: %s\n", m->id);
			hues__v1__get_report_request__free_unpacked(m, NULL);
		}
		return m != NULL;
	}
	if (strcmp(method, "/hues.v1.Feedback/PublicFeed") == 0) {
		Hues__V1__PublicFeedRequest *m =
		    hues__v1__public_feed_request__unpack(NULL, len, p);
		bool ok =
		    m != NULL &&
		    m->area_case == HUES__V1__PUBLIC_FEED_REQUEST__AREA_NEAR &&
		    m->near->center != NULL;
		if (ok) {
			fprintf(f,
			    "  near: %.6f, %.6f within %u m; page size %d\n",
			    m->near->center->latitude,
			    m->near->center->longitude, m->near->radius_m,
			    m->page_size);
		}
		hues__v1__public_feed_request__free_unpacked(m, NULL);
		return ok;
	}
	if (strcmp(method, "/hues.v1.Feedback/Triage") == 0) {
		Hues__V1__TriageRequest *m =
		    hues__v1__triage_request__unpack(NULL, len, p);
		if (m != NULL) {
			fprintf(f,
			    "  id: %s\n  decision: %d (accept)\n  agency: "
			    "'%s'%s\n"
			    "  internal_note: %s\n",
			    m->id, (int) m->decision, m->agency,
			    m->agency[0] ? "" : " (the routing table's)",
			    m->internal_note);
			hues__v1__triage_request__free_unpacked(m, NULL);
		}
		return m != NULL;
	}
	return false;
}

bool
gen_print(FILE *f, gen *g, unsigned n)
{
	const load_gen *h  = gen_hooks(g);
	const gen_opts *o  = gen_options(g);
	unsigned        id = 0;

	for (unsigned i = 0; i < n; i++) {
		load_call c = { 0 };
		if (!h->next(h->arg, 0, &c)) {
			break;
		}
		size_t u = user_of(o, c.token);
		fprintf(f, "call %u: %s, %zu B, ", i + 1, c.method, c.len);
		if (u > 0) {
			fprintf(f, "token of citizen u%zu\n", u);
		} else if (c.token != NULL && c.token == o->coordinator) {
			fprintf(f, "coordinator's token\n");
		} else {
			fprintf(
			    f, "%s\n", c.token ? "another token" : "no token");
		}
		if (!print_request(f, c.method, c.req, c.len)) {
			fprintf(f, "  does not decode\n");
			return false;
		}
		/* The reply the chain needs: a SubmitReport answer with an
		 * id; an empty one for the other methods. */
		Hues__V1__SubmitReportResponse r =
		    HUES__V1__SUBMIT_REPORT_RESPONSE__INIT;
		char    rid[16];
		uint8_t buf[64];
		size_t  len = 0;
		if (strcmp(c.method, "/hues.v1.Feedback/SubmitReport") == 0) {
			snprintf(rid, sizeof(rid), "R%010u", ++id);
			r.id = rid;
			len  = hues__v1__submit_report_response__pack(&r, buf);
		}
		h->done(h->arg, 0, HUES_OK, buf, len);
	}
	return true;
}
