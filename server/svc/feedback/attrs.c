/*
 * attrs.c - a report's attributes checked against its category's
 * definitions (Open311 service definitions): which codes exist, how many
 * values each datatype takes, and the syntax of numbers and date-times.
 */
#include <stdio.h>
#include <string.h>

#include "svc/feedback/sla.h"
#include "svc/feedback/text.h"
#include "svc/feedback/validate.h"

static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

static bool
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Skips one or more digits; NULL when there is none. */
static const char *
digits(const char *p)
{
	if (!digit(*p)) {
		return NULL;
	}
	while (digit(*p)) {
		p++;
	}
	return p;
}

bool
feedback_number_valid(const char *s)
{
	const char *p = str(s);
	if (strlen(p) > 32) {
		return false;
	}
	if (*p == '-' || *p == '+') {
		p++;
	}
	if ((p = digits(p)) == NULL) {
		return false;
	}
	if (*p == '.' && (p = digits(p + 1)) == NULL) {
		return false;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+') {
			p++;
		}
		if ((p = digits(p)) == NULL) {
			return false;
		}
	}
	return *p == '\0';
}

/* Two digits at p no greater than max. */
static bool
two(const char *p, unsigned max, unsigned *out)
{
	if (!digit(p[0]) || !digit(p[1])) {
		return false;
	}
	*out = (unsigned) (p[0] - '0') * 10 + (unsigned) (p[1] - '0');
	return *out <= max;
}

bool
feedback_datetime_valid(const char *s)
{
	const char  *p = str(s);
	char         date[11];
	feedback_day d;
	unsigned     h, m, sec;
	if (strlen(p) < 20) {
		return false;
	}
	memcpy(date, p, 10);
	date[10] = '\0';
	if (feedback_day_parse(date, &d) != HUES_OK ||
	    (p[10] != 'T' && p[10] != 't') || !two(p + 11, 23, &h) ||
	    p[13] != ':' || !two(p + 14, 59, &m) || p[16] != ':' ||
	    !two(p + 17, 60, &sec)) {
		return false;
	}
	p += 19;
	if (*p == '.' && (p = digits(p + 1)) == NULL) {
		return false;
	}
	if (*p == 'Z' || *p == 'z') {
		return p[1] == '\0';
	}
	if ((*p == '+' || *p == '-') && two(p + 1, 23, &h) && p[3] == ':' &&
	    two(p + 4, 59, &m)) {
		return p[6] == '\0';
	}
	return false;
}

static bool
is_option(const feedback_attr_def *def, const char *v)
{
	for (size_t i = 0; i < def->noptions; i++) {
		if (strcmp(def->options[i].key, v) == 0) {
			return true;
		}
	}
	return false;
}

/* Checks the values of one attribute; field is "attributes[i]". */
static bool
check_values(svc_call *call, const char *field, const feedback_attr_def *def,
    const feedback_attr_input *a)
{
	bool multi = def->type == FEEDBACK_ATTR_MULTIVALUELIST;
	char f[64];
	snprintf(f, sizeof(f), "%s.values", field);
	if (a->nvalues == 0) {
		call_violation(call, f, "needs a value");
		return false;
	}
	if (!multi && a->nvalues > 1) {
		call_violation(call, f, "takes one value");
		return false;
	}
	if (multi && a->nvalues > def->noptions) {
		call_violation(
		    call, f, "has more values than there are options");
		return false;
	}
	bool ok = true;
	for (size_t j = 0; j < a->nvalues; j++) {
		const char *v = str(a->values[j]);
		snprintf(f, sizeof(f), "%s.values[%zu]", field, j);
		switch (def->type) {
		case FEEDBACK_ATTR_STRING:
			ok &= feedback_check_text(call, f, v, 1,
			    FEEDBACK_MAX_STRING_ATTR,
			    FEEDBACK_TEXT_SINGLE_LINE);
			break;
		case FEEDBACK_ATTR_TEXT:
			ok &= feedback_check_text(
			    call, f, v, 1, FEEDBACK_MAX_TEXT_ATTR, 0);
			break;
		case FEEDBACK_ATTR_NUMBER:
			if (!feedback_number_valid(v)) {
				call_violation(
				    call, f, "is not a decimal number");
				ok = false;
			}
			break;
		case FEEDBACK_ATTR_DATETIME:
			if (!feedback_datetime_valid(v)) {
				call_violation(call, f,
				    "is not an RFC 3339 date-time with an "
				    "offset");
				ok = false;
			}
			break;
		case FEEDBACK_ATTR_SINGLEVALUELIST:
		case FEEDBACK_ATTR_MULTIVALUELIST:
			if (!is_option(def, v)) {
				call_violation(call, f,
				    "is not one of the values of %s",
				    def->code);
				ok = false;
			}
			for (size_t k = 0; k < j; k++) {
				if (strcmp(str(a->values[k]), v) == 0) {
					call_violation(call, f, "is repeated");
					ok = false;
				}
			}
			break;
		}
	}
	return ok;
}

bool
feedback_check_attributes(svc_call *call, const feedback_category *c,
    const feedback_attr_input *attrs, size_t n)
{
	if (n > FEEDBACK_MAX_ATTRS) {
		call_violation(call, "attributes", "more than %d attributes",
		    FEEDBACK_MAX_ATTRS);
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		char field[32], f[48];
		snprintf(field, sizeof(field), "attributes[%zu]", i);
		snprintf(f, sizeof(f), "%s.code", field);
		const feedback_attr_def *def =
		    feedback_category_attr(c, attrs[i].code);
		if (def == NULL) {
			call_violation(
			    call, f, "is not an attribute of %s", c->code);
			ok = false;
			continue;
		}
		bool repeated = false;
		for (size_t k = 0; k < i; k++) {
			repeated |= strcmp(str(attrs[k].code), def->code) == 0;
		}
		if (repeated) {
			call_violation(call, f, "is repeated");
			ok = false;
			continue;
		}
		ok &= check_values(call, field, def, &attrs[i]);
	}
	for (size_t d = 0; d < c->nattrs; d++) {
		if (!c->attrs[d].required) {
			continue;
		}
		bool given = false;
		for (size_t i = 0; i < n && !given; i++) {
			given =
			    strcmp(str(attrs[i].code), c->attrs[d].code) == 0;
		}
		if (!given) {
			call_violation(call, "attributes",
			    "the required attribute %s is missing",
			    c->attrs[d].code);
			ok = false;
		}
	}
	return ok;
}
