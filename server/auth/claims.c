/*
 * claims.c - the checks libjwt 1.10.2 never makes (exp, nbf, iss, aud) and
 * the claims of a principal. It runs only on payloads whose signature
 * verified, so its messages may say which claim is wrong; they never quote
 * a claim's value.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "auth/internal.h"
#include "hues/status.h"

/* Claim strings longer than this are refused: ids and names are short,
 * and every call copies them. */
#define MAX_CLAIM 256

#define FAIL(r, w)                           \
	do {                                 \
		*reason = (r);               \
		*why    = (w);               \
		return HUES_UNAUTHENTICATED; \
	} while (0)

char *
auth__strdup(arena *a, const char *s)
{
	char *d = arena_strdup(a, s);
	if (d == NULL) {
		abort();
	}
	return d;
}

/* Reads a NumericDate (RFC 7519: seconds, possibly fractional). Returns 1
 * when present and valid, 0 when absent, -1 when not a number. */
static int
numeric_date(const json_t *payload, const char *claim, int64_t *out)
{
	const json_t *v = json_object_get(payload, claim);
	if (v == NULL) {
		return 0;
	}
	if (!json_is_number(v)) {
		return -1;
	}
	double d = json_number_value(v);
	/* Beyond +-2^53 s is not a date; it would also overflow int64. */
	if (!isfinite(d) || d > 9007199254740992.0 || d < -9007199254740992.0) {
		return -1;
	}
	*out = (int64_t) floor(d);
	return 1;
}

static bool
audience_matches(const json_t *aud, const char *want)
{
	if (json_is_string(aud)) {
		return strcmp(json_string_value(aud), want) == 0;
	}
	if (json_is_array(aud)) {
		size_t        i;
		const json_t *v;
		json_array_foreach(aud, i, v)
		{
			if (json_is_string(v) &&
			    strcmp(json_string_value(v), want) == 0) {
				return true;
			}
		}
	}
	return false;
}

static int
check_time_and_audience(const json_t *payload, const auth_keyset *ks,
    int64_t now, int64_t *exp, const char **why, const char **reason)
{
	int64_t nbf;
	int     rv = numeric_date(payload, "exp", exp);

	if (rv <= 0) {
		FAIL("BAD_CLAIMS", "token has no numeric exp claim");
	}
	/* The leeway forgives clock skew between the issuer and us, in
	 * both directions. */
	if (now >= *exp + ks->leeway_s) {
		FAIL("TOKEN_EXPIRED", "token has expired");
	}
	rv = numeric_date(payload, "nbf", &nbf);
	if (rv < 0) {
		FAIL("BAD_CLAIMS", "token's nbf claim is not a number");
	}
	if (rv > 0 && now + ks->leeway_s < nbf) {
		FAIL("TOKEN_NOT_YET_VALID", "token is not valid yet (nbf)");
	}
	if (ks->issuer != NULL) {
		const json_t *iss = json_object_get(payload, "iss");
		if (!json_is_string(iss) ||
		    strcmp(json_string_value(iss), ks->issuer) != 0) {
			FAIL("WRONG_ISSUER", "token comes from another issuer");
		}
	}
	if (ks->audience != NULL &&
	    !audience_matches(json_object_get(payload, "aud"), ks->audience)) {
		FAIL("WRONG_AUDIENCE", "token is meant for another audience");
	}
	return HUES_OK;
}

/* Reads an optional string claim: 1 when present and fit, 0 when absent,
 * -1 when not a string, empty, too long, or holding control characters
 * (they would corrupt logs and the keys built from ids). */
static int
string_claim(const json_t *payload, const char *claim, const char **out)
{
	const json_t *v = json_object_get(payload, claim);
	if (v == NULL || json_is_null(v)) {
		return 0;
	}
	if (!json_is_string(v)) {
		return -1;
	}
	const char *s = json_string_value(v);
	size_t      n = json_string_length(v);
	if (n == 0 || n > MAX_CLAIM || strlen(s) != n) {
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) s[i];
		if (c < 0x20 || c == 0x7f) {
			return -1;
		}
	}
	*out = s;
	return 1;
}

static const struct {
	const char *name;
	auth_role   role;
} roles[] = {
	{ "citizen", AUTH_ROLE_CITIZEN },
	{ "officer", AUTH_ROLE_OFFICER },
	{ "coordinator", AUTH_ROLE_COORDINATOR },
	{ "admin", AUTH_ROLE_ADMIN },
	{ "service", AUTH_ROLE_SERVICE },
};

int
auth__claims_check(const json_t *payload, const auth_keyset *ks, int64_t now,
    arena *a, auth_principal *p, const char **why, const char **reason)
{
	const char *sub = NULL, *role = NULL, *agency = NULL, *ward = NULL,
	           *name = NULL, *obo = NULL;
	auth_principal r;
	int            rv;

	memset(&r, 0, sizeof(r));
	if ((rv = check_time_and_audience(
	         payload, ks, now, &r.expires, why, reason)) != HUES_OK) {
		return rv;
	}
	if (string_claim(payload, "sub", &sub) <= 0) {
		FAIL("BAD_CLAIMS", "token has no usable sub claim");
	}
	if (string_claim(payload, "role", &role) <= 0) {
		FAIL("BAD_CLAIMS", "token has no usable role claim");
	}
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(role, roles[i].name) == 0) {
			r.role = roles[i].role;
		}
	}
	if (r.role == 0) {
		FAIL("BAD_CLAIMS", "token's role is not citizen, officer, "
		                   "coordinator, admin or service");
	}
	if (string_claim(payload, "agency", &agency) < 0 ||
	    string_claim(payload, "ward", &ward) < 0 ||
	    string_claim(payload, "name", &name) < 0 ||
	    string_claim(payload, "obo", &obo) < 0) {
		FAIL("BAD_CLAIMS",
		    "token's agency, ward, name or obo claim is not a short "
		    "printable string");
	}
	if (r.role == AUTH_ROLE_OFFICER && agency == NULL) {
		FAIL("BAD_CLAIMS", "officer tokens need an agency claim");
	}
	/* Only a gateway acts for someone else; anyone else claiming to
	 * would be a confused deputy waiting to happen. */
	if (obo != NULL && r.role != AUTH_ROLE_SERVICE) {
		FAIL(
		    "BAD_CLAIMS", "only service tokens may carry an obo claim");
	}
	r.subject      = auth__strdup(a, sub);
	r.agency       = agency != NULL ? auth__strdup(a, agency) : NULL;
	r.ward         = ward != NULL ? auth__strdup(a, ward) : NULL;
	r.name         = name != NULL ? auth__strdup(a, name) : NULL;
	r.on_behalf_of = obo != NULL ? auth__strdup(a, obo) : NULL;
	*p             = r;
	return HUES_OK;
}
