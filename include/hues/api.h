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
#include "hues/v1/feedback.pb-c.h"
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
	    hues__v1__get_response__descriptor, HUES_METHOD_IDEMPOTENT)      \
	XX(feedback_submit_report, "/hues.v1.Feedback/SubmitReport",                \
	    Hues__V1__SubmitReportRequest, Hues__V1__SubmitReportResponse,                \
	    hues__v1__submit_report_request__descriptor,                          \
	    hues__v1__submit_report_response__descriptor, 0)          \
	XX(feedback_get_report, "/hues.v1.Feedback/GetReport",                \
	    Hues__V1__GetReportRequest, Hues__V1__GetReportResponse,                \
	    hues__v1__get_report_request__descriptor,                          \
	    hues__v1__get_report_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_list_my_reports, "/hues.v1.Feedback/ListMyReports",                \
	    Hues__V1__ListMyReportsRequest, Hues__V1__ListMyReportsResponse,                \
	    hues__v1__list_my_reports_request__descriptor,                          \
	    hues__v1__list_my_reports_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_withdraw, "/hues.v1.Feedback/Withdraw",                \
	    Hues__V1__WithdrawRequest, Hues__V1__WithdrawResponse,                \
	    hues__v1__withdraw_request__descriptor,                          \
	    hues__v1__withdraw_response__descriptor, 0)          \
	XX(feedback_add_comment, "/hues.v1.Feedback/AddComment",                \
	    Hues__V1__AddCommentRequest, Hues__V1__AddCommentResponse,                \
	    hues__v1__add_comment_request__descriptor,                          \
	    hues__v1__add_comment_response__descriptor, 0)          \
	XX(feedback_support, "/hues.v1.Feedback/Support",                \
	    Hues__V1__SupportRequest, Hues__V1__SupportResponse,                \
	    hues__v1__support_request__descriptor,                          \
	    hues__v1__support_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_subscribe, "/hues.v1.Feedback/Subscribe",                \
	    Hues__V1__SubscribeRequest, Hues__V1__SubscribeResponse,                \
	    hues__v1__subscribe_request__descriptor,                          \
	    hues__v1__subscribe_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_unsubscribe, "/hues.v1.Feedback/Unsubscribe",                \
	    Hues__V1__UnsubscribeRequest, Hues__V1__UnsubscribeResponse,                \
	    hues__v1__unsubscribe_request__descriptor,                          \
	    hues__v1__unsubscribe_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_rate, "/hues.v1.Feedback/Rate",                \
	    Hues__V1__RateRequest, Hues__V1__RateResponse,                \
	    hues__v1__rate_request__descriptor,                          \
	    hues__v1__rate_response__descriptor, 0)          \
	XX(feedback_public_feed, "/hues.v1.Feedback/PublicFeed",                \
	    Hues__V1__PublicFeedRequest, Hues__V1__PublicFeedResponse,                \
	    hues__v1__public_feed_request__descriptor,                          \
	    hues__v1__public_feed_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_triage, "/hues.v1.Feedback/Triage",                \
	    Hues__V1__TriageRequest, Hues__V1__TriageResponse,                \
	    hues__v1__triage_request__descriptor,                          \
	    hues__v1__triage_response__descriptor, 0)          \
	XX(feedback_acknowledge, "/hues.v1.Feedback/Acknowledge",                \
	    Hues__V1__AcknowledgeRequest, Hues__V1__AcknowledgeResponse,                \
	    hues__v1__acknowledge_request__descriptor,                          \
	    hues__v1__acknowledge_response__descriptor, 0)          \
	XX(feedback_start_work, "/hues.v1.Feedback/StartWork",                \
	    Hues__V1__StartWorkRequest, Hues__V1__StartWorkResponse,                \
	    hues__v1__start_work_request__descriptor,                          \
	    hues__v1__start_work_response__descriptor, 0)          \
	XX(feedback_request_info, "/hues.v1.Feedback/RequestInfo",                \
	    Hues__V1__RequestInfoRequest, Hues__V1__RequestInfoResponse,                \
	    hues__v1__request_info_request__descriptor,                          \
	    hues__v1__request_info_response__descriptor, 0)          \
	XX(feedback_extend_deadline, "/hues.v1.Feedback/ExtendDeadline",                \
	    Hues__V1__ExtendDeadlineRequest, Hues__V1__ExtendDeadlineResponse,                \
	    hues__v1__extend_deadline_request__descriptor,                          \
	    hues__v1__extend_deadline_response__descriptor, 0)          \
	XX(feedback_resolve, "/hues.v1.Feedback/Resolve",                \
	    Hues__V1__ResolveRequest, Hues__V1__ResolveResponse,                \
	    hues__v1__resolve_request__descriptor,                          \
	    hues__v1__resolve_response__descriptor, 0)          \
	XX(feedback_return_to_triage, "/hues.v1.Feedback/ReturnToTriage",                \
	    Hues__V1__ReturnToTriageRequest, Hues__V1__ReturnToTriageResponse,                \
	    hues__v1__return_to_triage_request__descriptor,                          \
	    hues__v1__return_to_triage_response__descriptor, 0)          \
	XX(feedback_work_queue, "/hues.v1.Feedback/WorkQueue",                \
	    Hues__V1__WorkQueueRequest, Hues__V1__WorkQueueResponse,                \
	    hues__v1__work_queue_request__descriptor,                          \
	    hues__v1__work_queue_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_stats, "/hues.v1.Feedback/Stats",                \
	    Hues__V1__StatsRequest, Hues__V1__StatsResponse,                \
	    hues__v1__stats_request__descriptor,                          \
	    hues__v1__stats_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_read_outbox, "/hues.v1.Feedback/ReadOutbox",                \
	    Hues__V1__ReadOutboxRequest, Hues__V1__ReadOutboxResponse,                \
	    hues__v1__read_outbox_request__descriptor,                          \
	    hues__v1__read_outbox_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_list_categories, "/hues.v1.Feedback/ListCategories",                \
	    Hues__V1__ListCategoriesRequest, Hues__V1__ListCategoriesResponse,                \
	    hues__v1__list_categories_request__descriptor,                          \
	    hues__v1__list_categories_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_put_category, "/hues.v1.Feedback/PutCategory",                \
	    Hues__V1__PutCategoryRequest, Hues__V1__PutCategoryResponse,                \
	    hues__v1__put_category_request__descriptor,                          \
	    hues__v1__put_category_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_list_agencies, "/hues.v1.Feedback/ListAgencies",                \
	    Hues__V1__ListAgenciesRequest, Hues__V1__ListAgenciesResponse,                \
	    hues__v1__list_agencies_request__descriptor,                          \
	    hues__v1__list_agencies_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_put_agency, "/hues.v1.Feedback/PutAgency",                \
	    Hues__V1__PutAgencyRequest, Hues__V1__PutAgencyResponse,                \
	    hues__v1__put_agency_request__descriptor,                          \
	    hues__v1__put_agency_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_list_wards, "/hues.v1.Feedback/ListWards",                \
	    Hues__V1__ListWardsRequest, Hues__V1__ListWardsResponse,                \
	    hues__v1__list_wards_request__descriptor,                          \
	    hues__v1__list_wards_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_put_ward, "/hues.v1.Feedback/PutWard",                \
	    Hues__V1__PutWardRequest, Hues__V1__PutWardResponse,                \
	    hues__v1__put_ward_request__descriptor,                          \
	    hues__v1__put_ward_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_list_routing_rules, "/hues.v1.Feedback/ListRoutingRules",                \
	    Hues__V1__ListRoutingRulesRequest, Hues__V1__ListRoutingRulesResponse,                \
	    hues__v1__list_routing_rules_request__descriptor,                          \
	    hues__v1__list_routing_rules_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_put_routing_rule, "/hues.v1.Feedback/PutRoutingRule",                \
	    Hues__V1__PutRoutingRuleRequest, Hues__V1__PutRoutingRuleResponse,                \
	    hues__v1__put_routing_rule_request__descriptor,                          \
	    hues__v1__put_routing_rule_response__descriptor, HUES_METHOD_IDEMPOTENT)          \
	XX(feedback_delete_routing_rule, "/hues.v1.Feedback/DeleteRoutingRule",                \
	    Hues__V1__DeleteRoutingRuleRequest, Hues__V1__DeleteRoutingRuleResponse,                \
	    hues__v1__delete_routing_rule_request__descriptor,                          \
	    hues__v1__delete_routing_rule_response__descriptor, HUES_METHOD_IDEMPOTENT)

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
