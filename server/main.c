/*
 * main.c - hues-server: configuration, signals and wiring; nothing else.
 *
 * All signals the server handles are blocked before any thread starts, so
 * that only the main thread receives them, synchronously, with sigwait:
 * SIGINT/SIGTERM drain and stop, SIGUSR1 releases held debug calls,
 * SIGHUP re-reads the configuration and swaps in its JWT keys.
 */
#include <malloc.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/log.h"
#include "rpc/server.h"
#include "store/store.h"
#include "svc/all.h"
#include "svc/registry.h"

extern char **environ;

/* Extra time handlers get to return once the grace period is over and
 * they have been told to stop. */
#define STOP_WAIT_MS 5000

/* The zero-configuration HS256 secret, in the data dir, and its kid. */
#define SECRET_FILE "jwt-secret"
#define SECRET_KID "local"

static atomic_bool draining;
static atomic_bool stopping;

/* What the JWT settings of a configuration become: key specs (splitting
 * copies of the "kid:alg:path" strings) and verifier options. */
typedef struct auth_setup {
	char         *copies[CONFIG_MAX_JWT_KEYS];
	auth_key_spec specs[CONFIG_MAX_JWT_KEYS];
	char          secret[4096]; /* the zero-configuration one, or "" */
	int           created;      /* secret was made by this setup */
	auth_opts     opts;
} auth_setup;

static void
auth_setup_fini(auth_setup *s)
{
	for (size_t i = 0; i < CONFIG_MAX_JWT_KEYS; i++) {
		free(s->copies[i]);
	}
}

/* Fills s from cfg. With no keys configured, makes sure the data dir has
 * a secret and uses it. Logs nothing: a server that fails to start writes
 * one line, its error. */
static int
auth_setup_init(const hues_config *cfg, auth_setup *s, char *err,
    size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->opts = (auth_opts) {
	    .keys       = s->specs,
	    .nkeys      = cfg->njwt_keys,
	    .issuer     = cfg->jwt_issuer,
	    .audience   = cfg->jwt_audience,
	    .leeway_s   = cfg->jwt_leeway_s,
	    .min_secret = cfg->production ? AUTH_MIN_PRODUCTION_SECRET : 1,
	};
	for (size_t i = 0; i < cfg->njwt_keys; i++) {
		if ((s->copies[i] = strdup(cfg->jwt_keys[i])) == NULL) {
			snprintf(err, errlen, "out of memory");
			return HUES_RESOURCE_EXHAUSTED;
		}
		int rv = auth_key_spec_parse(s->copies[i], err, errlen,
		    &s->specs[i]);
		if (rv != HUES_OK) {
			return rv;
		}
	}
	if (cfg->njwt_keys > 0) {
		return HUES_OK;
	}
	int created = 0;
	int rv      = auth_secret_ensure(cfg->data_dir, SECRET_FILE, err,
	         errlen, &created);
	if (rv != HUES_OK) {
		return rv;
	}
	snprintf(s->secret, sizeof(s->secret), "%s/%s", cfg->data_dir,
	    SECRET_FILE);
	s->specs[0]   = (auth_key_spec) {SECRET_KID, AUTH_ALG_HS256, s->secret};
	s->opts.nkeys = 1;
	s->created    = created;
	return HUES_OK;
}

/* One line on how to mint a token for the zero-configuration secret; it
 * names the file, never its content. */
static void
log_secret(const auth_setup *s)
{
	if (s->secret[0] != '\0') {
		LOG_INFO(NULL,
		    "no JWT keys configured: %s the HS256 secret %s (kid %s); "
		    "mint a token with: hues-token --key %s --sub alice --role "
		    "citizen",
		    s->created ? "made" : "using", s->secret, SECRET_KID,
		    s->secret);
	}
}

/* The dispatcher's hook: auth's principal in the services' terms. */
static int
verify_token(void *arg, const char *token, arena *a, svc_principal *p,
    const char **why, const char **reason)
{
	static const unsigned roles[] = {
	    [AUTH_ROLE_CITIZEN]     = SVC_ROLE_CITIZEN,
	    [AUTH_ROLE_OFFICER]     = SVC_ROLE_OFFICER,
	    [AUTH_ROLE_COORDINATOR] = SVC_ROLE_COORDINATOR,
	    [AUTH_ROLE_ADMIN]       = SVC_ROLE_ADMIN,
	    [AUTH_ROLE_SERVICE]     = SVC_ROLE_SERVICE,
	};
	auth_principal ap;
	int            rv = auth_verify(arg, token, a, &ap, why, reason);

	if (rv != HUES_OK) {
		return rv;
	}
	*p = (svc_principal) {
	    .subject      = ap.subject,
	    .role         = roles[ap.role],
	    .agency       = ap.agency,
	    .ward         = ap.ward,
	    .name         = ap.name,
	    .on_behalf_of = ap.on_behalf_of,
	};
	return HUES_OK;
}

/* SIGHUP: the configuration as it is now, its keys swapped in. A broken
 * configuration leaves the keys in force as they were. */
static void
reload_keys(auth_verifier *av, int argc, char **argv)
{
	hues_config cfg;
	auth_setup  s;
	char        err[512];
	int         rv = CONFIG_ERROR;

	memset(&s, 0, sizeof(s));
	if (config_load(&cfg, argc, argv, environ, stdout, err, sizeof(err)) ==
	        CONFIG_OK &&
	    (rv = auth_setup_init(&cfg, &s, err, sizeof(err))) == HUES_OK &&
	    (rv = auth_verifier_reload(av, &s.opts, err, sizeof(err))) ==
	        HUES_OK) {
		log_secret(&s);
		LOG_INFO(NULL, "SIGHUP: %zu JWT keys in force",
		    auth_verifier_nkeys(av));
	} else {
		LOG_WARN(NULL, "SIGHUP: keeping the JWT keys in force: %s", err);
	}
	auth_setup_fini(&s);
	config_free(&cfg);
}

/* Waits for the next signal of set, or until timeout_ms (-1: forever).
 * Returns the signal, or 0 on timeout. */
static int
next_signal(const sigset_t *set, long timeout_ms)
{
	if (timeout_ms < 0) {
		int sig = 0;
		return sigwait(set, &sig) == 0 ? sig : 0;
	}
	struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000};
	int             sig = sigtimedwait(set, NULL, &ts);
	return sig > 0 ? sig : 0;
}

/* Serves until SIGINT or SIGTERM. */
static void
serve(const sigset_t *set, svc_registry *reg, auth_verifier *av, int argc,
    char **argv)
{
	for (;;) {
		int sig = next_signal(set, -1);
		if (sig == SIGINT || sig == SIGTERM) {
			return;
		}
		if (sig == SIGUSR1) {
			svc_registry_event(reg, SVC_EVENT_RELEASE);
		} else if (sig == SIGHUP) {
			reload_keys(av, argc, argv);
		}
	}
}

/* Lets calls in flight finish within the grace period, then tells the
 * rest to stop. A second SIGINT or SIGTERM cuts the grace short. */
static void
drain(const sigset_t *set, rpc_server *srv, svc_registry *reg,
    unsigned grace_ms)
{
	uint64_t grace_end = clock_now_ns() + (uint64_t) grace_ms * 1000000u;

	rpc_server_begin_drain(srv);
	LOG_INFO(NULL, "draining: %zu calls in flight, grace %u ms",
	    rpc_server_in_flight(srv), grace_ms);
	while (!rpc_server_wait_idle(srv, clock_now_ns() + 20000000u)) {
		int sig = next_signal(set, 0);
		if (sig == SIGUSR1) {
			svc_registry_event(reg, SVC_EVENT_RELEASE);
		}
		if (sig == SIGINT || sig == SIGTERM || clock_now_ns() >= grace_end) {
			LOG_WARN(NULL,
			    "grace period over with %zu calls in flight; "
			    "stopping them",
			    rpc_server_in_flight(srv));
			atomic_store(&stopping, true);
			svc_registry_event(reg, SVC_EVENT_DRAIN);
			rpc_server_wait_idle(srv,
			    clock_now_ns() + (uint64_t) STOP_WAIT_MS * 1000000u);
			return;
		}
	}
}

int
main(int argc, char **argv)
{
	hues_config  cfg;
	char         err[512];
	sigset_t     set;
	store       *st  = NULL;
	svc_registry *reg = NULL;
	rpc_server  *srv = NULL;
	auth_verifier *av = NULL;
	auth_setup   as;
	int          rv, status = 1;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A call's memory is freed in large chunks as soon as its reply is
	 * sent; without these glibc hands it back to the kernel and faults it
	 * in again for the next call (madvise, page faults in the profile of
	 * PublicFeed). Memory a busy server used once it will use again. */
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);

	rv = config_load(&cfg, argc, argv, environ, stdout, err, sizeof(err));
	if (rv != CONFIG_OK) {
		if (rv == CONFIG_ERROR) {
			fprintf(stderr, "hues-server: %s\n", err);
		}
		config_free(&cfg);
		return rv == CONFIG_EXIT ? 0 : 2;
	}
	log_set_level(cfg.log_level);

	store_opts so = {.dir = cfg.data_dir, .map_size = cfg.map_size,
	    .no_huge_pages = !cfg.huge_pages};
	if (store_open(&so, &st, err, sizeof(err)) != HUES_OK) {
		fprintf(stderr, "hues-server: %s\n", err);
		goto out;
	}
	rv = auth_setup_init(&cfg, &as, err, sizeof(err));
	if (rv == HUES_OK) {
		rv = auth_verifier_create(&as.opts, err, sizeof(err), &av);
	}
	auth_setup_fini(&as); /* as.secret and as.created stay readable */
	if (rv != HUES_OK) {
		fprintf(stderr, "hues-server: %s\n", err);
		goto out;
	}
	svc_env env = {.debug_methods = cfg.debug_methods,
	    .draining      = &draining,
	    .store         = st,
	    .holidays      = cfg.holidays,
	    .rating_window_s = cfg.rating_window_s,
	    .sweep_ms      = cfg.sweep_ms,
	    .scan_budget = cfg.scan_budget};
	if (svc_registry_create(&reg) != HUES_OK ||
	    services_register_all(reg, &env) != HUES_OK) {
		fprintf(stderr, "hues-server: cannot set up services\n");
		goto out;
	}
	rpc_server_opts ro = {
	    .urls          = (const char *const *) cfg.listen,
	    .nurls         = cfg.nlisten,
	    .workers       = cfg.workers,
	    .queue_depth   = cfg.queue_depth,
	    .max_request   = cfg.max_request_bytes,
	    .tls_cert_file = cfg.tls_cert,
	    .tls_key_file  = cfg.tls_key,
	    .reg           = reg,
	    .auth          = verify_token,
	    .auth_arg      = av,
	    .draining      = &draining,
	    .stopping      = &stopping,
	    .write_rate_per_hour = cfg.write_rate_per_hour,
	    .write_burst         = cfg.write_burst,
	};
	if (rpc_server_start(&ro, &srv, err, sizeof(err)) != HUES_OK) {
		fprintf(stderr, "hues-server: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < cfg.nlisten; i++) {
		LOG_INFO(NULL, "listening on %s", rpc_server_url(srv, i));
	}
	LOG_INFO(NULL,
	    "hues-server %s ready: data dir %s, %u workers, queue %zu%s",
	    HUES_VERSION, cfg.data_dir, cfg.workers, cfg.queue_depth,
	    cfg.debug_methods ? ", debug methods ON" : "");
	log_secret(&as);

	serve(&set, reg, av, argc, argv);
	drain(&set, srv, reg, cfg.grace_ms);
	status = 0;
out:
	rpc_server_stop(srv);
	auth_verifier_destroy(av);
	svc_registry_destroy(reg);
	if (status == 0) {
		/* What group commit achieved, for operators and benchmarks;
		 * a server that failed to start prints its one line only. */
		store_stats ss;
		store_stats_get(st, &ss);
		LOG_INFO(NULL,
		    "store: %llu writes in %llu commits (largest %llu), %llu "
		    "failed, %llu batches redone to roll one back",
		    (unsigned long long) ss.requests_committed,
		    (unsigned long long) ss.commits,
		    (unsigned long long) ss.largest_batch,
		    (unsigned long long) ss.requests_failed,
		    (unsigned long long) ss.batches_redone);
		/* Per commit, so that idle hours do not dilute it: whether
		 * the disk or the work of the writes bounds the write rate. */
		double per = ss.commits > 0 ? 1e3 * (double) ss.commits : 1;
		LOG_INFO(NULL,
		    "store: writer per commit: %.0f us running the writes, "
		    "%.0f us committing them, %.0f us completing them; idle "
		    "%.1f s",
		    (double) ss.writer_run_ns / per,
		    (double) ss.writer_commit_ns / per,
		    (double) ss.writer_complete_ns / per,
		    (double) ss.writer_idle_ns / 1e9);
	}
	store_close(st);
	if (status == 0) {
		LOG_INFO(NULL, "stopped");
	}
	config_free(&cfg);
	return status;
}
