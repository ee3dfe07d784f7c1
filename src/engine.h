/*
 * engine.h — the resolver: effective permissions E(P, R) of SPEC §3.
 *
 * One code path answers has_access, effective_permissions, the look-ups and
 * explain_access; explain only switches on a trace that records every
 * contribution and cap.
 */
#ifndef SHARE_ACL_ENGINE_H
#define SHARE_ACL_ENGINE_H

#include "postgres.h"

#include "nodes/pg_list.h"

#include "principals.h"
#include "structure.h"
#include "workspaces.h"

/* what R9's member_edit_own_only removes on a resource the member does not own */
#define ENGINE_CAP_EDIT_OWN_ONLY	(PERM_EDIT | PERM_RENAME | PERM_MOVE | PERM_DELETE)

/* One line of explain_access. */
typedef struct TraceEntry
{
	const char *rule;			/* "R1" … "R12", "result" */
	const pg_uuid_t *via_resource;	/* or NULL */
	const pg_uuid_t *via_principal; /* or NULL */
	Permset		perms;
	char	   *detail;
} TraceEntry;

/* A trace is a List of TraceEntry *, allocated in the caller's context. */
typedef struct Trace
{
	List	   *entries;
	struct nodemap_hash *visited;	/* nodes already traced */
} Trace;

/* What is being asked about: a resource node, a workspace, or nothing known. */
typedef enum TargetKind { TARGET_NONE, TARGET_RESOURCE, TARGET_WORKSPACE } TargetKind;

typedef struct Target
{
	TargetKind	kind;
	int32		index;			/* node index or grants workspace index */
} Target;

/* Per-call view of the caches. */
typedef struct Engine
{
	StructureCache *s;
	WorkspaceCache *g;
	TimestampTz now;			/* DT_NOEND: what lasts (EngineLastingReachOf) */
	bool		switches_on;	/* the grants' reach: see EngineReachOf */
} Engine;

/*
 * The time expiries are judged at: the statement's start, or the
 * transaction's when later (a procedure's COMMIT starts transactions within
 * one client statement); SQL: greatest(statement_timestamp(), now()).
 */
extern TimestampTz EngineExpiryNow(void);
extern void EngineBegin(Engine *e);
extern void EngineBeginWhole(Engine *e);
extern Target EngineTarget(Engine *e, const pg_uuid_t *id);
extern Target EngineTargetFor(Engine *e, const pg_uuid_t *id, const pg_uuid_t *principal,
							  PrincipalCtx **pc);
extern PrincipalCtx *EnginePrincipal(Engine *e, const pg_uuid_t *id);
extern uuidmap_hash *EngineWorkspacesReached(Engine *e, PrincipalCtx *pc);
extern Permset EngineEffective(Engine *e, PrincipalCtx *pc, Target t, Trace *trace);
extern Permset EngineLinkPermissions(Engine *e, int32 node, Trace *trace);
extern const pg_uuid_t *EngineCurrentLink(void);
extern WorkspaceRole EngineRoleForTarget(Engine *e, PrincipalCtx *pc, Target t);

/* Does P own node (R10's "owner")? */
static inline bool
EngineOwns(const Engine *e, const PrincipalCtx *pc, int32 node)
{
	return e->s->resources[node].owner >= 0 && e->s->resources[node].owner == pc->owner_key;
}

/*
 * How far below the top of its tree a resource may be (parents and
 * collections counted): the management API refuses to go deeper, so that
 * the walks of a check stay well within the resolver's recursion bound.
 */
#define ENGINE_MAX_DEPTH	1000

extern int32 EngineDepth(Engine *e, int32 node);
extern int32 EngineDepthRoom(const pg_uuid_t *above);
extern bool EngineMemberEditOwnOnly(const pg_uuid_t *principal, const pg_uuid_t *target);
/* The workspace policies EnginePoliciesWithholding names. */
#define ENGINE_POLICY_MEMBERS_CAN_SHARE		0x01	/* off */
#define ENGINE_POLICY_MEMBER_EDIT_OWN_ONLY	0x02	/* on */
#define ENGINE_POLICY_GUEST_ACCESS			0x04	/* guest_access_enabled off */
#define ENGINE_POLICY_GUEST_UPLOADS			0x08	/* allow_guest_uploads off */
extern int	EnginePoliciesWithholding(const pg_uuid_t *principal, const pg_uuid_t *target,
									  Permset missing, Permset have);
extern Permset EngineCurrentPermissions(const pg_uuid_t *target, TargetKind *kind);
extern Permset EngineCurrentLinkPermissions(const pg_uuid_t *target);
extern bool EnginePrincipalOwns(const pg_uuid_t *principal, const pg_uuid_t *target);
extern bool EngineCurrentViewsUnder(const pg_uuid_t *target, const pg_uuid_t *parent);
extern bool EnginePrincipalExists(const pg_uuid_t *id);
extern bool EngineInTeam(const pg_uuid_t *principal, const pg_uuid_t *team);
extern WorkspaceRole EngineRoleIn(const pg_uuid_t *principal, const pg_uuid_t *ws);
extern Permset EnginePermissionsOf(const pg_uuid_t *principal, const pg_uuid_t *target,
								   TargetKind *kind);
extern bool EngineSharesOnlyByPolicy(const pg_uuid_t *principal, const pg_uuid_t *target);
extern Permset EngineReachOf(const pg_uuid_t *principal, const pg_uuid_t *target);
extern Permset EngineLastingReachOf(const pg_uuid_t *principal, const pg_uuid_t *target);
extern int	EngineSwitchClass(const pg_uuid_t *principal, const pg_uuid_t *target);

#endif							/* SHARE_ACL_ENGINE_H */
