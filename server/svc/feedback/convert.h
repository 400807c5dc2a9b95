/*
 * convert.h - catalog records between the core's structs (catalog.h) and
 * their protobuf messages. Memory comes from an fb_mem, whose alloc never
 * returns NULL (the call's memory, or an arena checked by its owner).
 */
#ifndef HUES_SVC_FEEDBACK_CONVERT_H
#define HUES_SVC_FEEDBACK_CONVERT_H

#include <stddef.h>

#include "hues/v1/feedback.pb-c.h"
#include "svc/feedback/catalog.h"
#include "svc/feedback/validate.h"

typedef struct fb_mem {
	void *(*alloc)(void *ctx, size_t n);
	void *ctx;
} fb_mem;

/* To the wire: deep copies into m. */
Hues__V1__Category    *fb_category_to_pb(const fb_mem *m,
       const feedback_category *c);
Hues__V1__Agency      *fb_agency_to_pb(const fb_mem *m, const feedback_agency *a);
Hues__V1__Ward        *fb_ward_to_pb(const fb_mem *m, const feedback_ward *w);
Hues__V1__RoutingRule *fb_route_to_pb(const fb_mem *m, const feedback_route *r);

/* From the wire: strings borrowed from the message, arrays from m. */
void fb_category_from_pb(
    const fb_mem *m, const Hues__V1__Category *c, feedback_category *o);
void fb_agency_from_pb(const Hues__V1__Agency *a, feedback_agency *o);
void fb_ward_from_pb(const Hues__V1__Ward *w, feedback_ward *o);
void fb_route_from_pb(const Hues__V1__RoutingRule *r, feedback_route *o);

/* Media references as the validator reads them (strings borrowed). */
feedback_media_input *fb_media_inputs(
    const fb_mem *m, Hues__V1__MediaRef *const *refs, size_t n);

#endif /* HUES_SVC_FEEDBACK_CONVERT_H */
