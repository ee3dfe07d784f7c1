/*
 * model_checks.c — rules of the model that the tables' triggers check in C,
 * on the paths every share and upload takes: a grant (a share, a review) to
 * a team is for resources of the team's own workspace (_team_outside,
 * share_check); a new resource's parent is in its workspace and makes no
 * cycle (resource_insert_check); a new id is no id in use
 * (id_registry_insert).  The other checks are set-based PL/pgSQL statement
 * triggers (sql/install/020_model.sql).
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/array.h"
#include "utils/tuplestore.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"

#include "catalog.h"
#include "kept_plan.h"
#include "owner_scope.h"
#include "row_write.h"
#include "maps.h"

PG_FUNCTION_INFO_V1(team_outside);
PG_FUNCTION_INFO_V1(share_check);
PG_FUNCTION_INFO_V1(resource_insert_check);
PG_FUNCTION_INFO_V1(id_registry_insert);

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
	PrincipalFacts(principal, snap, &p);
	if (!p.found || p.kind != PK_TEAM)
		return false;
	if (resource != NULL)
		ResourceFacts(resource, snap, &r);
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
							   ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot()));
}

/*
 * share_check(): AFTER INSERT OR UPDATE row trigger on share: the grantee is
 * a principal of the resource's workspace or a person.  Reads what the
 * statement and the ones before it wrote, under the snapshot a statement of
 * the transaction would take now (as a PL/pgSQL trigger's statement does).
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
	snap = StatementSnapshot();
	outside = TeamOutside(DatumGetUUIDP(grantee), resource_null ? NULL : DatumGetUUIDP(resource), snap);
	UnregisterSnapshot(snap);
	if (outside)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("a team can only be granted resources of its own workspace")));
	return PointerGetDatum(row);
}

/*
 * The statement triggers below check a few rows in C and a bulk load with
 * set-based statements over the transition table (planned for its size).
 */
#define FEW_ROWS		1000
#define FEW_RESOURCES	64

/*
 * The uuid column attnum of each row of a transition table, in a palloc'd
 * array; nulls NULL: a column the model declares NOT NULL (AttrUuid's error
 * when an altered table holds NULL).
 */
static pg_uuid_t *
TransitionUuids(Tuplestorestate *rows, TupleDesc desc, AttrNumber attnum, bool *nulls, int *n)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	pg_uuid_t  *ids = palloc_extended((tuplestore_tuple_count(rows) + 1) * sizeof(pg_uuid_t),
									  MCXT_ALLOC_HUGE);

	*n = 0;
	tuplestore_rescan(rows);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, attnum, &isnull);

		if (nulls)
			nulls[*n] = isnull;
		else if (isnull)
			AttrNullError(desc, attnum);
		if (!isnull)
			ids[*n] = *DatumGetUUIDP(d);
		(*n)++;
	}
	ExecDropSingleTupleTableSlot(slot);
	return ids;
}

static void
CheckStatementTrigger(FunctionCallInfo fcinfo, const char *name)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) || trigdata->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be an AFTER INSERT statement trigger with a NEW TABLE", name)));
}

/*
 * Run a set-based check over the transition tables: as the table's owner
 * (whoever inserts needs no right to read the model), in a statement of its
 * own, which sees the rows of the statement that fired the trigger.  The
 * first column of a row it returns is named in the error.  The query has no
 * LIMIT (the executor stops at the first row anyway): a LIMIT would have the
 * planner favour a plan that finds a first row fast, and the usual answer is
 * no row at all, which such a plan (a nested loop rescanning the transition
 * table) finds only after |table| x |new rows| steps.
 */
static void
SetBasedCheck(TriggerData *trigdata, const char *query, int sqlstate, const char *message)
{
	Oid			save_userid;
	int			save_sec_context;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(trigdata->tg_relation->rd_rel->relowner,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	SPI_connect();
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "could not register the transition tables");
	if (SPI_execute(query, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not run the check \"%s\"", query);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg(message, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1))));
	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec_context);
}

#define PARENT_ELSEWHERE	"the parent of resource %s is in another workspace"
#define PARENT_CYCLE		"the parent of resource %s would make a cycle"

/*
 * The first of the n new rows, in the order of the transition table, that
 * lies on a cycle of parents, or -1.  Only new rows can make one (nothing
 * else can point to them), so each row's walk up stops at a row that is not
 * new, or at one an earlier walk went through: every row is passed once,
 * and a bulk load of one deep chain costs n steps, not n² / 2.  A row's
 * parent among the new rows is found by a map of their ids (maps.h).  It
 * holds about 100 bytes per new row while it runs (the ids, the parents and
 * the map), beyond 1 GB from about 10 million rows in one INSERT (hence the
 * huge allocations).
 */
static int
FirstRowOnCycle(const pg_uuid_t *ids, const pg_uuid_t *parents, const bool *no_parent, int n)
{
	int		   *parent_at = palloc_extended((n + 1) * sizeof(int), MCXT_ALLOC_HUGE);	/* -1: no new row */
	char	   *state = palloc_extended(n + 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);	/* 0 not seen, 1 on this walk, 2 done */
	int		   *walk = palloc_extended((n + 1) * sizeof(int), MCXT_ALLOC_HUGE);
	uuidmap_hash *by_id = uuidmap_create(CurrentMemoryContext, Max(n, 8), NULL);
	int			first = -1;
	int			i;

	for (i = 0; i < n; i++)
	{
		bool		found;

		uuidmap_insert(by_id, ids[i], &found)->value = i;	/* (ids are unique: the primary key) */
	}
	for (i = 0; i < n; i++)
	{
		UuidMapEntry *e = no_parent[i] ? NULL : uuidmap_lookup(by_id, parents[i]);

		parent_at[i] = e ? e->value : -1;
	}

	for (i = 0; i < n; i++)
	{
		int			len = 0,
					at;

		CHECK_FOR_INTERRUPTS();
		for (at = i; at >= 0 && state[at] == 0; at = parent_at[at])
		{
			state[at] = 1;
			walk[len++] = at;
		}
		if (at >= 0 && state[at] == 1)
		{
			/* back on this walk: the cycle is the walk from at on */
			int			k = len;

			do
			{
				k--;
				if (first < 0 || walk[k] < first)
					first = walk[k];
			} while (walk[k] != at);
		}
		while (len > 0)
			state[walk[--len]] = 2;
	}
	uuidmap_destroy(by_id);
	pfree(parent_at);
	pfree(state);
	pfree(walk);
	return first;
}

/*
 * resource_insert_check(): AFTER INSERT statement trigger on resource: a
 * new resource's parent is in its workspace, and the new rows make no cycle
 * (nothing else can point to them).
 */
Datum
resource_insert_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	int			n,
				i;
	pg_uuid_t  *ids,
			   *workspaces = NULL,
			   *parents;
	bool	   *no_parent;
	bool		bulk;

	CheckStatementTrigger(fcinfo, "resource_insert_check");
	bulk = tuplestore_tuple_count(trigdata->tg_newtable) > FEW_RESOURCES;
	if (bulk)
		SetBasedCheck(trigdata,
					  "SELECT n.id FROM new_rows n JOIN share_acl.resource p ON p.id OPERATOR(pg_catalog.=) n.parent_id"
					  " WHERE p.workspace_id OPERATOR(pg_catalog.<>) n.workspace_id",
					  ERRCODE_CHECK_VIOLATION, PARENT_ELSEWHERE);

	CatalogLookup();
	desc = RelationGetDescr(trigdata->tg_relation);
	ids = TransitionUuids(trigdata->tg_newtable, desc, catalog.res_id, NULL, &n);
	if (!bulk)
		workspaces = TransitionUuids(trigdata->tg_newtable, desc, catalog.res_workspace, NULL, &n);
	no_parent = palloc_extended((n + 1) * sizeof(bool), MCXT_ALLOC_HUGE);
	parents = TransitionUuids(trigdata->tg_newtable, desc, catalog.res_parent, no_parent, &n);

	/* the parent's workspace: the parent is a new row or one before */
	if (!bulk)
	{
		Snapshot	snap = StatementSnapshot();

		for (i = 0; i < n; i++)
		{
			RowFacts	p = {false};

			if (no_parent[i])
				continue;
			ResourceFacts(&parents[i], snap, &p);
			if (p.found && (!p.has_workspace ||
							memcmp(&p.workspace, &workspaces[i], sizeof(pg_uuid_t)) != 0))
				ereport(ERROR,
						(errcode(ERRCODE_CHECK_VIOLATION),
						 errmsg(PARENT_ELSEWHERE,
								DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&ids[i]))))));
		}
		UnregisterSnapshot(snap);
	}

	i = FirstRowOnCycle(ids, parents, no_parent, n);
	if (i >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_RECURSION),
				 errmsg(PARENT_CYCLE,
						DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&ids[i]))))));
	return PointerGetDatum(NULL);
}

#define ID_IN_USE		"id %s is already in use"
#define ID_IN_USE_HINT	"Workspaces, principals, resources and share links share one namespace of ids."

/*
 * The few new ids of kind into the registry, one by one without a
 * statement, as INSERT … ON CONFLICT (id) DO NOTHING (src/row_write.c);
 * *added: how many were not there.  false, having written nothing, when
 * the registry must be written by the statement.
 */
static bool
RegisterIds(const Datum *ids, int n, char kind, int64 *added)
{
	static const char *const columns[2] = {"id", "kind"};
	static const Oid types[2] = {UUIDOID, CHAROID};
	Datum		values[2] = {(Datum) 0, CharGetDatum(kind)};
	bool		nulls[2] = {false, false};
	RowValues	row = {2, columns, types, values, nulls};
	Relation	rel = ModelTableOpen(MT_ID_REGISTRY, RowExclusiveLock);
	bool		done = RowInsertEach(rel, &row, 0, ids, n, ModelRelId(MT_ID_REGISTRY_PKEY), added);

	table_close(rel, NoLock);
	return done;
}

/*
 * id_registry_insert(kind): AFTER INSERT statement trigger on workspace,
 * principal, resource and link: the new ids join share_acl.id_registry; an id
 * already there (whatever holds it) is 23505.  Only the extension's owner
 * reads or writes the registry: the work is done as that owner (the owner
 * of the model table the trigger is on), as a
 * SECURITY DEFINER function would (OwnerScope, which inside a management
 * function, whose search_path is pinned already, costs no GUC level).  The
 * other events are id_registry_sync's and id_registry_forget's
 * (sql/install/020_model.sql).
 */
Datum
id_registry_insert(PG_FUNCTION_ARGS)
{
	static KeptPlan add_plan;
	static KeptPlan taken_plan;
	static const Oid types[2] = {UUIDARRAYOID, CHAROID};
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Tuplestorestate *rows;
	char		kind;
	Datum		values[2];
	int64		wanted;
	int64		added;
	bool		isnull;
	OwnerScope	owner;

	CheckStatementTrigger(fcinfo, "id_registry_insert");
	rows = trigdata->tg_newtable;
	wanted = tuplestore_tuple_count(rows);
	if (trigdata->tg_trigger->tgnargs != 1 || strlen(trigdata->tg_trigger->tgargs[0]) != 1 ||
		strchr("wprl", trigdata->tg_trigger->tgargs[0][0]) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("id_registry_insert() needs one argument: w, p, r or l")));
	kind = trigdata->tg_trigger->tgargs[0][0];
	if (wanted == 0)
		return PointerGetDatum(NULL);

	CatalogLookup();
	/* (the model table's owner, the extension's: SetBasedCheck's too) */
	OwnerScopeEnter(&owner, trigdata->tg_relation->rd_rel->relowner, false);
	SPI_connect();
	values[1] = CharGetDatum(kind);
	if (wanted > FEW_ROWS)
	{
		/* a bulk load: over the transition table, planned for its size */
		if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
			elog(ERROR, "could not register the transition tables");
		if (SPI_execute_with_args("WITH ins AS (INSERT INTO share_acl.id_registry (id, kind)"
								  "             SELECT n.id, $1 FROM new_rows n"
								  "             ON CONFLICT (id) DO NOTHING RETURNING 1)"
								  "SELECT pg_catalog.count(*) FROM ins",
								  1, (Oid *) &types[1], &values[1], NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not add the new ids to the id registry");
		added = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		if (added < wanted &&
			SPI_execute_with_args("SELECT n.id FROM new_rows n JOIN share_acl.id_registry g"
								  "  ON g.id OPERATOR(pg_catalog.=) n.id WHERE g.kind OPERATOR(pg_catalog.<>) $1",
								  1, (Oid *) &types[1], &values[1], NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read the id registry");
	}
	else
	{
		int			n,
					i;
		TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
		pg_uuid_t  *ids = TransitionUuids(rows, desc, SPI_fnumber(desc, "id"), NULL, &n);
		Datum	   *elems = palloc(n * sizeof(Datum));

		for (i = 0; i < n; i++)
			elems[i] = UUIDPGetDatum(&ids[i]);
		values[0] = PointerGetDatum(construct_array(elems, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
		if (!RegisterIds(elems, n, kind, &added))
		{
			if (SPI_execute_plan(KeptPlanGet(&add_plan,
											 "WITH ins AS (INSERT INTO share_acl.id_registry (id, kind)"
											 "             SELECT u, $2 FROM pg_catalog.unnest($1) AS u"
											 "             ON CONFLICT (id) DO NOTHING RETURNING 1)"
											 "SELECT pg_catalog.count(*) FROM ins",
											 2, types, CURSOR_OPT_GENERIC_PLAN),
								 values, NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not add the new ids to the id registry");
			added = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
												&isnull));
		}
		if (added < wanted &&
			SPI_execute_plan(KeptPlanGet(&taken_plan,
										 "SELECT g.id FROM share_acl.id_registry g"
										 " WHERE g.id OPERATOR(pg_catalog.=) ANY ($1)"
										 "   AND g.kind OPERATOR(pg_catalog.<>) $2 LIMIT 1",
										 2, types, CURSOR_OPT_GENERIC_PLAN),
							 values, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read the id registry");
	}
	if (added < wanted)
	{
		/*
		 * A later statement: it sees the row of a transaction that committed
		 * while this one waited for it.  Never says what holds the id.
		 */
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("an id of the new rows is already in use"),
					 errhint(ID_IN_USE_HINT)));
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg(ID_IN_USE, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)),
				 errhint(ID_IN_USE_HINT)));
	}
	SPI_finish();
	OwnerScopeLeave(&owner);
	return PointerGetDatum(NULL);
}
