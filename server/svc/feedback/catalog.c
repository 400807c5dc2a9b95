/*
 * catalog.c - the catalog's records in four arrays kept sorted by key, so
 * every lookup is a binary search; their strings are copied into one
 * arena owned by the catalog. A replaced record's old strings stay in the
 * arena until the catalog is destroyed: admin changes are rare, and the
 * arena needs no bookkeeping of its own.
 */
#include "svc/feedback/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "hues/status.h"
#include "hues/v1/feedback.pb-c.h"
#include "svc/feedback/sla.h"

/* The C enums travel on the wire by cast: keep the numbers in step. */
_Static_assert(
    (int) FEEDBACK_ATTR_MULTIVALUELIST ==
        HUES__V1__ATTRIBUTE_DATATYPE__ATTRIBUTE_DATATYPE_MULTIVALUELIST,
    "feedback_attr_type and hues.v1.AttributeDatatype differ");
_Static_assert(
    (int) FEEDBACK_AGENCY_POLICE == HUES__V1__AGENCY_KIND__AGENCY_KIND_POLICE,
    "feedback_agency_kind and hues.v1.AgencyKind differ");
_Static_assert((int) FEEDBACK_AGENCY_WARD_OFFICE ==
                   HUES__V1__AGENCY_KIND__AGENCY_KIND_WARD_OFFICE,
    "feedback_agency_kind and hues.v1.AgencyKind differ");

struct feedback_catalog {
	arena              strings;
	feedback_category *categories;
	size_t             ncategories, capcategories;
	feedback_agency   *agencies;
	size_t             nagencies, capagencies;
	feedback_ward     *wards;
	size_t             nwards, capwards;
	feedback_route    *routes;
	size_t             nroutes, caproutes;
};

static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

/* ----- life --------------------------------------------------------------- */

int
feedback_catalog_create(feedback_catalog **out)
{
	feedback_catalog *cat = calloc(1, sizeof(*cat));
	if (cat == NULL) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	arena_init(&cat->strings, 16384);
	*out = cat;
	return HUES_OK;
}

void
feedback_catalog_destroy(feedback_catalog *cat)
{
	if (cat == NULL) {
		return;
	}
	arena_fini(&cat->strings);
	free(cat->categories);
	free(cat->agencies);
	free(cat->wards);
	free(cat->routes);
	free(cat);
}

/* ----- sorted arrays ------------------------------------------------------ */

/* Makes room for one more element of size sz in *v (n used, *cap held). */
static bool
reserve(void **v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap) {
		return true;
	}
	size_t ncap = *cap ? *cap * 2 : 16;
	void  *nv   = realloc(*v, ncap * sz);
	if (nv == NULL) {
		return false;
	}
	*v   = nv;
	*cap = ncap;
	return true;
}

/* Binary search by a key function over n elements of size sz; returns the
 * index of the first element not less than key and sets *found. */
typedef int (*cmp_fn)(const void *elem, const void *key);

static size_t
search(const void *v, size_t n, size_t sz, const void *key, cmp_fn cmp,
    bool *found)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp((const char *) v + mid * sz, key) < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	*found = lo < n && cmp((const char *) v + lo * sz, key) == 0;
	return lo;
}

/* Puts *elem at its place in a sorted array: replaces an equal element or
 * inserts. Capacity must already be reserved. */
static void
place(void *v, size_t *n, size_t sz, const void *elem, const void *key,
    cmp_fn cmp)
{
	bool   found;
	size_t i = search(v, *n, sz, key, cmp, &found);
	char  *p = (char *) v + i * sz;
	if (!found) {
		memmove(p + sz, p, (*n - i) * sz);
		(*n)++;
	}
	memcpy(p, elem, sz);
}

static int
cmp_category(const void *e, const void *key)
{
	return strcmp(((const feedback_category *) e)->code, key);
}

static int
cmp_agency(const void *e, const void *key)
{
	return strcmp(((const feedback_agency *) e)->id, key);
}

static int
cmp_ward(const void *e, const void *key)
{
	return strcmp(((const feedback_ward *) e)->code, key);
}

static int
cmp_route(const void *e, const void *key)
{
	const feedback_route *a = e, *b = key;
	int                   c = strcmp(a->category, b->category);
	return c != 0 ? c : strcmp(a->ward, b->ward);
}

/* ----- copies ------------------------------------------------------------- */

/* The copy functions return false when the arena is out of memory; what
 * they copied so far stays in the arena, unreferenced. */
static bool
dup(arena *a, const char *s, const char **out)
{
	*out = arena_strdup(a, str(s));
	return *out != NULL;
}

static int
cmp_attr_order(const void *x, const void *y)
{
	const feedback_attr_def *a = x, *b = y;
	if (a->order != b->order) {
		return a->order < b->order ? -1 : 1;
	}
	return strcmp(a->code, b->code);
}

static bool
copy_attr(arena *a, const feedback_attr_def *src, feedback_attr_def *dst)
{
	*dst = *src;
	if (!dup(a, src->code, &dst->code) ||
	    !dup(a, src->description_vi, &dst->description_vi) ||
	    !dup(a, src->description_en, &dst->description_en)) {
		return false;
	}
	feedback_attr_option *o = arena_alloc(a, src->noptions * sizeof(*o));
	if (o == NULL) {
		return false;
	}
	for (size_t i = 0; i < src->noptions; i++) {
		if (!dup(a, src->options[i].key, &o[i].key) ||
		    !dup(a, src->options[i].name_vi, &o[i].name_vi) ||
		    !dup(a, src->options[i].name_en, &o[i].name_en)) {
			return false;
		}
	}
	dst->options = o;
	return true;
}

static bool
copy_category(arena *a, const feedback_category *src, feedback_category *dst)
{
	*dst = *src;
	if (!dup(a, src->code, &dst->code) ||
	    !dup(a, src->name_vi, &dst->name_vi) ||
	    !dup(a, src->name_en, &dst->name_en) ||
	    !dup(a, src->group, &dst->group) ||
	    !dup(a, src->default_agency, &dst->default_agency)) {
		return false;
	}
	const char       **kw = arena_alloc(a, src->nkeywords * sizeof(*kw));
	feedback_attr_def *at = arena_alloc(a, src->nattrs * sizeof(*at));
	if (kw == NULL || at == NULL) {
		return false;
	}
	for (size_t i = 0; i < src->nkeywords; i++) {
		if (!dup(a, src->keywords[i], &kw[i])) {
			return false;
		}
	}
	for (size_t i = 0; i < src->nattrs; i++) {
		if (!copy_attr(a, &src->attrs[i], &at[i])) {
			return false;
		}
	}
	/* Forms list the attributes in their order. */
	if (src->nattrs > 1) {
		qsort(at, src->nattrs, sizeof(*at), cmp_attr_order);
	}
	dst->keywords = kw;
	dst->attrs    = at;
	return true;
}

int
feedback_catalog_put_category(feedback_catalog *cat, const feedback_category *c)
{
	feedback_category copy;
	if (feedback_category_problems(c, NULL, NULL) > 0) {
		return HUES_INVALID_ARGUMENT;
	}
	if (!reserve((void **) &cat->categories, cat->ncategories,
	        &cat->capcategories, sizeof(copy)) ||
	    !copy_category(&cat->strings, c, &copy)) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	place(cat->categories, &cat->ncategories, sizeof(copy), &copy,
	    copy.code, cmp_category);
	return HUES_OK;
}

int
feedback_catalog_put_agency(feedback_catalog *cat, const feedback_agency *a)
{
	feedback_agency copy = *a;
	arena          *s    = &cat->strings;
	if (feedback_agency_problems(a, NULL, NULL) > 0) {
		return HUES_INVALID_ARGUMENT;
	}
	if (!reserve((void **) &cat->agencies, cat->nagencies,
	        &cat->capagencies, sizeof(copy)) ||
	    !dup(s, a->id, &copy.id) || !dup(s, a->name, &copy.name) ||
	    !dup(s, a->name_en, &copy.name_en) ||
	    !dup(s, a->parent, &copy.parent) || !dup(s, a->ward, &copy.ward)) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	place(cat->agencies, &cat->nagencies, sizeof(copy), &copy, copy.id,
	    cmp_agency);
	return HUES_OK;
}

int
feedback_catalog_put_ward(feedback_catalog *cat, const feedback_ward *w)
{
	feedback_ward copy = *w;
	if (feedback_ward_problems(w, NULL, NULL) > 0) {
		return HUES_INVALID_ARGUMENT;
	}
	if (!reserve((void **) &cat->wards, cat->nwards, &cat->capwards,
	        sizeof(copy)) ||
	    !dup(&cat->strings, w->code, &copy.code) ||
	    !dup(&cat->strings, w->name, &copy.name)) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	place(
	    cat->wards, &cat->nwards, sizeof(copy), &copy, copy.code, cmp_ward);
	return HUES_OK;
}

int
feedback_catalog_put_route(feedback_catalog *cat, const feedback_route *r)
{
	feedback_route copy;
	arena         *s = &cat->strings;
	if (feedback_route_problems(r, NULL, NULL) > 0) {
		return HUES_INVALID_ARGUMENT;
	}
	if (!reserve((void **) &cat->routes, cat->nroutes, &cat->caproutes,
	        sizeof(copy)) ||
	    !dup(s, r->category, &copy.category) ||
	    !dup(s, r->ward, &copy.ward) || !dup(s, r->agency, &copy.agency)) {
		return HUES_RESOURCE_EXHAUSTED;
	}
	place(
	    cat->routes, &cat->nroutes, sizeof(copy), &copy, &copy, cmp_route);
	return HUES_OK;
}

int
feedback_catalog_delete_route(
    feedback_catalog *cat, const char *category, const char *ward)
{
	feedback_route key = { .category = str(category), .ward = str(ward) };
	bool           found;
	size_t         i = search(
	            cat->routes, cat->nroutes, sizeof(key), &key, cmp_route, &found);
	if (!found) {
		return HUES_NOT_FOUND;
	}
	memmove(&cat->routes[i], &cat->routes[i + 1],
	    (cat->nroutes - i - 1) * sizeof(key));
	cat->nroutes--;
	return HUES_OK;
}

/* ----- lookups ------------------------------------------------------------ */

const feedback_category *
feedback_catalog_category(const feedback_catalog *cat, const char *code)
{
	bool   found;
	size_t i = search(cat->categories, cat->ncategories,
	    sizeof(*cat->categories), str(code), cmp_category, &found);
	return found ? &cat->categories[i] : NULL;
}

const feedback_agency *
feedback_catalog_agency(const feedback_catalog *cat, const char *id)
{
	bool   found;
	size_t i = search(cat->agencies, cat->nagencies, sizeof(*cat->agencies),
	    str(id), cmp_agency, &found);
	return found ? &cat->agencies[i] : NULL;
}

const feedback_ward *
feedback_catalog_ward(const feedback_catalog *cat, const char *code)
{
	bool   found;
	size_t i = search(cat->wards, cat->nwards, sizeof(*cat->wards),
	    str(code), cmp_ward, &found);
	return found ? &cat->wards[i] : NULL;
}

size_t
feedback_catalog_ncategories(const feedback_catalog *cat)
{
	return cat->ncategories;
}

const feedback_category *
feedback_catalog_category_at(const feedback_catalog *cat, size_t i)
{
	return i < cat->ncategories ? &cat->categories[i] : NULL;
}

size_t
feedback_catalog_nagencies(const feedback_catalog *cat)
{
	return cat->nagencies;
}

const feedback_agency *
feedback_catalog_agency_at(const feedback_catalog *cat, size_t i)
{
	return i < cat->nagencies ? &cat->agencies[i] : NULL;
}

size_t
feedback_catalog_nwards(const feedback_catalog *cat)
{
	return cat->nwards;
}

const feedback_ward *
feedback_catalog_ward_at(const feedback_catalog *cat, size_t i)
{
	return i < cat->nwards ? &cat->wards[i] : NULL;
}

size_t
feedback_catalog_nroutes(const feedback_catalog *cat)
{
	return cat->nroutes;
}

const feedback_route *
feedback_catalog_route_at(const feedback_catalog *cat, size_t i)
{
	return i < cat->nroutes ? &cat->routes[i] : NULL;
}

int
feedback_catalog_route(const feedback_catalog *cat, const char *category,
    const char *ward, const feedback_agency **out)
{
	const feedback_category *c = feedback_catalog_category(cat, category);
	if (c == NULL) {
		return HUES_NOT_FOUND;
	}
	if (ward != NULL && *ward != '\0') {
		feedback_route key = { .category = c->code, .ward = ward };
		bool           found;
		size_t i = search(cat->routes, cat->nroutes, sizeof(key), &key,
		    cmp_route, &found);
		if (found) {
			const feedback_agency *a =
			    feedback_catalog_agency(cat, cat->routes[i].agency);
			if (a != NULL && a->active) {
				*out = a;
				return HUES_OK;
			}
		}
	}
	const feedback_agency *a =
	    feedback_catalog_agency(cat, c->default_agency);
	if (a == NULL || !a->active) {
		return HUES_NOT_FOUND;
	}
	*out = a;
	return HUES_OK;
}

uint32_t
feedback_category_ack_minutes(const feedback_category *c)
{
	return c->ack_minutes != 0 ? c->ack_minutes
	                           : FEEDBACK_DEFAULT_ACK_MINUTES;
}

uint32_t
feedback_category_resolve_days(const feedback_category *c)
{
	return c->resolve_days != 0 ? c->resolve_days
	                            : FEEDBACK_DEFAULT_RESOLVE_DAYS;
}

const feedback_attr_def *
feedback_category_attr(const feedback_category *c, const char *code)
{
	for (size_t i = 0; i < c->nattrs; i++) {
		if (strcmp(c->attrs[i].code, str(code)) == 0) {
			return &c->attrs[i];
		}
	}
	return NULL;
}
