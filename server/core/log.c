/*
 * log.c - the line logger. The level and fd are atomics so that a reload
 * may change them while workers log.
 */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_min = LOG_INFO;
static atomic_int log_fd  = 2;

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void
log_set_level(log_level level)
{
	atomic_store(&log_min, (int) level);
}

void
log_set_fd(int fd)
{
	atomic_store(&log_fd, fd);
}

bool
log_enabled(log_level level)
{
	return (int) level >= atomic_load_explicit(&log_min, memory_order_relaxed);
}

int
log_level_parse(const char *s, log_level *out)
{
	static const char *const names[] = {
	    "debug", "info", "warn", "error", "off"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (log_level) i;
			return 0;
		}
	}
	return -1;
}

void
log_emit(log_level level, const char *rid, const char *fmt, ...)
{
	char            line[4096];
	struct timespec ts;
	struct tm       tm;

	if (level < LOG_DEBUG || level > LOG_ERROR) {
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s rid=%s ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, level_names[level],
	    rid != NULL && rid[0] != '\0' ? rid : "-");
	if (n < 0 || (size_t) n >= sizeof(line)) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t) n - 1, fmt, ap);
	va_end(ap);
	size_t len;
	if (m < 0) {
		len = (size_t) n;
	} else if ((size_t) m >= sizeof(line) - (size_t) n - 1) {
		len = sizeof(line) - 1;
		memcpy(line + len - 3, "...", 3);
	} else {
		len = (size_t) (n + m);
	}
	/* A message must never split the line: newlines in it become spaces. */
	for (size_t i = (size_t) n; i < len; i++) {
		if (line[i] == '\n' || line[i] == '\r') {
			line[i] = ' ';
		}
	}
	line[len++] = '\n';
	ssize_t w = write(atomic_load(&log_fd), line, len);
	(void) w; /* Nothing sensible to do when stderr is gone. */
}
