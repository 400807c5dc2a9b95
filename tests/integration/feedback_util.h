/*
 * feedback_util.h - what the Feedback integration tests share: a server
 * with a generous write limit, tokens signed with its own secret, a
 * SubmitReport draft that passes validation, the workflow steps as one
 * call each, the outbox read back as plain structs, and field-violation
 * checks. Every helper that "does" something asserts that it worked, so a
 * test reads as the scenario it checks.
 */
#ifndef HUES_TEST_FEEDBACK_UTIL_H
#define HUES_TEST_FEEDBACK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

/* Short names for the long protobuf-c enum constants. */
#define FB_ST(x)   HUES__V1__REPORT_STATE__REPORT_STATE_##x
#define FB_ACT(x)  HUES__V1__REPORT_ACTION__REPORT_ACTION_##x
#define FB_ROLE(x) HUES__V1__ACTOR_ROLE__ACTOR_ROLE_##x
#define FB_AUD(x)  HUES__V1__AUDIENCE__AUDIENCE_##x
#define FB_EV(x)   HUES__V1__EVENT_KIND__EVENT_KIND_##x
#define FB_RATE(x) HUES__V1__RATING__RATING_##x

/* Audience sets, one bit per hues.v1.Audience value. */
#define FB_TO(a) (1u << FB_AUD(a))

/* "R" and ten digits, and a NUL. */
#define FB_ID_LEN 16

/* The centre of Huế (Ngọ Môn, the Citadel's gate), inside the area. */
#define FB_HUE_LAT 16.4637
#define FB_HUE_LON 107.5909

typedef struct fb_token {
	char *key; /* role/sub/agency/obo */
	char *token;
} fb_token;

typedef struct fb_env {
	ht_server    srv;
	hues_client *c;
	char         secret[400];
	fb_token     tokens[128];
	size_t       ntokens;
} fb_env;

/*
 * Starts a server with --write-burst 100000 (tests write much more than a
 * person would) and then args (NULL-terminated, may be NULL), and a
 * client with one attempt per call (nothing is retried behind a test's
 * back). fb_stop() stops it and frees the tokens.
 */
void fb_start(fb_env *e, const char *const *args);
void fb_stop(fb_env *e);

/*
 * The fixture most feedback test files share: a static fb_env named env
 * and the cmocka group setup and teardown that start its server (no
 * extra arguments) before the file's tests and stop it after, for
 * cmocka_run_group_tests(tests, setup, teardown).
 */
#define FB_FILE_SERVER(env)                        \
	static fb_env env;                         \
	static int    setup(void **state)          \
	{                                          \
		(void) state;                      \
		fb_start(&env, NULL);              \
		return 0;                          \
	}                                          \
	static int teardown(void **state)          \
	{                                          \
		(void) state;                      \
		fb_stop(&env);                     \
		return 0;                          \
	}

/* Stops the server gracefully (SIGTERM) or with SIGKILL, and starts it
 * again on the same data dir with args; the tokens stay valid. */
void fb_restart(fb_env *e, bool kill9, const char *const *args);
/* fb_restart, with between(data dir) run while the server is down. */
void fb_restart_after(fb_env *e, bool kill9, const char *const *args,
    void (*between)(const char *data_dir));

/* A token (cached; valid until fb_stop()). agency and obo may be NULL. */
const char *fb_token_for(fb_env *e, const char *role, const char *sub,
    const char *agency, const char *obo);
const char *fb_citizen(fb_env *e, const char *sub);
const char *fb_officer(fb_env *e, const char *sub, const char *agency);
const char *fb_coord(fb_env *e);
const char *fb_admin(fb_env *e);

/* Call options carrying token (NULL: anonymous). */
hues_call_opts fb_as(const char *token);

/* A SubmitReport request that validates, with its own storage: a title,
 * a description, the point, one https photo and the attributes the
 * category requires. Do not copy one after fb_draft_init(). */
typedef struct fb_draft {
	Hues__V1__SubmitReportRequest req;
	Hues__V1__Location            loc;
	Hues__V1__GeoPoint            pt;
	Hues__V1__AttributeValue      attr[8];
	Hues__V1__AttributeValue     *attrp[8];
	char                         *vals[8][2];
	Hues__V1__MediaRef            media[8];
	Hues__V1__MediaRef           *mediap[8];
} fb_draft;

void fb_draft_init(fb_draft *d, const char *category, double lat, double lon);
/* Adds a media reference (exactly one of url and media_id non-NULL, or
 * both for a bad one). At most 8. */
void fb_draft_media(fb_draft *d, const char *url, const char *media_id,
    const char *content_type);
/* Drops every attribute, or adds one (values: one or two strings). */
void fb_draft_no_attrs(fb_draft *d);
void fb_draft_attr(
    fb_draft *d, const char *code, const char *v1, const char *v2);

/* SubmitReport of d as token; returns the code, *out the result. */
int fb_submit_draft(
    fb_env *e, const char *token, const fb_draft *d, hues_result **out);

/* Submits a report of category at (lat, lon) as token and writes its id;
 * asserts OK and state submitted. */
void fb_submit(fb_env *e, const char *token, const char *category, double lat,
    double lon, char id[FB_ID_LEN]);
/* fb_submit at a point of its own, 1.1 km from the others this process
 * submitted so: no report lists another as nearby. */
void fb_submit_apart(fb_env *e, const char *token, const char *category,
    char id[FB_ID_LEN]);

/* Workflow steps, by the method that takes them. */
typedef enum fb_step {
	FB_ACCEPT, /* Triage ACCEPT, agency from the routing table */
	FB_REJECT, /* Triage REJECT with a reason */
	FB_ACKNOWLEDGE,
	FB_START_WORK,
	FB_REQUEST_INFO, /* with a question */
	FB_RESOLVE,      /* with an answer */
	FB_RETURN,       /* ReturnToTriage with a reason */
	FB_WITHDRAW,
	FB_COMMENT, /* AddComment */
	FB_RATE_SATISFIED,
	FB_RATE_NEUTRAL,
	FB_RATE_DISSATISFIED,
} fb_step;

/*
 * Takes step on report id as token, with note as its text (NULL: a
 * default text). Returns the code; *out (may be NULL: freed here) gets the
 * result, whose response, on OK, holds the report.
 */
int fb_do(fb_env *e, const char *token, fb_step step, const char *id,
    const char *note, hues_result **out);

/* The report in a step's (OK) result; NULL for other results. */
const Hues__V1__Report *fb_step_report(const hues_result *res);

/* fb_do() that asserts OK and the state the report is in afterwards. */
void fb_must(
    fb_env *e, const char *token, fb_step step, const char *id, int want_state);

/*
 * Brings a submitted report to state along the shortest legal path:
 * accepted, acknowledged, in_progress, need_info, resolved, closed,
 * reopened, returned_to_triage, rejected, withdrawn. officer must be of
 * the agency the routing table picks; reporter is the report's.
 */
void fb_advance(fb_env *e, const char *id, int state, const char *officer,
    const char *reporter);

/* GetReport as token; asserts OK. The report lives in *res. */
const Hues__V1__Report *fb_get(
    fb_env *e, const char *token, const char *id, hues_result **res);

/* The report's state (read as coordinator). */
int fb_state(fb_env *e, const char *id);

/* One ListMyReports page as token (states: nstates of them, or none);
 * returns the code, the result in *res. */
int fb_list_mine(fb_env *e, const char *token, int page_size,
    const char *page_token, const Hues__V1__ReportState *states,
    size_t nstates, hues_result **res);

/* The last history entry, asserted to be (action, from, to, role). */
void fb_expect_last_history(
    const Hues__V1__Report *r, int action, int from, int to, int role);

/* An outbox event, copied out of its result. */
typedef struct fb_event {
	uint64_t seq;
	int64_t  at;
	int      kind, audience, from, to;
	char     report_id[FB_ID_LEN];
	char     agency[72];
	char     recipient[72];
} fb_event;

/*
 * Reads the whole outbox as a coordinator (page_size 100) and copies the
 * events of report_id (NULL: all) into out[0 .. cap-1]; returns how many
 * matched. Asserts that seq increases strictly across the whole walk.
 */
size_t fb_outbox(fb_env *e, const char *report_id, fb_event *out, size_t cap);

/* Asserts that ev[0 .. n-1] are exactly one event of kind, from -> to,
 * per audience of the set; a REPORTER event names reporter as recipient
 * (NULL: not checked) and AGENCY events name agency (NULL: not checked). */
void fb_expect_events(const fb_event *ev, size_t n, int kind, int from, int to,
    unsigned audiences, const char *reporter, const char *agency);

/* Whether res carries a violation on field, and asserting forms. */
bool fb_has_violation(const hues_result *res, const char *field);
void fb_expect_violation(const hues_result *res, const char *field);
/* Asserts the code of res and, when reason is not NULL, its reason. */
void fb_expect_status(const hues_result *res, int code, const char *reason);

/* Haversine distance in metres on the same sphere as the server. */
double fb_distance_m(double lat1, double lon1, double lat2, double lon2);

/* The point dn metres north and de metres east of (lat, lon). */
void fb_offset(
    double lat, double lon, double dn, double de, double *olat, double *olon);

/* The geohash of (lat, lon) with prec characters (at most 12). */
void fb_geohash(double lat, double lon, unsigned prec, char *out);

/* Today in Asia/Ho_Chi_Minh plus days, as YYYY-MM-DD. */
void fb_local_date(int days, char buf[11]);

/* The number of reports ListMyReports returns for token (walks pages). */
size_t fb_count_mine(fb_env *e, const char *token);

#endif /* HUES_TEST_FEEDBACK_UTIL_H */
