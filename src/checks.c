/*
 * checks.c — the SQL check and look-up functions of SPEC §4: has_access,
 * effective_permissions, explain_access, accessible_resources and
 * who_has_access.  All of them ask the same resolver (engine.c).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

#include "engine.h"
#include "context.h"
#include "maps.h"
#include "permset_sql.h"

PG_FUNCTION_INFO_V1(has_access_current);
PG_FUNCTION_INFO_V1(has_access_principal);
PG_FUNCTION_INFO_V1(effective_permissions_current);
PG_FUNCTION_INFO_V1(effective_permissions_principal);
PG_FUNCTION_INFO_V1(explain_access);
PG_FUNCTION_INFO_V1(accessible_resources);
PG_FUNCTION_INFO_V1(who_has_access_internal);
PG_FUNCTION_INFO_V1(concerned_now);
PG_FUNCTION_INFO_V1(reach_of);
PG_FUNCTION_INFO_V1(reach_lasting_of);
PG_FUNCTION_INFO_V1(switch_class);
PG_FUNCTION_INFO_V1(held_by_grants);
PG_FUNCTION_INFO_V1(audit_readable);
PG_FUNCTION_INFO_V1(current_link);

/* E of the current context on resource_id; *known says whether the id is known. */
static Permset
CurrentEffective(const pg_uuid_t *resource_id, bool *known)
{
	TargetKind	kind;
	Permset		perms = EngineCurrentPermissions(resource_id, &kind);

	*known = kind != TARGET_NONE;
	return perms;
}

/* E(P, R); *known says whether R is a known resource or workspace. */
static Permset
PrincipalEffective(const pg_uuid_t *principal_id, const pg_uuid_t *resource_id, bool *known)
{
	TargetKind	kind;
	Permset		perms = EnginePermissionsOf(principal_id, resource_id, &kind);

	*known = kind != TARGET_NONE;
	return perms;
}

/*
 * has_access(resource uuid, perms permset) → bool, for the current context.
 * The empty set is held on every known resource (E ⊇ ∅) — by a known
 * principal or a link context: an unknown id answers false (SPEC §4), also
 * when it is the principal's.
 */
Datum
has_access_current(PG_FUNCTION_ARGS)
{
	Permset		want = PG_GETARG_PERMSET(1);
	bool		known;
	Permset		have = CurrentEffective(PG_GETARG_UUID_P(0), &known);

	if (known && want == 0 && ContextCurrentLinkId() == NULL)
		known = EnginePrincipalExists(ContextCurrentPrincipal());
	PG_RETURN_BOOL(known && (have & want) == want);
}

/* has_access(principal uuid, resource uuid, perms permset) → bool (as above) */
Datum
has_access_principal(PG_FUNCTION_ARGS)
{
	Permset		want = PG_GETARG_PERMSET(2);
	bool		known;
	Permset		have = PrincipalEffective(PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1), &known);

	if (known && want == 0)
		known = EnginePrincipalExists(PG_GETARG_UUID_P(0));
	PG_RETURN_BOOL(known && (have & want) == want);
}

/*
 * audit_readable(workspace uuid) → bool: may the current context read the
 * audit rows of this workspace — view_audit held on it, and the id a
 * workspace's.  A resource's id does not do: its owner holds view_audit on
 * it (R10), and a deleted workspace's id, whose chain stays, may be taken
 * by anyone's new resource.
 */
Datum
audit_readable(PG_FUNCTION_ARGS)
{
	TargetKind	kind;
	Permset		have = EngineCurrentPermissions(PG_GETARG_UUID_P(0), &kind);

	PG_RETURN_BOOL(kind == TARGET_WORKSPACE && (have & PERM_VIEW_AUDIT) != 0);
}

/* effective_permissions(resource uuid) → permset, for the current context */
Datum
effective_permissions_current(PG_FUNCTION_ARGS)
{
	bool		known;

	PG_RETURN_PERMSET(CurrentEffective(PG_GETARG_UUID_P(0), &known));
}

/* effective_permissions(principal uuid, resource uuid) → permset */
Datum
effective_permissions_principal(PG_FUNCTION_ARGS)
{
	bool		known;

	PG_RETURN_PERMSET(PrincipalEffective(PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1), &known));
}

/* A uuid datum copied into the current memory context. */
static Datum
UuidDatum(const pg_uuid_t *id)
{
	pg_uuid_t  *copy = palloc(sizeof(pg_uuid_t));

	*copy = *id;
	return UUIDPGetDatum(copy);
}

/*
 * explain_access(principal uuid, resource uuid, perms permset)
 *   → table(rule text, via_resource uuid, via_principal uuid, perms permset, detail text)
 */
Datum
explain_access(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const pg_uuid_t *principal_id = PG_GETARG_UUID_P(0);
	const pg_uuid_t *resource_id = PG_GETARG_UUID_P(1);
	Permset		want = PG_GETARG_PERMSET(2);
	Engine		e;
	Target		t;
	Trace		trace = {NIL, NULL};
	Permset		have = 0;
	PrincipalCtx *pc = NULL;
	ListCell   *lc;
	Datum		values[5];
	bool		nulls[5];

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	EngineBegin(&e);
	t = EngineTarget(&e, resource_id);
	if (t.kind != TARGET_NONE)
	{
		pc = EnginePrincipal(&e, principal_id);
		have = EngineEffective(&e, pc, t, &trace);
	}

	foreach(lc, trace.entries)
	{
		TraceEntry *te = (TraceEntry *) lfirst(lc);

		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(te->rule);
		if (te->via_resource)
			values[1] = UuidDatum(te->via_resource);
		else
			nulls[1] = true;
		if (te->via_principal)
			values[2] = UuidDatum(te->via_principal);
		else
			nulls[2] = true;
		values[3] = PermsetGetDatum(te->perms);
		values[4] = CStringGetTextDatum(te->detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	/* the result line */
	memset(nulls, 0, sizeof(nulls));
	values[0] = CStringGetTextDatum("result");
	values[1] = UuidDatum(resource_id);
	values[2] = UuidDatum(principal_id);
	values[3] = PermsetGetDatum(have);
	if (t.kind == TARGET_NONE)
		values[4] = CStringGetTextDatum("unknown resource or workspace: no access");
	else if (pc == NULL || !pc->exists)
		values[4] = CStringGetTextDatum("unknown principal: no access");
	else if ((have & want) == want)
		values[4] = CStringGetTextDatum("access granted");
	else
		values[4] = CStringGetTextDatum(psprintf("access denied: missing %s",
												 PermsetToCString(want & ~have)));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}

/*
 * accessible_resources(principal uuid, perms permset, kind resource_kind default null)
 *   → setof uuid
 *
 * Every resource (of that kind) on which E(P, R) contains perms.  Written to
 * a tuplestore, which spills to disk past work_mem.
 */
typedef struct AccessibleScan
{
	ReturnSetInfo *rsinfo;
	const pg_uuid_t *principal;
	Permset		want;
	int			kind;			/* ResourceKind, -1 for any, -2 for none */
	uuidmap_hash *reached;		/* the workspaces where it may hold something */
} AccessibleScan;

/*
 * Does E = have answer accessible_resources' want?  The empty set asks for
 * any access: a resource on which the principal holds nothing is never
 * listed (E ⊇ ∅ would list every resource of every workspace).
 */
static inline bool
AccessibleWith(Permset have, Permset want)
{
	return want == 0 ? have != 0 : (have & want) == want;
}

/* For a partial structure: check one resource of the table scan. */
static void
AccessibleVisit(const pg_uuid_t *id, const pg_uuid_t *workspace, ResourceKind kind, void *arg)
{
	AccessibleScan *scan = (AccessibleScan *) arg;
	Engine		e;
	Target		t;
	Datum		value;
	bool		isnull = false;

	CHECK_FOR_INTERRUPTS();
	if ((scan->kind != -1 && (int) kind != scan->kind) ||
		uuidmap_lookup(scan->reached, *workspace) == NULL)
		return;
	EngineBegin(&e);
	t = EngineTarget(&e, id);
	if (t.kind != TARGET_RESOURCE ||
		!AccessibleWith(EngineEffective(&e, EnginePrincipal(&e, scan->principal), t, NULL), scan->want))
		return;
	value = UUIDPGetDatum(id);
	tuplestore_putvalues(scan->rsinfo->setResult, scan->rsinfo->setDesc, &value, &isnull);
}

Datum
accessible_resources(PG_FUNCTION_ARGS)
{
	AccessibleScan scan;
	Engine		e;
	PrincipalCtx *pc;
	bool	   *reached;
	int32		i;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC | MAT_SRF_BLESS);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;		/* NULL in: no rows */
	scan.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	scan.principal = PG_GETARG_UUID_P(0);
	scan.want = PG_GETARG_PERMSET(1);
	scan.kind = -1;				/* any kind */
	if (!PG_ARGISNULL(2))
	{
		/* resource_kind enum → its position, through its label */
		char	   *label = DatumGetCString(DirectFunctionCall1(enum_out, PG_GETARG_DATUM(2)));

		scan.kind = -2;			/* a label this code does not know matches nothing */
		for (i = 0; i < 4; i++)
			if (strcmp(label, resource_kind_labels[i]) == 0)
				scan.kind = i;
	}

	EngineBeginWhole(&e);
	pc = EnginePrincipal(&e, scan.principal);
	/* (other tenants' resources are not walked: nothing there is its) */
	scan.reached = EngineWorkspacesReached(&e, pc);
	if (e.s->partial)
	{
		StructureScanResources(AccessibleVisit, &scan);
		return (Datum) 0;
	}
	reached = palloc0(sizeof(bool) * Max(e.s->nworkspaces, 1));
	for (i = 0; i < e.s->nworkspaces; i++)
		reached[i] = uuidmap_lookup(scan.reached, e.s->workspace_ids[i]) != NULL;
	for (i = 0; i < e.s->nresources; i++)
	{
		Target		t = {TARGET_RESOURCE, i};
		Datum		value;
		bool		isnull = false;

		CHECK_FOR_INTERRUPTS();
		if (e.s->resources[i].flags & RES_DEAD || !reached[e.s->resources[i].workspace])
			continue;
		if (scan.kind != -1 && (int) NodeKind(&e.s->resources[i]) != scan.kind)
			continue;
		if (!AccessibleWith(EngineEffective(&e, pc, t, NULL), scan.want))
			continue;
		value = UUIDPGetDatum(&e.s->resources[i].id);
		tuplestore_putvalues(scan.rsinfo->setResult, scan.rsinfo->setDesc, &value, &isnull);
	}
	return (Datum) 0;
}

/*
 * who_has_access's row of person p on the resource named id, unless p holds
 * nothing there (its perms, role and the rules that contributed); false
 * when the resource is gone (an invalidation between two persons).
 */
static bool
PutAccessRow(ReturnSetInfo *rsinfo, Engine *e, const pg_uuid_t *id, const pg_uuid_t *p)
{
	PrincipalCtx *pc;
	Target		t;
	Trace		trace = {NIL, NULL};
	Permset		perms;
	WorkspaceRole role;
	StringInfoData via;
	ListCell   *lc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	/* the principal contexts may be dropped by an invalidation: re-begin */
	EngineBegin(e);
	t = EngineTarget(e, id);
	if (t.kind == TARGET_NONE)
		return false;
	pc = EnginePrincipal(e, p);
	perms = EngineEffective(e, pc, t, &trace);
	if (perms == 0)
		return true;
	role = EngineRoleForTarget(e, pc, t);

	initStringInfo(&via);
	foreach(lc, trace.entries)
	{
		TraceEntry *te = (TraceEntry *) lfirst(lc);
		char		key[8];

		if (te->perms == 0 || strcmp(te->rule, "R9") == 0)
			continue;
		snprintf(key, sizeof(key), "%s,", te->rule);
		if (strstr(via.data, key) == NULL)
			appendStringInfoString(&via, key);
	}
	if (via.len > 0)
		via.data[--via.len] = '\0';

	values[0] = UUIDPGetDatum(p);
	if (role == ROLE_NONE || role == ROLE_UNKNOWN)
		nulls[1] = true;
	else
		values[1] = CStringGetTextDatum(role_labels[role]);
	values[2] = PermsetGetDatum(perms);
	values[3] = CStringGetTextDatum(via.data);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return true;
}

/*
 * _who_has_access(resource uuid) → table(principal uuid, role text, perms permset, via text)
 *
 * Candidates are the workspace's members and everyone a share on an ancestor
 * reaches (teams expanded to their members, transitively); each is resolved
 * with a trace, and via lists the rules that contributed.  On a workspace's
 * id, its members, as has_access answers there (R12).
 */
Datum
who_has_access_internal(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Engine		e;
	Target		t;
	List	   *ids;
	ListCell   *lc;
	MemoryContext per_person;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	EngineBegin(&e);
	t = EngineTarget(&e, PG_GETARG_UUID_P(0));
	if (t.kind == TARGET_NONE)
		return (Datum) 0;

	/* the workspace's members (on a workspace id, only they hold anything: R12) */
	if (t.kind == TARGET_WORKSPACE)
		ids = WorkspaceMemberIds(PG_GETARG_UUID_P(0));
	else
		ids = WorkspaceMemberIds(&e.s->workspace_ids[e.s->resources[t.index].workspace]);

	/* grantees of shares anywhere up the tree */
	if (t.kind == TARGET_RESOURCE)
	{
		int32	   *nodes = palloc(sizeof(int32) * Max(e.s->nresources, 1));
		int32		nnodes = 0;
		nodemap_hash *visited = nodemap_create(CurrentMemoryContext, 64, NULL);
		bool		found;

		nodes[nnodes++] = t.index;
		nodemap_insert(visited, t.index, &found);
		while (nnodes > 0)
		{
			const ResourceNode *r = &e.s->resources[nodes[--nnodes]];
			int32		c,
						link;

			ids = list_concat(ids, GranteesOf(&r->id));
			if (r->parent >= 0)
			{
				nodemap_insert(visited, r->parent, &found);
				if (!found)
					nodes[nnodes++] = r->parent;
			}
			for (c = FirstCollection(r, &link); c >= 0; c = NextCollection(e.s, &link))
			{
				nodemap_insert(visited, c, &found);
				if (!found)
					nodes[nnodes++] = c;
			}
		}
	}

	/*
	 * (each person's trace and row built in a context reset after it: the
	 * trace visits every ancestor, collections included, so a resource in
	 * thousands of collections in a workspace of thousands of members would
	 * otherwise hold gigabytes until the call ends)
	 */
	per_person = AllocSetContextCreate(CurrentMemoryContext, "who_has_access person",
									   ALLOCSET_DEFAULT_SIZES);
	foreach(lc, PersonsOf(ids))
	{
		MemoryContext outer = MemoryContextSwitchTo(per_person);
		bool		target_gone = !PutAccessRow(rsinfo, &e, PG_GETARG_UUID_P(0),
												(const pg_uuid_t *) lfirst(lc));

		MemoryContextSwitchTo(outer);
		MemoryContextReset(per_person);
		if (target_gone)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextDelete(per_person);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(is_owner_current);

/* is_owner(resource uuid) → bool: does the current principal own the resource? */
Datum
is_owner_current(PG_FUNCTION_ARGS)
{
	const pg_uuid_t *p = ContextCurrentPrincipal();

	PG_RETURN_BOOL(p != NULL && EnginePrincipalOwns(p, PG_GETARG_UUID_P(0)));
}

PG_FUNCTION_INFO_V1(parent_is_current);

/*
 * parent_is(resource uuid, parent uuid) → bool: does the resource sit under
 * parent (its parent, or its workspace when top-level), as far as the
 * current context may view the resource?  false when it may not (or the
 * resource is unknown): the tree is told only to who sees the resource.
 */
Datum
parent_is_current(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EngineCurrentViewsUnder(PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1)));
}

/*
 * _reach(principal uuid, resource uuid) → permset: what principal's grants
 * give it on resource with its workspace's switches at their widest
 * (EngineReachOf), for R14.
 */
Datum
reach_of(PG_FUNCTION_ARGS)
{
	PG_RETURN_PERMSET(EngineReachOf(PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1)));
}

/*
 * _reach_lasting(principal uuid, resource uuid) → permset: _reach counting
 * only the grants that do not end (EngineLastingReachOf), for R14.
 */
Datum
reach_lasting_of(PG_FUNCTION_ARGS)
{
	PG_RETURN_PERMSET(EngineLastingReachOf(PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1)));
}

/*
 * _held_by_grants(principal uuid, resource uuid) → permset: E(P, R) but the
 * "share" that members_can_share alone gives (R11), empty for an unknown
 * resource: what add_team_member compares when one joins a team, so that
 * "share" kept through a team is one held by a grant (the policy applies at
 * every check, and may be turned off).
 */
Datum
held_by_grants(PG_FUNCTION_ARGS)
{
	const pg_uuid_t *principal = PG_GETARG_UUID_P(0);
	const pg_uuid_t *resource = PG_GETARG_UUID_P(1);
	bool		known;
	Permset		held = PrincipalEffective(principal, resource, &known);

	if (!known)
		PG_RETURN_PERMSET(0);
	if ((held & PERM_SHARE) && EngineSharesOnlyByPolicy(principal, resource))
		held &= ~PERM_SHARE;
	PG_RETURN_PERMSET(held);
}

/* _switch_class(principal uuid, resource uuid) → integer: EngineSwitchClass */
Datum
switch_class(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(EngineSwitchClass(PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1)));
}

/*
 * _concerned_now(resources uuid[]) → uuid[]: who a grant on any of them
 * concerns (owners, grantees, reviewers, their teams' members), as the
 * checks read the rows: R14 asks them too, beside those the caller's
 * snapshot shows (in REPEATABLE READ an older one).
 */
Datum
concerned_now(PG_FUNCTION_ARGS)
{
	ArrayType  *in = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i,
				k = 0;
	pg_uuid_t  *resources;
	List	   *ids;
	Datum	   *out;
	ListCell   *lc;

	deconstruct_array(in, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &elems, &nulls, &n);
	resources = palloc(Max(n, 1) * sizeof(pg_uuid_t));
	for (i = 0; i < n; i++)
		if (!nulls[i])
			resources[k++] = *DatumGetUUIDP(elems[i]);
	ids = ConcernedPrincipals(resources, k);
	out = palloc(Max(list_length(ids), 1) * sizeof(Datum));
	i = 0;
	foreach(lc, ids)
		out[i++] = UUIDPGetDatum((pg_uuid_t *) lfirst(lc));
	PG_RETURN_ARRAYTYPE_P(construct_array(out, i, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
}

/*
 * current_link() → uuid: the link of the transaction's link context while it
 * counts, or NULL (a revoked, expired or not yet valid link, or one whose
 * token's key is retired, is no longer the context's: as has_access, which
 * it stands beside in application policies, judges it).
 */
Datum
current_link(PG_FUNCTION_ARGS)
{
	const pg_uuid_t *link = EngineCurrentLink();
	pg_uuid_t  *result;

	if (link == NULL)
		PG_RETURN_NULL();
	result = palloc(sizeof(pg_uuid_t));
	*result = *link;
	PG_RETURN_UUID_P(result);
}
