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
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/log.h"
#include "hues/v1/debug.pb-c.h"

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
	Hues__V1__Reply *r = hues__v1__reply__unpack(NULL, outlen, out);
	assert_non_null(r);
	rpc_worker_reset(&f->w);
	return r;
}

Hues__V1__Reply *
dispatch(fixture *f, const spec *s, size_t n, bool batch)
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
	/* Received at boot + 1 ns: a 1 ms deadline is long gone. */
	uint64_t recv = s[0].expired ? 1 : clock_now_ns();
	for (size_t i = 0; i < n; i++) {
		free_md(mds[i], s[i].nmd);
		free(calls[i]);
	}
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
