/*
 * principals.h — what the rules need about one principal, and the
 * per-backend contexts that keep it.
 *
 * Owned by principals.c: a store of what the rows say per principal id (its
 * kind, roles, direct teams and the shares granted to it: StoredPrincipal of
 * principal_image.h), taken from the database's shared image of all
 * principals or read with index scans the first time anything asks, and kept
 * up to date by the change log;
 * and per principal a context built from it: its teams (transitively), the
 * grants of each, and the caches that depend on the structure (owner key,
 * role of the last workspace, merged grant index, memo of inherited
 * permissions).  Contexts point into the store and are dropped whenever an
 * entry of the store is.
 */
#ifndef SHARE_ACL_PRINCIPALS_H
#define SHARE_ACL_PRINCIPALS_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "catalog.h"
#include "invalidation.h"
#include "maps.h"
#include "permset.h"
#include "principal_image.h"
#include "structure.h"
#include "workspaces.h"

/* A grant in the merged per-node index of a principal with a long streak. */
typedef struct MergedRef
{
	const GrantRecord *grant;
	int32		next;
} MergedRef;

typedef struct PrincipalCtx
{
	pg_uuid_t	id;				/* hash key; must stay first */
	bool		exists;
	PrincipalKind kind;
	TransientTag transient;		/* see CacheTransientTag */
	int32		nmemberships;
	const MembershipRecord *memberships;
	int32	   *membership_order;	/* memberships by workspace id, for many (or NULL) */
	bool		grants_loaded;	/* teams and grants below are read (PrincipalEnsureGrants) */
	int32		nteams;
	pg_uuid_t  *teams;
	GrantSet   *team_grants;	/* per team (in the allocation of teams) */
	GrantSet	own;			/* granted to the principal itself */
	int32		streak;			/* consecutive checks by this principal */
	/* caches that depend on the structure and workspaces, tagged with their builds */
	uint64		structure_build;
	uint64		workspaces_build;
	nodemap_hash *node_grants;	/* node -> first MergedRef, for long streaks */
	MergedRef  *merged;
	int32		owner_key;		/* StructureCache owner index, or -1 */
	int32		owner_key_nowners;	/* owners known when owner_key was looked up */
	int32		role_ws;		/* structure workspace of the cached role */
	WorkspaceRole role;
	int32		role_grants_ws; /* workspace cache index of that workspace, or -1 */
	nodemap_hash *memo;			/* node -> uncapped inherited permissions */
	TimestampTz memo_now;
} PrincipalCtx;

/* Write the database's principal image (the image writer's job). */
extern void PrincipalWriteImage(void);
extern PrincipalCtx *PrincipalGet(StructureCache *s, WorkspaceCache *g, TimestampTz now,
								  const pg_uuid_t *id);
extern void PrincipalLoadGrants(PrincipalCtx *pc);
extern const MembershipRecord *PrincipalMembership(PrincipalCtx *pc, const pg_uuid_t *ws_id);

/* Read pc's teams and grants unless read (see PrincipalLoadGrants). */
static inline void
PrincipalEnsureGrants(PrincipalCtx *pc)
{
	if (!pc->grants_loaded)
		PrincipalLoadGrants(pc);
}

extern Size PrincipalsMemory(void);
extern Size PrincipalsSharedBytes(void);
extern const char *PrincipalsMode(void);
extern uint64 PrincipalsContextsBuilt(void);

/* Look-ups of who_has_access */
extern int	PrincipalKindOf(const pg_uuid_t *id);
extern List *WorkspaceMemberIds(const pg_uuid_t *workspace_id);
extern List *GranteesOf(const pg_uuid_t *resource_id);
extern List *PersonsOf(List *ids);
extern List *ConcernedPrincipals(const pg_uuid_t *resources, int n);
extern pg_uuid_t *OutsiderIn(const pg_uuid_t *p, const pg_uuid_t *ws);

#endif							/* SHARE_ACL_PRINCIPALS_H */
