/*
 * hues-health - asks a hues server whether it serves, for health checks
 * (the Dockerfile's HEALTHCHECK, load balancers, scripts): exits 0 when
 * Health/Check answers SERVING, 1 otherwise, printing one line saying why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hues/hues.h>

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: hues-health [--url URL] [--service NAME] [--timeout-ms T]\n"
	    "Calls /hues.v1.Health/Check and exits 0 when the answer is\n"
	    "SERVING, 1 otherwise, 2 for bad flags.\n\n"
	    "  --url URL         server URL [tcp://127.0.0.1:7483]\n"
	    "  --service NAME    a service such as hues.v1.Health; default:\n"
	    "                    the whole server\n"
	    "  --timeout-ms T    deadline of the call [2000]\n");
}

int
main(int argc, char **argv)
{
	const char *url     = "tcp://127.0.0.1:7483";
	const char *service = "";
	unsigned    timeout = 2000;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--url") == 0 && v != NULL) {
			url = v;
		} else if (strcmp(argv[i], "--service") == 0 && v != NULL) {
			service = v;
		} else if (strcmp(argv[i], "--timeout-ms") == 0 && v != NULL &&
		    atoi(v) > 0) {
			timeout = (unsigned) atoi(v);
		} else {
			fprintf(stderr, "hues-health: bad argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
		i++;
	}

	hues_client     *c;
	hues_client_opts o = {.max_attempts = 1, .connect_timeout_ms = timeout};
	if (hues_client_create(&url, 1, &o, &c) != HUES_OK) {
		fprintf(stderr, "hues-health: cannot use URL %s\n", url);
		return 1;
	}
	Hues__V1__HealthCheckRequest req = HUES__V1__HEALTH_CHECK_REQUEST__INIT;
	hues_call_opts               co  = {.timeout_ms = timeout};
	hues_result                 *res = NULL;
	int                          rv  = 1;
	req.service                      = (char *) service;
	if (hues_health_check(c, &req, &co, &res) == HUES_OK) {
		const Hues__V1__HealthCheckResponse *r =
		    hues_health_check_response(res);
		const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(
		    &hues__v1__health_check_response__serving_status__descriptor,
		    r->status);
		printf("%s\n", ev != NULL ? ev->name : "UNKNOWN");
		rv = r->status ==
		        HUES__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
		    ? 0
		    : 1;
	} else if (res != NULL) {
		printf("%s: %s\n", hues_strerror(hues_result_code(res)),
		    hues_result_message(res));
	} else {
		printf("out of memory\n");
	}
	hues_result_free(res);
	hues_client_destroy(c);
	return rv;
}
