/*
 * hues/api.h - typed calls: one function per method of the hues API, over
 * the generic calls of hues/client.h, with the protobuf-c message types
 * generated from proto/hues/v1/ (installed as hues/v1/<file>.pb-c.h).
 *
 * For a method listed below as XX(name, ...), there are:
 *
 *   int hues_<name>(hues_client *c, const Req *req,
 *       const hues_call_opts *opts, hues_result **out);
 *   int hues_<name>_async(hues_client *c, const Req *req,
 *       const hues_call_opts *opts, hues_callback cb, void *arg);
 *   const Resp *hues_<name>_response(const hues_result *r);
 *
 * The first two behave like hues_call() and hues_call_async() with the
 * method's full name and req serialized (req is only read during the call;
 * the caller keeps it); when the call succeeds, the result also holds the
 * decoded response, which the third returns (NULL unless the code is
 * HUES_OK). The response belongs to the result and is freed with it. A
 * response the SDK cannot decode turns the result into HUES_INTERNAL.
 *
 *   Hues__V1__HealthCheckRequest req = HUES__V1__HEALTH_CHECK_REQUEST__INIT;
 *   hues_result *res;
 *   if (hues_health_check(client, &req, NULL, &res) == HUES_OK)
 *           printf("status %d\n", hues_health_check_response(res)->status);
 *   hues_result_free(res);
 */
#ifndef HUES_API_H
#define HUES_API_H

#include "hues/client.h"
#include "hues/v1/debug.pb-c.h"
#include "hues/v1/health.pb-c.h"
#include "hues/v1/identity.pb-c.h"
#include "hues/v1/reflection.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Method flags in the list below. */
#define HUES_METHOD_IDEMPOTENT 1u

/*
 * XX(name, full method name, request type, response type, request
 * descriptor, response descriptor, flags): the methods of the API. The
 * server's method table must agree (a test checks the two against the
 * server's reflection).
 */
#define HUES_METHODS(XX)                                                      \
	XX(health_check, "/hues.v1.Health/Check",                             \
	    Hues__V1__HealthCheckRequest, Hues__V1__HealthCheckResponse,      \
	    hues__v1__health_check_request__descriptor,                      \
	    hues__v1__health_check_response__descriptor,                     \
	    HUES_METHOD_IDEMPOTENT)                                           \
	XX(reflection_list_services, "/hues.v1.Reflection/ListServices",      \
	    Hues__V1__ListServicesRequest, Hues__V1__ListServicesResponse,    \
	    hues__v1__list_services_request__descriptor,                     \
	    hues__v1__list_services_response__descriptor,                    \
	    HUES_METHOD_IDEMPOTENT)                                           \
	XX(reflection_get_file_descriptor_set,                                \
	    "/hues.v1.Reflection/GetFileDescriptorSet",                       \
	    Hues__V1__GetFileDescriptorSetRequest,                            \
	    Hues__V1__GetFileDescriptorSetResponse,                           \
	    hues__v1__get_file_descriptor_set_request__descriptor,           \
	    hues__v1__get_file_descriptor_set_response__descriptor,          \
	    HUES_METHOD_IDEMPOTENT)                                           \
	XX(identity_whoami, "/hues.v1.Identity/Whoami",                    \
	    Hues__V1__WhoamiRequest, Hues__V1__WhoamiResponse,                \
	    hues__v1__whoami_request__descriptor,                          \
	    hues__v1__whoami_response__descriptor, HUES_METHOD_IDEMPOTENT)  \
	XX(debug_echo, "/hues.v1.Debug/Echo", Hues__V1__EchoRequest,          \
	    Hues__V1__EchoResponse, hues__v1__echo_request__descriptor,       \
	    hues__v1__echo_response__descriptor, HUES_METHOD_IDEMPOTENT)      \
	XX(debug_sleep, "/hues.v1.Debug/Sleep", Hues__V1__SleepRequest,       \
	    Hues__V1__SleepResponse, hues__v1__sleep_request__descriptor,     \
	    hues__v1__sleep_response__descriptor, HUES_METHOD_IDEMPOTENT)     \
	XX(debug_bump, "/hues.v1.Debug/Bump", Hues__V1__BumpRequest,          \
	    Hues__V1__BumpResponse, hues__v1__bump_request__descriptor,       \
	    hues__v1__bump_response__descriptor, 0)                           \
	XX(debug_fail, "/hues.v1.Debug/Fail", Hues__V1__FailRequest,          \
	    Hues__V1__FailResponse, hues__v1__fail_request__descriptor,       \
	    hues__v1__fail_response__descriptor, HUES_METHOD_IDEMPOTENT)      \
	XX(debug_put, "/hues.v1.Debug/Put", Hues__V1__PutRequest,             \
	    Hues__V1__PutResponse, hues__v1__put_request__descriptor,         \
	    hues__v1__put_response__descriptor, HUES_METHOD_IDEMPOTENT)       \
	XX(debug_get, "/hues.v1.Debug/Get", Hues__V1__GetRequest,             \
	    Hues__V1__GetResponse, hues__v1__get_request__descriptor,         \
	    hues__v1__get_response__descriptor, HUES_METHOD_IDEMPOTENT)

#define HUES_DECLARE_METHOD(name, path, Req, Resp, rdesc, sdesc, flags)       \
	int hues_##name(hues_client *c, const Req *req,                       \
	    const hues_call_opts *opts, hues_result **out);                   \
	int hues_##name##_async(hues_client *c, const Req *req,               \
	    const hues_call_opts *opts, hues_callback cb, void *arg);         \
	static inline const Resp *hues_##name##_response(                     \
	    const hues_result *r)                                             \
	{                                                                     \
		return (const Resp *) hues_result_response(r);                \
	}
HUES_METHODS(HUES_DECLARE_METHOD)
#undef HUES_DECLARE_METHOD

/*
 * The flags (HUES_METHOD_*) of a method of the list, by full name.
 * Returns HUES_OK, or HUES_NOT_FOUND for a method the SDK does not know
 * (*flags unchanged). Any thread.
 */
int hues_method_flags(const char *method, uint32_t *flags);

#ifdef __cplusplus
}
#endif

#endif /* HUES_API_H */
