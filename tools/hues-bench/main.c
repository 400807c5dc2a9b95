/*
 * main.c - hues-bench, a load tester for hues servers built on the public
 * SDK (like ghz for gRPC): flags, the request to send and how to check its
 * reply. The drivers are in load.c, the output in report.c.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hues/hues.h"
#include "load.h"
#include "report.h"
#include "request.h"

#define DEFAULT_URL  "tcp://127.0.0.1:7483"
#define ECHO_METHOD  "/hues.v1.Debug/Echo"
#define CHECK_METHOD "/hues.v1.Health/Check"
#define MAX_URLS     16
#define MAX_METADATA 32
/* The server's default request limit; larger echo payloads cannot work. */
#define MAX_PAYLOAD (4u << 20)

typedef struct flags {
	const char   *urls[MAX_URLS];
	size_t        nurls;
	const char   *method;
	const char   *request_file;
	long long     payload; /* -1: not given */
	hues_metadata md[MAX_METADATA];
	size_t        nmd;
	bool          json;
} flags;

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void) sig;
	interrupted = 1;
}

static void
usage(FILE *f)
{
	fputs(
	    "usage: hues-bench [options]\n"
	    "Loads a hues server with calls of one method and prints calls/s,\n"
	    "latency percentiles and errors; the last stdout line is\n"
	    "RESULT tool=hues method=M conc=C qps=Q p50_us=.. p90_us=.. "
	    "p99_us=.. errors=N\n\n"
	    "  --url URL                server URL, repeatable "
	    "[" DEFAULT_URL "]\n"
	    "  --method M               echo (" ECHO_METHOD "), health\n"
	    "                           (" CHECK_METHOD
	    ") or a full name [echo]\n"
	    "  --request FILE           serialized request message, sent "
	    "as-is\n"
	    "  --payload N              echo: N bytes of payload [64]\n"
	    "  --concurrency C          calls in flight (closed loop), or the\n"
	    "                           cap on them with --rate [1]\n"
	    "  --connections N          SDK sockets (0: SDK default)\n"
	    "  --inflight-per-socket N  messages in flight per socket "
	    "(0: SDK default)\n"
	    "  --max-batch N            calls per message (0: SDK default, "
	    "1: none)\n"
	    "  --duration S             measurement window, seconds [5]\n"
	    "  --calls N                measure N calls instead\n"
	    "  --warmup S               unmeasured warmup, seconds [1]\n"
	    "  --rate R                 open loop: start R calls/s, latency "
	    "from\n"
	    "                           each call's scheduled time\n"
	    "  --timeout-ms T           per-call deadline [5000]\n"
	    "  --max-attempts N         attempts per call (0: SDK default)\n"
	    "  --token T                bearer token\n"
	    "  --metadata k=v           call metadata, repeatable\n"
	    "  --json                   also print a JSON object on stdout\n"
	    "  --help                   print this help\n\n"
	    "Exit status: 0 after a run with at least one good call, 1 when\n"
	    "the run failed or no call succeeded, 2 for bad flags.\n",
	    f);
}

/* Prints one line about a bad flag and returns 2, the exit status. */
static int
bad(const char *fmt, ...)
{
	va_list ap;
	fputs("hues-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	return 2;
}

static bool
parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno                = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max) {
		return false;
	}
	*out = v;
	return true;
}

/* A number of seconds or calls/s, from 0 to max. */
static bool
parse_number(const char *s, double max, double *out)
{
	char *end;
	errno    = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0 && v <= max)) {
		return false;
	}
	*out = v;
	return true;
}

/* Splits k=v; keys must be what the SDK accepts, so that a typo is a flag
 * error and not a run of failed calls. */
static int
add_metadata(flags *fl, char *kv)
{
	char *eq = strchr(kv, '=');
	if (eq == NULL || eq == kv) {
		return bad("--metadata wants key=value, got '%s'", kv);
	}
	if (fl->nmd == MAX_METADATA) {
		return bad("at most %d --metadata pairs", MAX_METADATA);
	}
	*eq = '\0';
	if (strspn(kv, "abcdefghijklmnopqrstuvwxyz0123456789._-") !=
	    strlen(kv)) {
		return bad("metadata key '%s': lowercase letters, digits, '.', "
		           "'_' or '-' only",
		    kv);
	}
	fl->md[fl->nmd++] = (hues_metadata) { kv, eq + 1 };
	return 0;
}

/* Turns echo, health or a full name into the full name and the short name
 * RESULT lines use. Returns false for anything else. */
static bool
resolve_method(const char *m, const char **full, char *name, size_t len)
{
	if (strcmp(m, "echo") == 0 || strcmp(m, ECHO_METHOD) == 0) {
		*full = ECHO_METHOD;
		snprintf(name, len, "echo");
		return true;
	}
	if (strcmp(m, "health") == 0 || strcmp(m, CHECK_METHOD) == 0) {
		*full = CHECK_METHOD;
		snprintf(name, len, "health");
		return true;
	}
	const char *slash = strrchr(m, '/');
	if (m[0] != '/' || slash == m || slash[1] == '\0') {
		return false;
	}
	*full = m;
	snprintf(name, len, "%s", slash + 1);
	for (char *p = name; *p; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			*p = (char) (*p - 'A' + 'a');
		}
	}
	return true;
}

static int
parse_flags(int argc, char **argv, flags *fl, load_cfg *cfg)
{
	enum {
		F_URL = 256,
		F_METHOD,
		F_REQUEST,
		F_PAYLOAD,
		F_CONC,
		F_CONNS,
		F_INFLIGHT,
		F_BATCH,
		F_DURATION,
		F_CALLS,
		F_WARMUP,
		F_RATE,
		F_TIMEOUT,
		F_ATTEMPTS,
		F_TOKEN,
		F_METADATA,
		F_JSON,
		F_HELP
	};
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, F_URL },
		{ "method", required_argument, NULL, F_METHOD },
		{ "request", required_argument, NULL, F_REQUEST },
		{ "payload", required_argument, NULL, F_PAYLOAD },
		{ "concurrency", required_argument, NULL, F_CONC },
		{ "connections", required_argument, NULL, F_CONNS },
		{ "inflight-per-socket", required_argument, NULL, F_INFLIGHT },
		{ "max-batch", required_argument, NULL, F_BATCH },
		{ "duration", required_argument, NULL, F_DURATION },
		{ "calls", required_argument, NULL, F_CALLS },
		{ "warmup", required_argument, NULL, F_WARMUP },
		{ "rate", required_argument, NULL, F_RATE },
		{ "timeout-ms", required_argument, NULL, F_TIMEOUT },
		{ "max-attempts", required_argument, NULL, F_ATTEMPTS },
		{ "token", required_argument, NULL, F_TOKEN },
		{ "metadata", required_argument, NULL, F_METADATA },
		{ "json", no_argument, NULL, F_JSON },
		{ "help", no_argument, NULL, F_HELP },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long u;
	bool               have_duration = false;
	int                c, li = 0, rv;

	opterr = 0; /* our own one-line messages */
	/* A leading ':' makes a missing value ':' rather than '?'. */
	while ((c = getopt_long(argc, argv, ":", longopts, &li)) != -1) {
		switch (c) {
		case F_URL:
			if (fl->nurls == MAX_URLS) {
				return bad("at most %d --url", MAX_URLS);
			}
			fl->urls[fl->nurls++] = optarg;
			break;
		case F_METHOD: fl->method = optarg; break;
		case F_REQUEST: fl->request_file = optarg; break;
		case F_PAYLOAD:
			if (!parse_uint(optarg, MAX_PAYLOAD, &u)) {
				return bad(
				    "--payload wants 0 to %u bytes, got '%s'",
				    MAX_PAYLOAD, optarg);
			}
			fl->payload = (long long) u;
			break;
		case F_CONC:
			if (!parse_uint(optarg, 100000, &u) || u == 0) {
				return bad(
				    "--concurrency wants 1 to 100000, got '%s'",
				    optarg);
			}
			cfg->concurrency = (unsigned) u;
			break;
		case F_CONNS:
		case F_INFLIGHT:
		case F_BATCH:
		case F_ATTEMPTS:
			/* The SDK caps these at 64 or 1024 itself. */
			if (!parse_uint(optarg, 1024, &u)) {
				return bad("--%s wants 0 to 1024, got '%s'",
				    longopts[li].name, optarg);
			}
			if (c == F_CONNS) {
				cfg->client.sockets = (uint32_t) u;
			} else if (c == F_INFLIGHT) {
				cfg->client.inflight_per_socket = (uint32_t) u;
			} else if (c == F_BATCH) {
				cfg->client.max_batch = (uint32_t) u;
			} else {
				cfg->call.max_attempts = (uint32_t) u;
			}
			break;
		case F_DURATION:
			/* A day at most keeps ns arithmetic far from 2^64. */
			if (!parse_number(optarg, 86400, &cfg->duration_s) ||
			    cfg->duration_s <= 0) {
				return bad(
				    "--duration wants seconds > 0, got '%s'",
				    optarg);
			}
			have_duration = true;
			break;
		case F_CALLS:
			if (!parse_uint(optarg, UINT64_MAX, &u) || u == 0) {
				return bad(
				    "--calls wants a count > 0, got '%s'",
				    optarg);
			}
			cfg->calls = u;
			break;
		case F_WARMUP:
			if (!parse_number(optarg, 86400, &cfg->warmup_s)) {
				return bad(
				    "--warmup wants seconds >= 0, got '%s'",
				    optarg);
			}
			break;
		case F_RATE:
			if (!parse_number(optarg, 1e9, &cfg->rate) ||
			    cfg->rate <= 0) {
				return bad("--rate wants calls/s > 0, got '%s'",
				    optarg);
			}
			break;
		case F_TIMEOUT:
			if (!parse_uint(optarg, 3600000, &u) || u == 0) {
				return bad(
				    "--timeout-ms wants 1 to 3600000, got "
				    "'%s'",
				    optarg);
			}
			cfg->timeout_ms = (uint32_t) u;
			break;
		case F_TOKEN: cfg->call.bearer_token = optarg; break;
		case F_METADATA:
			if ((rv = add_metadata(fl, optarg)) != 0) {
				return rv;
			}
			break;
		case F_JSON: fl->json = true; break;
		case F_HELP: usage(stdout); exit(0);
		case ':': return bad("%s needs a value", argv[optind - 1]);
		default: return bad("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return bad("unexpected argument '%s'", argv[optind]);
	}
	if (have_duration && cfg->calls > 0) {
		return bad("--duration and --calls exclude each other");
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static flags       fl;
	static load_cfg    cfg;
	static load_report rep;
	request            rq = { 0 };
	report_run         run;
	char               name[64], why[256];
	int                rv, status = 1;

	fl.payload      = -1;
	cfg.concurrency = 1;
	cfg.warmup_s    = 1;
	cfg.duration_s  = 5;
	cfg.timeout_ms  = 5000;
	if ((rv = parse_flags(argc, argv, &fl, &cfg)) != 0) {
		return rv;
	}
	if (fl.nurls == 0) {
		fl.urls[fl.nurls++] = DEFAULT_URL;
	}
	if (!resolve_method(fl.method ? fl.method : "echo", &cfg.method, name,
	        sizeof(name))) {
		return bad("--method wants echo, health or a full name such as "
		           "%s, got '%s'",
		    ECHO_METHOD, fl.method);
	}
	bool echo = strcmp(cfg.method, ECHO_METHOD) == 0;
	if (fl.payload >= 0 && (!echo || fl.request_file != NULL)) {
		return bad("--payload builds an echo request; it goes with "
		           "neither --request nor other methods");
	}
	if (fl.request_file != NULL) {
		if (!request_load(&rq, fl.request_file, why, sizeof(why))) {
			return bad("--request %s", why);
		}
	} else if (!request_build(
	               &rq, echo, fl.payload >= 0 ? (size_t) fl.payload : 64)) {
		fprintf(stderr, "hues-bench: out of memory\n");
		return 1;
	}
	if (echo && request_expect_echo(&rq)) {
		cfg.check     = request_check_echo;
		cfg.check_arg = &rq;
	} else if (echo) {
		fprintf(stderr, "hues-bench: the request is not a "
		                "hues.v1.EchoRequest; replies go unchecked\n");
	}
	cfg.urls              = fl.urls;
	cfg.nurls             = fl.nurls;
	cfg.req               = rq.data;
	cfg.req_len           = rq.len;
	cfg.client.timeout_ms = cfg.timeout_ms;
	cfg.call.timeout_ms   = cfg.timeout_ms;
	cfg.call.metadata     = fl.md;
	cfg.call.nmetadata    = fl.nmd;
	cfg.interrupt         = &interrupted;

	/* Ctrl-C ends the window early; what was measured is reported. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* A second signal kills the process the usual way. */
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	run.name    = name;
	run.cfg     = &cfg;
	run.payload = cfg.check != NULL ? rq.payload_len : 0;
	if ((rv = load_run(&cfg, &rep, why, sizeof(why))) != HUES_OK) {
		fprintf(stderr, "hues-bench: %s\n", why);
	} else {
		report_human(stderr, &run, &rep);
		if (fl.json) {
			report_json(stdout, &run, &rep);
		}
		status = rep.ok > 0 ? 0 : 1;
	}
	/* The RESULT line comes last whatever happened, so that scripts
	 * always find one. */
	report_result_line(stdout, &run, &rep);
	if (rep.client_stuck) {
		/* exit() could wait on NNG, whose threads are stuck. */
		fflush(stderr);
		_exit(status);
	}
	request_fini(&rq);
	return status;
}
