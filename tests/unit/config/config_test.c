/*
 * config_test.c - the server's settings from defaults, a config file,
 * HUES_* variables and flags: precedence, value syntax (lists, sizes,
 * booleans, levels), and the one-line error each bad input produces,
 * naming where the value came from. Environments are passed as arrays and
 * files are made with mkstemp, so the process environment is never read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"

static hues_config cfg;
static char        err[256];
static char        files[4][64]; /* temp files of the current test */
static int         nfiles;

static int
setup(void **state)
{
	(void) state;
	memset(err, 0, sizeof(err));
	nfiles = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	config_free(&cfg);
	for (int i = 0; i < nfiles; i++) {
		unlink(files[i]);
	}
	return 0;
}

/* Writes text to a new temp file and returns its path. */
static const char *
config_file(const char *text)
{
	assert_true(nfiles < 4);
	char *path = files[nfiles++];
	snprintf(path, sizeof(files[0]), "/tmp/hues-config-test-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t) n);
	close(fd);
	return path;
}

/* Loads with argv (NULL-terminated, without the program name) and envp. */
static int
load(const char *const *args, const char *const *envp)
{
	char *argv[32] = {"hues-server"};
	int   argc     = 1;
	for (; args != NULL && args[argc - 1] != NULL; argc++) {
		argv[argc] = (char *) args[argc - 1];
	}
	config_free(&cfg);
	return config_load(
	    &cfg, argc, argv, (char *const *) envp, stdout, err, sizeof(err));
}

#define ARGS(...) ((const char *const[]) {__VA_ARGS__, NULL})
#define ENV(...)  ((const char *const[]) {__VA_ARGS__, NULL})

static void
expect_error(int rv, const char *want)
{
	assert_int_equal(rv, CONFIG_ERROR);
	assert_string_equal(err, want);
	assert_null(strchr(err, '\n')); /* one line, for the log */
}

static void
test_config_defaults(void **state)
{
	(void) state;
	assert_int_equal(load(NULL, NULL), CONFIG_OK);
	assert_int_equal(cfg.nlisten, 1);
	assert_string_equal(cfg.listen[0], "tcp://127.0.0.1:7483");
	assert_string_equal(cfg.data_dir, "./hues-data");
	assert_int_equal(cfg.queue_depth, 256);
	assert_int_equal(cfg.max_request_bytes, 4u << 20);
	assert_int_equal(cfg.log_level, LOG_INFO);
	assert_int_equal(cfg.grace_ms, 10000);
	assert_false(cfg.debug_methods);
	assert_int_equal(cfg.map_size, (size_t) 16 << 30);
	assert_null(cfg.config_file);
	assert_null(cfg.tls_cert);
	/* workers 0 (the default) means one per CPU. */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	assert_int_equal(cfg.workers, cpus > 0 ? (unsigned) cpus : 1);
	/* Unrelated variables, and names that only start like ours, are
	 * not read. */
	assert_int_equal(load(NULL, ENV("HUES_WORKERS_MAX=3", "WORKERS=5",
	                                "HUES_DATA_DIRX=/x")),
	    CONFIG_OK);
	assert_int_equal(cfg.workers, cpus > 0 ? (unsigned) cpus : 1);
	assert_string_equal(cfg.data_dir, "./hues-data");
}

static void
test_config_precedence(void **state)
{
	(void) state;
	const char *file   = config_file("# comment\n"
	                                   "\n"
	                                   "  workers = 2  \n"
	                                   "queue_depth=10\n"
	                                   "data-dir = /from/file\n"
	                                   "grace_ms = 5\n");
	const char *envf[] = {"HUES_CONFIG=", NULL};
	char        named[96];
	snprintf(named, sizeof(named), "HUES_CONFIG=%s", file);
	envf[0] = named;

	/* The file alone, named by HUES_CONFIG. */
	assert_int_equal(load(NULL, envf), CONFIG_OK);
	assert_int_equal(cfg.workers, 2);
	assert_int_equal(cfg.queue_depth, 10);
	assert_string_equal(cfg.data_dir, "/from/file");
	assert_string_equal(cfg.config_file, file);

	/* The environment overrides the file ... */
	const char *env[] = {
	    named, "HUES_WORKERS=3", "HUES_DATA_DIR=/from/env", NULL};
	assert_int_equal(load(NULL, env), CONFIG_OK);
	assert_int_equal(cfg.workers, 3);
	assert_string_equal(cfg.data_dir, "/from/env");
	assert_int_equal(cfg.queue_depth, 10);

	/* ... and flags override both, in either flag form. */
	assert_int_equal(
	    load(ARGS("--workers", "4", "--grace-ms=7"), env), CONFIG_OK);
	assert_int_equal(cfg.workers, 4);
	assert_int_equal(cfg.grace_ms, 7);
	assert_string_equal(cfg.data_dir, "/from/env");
	assert_int_equal(cfg.queue_depth, 10);

	/* --config names the file instead of HUES_CONFIG. */
	const char *other = config_file("workers = 9\n");
	assert_int_equal(load(ARGS("--config", other), envf), CONFIG_OK);
	assert_int_equal(cfg.workers, 9);
	assert_string_equal(cfg.config_file, other);
}

static void
test_config_parses_lists(void **state)
{
	(void) state;
	assert_int_equal(
	    load(ARGS("--listen", " tcp://0.0.0.0:1 ,ipc:///tmp/h.sock,, "),
	        NULL),
	    CONFIG_OK);
	assert_int_equal(cfg.nlisten, 2);
	assert_string_equal(cfg.listen[0], "tcp://0.0.0.0:1");
	assert_string_equal(cfg.listen[1], "ipc:///tmp/h.sock");
	/* A later source replaces the list, it does not append. */
	assert_int_equal(
	    load(ARGS("--listen=a, b"), ENV("HUES_LISTEN=c,d,e")), CONFIG_OK);
	assert_int_equal(cfg.nlisten, 2);
	assert_string_equal(cfg.listen[0], "a");
	assert_string_equal(cfg.listen[1], "b");
	/* Within one source, a repeated flag adds to the list. */
	assert_int_equal(load(ARGS("--listen", "a", "--listen", "b,c"),
	                     ENV("HUES_LISTEN=d")),
	    CONFIG_OK);
	assert_int_equal(cfg.nlisten, 3);
	assert_string_equal(cfg.listen[2], "c");

	expect_error(load(ARGS("--listen", " , "), NULL),
	    "--listen: at least one URL is needed");
	assert_int_equal(
	    load(ARGS("--listen", "1,2,3,4,5,6,7,8"), NULL), CONFIG_OK);
	assert_int_equal(cfg.nlisten, CONFIG_MAX_LISTEN);
	expect_error(load(ARGS("--listen", "1,2,3,4,5,6,7,8,9"), NULL),
	    "--listen: at most 8 URLs");
}

static void
test_config_parses_sizes(void **state)
{
	(void) state;
	const struct {
		const char *text;
		size_t      bytes;
	} sizes[] = {
	    {"512KiB", 512u << 10},
	    {"4MiB", 4u << 20},
	    {"1G", 1u << 30},
	    {"2048", 2048},
	    {"3k", 3u << 10},
	    {"2mb", 2u << 20},
	    {"1gib", 1u << 30},
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *args[] = {
		    "--max-request-bytes", sizes[i].text, NULL};
		assert_int_equal(load(args, NULL), CONFIG_OK);
		assert_int_equal(cfg.max_request_bytes, sizes[i].bytes);
	}
	assert_int_equal(load(ARGS("--map-size=1T"), NULL), CONFIG_OK);
	assert_int_equal(cfg.map_size, (size_t) 1 << 40);

	/* The last is (2^34 + 1) GiB, which a 64-bit multiplication would
	 * wrap to exactly 1 GiB, a value in range. */
	const char *bad[] = {"4MiBs", "1.5G", "-1", "", "MiB", "4 MiB", "1x",
	    "99999999999999999999", "17179869185G"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[] = {"--max-request-bytes", bad[i], NULL};
		char        want[200];
		snprintf(want, sizeof(want),
		    "invalid value for --max-request-bytes: '%s' (expected a "
		    "size such as 512KiB or 4MiB from 1024 to 1073741824)",
		    bad[i]);
		expect_error(load(args, NULL), want);
	}
	/* In range at both ends, out of range just beyond. */
	assert_int_equal(
	    load(ARGS("--max-request-bytes=1KiB"), NULL), CONFIG_OK);
	assert_int_equal(
	    load(ARGS("--max-request-bytes=1GiB"), NULL), CONFIG_OK);
	expect_error(load(ARGS("--max-request-bytes=1023"), NULL),
	    "invalid value for --max-request-bytes: '1023' (expected a size "
	    "such as 512KiB or 4MiB from 1024 to 1073741824)");
	expect_error(load(ARGS("--max-request-bytes=1073741825"), NULL),
	    "invalid value for --max-request-bytes: '1073741825' (expected a "
	    "size such as 512KiB or 4MiB from 1024 to 1073741824)");
}

static void
test_config_integers_booleans_levels(void **state)
{
	(void) state;
	assert_int_equal(load(ARGS("--workers", "1024"), NULL), CONFIG_OK);
	assert_int_equal(cfg.workers, 1024);
	const char *range  = "(expected an integer from 0 to 1024)";
	const char *ints[] = {"1025", "many", "4k", "-1", "", "1 "};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		const char *args[] = {"--workers", ints[i], NULL};
		char        want[160];
		snprintf(want, sizeof(want),
		    "invalid value for --workers: '%s' %s", ints[i], range);
		expect_error(load(args, NULL), want);
	}

	/* A bare boolean flag means true; values in several spellings. */
	assert_int_equal(load(ARGS("--debug-methods"), NULL), CONFIG_OK);
	assert_true(cfg.debug_methods);
	assert_int_equal(
	    load(ARGS("--debug-methods=off"), ENV("HUES_DEBUG_METHODS=yes")),
	    CONFIG_OK);
	assert_false(cfg.debug_methods);
	assert_int_equal(load(NULL, ENV("HUES_DEBUG_METHODS=TRUE")), CONFIG_OK);
	assert_true(cfg.debug_methods);
	expect_error(load(ARGS("--debug-methods=maybe"), NULL),
	    "invalid value for --debug-methods: 'maybe' (expected true or "
	    "false)");

	assert_int_equal(load(ARGS("--log-level", "WARN"), NULL), CONFIG_OK);
	assert_int_equal(cfg.log_level, LOG_WARN);
	assert_int_equal(load(NULL, ENV("HUES_LOG_LEVEL=off")), CONFIG_OK);
	assert_int_equal(cfg.log_level, LOG_OFF);
	expect_error(load(ARGS("--log-level=loud"), NULL),
	    "invalid value for --log-level: 'loud' (expected debug, info, "
	    "warn, error or off)");
}

static void
test_config_errors_name_their_source(void **state)
{
	(void) state;
	expect_error(
	    load(ARGS("--nope"), NULL), "unknown option '--nope' (see --help)");
	expect_error(load(ARGS("--nope=1"), NULL),
	    "unknown option '--nope' (see --help)");
	expect_error(load(ARGS("serve"), NULL),
	    "unexpected argument 'serve' (options start with --; see --help)");
	expect_error(load(ARGS("--data-dir", "/x", "--workers"), NULL),
	    "option '--workers' needs a value");
	expect_error(load(NULL, ENV("HUES_QUEUE_DEPTH=lots")),
	    "invalid value for HUES_QUEUE_DEPTH: 'lots' (expected a size such "
	    "as 512KiB or 4MiB from 0 to 1048576)");

	char        want[256];
	const char *f = config_file("workers = 2\n"
	                            "\n"
	                            "colour = blue\n");
	snprintf(want, sizeof(want), "%s line 3: unknown key 'colour'", f);
	expect_error(load(ARGS("--config", f), NULL), want);

	f = config_file("# fine\nworkers = lots\n");
	snprintf(want, sizeof(want),
	    "invalid value for workers in %s line 2: 'lots' (expected an "
	    "integer from 0 to 1024)",
	    f);
	expect_error(load(ARGS("--config", f), NULL), want);

	f = config_file("workers 2\n");
	snprintf(want, sizeof(want), "%s line 1: expected 'key = value'", f);
	expect_error(load(ARGS("--config", f), NULL), want);

	/* A file cannot name another file. */
	f = config_file("config = /etc/other.conf\n");
	snprintf(want, sizeof(want), "%s line 1: unknown key 'config'", f);
	expect_error(load(ARGS("--config", f), NULL), want);

	expect_error(load(ARGS("--config", "/nonexistent/hues.conf"), NULL),
	    "cannot read config file /nonexistent/hues.conf: No such file or "
	    "directory");
	expect_error(load(NULL, ENV("HUES_CONFIG=/nonexistent/h.conf")),
	    "cannot read config file /nonexistent/h.conf: No such file or "
	    "directory");
}

static void
test_config_jwt_options(void **state)
{
	(void) state;
	/* Defaults: no keys (the server then makes a secret), no issuer or
	 * audience check, a minute of leeway, not production. */
	assert_int_equal(load(NULL, NULL), CONFIG_OK);
	assert_int_equal(cfg.njwt_keys, 0);
	assert_null(cfg.jwt_issuer);
	assert_null(cfg.jwt_audience);
	assert_int_equal(cfg.jwt_leeway_s, 60);
	assert_false(cfg.production);

	/* A repeated flag adds to the list, in either spelling, and a list
	 * may also be comma-separated; paths keep their colons. */
	assert_int_equal(load(ARGS("--jwt-key", "a:HS256:/k/a",
	                          "--jwt-keys=b:RS256:/k/b, c:ES256:/k:c",
	                          "--jwt-issuer", "https://id.example",
	                          "--jwt-audience", "hues", "--jwt-leeway-s",
	                          "5", "--production"),
	                     ENV("HUES_JWT_KEYS=z:HS256:/env")),
	    CONFIG_OK);
	assert_int_equal(cfg.njwt_keys, 3);
	assert_string_equal(cfg.jwt_keys[0], "a:HS256:/k/a");
	assert_string_equal(cfg.jwt_keys[1], "b:RS256:/k/b");
	assert_string_equal(cfg.jwt_keys[2], "c:ES256:/k:c");
	assert_string_equal(cfg.jwt_issuer, "https://id.example");
	assert_string_equal(cfg.jwt_audience, "hues");
	assert_int_equal(cfg.jwt_leeway_s, 5);
	assert_true(cfg.production);

	/* The environment replaces the file's keys; repeated file keys add. */
	const char *f = config_file("jwt_keys = f:HS256:/f1\n"
	                            "jwt_key = g:HS256:/f2\n"
	                            "production = yes\n");
	assert_int_equal(load(ARGS("--config", f), NULL), CONFIG_OK);
	assert_int_equal(cfg.njwt_keys, 2);
	assert_string_equal(cfg.jwt_keys[1], "g:HS256:/f2");
	assert_true(cfg.production);
	assert_int_equal(load(ARGS("--config", f),
	                     ENV("HUES_JWT_KEYS=e:ES256:/e",
	                         "HUES_JWT_LEEWAY_S=0")),
	    CONFIG_OK);
	assert_int_equal(cfg.njwt_keys, 1);
	assert_string_equal(cfg.jwt_keys[0], "e:ES256:/e");
	assert_int_equal(cfg.jwt_leeway_s, 0);

	const char *bad[] = {"nokid", ":HS256:/x", "k:HS512:/x", "k:HS256:",
	    "k:hs256:/x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[256];
		snprintf(want, sizeof(want),
		    "invalid value for --jwt-keys: '%s' (expected "
		    "kid:alg:path with alg HS256, RS256 or ES256)",
		    bad[i]);
		expect_error(load(ARGS("--jwt-key", bad[i]), NULL), want);
	}
	expect_error(load(NULL, ENV("HUES_JWT_LEEWAY_S=3601")),
	    "invalid value for HUES_JWT_LEEWAY_S: '3601' (expected an "
	    "integer from 0 to 3600)");
	char many[1024] = "";
	for (int i = 0; i <= CONFIG_MAX_JWT_KEYS; i++) {
		char one[32];
		snprintf(one, sizeof(one), "%sk%d:HS256:/k", i ? "," : "", i);
		strcat(many, one);
	}
	expect_error(load(ARGS("--jwt-keys", many), NULL),
	    "--jwt-keys: at most 16 keys");
}

/* Runs config_load with out captured; returns the text printed. */
static char *
captured(const char *const *args, int *rv)
{
	char  *text    = NULL;
	size_t len     = 0;
	FILE  *out     = open_memstream(&text, &len);
	char  *argv[8] = {"hues-server"};
	int    argc    = 1;
	for (; args[argc - 1] != NULL; argc++) {
		argv[argc] = (char *) args[argc - 1];
	}
	config_free(&cfg);
	*rv = config_load(&cfg, argc, argv, NULL, out, err, sizeof(err));
	fclose(out);
	return text;
}

static void
test_config_help_and_version_exit(void **state)
{
	(void) state;
	int   rv;
	char *text = captured(ARGS("--help"), &rv);
	assert_int_equal(rv, CONFIG_EXIT);
	assert_non_null(strstr(text, "usage: hues-server"));
	assert_non_null(strstr(text, "--data-dir"));
	assert_non_null(strstr(text, "[./hues-data]"));
	assert_non_null(strstr(text, "--max-request-bytes"));
	assert_non_null(strstr(text, "HUES_<OPTION>"));
	free(text);

	/* -h too, and before any other argument is looked at. */
	text = captured(ARGS("-h", "--workers", "lots"), &rv);
	assert_int_equal(rv, CONFIG_EXIT);
	free(text);

	text = captured(ARGS("--version"), &rv);
	assert_int_equal(rv, CONFIG_EXIT);
	assert_string_equal(text, "hues-server " HUES_VERSION "\n");
	free(text);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_config_defaults),
	    T(test_config_precedence),
	    T(test_config_parses_lists),
	    T(test_config_parses_sizes),
	    T(test_config_integers_booleans_levels),
	    T(test_config_errors_name_their_source),
	    T(test_config_help_and_version_exit),
	    T(test_config_jwt_options),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
