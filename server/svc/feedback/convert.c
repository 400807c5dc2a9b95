/*
 * convert.c - catalog records between the core's C structs and their
 * protobuf messages (the wire and the stored form). To the wire, every
 * string is copied into the given memory, so the result outlives the
 * catalog lock; from the wire, strings are borrowed from the message and
 * only the arrays are allocated (the catalog's put functions deep-copy).
 */
#include <string.h>

#include "svc/feedback/convert.h"

static char *
dup(const fb_mem *m, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	char  *p = m->alloc(m->ctx, n + 1);
	if (n > 0) {
		memcpy(p, s, n);
	}
	p[n] = '\0';
	return p;
}

static void *
zalloc(const fb_mem *m, size_t n)
{
	void *p = m->alloc(m->ctx, n > 0 ? n : 1);
	memset(p, 0, n > 0 ? n : 1);
	return p;
}

static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

Hues__V1__Category *
fb_category_to_pb(const fb_mem *m, const feedback_category *c)
{
	Hues__V1__Category *o = zalloc(m, sizeof(*o));
	hues__v1__category__init(o);
	o->code                 = dup(m, c->code);
	o->name_vi              = dup(m, c->name_vi);
	o->name_en              = dup(m, c->name_en);
	o->group_code           = dup(m, c->group);
	o->default_agency       = dup(m, c->default_agency);
	o->acknowledge_minutes  = c->ack_minutes;
	o->resolve_working_days = c->resolve_days;
	o->anonymous_allowed    = c->anonymous_allowed;
	o->active               = c->active;
	o->n_keywords           = c->nkeywords;
	o->keywords = zalloc(m, c->nkeywords * sizeof(*o->keywords));
	for (size_t i = 0; i < c->nkeywords; i++) {
		o->keywords[i] = dup(m, c->keywords[i]);
	}
	o->n_attributes = c->nattrs;
	o->attributes   = zalloc(m, c->nattrs * sizeof(*o->attributes));
	for (size_t i = 0; i < c->nattrs; i++) {
		const feedback_attr_def       *a = &c->attrs[i];
		Hues__V1__AttributeDefinition *d = zalloc(m, sizeof(*d));
		hues__v1__attribute_definition__init(d);
		d->code           = dup(m, a->code);
		d->datatype       = (Hues__V1__AttributeDatatype) a->type;
		d->required       = a->required;
		d->order          = a->order;
		d->description_vi = dup(m, a->description_vi);
		d->description_en = dup(m, a->description_en);
		d->n_values       = a->noptions;
		d->values         = zalloc(m, a->noptions * sizeof(*d->values));
		for (size_t k = 0; k < a->noptions; k++) {
			Hues__V1__AttributeOption *op = zalloc(m, sizeof(*op));
			hues__v1__attribute_option__init(op);
			op->key       = dup(m, a->options[k].key);
			op->name_vi   = dup(m, a->options[k].name_vi);
			op->name_en   = dup(m, a->options[k].name_en);
			d->values[k]  = op;
		}
		o->attributes[i] = d;
	}
	return o;
}

void
fb_category_from_pb(
    const fb_mem *m, const Hues__V1__Category *c, feedback_category *o)
{
	*o = (feedback_category) {
	    .code              = str(c->code),
	    .name_vi           = str(c->name_vi),
	    .name_en           = str(c->name_en),
	    .group             = str(c->group_code),
	    .keywords          = (const char *const *) c->keywords,
	    .nkeywords         = c->n_keywords,
	    .default_agency    = str(c->default_agency),
	    .ack_minutes       = c->acknowledge_minutes,
	    .resolve_days      = c->resolve_working_days,
	    .anonymous_allowed = c->anonymous_allowed,
	    .nattrs            = c->n_attributes,
	    .active            = c->active,
	};
	feedback_attr_def *defs = zalloc(m, c->n_attributes * sizeof(*defs));
	for (size_t i = 0; i < c->n_attributes; i++) {
		const Hues__V1__AttributeDefinition *d = c->attributes[i];
		feedback_attr_option *ops = zalloc(m, d->n_values * sizeof(*ops));
		for (size_t k = 0; k < d->n_values; k++) {
			ops[k] = (feedback_attr_option) {str(d->values[k]->key),
			    str(d->values[k]->name_vi), str(d->values[k]->name_en)};
		}
		defs[i] = (feedback_attr_def) {
		    .code           = str(d->code),
		    .type           = (feedback_attr_type) d->datatype,
		    .required       = d->required,
		    .order          = d->order,
		    .description_vi = str(d->description_vi),
		    .description_en = str(d->description_en),
		    .options        = ops,
		    .noptions       = d->n_values,
		};
	}
	o->attrs = defs;
}

Hues__V1__Agency *
fb_agency_to_pb(const fb_mem *m, const feedback_agency *a)
{
	Hues__V1__Agency *o = zalloc(m, sizeof(*o));
	hues__v1__agency__init(o);
	o->id        = dup(m, a->id);
	o->name      = dup(m, a->name);
	o->name_en   = dup(m, a->name_en);
	o->parent    = dup(m, a->parent);
	o->kind      = (Hues__V1__AgencyKind) a->kind;
	o->ward_code = dup(m, a->ward);
	o->active    = a->active;
	return o;
}

void
fb_agency_from_pb(const Hues__V1__Agency *a, feedback_agency *o)
{
	*o = (feedback_agency) {str(a->id), str(a->name), str(a->name_en),
	    str(a->parent), (feedback_agency_kind) a->kind, str(a->ward_code),
	    a->active};
}

Hues__V1__Ward *
fb_ward_to_pb(const fb_mem *m, const feedback_ward *w)
{
	Hues__V1__Ward *o = zalloc(m, sizeof(*o));
	hues__v1__ward__init(o);
	o->code   = dup(m, w->code);
	o->name   = dup(m, w->name);
	o->active = w->active;
	return o;
}

void
fb_ward_from_pb(const Hues__V1__Ward *w, feedback_ward *o)
{
	*o = (feedback_ward) {str(w->code), str(w->name), w->active};
}

Hues__V1__RoutingRule *
fb_route_to_pb(const fb_mem *m, const feedback_route *r)
{
	Hues__V1__RoutingRule *o = zalloc(m, sizeof(*o));
	hues__v1__routing_rule__init(o);
	o->category  = dup(m, r->category);
	o->ward_code = dup(m, r->ward);
	o->agency    = dup(m, r->agency);
	return o;
}

void
fb_route_from_pb(const Hues__V1__RoutingRule *r, feedback_route *o)
{
	*o = (feedback_route) {str(r->category), str(r->ward_code),
	    str(r->agency)};
}

feedback_media_input *
fb_media_inputs(const fb_mem *m, Hues__V1__MediaRef *const *refs, size_t n)
{
	feedback_media_input *v = m->alloc(m->ctx, (n + 1) * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		const Hues__V1__MediaRef *r = refs[i];
		v[i] = (feedback_media_input) {
		    .url = r->source_case == HUES__V1__MEDIA_REF__SOURCE_URL ? r->url
		                                                            : NULL,
		    .media_id = r->source_case == HUES__V1__MEDIA_REF__SOURCE_MEDIA_ID
		                    ? r->media_id
		                    : NULL,
		    .content_type = r->content_type,
		};
	}
	return v;
}
