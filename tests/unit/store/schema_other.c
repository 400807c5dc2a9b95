/*
 * schema_other.c - a helper program for store_test's schema check:
 * built from the store's sources with STORE_SCHEMA_VERSION 99, it makes
 * (or opens) the environment in argv[1], which this build's store must
 * then refuse. Exit 0 when the open worked.
 */
#include <stdio.h>

#include "hues/status.h"
#include "store/store.h"

int
main(int argc, char **argv)
{
	store     *st;
	char       err[256];
	store_opts so = { .dir = argc > 1 ? argv[1] : NULL };

	if (argc != 2) {
		fprintf(stderr, "usage: schema_other DIR\n");
		return 2;
	}
	if (store_open(&so, &st, err, sizeof(err)) != HUES_OK) {
		fprintf(stderr, "schema_other: %s\n", err);
		return 1;
	}
	store_close(st);
	return 0;
}
