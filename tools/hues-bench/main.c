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

#include "gen.h"
#include "hues/hues.h"
#include "load.h"
#include "report.h"
#include "request.h"
#include "tokens.h"

#define DEFAULT_URL  "tcp://127.0.0.1:7483"
#define ECHO_METHOD  "/hues.v1.Debug/Echo"
#define CHECK_METHOD "/hues.v1.Health/Check"
#define MAX_URLS     16
#define MAX_METADATA 32
/* The server's default request limit; larger echo payloads cannot work. */
#define MAX_PAYLOAD (4u << 20)
/* Minted tokens outlive any run: a day. */
#define TOKEN_TTL_S 86400

typedef struct flags {
	const char   *urls[MAX_URLS];
	size_t        nurls;
	const char   *method;
	const char   *request_file;
	long long     payload; /* -1: not given */
	hues_metadata md[MAX_METADATA];
	size_t        nmd;
	bool          json;
	bool          have_duration, have_warmup;
	/* The Feedback generators (gen.h): kind 0 means none. */
	gen_opts    g;
	const char *secret; /* HS256 secret file to mint tokens with */
	size_t      users;
	unsigned    print;     /* --print N: show N calls and exit */
	bool        gen_flags; /* one of the generator's flags was given */
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
	    "                           (" CHECK_METHOD "), a full name, or a\n"
	    "                           Feedback generator: submit, "
	    "get-report,\n"
	    "                           feed or publish (below) [echo]\n"
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
	    "  --progress S             a line on stderr every S seconds\n"
	    "\nFeedback generators (realistic requests made before the run):\n"
	    "  submit      SubmitReport: a category of the default catalog "
	    "with its\n"
	    "              attributes, Vietnamese text, a point in Huế, media, "
	    "a\n"
	    "              fresh idempotency key per call\n"
	    "  get-report  GetReport of R1 .. R<ids>, uniformly\n"
	    "  feed        PublicFeed near a point of the city\n"
	    "  publish     SubmitReport, then Triage ACCEPT of the report (a\n"
	    "              coordinator's token): fills a data set that "
	    "PublicFeed\n"
	    "              shows; with --reports N the run ends after N\n"
	    "  --jwt-secret FILE        mint tokens with this HS256 secret "
	    "(the\n"
	    "                           server's <data-dir>/jwt-secret)\n"
	    "  --users N                citizens u1 .. uN, one per call in "
	    "turn [1000]\n"
	    "  --ids N                  get-report: report ids 1 .. N\n"
	    "  --reports N              publish: reports to make [until "
	    "the window ends]\n"
	    "  --radius M               feed: metres around the point "
	    "[1000]\n"
	    "  --page-size N            feed: items per page [20]\n"
	    "  --pool N                 SubmitReport requests made ahead "
	    "[4096]\n"
	    "  --seed S                 the pool's random seed [1]\n"
	    "  --print N                print N generated calls, decoded, "
	    "and exit\n"
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

/* The Feedback generators by name; 0 for none. */
static gen_kind
gen_kind_of(const char *m)
{
	static const struct {
		const char *name;
		gen_kind    kind;
	} kinds[] = {
		{ "submit", GEN_SUBMIT },
		{ "get-report", GEN_GET },
		{ "feed", GEN_FEED },
		{ "publish", GEN_PUBLISH },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(m, kinds[i].name) == 0) {
			return kinds[i].kind;
		}
	}
	return 0;
}

/* Turns echo, health or a full name into the full name and the short name
 * RESULT lines use. Returns false for anything else. */
static bool
resolve_method(const char *m, const char **full, char *name, size_t len)
{
	if (gen_kind_of(m) != 0) {
		*full = gen_method(gen_kind_of(m));
		snprintf(name, len, "%s", m);
		return true;
	}
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

/* The long options' ids, after every character. */
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
	F_SECRET,
	F_USERS,
	F_IDS,
	F_REPORTS,
	F_RADIUS,
	F_PAGE,
	F_POOL,
	F_SEED,
	F_PRINT,
	F_PROGRESS,
	F_HELP
};

/* The numeric flags of the Feedback generators. */
static int
gen_flag(flags *fl, int c, const char *name, const char *arg)
{
	/* By flag, from F_USERS to F_PRINT. */
	static const unsigned long long max[] = { 1000000, UINT64_MAX,
		UINT64_MAX, 5000, 100, 1000000, UINT64_MAX, 1000 };
	static const unsigned long long min[] = { 1, 1, 1, 1, 1, 1, 0, 1 };
	unsigned long long              u;
	size_t                          i = (size_t) (c - F_USERS);

	_Static_assert(F_PRINT - F_USERS == 7, "one limit per flag");

	if (i >= sizeof(max) / sizeof(max[0]) || !parse_uint(arg, max[i], &u) ||
	    u < min[i]) {
		return bad("--%s wants a number from %llu to %llu, got '%s'",
		    name, i < 8 ? min[i] : 0, i < 8 ? max[i] : 0, arg);
	}
	fl->gen_flags = true;
	switch (i) {
	case 0: fl->users = (size_t) u; break;
	case 1: fl->g.ids = u; break;
	case 2: fl->g.reports = u; break;
	case 3: fl->g.radius_m = (uint32_t) u; break;
	case 4: fl->g.page_size = (uint32_t) u; break;
	case 5: fl->g.pool = (size_t) u; break;
	case 6: fl->g.seed = u; break;
	default: fl->print = (unsigned) u; break;
	}
	return 0;
}

static int
parse_flags(int argc, char **argv, flags *fl, load_cfg *cfg)
{
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
		{ "jwt-secret", required_argument, NULL, F_SECRET },
		{ "users", required_argument, NULL, F_USERS },
		{ "ids", required_argument, NULL, F_IDS },
		{ "reports", required_argument, NULL, F_REPORTS },
		{ "radius", required_argument, NULL, F_RADIUS },
		{ "page-size", required_argument, NULL, F_PAGE },
		{ "pool", required_argument, NULL, F_POOL },
		{ "seed", required_argument, NULL, F_SEED },
		{ "print", required_argument, NULL, F_PRINT },
		{ "progress", required_argument, NULL, F_PROGRESS },
		{ "help", no_argument, NULL, F_HELP },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long u;
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
			fl->have_duration = true;
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
			fl->have_warmup = true;
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
		case F_PROGRESS:
			if (!parse_number(optarg, 86400, &cfg->progress_s)) {
				return bad("--progress wants seconds >= 0, got "
				           "'%s'",
				    optarg);
			}
			break;
		case F_SECRET: fl->secret = optarg; break;
		case F_USERS:
		case F_IDS:
		case F_REPORTS:
		case F_RADIUS:
		case F_PAGE:
		case F_POOL:
		case F_SEED:
		case F_PRINT:
			if ((rv = gen_flag(fl, c, longopts[li].name, optarg)) !=
			    0) {
				return rv;
			}
			break;
		case F_HELP: usage(stdout); exit(0);
		case ':': return bad("%s needs a value", argv[optind - 1]);
		default: return bad("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return bad("unexpected argument '%s'", argv[optind]);
	}
	if (fl->have_duration && cfg->calls > 0) {
		return bad("--duration and --calls exclude each other");
	}
	return 0;
}

/* The generator's share of main(): tokens, then the generator and its
 * pool. Returns 0, 2 for a flag that does not fit, 1 on other errors. */
static int
setup_gen(flags *fl, load_cfg *cfg, tokens *citizens, tokens *staff, gen **out)
{
	char why[512];

	if (fl->secret != NULL) {
		size_t n = fl->users > 0 ? fl->users : 1000;
		if (tokens_mint(citizens, fl->secret, "u", "citizen", n,
		        TOKEN_TTL_S, why, sizeof(why)) != 0 ||
		    (fl->g.kind == GEN_PUBLISH &&
		        tokens_mint(staff, fl->secret, "ioc", "coordinator", 1,
		            TOKEN_TTL_S, why, sizeof(why)) != 0)) {
			fprintf(stderr, "hues-bench: %s\n", why);
			return 1;
		}
		fl->g.citizens    = citizens;
		fl->g.coordinator = staff->n > 0 ? staff->tok[0] : NULL;
	} else if (fl->users > 0) {
		return bad("--users needs --jwt-secret to mint their tokens");
	}
	if (fl->g.kind == GEN_PUBLISH && fl->g.reports > 0) {
		/* Until the reports are made; --duration still caps it. */
		if (!fl->have_duration) {
			cfg->duration_s = 86400;
		}
		if (!fl->have_warmup) {
			cfg->warmup_s = 0;
		}
	}
	fl->g.slots = fl->print > 0 ? 1 : cfg->concurrency;
	if (gen_create(&fl->g, out, why, sizeof(why)) != 0) {
		return bad("%s", why);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static flags       fl;
	static load_cfg    cfg;
	static load_report rep;
	request            rq       = { 0 };
	report_run         run      = { 0 };
	tokens             citizens = { 0 }, staff = { 0 };
	gen               *g = NULL;
	char               name[64], why[256], words[256] = "";
	int                rv, status = 1;

	fl.payload      = -1;
	fl.g.seed       = 1;
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
		return bad("--method wants echo, health, submit, get-report, "
		           "feed, publish or a full name such as %s, got '%s'",
		    ECHO_METHOD, fl.method);
	}
	fl.g.kind = gen_kind_of(fl.method ? fl.method : "echo");
	if (fl.g.kind == 0 && (fl.gen_flags || fl.secret != NULL)) {
		return bad("the generator flags go with --method submit, "
		           "get-report, feed or publish");
	}
	if (fl.g.kind != 0 && fl.request_file != NULL) {
		return bad("--request and a generator exclude each other");
	}
	if (fl.g.kind != 0) {
		if ((rv = setup_gen(&fl, &cfg, &citizens, &staff, &g)) != 0) {
			tokens_fini(&citizens);
			tokens_fini(&staff);
			return rv;
		}
		if (fl.print > 0) {
			status = gen_print(stdout, g, fl.print) ? 0 : 1;
			gen_destroy(g);
			tokens_fini(&citizens);
			tokens_fini(&staff);
			return status;
		}
		cfg.gen = gen_hooks(g);
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
	} else if (g == NULL &&
	           !request_build(
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
	run.extra   = words;
	if ((rv = load_run(&cfg, &rep, why, sizeof(why))) != HUES_OK) {
		fprintf(stderr, "hues-bench: %s\n", why);
	} else {
		report_human(stderr, &run, &rep);
		if (g != NULL) {
			gen_summary(stderr, g);
			gen_result_words(g, words, sizeof(words));
		}
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
	gen_destroy(g);
	tokens_fini(&citizens);
	tokens_fini(&staff);
	return status;
}
