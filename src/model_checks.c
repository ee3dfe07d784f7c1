/*
 * model_checks.c — rules of the model that the tables' triggers check in C,
 * on paths that every share takes: a grant (a share, a review) to a team is
 * for resources of the team's own workspace (_team_outside, share_check).
 * The other checks are set-based PL/pgSQL statement triggers
 * (sql/install/020_model.sql).
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"

#include "catalog.h"

PG_FUNCTION_INFO_V1(team_outside);
PG_FUNCTION_INFO_V1(share_check);

/* What the look-ups below read of a principal or resource row. */
typedef struct RowFacts
{
	bool		found;
	PrincipalKind kind;
	bool		has_workspace;
	pg_uuid_t	workspace;
} RowFacts;

static void
ReadPrincipal(TupleDesc desc, HeapTuple tup, void *arg)
{
	RowFacts   *f = arg;
	bool		isnull;
	Datum		d;

	f->found = true;
	f->kind = EnumMapValue(&catalog.principal_kinds, Attr(desc, tup, catalog.p_kind, &isnull),
						   PK_UNKNOWN);
	d = Attr(desc, tup, catalog.p_workspace, &isnull);
	f->has_workspace = !isnull;
	if (!isnull)
		f->workspace = *DatumGetUUIDP(d);
}

static void
ReadResource(TupleDesc desc, HeapTuple tup, void *arg)
{
	RowFacts   *f = arg;
	bool		isnull;
	Datum		d = Attr(desc, tup, catalog.res_workspace, &isnull);

	f->found = true;
	f->has_workspace = !isnull;
	if (!isnull)
		f->workspace = *DatumGetUUIDP(d);
}

/*
 * Is principal a team of another workspace than resource's (a resource
 * that does not exist, or NULL, has none)?  Read under snap, by primary key.
 */
static bool
TeamOutside(const pg_uuid_t *principal, const pg_uuid_t *resource, Snapshot snap)
{
	RowFacts	p = {false};
	RowFacts	r = {false};

	CatalogLookup();
	IndexScanEqual(MT_PRINCIPAL, MT_PRINCIPAL_PKEY, catalog.p_id, principal, snap, ReadPrincipal, &p);
	if (!p.found || p.kind != PK_TEAM)
		return false;
	if (resource != NULL)
		IndexScanEqual(MT_RESOURCE, MT_RESOURCE_PKEY, catalog.res_id, resource, snap, ReadResource, &r);
	if (!p.has_workspace || !r.has_workspace)
		return p.has_workspace != r.has_workspace;
	return memcmp(&p.workspace, &r.workspace, sizeof(pg_uuid_t)) != 0;
}

/* _team_outside(principal uuid, resource uuid) → boolean, under the query's snapshot */
Datum
team_outside(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(TeamOutside(PG_GETARG_UUID_P(0), PG_ARGISNULL(1) ? NULL : PG_GETARG_UUID_P(1),
							   GetActiveSnapshot()));
}

/*
 * share_check(): AFTER INSERT OR UPDATE row trigger on share: the grantee is
 * a principal of the resource's workspace or a person.  Reads what the
 * statement and the ones before it wrote.
 */
Datum
share_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	row;
	TupleDesc	desc;
	bool		grantee_null,
				resource_null;
	Datum		grantee,
				resource;
	Snapshot	snap;
	bool		outside;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("share_check() must be a row trigger on INSERT or UPDATE")));
	row = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	desc = RelationGetDescr(trigdata->tg_relation);
	CatalogLookup();
	grantee = heap_getattr(row, catalog.s_grantee, desc, &grantee_null);
	resource = heap_getattr(row, catalog.s_resource, desc, &resource_null);
	if (grantee_null)
		return PointerGetDatum(row);
	CommandCounterIncrement();
	snap = RegisterSnapshot(GetLatestSnapshot());
	outside = TeamOutside(DatumGetUUIDP(grantee), resource_null ? NULL : DatumGetUUIDP(resource), snap);
	UnregisterSnapshot(snap);
	if (outside)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("a team can only be granted resources of its own workspace")));
	return PointerGetDatum(row);
}
