/*
 * authorize.h — the one authorisation step of every management function,
 * SQL or C, owned by authorize.c: who acts, whether it holds what the call
 * needs, and the refusal (its audit row handed over, then 42501).
 */
#ifndef SHARE_ACL_AUTHORIZE_H
#define SHARE_ACL_AUTHORIZE_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/uuid.h"

#include "permset.h"

/* An fmgr argument that may be NULL, as a pointer (NULL then). */
#define ARG_UUID_OR_NULL(n)		(PG_ARGISNULL(n) ? NULL : PG_GETARG_UUID_P(n))
#define ARG_CSTRING_OR_NULL(n)	(PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n)))

extern char *UuidText(const pg_uuid_t *id);
extern void RequireWritable(const char *function);
extern const pg_uuid_t *Actor(const char *function, const pg_uuid_t *target);
extern void Require(const char *function, const pg_uuid_t *actor, const pg_uuid_t *target,
					Permset needed, const char *action);
extern void RequireManager(const char *function, const pg_uuid_t *actor, const pg_uuid_t *resource,
						   const pg_uuid_t *made_by, const char *maker, const char *action);
extern void Deny(const char *function, const pg_uuid_t *target, const char *message,
				 const char *detail, const char *hint);

#endif							/* SHARE_ACL_AUTHORIZE_H */
