/*
 * stale_reader.c - a helper program for store_test: opens the store in
 * argv[1], begins a read and exits without ending it (as a process killed
 * with -9 would), so its reader slot is left behind for a store that has
 * the same environment open to clear. Exit 0 when the read was begun.
 */
#include <stdio.h>
#include <unistd.h>

#include "hues/status.h"
#include "store/store.h"

int
main(int argc, char **argv)
{
	store        *st;
	store_reader *r;
	store_txn    *txn;
	char          err[256];
	store_opts    so = { .dir = argc > 1 ? argv[1] : NULL };

	if (argc != 2) {
		fprintf(stderr, "usage: stale_reader DIR\n");
		return 2;
	}
	if (store_open(&so, &st, err, sizeof(err)) != HUES_OK) {
		fprintf(stderr, "stale_reader: %s\n", err);
		return 1;
	}
	if (store_reader_create(st, &r) != HUES_OK ||
	    store_read_begin(r, &txn) != HUES_OK) {
		return 1;
	}
	_exit(0);
}
