/*
 * catalog_check.c - the rules a catalog record must follow on its own
 * (codes, names, limits, datatypes and options), and the consistency of a
 * whole catalog (every name it mentions exists, parents without cycles).
 * Written on the public lookups only, so that what is checked is what
 * readers see.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hues/status.h"
#include "svc/feedback/catalog.h"
#include "svc/feedback/sla.h"
#include "svc/feedback/text.h"

static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

/* ----- problems ----------------------------------------------------------- */

typedef struct problems {
	feedback_problem_fn fn;
	void               *arg;
	size_t              n;
} problems;

static void
problem(problems *p, const char *field, const char *description)
{
	if (p->fn != NULL) {
		p->fn(p->arg, field, description);
	}
	p->n++;
}

/* Codes are what URLs, keys and logs carry: lowercase ASCII. */
static bool
code_ok(const char *s)
{
	size_t n = strlen(str(s));
	if (n < 1 || n > FEEDBACK_MAX_CODE) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c  = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		          (i > 0 && (c == '_' || c == '-' || c == '.'));
		if (!ok) {
			return false;
		}
	}
	return true;
}

static void
check_code(problems *p, const char *field, const char *s)
{
	if (!code_ok(s)) {
		problem(p, field,
		    "must be 1-64 characters of a-z, 0-9, '_', '-', '.', "
		    "starting with a letter or digit");
	}
}

static void
check_name(problems *p, const char *field, const char *s, bool required)
{
	size_t n;
	if (s == NULL || *s == '\0') {
		if (required) {
			problem(p, field, "is required");
		}
		return;
	}
	if (feedback_text_check(s, strlen(s), FEEDBACK_TEXT_SINGLE_LINE, &n) !=
	    FEEDBACK_TEXT_OK) {
		problem(p, field, "must be one line of valid UTF-8");
	} else if (n > FEEDBACK_MAX_NAME) {
		problem(p, field, "is longer than 200 characters");
	}
}

static void
check_optional_code(problems *p, const char *field, const char *s)
{
	if (s != NULL && *s != '\0') {
		check_code(p, field, s);
	}
}

static void
check_attr(problems *p, size_t i, const feedback_attr_def *a)
{
	char f[64];
	snprintf(f, sizeof(f), "attributes[%zu].code", i);
	check_code(p, f, a->code);
	snprintf(f, sizeof(f), "attributes[%zu].datatype", i);
	bool list = a->type == FEEDBACK_ATTR_SINGLEVALUELIST ||
	            a->type == FEEDBACK_ATTR_MULTIVALUELIST;
	if (a->type < FEEDBACK_ATTR_STRING ||
	    a->type > FEEDBACK_ATTR_MULTIVALUELIST) {
		problem(p, f, "is not a known datatype");
	}
	snprintf(f, sizeof(f), "attributes[%zu].values", i);
	if (list && (a->noptions == 0 || a->noptions > FEEDBACK_MAX_OPTIONS)) {
		problem(p, f, "a list datatype needs 1 to 64 values");
	} else if (!list && a->noptions > 0) {
		problem(p, f, "only list datatypes have values");
	}
	for (size_t j = 0; j < a->noptions && j < FEEDBACK_MAX_OPTIONS; j++) {
		snprintf(f, sizeof(f), "attributes[%zu].values[%zu].key", i, j);
		check_code(p, f, a->options[j].key);
		for (size_t k = 0; k < j; k++) {
			if (strcmp(str(a->options[k].key),
			        str(a->options[j].key)) == 0) {
				problem(p, f, "is repeated");
			}
		}
		snprintf(
		    f, sizeof(f), "attributes[%zu].values[%zu].name_vi", i, j);
		check_name(p, f, a->options[j].name_vi, true);
		snprintf(
		    f, sizeof(f), "attributes[%zu].values[%zu].name_en", i, j);
		check_name(p, f, a->options[j].name_en, false);
	}
	snprintf(f, sizeof(f), "attributes[%zu].description_vi", i);
	check_name(p, f, a->description_vi, true);
	snprintf(f, sizeof(f), "attributes[%zu].description_en", i);
	check_name(p, f, a->description_en, false);
}

size_t
feedback_category_problems(
    const feedback_category *c, feedback_problem_fn fn, void *arg)
{
	problems p = { fn, arg, 0 };
	check_code(&p, "code", c->code);
	check_name(&p, "name_vi", c->name_vi, true);
	check_name(&p, "name_en", c->name_en, true);
	check_code(&p, "group", c->group);
	check_optional_code(&p, "default_agency", c->default_agency);
	if (c->ack_minutes > FEEDBACK_MAX_ACK_MINUTES) {
		problem(&p, "acknowledge_minutes", "is more than 7 days");
	}
	if (c->resolve_days > FEEDBACK_MAX_RESOLVE_DAYS) {
		problem(&p, "resolve_working_days", "is more than 120");
	}
	if (c->nkeywords > FEEDBACK_MAX_KEYWORDS) {
		problem(&p, "keywords", "more than 32 keywords");
	}
	for (size_t i = 0; i < c->nkeywords && i < FEEDBACK_MAX_KEYWORDS; i++) {
		char f[32];
		snprintf(f, sizeof(f), "keywords[%zu]", i);
		check_name(&p, f, c->keywords[i], true);
	}
	if (c->nattrs > FEEDBACK_MAX_ATTRS) {
		problem(&p, "attributes", "more than 32 attributes");
		return p.n;
	}
	for (size_t i = 0; i < c->nattrs; i++) {
		check_attr(&p, i, &c->attrs[i]);
		for (size_t k = 0; k < i; k++) {
			if (strcmp(str(c->attrs[k].code),
			        str(c->attrs[i].code)) == 0) {
				char f[64];
				snprintf(
				    f, sizeof(f), "attributes[%zu].code", i);
				problem(&p, f, "is repeated");
			}
		}
	}
	return p.n;
}

size_t
feedback_agency_problems(
    const feedback_agency *a, feedback_problem_fn fn, void *arg)
{
	problems p = { fn, arg, 0 };
	check_code(&p, "id", a->id);
	check_name(&p, "name", a->name, true);
	check_name(&p, "name_en", a->name_en, false);
	check_optional_code(&p, "parent", a->parent);
	if (a->parent != NULL && a->id != NULL &&
	    strcmp(a->parent, a->id) == 0) {
		problem(&p, "parent", "is the agency itself");
	}
	if (a->kind < FEEDBACK_AGENCY_CENTRE ||
	    a->kind > FEEDBACK_AGENCY_POLICE) {
		problem(&p, "kind", "is not a known kind");
	}
	if (a->kind == FEEDBACK_AGENCY_WARD_OFFICE) {
		check_code(&p, "ward_code", a->ward);
	} else {
		check_optional_code(&p, "ward_code", a->ward);
	}
	return p.n;
}

size_t
feedback_ward_problems(
    const feedback_ward *w, feedback_problem_fn fn, void *arg)
{
	problems p = { fn, arg, 0 };
	check_code(&p, "code", w->code);
	check_name(&p, "name", w->name, true);
	return p.n;
}

size_t
feedback_route_problems(
    const feedback_route *r, feedback_problem_fn fn, void *arg)
{
	problems p = { fn, arg, 0 };
	check_code(&p, "category", r->category);
	check_code(&p, "ward_code", r->ward);
	check_code(&p, "agency", r->agency);
	return p.n;
}

/* ----- integrity ---------------------------------------------------------- */

static int fail_check(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail_check(char *msg, size_t msglen, const char *fmt, ...)
{
	if (msglen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return HUES_FAILED_PRECONDITION;
}

int
feedback_catalog_check(const feedback_catalog *cat, char *msg, size_t msglen)
{
	for (size_t i = 0; i < feedback_catalog_ncategories(cat); i++) {
		const feedback_category *c =
		    feedback_catalog_category_at(cat, i);
		if (*c->default_agency != '\0' &&
		    feedback_catalog_agency(cat, c->default_agency) == NULL) {
			return fail_check(msg, msglen,
			    "category %s: unknown default agency %s", c->code,
			    c->default_agency);
		}
	}
	for (size_t i = 0; i < feedback_catalog_nagencies(cat); i++) {
		const feedback_agency *a = feedback_catalog_agency_at(cat, i);
		if (*a->ward != '\0' &&
		    feedback_catalog_ward(cat, a->ward) == NULL) {
			return fail_check(msg, msglen,
			    "agency %s: unknown ward %s", a->id, a->ward);
		}
		/* Walking up more steps than there are agencies means a cycle.
		 */
		const feedback_agency *p = a;
		for (size_t steps = 0; *p->parent != '\0'; steps++) {
			const feedback_agency *up =
			    feedback_catalog_agency(cat, p->parent);
			if (up == NULL) {
				return fail_check(msg, msglen,
				    "agency %s: unknown parent %s", p->id,
				    p->parent);
			}
			if (steps >= feedback_catalog_nagencies(cat)) {
				return fail_check(msg, msglen,
				    "agency %s: parents form a cycle", a->id);
			}
			p = up;
		}
	}
	for (size_t i = 0; i < feedback_catalog_nroutes(cat); i++) {
		const feedback_route *r = feedback_catalog_route_at(cat, i);
		if (feedback_catalog_category(cat, r->category) == NULL) {
			return fail_check(msg, msglen,
			    "rule %s/%s: unknown category", r->category,
			    r->ward);
		}
		if (feedback_catalog_ward(cat, r->ward) == NULL) {
			return fail_check(msg, msglen,
			    "rule %s/%s: unknown ward", r->category, r->ward);
		}
		if (feedback_catalog_agency(cat, r->agency) == NULL) {
			return fail_check(msg, msglen,
			    "rule %s/%s: unknown agency", r->category, r->ward);
		}
	}
	if (msglen > 0) {
		msg[0] = '\0';
	}
	return HUES_OK;
}
