/*
 * app_references.c — application tables whose foreign keys reference
 * share_acl's tables, and what the management functions do about them
 * before they delete rows.
 *
 * A management function runs as the extension's owner.  A row it deletes
 * cascades into an application table that references it (ON DELETE CASCADE,
 * SET NULL or SET DEFAULT): PostgreSQL runs the cascade's statement as that
 * table's owner, but fires the AFTER triggers that statement queues at the
 * end of the function's own statement, as the current user: the extension's
 * owner.  The owner of an application table would so run its triggers (and
 * the casts of share_acl.audit_trigger's rows) with the extension owner's
 * rights.  Therefore:
 *   - before delete_resource deletes its resources, the application rows
 *     that reference them by a foreign key on share_acl.resource (id) are
 *     deleted, or set to NULL or their default, as their constraint says, by
 *     a statement run as the owner of their table, in a security-restricted
 *     operation whose setting changes are undone after it: their triggers run
 *     with that owner's rights, as when the application deletes them itself.
 *     What their triggers write is cleared again, up to three times; rows
 *     still referencing the resources then (kept by a rule or a BEFORE
 *     trigger) refuse the deletion;
 *   - a foreign key of an application table on any other share_acl table
 *     but workspace and principal (whose rows no management function
 *     deletes) refuses every management function that deletes rows.
 * The constraints are read from pg_constraint once and again after any
 * change of a constraint.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "app_references.h"
#include "catalog.h"

PG_FUNCTION_INFO_V1(app_rows_clear);
PG_FUNCTION_INFO_V1(app_references_refuse);

/* how often the rows an application table's triggers write are cleared again */
#define CLEAR_ROUNDS	3

/*
 * The resources whose application rows app_rows_clear is clearing now,
 * sorted (NULL: none): audit_trigger() puts those rows in the chain of the
 * resource's workspace, as it does the rows of a resource this transaction
 * deleted (audit_app.c).
 */
static pg_uuid_t *clearing = NULL;
static int	nclearing = 0;

/* The foreign keys of application tables on share_acl's tables, as last read. */
static bool refs_valid = false;
static uint64 refs_invalidations = 0;
static List *resource_refs = NIL;	/* constraints on resource (id), in TopMemoryContext */
static Oid	other_ref = InvalidOid; /* one on a table the API deletes rows of */

static void
AppReferencesInvalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	refs_valid = false;
	refs_invalidations++;
}

static int
UuidCompare(const void *a, const void *b)
{
	return memcmp(a, b, UUID_LEN);
}

/* Is app_rows_clear clearing the application rows of this resource now? */
bool
AppRowsClearing(const pg_uuid_t *resource)
{
	return clearing != NULL &&
		bsearch(resource, clearing, nclearing, sizeof(pg_uuid_t), UuidCompare) != NULL;
}

/* Register the invalidation callback; called once from _PG_init. */
void
AppReferencesInit(void)
{
	CacheRegisterSyscacheCallback(CONSTROID, AppReferencesInvalidate, (Datum) 0);
}

/* A foreign key's columns and operators, as pg_constraint has them. */
typedef struct FkKeys
{
	int			n;				/* columns */
	int			nset;			/* columns ON DELETE SET NULL / DEFAULT names (0: all) */
	AttrNumber	conkey[INDEX_MAX_KEYS];
	AttrNumber	confkey[INDEX_MAX_KEYS];
	AttrNumber	setcols[INDEX_MAX_KEYS];
	Oid			pf[INDEX_MAX_KEYS]; /* referenced = referencing */
	Oid			pp[INDEX_MAX_KEYS];
	Oid			ff[INDEX_MAX_KEYS];
} FkKeys;

static void
FkKeysOf(HeapTuple constraint, FkKeys *k)
{
	DeconstructFkConstraintRow(constraint, &k->n, k->conkey, k->confkey, k->pf, k->pp, k->ff,
							   &k->nset, k->setcols);
}

/*
 * Read the foreign keys of tables outside share_acl's schema on its tables
 * (a partition's, cloned from its parent's, is its parent's), built aside
 * and published whole.
 */
static void
AppReferencesLoad(void)
{
	uint64		seen = refs_invalidations;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *resource = NIL;
	Oid			other = InvalidOid;
	Oid			resource_rel,
				workspace_rel,
				principal_rel;
	MemoryContext old;

	CatalogLookup();
	resource_rel = ModelRelId(MT_RESOURCE);
	workspace_rel = ModelRelId(MT_WORKSPACE);
	principal_rel = ModelRelId(MT_PRINCIPAL);
	rel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while ((tup = systable_getnext(scan)) != NULL)
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		FkKeys		k;

		if (con->contype != CONSTRAINT_FOREIGN || OidIsValid(con->conparentid) ||
			get_rel_namespace(con->confrelid) != catalog.schema ||
			get_rel_namespace(con->conrelid) == catalog.schema ||
			con->confrelid == workspace_rel || con->confrelid == principal_rel)
			continue;
		FkKeysOf(tup, &k);
		if (con->confrelid == resource_rel && k.n == 1 && k.confkey[0] == catalog.res_id)
		{
			old = MemoryContextSwitchTo(TopMemoryContext);
			resource = lappend_oid(resource, con->oid);
			MemoryContextSwitchTo(old);
		}
		else if (!OidIsValid(other))
			other = con->oid;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	list_free(resource_refs);
	resource_refs = resource;
	other_ref = other;
	refs_valid = (refs_invalidations == seen);
}

/*
 * Refuse function (a management function about to delete rows) while an
 * application table's foreign key references a share_acl table other than
 * resource (id), workspace and principal.
 */
void
AppReferencesRefuse(const char *function)
{
	HeapTuple	tup;
	Form_pg_constraint con;

	if (!refs_valid)
		AppReferencesLoad();
	if (!OidIsValid(other_ref))
		return;
	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(other_ref));
	if (!HeapTupleIsValid(tup))
	{
		/* (dropped since it was read: read them again) */
		refs_valid = false;
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

/*
 * Run sql, with the resources' ids as $1, as role owner in a
 * security-restricted operation that bypasses forced row-level security (as
 * PostgreSQL runs a foreign key's cascade), its setting changes undone
 * after it; returns how many rows it processed.  Needs an SPI connection.
 */
static uint64
RunAsOwner(Oid owner, const char *sql, Datum ids, long limit)
{
	Oid			argtypes[1] = {UUIDARRAYOID};
	Oid			save_user;
	int			save_sec;
	int			nest;
	int			ret;
	uint64		n;

	GetUserIdAndSecContext(&save_user, &save_sec);
	nest = NewGUCNestLevel();
	SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION | SECURITY_NOFORCE_RLS);
	ret = SPI_execute_with_args(sql, 1, argtypes, &ids, NULL, false, limit);
	n = SPI_processed;
	AtEOXact_GUC(false, nest);
	SetUserIdAndSecContext(save_user, save_sec);
	if (ret < 0)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(ret));
	return n;
}

/* One foreign key on share_acl.resource (id), as the statements need it. */
typedef struct ResourceRef
{
	Oid			table;
	Oid			owner;
	char		action;			/* confdeltype */
	const char *target;			/* [ONLY] schema.table AS t */
	const char *match;			/* pg_catalog.unnest($1) AS k(v) WHERE k.v OPERATOR(…) t.column */
	const char *set;			/* column = NULL | DEFAULT, … */
} ResourceRef;

/* The constraint's facts, or false when it is gone. */
static bool
ResourceRefOf(Oid constraint, ResourceRef *r)
{
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(constraint));
	HeapTuple	optup;
	HeapTuple	reltup;
	Form_pg_operator op;
	Form_pg_class cls;
	FkKeys		k;
	const char *column;
	StringInfoData s;
	int			i;

	if (!HeapTupleIsValid(tup))
		return false;
	r->table = ((Form_pg_constraint) GETSTRUCT(tup))->conrelid;
	r->action = ((Form_pg_constraint) GETSTRUCT(tup))->confdeltype;
	FkKeysOf(tup, &k);
	ReleaseSysCache(tup);
	if (k.n != 1)
		return false;			/* (changed since it was read: not one on resource (id)) */

	reltup = SearchSysCache1(RELOID, ObjectIdGetDatum(r->table));
	if (!HeapTupleIsValid(reltup))
		return false;
	cls = (Form_pg_class) GETSTRUCT(reltup);
	r->owner = cls->relowner;
	r->target = psprintf("%s%s AS t", cls->relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
						 quote_qualified_identifier(get_namespace_name(cls->relnamespace),
													NameStr(cls->relname)));
	ReleaseSysCache(reltup);

	optup = SearchSysCache1(OPEROID, ObjectIdGetDatum(k.pf[0]));
	if (!HeapTupleIsValid(optup))
		elog(ERROR, "cache lookup failed for operator %u", k.pf[0]);
	op = (Form_pg_operator) GETSTRUCT(optup);
	column = quote_identifier(get_attname(r->table, k.conkey[0], false));
	r->match = psprintf("pg_catalog.unnest($1) AS k(v) WHERE k.v OPERATOR(%s.%s) t.%s",
						quote_identifier(get_namespace_name(op->oprnamespace)),
						NameStr(op->oprname), column);
	ReleaseSysCache(optup);

	initStringInfo(&s);
	if (k.nset == 0)
	{
		k.setcols[0] = k.conkey[0];
		k.nset = 1;
	}
	for (i = 0; i < k.nset; i++)
		appendStringInfo(&s, "%s%s = %s", i > 0 ? ", " : "",
						 quote_identifier(get_attname(r->table, k.setcols[i], false)),
						 r->action == FKCONSTR_ACTION_SETDEFAULT ? "DEFAULT" : "NULL");
	r->set = s.data;
	return true;
}

/* Clear the table's rows that reference the resources, as its constraint says; how many. */
static uint64
ClearRows(const ResourceRef *r, Datum ids)
{
	const char *sql;

	switch (r->action)
	{
		case FKCONSTR_ACTION_CASCADE:
			sql = psprintf("DELETE FROM %s USING %s", r->target, r->match);
			break;
		case FKCONSTR_ACTION_SETNULL:
		case FKCONSTR_ACTION_SETDEFAULT:
			sql = psprintf("UPDATE %s SET %s FROM %s", r->target, r->set, r->match);
			break;
		default:
			/* NO ACTION, RESTRICT: the deletion fails (23503), firing no trigger */
			return 0;
	}
	return RunAsOwner(r->owner, sql, ids, 0);
}

/*
 * _clear_application_rows(resources uuid[]) → void: before delete_resource
 * deletes these resources (and no others), clear the application rows that
 * reference them (the file's header comment).  The caller holds the
 * resources' rows locked, so that no other transaction adds a reference.
 */
Datum
app_rows_clear(PG_FUNCTION_ARGS)
{
	Datum		ids;
	List	   *refs;
	ResourceRef *facts;
	bool	   *present;
	ListCell   *lc;
	int			i;
	int			round;
	uint64		cleared;
	pg_uuid_t  *outer = clearing;	/* (an application trigger's own delete_resource) */
	int			nouter = nclearing;

	AppReferencesRefuse("delete_resource");
	if (PG_ARGISNULL(0) || resource_refs == NIL)
		PG_RETURN_VOID();
	ids = PG_GETARG_DATUM(0);
	/* (a copy: reading the catalogs may invalidate the list) */
	refs = list_copy(resource_refs);
	facts = palloc0(sizeof(ResourceRef) * list_length(refs));
	present = palloc0(sizeof(bool) * list_length(refs));
	i = 0;
	foreach(lc, refs)
	{
		present[i] = ResourceRefOf(lfirst_oid(lc), &facts[i]);
		i++;
	}

	SPI_connect();
	PG_TRY();
	{
		ArrayType  *a = DatumGetArrayTypeP(ids);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(a, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &elems, &nulls, &n);
		clearing = palloc(sizeof(pg_uuid_t) * Max(n, 1));
		nclearing = 0;
		for (i = 0; i < n; i++)
			if (!nulls[i])
				clearing[nclearing++] = *DatumGetUUIDP(elems[i]);
		qsort(clearing, nclearing, sizeof(pg_uuid_t), UuidCompare);
		for (round = 0; round < CLEAR_ROUNDS; round++)
		{
			cleared = 0;
			for (i = 0; i < list_length(refs); i++)
				if (present[i])
					cleared += ClearRows(&facts[i], ids);
			if (cleared == 0)
				break;
		}
	}
	PG_FINALLY();
	{
		clearing = outer;
		nclearing = nouter;
	}
	PG_END_TRY();
	for (i = 0; i < list_length(refs); i++)
	{
		const char *sql;

		if (!present[i] || (facts[i].action != FKCONSTR_ACTION_CASCADE &&
							facts[i].action != FKCONSTR_ACTION_SETNULL &&
							facts[i].action != FKCONSTR_ACTION_SETDEFAULT))
			continue;
		sql = psprintf("SELECT FROM %s, %s", facts[i].target, facts[i].match);
		if (RunAsOwner(facts[i].owner, sql, ids, 1) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("delete_resource: rows of table %s still reference the resources to delete after they were cleared",
							get_rel_name(facts[i].table)),
					 errdetail("Before share_acl deletes resources, the application rows that reference them are deleted (or set to NULL or their default) as their table's owner; a rule or trigger of the table kept or wrote such rows again."),
					 errhint("Delete the table's rows that reference the resource first.")));
	}
	SPI_finish();
	PG_RETURN_VOID();
}
