/*
 * catalog.h - what residents can report and who answers it: categories
 * (like Open311 service definitions, with their attributes and SLA),
 * agencies, wards, and the routing table (category x ward -> agency, with
 * the category's default agency where no rule matches).
 *
 * A catalog is an in-memory copy, built at start from the embedded default
 * (feedback_catalog_default()) or from stored records with the put
 * functions, which copy everything they are given. Threads: a catalog
 * that is no longer changed may be read by any number of threads; a put
 * must not run concurrently with anything else on the same catalog (admin
 * methods build a new catalog and swap it in). Pointers returned by the
 * lookups are valid until the next put or destroy.
 */
#ifndef HUES_SVC_FEEDBACK_CATALOG_H
#define HUES_SVC_FEEDBACK_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* hues.v1.AttributeDatatype. */
typedef enum feedback_attr_type {
	FEEDBACK_ATTR_STRING          = 1, /* one line, <= 200 characters */
	FEEDBACK_ATTR_NUMBER          = 2, /* a decimal number */
	FEEDBACK_ATTR_DATETIME        = 3, /* RFC 3339 with an offset */
	FEEDBACK_ATTR_TEXT            = 4, /* <= 4000 characters */
	FEEDBACK_ATTR_SINGLEVALUELIST = 5, /* one option key */
	FEEDBACK_ATTR_MULTIVALUELIST  = 6, /* one or more distinct keys */
} feedback_attr_type;

/* hues.v1.AgencyKind. */
typedef enum feedback_agency_kind {
	FEEDBACK_AGENCY_CENTRE      = 1,
	FEEDBACK_AGENCY_DEPARTMENT  = 2,
	FEEDBACK_AGENCY_CITY_OFFICE = 3,
	FEEDBACK_AGENCY_WARD_OFFICE = 4,
	FEEDBACK_AGENCY_UTILITY     = 5,
	FEEDBACK_AGENCY_TELECOM     = 6,
	FEEDBACK_AGENCY_POLICE      = 7,
} feedback_agency_kind;

typedef struct feedback_attr_option {
	const char *key;
	const char *name_vi;
	const char *name_en;
} feedback_attr_option;

typedef struct feedback_attr_def {
	const char                 *code;
	feedback_attr_type          type;
	bool                        required;
	uint32_t                    order;
	const char                 *description_vi;
	const char                 *description_en;
	const feedback_attr_option *options; /* list types only */
	size_t                      noptions;
} feedback_attr_def;

typedef struct feedback_category {
	const char        *code;
	const char        *name_vi;
	const char        *name_en;
	const char        *group;
	const char *const *keywords;
	size_t             nkeywords;
	const char        *default_agency; /* NULL or "": the centre routes */
	uint32_t           ack_minutes;    /* 0: FEEDBACK_DEFAULT_ACK_MINUTES */
	uint32_t           resolve_days; /* 0: FEEDBACK_DEFAULT_RESOLVE_DAYS */
	bool               anonymous_allowed;
	const feedback_attr_def *attrs; /* sorted by order once in a catalog */
	size_t                   nattrs;
	bool                     active;
} feedback_category;

typedef struct feedback_agency {
	const char          *id;
	const char          *name; /* Vietnamese */
	const char          *name_en;
	const char          *parent; /* NULL or "": top level */
	feedback_agency_kind kind;
	const char          *ward; /* ward offices: their ward */
	bool                 active;
} feedback_agency;

typedef struct feedback_ward {
	const char *code;
	const char *name;
	bool        active;
} feedback_ward;

typedef struct feedback_route {
	const char *category;
	const char *ward;
	const char *agency;
} feedback_route;

typedef struct feedback_catalog feedback_catalog;

/* Limits on one category, checked by the put functions and by
 * feedback_validate_category(). */
#define FEEDBACK_MAX_CODE     64
#define FEEDBACK_MAX_NAME     200
#define FEEDBACK_MAX_KEYWORDS 32
#define FEEDBACK_MAX_ATTRS    32
#define FEEDBACK_MAX_OPTIONS  64

/* Receives one problem of a record: the field (e.g. "attributes[2].code")
 * and a description; both valid during the call only. */
typedef void (*feedback_problem_fn)(
    void *arg, const char *field, const char *description);

/*
 * Checks a record on its own (codes, names, limits, datatypes, options;
 * not whether the agencies it names exist, see feedback_catalog_check()).
 * Calls fn, when not NULL, once per problem, and returns their number.
 */
size_t feedback_category_problems(
    const feedback_category *c, feedback_problem_fn fn, void *arg);
size_t feedback_agency_problems(
    const feedback_agency *a, feedback_problem_fn fn, void *arg);
size_t feedback_ward_problems(
    const feedback_ward *w, feedback_problem_fn fn, void *arg);
size_t feedback_route_problems(
    const feedback_route *r, feedback_problem_fn fn, void *arg);

/* Makes an empty catalog. Returns HUES_OK and sets *out, or
 * HUES_RESOURCE_EXHAUSTED. */
int feedback_catalog_create(feedback_catalog **out);

/* Makes the embedded default catalog for Huế (docs/feedback.md lists it).
 * Returns HUES_OK and sets *out, or HUES_RESOURCE_EXHAUSTED. */
int feedback_catalog_default(feedback_catalog **out);

/* Frees a catalog and everything it copied; NULL is fine. */
void feedback_catalog_destroy(feedback_catalog *cat);

/*
 * Add or replace (by code, id, or category and ward) a deep copy of a
 * record. Return HUES_OK; HUES_INVALID_ARGUMENT when the record has a
 * problem (see *_problems above); HUES_RESOURCE_EXHAUSTED. On failure the
 * catalog is unchanged.
 */
int feedback_catalog_put_category(
    feedback_catalog *cat, const feedback_category *c);
int feedback_catalog_put_agency(
    feedback_catalog *cat, const feedback_agency *a);
int feedback_catalog_put_ward(feedback_catalog *cat, const feedback_ward *w);
int feedback_catalog_put_route(feedback_catalog *cat, const feedback_route *r);

/* Removes the rule of (category, ward). Returns HUES_OK or NOT_FOUND. */
int feedback_catalog_delete_route(
    feedback_catalog *cat, const char *category, const char *ward);

/*
 * Checks that every agency, category and ward a record names exists:
 * default agencies, parents (without cycles), the wards of ward offices,
 * every part of every rule. Returns HUES_OK, or HUES_FAILED_PRECONDITION
 * with a description of the first problem in msg (always terminated when
 * msglen > 0).
 */
int feedback_catalog_check(
    const feedback_catalog *cat, char *msg, size_t msglen);

/* Lookups by code or id; NULL when unknown (inactive records are found:
 * callers decide what inactive means for them). */
const feedback_category *feedback_catalog_category(
    const feedback_catalog *cat, const char *code);
const feedback_agency *feedback_catalog_agency(
    const feedback_catalog *cat, const char *id);
const feedback_ward *feedback_catalog_ward(
    const feedback_catalog *cat, const char *code);

/* The records in code order (for paging by the last code seen). */
size_t feedback_catalog_ncategories(const feedback_catalog *cat);
const feedback_category *feedback_catalog_category_at(
    const feedback_catalog *cat, size_t i);
size_t                 feedback_catalog_nagencies(const feedback_catalog *cat);
const feedback_agency *feedback_catalog_agency_at(
    const feedback_catalog *cat, size_t i);
size_t               feedback_catalog_nwards(const feedback_catalog *cat);
const feedback_ward *feedback_catalog_ward_at(
    const feedback_catalog *cat, size_t i);
/* Rules in (category, ward) order. */
size_t                feedback_catalog_nroutes(const feedback_catalog *cat);
const feedback_route *feedback_catalog_route_at(
    const feedback_catalog *cat, size_t i);

/*
 * The agency in charge of category in ward (ward may be NULL or ""): the
 * active agency of the rule for (category, ward), else the category's
 * active default agency. Returns HUES_OK and sets *out; HUES_NOT_FOUND
 * for an unknown category or when neither applies (the centre routes by
 * hand).
 */
int feedback_catalog_route(const feedback_catalog *cat, const char *category,
    const char *ward, const feedback_agency **out);

/* The category's deadlines with the defaults applied. */
uint32_t feedback_category_ack_minutes(const feedback_category *c);
uint32_t feedback_category_resolve_days(const feedback_category *c);

/* The attribute definition of code in c, or NULL. */
const feedback_attr_def *feedback_category_attr(
    const feedback_category *c, const char *code);

#endif /* HUES_SVC_FEEDBACK_CATALOG_H */
