/*
 * registry_test.c - the method table: adding services, lookup by full
 * method name, the refusals of svc_registry_add() and who frees a
 * service's state when, events; and the real table of
 * services_register_all(), checked row by row and against the SDK's list
 * of methods (hues/api.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hues/api.h"
#include "svc/all.h"
#include "svc/registry.h"

/* What the hooks of a fake service saw. */
typedef struct hooks {
	int       destroyed;
	int       events;
	svc_event last;
} hooks;

static void
on_destroy(void *state)
{
	((hooks *) state)->destroyed++;
}

static void
on_event(void *state, svc_event ev)
{
	hooks *h = state;
	h->events++;
	h->last = ev;
}

static int
handler(svc_call *call, const void *req, void *resp)
{
	(void) call;
	(void) req;
	(void) resp;
	return HUES_OK;
}

/* A row with only a name and a handler: the registry looks at nothing
 * else. */
#define M(n) .name = (n), .handler = handler
static const svc_method a_methods[] = {
    {M("/test.v1.A/One")}, {M("/test.v1.A/Two")}};
static const svc_method b_methods[] = {{M("/test.v1.B/One")}};

static svc_service
service(const char *name, const svc_method *m, size_t n, hooks *h)
{
	return (svc_service) {.name = name,
	    .methods                = m,
	    .nmethods               = n,
	    .state                  = h,
	    .event                  = on_event,
	    .destroy                = on_destroy};
}

static svc_registry *
make(void)
{
	svc_registry *reg = NULL;
	assert_int_equal(svc_registry_create(&reg), HUES_OK);
	assert_non_null(reg);
	return reg;
}

static const svc_method *
find(const svc_registry *reg, const char *name, const svc_service **owner)
{
	return svc_registry_lookup(reg, name, strlen(name), owner);
}

static void
test_registry_lookup(void **state)
{
	(void) state;
	svc_registry      *reg = make();
	hooks              ha = {0}, hb = {0};
	const svc_service *owner = NULL;

	assert_null(find(reg, "/test.v1.A/One", &owner)); /* empty table */
	svc_service a = service("test.v1.A", a_methods, 2, &ha);
	svc_service b = service("test.v1.B", b_methods, 1, &hb);
	assert_int_equal(svc_registry_add(reg, &a), HUES_OK);
	assert_int_equal(svc_registry_add(reg, &b), HUES_OK);

	/* Hits return the row itself and its service. */
	assert_ptr_equal(find(reg, "/test.v1.A/Two", &owner), &a_methods[1]);
	assert_string_equal(owner->name, "test.v1.A");
	assert_ptr_equal(owner->state, &ha);
	assert_ptr_equal(find(reg, "/test.v1.B/One", &owner), &b_methods[0]);
	assert_string_equal(owner->name, "test.v1.B");
	assert_ptr_equal(find(reg, "/test.v1.A/One", NULL), &a_methods[0]);
	/* Misses: unknown, a prefix, a longer name, another case. */
	assert_null(find(reg, "/test.v1.A/Three", NULL));
	assert_null(find(reg, "/test.v1.A/On", NULL));
	assert_null(find(reg, "/test.v1.A/OneX", NULL));
	assert_null(find(reg, "/test.v1.a/one", NULL));
	assert_null(find(reg, "", NULL));
	/* The name need not end with a NUL: len decides. */
	const char *buf = "/test.v1.A/OneTwo";
	assert_ptr_equal(
	    svc_registry_lookup(reg, buf, 14, NULL), &a_methods[0]);
	assert_null(svc_registry_lookup(reg, buf, 13, NULL));
	assert_null(svc_registry_lookup(reg, buf, 17, NULL));

	/* Services in the order they were added. */
	assert_int_equal(svc_registry_count(reg), 2);
	assert_string_equal(svc_registry_at(reg, 0)->name, "test.v1.A");
	assert_string_equal(svc_registry_at(reg, 1)->name, "test.v1.B");
	assert_null(svc_registry_at(reg, 2));
	assert_ptr_equal(svc_registry_service(reg, "test.v1.B")->state, &hb);
	assert_null(svc_registry_service(reg, "test.v1"));
	svc_registry_destroy(reg);
	assert_int_equal(ha.destroyed, 1);
	assert_int_equal(hb.destroyed, 1);
}

static void
test_registry_many_methods(void **state)
{
	(void) state;
	/* Enough rows to grow the hash well past its first size. */
	enum { N = 300 };
	static char       names[N][32];
	static svc_method rows[N];
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "/test.v1.Big/M%d", i);
		rows[i] = (svc_method) {M(names[i])};
	}
	svc_registry *reg = make();
	hooks         h   = {0};
	svc_service   s   = service("test.v1.Big", rows, N, &h);
	assert_int_equal(svc_registry_add(reg, &s), HUES_OK);
	for (int i = 0; i < N; i++) {
		assert_ptr_equal(find(reg, names[i], NULL), &rows[i]);
	}
	assert_null(find(reg, "/test.v1.Big/M300", NULL));
	svc_registry_destroy(reg);
}

static void
test_registry_refuses_duplicates(void **state)
{
	(void) state;
	svc_registry *reg = make();
	hooks         ha = {0}, dup = {0}, twice = {0};
	svc_service   a = service("test.v1.A", a_methods, 2, &ha);
	assert_int_equal(svc_registry_add(reg, &a), HUES_OK);

	/* The same service name again. */
	svc_service again = service("test.v1.A", b_methods, 0, &dup);
	assert_int_equal(svc_registry_add(reg, &again), HUES_ALREADY_EXISTS);
	/* The registry owns the state even on failure: freed at once. */
	assert_int_equal(dup.destroyed, 1);

	/* One method name twice in a new service. */
	static const svc_method same[] = {
	    {M("/test.v1.C/X")}, {M("/test.v1.C/X")}};
	svc_service c = service("test.v1.C", same, 2, &twice);
	assert_int_equal(svc_registry_add(reg, &c), HUES_ALREADY_EXISTS);
	assert_int_equal(twice.destroyed, 1);

	/* Neither failure disturbed the table. */
	assert_int_equal(svc_registry_count(reg), 1);
	assert_null(svc_registry_service(reg, "test.v1.C"));
	assert_null(find(reg, "/test.v1.C/X", NULL));
	assert_ptr_equal(find(reg, "/test.v1.A/Two", NULL), &a_methods[1]);
	svc_registry_destroy(reg);
	/* Destroy frees only what is in the table, once. */
	assert_int_equal(ha.destroyed, 1);
	assert_int_equal(dup.destroyed, 1);
	assert_int_equal(twice.destroyed, 1);
}

static void
test_registry_refuses_malformed_method_names(void **state)
{
	(void) state;
	const char *bad[] = {
	    "test.v1.A/One",      /* no leading slash */
	    "/test.v1.B/One",     /* another service's name */
	    "/test.v1.AB/One",    /* the service name is only a prefix */
	    "/test.v1/One",       /* a prefix of the service name */
	    "/test.v1.A",         /* no method part */
	    "/test.v1.A/",        /* an empty method */
	    "/test.v1.A/One/Two", /* a slash in the method */
	    "//test.v1.A/One",    /* an extra slash */
	};
	svc_registry *reg = make();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		svc_method  rows[2] = {{M("/test.v1.A/Fine")}, {M(bad[i])}};
		hooks       h       = {0};
		svc_service s       = service("test.v1.A", rows, 2, &h);
		if (svc_registry_add(reg, &s) != HUES_INVALID_ARGUMENT) {
			fail_msg("accepted method name '%s'", bad[i]);
		}
		assert_int_equal(h.destroyed, 1);
	}
	assert_int_equal(svc_registry_count(reg), 0);
	assert_null(find(reg, "/test.v1.A/Fine", NULL));
	svc_registry_destroy(reg);
}

static void
test_registry_delivers_events(void **state)
{
	(void) state;
	static const svc_method c_methods[] = {{M("/test.v1.C/One")}};
	svc_registry           *reg         = make();
	hooks                   ha = {0}, hb = {0}, hc = {0};
	svc_service             a = service("test.v1.A", a_methods, 2, &ha);
	svc_service             b = service("test.v1.B", b_methods, 1, &hb);
	svc_service             c = service("test.v1.C", c_methods, 1, &hc);
	b.event                   = NULL; /* optional: b is simply skipped */
	b.destroy                 = NULL;
	assert_int_equal(svc_registry_add(reg, &a), HUES_OK);
	assert_int_equal(svc_registry_add(reg, &b), HUES_OK);
	assert_int_equal(svc_registry_add(reg, &c), HUES_OK);
	svc_registry_event(reg, SVC_EVENT_RELEASE);
	svc_registry_event(reg, SVC_EVENT_DRAIN);
	/* Every service with a hook gets every event, in order. */
	assert_int_equal(ha.events, 2);
	assert_int_equal(ha.last, SVC_EVENT_DRAIN);
	assert_int_equal(hc.events, 2);
	assert_int_equal(hc.last, SVC_EVENT_DRAIN);
	assert_int_equal(hb.events, 0);
	svc_registry_destroy(reg);
	assert_int_equal(ha.destroyed, 1);
	assert_int_equal(hc.destroyed, 1);
	assert_int_equal(hb.destroyed, 0);
	svc_registry_destroy(NULL);
}

/* The SDK's method list, as rows to compare with the server's table. */
typedef struct sdk_row {
	const char                       *name;
	const ProtobufCMessageDescriptor *req, *resp;
	unsigned                          flags;
} sdk_row;

#define SDK_ROW(n, path, Req, Resp, rd, sd, fl) {path, &rd, &sd, fl},
static const sdk_row sdk_methods[] = {HUES_METHODS(SDK_ROW)};
#undef SDK_ROW

/* The services that keep data (Feedback) need a store: one in a temp dir
 * for the whole group. */
static store *st;
static char   st_dir[] = "/tmp/hues-registry-test.XXXXXX";

static int
group_setup(void **state)
{
	char       err[256];
	(void) state;
	assert_non_null(mkdtemp(st_dir));
	store_opts o = {.dir = st_dir, .map_size = 64u << 20};
	assert_int_equal(store_open(&o, &st, err, sizeof(err)), HUES_OK);
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];
	(void) state;
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", st_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static svc_registry *
register_all(bool debug)
{
	static atomic_bool draining;
	svc_env       env = {.debug_methods = debug, .draining = &draining,
	          .store = st, .rating_window_s = 7 * 86400};
	svc_registry *reg = make();
	assert_int_equal(services_register_all(reg, &env), HUES_OK);
	return reg;
}

static void
test_registry_register_all_debug_methods(void **state)
{
	(void) state;
	const char   *test_only[] = {"/hues.v1.Debug/Sleep",
	      "/hues.v1.Debug/Bump", "/hues.v1.Debug/Fail"};
	svc_registry *on          = register_all(true);
	svc_registry *off         = register_all(false);
	/* Echo and the public services are always there ... */
	const char *always[] = {"/hues.v1.Debug/Echo", "/hues.v1.Health/Check",
	    "/hues.v1.Reflection/ListServices",
	    "/hues.v1.Reflection/GetFileDescriptorSet",
	    "/hues.v1.Identity/Whoami"};
	for (size_t i = 0; i < 5; i++) {
		assert_non_null(find(on, always[i], NULL));
		assert_non_null(find(off, always[i], NULL));
	}
	/* ... the test methods only with debug methods on. */
	for (size_t i = 0; i < 3; i++) {
		assert_non_null(find(on, test_only[i], NULL));
		assert_null(find(off, test_only[i], NULL));
	}
	assert_int_equal(svc_registry_count(on), 5);
	assert_int_equal(svc_registry_count(off), 5);
	svc_registry_destroy(on);
	svc_registry_destroy(off);
}

static void
test_registry_register_all_rows_are_complete(void **state)
{
	(void) state;
	svc_registry *reg   = register_all(true);
	size_t        total = 0;
	for (size_t i = 0; i < svc_registry_count(reg); i++) {
		const svc_service *s = svc_registry_at(reg, i);
		for (size_t j = 0; j < s->nmethods; j++) {
			const svc_method  *m     = &s->methods[j];
			const svc_service *owner = NULL;
			assert_non_null(m->handler);
			assert_non_null(m->request);
			assert_non_null(m->response);
			assert_int_equal(m->request->magic,
			    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
			assert_int_equal(m->response->magic,
			    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
			assert_ptr_equal(find(reg, m->name, &owner), m);
			assert_ptr_equal(owner, s);
			total++;
		}
	}
	/* Server and SDK agree on every method: same name, types and
	 * idempotency (the SDK retries what it believes idempotent). */
	size_t n = sizeof(sdk_methods) / sizeof(sdk_methods[0]);
	assert_int_equal(total, n);
	for (size_t i = 0; i < n; i++) {
		const svc_method *m = find(reg, sdk_methods[i].name, NULL);
		if (m == NULL) {
			fail_msg("the server lacks %s", sdk_methods[i].name);
		}
		assert_ptr_equal(m->request, sdk_methods[i].req);
		assert_ptr_equal(m->response, sdk_methods[i].resp);
		assert_int_equal((m->flags & SVC_IDEMPOTENT) != 0,
		    (sdk_methods[i].flags & HUES_METHOD_IDEMPOTENT) != 0);
	}
	svc_registry_destroy(reg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry_lookup),
	    cmocka_unit_test(test_registry_many_methods),
	    cmocka_unit_test(test_registry_refuses_duplicates),
	    cmocka_unit_test(test_registry_refuses_malformed_method_names),
	    cmocka_unit_test(test_registry_delivers_events),
	    cmocka_unit_test(test_registry_register_all_debug_methods),
	    cmocka_unit_test(test_registry_register_all_rows_are_complete),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
