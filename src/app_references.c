/*
 * app_references.c — where a management function's deletion reaches the
 * application's tables: delete_resource's DELETE, and the foreign keys of
 * application tables on share_acl's other tables.
 *
 * A management function runs as the extension's owner.  A row it deletes
 * cascades into an application table that references it (ON DELETE CASCADE,
 * SET NULL or SET DEFAULT): PostgreSQL runs the cascade's statement as that
 * table's owner, but fires the AFTER triggers that statement queues (row and
 * statement triggers, the latter even for no row) when the statement that
 * queued the deletion ends, as the current user then.  Had the function run
 * the DELETE as one of its own statements, that would be the extension's
 * owner, and the owner of an application table could run its triggers (or
 * the casts of the rows share_acl.audit_trigger turns into jsonb) with the
 * owner's rights.  So:
 *   - delete_resource (C; not SECURITY DEFINER, but as one in C) switches
 *     to its owner, the extension's, with search_path pinned, asks
 *     _delete_resource_walk (PL/pgSQL: the checks and the locks) and deletes
 *     the resource by a statement whose AFTER triggers it keeps for itself;
 *     then it switches back to its caller and its settings and fires them
 *     as the caller: the cascades into share_acl's own
 *     tables and into the application's, share_acl's triggers (which need no
 *     rights of the caller's: those that write switch to the owner of what
 *     they write) and the application's — as if the caller had deleted the
 *     row, which it may not;
 *   - a foreign key of an application table on any other share_acl table but
 *     workspace and principal (whose rows no management function deletes)
 *     refuses every management function that deletes rows, before it
 *     deletes any (AppReferencesRefuse): their deletions run as the
 *     function's own statements.
 * The foreign keys are read from pg_constraint once, and again after any
 * change of a constraint.  While delete_resource's triggers fire, the rows
 * they delete are the deletion's (AppReferencesInDeleteCascade: audit_app.c
 * files them in the chain of the resource's workspace).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "app_references.h"
#include "catalog.h"
#include "kept_plan.h"
#include "owner_scope.h"

PG_FUNCTION_INFO_V1(app_references_refuse);
PG_FUNCTION_INFO_V1(resource_delete);

/*
 * A foreign key of an application table on a share_acl table the API deletes
 * rows of, as read when constraint_changes was refs_as_of: current while the
 * two are equal.
 */
static uint64 constraint_changes = 1;
static uint64 refs_as_of = 0;
static Oid	other_ref = InvalidOid;

/* delete_resource's deletion is firing its AFTER triggers (nested calls counted) */
static int	delete_cascades = 0;

static void
AppReferencesInvalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	constraint_changes++;
}

/* Register the invalidation callback; called once from _PG_init. */
void
AppReferencesInit(void)
{
	CacheRegisterSyscacheCallback(CONSTROID, AppReferencesInvalidate, (Datum) 0);
}

/*
 * Find a foreign key of a table outside share_acl's schema on one of its
 * tables but resource, workspace and principal (a partition's, cloned from
 * its parent's, is its parent's).
 */
static void
AppReferencesLoad(void)
{
	uint64		seen = constraint_changes;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			other = InvalidOid;
	Oid			allowed[3];

	CatalogLookup();
	allowed[0] = ModelRelId(MT_RESOURCE);
	allowed[1] = ModelRelId(MT_WORKSPACE);
	allowed[2] = ModelRelId(MT_PRINCIPAL);
	rel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (!OidIsValid(other) && (tup = systable_getnext(scan)) != NULL)
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);

		if (con->contype == CONSTRAINT_FOREIGN && !OidIsValid(con->conparentid) &&
			con->confrelid != allowed[0] && con->confrelid != allowed[1] &&
			con->confrelid != allowed[2] &&
			get_rel_namespace(con->confrelid) == catalog.schema &&
			get_rel_namespace(con->conrelid) != catalog.schema)
			other = con->oid;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	other_ref = other;
	refs_as_of = seen;
}

/*
 * Refuse function (a management function about to delete rows) while an
 * application table's foreign key references a share_acl table other than
 * resource, workspace and principal.
 */
void
AppReferencesRefuse(const char *function)
{
	HeapTuple	tup;
	Form_pg_constraint con;

	if (refs_as_of != constraint_changes)
		AppReferencesLoad();
	if (!OidIsValid(other_ref))
		return;
	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(other_ref));
	if (!HeapTupleIsValid(tup))
	{
		/* (dropped since it was read: read them again) */
		refs_as_of = 0;
		AppReferencesRefuse(function);
		return;
	}
	con = (Form_pg_constraint) GETSTRUCT(tup);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_FOREIGN_KEY),
			 errmsg("%s refuses to delete rows while foreign key \"%s\" of table %s references share_acl.%s",
					function, NameStr(con->conname),
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(con->conrelid)),
											   get_rel_name(con->conrelid)),
					quote_identifier(get_rel_name(con->confrelid))),
			 errdetail("The management functions delete rows of share_acl's tables as the extension's owner: a deletion cascading into table %s would fire its triggers with that owner's rights.",
					   get_rel_name(con->conrelid)),
			 errhint("An application table may reference share_acl.resource (id), share_acl.workspace (id) and share_acl.principal (id); drop this foreign key.")));
}

/* _refuse_application_references(function text) → void: AppReferencesRefuse */
Datum
app_references_refuse(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("_refuse_application_references: function must not be null")));
	AppReferencesRefuse(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_VOID();
}

static KeptPlan walk_plan;
static KeptPlan delete_plan;

/* $1 resource: its checks and locks (040_api.sql) */
static const KeptStatement walk = {
	"SELECT share_acl._delete_resource_walk($1)", "u"
};

/* $1 resource: the row; what is below it and refers to it goes by the cascade */
static const KeptStatement delete_row = {
	"DELETE FROM share_acl.resource x WHERE x.id OPERATOR(pg_catalog.=) $1", "u"
};

/*
 * Is delete_resource's deletion firing its AFTER triggers: are the rows
 * deleted now (an application's, through its foreign key's cascade) deleted
 * with the resource?
 */
bool
AppReferencesInDeleteCascade(void)
{
	return delete_cascades > 0;
}

/* The error context line of delete_resource (authorize.c's refusals name the function by it). */
static void
DeleteResourceContext(void *arg)
{
	errcontext("C function share_acl.delete_resource(uuid)");
}

/* The owner of function fn. */
static Oid
FunctionOwner(Oid fn)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", fn);
	owner = ((Form_pg_proc) GETSTRUCT(tup))->proowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * delete_resource(resource uuid) → void: as its owner, the walk's checks and
 * locks and the resource's row deleted; as its caller, the deletion's AFTER
 * triggers (the file's header comment).  The triggers see the deletion
 * under a snapshot taken after it, as the caller's next statement would.
 */
Datum
resource_delete(PG_FUNCTION_ARGS)
{
	Datum		id = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
	const char *nulls = PG_ARGISNULL(0) ? "n" : NULL;
	OwnerScope	owner;
	EState	   *estate;
	int			rc;
	ErrorContextCallback context;

	/* (25006 naming it, before anything else, as the other management functions) */
	PreventCommandIfReadOnly("delete_resource()");
	OwnerScopeEnter(&owner, FunctionOwner(fcinfo->flinfo->fn_oid), false);
	context.callback = DeleteResourceContext;
	context.arg = NULL;
	context.previous = error_context_stack;
	error_context_stack = &context;
	SPI_connect();
	/* (a null resource is refused there, 22004) */
	KeptStatementRun(&walk_plan, &walk, &id, nulls, SPI_OK_SELECT);
	AppReferencesRefuse("delete_resource");

	/* the row, its AFTER triggers kept at this query level */
	estate = CreateExecutorState();
	AfterTriggerBeginQuery();
	rc = SPI_execute_snapshot(KeptStatementPlan(&delete_plan, &delete_row), &id, nulls,
							  InvalidSnapshot, InvalidSnapshot, false, false, 0);
	if (rc != SPI_OK_DELETE)
		elog(ERROR, "delete_resource: the DELETE failed: %s", SPI_result_code_string(rc));

	/* ... fired as the caller, with its settings, seeing the deletion */
	OwnerScopeLeave(&owner);
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	delete_cascades++;
	PG_TRY();
	{
		AfterTriggerEndQuery(estate);
	}
	PG_FINALLY();
	{
		delete_cascades--;
	}
	PG_END_TRY();
	PopActiveSnapshot();
	ExecResetTupleTable(estate->es_tupleTable, false);
	ExecCloseResultRelations(estate);
	FreeExecutorState(estate);

	SPI_finish();
	error_context_stack = context.previous;
	PG_RETURN_VOID();
}
