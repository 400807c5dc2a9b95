/*
 * log.h - one line per event on stderr: time, level, request id, message.
 *
 *   2026-11-23T10:15:02.317Z INFO  rid=- listening on tcp://127.0.0.1:7483
 *
 * Lines are written with a single write(2), so lines from different threads
 * never interleave. Never log tokens, metadata values or reporter
 * identities: callers pass only what is safe to keep.
 */
#ifndef HUES_CORE_LOG_H
#define HUES_CORE_LOG_H

#include <stdbool.h>

typedef enum {
	LOG_DEBUG = 0,
	LOG_INFO  = 1,
	LOG_WARN  = 2,
	LOG_ERROR = 3,
	LOG_OFF   = 4,
} log_level;

/* Sets the lowest level that is written; the default is LOG_INFO. */
void log_set_level(log_level level);

/* Writes to fd instead of stderr (tests use this); returns nothing. */
void log_set_fd(int fd);

/* True when a line at this level would be written. */
bool log_enabled(log_level level);

/* Parses "debug", "info", "warn", "error" or "off"; returns 0 or -1. */
int log_level_parse(const char *s, log_level *out);

/*
 * Formats and writes one line. rid is the request id of the call the event
 * belongs to, or NULL for events outside any call. A line longer than the
 * internal buffer (4 KiB) is cut and ends with "...".
 */
void log_emit(log_level level, const char *rid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_AT(lvl, rid, ...)                                                 \
	do {                                                                  \
		if (log_enabled(lvl))                                         \
			log_emit(lvl, rid, __VA_ARGS__);                      \
	} while (0)
#define LOG_DEBUG(rid, ...) LOG_AT(LOG_DEBUG, rid, __VA_ARGS__)
#define LOG_INFO(rid, ...) LOG_AT(LOG_INFO, rid, __VA_ARGS__)
#define LOG_WARN(rid, ...) LOG_AT(LOG_WARN, rid, __VA_ARGS__)
#define LOG_ERROR(rid, ...) LOG_AT(LOG_ERROR, rid, __VA_ARGS__)

#endif /* HUES_CORE_LOG_H */
