/*
 * keys.c - key sets: key specs, reading key files, and checking each key
 * once, at load time, so that a misconfigured key stops the server (or a
 * reload) with a clear line instead of failing every call later. Errors
 * name the kid and the file, never a key's bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/internal.h"
#include "hues/status.h"

/* RSA keys shorter than this are refused (NIST SP 800-131A). */
#define MIN_RSA_BITS 2048
#define MAX_KID      128

const char *
auth_alg_name(auth_alg alg)
{
	switch (alg) {
	case AUTH_ALG_HS256: return "HS256";
	case AUTH_ALG_RS256: return "RS256";
	case AUTH_ALG_ES256: return "ES256";
	}
	return NULL;
}

auth_alg
auth_alg_parse(const char *name)
{
	if (strcmp(name, "HS256") == 0) {
		return AUTH_ALG_HS256;
	}
	if (strcmp(name, "RS256") == 0) {
		return AUTH_ALG_RS256;
	}
	if (strcmp(name, "ES256") == 0) {
		return AUTH_ALG_ES256;
	}
	return (auth_alg) 0;
}

int
auth_key_spec_parse(char *s, char *err, size_t errlen, auth_key_spec *out)
{
	char *c1 = strchr(s, ':');
	char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	char  alg[8];

	if (c1 == NULL || c2 == NULL || c1 == s || c2[1] == '\0' ||
	    (size_t) (c2 - c1 - 1) >= sizeof(alg)) {
		snprintf(err, errlen,
		    "JWT key '%.64s': expected kid:alg:path with alg HS256, "
		    "RS256 or ES256",
		    s);
		return HUES_INVALID_ARGUMENT;
	}
	memcpy(alg, c1 + 1, (size_t) (c2 - c1 - 1));
	alg[c2 - c1 - 1] = '\0';
	auth_alg a       = auth_alg_parse(alg);
	if (a == 0) {
		snprintf(err, errlen,
		    "JWT key '%.64s': unknown algorithm '%s' (expected HS256, "
		    "RS256 or ES256)",
		    s, alg);
		return HUES_INVALID_ARGUMENT;
	}
	/* Split in place: the spec's strings are s's. */
	*c1       = '\0';
	out->kid  = s;
	out->alg  = a;
	out->path = c2 + 1;
	return HUES_OK;
}

int
auth__read_file(const char *path, size_t max, char *err, size_t errlen,
    unsigned char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(
		    err, errlen, "cannot read %s: %s", path, strerror(errno));
		return HUES_INVALID_ARGUMENT;
	}
	unsigned char *b = malloc(max + 1);
	if (b == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return HUES_RESOURCE_EXHAUSTED;
	}
	size_t n      = fread(b, 1, max + 1, f);
	int    failed = ferror(f);
	fclose(f);
	if (failed || n > max) {
		free(b);
		snprintf(err, errlen,
		    failed ? "cannot read %s"
		           : "%s is larger "
		             "than %zu bytes",
		    path, max);
		return HUES_INVALID_ARGUMENT;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return HUES_OK;
}

size_t
auth__secret_len(const unsigned char *buf, size_t len)
{
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r') {
			len--;
		}
	}
	return len;
}

/* Checks that pem holds a public key fit for alg: RSA of MIN_RSA_BITS or
 * more for RS256, an EC key on P-256 for ES256. */
static int
check_public_key(const auth_key_spec *s, const unsigned char *pem, size_t len,
    char *err, size_t errlen)
{
	BIO      *bio = BIO_new_mem_buf(pem, (int) len);
	EVP_PKEY *pk =
	    bio != NULL ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	int rv = HUES_INVALID_ARGUMENT;

	BIO_free(bio);
	if (pk == NULL) {
		snprintf(err, errlen,
		    "JWT key %s: %s holds no PEM public key (-----BEGIN "
		    "PUBLIC KEY-----)",
		    s->kid, s->path);
		return HUES_INVALID_ARGUMENT;
	}
	if (s->alg == AUTH_ALG_RS256) {
		if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
			snprintf(err, errlen,
			    "JWT key %s: %s is not an RSA key", s->kid,
			    s->path);
		} else if (EVP_PKEY_get_bits(pk) < MIN_RSA_BITS) {
			snprintf(err, errlen,
			    "JWT key %s: %s is a %d-bit RSA key; at least %d "
			    "bits are needed",
			    s->kid, s->path, EVP_PKEY_get_bits(pk),
			    MIN_RSA_BITS);
		} else {
			rv = HUES_OK;
		}
	} else {
		char curve[64] = "";
		if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC ||
		    EVP_PKEY_get_utf8_string_param(
		        pk, "group", curve, sizeof(curve), NULL) != 1 ||
		    (strcmp(curve, "prime256v1") != 0 &&
		        strcmp(curve, "P-256") != 0)) {
			snprintf(err, errlen,
			    "JWT key %s: %s is not an EC key on curve P-256",
			    s->kid, s->path);
		} else {
			rv = HUES_OK;
		}
	}
	EVP_PKEY_free(pk);
	return rv;
}

/* Reads and checks one key into k. */
static int
load_key(const auth_key_spec *s, size_t min_secret, char *err, size_t errlen,
    auth_key *k)
{
	unsigned char *buf;
	size_t         len;
	int            rv;

	if (s->kid == NULL || s->kid[0] == '\0' || strlen(s->kid) > MAX_KID ||
	    auth_alg_name(s->alg) == NULL || s->path == NULL) {
		snprintf(err, errlen,
		    "JWT key '%.64s': a kid of 1 to %d characters, an "
		    "algorithm and a file are needed",
		    s->kid != NULL ? s->kid : "", MAX_KID);
		return HUES_INVALID_ARGUMENT;
	}
	if ((rv = auth__read_file(s->path, AUTH_MAX_KEY_FILE, err, errlen, &buf,
	         &len)) != HUES_OK) {
		/* Prefix the kid without losing the reader's words. */
		char why[256];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "JWT key %s: %s", s->kid, why);
		return rv;
	}
	if (s->alg == AUTH_ALG_HS256) {
		len = auth__secret_len(buf, len);
		if (len == 0 || len < min_secret) {
			snprintf(err, errlen,
			    "JWT key %s: the HS256 secret in %s is %zu bytes; "
			    "at least %zu are needed",
			    s->kid, s->path, len,
			    min_secret > 0 ? min_secret : 1);
			free(buf);
			return HUES_INVALID_ARGUMENT;
		}
	} else if ((rv = check_public_key(s, buf, len, err, errlen)) !=
	           HUES_OK) {
		free(buf);
		return rv;
	}
	if ((k->kid = strdup(s->kid)) == NULL) {
		free(buf);
		snprintf(err, errlen, "out of memory");
		return HUES_RESOURCE_EXHAUSTED;
	}
	k->alg   = s->alg;
	k->bytes = buf;
	k->len   = len;
	return HUES_OK;
}

static void
keyset_free(auth_keyset *ks)
{
	for (size_t i = 0; i < ks->nkeys; i++) {
		/* Secrets do not linger in freed memory. */
		OPENSSL_cleanse(ks->keys[i].bytes, ks->keys[i].len);
		free(ks->keys[i].bytes);
		free(ks->keys[i].kid);
	}
	free(ks->keys);
	free(ks->issuer);
	free(ks->audience);
	free(ks);
}

int
auth__keyset_build(
    const auth_opts *o, char *err, size_t errlen, auth_keyset **out)
{
	int rv = HUES_RESOURCE_EXHAUSTED;

	if (o->nkeys == 0) {
		snprintf(err, errlen, "no JWT keys configured");
		return HUES_INVALID_ARGUMENT;
	}
	auth_keyset *ks = calloc(1, sizeof(*ks));
	if (ks == NULL ||
	    (ks->keys = calloc(o->nkeys, sizeof(auth_key))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	atomic_init(&ks->refs, 1);
	ks->leeway_s = o->leeway_s;
	if ((o->issuer != NULL && (ks->issuer = strdup(o->issuer)) == NULL) ||
	    (o->audience != NULL &&
	        (ks->audience = strdup(o->audience)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < o->nkeys; i++) {
		for (size_t j = 0; j < i; j++) {
			if (o->keys[i].kid != NULL &&
			    strcmp(o->keys[i].kid, o->keys[j].kid) == 0) {
				snprintf(err, errlen,
				    "JWT key %s is configured twice",
				    o->keys[i].kid);
				rv = HUES_INVALID_ARGUMENT;
				goto fail;
			}
		}
		if ((rv = load_key(&o->keys[i], o->min_secret, err, errlen,
		         &ks->keys[i])) != HUES_OK) {
			goto fail;
		}
		ks->nkeys++;
	}
	*out = ks;
	return HUES_OK;
fail:
	if (ks != NULL) {
		keyset_free(ks);
	}
	return rv;
}

void
auth__keyset_release(auth_keyset *ks)
{
	if (ks != NULL && atomic_fetch_sub(&ks->refs, 1) == 1) {
		keyset_free(ks);
	}
}

const auth_key *
auth__keyset_find(const auth_keyset *ks, const char *kid)
{
	if (kid == NULL) {
		return ks->nkeys == 1 ? &ks->keys[0] : NULL;
	}
	for (size_t i = 0; i < ks->nkeys; i++) {
		if (strcmp(ks->keys[i].kid, kid) == 0) {
			return &ks->keys[i];
		}
	}
	return NULL;
}
