/*
 * engine.c — the resolver of SPEC §3: E(P, R) for a principal and a resource
 * (or a workspace, R12), with an optional trace for explain_access.
 *
 * It reads the structure (structure.c), the workspaces (workspaces.c) and
 * per principal a context (principals.c: roles, teams, the shares that
 * reach it, and a memo of the uncapped permissions inherited by container
 * nodes, valid for one transaction timestamp, against which expiry is
 * judged).  A check of an asset is then: one index probe for the asset, its
 * own contributions, and memo hits for its parent and collections.
 */
#include "postgres.h"

#include "access/xact.h"
#include "storage/proc.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "engine.h"
#include "context.h"
#include "maps.h"
#include "permset_sql.h"

/* Caps (R9) and grants by name. */
#define CAP_ADMIN_REMOVES	(PERM_TRANSFER_OWNERSHIP | PERM_DELETE_SPACE)
#define CAP_MEMBER_REMOVES	(PERM_MAKE_PUBLIC | PERM_TRANSFER_OWNERSHIP | PERM_DELETE_SPACE | \
							 PERM_MANAGE_SETTINGS)
#define CAP_GUEST_REMOVES	(PERM_SHARE | PERM_MANAGE_MEMBERS | PERM_CHANGE_PERMISSIONS | \
							 PERM_MAKE_PUBLIC | PERM_MANAGE_SETTINGS | PERM_VIEW_AUDIT | \
							 PERM_TRANSFER_OWNERSHIP | PERM_DELETE_SPACE)
#define CAP_VIEWER_KEEPS	(PERMSET_VIEWER | PERM_COMMENT | PERM_ANNOTATE | PERM_DOWNLOAD)

/* R12 */
#define WS_ADMIN_PERMS		(PERM_MANAGE_MEMBERS | PERM_MANAGE_COLLECTIONS | PERM_MANAGE_SETTINGS | \
							 PERM_VIEW_AUDIT | PERM_SHARE | PERM_UPLOAD | PERM_VIEW)
#define WS_MEMBER_PERMS		(PERM_UPLOAD | PERM_SHARE | PERM_VIEW)
#define WS_GUEST_PERMS		(PERM_VIEW)

/*
 * See engine.h.  An expiry passed while a transaction runs counts from its
 * next statement on; the answers of one statement (and of its parallel
 * workers, which share both times) are judged at one time.
 */
TimestampTz
EngineExpiryNow(void)
{
	return Max(GetCurrentStatementStartTimestamp(), GetCurrentTransactionStartTimestamp());
}

/*
 * Start a call: pending invalidations taken in at the first call of each
 * statement, the caches (brought up to date if anything changed) and the
 * time expiries are judged at (EngineExpiryNow); whole: the call visits
 * every resource.
 */
static void
Begin(Engine *e, bool whole)
{
	CacheBeginStatement();
	e->g = WorkspacesGet();
	e->s = StructureGet(whole);
	e->now = EngineExpiryNow();
	e->switches_on = false;
}

void
EngineBegin(Engine *e)
{
	Begin(e, false);
}

/* EngineBegin for a call that visits every resource: the structure in full if it can be. */
void
EngineBeginWhole(Engine *e)
{
	Begin(e, true);
}

/* The rest of a look-up begun by StructureLookupStart: what id names. */
static Target
TargetFinish(Engine *e, const pg_uuid_t *id, NodeLookup lookup)
{
	Target		t;

	/* a partial structure would read the table for a workspace id: look there first */
	if (e->s->partial && (t.index = WorkspaceLookup(e->g, id)) >= 0)
	{
		t.kind = TARGET_WORKSPACE;
		return t;
	}
	t.index = StructureLookupFinish(e->s, id, lookup);
	if (t.index >= 0)
	{
		t.kind = TARGET_RESOURCE;
		return t;
	}
	t.index = WorkspaceLookup(e->g, id);
	t.kind = t.index >= 0 ? TARGET_WORKSPACE : TARGET_NONE;
	return t;
}

/* What the id names: a resource, a workspace, or nothing known. */
Target
EngineTarget(Engine *e, const pg_uuid_t *id)
{
	return TargetFinish(e, id, StructureLookupStart(e->s, id));
}

/*
 * What the id names, and in *pc the context of principal (NULL: none) when
 * the id is known (else NULL).  In a structure held in full the context is
 * got while the CPU loads what the look-up reads first (its bucket); a
 * partial one reads the target on demand in the look-up's second half,
 * which may add resources and owners that the context looks up when it is
 * got (the principal as the owner of the target, R1), so it is got after.
 */
Target
EngineTargetFor(Engine *e, const pg_uuid_t *id, const pg_uuid_t *principal, PrincipalCtx **pc)
{
	NodeLookup	lookup = StructureLookupStart(e->s, id);
	Target		t;

	*pc = principal != NULL && !e->s->partial ? EnginePrincipal(e, principal) : NULL;
	t = TargetFinish(e, id, lookup);
	if (t.kind == TARGET_NONE)
		*pc = NULL;
	else if (principal != NULL && *pc == NULL)
		*pc = EnginePrincipal(e, principal);
	return t;
}

/* The context of principal id, for this call's caches and time. */
PrincipalCtx *
EnginePrincipal(Engine *e, const pg_uuid_t *id)
{
	return PrincipalGet(e->s, e->g, e->now, id);
}

/*
 * The workspaces where pc may hold something (for a walk over every
 * resource): those it has a role in, and those holding a resource its
 * grants or its teams' name.  Elsewhere it has no role, so only grants could
 * give it anything (R2), and no link is asked.  A set of workspace ids.
 */
uuidmap_hash *
EngineWorkspacesReached(Engine *e, PrincipalCtx *pc)
{
	uuidmap_hash *reached = uuidmap_create(CurrentMemoryContext, 16, NULL);
	bool		found;
	int32		i,
				t;

	for (i = 0; i < pc->nmemberships; i++)
		uuidmap_insert(reached, pc->memberships[i].workspace_id, &found);
	PrincipalEnsureGrants(pc);
	for (t = -1; t < pc->nteams; t++)
	{
		const GrantSet *set = t < 0 ? &pc->own : &pc->team_grants[t];

		for (i = 0; i < set->n; i++)
		{
			int32		node = StructureLookupNode(e->s, &set->grants[i].resource_id);

			if (node >= 0)
				uuidmap_insert(reached, e->s->workspace_ids[e->s->resources[node].workspace], &found);
		}
	}
	return reached;
}

/* P's role in workspace ws_id (R2: an external principal is never internal). */
static WorkspaceRole
RoleIn(PrincipalCtx *pc, const pg_uuid_t *ws_id)
{
	const MembershipRecord *m;

	if (pc->kind != PK_USER && pc->kind != PK_EXTERNAL)
		return ROLE_NONE;		/* teams do not act; an unknown kind neither */
	m = PrincipalMembership(pc, ws_id);
	if (m == NULL)
		return ROLE_NONE;
	if (pc->kind == PK_EXTERNAL && ROLE_IS_INTERNAL(m->role))
		return ROLE_GUEST;
	return m->role;
}

/* Keep in pc P's role in structure workspace sws, and that workspace's grants index. */
static void
KeepRoleIn(Engine *e, PrincipalCtx *pc, int32 sws)
{
	pc->role_ws = sws;
	pc->role = RoleIn(pc, &e->s->workspace_ids[sws]);
	pc->role_grants_ws = WorkspaceLookup(e->g, &e->s->workspace_ids[sws]);
}

/* P's role in the workspace of node; *ws receives the workspace's grants index. */
static inline WorkspaceRole
RoleAndWorkspace(Engine *e, PrincipalCtx *pc, int32 node, int32 *ws)
{
	int32		sws = e->s->resources[node].workspace;

	if (unlikely(pc->role_ws != sws))
		KeepRoleIn(e, pc, sws);
	*ws = pc->role_grants_ws;
	return pc->role;
}

/* P's role in target's workspace (or the workspace target is), as the rules see it (R2). */
WorkspaceRole
EngineRoleForTarget(Engine *e, PrincipalCtx *pc, Target t)
{
	int32		ws;

	if (t.kind == TARGET_WORKSPACE)
		return RoleIn(pc, &e->g->workspaces[t.index].id);
	return RoleAndWorkspace(e, pc, t.index, &ws);
}

/*
 * Does R9's member_edit_own_only cap principal in target's workspace (a
 * member there, the policy on)?  A grant of ENGINE_CAP_EDIT_OWN_ONLY on
 * target then must not reach others' resources below it.
 */
bool
EngineMemberEditOwnOnly(const pg_uuid_t *principal, const pg_uuid_t *target)
{
	Engine		e;
	Target		t;
	PrincipalCtx *pc;
	int32		w;

	EngineBegin(&e);
	t = EngineTargetFor(&e, target, principal, &pc);
	if (t.kind != TARGET_RESOURCE || pc == NULL ||
		RoleAndWorkspace(&e, pc, t.index, &w) != ROLE_MEMBER || w < 0)
		return false;
	return e.g->workspaces[w].member_edit_own_only;
}

/*
 * The workspace policies (ENGINE_POLICY_*) that alone withhold missing
 * (flags principal lacks on resource target, which holds have) at a check,
 * for a refusal to name them (SPEC §6), or 0: members_can_share off (R11
 * would add "share" where a member may view); member_edit_own_only on (a
 * member on what it does not own); guest_access_enabled or
 * allow_guest_uploads off (a guest, or an outsider treated as one) — the
 * switches when the grants with them turned hold every missing flag, and of
 * the two guest switches those that withhold one.
 */
int
EnginePoliciesWithholding(const pg_uuid_t *principal, const pg_uuid_t *target, Permset missing,
						  Permset have)
{
	Engine		e;
	Target		t;
	PrincipalCtx *pc;
	WorkspaceRole role;
	const WorkspaceInfo *ws;
	int32		w;
	int			policies = 0;

	if (missing == 0)
		return 0;
	EngineBegin(&e);
	t = EngineTargetFor(&e, target, principal, &pc);
	if (t.kind != TARGET_RESOURCE || pc == NULL)
		return 0;
	role = RoleAndWorkspace(&e, pc, t.index, &w);
	if (w < 0)
		return 0;
	ws = &e.g->workspaces[w];
	if (missing == PERM_SHARE && ROLE_IS_INTERNAL(role) && !ws->members_can_share &&
		(have & PERM_VIEW))
		return ENGINE_POLICY_MEMBERS_CAN_SHARE;
	if (role == ROLE_MEMBER && ws->member_edit_own_only)
		policies = ENGINE_POLICY_MEMBER_EDIT_OWN_ONLY;
	else if (role == ROLE_GUEST || role == ROLE_NONE)
	{
		if (!ws->guest_access_enabled)
			policies |= ENGINE_POLICY_GUEST_ACCESS;
		if (!ws->allow_guest_uploads && (missing & PERM_UPLOAD))
			policies |= ENGINE_POLICY_GUEST_UPLOADS;
	}
	if (policies == 0 || (missing & ~EngineReachOf(principal, target)) != 0)
		return 0;
	return policies;
}

/* Record one trace line. */
static void
TraceAdd(Trace *trace, const char *rule, const pg_uuid_t *via_resource,
		 const pg_uuid_t *via_principal, Permset perms, char *detail)
{
	TraceEntry *t = palloc(sizeof(TraceEntry));

	t->rule = rule;
	t->via_resource = via_resource;
	t->via_principal = via_principal;
	t->perms = perms;
	t->detail = detail;
	trace->entries = lappend(trace->entries, t);
}

/*
 * What one share gives (R5, its toggles already applied: R6), or an open
 * review to its reviewer, if not expired; at DT_NOEND (what lasts), only a
 * share without an expiry.
 */
static inline Permset
ShareContribution(Engine *e, PrincipalCtx *pc, const ResourceNode *r, const GrantRecord *gr,
				  Trace *trace)
{
	bool		active = TIMESTAMP_IS_NOEND(e->now) ?
		TIMESTAMP_IS_NOEND(gr->expires_at) && !gr->review : gr->expires_at > e->now;

	if (trace && gr->review && active)
		TraceAdd(trace, "review", &r->id, &gr->grantee_id, gr->perms,
				 psprintf("open review %s: %s reviewer gets %s",
						  DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&gr->share_id))),
						  uuid_equal(&gr->grantee_id, &pc->id) ? "direct" : "team",
						  PermsetToCString(gr->perms)));
	else if (trace && gr->review)
		TraceAdd(trace, "review", &r->id, &gr->grantee_id, 0,
				 psprintf("review %s closed at its due time: %s reviewer gets nothing (it gave %s while open)",
						  DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&gr->share_id))),
						  uuid_equal(&gr->grantee_id, &pc->id) ? "direct" : "team",
						  PermsetToCString(gr->perms)));
	else if (trace)
		TraceAdd(trace, "R5", &r->id, &gr->grantee_id, active ? gr->perms : 0,
				 psprintf("%s share %s%s",
						  uuid_equal(&gr->grantee_id, &pc->id) ? "direct" : "team",
						  PermsetToCString(gr->perms),
						  active ? " (after toggles, R6)" : " expired"));
	return active ? gr->perms : 0;
}

/* Everything a node contributes by itself to P: R4, R5 (with R6), R10. */
static Permset
LocalContribution(Engine *e, PrincipalCtx *pc, WorkspaceRole role,
				  const WorkspaceInfo *ws, int32 node, Trace *trace)
{
	const ResourceNode *r = &e->s->resources[node];
	Permset		u = 0;

	/* R4 general access */
	if (NodeAccess(r) == GA_PUBLIC && ROLE_IS_INTERNAL(role))
	{
		u |= ws->public_access_level;
		if (trace)
			TraceAdd(trace, "R4", &r->id, NULL, ws->public_access_level,
					 pstrdup("general access public: internal members get the workspace's public level"));
	}
	else if (NodeAccess(r) == GA_SHARED && role == ROLE_ADMIN)
	{
		u |= PERMSET_EDITOR;
		if (trace)
			TraceAdd(trace, "R4", &r->id, NULL, PERMSET_EDITOR,
					 pstrdup("general access shared: admins get editor"));
	}

	/* R5 direct shares to P or its teams, masked by their toggles (R6) */
	if (pc->node_grants != NULL)
	{
		NodeMapEntry *head = nodemap_lookup(pc->node_grants, node);
		int32		ref;

		for (ref = head ? (int32) head->value : -1; ref >= 0; ref = pc->merged[ref].next)
			u |= ShareContribution(e, pc, r, pc->merged[ref].grant, trace);
	}
	else if (pc->own.n > 0 || pc->nteams > 0)
	{
		const uint64 *key = NULL;	/* the sets' hash key (the image's or the backend's) */
		uint32		hash = 0;
		int32		t,
					i;

		for (t = -1; t < pc->nteams; t++)
		{
			const GrantSet *set = t < 0 ? &pc->own : &pc->team_grants[t];

			if (set->n == 0)
				continue;
			if (set->key != key)
			{
				key = set->key;
				hash = GrantSetHash(set, &r->id);
			}
			for (i = GrantSetFirst(set, &r->id, hash); i >= 0; i = GrantSetNext(set, i))
				u |= ShareContribution(e, pc, r, &set->grants[i], trace);
		}
	}

	/* R10 ownership, for principals with a role */
	if (role != ROLE_NONE && EngineOwns(e, pc, node))
	{
		u |= PERMSET_FULL;
		if (trace)
			TraceAdd(trace, "R10", &r->id, &pc->id, PERMSET_FULL, pstrdup("owner of the resource"));
	}
	else if (trace && role == ROLE_NONE && EngineOwns(e, pc, node))
		TraceAdd(trace, "R10", &r->id, &pc->id, 0,
				 pstrdup("owner of the resource, not counted: no role in the workspace"));
	return u;
}

/*
 * The uncapped union over anc(node) of the local contributions, stopping
 * above a restricted node (R8).  Container nodes are memoized in *memo: the
 * principal's memo, per transaction time (see PrincipalGet), or, without
 * one, a memo of this walk alone, made at the first node held by a
 * collection (below it the walk is a chain of parents, which reaches no
 * node twice): a node reached along many paths (collections filed in
 * collections, a lattice any member can build) is walked once, never once
 * per path.  In trace mode nothing is memoized and each node is traced
 * once.
 */
static Permset
Inherited(Engine *e, PrincipalCtx *pc, WorkspaceRole role, const WorkspaceInfo *ws,
		  int32 node, Trace *trace, nodemap_hash **memo, int depth)
{
	const ResourceNode *r = &e->s->resources[node];
	Permset		u;
	int32		c,
				link;

	if (trace)
	{
		bool		found;

		nodemap_insert(trace->visited, node, &found);
		if (found)
			return 0;
	}
	else if ((r->flags & RES_HAS_CHILDREN) && *memo != NULL)
	{
		NodeMapEntry *m = nodemap_lookup(*memo, node);

		if (m)
			return m->value;
	}

	if (depth > 0)
	{
		CHECK_FOR_INTERRUPTS();
		check_stack_depth();
		if (depth > 10000)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_RECURSION),
					 errmsg("resource hierarchy deeper than 10000 levels at resource %s",
							DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&r->id))))));
	}

	u = LocalContribution(e, pc, role, ws, node, trace);
	if (r->flags & RES_RESTRICTED)
	{
		if (trace)
			TraceAdd(trace, "R8", &r->id, NULL, 0,
					 pstrdup("restricted: nothing above this resource flows into it"));
	}
	else
	{
		c = FirstCollection(r, &link);
		if (c >= 0 && !trace && *memo == NULL)
			*memo = nodemap_create(CurrentMemoryContext, 16, NULL);
		if (r->parent >= 0)
			u |= Inherited(e, pc, role, ws, r->parent, trace, memo, depth + 1);
		for (; c >= 0; c = NextCollection(e->s, &link))
			u |= Inherited(e, pc, role, ws, c, trace, memo, depth + 1);
	}

	if (!trace && (r->flags & RES_HAS_CHILDREN) && *memo != NULL)
	{
		bool		found;
		NodeMapEntry *m = nodemap_insert(*memo, node, &found);

		m->value = u;
	}
	return u;
}

/*
 * The length of the longest path up from node to a top-level resource,
 * through parents and collections, or limit + 1 when it is longer than
 * limit; depth is how far the walk has come.  memo holds each node's length,
 * so that a node reached along several paths is walked once.  (A node
 * reached at depth > limit lies on a path longer than limit, so the answer
 * is limit + 1 then, whatever else is memoized.)
 */
static int32
LongestPathUp(const StructureCache *s, int32 node, int32 limit, nodemap_hash *memo, int32 depth)
{
	const ResourceNode *r = &s->resources[node];
	NodeMapEntry *m;
	int32		longest = 0,
				c,
				link;
	bool		found;

	if (depth > limit)
		return limit + 1;
	if ((m = nodemap_lookup(memo, node)) != NULL)
		return (int32) m->value;
	check_stack_depth();
	if (r->parent >= 0)
		longest = 1 + LongestPathUp(s, r->parent, limit, memo, depth + 1);
	for (c = FirstCollection(r, &link); c >= 0 && longest <= limit; c = NextCollection(s, &link))
		longest = Max(longest, 1 + LongestPathUp(s, c, limit, memo, depth + 1));
	longest = Min(longest, limit + 1);
	m = nodemap_insert(memo, node, &found);
	m->value = longest;
	return longest;
}

/* How many levels node is below the top of its tree (at most ENGINE_MAX_DEPTH + 1). */
int32
EngineDepth(Engine *e, int32 node)
{
	nodemap_hash *memo = nodemap_create(CurrentMemoryContext, 64, NULL);
	int32		depth = LongestPathUp(e->s, node, ENGINE_MAX_DEPTH, memo, 0);

	nodemap_destroy(memo);
	return depth;
}

/*
 * How many levels may be below a new child of resource above (NULL: of
 * none, a top-level resource) within ENGINE_MAX_DEPTH; negative when the
 * child itself would be too deep.  An unknown resource counts as none (its
 * caller says it does not exist).
 */
int32
EngineDepthRoom(const pg_uuid_t *above)
{
	Engine		e;
	Target		t;

	if (above == NULL)
		return ENGINE_MAX_DEPTH;
	EngineBegin(&e);
	t = EngineTarget(&e, above);
	if (t.kind != TARGET_RESOURCE)
		return ENGINE_MAX_DEPTH;
	return ENGINE_MAX_DEPTH - 1 - EngineDepth(&e, t.index);
}

/* Does the top-level project above node (through parents) enable guest AI? */
static bool
EnclosingProjectAllowsGuestAI(const StructureCache *s, int32 node)
{
	int32		steps = 0;

	while (s->resources[node].parent >= 0 && steps++ < s->nresources)
		node = s->resources[node].parent;
	return NodeKind(&s->resources[node]) == RK_PROJECT &&
		(s->resources[node].flags & RES_GUEST_AI) != 0;
}

/* Trace a cap when it removes something. */
static inline Permset
Cap(Permset u, Permset keep, Trace *trace, const pg_uuid_t *via, const char *why)
{
	if (trace && (u & ~keep))
		TraceAdd(trace, "R9", via, NULL, u & ~keep, psprintf("removed by the cap: %s", why));
	return u & keep;
}

/* R12: the permissions of P on workspace w (grants index). */
static Permset
WorkspacePermissions(Engine *e, PrincipalCtx *pc, int32 w, Trace *trace)
{
	const WorkspaceInfo *ws = &e->g->workspaces[w];
	WorkspaceRole role = RoleIn(pc, &ws->id);
	Permset		perms = 0;
	switch (role)
	{
		case ROLE_OWNER:
			perms = PERMSET_FULL;
			break;
		case ROLE_ADMIN:
			perms = WS_ADMIN_PERMS;
			break;
		case ROLE_MEMBER:
			perms = WS_MEMBER_PERMS;
			break;
		case ROLE_GUEST:
			perms = ws->guest_access_enabled ? WS_GUEST_PERMS : 0;
			break;
		case ROLE_VIEWER:
			perms = WS_GUEST_PERMS;
			break;
		case ROLE_NONE:
		case ROLE_UNKNOWN:
			perms = 0;
			break;
	}
	if (trace)
		TraceAdd(trace, "R12", &ws->id, &pc->id, perms,
				 psprintf("workspace-level permissions of the %s role%s",
						  role == ROLE_NONE ? "(no)" : role == ROLE_UNKNOWN ? "(unknown)" : role_labels[role],
						  role == ROLE_GUEST && !ws->guest_access_enabled ? " (guest access disabled, R3)" : ""));
	return perms;
}


/*
 * Memo of "the link's node is in anc(node)" for container nodes, for one
 * structure build and one link resource (whose node is kept too, so a check
 * does not look it up again: that would also spoil StructureLookupNode's guess
 * of the next node of a scan).
 */
static nodemap_hash *link_memo = NULL;
static uint64 link_memo_structure = 0;
static pg_uuid_t link_memo_resource;
static int32 link_memo_node = -1;

/* Is node target in anc(node), stopping above restricted nodes (R8)? */
static bool
LinkReaches(Engine *e, int32 node, int32 target, int depth)
{
	const ResourceNode *r = &e->s->resources[node];
	bool		reached = false;
	int32		c,
				link;

	if (node == target)
		return true;
	if (r->flags & RES_RESTRICTED)
		return false;
	if (r->flags & RES_HAS_CHILDREN)
	{
		NodeMapEntry *m = nodemap_lookup(link_memo, node);

		if (m)
			return m->value != 0;
	}
	check_stack_depth();
	if (depth > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_RECURSION),
				 errmsg("resource hierarchy deeper than 10000 levels")));
	if (r->parent >= 0)
		reached = LinkReaches(e, r->parent, target, depth + 1);
	for (c = FirstCollection(r, &link); !reached && c >= 0; c = NextCollection(e->s, &link))
		reached = LinkReaches(e, c, target, depth + 1);
	if (r->flags & RES_HAS_CHILDREN)
	{
		bool		found;

		nodemap_insert(link_memo, node, &found)->value = reached ? 1 : 0;
	}
	return reached;
}

/*
 * Why the link context's link gives nothing at now (R7: revoked, expired,
 * not yet valid, its token's key retired, or gone), or NULL when it counts.
 */
static const char *
LinkNotCounting(const LinkData *link, TimestampTz now)
{
	if (!link->exists)
		return "the link no longer exists";
	if (link->revoked)
		return "the link is revoked";
	if (link->key_retired)
		return "the key that signed the link's token is retired";
	if (link->expires_at <= now || link->not_before > now)
		return "the link is not valid now";
	return NULL;
}

/*
 * The id of the transaction's link context's link while that link counts
 * (as EngineLinkPermissions judges it, changes committed by others taken in
 * at each statement), or NULL.
 */
const pg_uuid_t *
EngineCurrentLink(void)
{
	const pg_uuid_t *id;
	const LinkData *link;

	CacheBeginStatement();
	link = ContextCurrentLink(&id);
	if (link == NULL || LinkNotCounting(link, EngineExpiryNow()) != NULL)
		return NULL;
	return id;
}

/*
 * R7: what the transaction's link context gives on node: the link's permset
 * (toggles applied) when the link's resource is in anc(node), while the link
 * is neither revoked nor expired and the key that signed the token opened
 * is not retired, capped below "share".
 */
Permset
EngineLinkPermissions(Engine *e, int32 node, Trace *trace)
{
	const pg_uuid_t *link_id;
	const LinkData *link = ContextCurrentLink(&link_id);
	int32		target;
	Permset		perms;
	const char *invalid;

	if (link == NULL)
		return 0;
	invalid = LinkNotCounting(link, e->now);
	if (invalid != NULL)
	{
		if (trace)
			TraceAdd(trace, "R7", NULL, NULL, 0, pstrdup(invalid));
		return 0;
	}
	if (link_memo == NULL)
		link_memo = nodemap_create(TopMemoryContext, 64, NULL);
	if (link_memo_structure != e->s->build_id || link_memo_node < 0 ||
		!uuid_equal(&link_memo_resource, &link->resource_id))
	{
		/* forget the old memo before looking up (which may fail) */
		link_memo_node = -1;
		nodemap_reset(link_memo);
		target = StructureLookupNode(e->s, &link->resource_id);
		if (target < 0)
			return 0;
		link_memo_structure = e->s->build_id;
		link_memo_resource = link->resource_id;
		link_memo_node = target;
	}
	target = link_memo_node;
	if (!LinkReaches(e, node, target, 0))
		return 0;
	perms = link->perms & ~PERMSET_LINK_NEVER;
	if (trace)
		TraceAdd(trace, "R7", &e->s->resources[target].id, NULL, perms,
				 psprintf("share link %s on this resource or above it (toggles applied, nothing from share on)",
						  DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(link_id)))));
	return perms;
}

/*
 * E(P, t) united with link, what the transaction's link context gives on t
 * (R7; 0 for none): R9's caps apply to the union, so a principal's role
 * caps what a link opened while it acts gives it.  Where P itself does not
 * act (a team, no workspace, an unknown role) the link acts alone.  R11
 * counts what P views itself, not through the link.  Every contribution is
 * traced when asked.
 */
static Permset
EffectiveWithLink(Engine *e, PrincipalCtx *pc, Target t, Permset link, Trace *trace)
{
	const ResourceNode *r;
	const WorkspaceInfo *ws;
	WorkspaceRole role;
	int32		w;
	Permset		u;

	if (t.kind == TARGET_NONE)
		return 0;
	if (t.kind == TARGET_WORKSPACE)
		return WorkspacePermissions(e, pc, t.index, trace);

	r = &e->s->resources[t.index];
	role = RoleAndWorkspace(e, pc, t.index, &w);
	if (w < 0 || (pc->kind != PK_USER && pc->kind != PK_EXTERNAL))
		return link;			/* workspace gone; teams (or unknown kinds) do not act */
	ws = &e->g->workspaces[w];

	/* a role label this code does not know grants nothing (fail closed) */
	if (role == ROLE_UNKNOWN)
	{
		if (trace)
			TraceAdd(trace, "R9", &ws->id, &pc->id, 0, pstrdup("unknown workspace role: no access"));
		return link;
	}

	/* R1 */
	if (role == ROLE_OWNER)
	{
		if (trace)
			TraceAdd(trace, "R1", &ws->id, &pc->id, PERMSET_FULL, pstrdup("workspace owner"));
		return PERMSET_FULL;
	}

	/* R3: guests, and outsiders who are treated as guests (R2) */
	if ((role == ROLE_GUEST || role == ROLE_NONE) && !ws->guest_access_enabled && !e->switches_on)
	{
		if (trace)
			TraceAdd(trace, "R3", &ws->id, NULL, 0, pstrdup("guest access is disabled in the workspace"));
		u = 0;
	}
	else
	{
		nodemap_hash *memo;

		if (trace && trace->visited == NULL)
			trace->visited = nodemap_create(CurrentMemoryContext, 64, NULL);
		PrincipalEnsureGrants(pc);
		memo = pc->memo;
		u = Inherited(e, pc, role, ws, t.index, trace, &memo, 0);
		if (pc->memo == NULL && memo != NULL)
			nodemap_destroy(memo);	/* this walk's own */

		/* R11 */
		if (ROLE_IS_INTERNAL(role) && ws->members_can_share && (u & PERM_VIEW) && !(u & PERM_SHARE))
		{
			u |= PERM_SHARE;
			if (trace)
				TraceAdd(trace, "R11", &r->id, NULL, PERM_SHARE, pstrdup("members can share what they can view"));
		}
		else if (trace && ROLE_IS_INTERNAL(role) && !ws->members_can_share && (u & PERM_VIEW) &&
				 !(u & PERM_SHARE))
			TraceAdd(trace, "R11", &r->id, NULL, 0,
					 pstrdup("members_can_share is off in the workspace: viewing gives no share"));
	}
	u |= link;

	/* R9 caps */
	switch (role)
	{
		case ROLE_OWNER:
			break;
		case ROLE_ADMIN:
			u = Cap(u, ~CAP_ADMIN_REMOVES, trace, &r->id, "admin");
			break;
		case ROLE_MEMBER:
			u = Cap(u, ~CAP_MEMBER_REMOVES, trace, &r->id, "member");
			if (ws->member_edit_own_only && !e->switches_on && !EngineOwns(e, pc, t.index))
				u = Cap(u, ~ENGINE_CAP_EDIT_OWN_ONLY, trace, &r->id,
						"member_edit_own_only: not the owner of this resource");
			break;
		case ROLE_GUEST:
		case ROLE_NONE:
			u = Cap(u, ~CAP_GUEST_REMOVES, trace, &r->id,
					role == ROLE_GUEST ? "guest" : "outsider (treated as a guest)");
			if (!EnclosingProjectAllowsGuestAI(e->s, t.index))
				u = Cap(u, ~PERM_RUN_AI, trace, &r->id, "guest: the project has guest AI disabled");
			if (!ws->allow_guest_uploads && !e->switches_on)
				u = Cap(u, ~PERM_UPLOAD, trace, &r->id, "guest: guest uploads are disabled");
			break;
		case ROLE_VIEWER:
			u = Cap(u, CAP_VIEWER_KEEPS, trace, &r->id, "viewer");
			break;
		case ROLE_UNKNOWN:
			u = 0;				/* returned above; kept for completeness */
			break;
	}
	return u;
}

/* E(P, t): the effective permissions, with every contribution traced when asked. */
Permset
EngineEffective(Engine *e, PrincipalCtx *pc, Target t, Trace *trace)
{
	return EffectiveWithLink(e, pc, t, 0, trace);
}

/*
 * E on target in e: what principal holds (NULL: nobody), united with what
 * the transaction's link context gives when link (R7); in *t what target
 * names.
 */
static inline Permset
PermissionsIn(Engine *e, const pg_uuid_t *principal, bool link, const pg_uuid_t *target, Target *t)
{
	PrincipalCtx *pc;
	Permset		perms = 0;

	*t = EngineTargetFor(e, target, principal, &pc);
	if (t->kind == TARGET_NONE)
		return 0;
	if (link && t->kind == TARGET_RESOURCE)
		perms = EngineLinkPermissions(e, t->index, NULL);
	if (pc != NULL)
		perms = EffectiveWithLink(e, pc, *t, perms, NULL);
	return perms;
}

/*
 * E of principal (NULL: none) on R, united with what the transaction's link
 * context gives when link (R7) and capped as the principal's (R9); *kind
 * says what R is (TARGET_NONE: unknown, and no permissions).
 */
static Permset
PermissionsWith(const pg_uuid_t *principal, bool link, const pg_uuid_t *target, TargetKind *kind,
				bool switches_on, bool lasting)
{
	Engine		e;
	Target		t;
	Permset		perms;

	EngineBegin(&e);
	e.switches_on = switches_on;
	if (lasting)
		e.now = DT_NOEND;
	perms = PermissionsIn(&e, principal, link, target, &t);
	*kind = t.kind;
	return perms;
}

/*
 * E of the current context on R: the current principal's, united with what
 * the transaction's link context gives (R7); *kind says what R is
 * (TARGET_NONE: unknown, or no principal and no link context).
 */
Permset
EngineCurrentPermissions(const pg_uuid_t *target, TargetKind *kind)
{
	const pg_uuid_t *p = ContextCurrentPrincipal();
	bool		link = ContextCurrentLinkId() != NULL;

	*kind = TARGET_NONE;
	if (p == NULL && !link)
		return 0;
	return PermissionsWith(p, link, target, kind, false, false);
}

/*
 * What the transaction's link context alone gives on R (R7; 0 without a link
 * context, or where the link reaches nothing).
 */
Permset
EngineCurrentLinkPermissions(const pg_uuid_t *target)
{
	TargetKind	kind;

	if (ContextCurrentLinkId() == NULL)
		return 0;
	return PermissionsWith(NULL, true, target, &kind, false, false);
}

/* Is id a principal of the model (a person or a team)? */
bool
EnginePrincipalExists(const pg_uuid_t *id)
{
	Engine		e;
	PrincipalCtx *pc;

	EngineBegin(&e);
	pc = EnginePrincipal(&e, id);
	return pc != NULL && pc->exists;
}

/* Does principal own resource target (R10: as a person with a role)? */
bool
EnginePrincipalOwns(const pg_uuid_t *principal, const pg_uuid_t *target)
{
	Engine		e;
	Target		t;

	EngineBegin(&e);
	t = EngineTarget(&e, target);
	return t.kind == TARGET_RESOURCE && EngineOwns(&e, EnginePrincipal(&e, principal), t.index);
}

/*
 * Does the current context (principal and link context) view resource
 * target, and does target sit under parent in the tree: its parent, or its
 * workspace for a top-level one?  false for a target that is no resource.
 */
bool
EngineCurrentViewsUnder(const pg_uuid_t *target, const pg_uuid_t *parent)
{
	const pg_uuid_t *p = ContextCurrentPrincipal();
	bool		link = ContextCurrentLinkId() != NULL;
	Engine		e;
	Target		t;
	const ResourceNode *r;

	if (p == NULL && !link)
		return false;
	EngineBegin(&e);
	if ((PermissionsIn(&e, p, link, target, &t) & PERM_VIEW) == 0 || t.kind != TARGET_RESOURCE)
		return false;
	r = &e.s->resources[t.index];
	if (r->parent >= 0)
		return uuid_equal(&e.s->resources[r->parent].id, parent);
	return uuid_equal(&e.s->workspace_ids[r->workspace], parent);
}

/*
 * P's role in workspace ws as the rules see it (R2), from what every check
 * reads: the latest committed rows and this transaction's own changes, also
 * in REPEATABLE READ (ROLE_NONE: none).
 */
WorkspaceRole
EngineRoleIn(const pg_uuid_t *principal, const pg_uuid_t *ws)
{
	Engine		e;

	EngineBegin(&e);
	return RoleIn(EnginePrincipal(&e, principal), ws);
}

/* Is principal in team (directly or through nested teams: teams(P))? */
bool
EngineInTeam(const pg_uuid_t *principal, const pg_uuid_t *team)
{
	Engine		e;
	PrincipalCtx *pc;
	int32		i;

	EngineBegin(&e);
	pc = EnginePrincipal(&e, principal);
	PrincipalEnsureGrants(pc);
	for (i = 0; i < pc->nteams; i++)
		if (memcmp(&pc->teams[i], team, UUID_LEN) == 0)
			return true;
	return false;
}

/*
 * E(P, R) in one call, for the SQL checks and the management functions;
 * *kind says what R is (TARGET_NONE: unknown, and no permissions).
 */
Permset
EnginePermissionsOf(const pg_uuid_t *principal, const pg_uuid_t *target, TargetKind *kind)
{
	return PermissionsWith(principal, false, target, kind, false, false);
}

/*
 * Which of the switches of R's workspace cap P on R (EngineReachOf's): 1
 * member_edit_own_only (P a member), 2 guest access and guest uploads (P a
 * guest, or an outsider treated as one, R2), 0 none (or R unknown).  A
 * switch that caps two principals moves them in step.
 */
int
EngineSwitchClass(const pg_uuid_t *principal, const pg_uuid_t *target)
{
	Engine		e;
	Target		t;
	PrincipalCtx *pc;
	WorkspaceRole role;

	EngineBegin(&e);
	t = EngineTargetFor(&e, target, principal, &pc);
	if (t.kind != TARGET_RESOURCE || pc == NULL)
		return 0;
	role = EngineRoleForTarget(&e, pc, t);
	return role == ROLE_MEMBER ? 1 : (role == ROLE_GUEST || role == ROLE_NONE) ? 2 : 0;
}

/*
 * Does P hold "share" on R only because members_can_share is on (R11 added
 * it: P's grants give view but not share)?
 */
bool
EngineSharesOnlyByPolicy(const pg_uuid_t *principal, const pg_uuid_t *target)
{
	Engine		e;
	Target		t;
	PrincipalCtx *pc;
	Trace		trace = {NIL, NULL};
	ListCell   *lc;

	EngineBegin(&e);
	t = EngineTargetFor(&e, target, principal, &pc);
	if (t.kind != TARGET_RESOURCE || pc == NULL)
		return false;
	if (!(EngineEffective(&e, pc, t, &trace) & PERM_SHARE))
		return false;
	foreach(lc, trace.entries)
	{
		TraceEntry *entry = (TraceEntry *) lfirst(lc);

		if (strcmp(entry->rule, "R11") == 0 && (entry->perms & PERM_SHARE))
			return true;
	}
	return false;
}

/*
 * E(P, R) as P's grants give it whatever the switches of R's workspace say
 * now: guest access (R3) and guest uploads taken as on, member_edit_own_only
 * (R9) as off.  What a change of structure passes on to P (R14): the
 * switches may be turned back at any time, and then P holds this.
 */
Permset
EngineReachOf(const pg_uuid_t *principal, const pg_uuid_t *target)
{
	TargetKind	kind;

	return PermissionsWith(principal, false, target, &kind, true, false);
}

/*
 * EngineReachOf counting only what lasts: the shares without an expiry (no
 * expiring share, no open review).  R14 asks it too: a change of structure
 * must not make lasting what only a grant that ends gave.
 */
Permset
EngineLastingReachOf(const pg_uuid_t *principal, const pg_uuid_t *target)
{
	TargetKind	kind;

	return PermissionsWith(principal, false, target, &kind, true, true);
}
