/*
 * config.h - the server's settings, from four layers: built-in defaults, an
 * optional config file, HUES_* environment variables, and command-line
 * flags, each overriding the one before. One table describes every option,
 * so the flag --data-dir, the variable HUES_DATA_DIR and the file key
 * data_dir always mean the same thing.
 */
#ifndef HUES_CONFIG_CONFIG_H
#define HUES_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/log.h"

#define CONFIG_MAX_LISTEN 8
#define CONFIG_MAX_JWT_KEYS 16

typedef struct hues_config {
	char     *config_file;
	char     *listen[CONFIG_MAX_LISTEN];
	size_t    nlisten;
	char     *data_dir;
	unsigned  workers;
	size_t    queue_depth;
	size_t    max_request_bytes;
	unsigned  grace_ms;
	log_level log_level;
	char     *tls_cert;
	char     *tls_key;
	bool      debug_methods;
	size_t    map_size;
	bool      huge_pages;
	unsigned  scan_budget; /* PublicFeed, WorkQueue: entries a call reads */
	/* "kid:alg:path" each; none means the zero-configuration secret. */
	char     *jwt_keys[CONFIG_MAX_JWT_KEYS];
	size_t    njwt_keys;
	char     *jwt_issuer;   /* NULL: "iss" is not checked */
	char     *jwt_audience; /* NULL: "aud" is not checked */
	unsigned  jwt_leeway_s;
	bool      production; /* refuse weak settings instead of warning */
	unsigned  write_rate_per_hour; /* abuse limit per caller; 0: none */
	unsigned  write_burst;
	char     *holidays;         /* feedback SLA: NULL = demo list */
	unsigned  rating_window_s;  /* resolved reports may be rated this long */
	unsigned  sweep_ms;         /* how often expired ratings are closed */
} hues_config;

enum {
	CONFIG_OK   = 0,
	CONFIG_EXIT = 1,  /* --help or --version was printed: exit 0 */
	CONFIG_ERROR = 2, /* err holds one line: exit non-zero */
};

/*
 * Fills cfg from defaults, the config file (--config, or HUES_CONFIG),
 * environment (envp, NULL-terminated "NAME=value" strings) and argv.
 * Returns CONFIG_OK, CONFIG_EXIT after printing help or version to out, or
 * CONFIG_ERROR with one line in err such as "invalid value for --workers:
 * 'many' (expected an integer from 1 to 1024)". cfg must be released with
 * config_free() whatever the result.
 */
int config_load(hues_config *cfg, int argc, char *const *argv,
    char *const *envp, FILE *out, char *err, size_t errlen);

/* Frees the strings of cfg. */
void config_free(hues_config *cfg);

/* Prints the option table (flag, variable, default, meaning). */
void config_usage(FILE *out);

#endif /* HUES_CONFIG_CONFIG_H */
