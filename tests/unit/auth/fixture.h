/*
 * fixture.h - what the auth tests share: a temp dir with key material made
 * at run time (never committed), a fake clock, and minting shortcuts.
 */
#ifndef HUES_TESTS_UNIT_AUTH_FIXTURE_H
#define HUES_TESTS_UNIT_AUTH_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "auth/mint.h"

/* Far from the real time, so that nothing depends on the real clock. */
#define FIXTURE_NOW ((int64_t) 2000000000)

typedef struct fixture {
	char    dir[64];
	char    hs[96], hs2[96];        /* HS256 secrets, 40 bytes */
	char    rsa[96], rsa_pub[96];   /* RSA 2048 private / public */
	char    rsa2[96], rsa2_pub[96]; /* a second RSA key */
	char    ec[96], ec_pub[96];     /* P-256 private / public */
	char    rsa1024_pub[96];        /* too short to accept */
	int64_t now;                    /* what fixture_clock returns */
} fixture;

/* Makes the temp dir and every key in it (with the openssl CLI). */
void fixture_init(fixture *f);

/* Removes the temp dir. */
void fixture_fini(fixture *f);

/* An auth_clock_fn reading fixture->now. */
int64_t fixture_clock(void *fixture);

/* Writes text to dir/name and returns the path in buf. */
const char *fixture_write(fixture *f, const char *name, const void *text,
    size_t len, char *buf, size_t buflen);

/* Mint options for a citizen "alice" with key path and alg, issued at
 * f->now, valid for an hour. */
auth_mint_opts fixture_mint_opts(
    const fixture *f, auth_alg alg, const char *key_path, const char *kid);

/* Mints with o; fails the test if minting fails. free() the result. */
char *fixture_mint(const auth_mint_opts *o);

#endif /* HUES_TESTS_UNIT_AUTH_FIXTURE_H */
