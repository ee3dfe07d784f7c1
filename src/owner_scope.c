/*
 * owner_scope.c — running a piece of share_acl's work as the owner of its
 * tables with search_path pinned, in a restricted security context or as a
 * SECURITY DEFINER function would (owner_scope.h).
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"

#include "owner_scope.h"

/* See owner_scope.h. */
void
OwnerScopeEnter(OwnerScope *scope, Oid owner, bool restricted)
{
	scope->guc_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	GetUserIdAndSecContext(&scope->userid, &scope->sec_context);
	SetUserIdAndSecContext(owner, scope->sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   (restricted ? SECURITY_RESTRICTED_OPERATION : 0));
}

/* See owner_scope.h. */
void
OwnerScopeLeave(const OwnerScope *scope)
{
	SetUserIdAndSecContext(scope->userid, scope->sec_context);
	AtEOXact_GUC(true, scope->guc_level);
}
