/*
 * context.h — who is asking: the current principal (share_acl.principal) and
 * the transaction's link context (R7), owned by context.c.
 */
#ifndef SHARE_ACL_CONTEXT_H
#define SHARE_ACL_CONTEXT_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/uuid.h"

#include "link_rows.h"

extern void ContextDefineSettings(void);
extern const pg_uuid_t *ContextCurrentPrincipal(void);
extern void ContextRefuseRejectedPrincipal(void);
extern bool ContextSessionPrincipalRefused(void);
extern Datum ContextPrincipalResult(FunctionCallInfo fcinfo);
extern bool ContextInvokerIsAdmin(void);
extern const pg_uuid_t *ContextCurrentLinkId(void);
extern const LinkData *ContextCurrentLink(const pg_uuid_t **id);
extern void ContextSetLink(const pg_uuid_t *link, int32 kid);

#endif							/* SHARE_ACL_CONTEXT_H */
