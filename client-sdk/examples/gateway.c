/*
 * gateway.c - what a gateway does with the hues SDK, end to end: create one
 * client for a set of servers, make a typed call, fan out asynchronous
 * calls and wait for them, and turn a failed call into something a gateway
 * can log or answer with (code, message, reason, field violations).
 *
 * Built against the installed SDK only (see README.md). Exits 0 when every
 * step behaved as expected, 1 otherwise.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hues/hues.h>

#define MAX_URLS   16
#define MAX_ECHOES 64

typedef struct args {
	const char *urls[MAX_URLS];
	size_t      nurls;
	const char *ca_file;
	const char *token;
	unsigned    timeout_ms;
	unsigned    echoes;
} args;

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: gateway --url URL [--url URL ...] [--ca FILE] [--token T]\n"
	    "               [--timeout-ms MS] [--echoes N]\n\n"
	    "  --url URL        a hues server: tcp://host:port,\n"
	    "                   ipc:///path or tls+tcp://host:port\n"
	    "                   (repeat for several)\n"
	    "  --ca FILE        PEM file of the CA that signed the server's\n"
	    "                   certificate (needed for tls+tcp://)\n"
	    "  --token T        bearer token sent with every call\n"
	    "  --timeout-ms MS  deadline of each call (default: the SDK's)\n"
	    "  --echoes N       concurrent Echo calls, 1 to %d (default 8)\n",
	    MAX_ECHOES);
}

/* Returns 0 and fills a, or -1 after printing what is wrong. */
static int
parse_args(int argc, char **argv, args *a)
{
	memset(a, 0, sizeof(*a));
	a->echoes = 8;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		if (strcmp(opt, "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "gateway: %s needs a value\n", opt);
			return -1;
		}
		const char *val = argv[++i];
		if (strcmp(opt, "--url") == 0) {
			if (a->nurls == MAX_URLS) {
				fprintf(stderr, "gateway: at most %d URLs\n",
				    MAX_URLS);
				return -1;
			}
			a->urls[a->nurls++] = val;
		} else if (strcmp(opt, "--ca") == 0) {
			a->ca_file = val;
		} else if (strcmp(opt, "--token") == 0) {
			a->token = val;
		} else if (strcmp(opt, "--timeout-ms") == 0) {
			a->timeout_ms = (unsigned) strtoul(val, NULL, 10);
		} else if (strcmp(opt, "--echoes") == 0) {
			a->echoes = (unsigned) strtoul(val, NULL, 10);
		} else {
			fprintf(stderr, "gateway: unknown option %s\n", opt);
			return -1;
		}
	}
	if (a->nurls == 0 || a->echoes == 0 || a->echoes > MAX_ECHOES) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/*
 * Prints a failed call the way a gateway would log it: "CODE: message",
 * then the machine-readable reason and retry hint, then one line per field
 * violation. Everything read here belongs to res and stays valid until
 * hues_result_free(res).
 */
static void
print_failure(const char *what, const hues_result *res)
{
	printf("%s: %s: %s\n", what, hues_status_name(hues_result_code(res)),
	    hues_result_message(res));
	if (hues_result_reason(res)[0] != '\0') {
		printf("  reason: %s\n", hues_result_reason(res));
	}
	if (hues_result_retry_after_ms(res) > 0) {
		printf(
		    "  retry after: %u ms\n", hues_result_retry_after_ms(res));
	}
	for (size_t i = 0; i < hues_result_violation_count(res); i++) {
		const char *field, *description;
		if (hues_result_violation(res, i, &field, &description) ==
		    HUES_OK) {
			printf("  violation: %s: %s\n", field, description);
		}
	}
	/* The server's id for the call, to find its log lines. */
	const char *rid = hues_result_metadata(res, "x-request-id");
	if (rid != NULL) {
		printf("  request id: %s\n", rid);
	}
}

/* ----- 1. a typed synchronous call ------------------------------------- */

static int
check_health(hues_client *client, const hues_call_opts *opts)
{
	Hues__V1__HealthCheckRequest req = HUES__V1__HEALTH_CHECK_REQUEST__INIT;
	hues_result                 *res = NULL;

	/* hues_health_check() sets res whatever the outcome (NULL only when
	 * memory ran out), so it is freed on every path below. */
	int code = hues_health_check(client, &req, opts, &res);
	if (code != HUES_OK) {
		if (res != NULL) {
			print_failure("health", res);
		} else {
			printf("health: %s\n", hues_status_name(code));
		}
		hues_result_free(res);
		return -1;
	}
	/* The decoded response belongs to res. */
	const Hues__V1__HealthCheckResponse *resp =
	    hues_health_check_response(res);
	const ProtobufCEnumValue *status = protobuf_c_enum_descriptor_get_value(
	    &hues__v1__health_check_response__serving_status__descriptor,
	    (int) resp->status);
	printf("health: %s (%s)\n", status != NULL ? status->name : "?",
	    hues_status_name(code));
	int serving = resp->status ==
	              HUES__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
	hues_result_free(res);
	return serving ? 0 : -1;
}

/* ----- 2. concurrent asynchronous calls -------------------------------- */

/* What the callbacks share with the thread that waits for them. */
typedef struct fanout {
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	unsigned        started; /* calls whose callback will run */
	unsigned        done;
	unsigned        ok;
} fanout;

/* One call's context: the callback gets it as arg. */
typedef struct echo_call {
	fanout *f;
	char    text[32]; /* what was sent, to check what comes back */
} echo_call;

/*
 * Runs once per started call, on an SDK thread: it owns res and must free
 * it, and it must not block (no hues_call() here). It only checks the
 * result and counts it.
 */
static void
echo_done(hues_result *res, void *arg)
{
	echo_call                    *ec   = arg;
	fanout                       *f    = ec->f;
	const Hues__V1__EchoResponse *resp = hues_debug_echo_response(res);
	int good = resp != NULL && resp->payload.len == strlen(ec->text) &&
	           memcmp(resp->payload.data, ec->text, resp->payload.len) == 0;

	if (!good) {
		print_failure("echo", res);
	}
	hues_result_free(res);

	pthread_mutex_lock(&f->mtx);
	f->done++;
	f->ok += good ? 1 : 0;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mtx);
}

static int
echo_fanout(hues_client *client, const hues_call_opts *opts, unsigned n)
{
	echo_call calls[MAX_ECHOES];
	fanout    f = {.started = 0, .done = 0, .ok = 0};

	pthread_mutex_init(&f.mtx, NULL);
	pthread_cond_init(&f.cv, NULL);
	for (unsigned i = 0; i < n; i++) {
		Hues__V1__EchoRequest req = HUES__V1__ECHO_REQUEST__INIT;
		calls[i].f                = &f;
		snprintf(calls[i].text, sizeof(calls[i].text), "echo %u", i);
		req.payload.data = (uint8_t *) calls[i].text;
		req.payload.len  = strlen(calls[i].text);
		/* The request is serialized before this returns; calls[i]
		 * must live until the callback, which is why we wait below
		 * before returning. */
		int code = hues_debug_echo_async(
		    client, &req, opts, echo_done, &calls[i]);
		if (code != HUES_OK) {
			/* The callback will never run for this call. */
			printf("echo: cannot start call %u: %s\n", i,
			    hues_status_name(code));
			continue;
		}
		pthread_mutex_lock(&f.mtx);
		f.started++;
		pthread_mutex_unlock(&f.mtx);
	}
	pthread_mutex_lock(&f.mtx);
	while (f.done < f.started) {
		pthread_cond_wait(&f.cv, &f.mtx);
	}
	unsigned ok = f.ok;
	pthread_mutex_unlock(&f.mtx);
	pthread_cond_destroy(&f.cv);
	pthread_mutex_destroy(&f.mtx);

	printf("echo: %u/%u ok\n", ok, n);
	return ok == n ? 0 : -1;
}

/* ----- 3. reading a failed call ---------------------------------------- */

static int
show_errors(hues_client *client, const hues_call_opts *opts)
{
	hues_result *res  = NULL;
	int          fail = 0;

	/* The generic call takes any method name and serialized bytes. A
	 * method the server does not serve is UNIMPLEMENTED. */
	int code = hues_call(
	    client, "/hues.v1.Gateway/NoSuchMethod", NULL, 0, opts, &res);
	if (res != NULL) {
		print_failure("unknown method", res);
	}
	fail |= code != HUES_UNIMPLEMENTED;
	hues_result_free(res);

	/* A request the server cannot decode is INVALID_ARGUMENT, with a
	 * field violation naming the field: here field 1 of
	 * HealthCheckRequest (a string) arrives as a number. */
	static const uint8_t bad[] = {0x08, 0x01};

	res  = NULL;
	code = hues_call(
	    client, "/hues.v1.Health/Check", bad, sizeof(bad), opts, &res);
	if (res != NULL) {
		print_failure("bad request", res);
	}
	fail |= code != HUES_INVALID_ARGUMENT;
	hues_result_free(res);
	return fail ? -1 : 0;
}

int
main(int argc, char **argv)
{
	args             a;
	hues_client_opts copts = {0}; /* zero means the defaults */
	hues_call_opts   opts  = {0};
	hues_client     *client;

	if (parse_args(argc, argv, &a) != 0) {
		return 1;
	}
	copts.tls_ca_file = a.ca_file;
	copts.timeout_ms  = a.timeout_ms;
	opts.bearer_token = a.token;

	/* One client per process, shared by every thread. Connecting
	 * happens in the background: a server that is down now is used
	 * once it comes up, and calls fail with UNAVAILABLE meanwhile. */
	int code = hues_client_create(a.urls, a.nurls, &copts, &client);
	if (code != HUES_OK) {
		printf("client: %s: %s\n", hues_status_name(code),
		    hues_strerror(code));
		return 1;
	}

	int failed = 0;
	if (check_health(client, &opts) != 0) {
		failed = 1;
	} else {
		failed |= echo_fanout(client, &opts, a.echoes) != 0;
		failed |= show_errors(client, &opts) != 0;
	}
	hues_client_destroy(client);
	return failed;
}
