/*
 * audit_app.c — audit_trigger(), the trigger an application attaches to its
 * own tables (SPEC §7): one audit row per changed row, with the acting
 * principal (and the link of the transaction's link context where that
 * gives something on the row's resource), in the chain of the workspace of
 * the resource a uuid column of
 * the row names — when the current context (the principal, with the link
 * context if any) holds anything on that resource, or no principal is set
 * and the role is a trusted administrator, in a table whose owner is one
 * too (another role's triggers may have shaped the row): any other row (a
 * principal with nothing there, or a role with no principal) goes to the
 * chain of rows without a workspace (a trusted administrator's to read), so
 * that nobody writes into another tenant's log by naming its resources.  A row
 * deleted by the cascade of delete_resource (through the application's
 * foreign key) goes to the chain of the workspace its resource was in: the
 * deletion passed its own checks.  The trigger's arguments after the first
 * name columns whose values the rows leave out (LeftOutColumns).
 *
 * It runs as its caller.  The rows' jsonb is made by to_jsonb as the role
 * whose statement fired the trigger: a type of an application's table may
 * have a cast to json, which to_jsonb calls, and that is the application's
 * code, never to run with the rights of the extension's owner.  Only the
 * INSERT into audit_stage, whose values are all made by then, runs as the
 * owner of audit_log (AuditAsOwner, search_path pinned), a batch of rows per
 * execution of one kept statement.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "parser/scansup.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "app_references.h"
#include "audit.h"
#include "catalog.h"
#include "context.h"
#include "definer_frames.h"
#include "engine.h"

PG_FUNCTION_INFO_V1(audit_trigger);

/* rows staged per execution of the statement */
#define APP_BATCH_ROWS	1000

/*
 * $1 actor, $2 db_role, $3 action, $4 object_type; $5 .. $9 the rows'
 * resource, old and new, the resource whose workspace they go to, and the
 * workspace of a resource this transaction deleted, and the link through
 * which the transaction's link context gives something on the resource
 */
static SPIPlanPtr app_plan = NULL;
static const Oid app_param_types[10] = {UUIDOID, TEXTOID, TEXTOID, TEXTOID, UUIDARRAYOID,
										JSONBARRAYOID, JSONBARRAYOID, UUIDARRAYOID, UUIDARRAYOID,
										UUIDARRAYOID};

/* The rows of one statement of the trigger, a batch at a time. */
typedef struct AppRows
{
	Datum		params[10];
	char		nulls[10];
	bool		trusted;		/* no principal, a trusted administrator */
	bool		json_text;		/* a column may hold JSON text (MayHoldJsonText) */
	Datum		left_out;		/* the columns left out of old and new (text[]), or 0 */
	int			n;
	Datum		resource[APP_BATCH_ROWS];
	bool		resource_null[APP_BATCH_ROWS];
	Datum		chain[APP_BATCH_ROWS];	/* the resource, or NULL: no workspace */
	bool		chain_null[APP_BATCH_ROWS];
	Datum		deleted_in[APP_BATCH_ROWS]; /* the workspace of a resource deleted here */
	bool		deleted_in_null[APP_BATCH_ROWS];
	Datum		link[APP_BATCH_ROWS];	/* the link context's link, where it gives something */
	bool		link_null[APP_BATCH_ROWS];
	Datum		old[APP_BATCH_ROWS];
	bool		old_null[APP_BATCH_ROWS];
	Datum		new[APP_BATCH_ROWS];
	bool		new_null[APP_BATCH_ROWS];
	MemoryContext batch;		/* the batch's values, reset after each */
} AppRows;

/* A one-dimensional array of the batch's values of one column (uuid or jsonb). */
static ArrayType *
BatchArray(const AppRows *rows, const Datum *values, const bool *nulls, Oid type)
{
	int			dims[1] = {rows->n};
	int			lbs[1] = {1};

	return construct_md_array((Datum *) values, (bool *) nulls, 1, dims, lbs, type,
							  type == UUIDOID ? UUID_LEN : -1, false,
							  type == UUIDOID ? TYPALIGN_CHAR : TYPALIGN_INT);
}

/* Stage the batch in audit_stage, as the owner of audit_log; then start the next. */
static void
FlushRows(AppRows *rows)
{
	OwnerScope scope;
	MemoryContext old;

	if (rows->n == 0)
		return;
	old = MemoryContextSwitchTo(rows->batch);
	rows->params[4] = PointerGetDatum(BatchArray(rows, rows->resource, rows->resource_null, UUIDOID));
	rows->params[5] = PointerGetDatum(BatchArray(rows, rows->old, rows->old_null, JSONBOID));
	rows->params[6] = PointerGetDatum(BatchArray(rows, rows->new, rows->new_null, JSONBOID));
	rows->params[7] = PointerGetDatum(BatchArray(rows, rows->chain, rows->chain_null, UUIDOID));
	rows->params[8] = PointerGetDatum(BatchArray(rows, rows->deleted_in, rows->deleted_in_null, UUIDOID));
	rows->params[9] = PointerGetDatum(BatchArray(rows, rows->link, rows->link_null, UUIDOID));
	MemoryContextSwitchTo(old);

	AuditConnectAsOwner(&scope);
	if (app_plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare("INSERT INTO share_acl.audit_stage (workspace_id, actor_id, db_role, action,"
									"       object_type, object_id, old, new, link_id)"
									" SELECT coalesce((SELECT r.workspace_id FROM share_acl.resource r"
									"                   WHERE r.id OPERATOR(pg_catalog.=) u.cid), u.wid),"
									"        $1, $2, $3, $4, u.rid, u.o, u.n, u.lid"
									"   FROM ROWS FROM (pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7),"
									"                   pg_catalog.unnest($8), pg_catalog.unnest($9), pg_catalog.unnest($10))"
									"        AS u(rid, o, n, cid, wid, lid)",
									10, (Oid *) app_param_types);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare the audit statement of audit_trigger()");
		app_plan = p;
	}
	if (SPI_execute_plan(app_plan, rows->params, rows->nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not stage the audit rows of audit_trigger()");
	SPI_finish();
	OwnerScopeLeave(&scope);
	AuditMarkPending(false);

	MemoryContextReset(rows->batch);
	rows->n = 0;
}

/* What DeletedHereRow found: the workspace of a resource this transaction deleted. */
typedef struct DeletedHere
{
	bool		found;
	pg_uuid_t	workspace;
} DeletedHere;

/* A version of the resource's row: deleted (not updated, not just locked) by this transaction? */
static void
DeletedHereRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	DeletedHere *d = (DeletedHere *) arg;
	HeapTupleHeader h = tup->t_data;
	bool		isnull;
	Datum		ws;

	if (d->found || (h->t_infomask & HEAP_XMAX_INVALID) || HEAP_XMAX_IS_LOCKED_ONLY(h->t_infomask) ||
		!ItemPointerEquals(&tup->t_self, &h->t_ctid) ||
		!TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetUpdateXid(h)))
		return;
	ws = Attr(desc, tup, catalog.res_workspace, &isnull);
	if (!isnull)
	{
		d->found = true;
		d->workspace = *DatumGetUUIDP(ws);
	}
}

/*
 * Did this transaction delete resource id (its row's versions, whatever the
 * snapshot)?  Then *workspace is the workspace it was in.
 */
static bool
DeletedHereIn(const pg_uuid_t *id, pg_uuid_t *workspace)
{
	DeletedHere d = {false};

	CatalogLookup();
	IndexScanEqual(MT_RESOURCE, MT_RESOURCE_PKEY, catalog.res_id, id, SnapshotAny, DeletedHereRow, &d);
	*workspace = d.workspace;
	return d.found;
}

/*
 * May to_jsonb of a value of type parse JSON text: is it json, or a type of
 * the database's own with a cast to json (which to_jsonb calls), through
 * domains, arrays and composites?  Such text may hold an escape that jsonb
 * cannot (\u0000, 22P05), which plain json keeps.
 */
static bool
MayHoldJsonText(Oid type, int depth)
{
	Oid			base = getBaseType(type);
	Oid			element;
	CoercionPathType path;
	Oid			cast;
	bool		found = false;

	check_stack_depth();
	if (base == JSONOID || depth > 8)
		return true;
	if (OidIsValid(element = get_element_type(base)))
		return MayHoldJsonText(element, depth + 1);
	if (type_is_rowtype(base))
	{
		TupleDesc	desc = lookup_rowtype_tupdesc(base, -1);
		int			i;

		for (i = 0; i < desc->natts && !found; i++)
			found = !TupleDescAttr(desc, i)->attisdropped &&
				MayHoldJsonText(TupleDescAttr(desc, i)->atttypid, depth + 1);
		ReleaseTupleDesc(desc);
		return found;
	}
	if (base < FirstNormalObjectId)
		return false;
	path = find_coercion_pathway(JSONOID, base, COERCION_EXPLICIT, &cast);
	return path == COERCION_PATH_FUNC;
}

/*
 * The answer of RowMayHoldJsonText for the last row type asked, as its
 * columns were (the type cache's identifier of its descriptor), while no
 * type or cast has changed since: a row trigger asks at every row.
 */
static Oid	json_text_rowtype = InvalidOid;
static uint64 json_text_desc_id = 0;
static bool json_text_answer = false;

static void
JsonTextForget(Datum arg, int cacheid, uint32 hashvalue)
{
	json_text_rowtype = InvalidOid;
}

/* Does a row of desc (a table's) have a column that MayHoldJsonText? */
static bool
RowMayHoldJsonText(TupleDesc desc)
{
	TypeCacheEntry *row_type = lookup_type_cache(desc->tdtypeid, TYPECACHE_TUPDESC);
	int			i;

	if (OidIsValid(json_text_rowtype) && json_text_rowtype == desc->tdtypeid &&
		json_text_desc_id == row_type->tupDesc_identifier)
		return json_text_answer;
	json_text_answer = false;
	for (i = 0; i < desc->natts && !json_text_answer; i++)
		json_text_answer = !TupleDescAttr(desc, i)->attisdropped &&
			MayHoldJsonText(TupleDescAttr(desc, i)->atttypid, 0);
	json_text_rowtype = desc->tdtypeid;
	json_text_desc_id = row_type->tupDesc_identifier;
	return json_text_answer;
}

/* Register the invalidation callbacks; called once from _PG_init. */
void
AuditAppInit(void)
{
	CacheRegisterSyscacheCallback(TYPEOID, JsonTextForget, (Datum) 0);
	CacheRegisterSyscacheCallback(CASTSOURCETARGET, JsonTextForget, (Datum) 0);
}

/*
 * row's JSON (row_to_json, which keeps a json value's text as it is) as
 * jsonb, with each escape \u0000 — which no jsonb string can hold — kept as
 * the six characters it is written with; with every_escape, every \u
 * escape so (a lone surrogate's, which jsonb refuses, or one of a character
 * the database's encoding has no room for).
 */
static Datum
JsonbKeepingEscapes(Datum row, bool every_escape)
{
	text	   *json = DatumGetTextPP(DirectFunctionCall1(row_to_json, row));
	const char *p = VARDATA_ANY(json);
	const char *end = p + VARSIZE_ANY_EXHDR(json);
	StringInfoData buf;

	initStringInfo(&buf);
	while (p < end)
	{
		if (*p != '\\' || p + 1 >= end)
			appendStringInfoChar(&buf, *p++);
		else if (end - p >= 6 && (every_escape ? p[1] == 'u' : strncmp(p, "\\u0000", 6) == 0))
		{
			appendStringInfoString(&buf, "\\\\");
			appendBinaryStringInfo(&buf, p + 1, 5);
			p += 6;
		}
		else
		{
			/* an escape: its backslash and the character after it */
			appendBinaryStringInfo(&buf, p, 2);
			p += 2;
		}
	}
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

/* How AppRowJsonb makes a row's jsonb, from the first way to the last. */
typedef enum RowJsonbWay
{
	ROW_JSONB_AS_IS,			/* to_jsonb */
	ROW_JSONB_NUL_ESCAPES_KEPT, /* \u0000 kept as written */
	ROW_JSONB_ESCAPES_KEPT		/* every \u escape kept as written */
} RowJsonbWay;

static Datum
RowJsonb(Datum row, Oid rowtype, RowJsonbWay way)
{
	if (way == ROW_JSONB_AS_IS)
		return AuditRowToJsonb(row, rowtype);
	return JsonbKeepingEscapes(row, way == ROW_JSONB_ESCAPES_KEPT);
}

/*
 * to_jsonb of row (a row of desc).  When a column may hold JSON text (json,
 * or a type over it), whose text jsonb may not take (\u0000; a lone
 * surrogate's escape, which JavaScript writes for a string cut inside an
 * emoji; an escape of a character the database's encoding lacks), each way
 * is tried in a subtransaction until one takes it, the last without: an
 * application's write is not refused for what its audit row cannot spell.
 */
static Datum
AppRowJsonb(const AppRows *rows, HeapTuple tuple, TupleDesc desc)
{
	Datum		row = heap_copy_tuple_as_datum(tuple, desc);
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	RowJsonbWay way;

	if (!rows->json_text)
		return AuditRowToJsonb(row, desc->tdtypeid);
	for (way = ROW_JSONB_AS_IS; way < ROW_JSONB_ESCAPES_KEPT; way++)
	{
		Datum		result = (Datum) 0;
		bool		done = false;

		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(context);
		PG_TRY();
		{
			result = RowJsonb(row, desc->tdtypeid, way);
			ReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(context);
			CurrentResourceOwner = owner;
			done = true;
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(context);
			edata = CopyErrorData();
			FlushErrorState();
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(context);
			CurrentResourceOwner = owner;
			/* (only what the text holds is tried another way: a cancel, say, is not) */
			if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
				ReThrowError(edata);
			FreeErrorData(edata);
		}
		PG_END_TRY();
		if (done)
			return result;
	}
	return RowJsonb(row, desc->tdtypeid, ROW_JSONB_ESCAPES_KEPT);
}

/* A trigger argument naming a column, cut as the column's own name was (copied only then). */
static const char *
ColumnArgument(const char *name)
{
	char	   *cut;

	if (strlen(name) < NAMEDATALEN)
		return name;
	cut = pstrdup(name);
	truncate_identifier(cut, strlen(cut), false);
	return cut;
}

/* A row's jsonb as its audit row holds it: without the columns left out. */
static Datum
AuditedJsonb(const AppRows *rows, HeapTuple tuple, TupleDesc desc)
{
	Datum		jsonb = AppRowJsonb(rows, tuple, desc);

	if (rows->left_out == (Datum) 0)
		return jsonb;
	return DirectFunctionCall2(jsonb_delete_array, jsonb, rows->left_out);
}

/*
 * The trigger's arguments after the first: columns of rel whose values its
 * audit rows leave out (a comment's text that not everyone who reads the
 * log may read), as a text[] of their names; (Datum) 0 when there are none.
 */
static Datum
LeftOutColumns(Trigger *trigger, TupleDesc desc, const char *table)
{
	Datum	   *names;
	int			i;

	if (trigger->tgnargs <= 1)
		return (Datum) 0;
	names = palloc(sizeof(Datum) * (trigger->tgnargs - 1));
	for (i = 1; i < trigger->tgnargs; i++)
	{
		const char *name = ColumnArgument(trigger->tgargs[i]);
		AttrNumber	column = SPI_fnumber(desc, name);

		if (column <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("audit_trigger(): column \"%s\" of relation %s does not exist", name, table),
					 errhint("The trigger's arguments after the first name the columns whose values its audit rows leave out.")));
		names[i - 1] = CStringGetTextDatum(name);
	}
	return PointerGetDatum(construct_array(names, trigger->tgnargs - 1, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * Add a row to the batch: its resource (column of the row named, old or
 * new), old and new (NULL: none; with new_untold, new is an empty
 * object).  The caller flushes the batch (AddChange).
 */
static void
AddRow(AppRows *rows, AttrNumber column, TupleDesc desc, HeapTuple named, HeapTuple old,
	   HeapTuple new, bool new_untold)
{
	MemoryContext prev = MemoryContextSwitchTo(rows->batch);
	int			i = rows->n;
	TargetKind	kind = TARGET_RESOURCE;

	if (column != InvalidAttrNumber)
		rows->resource[i] = heap_getattr(named, column, desc, &rows->resource_null[i]);
	else
	{
		rows->resource[i] = (Datum) 0;
		rows->resource_null[i] = true;
	}
	rows->chain[i] = rows->resource[i];
	rows->chain_null[i] = rows->resource_null[i];
	rows->deleted_in_null[i] = true;
	/* the link, when the row's access may come through it */
	rows->link_null[i] = true;
	if (ContextCurrentLinkId() != NULL && !rows->resource_null[i] &&
		EngineCurrentLinkPermissions(DatumGetUUIDP(rows->resource[i])) != 0)
	{
		pg_uuid_t  *link = palloc(sizeof(pg_uuid_t));

		*link = *ContextCurrentLinkId();
		rows->link[i] = UUIDPGetDatum(link);
		rows->link_null[i] = false;
	}
	/*
	 * A row deleted with its resource (delete_resource's cascade) goes to
	 * the chain of the workspace the resource was in.  Asked first, of every
	 * row the cascade deletes: within it the engine may still see the
	 * resource (the transaction's own deletes are taken in at its next
	 * command), and the chain's resource is gone by the time the rows are
	 * sealed; so does the row of one the cascade made leave it (ON DELETE
	 * SET NULL, SET DEFAULT).  A row deleted by a statement of its own after
	 * the resource was is not the deletion's: it goes where any other row
	 * goes.
	 */
	if ((new == NULL || new_untold) && !rows->resource_null[i] && AppReferencesInDeleteCascade())
	{
		pg_uuid_t  *ws = palloc(sizeof(pg_uuid_t));

		if (DeletedHereIn(DatumGetUUIDP(rows->resource[i]), ws))
		{
			rows->deleted_in[i] = UUIDPGetDatum(ws);
			rows->deleted_in_null[i] = false;
		}
		else
			pfree(ws);
	}
	/* (what the current context holds, as this transaction sees it) */
	if (!rows->chain_null[i] && !rows->trusted && rows->deleted_in_null[i] &&
		(EngineCurrentPermissions(DatumGetUUIDP(rows->resource[i]), &kind) == 0 || kind != TARGET_RESOURCE))
		rows->chain_null[i] = true;
	rows->old_null[i] = old == NULL;
	rows->old[i] = old ? AuditedJsonb(rows, old, desc) : (Datum) 0;
	rows->new_null[i] = new == NULL;
	rows->new[i] = new == NULL ? (Datum) 0 :
		new_untold ? DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")) :
		AuditedJsonb(rows, new, desc);
	MemoryContextSwitchTo(prev);
	rows->n++;
}

/*
 * Do rows a and b of desc hold the same values, byte for byte?  Compared
 * detoasted (datum_image_eq): one value written again by another statement
 * is stored out of line, or compressed, anew, its toast pointer differing
 * where its bytes do not.
 */
static bool
RowsEqual(TupleDesc desc, HeapTuple a, HeapTuple b)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		a_null;
		bool		b_null;
		Datum		x,
					y;

		if (att->attisdropped)
			continue;
		x = heap_getattr(a, i + 1, desc, &a_null);
		y = heap_getattr(b, i + 1, desc, &b_null);
		if (a_null != b_null || (!a_null && !datum_image_eq(x, y, att->attbyval, att->attlen)))
			return false;
	}
	return true;
}

/*
 * Add the rows of one change (old and new, NULL: none): one, of the
 * resource the row names (its new version's, else its old one's); and an
 * UPDATE that moved the row from one resource to another writes a second,
 * of the resource it left, so that the history of that resource, and the
 * log of its workspace, tell that the row left it: its old is the row as
 * it was, its new an empty object (what the row became, and where it went,
 * is another resource's business, perhaps another workspace's: not even
 * that resource's id is told).  Each row goes to its
 * resource's chain under the same rule: when the current context holds
 * something there.  The batch is flushed after a change's rows are added
 * (it holds the rows' tuples: a flush frees them), while two more fit.
 */
static void
AddChange(AppRows *rows, AttrNumber column, TupleDesc desc, HeapTuple old, HeapTuple new)
{
	bool		moved = false;

	/* an UPDATE that changes nothing in the row (its left-out columns too) writes nothing */
	if (old != NULL && new != NULL && RowsEqual(desc, old, new))
		return;

	if (old != NULL && new != NULL && column != InvalidAttrNumber)
	{
		bool		old_null;
		bool		new_null;
		Datum		was = heap_getattr(old, column, desc, &old_null);
		Datum		is = heap_getattr(new, column, desc, &new_null);

		moved = !old_null &&
			(new_null || memcmp(DatumGetUUIDP(was), DatumGetUUIDP(is), UUID_LEN) != 0);
	}
	AddRow(rows, column, desc, new != NULL ? new : old, old, new, false);
	if (moved)
		AddRow(rows, column, desc, old, old, new, true);
	StaticAssertStmt(APP_BATCH_ROWS >= 2, "a change's rows fit in a batch");
	if (rows->n > APP_BATCH_ROWS - 2)
		FlushRows(rows);
}

/* The next row of a transition table, as a heap tuple in the batch's memory; NULL at its end. */
static HeapTuple
NextRow(AppRows *rows, Tuplestorestate *table, TupleTableSlot *slot)
{
	MemoryContext old;
	HeapTuple	tuple;
	bool		should_free;

	if (!tuplestore_gettupleslot(table, true, false, slot))
		return NULL;
	old = MemoryContextSwitchTo(rows->batch);
	tuple = ExecFetchSlotHeapTuple(slot, false, &should_free);
	MemoryContextSwitchTo(old);
	return tuple;
}

/*
 * The table a trigger was created on: a row trigger created on a
 * partitioned table fires on the partition a row is in, through a clone of
 * it on every partition below (pg_trigger.tgparentid names the trigger it
 * was cloned from).
 */
static Oid
TriggerOrigin(Oid tgoid, Oid relid)
{
	Relation	pg_trigger = table_open(TriggerRelationId, AccessShareLock);

	for (;;)
	{
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;
		Oid			parent = InvalidOid;

		CHECK_FOR_INTERRUPTS();
		ScanKeyInit(&key, Anum_pg_trigger_oid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(tgoid));
		scan = systable_beginscan(pg_trigger, TriggerOidIndexId, true, NULL, 1, &key);
		tup = systable_getnext(scan);
		if (HeapTupleIsValid(tup))
		{
			Form_pg_trigger trigger = (Form_pg_trigger) GETSTRUCT(tup);

			relid = trigger->tgrelid;
			parent = trigger->tgparentid;
		}
		systable_endscan(scan);
		if (!OidIsValid(parent))
			break;
		tgoid = parent;
	}
	table_close(pg_trigger, AccessShareLock);
	return relid;
}

/*
 * The table an audit row names, schema-qualified: the one the trigger was
 * created on — for a clone on a partition, the partitioned table the
 * application writes, not the partition.  The last clone's origin is
 * remembered (a bulk change fires it once per row; a clone's origin never
 * changes, a detached partition's clones are dropped); its name is read
 * each time, as it is now in this transaction.
 */
static char *
AuditedTable(Relation rel, Trigger *trigger)
{
	static Oid	clone_oid = InvalidOid;
	static Oid	clone_origin = InvalidOid;
	Oid			relid = RelationGetRelid(rel);
	char	   *nspname;
	char	   *relname;

	if (trigger->tgisclone)
	{
		if (clone_oid != trigger->tgoid)
		{
			clone_oid = InvalidOid;
			clone_origin = TriggerOrigin(trigger->tgoid, relid);
			clone_oid = trigger->tgoid;
		}
		relid = clone_origin;
	}
	nspname = get_namespace_name(get_rel_namespace(relid));
	relname = get_rel_name(relid);
	if (nspname == NULL || relname == NULL)
		elog(ERROR, "cache lookup failed for relation %u", relid);
	return psprintf("%s.%s", quote_identifier(nspname), quote_identifier(relname));
}

/*
 * audit_trigger([resource_column [, left_out_column ...]]) → trigger: an AFTER INSERT, UPDATE or
 * DELETE trigger, row or statement level (with the transition tables named
 * new_rows and old_rows), on an application's table.  Without an argument
 * (SPEC §7 writes audit_trigger()), the table's column id when it is a
 * uuid, else none: each row's audit row then names no resource, and goes to
 * the chain of no workspace.
 */
Datum
audit_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Trigger    *trigger;
	Relation	rel;
	TupleDesc	desc;
	char	   *table;
	const char *column_name;
	AttrNumber	column;
	Oid			type;
	const pg_uuid_t *actor;
	AppRows    *rows;
	bool		inserted,
				deleted;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event) || TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("audit_trigger() must be an AFTER INSERT, UPDATE or DELETE trigger whose arguments are the resource column and the columns its audit rows leave out")));
	/*
	 * Not a constraint trigger: deferred, it would fire at commit, outside
	 * whatever function queued the row, as whoever commits — a trusted
	 * administrator's commit would put a row a table's owner wrote into the
	 * chain of the workspace it names
	 */
	if (OidIsValid(trigdata->tg_trigger->tgconstraint))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("audit_trigger() must be a plain trigger, not a constraint trigger"),
				 errhint("Create it with CREATE TRIGGER ... AFTER ..., without CONSTRAINT.")));
	trigger = trigdata->tg_trigger;
	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	inserted = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);
	deleted = TRIGGER_FIRED_BY_DELETE(trigdata->tg_event);
	table = AuditedTable(rel, trigger);
	if (TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) &&
		((!deleted && (trigdata->tg_newtable == NULL || trigger->tgnewtable == NULL ||
					   strcmp(trigger->tgnewtable, "new_rows") != 0)) ||
		 (!inserted && (trigdata->tg_oldtable == NULL || trigger->tgoldtable == NULL ||
						strcmp(trigger->tgoldtable, "old_rows") != 0))))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("audit_trigger(): a statement trigger needs the transition tables new_rows (INSERT, UPDATE) and old_rows (UPDATE, DELETE)")));
	if (trigger->tgnargs == 0)
	{
		/* audit_trigger() of SPEC §7: the column id when it is a uuid (or a domain over one, as protect() takes), else none */
		column = SPI_fnumber(desc, "id");
		if (column <= 0 || getBaseType(TupleDescAttr(desc, column - 1)->atttypid) != UUIDOID)
			column = InvalidAttrNumber;
	}
	else
	{
		column_name = ColumnArgument(trigger->tgargs[0]);
		column = SPI_fnumber(desc, column_name);
		if (column <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("audit_trigger(): column \"%s\" of relation %s does not exist", column_name, table),
					 errhint("The trigger's argument names the uuid column that holds the row's share_acl resource.")));
		type = TupleDescAttr(desc, column - 1)->atttypid;
		if (getBaseType(type) != UUIDOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("audit_trigger(): column \"%s\" of relation %s is of type %s, not uuid",
							column_name, table, format_type_be(type))));
	}

	rows = palloc0(sizeof(AppRows));
	rows->batch = AllocSetContextCreate(CurrentMemoryContext, "share_acl audit_trigger rows",
										ALLOCSET_DEFAULT_SIZES);
	rows->json_text = RowMayHoldJsonText(desc);
	rows->left_out = LeftOutColumns(trigger, desc, table);
	actor = ContextCurrentPrincipal();
	memset(rows->nulls, ' ', sizeof(rows->nulls));
	if (actor != NULL)
	{
		pg_uuid_t  *copy = palloc(sizeof(pg_uuid_t));

		*copy = *actor;
		rows->params[0] = UUIDPGetDatum(copy);
	}
	else
	{
		/*
		 * a trusted administrator's row, in a table of a trusted owner: the
		 * triggers of another role's table (run as that role, in a foreign
		 * key's action say) may have written what the administrator's
		 * statement files
		 */
		rows->nulls[0] = 'n';
		rows->trusted = ContextInvokerIsAdmin() && RoleIsTrusted(rel->rd_rel->relowner);
	}
	rows->params[1] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
	rows->params[2] = CStringGetTextDatum(inserted ? "insert" : deleted ? "delete" : "update");
	rows->params[3] = CStringGetTextDatum(table);

	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		AddChange(rows, column, desc, inserted ? NULL : trigdata->tg_trigtuple,
				  inserted ? trigdata->tg_trigtuple : deleted ? NULL : trigdata->tg_newtuple);
	else
	{
		/*
		 * An UPDATE's old and new rows pair up in the order of the
		 * transition tables, when they hold as many: a row moved to another
		 * partition whose insert did not happen (a trigger of that partition
		 * returned NULL) is in old_rows alone, and pairing by order past it
		 * would give a row another's values (another tenant's, say).  Then
		 * each old row is told as gone (new NULL) and each new one as come
		 * (old NULL), each in its own resource's history.
		 */
		TupleTableSlot *old_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
		TupleTableSlot *new_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
		bool		paired = inserted || deleted ||
			tuplestore_tuple_count(trigdata->tg_oldtable) == tuplestore_tuple_count(trigdata->tg_newtable);

		if (!inserted)
			tuplestore_rescan(trigdata->tg_oldtable);
		if (!deleted)
			tuplestore_rescan(trigdata->tg_newtable);
		for (;;)
		{
			HeapTuple	old = inserted ? NULL : NextRow(rows, trigdata->tg_oldtable, old_slot);
			HeapTuple	new = deleted || (!paired && old != NULL) ? NULL :
				NextRow(rows, trigdata->tg_newtable, new_slot);

			if (old == NULL && new == NULL)
				break;
			AddChange(rows, column, desc, old, new);
		}
		if (!inserted)
			tuplestore_rescan(trigdata->tg_oldtable);
		if (!deleted)
			tuplestore_rescan(trigdata->tg_newtable);
		ExecDropSingleTupleTableSlot(old_slot);
		ExecDropSingleTupleTableSlot(new_slot);
	}
	FlushRows(rows);
	MemoryContextDelete(rows->batch);
	return PointerGetDatum(NULL);
}
