/*
 * owner_scope.c — running a piece of share_acl's work as the owner of its
 * tables with search_path pinned, in a restricted security context or as a
 * SECURITY DEFINER function would (owner_scope.h).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "owner_scope.h"

#define PINNED_SEARCH_PATH	"pg_catalog, pg_temp"

static bool
SearchPathPinned(void)
{
	return namespace_search_path != NULL && strcmp(namespace_search_path, PINNED_SEARCH_PATH) == 0;
}

static void
PinSearchPath(void)
{
	(void) set_config_option("search_path", PINNED_SEARCH_PATH, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

/*
 * See owner_scope.h.  Where search_path is pinned already (inside a
 * management function, whose SET clause pins it), the scope takes no GUC
 * level of its own: ending one scans every setting, a good part of a
 * trigger's cost on a one-row write.
 */
void
OwnerScopeEnter(OwnerScope *scope, Oid owner, bool restricted)
{
	if (SearchPathPinned())
		scope->guc_level = 0;
	else
	{
		scope->guc_level = NewGUCNestLevel();
		PinSearchPath();
	}
	GetUserIdAndSecContext(&scope->userid, &scope->sec_context);
	SetUserIdAndSecContext(owner, scope->sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   (restricted ? SECURITY_RESTRICTED_OPERATION : 0));
}

/*
 * See owner_scope.h.  A scope without a GUC level of its own pins
 * search_path again if something run in it (an administrator's trigger on
 * a table written there) changed it: what follows in the function that
 * pinned it reads it pinned, as it would after the level's end.
 */
void
OwnerScopeLeave(const OwnerScope *scope)
{
	SetUserIdAndSecContext(scope->userid, scope->sec_context);
	if (scope->guc_level > 0)
		AtEOXact_GUC(true, scope->guc_level);
	else if (!SearchPathPinned())
		PinSearchPath();
}
