/*
 * fixture.c - key material for the auth tests, made at run time with the
 * openssl CLI in a fresh temp dir, and minting shortcuts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "hues/status.h"

static void
run(const char *fmt, ...)
{
	char    cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fail_msg("command failed: %s", cmd);
	}
}

static void
path(fixture *f, char *buf, const char *name)
{
	snprintf(buf, 96, "%s/%s", f->dir, name);
}

/* A private key of genpkey's opts at priv and its public half at pub. */
static void
keypair(const char *opts, const char *priv, const char *pub)
{
	run("openssl genpkey %s -out %s 2>/dev/null", opts, priv);
	if (pub != NULL) {
		run("openssl pkey -in %s -pubout -out %s", priv, pub);
	}
}

void
fixture_init(fixture *f)
{
	char buf[96];

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/hues-auth-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->now = FIXTURE_NOW;
	fixture_write(f, "hs", "0123456789abcdef0123456789abcdef-hs-1\n", 38,
	    f->hs, sizeof(f->hs));
	fixture_write(f, "hs2", "0123456789abcdef0123456789abcdef-hs-2\n", 38,
	    f->hs2, sizeof(f->hs2));
	path(f, f->rsa, "rsa.pem");
	path(f, f->rsa_pub, "rsa.pub");
	path(f, f->rsa2, "rsa2.pem");
	path(f, f->rsa2_pub, "rsa2.pub");
	path(f, f->ec, "ec.pem");
	path(f, f->ec_pub, "ec.pub");
	path(f, f->rsa1024_pub, "rsa1024.pub");
	path(f, buf, "rsa1024.pem");
	keypair(
	    "-algorithm RSA -pkeyopt rsa_keygen_bits:2048", f->rsa, f->rsa_pub);
	keypair("-algorithm RSA -pkeyopt rsa_keygen_bits:2048", f->rsa2,
	    f->rsa2_pub);
	keypair(
	    "-algorithm EC -pkeyopt ec_paramgen_curve:P-256", f->ec, f->ec_pub);
	keypair("-algorithm RSA -pkeyopt rsa_keygen_bits:1024", buf,
	    f->rsa1024_pub);
}

void
fixture_fini(fixture *f)
{
	if (f->dir[0] != '\0') {
		run("rm -rf %s", f->dir);
	}
}

int64_t
fixture_clock(void *arg)
{
	return ((fixture *) arg)->now;
}

const char *
fixture_write(fixture *f, const char *name, const void *text, size_t len,
    char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s/%s", f->dir, name);
	FILE *fp = fopen(buf, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

auth_mint_opts
fixture_mint_opts(
    const fixture *f, auth_alg alg, const char *key_path, const char *kid)
{
	return (auth_mint_opts) {
		.alg      = alg,
		.key_path = key_path,
		.kid      = kid,
		.sub      = "alice",
		.role     = "citizen",
		.now      = f->now,
		.ttl_s    = 3600,
	};
}

char *
fixture_mint(const auth_mint_opts *o)
{
	char  err[256] = "";
	char *tok      = NULL;
	if (auth_mint(o, err, sizeof(err), &tok) != HUES_OK) {
		fail_msg("auth_mint: %s", err);
	}
	return tok;
}
