/*
 * mint.c - signing tokens with libjwt, for hues-token and the tests.
 * libjwt signs what it is given without judgement, which is what a test
 * that forges tokens needs; the claims are built with jansson so that
 * "aud" can be an array and extra claims can be of any type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <openssl/crypto.h>

#include "auth/internal.h"
#include "auth/mint.h"
#include "hues/status.h"

/* The claims of o as a JSON object; NULL when extra_json is bad. */
static json_t *
claims(const auth_mint_opts *o, int64_t now)
{
	json_t *c = json_object();
	struct {
		const char *name, *value;
	} strs[] = { { "sub", o->sub }, { "role", o->role },
		{ "agency", o->agency }, { "ward", o->ward },
		{ "name", o->name }, { "obo", o->obo }, { "iss", o->iss } };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strs[i].value != NULL) {
			json_object_set_new(
			    c, strs[i].name, json_string(strs[i].value));
		}
	}
	if (o->naud == 1) {
		json_object_set_new(c, "aud", json_string(o->aud[0]));
	} else if (o->naud > 1) {
		json_t *a = json_array();
		for (size_t i = 0; i < o->naud; i++) {
			json_array_append_new(a, json_string(o->aud[i]));
		}
		json_object_set_new(c, "aud", a);
	}
	json_object_set_new(c, "iat", json_integer(now));
	json_object_set_new(c, "exp", json_integer(now + o->ttl_s));
	if (o->nbf) {
		json_object_set_new(
		    c, "nbf", json_integer(now + o->nbf_offset_s));
	}
	if (o->extra_json != NULL) {
		json_t *x = json_loads(o->extra_json, 0, NULL);
		if (!json_is_object(x) || json_object_update(c, x) != 0) {
			json_decref(x);
			json_decref(c);
			return NULL;
		}
		json_decref(x);
	}
	return c;
}

static int
sign(const auth_mint_opts *o, const unsigned char *key, size_t len, json_t *c,
    char *err, size_t errlen, char **token)
{
	static const jwt_alg_t algs[] = {
		[AUTH_ALG_HS256] = JWT_ALG_HS256,
		[AUTH_ALG_RS256] = JWT_ALG_RS256,
		[AUTH_ALG_ES256] = JWT_ALG_ES256,
	};
	jwt_t *jwt  = NULL;
	char  *json = json_dumps(c, JSON_COMPACT);
	char  *s    = NULL;

	if (json == NULL || jwt_new(&jwt) != 0) {
		free(json);
		snprintf(err, errlen, "out of memory");
		return HUES_RESOURCE_EXHAUSTED;
	}
	if (jwt_add_grants_json(jwt, json) != 0 ||
	    (o->kid != NULL && jwt_add_header(jwt, "kid", o->kid) != 0) ||
	    jwt_set_alg(jwt, algs[o->alg], key, (int) len) != 0 ||
	    (s = jwt_encode_str(jwt)) == NULL) {
		snprintf(err, errlen,
		    "cannot sign a %s token with this key (a PEM private key "
		    "is needed for RS256 and ES256)",
		    auth_alg_name(o->alg));
		free(json);
		jwt_free(jwt);
		return HUES_INVALID_ARGUMENT;
	}
	free(json);
	jwt_free(jwt);
	*token = s;
	return HUES_OK;
}

int
auth_mint(const auth_mint_opts *o, char *err, size_t errlen, char **token)
{
	unsigned char *buf = NULL;
	size_t         len = o->key_len;
	int64_t        now = o->now != 0 ? o->now : (int64_t) time(NULL);
	int            rv;

	if (auth_alg_name(o->alg) == NULL) {
		snprintf(err, errlen, "no algorithm given");
		return HUES_INVALID_ARGUMENT;
	}
	if (o->key == NULL) {
		if (o->key_path == NULL) {
			snprintf(err, errlen, "no key given");
			return HUES_INVALID_ARGUMENT;
		}
		if ((rv = auth__read_file(o->key_path, AUTH_MAX_KEY_FILE, err,
		         errlen, &buf, &len)) != HUES_OK) {
			return rv;
		}
		if (o->alg == AUTH_ALG_HS256) {
			len = auth__secret_len(buf, len);
		}
	}
	json_t *c = claims(o, now);
	if (c == NULL) {
		snprintf(err, errlen, "extra claims are not a JSON object");
		rv = HUES_INVALID_ARGUMENT;
	} else {
		rv = sign(o, o->key != NULL ? o->key : buf, len, c, err, errlen,
		    token);
		json_decref(c);
	}
	if (buf != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	return rv;
}
