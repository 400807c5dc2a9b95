/*
 * config.c - the option table and its four sources.
 */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef HUES_VERSION
#define HUES_VERSION "0.0.0"
#endif

typedef enum { T_STR, T_LIST, T_UINT, T_SIZE, T_BOOL, T_LEVEL } opt_type;

/* What a list option has in addition: where its count is, what an item
 * is called, a syntax check of one item (NULL: any text) and a second,
 * singular flag name for repeating it (NULL: none). */
typedef struct list_def {
	size_t      count;
	const char *item;
	bool (*check)(const char *item);
	const char *alias;
} list_def;

typedef struct option_def {
	const char *name; /* file key; the flag is --name with '-' for '_' */
	opt_type    type;
	size_t      offset;
	const char *def; /* default, parsed like any other value; NULL: none */
	uint64_t    min, max; /* T_LIST: how many items */
	const char *help;
	const struct list_def *list; /* T_LIST only */
} option_def;

#define OFF(f) offsetof(hues_config, f)

static bool check_jwt_key(const char *item);

static const list_def listen_list = {OFF(nlisten), "URL", NULL, NULL};
static const list_def jwt_keys_list = {
    OFF(njwt_keys), "key", check_jwt_key, "jwt_key"};

static const option_def options[] = {
    {"config", T_STR, OFF(config_file), NULL, 0, 0,
        "config file of 'key = value' lines", NULL},
    {"listen", T_LIST, OFF(listen), "tcp://127.0.0.1:7483", 1,
        CONFIG_MAX_LISTEN,
        "URLs to listen on, comma-separated: tcp://, ipc://, tls+tcp://",
        &listen_list},
    {"data_dir", T_STR, OFF(data_dir), "./hues-data", 0, 0,
        "directory of the LMDB store (created if missing)", NULL},
    {"workers", T_UINT, OFF(workers), "0", 0, 1024,
        "worker threads; 0 means one per CPU", NULL},
    {"queue_depth", T_SIZE, OFF(queue_depth), "256", 0, 1u << 20,
        "calls that may wait for a worker before UNAVAILABLE", NULL},
    {"max_request_bytes", T_SIZE, OFF(max_request_bytes), "4MiB", 1024,
        (uint64_t) 1 << 30, "largest request message accepted", NULL},
    {"grace_ms", T_UINT, OFF(grace_ms), "10000", 0, 3600000,
        "time calls in flight get to finish on shutdown", NULL},
    {"log_level", T_LEVEL, OFF(log_level), "info", 0, 0,
        "debug, info, warn, error or off", NULL},
    {"tls_cert", T_STR, OFF(tls_cert), NULL, 0, 0,
        "PEM certificate (chain) for tls+tcp:// listeners", NULL},
    {"tls_key", T_STR, OFF(tls_key), NULL, 0, 0,
        "PEM private key for tls+tcp:// listeners", NULL},
    {"debug_methods", T_BOOL, OFF(debug_methods), "false", 0, 0,
        "serve Debug/Sleep, Bump and Fail (tests only)", NULL},
    {"map_size", T_SIZE, OFF(map_size), "16GiB", (uint64_t) 1 << 20,
        (uint64_t) 1 << 44, "bytes of address space reserved for the store",
        NULL},
    {"huge_pages", T_BOOL, OFF(huge_pages), "true", 0, 0,
        "map a store that fits in half the memory in 2 MiB pages where the "
        "kernel can: faster reads, slower random writes",
        NULL},
    {"jwt_keys", T_LIST, OFF(jwt_keys), NULL, 0, CONFIG_MAX_JWT_KEYS,
        "JWT keys, kid:alg:path, comma-separated (or repeat --jwt-key); "
        "none: a secret in the data dir",
        &jwt_keys_list},
    {"jwt_issuer", T_STR, OFF(jwt_issuer), NULL, 0, 0,
        "the iss tokens must carry (unset: not checked)", NULL},
    {"jwt_audience", T_STR, OFF(jwt_audience), NULL, 0, 0,
        "the audience tokens must name in aud (unset: not checked)", NULL},
    {"jwt_leeway_s", T_UINT, OFF(jwt_leeway_s), "60", 0, 3600,
        "seconds of clock skew forgiven on exp and nbf", NULL},
    {"write_rate_per_hour", T_UINT, OFF(write_rate_per_hour), "600", 0,
        1000000000u, "write calls an hour per caller (token bucket); 0: no limit",
        NULL},
    {"write_burst", T_UINT, OFF(write_burst), "60", 1, 1000000,
        "write calls a caller may make at once before the hourly rate applies",
        NULL},
    {"holidays", T_STR, OFF(holidays), NULL, 0, 0,
        "public holidays for resolve-by deadlines, YYYY-MM-DD separated by "
        "commas (unset: the demo list of 2025-2026)",
        NULL},
    {"rating_window_s", T_UINT, OFF(rating_window_s), "604800", 0,
        31536000, "seconds a resolved report may be rated; dissatisfied "
        "within it reopens", NULL},
    {"scan_budget", T_UINT, OFF(scan_budget), "50000", 1,
        100000000, "index entries one PublicFeed or WorkQueue call reads at "
        "most before it answers with what it found and a page token to go on",
        NULL},
    {"sweep_ms", T_UINT, OFF(sweep_ms), "60000", 10, 86400000,
        "how often resolved reports past their rating window are closed",
        NULL},
    {"production", T_BOOL, OFF(production), "false", 0, 0,
        "refuse weak settings (HS256 secrets under 32 bytes)", NULL},
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* Where a value came from, for error messages. */
typedef struct source {
	const char *kind; /* "--", "HUES_", "file" */
	const char *file;
	int         line;
} source;

static void
describe(const option_def *o, const source *src, char *buf, size_t len)
{
	if (strcmp(src->kind, "--") == 0) {
		snprintf(buf, len, "--");
		for (size_t i = 0; o->name[i] && i + 3 < len; i++) {
			buf[i + 2]     = o->name[i] == '_' ? '-' : o->name[i];
			buf[i + 3] = '\0';
		}
	} else if (strcmp(src->kind, "HUES_") == 0) {
		snprintf(buf, len, "HUES_");
		for (size_t i = 0; o->name[i] && i + 6 < len; i++) {
			buf[i + 5] = (char) toupper((unsigned char) o->name[i]);
			buf[i + 6] = '\0';
		}
	} else if (strcmp(src->kind, "default") == 0) {
		snprintf(buf, len, "the default of %s", o->name);
	} else {
		snprintf(buf, len, "%s in %s line %d", o->name, src->file,
		    src->line);
	}
}

/* Parses "4MiB", "512k", "1G", "100" into bytes. */
static int
parse_size(const char *s, uint64_t *out)
{
	char    *end;
	errno          = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || s[0] == '-') {
		return -1;
	}
	uint64_t mult = 1;
	if (*end != '\0') {
		switch (tolower((unsigned char) *end)) {
		case 'k': mult = 1u << 10; break;
		case 'm': mult = 1u << 20; break;
		case 'g': mult = 1u << 30; break;
		case 't': mult = (uint64_t) 1 << 40; break;
		default: return -1;
		}
		end++;
		if (strcasecmp(end, "ib") != 0 && strcasecmp(end, "b") != 0 &&
		    *end != '\0') {
			return -1;
		}
	}
	if (v > UINT64_MAX / mult) {
		return -1;
	}
	*out = v * mult;
	return 0;
}

/* The form of a JWT key; the files themselves are read by server/auth. */
static bool
check_jwt_key(const char *item)
{
	const char *c1 = strchr(item, ':');
	if (c1 == NULL || c1 == item) {
		return false;
	}
	return (strncmp(c1 + 1, "HS256:", 6) == 0 ||
	           strncmp(c1 + 1, "RS256:", 6) == 0 ||
	           strncmp(c1 + 1, "ES256:", 6) == 0) &&
	    c1[7] != '\0';
}

static void
free_list(hues_config *cfg, const option_def *o)
{
	char  **items = (char **) ((char *) cfg + o->offset);
	size_t *n     = (size_t *) ((char *) cfg + o->list->count);
	for (size_t i = 0; i < *n; i++) {
		free(items[i]);
		items[i] = NULL;
	}
	*n = 0;
}

/* Sets one option from its text; returns 0 or -1 with err filled. A list
 * is replaced, or with append extended (a repeated flag). */
static int
set_value(hues_config *cfg, const option_def *o, const char *val,
    const source *src, bool append, char *err, size_t errlen)
{
	char    *field = (char *) cfg + o->offset;
	char     where[96];
	uint64_t v;

	switch (o->type) {
	case T_STR: {
		char **p = (char **) field;
		char  *c = strdup(val);
		if (c == NULL) {
			goto oom;
		}
		free(*p);
		*p = c;
		return 0;
	}
	case T_LIST: {
		char      **items = (char **) field;
		size_t     *n     = (size_t *) ((char *) cfg + o->list->count);
		const char *s     = val;
		if (!append) {
			free_list(cfg, o);
		}
		while (*s != '\0') {
			size_t len = strcspn(s, ",");
			while (len > 0 && isspace((unsigned char) *s)) {
				s++;
				len--;
			}
			size_t m = len;
			while (m > 0 && isspace((unsigned char) s[m - 1])) {
				m--;
			}
			if (m > 0) {
				if (*n == o->max) {
					describe(o, src, where, sizeof(where));
					snprintf(err, errlen, "%s: at most %d %ss",
					    where, (int) o->max, o->list->item);
					return -1;
				}
				if ((items[*n] = strndup(s, m)) == NULL) {
					goto oom;
				}
				(*n)++;
				if (o->list->check != NULL && !o->list->check(items[*n - 1])) {
					describe(o, src, where, sizeof(where));
					snprintf(err, errlen,
					    "invalid value for %s: '%.64s' "
					    "(expected kid:alg:path with alg "
					    "HS256, RS256 or ES256)",
					    where, items[*n - 1]);
					return -1;
				}
			}
			s += len;
			if (*s == ',') {
				s++;
			}
		}
		if (*n < o->min) {
			describe(o, src, where, sizeof(where));
			snprintf(err, errlen, "%s: at least one %s is needed",
			    where, o->list->item);
			return -1;
		}
		return 0;
	}
	case T_UINT:
	case T_SIZE: {
		int bad = o->type == T_UINT
		    ? (strspn(val, "0123456789") != strlen(val) || val[0] == '\0' ||
		          parse_size(val, &v) != 0)
		    : parse_size(val, &v) != 0;
		if (bad || v < o->min || v > o->max) {
			describe(o, src, where, sizeof(where));
			snprintf(err, errlen,
			    "invalid value for %s: '%.64s' (expected %s from "
			    "%llu to %llu)",
			    where, val,
			    o->type == T_UINT ? "an integer"
			                      : "a size such as 512KiB or 4MiB",
			    (unsigned long long) o->min,
			    (unsigned long long) o->max);
			return -1;
		}
		if (o->type == T_UINT) {
			*(unsigned *) field = (unsigned) v;
		} else {
			*(size_t *) field = (size_t) v;
		}
		return 0;
	}
	case T_BOOL:
		if (strcasecmp(val, "true") == 0 || strcmp(val, "1") == 0 ||
		    strcasecmp(val, "yes") == 0 || strcasecmp(val, "on") == 0) {
			*(bool *) field = true;
		} else if (strcasecmp(val, "false") == 0 ||
		    strcmp(val, "0") == 0 || strcasecmp(val, "no") == 0 ||
		    strcasecmp(val, "off") == 0) {
			*(bool *) field = false;
		} else {
			describe(o, src, where, sizeof(where));
			snprintf(err, errlen,
			    "invalid value for %s: '%.64s' (expected true or "
			    "false)",
			    where, val);
			return -1;
		}
		return 0;
	case T_LEVEL:
		if (log_level_parse(val, (log_level *) field) != 0) {
			describe(o, src, where, sizeof(where));
			snprintf(err, errlen,
			    "invalid value for %s: '%.64s' (expected debug, "
			    "info, warn, error or off)",
			    where, val);
			return -1;
		}
		return 0;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* True when name (len bytes) spells n, with '-' for '_' allowed. */
static bool
same_name(const char *name, size_t len, const char *n)
{
	if (n == NULL || strlen(n) != len) {
		return false;
	}
	size_t j = 0;
	while (j < len && (name[j] == n[j] || (name[j] == '-' && n[j] == '_'))) {
		j++;
	}
	return j == len;
}

/* Finds an option by file key or flag name, or by its alias. */
static const option_def *
find_option(const char *name, size_t len)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (same_name(name, len, options[i].name) ||
		    (options[i].list != NULL &&
		        same_name(name, len, options[i].list->alias))) {
			return &options[i];
		}
	}
	return NULL;
}

static char *
trim(char *s)
{
	while (isspace((unsigned char) *s)) {
		s++;
	}
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char) e[-1])) {
		*--e = '\0';
	}
	return s;
}

static int
load_file(hues_config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char  line[4096];
	int   lineno = 0;
	bool  seen[NOPTIONS] = {false}; /* a repeated list key appends */

	if (f == NULL) {
		snprintf(err, errlen, "cannot read config file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#') {
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			snprintf(err, errlen,
			    "%s line %d: expected 'key = value'", path, lineno);
			fclose(f);
			return -1;
		}
		*eq             = '\0';
		char       *key = trim(s);
		char       *val = trim(eq + 1);
		const option_def *o = find_option(key, strlen(key));
		if (o == NULL || o->offset == OFF(config_file)) {
			snprintf(err, errlen, "%s line %d: unknown key '%.64s'",
			    path, lineno, key);
			fclose(f);
			return -1;
		}
		source src = {"file", path, lineno};
		if (set_value(cfg, o, val, &src, seen[o - options], err,
		        errlen) != 0) {
			fclose(f);
			return -1;
		}
		seen[o - options] = true;
	}
	fclose(f);
	return 0;
}

static const char *
env_value(char *const *envp, const option_def *o)
{
	char name[64];
	snprintf(name, sizeof(name), "HUES_");
	for (size_t i = 0; o->name[i] && i + 6 < sizeof(name); i++) {
		name[i + 5] = (char) toupper((unsigned char) o->name[i]);
		name[i + 6] = '\0';
	}
	size_t n = strlen(name);
	for (; envp != NULL && *envp != NULL; envp++) {
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=') {
			return *envp + n + 1;
		}
	}
	return NULL;
}

/* A parsed flag: its option and value (NULL for a bare boolean). */
typedef struct flag {
	const option_def *opt;
	const char       *value;
} flag;

void
config_usage(FILE *out)
{
	fprintf(out,
	    "usage: hues-server [--option value | --option=value] ...\n\n"
	    "Every option can also be set as HUES_<OPTION> in the "
	    "environment or as\n'option = value' in the config file; flags "
	    "override the environment, which\noverrides the file. A list flag "
	    "given again adds to its list.\n\n");
	for (size_t i = 0; i < NOPTIONS; i++) {
		char flagname[64];
		source src = {"--", NULL, 0};
		describe(&options[i], &src, flagname, sizeof(flagname));
		fprintf(out, "  %-22s %s%s%s%s\n", flagname, options[i].help,
		    options[i].def ? " [" : "",
		    options[i].def ? options[i].def : "",
		    options[i].def ? "]" : "");
	}
	fprintf(out, "  %-22s %s\n  %-22s %s\n", "--help", "print this help",
	    "--version", "print the version");
}

/* Parses argv into flags (no values applied yet). */
static int
parse_argv(int argc, char *const *argv, flag *flags, int *nflags, FILE *out,
    char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			config_usage(out);
			return CONFIG_EXIT;
		}
		if (strcmp(a, "--version") == 0) {
			fprintf(out, "hues-server %s\n", HUES_VERSION);
			return CONFIG_EXIT;
		}
		if (strncmp(a, "--", 2) != 0) {
			snprintf(err, errlen,
			    "unexpected argument '%.64s' (options start with "
			    "--; see --help)",
			    a);
			return CONFIG_ERROR;
		}
		const char       *name = a + 2;
		const char       *eq   = strchr(name, '=');
		size_t            len  = eq ? (size_t) (eq - name) : strlen(name);
		const option_def *o    = find_option(name, len);
		if (o == NULL) {
			snprintf(err, errlen, "unknown option '--%.*s' (see --help)",
			    (int) (len > 64 ? 64 : len), name);
			return CONFIG_ERROR;
		}
		const char *val = eq ? eq + 1 : NULL;
		if (val == NULL && o->type != T_BOOL) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "option '--%.*s' needs a value",
				    (int) len, name);
				return CONFIG_ERROR;
			}
			val = argv[++i];
		}
		flags[(*nflags)++] = (flag) {o, val};
	}
	return CONFIG_OK;
}

int
config_load(hues_config *cfg, int argc, char *const *argv, char *const *envp,
    FILE *out, char *err, size_t errlen)
{
	flag  *flags  = calloc((size_t) argc + 1, sizeof(*flags));
	int    nflags = 0, rv = CONFIG_ERROR;
	source def    = {"default", NULL, 0};
	source envsrc = {"HUES_", NULL, 0};
	source flgsrc = {"--", NULL, 0};

	memset(cfg, 0, sizeof(*cfg));
	if (flags == NULL) {
		snprintf(err, errlen, "out of memory");
		return CONFIG_ERROR;
	}
	if ((rv = parse_argv(argc, argv, flags, &nflags, out, err, errlen)) !=
	    CONFIG_OK) {
		goto done;
	}
	rv = CONFIG_ERROR;
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (options[i].def != NULL &&
		    set_value(cfg, &options[i], options[i].def, &def, false,
		        err, errlen) != 0) {
			goto done;
		}
	}
	/* The config file is named by the flag, else by the environment. */
	const char *file = env_value(envp, &options[0]);
	for (int i = 0; i < nflags; i++) {
		if (flags[i].opt == &options[0]) {
			file = flags[i].value;
		}
	}
	if (file != NULL && load_file(cfg, file, err, errlen) != 0) {
		goto done;
	}
	for (size_t i = 0; i < NOPTIONS; i++) {
		const char *v = env_value(envp, &options[i]);
		if (v != NULL &&
		    set_value(cfg, &options[i], v, &envsrc, false, err,
		        errlen) != 0) {
			goto done;
		}
	}
	/* A flag given again extends a list (--jwt-key a --jwt-key b). */
	bool seen[NOPTIONS] = {false};
	for (int i = 0; i < nflags; i++) {
		const char *v = flags[i].value ? flags[i].value : "true";
		size_t      k = (size_t) (flags[i].opt - options);
		if (set_value(cfg, flags[i].opt, v, &flgsrc, seen[k], err,
		        errlen) != 0) {
			goto done;
		}
		seen[k] = true;
	}
	if (cfg->workers == 0) {
		long n       = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->workers = n > 0 ? (unsigned) n : 1;
	}
	rv = CONFIG_OK;
done:
	free(flags);
	return rv;
}

void
config_free(hues_config *cfg)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (options[i].type == T_LIST) {
			free_list(cfg, &options[i]);
		} else if (options[i].type == T_STR) {
			char **p = (char **) ((char *) cfg + options[i].offset);
			free(*p);
		}
	}
	memset(cfg, 0, sizeof(*cfg));
}
