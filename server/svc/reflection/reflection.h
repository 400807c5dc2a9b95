/*
 * reflection.h - hues.v1.Reflection: the services and methods this server
 * serves (from the live method table) and the FileDescriptorSet of the whole
 * API (embedded at build time), so tools can call any method at run time.
 */
#ifndef HUES_SVC_REFLECTION_H
#define HUES_SVC_REFLECTION_H

#include "svc/registry.h"

/* Fills *out with the Reflection service answering from reg, which must
 * outlive it. Returns HUES_OK. */
int reflection_service(const svc_registry *reg, svc_service *out);

#endif /* HUES_SVC_REFLECTION_H */
