/*
 * identity.h - the Identity service: Whoami answers the principal the
 * server verified from the caller's token.
 */
#ifndef HUES_SVC_IDENTITY_H
#define HUES_SVC_IDENTITY_H

#include "svc/service.h"

/* Fills *out with the Identity service. Returns HUES_OK. */
int identity_service(svc_service *out);

#endif /* HUES_SVC_IDENTITY_H */
