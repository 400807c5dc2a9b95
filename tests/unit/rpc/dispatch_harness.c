/*
 * dispatch_harness.c - fake services, a fake authenticator and request and
 * reply helpers for dispatch_test.c (see dispatch_harness.h).
 */
#include "dispatch_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../store/fixture.h"
#include "core/clock.h"
#include "core/log.h"
#include "hues/v1/debug.pb-c.h"
#include "svc/write.h"

counters           runs;
static atomic_bool stopping;

static int
set_payload(svc_call *call, Hues__V1__EchoResponse *resp, const char *s)
{
	resp->payload = (ProtobufCBinaryData) {strlen(s), (uint8_t *) s};
	(void) call;
	return HUES_OK;
}

static int
h_echo(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__EchoRequest *req  = reqp;
	Hues__V1__EchoResponse      *resp = respp;
	((counters *) call_state(call))->echo++;
	const char *echo = call_metadata(call, "x-echo");
	if (echo != NULL) {
		return set_payload(call, resp, echo);
	}
	resp->payload = req->payload;
	return HUES_OK;
}

static int
h_count(svc_call *call, const void *reqp, void *respp)
{
	(void) reqp;
	int n = ++((counters *) call_state(call))->count;
	return set_payload(call, respp, call_printf(call, "n=%d", n));
}

static int
h_bad_code(svc_call *call, const void *reqp, void *respp)
{
	(void) reqp;
	(void) respp;
	return call_fail(call, 99, "a code no client knows");
}

static int
h_secret(svc_call *call, const void *reqp, void *respp)
{
	(void) reqp;
	(void) respp;
	((counters *) call_state(call))->secret++;
	return call_fail(call, HUES_INTERNAL, "mdb_put: password=hunter2");
}

static int
h_reject(svc_call *call, const void *reqp, void *respp)
{
	(void) reqp;
	(void) respp;
	((counters *) call_state(call))->reject++;
	call_violation(call, "location.latitude", "must be between -90 and 90");
	call_violation(call, "title", "must not be %s", "empty");
	call_set_reason(call, "BAD_REPORT");
	call_set_retry_after(call, 250);
	return call_invalid(call);
}

static int
h_whoami(svc_call *call, const void *reqp, void *respp)
{
	(void) reqp;
	return set_payload(call, respp, call_principal(call)->subject);
}

static int
h_slow(svc_call *call, const void *reqp, void *respp)
{
	(void) reqp;
	(void) respp;
	/* Runs until its deadline has passed: no sleeping, no timing. */
	while (!call_expired(call)) {
	}
	return HUES_OK;
}

static int
h_fail(svc_call *call, const void *reqp, void *respp)
{
	(void) reqp;
	(void) respp;
	((counters *) call_state(call))->fail++;
	return HUES_OK;
}

/* Every fake method but Fail takes an EchoRequest and answers an
 * EchoResponse; unset fields are 0: no flags, SVC_AUTH_PUBLIC. */
#define FAKE(m)                                          \
	.name     = "/test.v1.Fake/" m,                  \
	.request  = &hues__v1__echo_request__descriptor, \
	.response = &hues__v1__echo_response__descriptor
static const svc_method fake_methods[] = {
    {FAKE("Echo"), .handler = h_echo, .flags = SVC_IDEMPOTENT | SVC_READ_ONLY},
    {FAKE("Count"), .handler = h_count},
    {FAKE("BadCode"), .handler = h_bad_code},
    {FAKE("Secret"), .handler = h_secret},
    {FAKE("Reject"), .handler = h_reject},
    {FAKE("Whoami"), .handler = h_whoami, .flags = SVC_IDEMPOTENT,
        .auth = SVC_AUTH_AUTHENTICATED},
    {FAKE("Officers"), .handler = h_whoami, .flags = SVC_IDEMPOTENT,
        .auth = SVC_AUTH_ROLES, .roles = SVC_ROLE_OFFICER | SVC_ROLE_ADMIN},
    {FAKE("Slow"), .handler = h_slow, .flags = SVC_IDEMPOTENT},
    {.name        = "/test.v1.Fake/Fail",
        .request  = &hues__v1__fail_request__descriptor,
        .response = &hues__v1__fail_response__descriptor,
        .handler  = h_fail,
        .flags    = SVC_IDEMPOTENT},
};

/* Tokens "citizen-<name>", "officer-<name>" and "gateway-for-<name>" (a
 * service acting on behalf of <name>) are valid. */
static int
fake_auth(void *arg, const char *token, arena *a, svc_principal *p,
    const char **why, const char **reason)
{
	((counters *) arg)->auth_calls++;
	if (strncmp(token, "citizen-", 8) == 0) {
		p->subject = arena_strdup(a, token + 8);
		p->role    = SVC_ROLE_CITIZEN;
		return HUES_OK;
	}
	if (strncmp(token, "gateway-for-", 12) == 0) {
		p->subject      = "gateway";
		p->role         = SVC_ROLE_SERVICE;
		p->on_behalf_of = arena_strdup(a, token + 12);
		return HUES_OK;
	}
	if (strncmp(token, "officer-", 8) == 0) {
		p->subject = arena_strdup(a, token + 8);
		p->role    = SVC_ROLE_OFFICER;
		return HUES_OK;
	}
	*why    = "token expired";
	*reason = "TOKEN_EXPIRED";
	return HUES_UNAUTHENTICATED;
}

int
setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	memset(&runs, 0, sizeof(runs));
	assert_int_equal(svc_registry_create(&f->reg), HUES_OK);
	svc_service s = {.name = "test.v1.Fake",
	    .methods           = fake_methods,
	    .nmethods          = sizeof(fake_methods) / sizeof(fake_methods[0]),
	    .state             = &runs};
	assert_int_equal(svc_registry_add(f->reg, &s), HUES_OK);
	assert_int_equal(rpc_idem_create(1000, 1 << 20, 60000, &f->idem), 0);
	f->d = (rpc_dispatcher) {.reg = f->reg,
	    .max_request              = 4u << 20,
	    .stopping                 = &stopping,
	    .auth                     = fake_auth,
	    .auth_arg                 = &runs,
	    .idem                     = f->idem};
	rpc_worker_init(&f->w, 0);
	/* The log is part of the contract (INTERNAL details go there only). */
	f->log = tmpfile();
	log_set_fd(fileno(f->log));
	*state = f;
	return 0;
}

int
teardown(void **state)
{
	fixture *f = *state;
	log_set_fd(2);
	fclose(f->log);
	rpc_worker_fini(&f->w);
	rpc_idem_destroy(f->idem);
	svc_registry_destroy(f->reg);
	free(f);
	return 0;
}

const char *
log_text(fixture *f)
{
	static char buf[16384];
	ssize_t     n      = pread(fileno(f->log), buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static Hues__V1__MetadataEntry **
make_md(const spec *s)
{
	Hues__V1__MetadataEntry **md = calloc(s->nmd + 1, sizeof(*md));
	for (size_t i = 0; i < s->nmd; i++) {
		md[i] = malloc(sizeof(**md));
		hues__v1__metadata_entry__init(md[i]);
		md[i]->key   = (char *) s->md[2 * i];
		md[i]->value = (char *) s->md[2 * i + 1];
	}
	return md;
}

static void
free_md(Hues__V1__MetadataEntry **md, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(md[i]);
	}
	free(md);
}

/* Dispatches raw bytes and returns the decoded reply (caller frees). */
Hues__V1__Reply *
dispatch_bytes(fixture *f, const uint8_t *data, size_t len, uint64_t recv)
{
	const uint8_t *out;
	size_t         outlen;
	rpc_dispatch(&f->d, &f->w, data, len, recv, &out, &outlen);
	Hues__V1__Reply *r = decode_reply(out, outlen);
	rpc_worker_reset(&f->w);
	return r;
}

Hues__V1__Reply *
decode_reply(const uint8_t *data, size_t len)
{
	Hues__V1__Reply *r = hues__v1__reply__unpack(NULL, len, data);
	assert_non_null(r);
	return r;
}

uint8_t *
encode_request(const spec *s, size_t n, bool batch, size_t *lenp)
{
	Hues__V1__Request         r = HUES__V1__REQUEST__INIT;
	Hues__V1__Call           *calls[8];
	Hues__V1__MetadataEntry **mds[8];
	assert_true(n <= 8 && (batch || n == 1));
	for (size_t i = 0; i < n; i++) {
		calls[i] = calloc(1, sizeof(*calls[i]));
		hues__v1__call__init(calls[i]);
		calls[i]->method     = (char *) s[i].method;
		calls[i]->call_id    = s[i].call_id;
		calls[i]->timeout_ms = s[i].expired ? 1 : s[i].timeout_ms;
		calls[i]->payload =
		    (ProtobufCBinaryData) {s[i].plen, (uint8_t *) s[i].payload};
		calls[i]->metadata = mds[i] = make_md(&s[i]);
		calls[i]->n_metadata        = s[i].nmd;
	}
	r.version = 1;
	if (batch) {
		r.batch   = calls;
		r.n_batch = n;
	} else {
		r.method     = calls[0]->method;
		r.call_id    = calls[0]->call_id;
		r.timeout_ms = calls[0]->timeout_ms;
		r.payload    = calls[0]->payload;
		r.metadata   = calls[0]->metadata;
		r.n_metadata = calls[0]->n_metadata;
	}
	size_t   len = hues__v1__request__get_packed_size(&r);
	uint8_t *buf = malloc(len);
	hues__v1__request__pack(&r, buf);
	for (size_t i = 0; i < n; i++) {
		free_md(mds[i], s[i].nmd);
		free(calls[i]);
	}
	*lenp = len;
	return buf;
}

Hues__V1__Reply *
dispatch(fixture *f, const spec *s, size_t n, bool batch)
{
	size_t   len;
	uint8_t *buf = encode_request(s, n, batch, &len);
	/* Received at boot + 1 ns: a 1 ms deadline is long gone. */
	uint64_t         recv  = s[0].expired ? 1 : clock_now_ns();
	Hues__V1__Reply *reply = dispatch_bytes(f, buf, len, recv);
	free(buf);
	return reply;
}

Hues__V1__Reply *
call1(fixture *f, spec s)
{
	return dispatch(f, &s, 1, false);
}

const char *
reason_of(const Hues__V1__Reply *r)
{
	return r->details != NULL ? r->details->reason : "";
}

const char *
rid_of(const Hues__V1__Reply *r)
{
	for (size_t i = 0; i < r->n_metadata; i++) {
		if (strcmp(r->metadata[i]->key, "x-request-id") == 0) {
			return r->metadata[i]->value;
		}
	}
	return NULL;
}

/* Asserts code, reason and the exact message, then frees r. */
void
expect(Hues__V1__Reply *r, int code, const char *reason, const char *msg)
{
	assert_int_equal(r->code, code);
	assert_string_equal(reason_of(r), reason);
	if (msg != NULL) {
		assert_string_equal(r->message, msg);
	}
	if (code != HUES_OK) {
		assert_int_equal(r->payload.len, 0);
	}
	hues__v1__reply__free_unpacked(r, NULL);
}

void
expect_payload(Hues__V1__Reply *r, const char *payload)
{
	assert_int_equal(r->code, HUES_OK);
	/* An EchoResponse with payload (field 1): tag, length, bytes. */
	size_t n = strlen(payload);
	assert_int_equal(r->payload.len, n + 2);
	assert_int_equal(r->payload.data[0], 0x0a);
	assert_int_equal(r->payload.data[1], n);
	assert_memory_equal(r->payload.data + 2, payload, n);
	hues__v1__reply__free_unpacked(r, NULL);
}

/* Asserts an INVALID_ARGUMENT with one violation on field. */
void
expect_violation(Hues__V1__Reply *r, const char *field, const char *desc)
{
	assert_int_equal(r->code, HUES_INVALID_ARGUMENT);
	assert_non_null(r->details);
	assert_int_equal(r->details->n_field_violations, 1);
	assert_string_equal(r->details->field_violations[0]->field, field);
	assert_string_equal(r->details->field_violations[0]->description, desc);
	hues__v1__reply__free_unpacked(r, NULL);
}

/* ----- parking: a service that writes to a real store ------------------ */

park_log parks = {
    .mtx = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* What a test.v1.Store handler hands to its write: filled before it
 * defers, read by the writer thread, then by the after hook. */
typedef struct kv_write {
	store_table            *t;
	ProtobufCBinaryData     key; /* in the call's memory */
	unsigned                flags;
	int                     fail; /* returned after a put that worked */
	Hues__V1__EchoResponse *resp;
} kv_write;

static int
kv_fn(store_txn *txn, void *arg)
{
	kv_write *w  = arg;
	int       rc = store_put(txn, w->t, w->key.data, w->key.len,
	          w->key.data, w->key.len, w->flags);
	return rc != HUES_OK ? rc : w->fail;
}

static int
kv_after_put(svc_call *call, int code, void *arg)
{
	kv_write *w = arg;
	if (code != HUES_OK) {
		return call_fail(call, code, "put failed: %s",
		    hues_status_name(code));
	}
	return set_payload(call, w->resp,
	    call_printf(call, "put %.*s", (int) w->key.len,
	        (const char *) w->key.data));
}

static int
defer_kv(svc_call *call, const void *reqp, void *respp, unsigned flags,
    int fail, svc_after_fn after)
{
	const Hues__V1__EchoRequest *req = reqp;
	fixture                     *f   = call_state(call);
	kv_write                    *w   = call_alloc(call, sizeof(*w));
	*w = (kv_write) {f->kv, req->payload, flags, fail, respp};
	return call_defer_write(call, f->st, kv_fn, w, after);
}

static int
h_put(svc_call *call, const void *reqp, void *respp)
{
	return defer_kv(call, reqp, respp, 0, HUES_OK, kv_after_put);
}

static int
h_insert(svc_call *call, const void *reqp, void *respp)
{
	return defer_kv(
	    call, reqp, respp, STORE_PUT_NOOVERWRITE, HUES_OK, NULL);
}

static int
h_abort(svc_call *call, const void *reqp, void *respp)
{
	return defer_kv(call, reqp, respp, 0, HUES_FAILED_PRECONDITION, NULL);
}

/* Later: a put whose answer is made by its meanwhile work, which notes
 * how many Later handlers had run by then (all of the message's, if the
 * dispatcher runs the meanwhile work after every handler). */
typedef struct later {
	kv_write w;
	int      seen;
} later;

static void
later_meanwhile(svc_call *call, void *arg)
{
	later *l = arg;
	(void) call;
	l->seen  = runs.later;
}

static int
later_after(svc_call *call, int code, void *arg)
{
	later *l = arg;
	if (code != HUES_OK) {
		return call_fail(call, code, "put failed");
	}
	return set_payload(call, l->w.resp,
	    call_printf(call, "later %.*s after %d", (int) l->w.key.len,
	        (const char *) l->w.key.data, l->seen));
}

static int
h_later(svc_call *call, const void *reqp, void *respp)
{
	const Hues__V1__EchoRequest *req = reqp;
	fixture                     *f   = call_state(call);
	later                       *l   = call_alloc(call, sizeof(*l));
	*l = (later) {{f->kv, req->payload, 0, HUES_OK, respp}, -1};
	runs.later++;
	int rc = call_defer_write(call, f->st, kv_fn, &l->w, later_after);
	if (rc == HUES_OK) {
		call_meanwhile(call, later_meanwhile, l);
	}
	return rc;
}

#define KV(m)                                            \
	.name     = "/test.v1.Store/" m,                 \
	.request  = &hues__v1__echo_request__descriptor, \
	.response = &hues__v1__echo_response__descriptor
static const svc_method store_methods[] = {
    {KV("Put"), .handler = h_put},
    {KV("Insert"), .handler = h_insert},
    {KV("Abort"), .handler = h_abort},
    {KV("Later"), .handler = h_later},
};

static int
noop_fn(store_txn *txn, void *arg)
{
	(void) txn;
	(void) arg;
	return HUES_OK;
}

int
store_barrier(store *st)
{
	return store_write(st, noop_fn, NULL);
}

/* The dispatcher's parking hook, on the worker. */
static void
hook_parking(void *arg, rpc_parked *p)
{
	park_log *l = arg;
	if (l->drain_in_parking && store_barrier(l->st) != HUES_OK) {
		pthread_mutex_lock(&l->mtx);
		l->errors++;
		pthread_mutex_unlock(&l->mtx);
	}
	pthread_mutex_lock(&l->mtx);
	l->parking++;
	l->parking_seq = ++l->seq;
	l->parking_p   = p;
	pthread_mutex_unlock(&l->mtx);
	if (l->pool != NULL) {
		rpc_pool_park(l->pool);
	}
}

/* The dispatcher's ready hook: the writer thread, or the worker. No
 * assertion here: cmocka's may only fail on the test's own thread. */
static void
hook_ready(void *arg, rpc_parked *p)
{
	park_log *l = arg;
	pthread_mutex_lock(&l->mtx);
	l->ready++;
	l->ready_seq    = ++l->seq;
	l->ready_p      = p;
	l->ready_thread = pthread_self();
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mtx);
	if (l->pool != NULL) {
		/* p may be finished and freed on a worker from here on. */
		rpc_pool_resume(l->pool, rpc_parked_link(p));
	}
}

int
setup_store(void **state)
{
	setup(state);
	fixture *f = *state;
	fx_tmpdir();
	f->st         = fx_open((store_opts) {.map_size = 0});
	f->kv         = fx_table(f->st, "kv");
	svc_service s = {.name = "test.v1.Store",
	    .methods           = store_methods,
	    .nmethods = sizeof(store_methods) / sizeof(store_methods[0]),
	    .state    = f};
	assert_int_equal(svc_registry_add(f->reg, &s), HUES_OK);
	pthread_mutex_lock(&parks.mtx);
	parks.parking = parks.ready = parks.seq = 0;
	parks.parking_seq = parks.ready_seq = parks.errors = 0;
	parks.parking_p = parks.ready_p = NULL;
	parks.drain_in_parking          = false;
	parks.pool                      = NULL;
	parks.st                        = f->st;
	pthread_mutex_unlock(&parks.mtx);
	f->d.parking   = hook_parking;
	f->d.ready     = hook_ready;
	f->d.ready_arg = &parks;
	return 0;
}

int
teardown_store(void **state)
{
	fixture *f = *state;
	store_close(f->st);
	fx_rmdir();
	return teardown(state);
}

void
wait_ready(unsigned n)
{
	/* Generous: reached only if a ready is lost, never to pass. */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(&parks.mtx);
	int rc = 0;
	while (parks.ready < n && rc == 0) {
		rc = pthread_cond_timedwait(&parks.cv, &parks.mtx, &until);
	}
	unsigned got = parks.ready;
	pthread_mutex_unlock(&parks.mtx);
	if (got < n) {
		fail_msg("ready was called %u times, expected %u", got, n);
	}
}
