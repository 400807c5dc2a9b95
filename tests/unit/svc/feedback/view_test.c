/*
 * view_test.c - who gets which view of a report (docs/feedback.md, "Who
 * may call what" and "Views"), and what each view leaves of it: the
 * reporter only in the full and own views, internal notes only for staff
 * of the full and officer views, actors by the rules of each view, and the
 * private exchange of agency and reporter never in the public view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "svc/call_impl.h"
#include "svc/feedback/fb.h"

#define REPORTER "citizen-1"
#define AGENCY   "so-gtvt"

typedef struct fixture {
	arena    a;
	svc_call call;
} fixture;

static int
setup(void **state)
{
	static fixture f;
	arena_init(&f.a, 8192);
	call_init(&f.call, &f.a, NULL, NULL, NULL);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;
	arena_fini(&f->a);
	return 0;
}

/* A fresh call made by p (NULL: anonymous): the refusals are recorded
 * for the call's principal, so it is the same as the one asked about. */
static svc_call *
fresh(fixture *f, const svc_principal *p)
{
	arena_reset(&f->a);
	call_init(&f->call, &f->a, NULL, NULL, NULL);
	if (p != NULL) {
		f->call.principal = *p;
	}
	return &f->call;
}

/* ----- the report --------------------------------------------------------- */

typedef struct entry_spec {
	Hues__V1__ReportAction action;
	Hues__V1__ActorRole    role;
	const char            *actor;
	const char            *public_note;
	const char            *internal_note;
	size_t                 nmedia;
} entry_spec;

#define A(x) HUES__V1__REPORT_ACTION__REPORT_ACTION_##x
#define R(x) HUES__V1__ACTOR_ROLE__ACTOR_ROLE_##x

/* One entry of every kind of actor and of every action with a note. */
static const entry_spec history[] = {
	{ A(SUBMIT), R(REPORTER), REPORTER, "", "", 0 },
	{ A(ACCEPT), R(COORDINATOR), "coord-1", "", "routed by hand", 0 },
	{ A(ACKNOWLEDGE), R(OFFICER), "officer-1", "", "crew 3 tomorrow", 0 },
	{ A(REQUEST_INFO), R(OFFICER), "officer-1", "Which lane?",
	    "ask about the lane", 1 },
	{ A(PROVIDE_INFO), R(REPORTER), REPORTER, "The left lane, by no. 12",
	    "", 2 },
	{ A(START_WORK), R(OFFICER), "officer-1", "", "", 0 },
	{ A(COMMENT), R(REPORTER), REPORTER, "Still there, 30 cm deep", "", 1 },
	{ A(EXTEND_DEADLINE), R(OFFICER), "officer-1", "Waiting for asphalt",
	    "the supplier is late", 0 },
	{ A(RESOLVE), R(OFFICER), "officer-1", "Filled on 3 March",
	    "crew 3, 2 hours", 1 },
	{ A(REOPEN), R(REPORTER), REPORTER, "", "", 0 },
	{ A(RETURN_TO_TRIAGE), R(OFFICER), "officer-2",
	    "Not ours: a hepco road", "belongs to hepco", 0 },
	{ A(ACCEPT), R(COORDINATOR), "coord-2", "", "sent to hepco", 0 },
	{ A(RESOLVE), R(OFFICER), "officer-3", "Done", "", 0 },
	{ A(EXPIRE_RATING), R(SYSTEM), "system", "", "", 0 },
};
#define NHISTORY (sizeof(history) / sizeof(history[0]))

static char *
dup(svc_call *call, const char *s)
{
	return call_strdup(call, s);
}

static Hues__V1__MediaRef *
media(svc_call *call, const char *url)
{
	Hues__V1__MediaRef *m =
	    call_new_message(call, &hues__v1__media_ref__descriptor);
	m->source_case  = HUES__V1__MEDIA_REF__SOURCE_URL;
	m->url          = dup(call, url);
	m->content_type = dup(call, "image/jpeg");
	return m;
}

/* A report in the call's memory, as a handler has it after loading. */
static Hues__V1__Report *
make_report(
    svc_call *call, const char *reporter, const char *agency, bool published)
{
	Hues__V1__Report *r =
	    call_new_message(call, &hues__v1__report__descriptor);
	r->id          = dup(call, "R0000000042");
	r->category    = dup(call, "road.pothole");
	r->title       = dup(call, "Ổ gà lớn trước số 12 Lê Lợi");
	r->description = dup(call, "Sâu khoảng 20 cm");
	r->reporter    = dup(call, reporter);
	r->agency      = dup(call, agency);
	r->answer      = dup(call, "Filled on 3 March");
	r->state       = HUES__V1__REPORT_STATE__REPORT_STATE_CLOSED;
	r->published   = published;
	r->hide_name   = true;
	r->supporters  = 3;

	r->n_history = NHISTORY;
	r->history   = call_alloc(call, NHISTORY * sizeof(*r->history));
	for (size_t i = 0; i < NHISTORY; i++) {
		Hues__V1__HistoryEntry *e = call_new_message(
		    call, &hues__v1__history_entry__descriptor);
		e->at            = 1767225600 + (int64_t) i * 3600;
		e->action        = history[i].action;
		e->role          = history[i].role;
		e->actor         = dup(call, history[i].actor);
		e->public_note   = dup(call, history[i].public_note);
		e->internal_note = dup(call, history[i].internal_note);
		e->n_media       = history[i].nmedia;
		e->media =
		    call_alloc(call, (e->n_media + 1) * sizeof(*e->media));
		for (size_t k = 0; k < e->n_media; k++) {
			e->media[k] =
			    media(call, "https://media.hue.gov.vn/h.jpg");
		}
		r->history[i] = e;
	}

	r->n_extensions = 2;
	r->extensions   = call_alloc(call, 2 * sizeof(*r->extensions));
	for (size_t i = 0; i < 2; i++) {
		Hues__V1__DeadlineExtension *x = call_new_message(
		    call, &hues__v1__deadline_extension__descriptor);
		x->at             = 1767300000 + (int64_t) i;
		x->old_resolve_by = 1767400000;
		x->new_resolve_by = 1767500000;
		x->reason         = dup(call, "Waiting for asphalt");
		x->actor = dup(call, i == 0 ? "officer-1" : "officer-3");
		r->extensions[i] = x;
	}

	r->rating =
	    call_new_message(call, &hues__v1__report_rating__descriptor);
	r->rating->rating  = HUES__V1__RATING__RATING_DISSATISFIED;
	r->rating->comment = dup(call, "Không sửa gì cả");
	r->rating->at      = 1767600000;
	return r;
}

/* ----- fb_view_for -------------------------------------------------------- */

#define WHO(sub, r, ag, obo)                                                 \
	{                                                                    \
		.subject = sub, .role = r, .agency = ag, .on_behalf_of = obo \
	}

static const svc_principal coordinator =
    WHO("coord-1", SVC_ROLE_COORDINATOR, NULL, NULL);
static const svc_principal admin = WHO("admin-1", SVC_ROLE_ADMIN, NULL, NULL);
static const svc_principal reporter =
    WHO(REPORTER, SVC_ROLE_CITIZEN, NULL, NULL);
static const svc_principal gateway_for_reporter =
    WHO("gateway-1", SVC_ROLE_SERVICE, NULL, REPORTER);
static const svc_principal gateway_for_other =
    WHO("gateway-1", SVC_ROLE_SERVICE, NULL, "citizen-2");
static const svc_principal gateway_alone =
    WHO("gateway-1", SVC_ROLE_SERVICE, NULL, NULL);
/* A gateway whose own name is the reporter's still acts for nobody. */
static const svc_principal gateway_named_reporter =
    WHO(REPORTER, SVC_ROLE_SERVICE, NULL, NULL);
static const svc_principal officer =
    WHO("officer-1", SVC_ROLE_OFFICER, AGENCY, NULL);
static const svc_principal other_officer =
    WHO("officer-9", SVC_ROLE_OFFICER, "hepco", NULL);
static const svc_principal officer_no_agency =
    WHO("officer-8", SVC_ROLE_OFFICER, NULL, NULL);
/* The reporter with an officer's token: an officer, not the owner. */
static const svc_principal reporter_as_officer =
    WHO(REPORTER, SVC_ROLE_OFFICER, "hepco", NULL);
static const svc_principal other_citizen =
    WHO("citizen-2", SVC_ROLE_CITIZEN, NULL, NULL);
static const svc_principal anonymous = { 0 };

typedef struct view_case {
	const char          *name;
	const svc_principal *who;
	int                  published_view; /* an fb_view */
	int                  unpublished;    /* an fb_view, or -status */
	const char          *reason;         /* of the refusal */
} view_case;

#define DENIED(r) -HUES_PERMISSION_DENIED, r

static const view_case view_cases[] = {
	{ "coordinator", &coordinator, FB_VIEW_FULL, FB_VIEW_FULL, NULL },
	{ "admin", &admin, FB_VIEW_FULL, FB_VIEW_FULL, NULL },
	{ "reporter", &reporter, FB_VIEW_OWN, FB_VIEW_OWN, NULL },
	{ "gateway obo reporter", &gateway_for_reporter, FB_VIEW_OWN,
	    FB_VIEW_OWN, NULL },
	{ "gateway obo other", &gateway_for_other, FB_VIEW_PUBLIC,
	    DENIED("NOT_OWNER") },
	{ "gateway alone", &gateway_alone, FB_VIEW_PUBLIC, DENIED("NO_USER") },
	{ "gateway named as reporter", &gateway_named_reporter, FB_VIEW_PUBLIC,
	    DENIED("NO_USER") },
	{ "officer of the agency", &officer, FB_VIEW_OFFICER, FB_VIEW_OFFICER,
	    NULL },
	{ "officer of another agency", &other_officer, FB_VIEW_PUBLIC,
	    DENIED("OTHER_AGENCY") },
	{ "officer of no agency", &officer_no_agency, FB_VIEW_PUBLIC,
	    DENIED("OTHER_AGENCY") },
	{ "reporter as officer", &reporter_as_officer, FB_VIEW_PUBLIC,
	    DENIED("OTHER_AGENCY") },
	{ "other citizen", &other_citizen, FB_VIEW_PUBLIC,
	    DENIED("NOT_OWNER") },
	{ "anonymous", &anonymous, FB_VIEW_PUBLIC, -HUES_UNAUTHENTICATED,
	    "TOKEN_MISSING" },
};

static void
test_view_for_each_principal(void **state)
{
	fixture *f = *state;
	for (size_t i = 0; i < sizeof(view_cases) / sizeof(view_cases[0]);
	     i++) {
		const view_case *c = &view_cases[i];
		for (int pub = 1; pub >= 0; pub--) {
			svc_call         *call = fresh(f, c->who);
			Hues__V1__Report *r =
			    make_report(call, REPORTER, AGENCY, pub);
			fb_view v    = (fb_view) 99;
			int     rv   = fb_view_for(call, c->who, r, &v);
			int     want = pub ? c->published_view : c->unpublished;

			if (want >= 0) {
				if (rv != HUES_OK || (int) v != want) {
					fail_msg("%s, %s: got %d view %d, want "
					         "view %d",
					    c->name,
					    pub ? "published" : "unpublished",
					    rv, (int) v, want);
				}
				assert_null(call->message);
				continue;
			}
			if (rv != -want) {
				fail_msg("%s, unpublished: got %d, want %d",
				    c->name, rv, -want);
			}
			assert_int_equal(v, 99); /* written only on success */
			assert_non_null(call->reason);
			assert_string_equal(call->reason, c->reason);
			/* The refusal names neither the owner nor the agency.
			 */
			assert_non_null(call->message);
			assert_null(strstr(call->message, REPORTER));
			assert_null(strstr(call->message, AGENCY));
		}
	}
}

/* Before triage there is no agency: no officer has it; an anonymous
 * report has no owner: nobody gets the own view of it. */
static void
test_view_for_unrouted_and_anonymous(void **state)
{
	fixture      *f                 = *state;
	svc_principal blank             = officer;
	blank.agency                    = "";
	const svc_principal *officers[] = { &officer, &blank,
		&officer_no_agency };

	for (size_t i = 0; i < 3; i++) {
		svc_call         *call = fresh(f, officers[i]);
		Hues__V1__Report *r    = make_report(call, REPORTER, "", false);
		fb_view           v    = (fb_view) 99;
		assert_int_equal(fb_view_for(call, officers[i], r, &v),
		    HUES_PERMISSION_DENIED);
		assert_string_equal(call->reason, "OTHER_AGENCY");

		call = fresh(f, officers[i]);
		r    = make_report(call, REPORTER, "", true);
		assert_int_equal(
		    fb_view_for(call, officers[i], r, &v), HUES_OK);
		assert_int_equal(v, FB_VIEW_PUBLIC);
	}

	svc_principal empty_user = WHO("", SVC_ROLE_CITIZEN, NULL, NULL);
	svc_principal gw_empty   = WHO("gateway-1", SVC_ROLE_SERVICE, NULL, "");
	const svc_principal *citizens[] = { &reporter, &empty_user, &gw_empty,
		&gateway_for_reporter };
	for (size_t i = 0; i < 4; i++) {
		svc_call         *call = fresh(f, citizens[i]);
		Hues__V1__Report *r    = make_report(call, "", AGENCY, false);
		fb_view           v    = (fb_view) 99;
		assert_int_equal(fb_view_for(call, citizens[i], r, &v),
		    HUES_PERMISSION_DENIED);
		assert_int_equal(v, 99);

		call = fresh(f, citizens[i]);
		r    = make_report(call, "", AGENCY, true);
		assert_int_equal(
		    fb_view_for(call, citizens[i], r, &v), HUES_OK);
		assert_int_equal(v, FB_VIEW_PUBLIC);
	}

	/* Staff read an anonymous, unrouted report as ever. */
	svc_call         *call = fresh(f, &coordinator);
	Hues__V1__Report *r    = make_report(call, "", "", false);
	fb_view           v    = (fb_view) 99;
	assert_int_equal(fb_view_for(call, &coordinator, r, &v), HUES_OK);
	assert_int_equal(v, FB_VIEW_FULL);
}

/* ----- fb_view_apply ------------------------------------------------------ */

static bool
private_exchange(Hues__V1__ReportAction a)
{
	return a == A(REQUEST_INFO) || a == A(PROVIDE_INFO) || a == A(COMMENT);
}

static const char *
want_actor(fb_view v, const entry_spec *e)
{
	switch (v) {
	case FB_VIEW_FULL: return e->actor;
	case FB_VIEW_OWN: return e->role == R(REPORTER) ? e->actor : "";
	case FB_VIEW_OFFICER: return e->role == R(REPORTER) ? "" : e->actor;
	default: return "";
	}
}

static const char *const view_names[] = { "full", "own", "officer", "public" };

static void
check_view(fixture *f, fb_view v)
{
	const char       *vn   = view_names[v];
	svc_call         *call = fresh(f, NULL);
	Hues__V1__Report *r    = make_report(call, REPORTER, AGENCY, true);
	fb_view_apply(call, r, v);

	bool staff = v == FB_VIEW_FULL || v == FB_VIEW_OFFICER;
	assert_string_equal(
	    r->reporter, v == FB_VIEW_FULL || v == FB_VIEW_OWN ? REPORTER : "");

	/* What every view keeps. */
	assert_string_equal(r->id, "R0000000042");
	assert_string_equal(r->title, "Ổ gà lớn trước số 12 Lê Lợi");
	assert_string_equal(r->agency, AGENCY);
	assert_string_equal(r->answer, "Filled on 3 March");
	assert_int_equal(r->supporters, 3);
	assert_true(r->hide_name);
	assert_int_equal(r->n_history, NHISTORY);

	for (size_t i = 0; i < NHISTORY; i++) {
		const entry_spec       *s = &history[i];
		Hues__V1__HistoryEntry *e = r->history[i];
		if (strcmp(e->actor, want_actor(v, s)) != 0) {
			fail_msg(
			    "%s view, entry %zu (action %d, role %d): actor "
			    "\"%s\"",
			    vn, i, (int) s->action, (int) s->role, e->actor);
		}
		if (strcmp(e->internal_note, staff ? s->internal_note : "") !=
		    0) {
			fail_msg("%s view, entry %zu: internal note \"%s\"", vn,
			    i, e->internal_note);
		}
		bool hide = v == FB_VIEW_PUBLIC && private_exchange(s->action);
		if (strcmp(e->public_note, hide ? "" : s->public_note) != 0) {
			fail_msg("%s view, entry %zu (action %d): public note "
			         "\"%s\"",
			    vn, i, (int) s->action, e->public_note);
		}
		assert_int_equal(e->n_media, hide ? 0 : s->nmedia);
		assert_int_equal(e->action, s->action);
		assert_int_equal(e->role, s->role);
		assert_int_equal(e->at, 1767225600 + (int64_t) i * 3600);
	}

	assert_int_equal(r->n_extensions, 2);
	for (size_t i = 0; i < 2; i++) {
		const char *want =
		    staff ? (i == 0 ? "officer-1" : "officer-3") : "";
		assert_string_equal(r->extensions[i]->actor, want);
		/* The reason is sent to the reporter: public. */
		assert_string_equal(
		    r->extensions[i]->reason, "Waiting for asphalt");
		assert_int_equal(r->extensions[i]->new_resolve_by, 1767500000);
	}

	assert_non_null(r->rating);
	assert_int_equal(
	    r->rating->rating, HUES__V1__RATING__RATING_DISSATISFIED);
	assert_string_equal(
	    r->rating->comment, v == FB_VIEW_PUBLIC ? "" : "Không sửa gì cả");

	/* The view is the same on a second pass: nothing left to hide. */
	fb_view_apply(call, r, v);
	assert_string_equal(
	    r->reporter, v == FB_VIEW_FULL || v == FB_VIEW_OWN ? REPORTER : "");
}

static void
test_view_apply_full(void **state)
{
	check_view(*state, FB_VIEW_FULL);
}

static void
test_view_apply_own(void **state)
{
	check_view(*state, FB_VIEW_OWN);
}

static void
test_view_apply_officer(void **state)
{
	check_view(*state, FB_VIEW_OFFICER);
}

static void
test_view_apply_public(void **state)
{
	check_view(*state, FB_VIEW_PUBLIC);
}

/* A report fresh from triage: no rating, no extensions, one entry. */
static void
test_view_apply_bare_report(void **state)
{
	fixture *f = *state;
	for (int v = FB_VIEW_FULL; v <= FB_VIEW_PUBLIC; v++) {
		svc_call         *call = fresh(f, NULL);
		Hues__V1__Report *r    = make_report(call, "", AGENCY, true);
		r->rating              = NULL;
		r->n_extensions        = 0;
		r->n_history           = 1;
		fb_view_apply(call, r, (fb_view) v);
		assert_null(r->rating);
		assert_string_equal(r->reporter, "");

		Hues__V1__Report *none =
		    call_new_message(call, &hues__v1__report__descriptor);
		fb_view_apply(call, none, (fb_view) v);
		assert_int_equal(none->n_history, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_for_each_principal),
		cmocka_unit_test(test_view_for_unrouted_and_anonymous),
		cmocka_unit_test(test_view_apply_full),
		cmocka_unit_test(test_view_apply_own),
		cmocka_unit_test(test_view_apply_officer),
		cmocka_unit_test(test_view_apply_public),
		cmocka_unit_test(test_view_apply_bare_report),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
