/*
 * owner_scope.h — running a piece of share_acl's own work as the owner of
 * its tables: what commit-time and trigger code must do whatever role the
 * session runs as (write the audit log, ask an internal helper that only the
 * extension's owner may execute).
 */
#ifndef SHARE_ACL_OWNER_SCOPE_H
#define SHARE_ACL_OWNER_SCOPE_H

/* What OwnerScopeEnter changed, for OwnerScopeLeave to put back. */
typedef struct OwnerScope
{
	Oid			userid;
	int			sec_context;
	int			guc_level;
} OwnerScope;

/*
 * Act as owner, with search_path pinned to pg_catalog, pg_temp (the
 * session's may put a role's own operators first), until OwnerScopeLeave:
 * in a restricted security context when restricted (share_acl's own work
 * done for whatever role runs), else as a SECURITY DEFINER function would (a
 * management function's, whose caller's rights invoker_is_admin() still
 * asks about).  An error in between needs no leave: the (sub)transaction's
 * abort puts both back.
 */
extern void OwnerScopeEnter(OwnerScope *scope, Oid owner, bool restricted);
extern void OwnerScopeLeave(const OwnerScope *scope);

#endif							/* SHARE_ACL_OWNER_SCOPE_H */
