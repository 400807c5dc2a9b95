/*
 * secret.c - the HS256 secret of the zero-configuration default, made on
 * first start in the data dir and reused afterwards. It is written to a
 * temporary name and linked into place, so a crash or a second server
 * starting at the same moment never leaves half a secret behind; and an
 * existing file that others could read is refused, not silently used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "auth/internal.h"
#include "hues/status.h"

#define SECRET_BYTES 32
#define SECRET_HEX   (2 * SECRET_BYTES)

/* Checks that path is a regular file of ours that only we can read, with
 * a secret of the length we write. */
static int
check_existing(
    const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		return HUES_FAILED_PRECONDITION;
	}
	if ((st->st_mode & 077) != 0 || st->st_uid != geteuid()) {
		snprintf(err, errlen,
		    "%s is readable by others (mode %03o); chmod 600 it or "
		    "remove it to make a new secret",
		    path, (unsigned) (st->st_mode & 0777));
		return HUES_FAILED_PRECONDITION;
	}
	if (st->st_size != SECRET_HEX + 1) {
		snprintf(err, errlen,
		    "%s is not a secret this server made (expected %d hex "
		    "digits and a newline); remove it to make a new one",
		    path, SECRET_HEX);
		return HUES_FAILED_PRECONDITION;
	}
	return HUES_OK;
}

/* Writes a fresh secret to tmp (created exclusively, mode 0600). */
static int
write_secret(const char *tmp, char *err, size_t errlen)
{
	unsigned char raw[SECRET_BYTES];
	char          hex[SECRET_HEX + 2];
	size_t        got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0 && errno != EINTR) {
			snprintf(err, errlen, "getrandom: %s", strerror(errno));
			return HUES_INTERNAL;
		}
		got += n > 0 ? (size_t) n : 0;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	}
	hex[SECRET_HEX]     = '\n';
	hex[SECRET_HEX + 1] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));

	int fd = open(
	    tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(
		    err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		OPENSSL_cleanse(hex, sizeof(hex));
		return HUES_INTERNAL;
	}
	/* The umask may only remove bits; fchmod states the mode anyway. */
	int ok = fchmod(fd, 0600) == 0 &&
	         write(fd, hex, SECRET_HEX + 1) == SECRET_HEX + 1 &&
	         fsync(fd) == 0;
	int saved = errno;
	OPENSSL_cleanse(hex, sizeof(hex));
	if (close(fd) != 0 || !ok) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		    strerror(ok ? errno : saved));
		unlink(tmp);
		return HUES_INTERNAL;
	}
	return HUES_OK;
}

int
auth_secret_ensure(
    const char *dir, const char *name, char *err, size_t errlen, int *created)
{
	char        path[4096], tmp[4096];
	struct stat st;
	int         rv;

	if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	        sizeof(path) ||
	    (size_t) snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", dir, name,
	        (long) getpid()) >= sizeof(tmp)) {
		snprintf(
		    err, errlen, "path of the secret in %s is too long", dir);
		return HUES_INTERNAL;
	}
	if (lstat(path, &st) == 0) {
		if ((rv = check_existing(path, &st, err, errlen)) == HUES_OK) {
			*created = 0;
		}
		return rv;
	}
	if (errno != ENOENT) {
		snprintf(
		    err, errlen, "cannot stat %s: %s", path, strerror(errno));
		return HUES_INTERNAL;
	}
	unlink(tmp); /* left over by a crash of a process with our pid */
	if ((rv = write_secret(tmp, err, errlen)) != HUES_OK) {
		return rv;
	}
	/* link() fails if another server got there first: then its secret
	 * is the one, and ours goes. */
	int linked = link(tmp, path) == 0;
	int saved  = errno;
	unlink(tmp);
	if (!linked && saved != EEXIST) {
		snprintf(
		    err, errlen, "cannot create %s: %s", path, strerror(saved));
		return HUES_INTERNAL;
	}
	if (lstat(path, &st) != 0) {
		snprintf(
		    err, errlen, "cannot stat %s: %s", path, strerror(errno));
		return HUES_INTERNAL;
	}
	if ((rv = check_existing(path, &st, err, errlen)) != HUES_OK) {
		return rv;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd); /* the new name survives a crash too */
		close(dfd);
	}
	*created = linked;
	return HUES_OK;
}
