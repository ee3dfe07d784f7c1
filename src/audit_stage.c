/*
 * audit_stage.c — the model tables' audit trigger: stage one audit row per
 * changed row (SPEC §7), for audit.c to seal at commit.
 *
 * audit_model_trigger() is a statement trigger with transition tables on
 * each audited model table (sql/install/070_audit.sql).  The statement that
 * turns a statement's transition table into audit_stage rows is written by
 * share_acl._audit_statement() from the trigger's arguments; each backend
 * asks for it once per trigger, prepares it and keeps the plan, so a
 * one-row change costs one execution of a prepared statement, not a parse
 * and plan of dynamic SQL: its SELECT, whose rows are staged in the
 * transaction's memory (audit_memory.c) while it holds few, else the
 * INSERT … SELECT into audit_stage.  A statement that changed many rows is
 * planned for its own row count instead (a kept plan was made for the
 * transition table's size when it was prepared).  An UPDATE that changed no
 * audited column (a no-op, or a link's counters moved by an open: see
 * AuditOwnCounterUpdates) runs nothing, and the one
 * row of an INSERT or DELETE is staged in C, without the statement, when
 * the trigger's templates are plain (see "One changed row" below).
 * That row is staged as the caller; the statements run as the owner of
 * audit_log (AuditAsOwner), the one role that may write audit_stage.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "executor/spi.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

#include "audit.h"
#include "audit_memory.h"
#include "catalog.h"
#include "context.h"
#include "oid_hash.h"

PG_FUNCTION_INFO_V1(audit_model_trigger);

#define AUDIT_TRIGGER_NARGS		8
/* a statement that changed more rows than this is planned for its size */
#define KEPT_PLAN_MAX_ROWS		1000

typedef struct StagePlan
{
	Oid			trigger;		/* hash key: the trigger's OID */
	SPIPlanPtr	plan;			/* the statement RETURNING workspace_id; NULL until prepared */
	SPIPlanPtr	select_plan;	/* its rows, for staging in memory; NULL until prepared */
	char	   *query;			/* the statement (TopMemoryContext) */
	ArrayType  *unaudited;		/* the columns whose change alone is not audited (text[]) */
	struct JsonbRowPlan *json;	/* how its table's rows become jsonb; NULL until needed */
} StagePlan;

static HTAB *stage_plans = NULL;
static SPIPlanPtr truncate_plan = NULL;

/*
 * The columns a trigger names as unaudited (a link's view_count,
 * last_viewed_at and failed_attempts) go without an update row only while
 * the extension itself moves them for an open (src/link_attempts.c, which
 * has the open's own audit row): then this is true.  Any other change of
 * them (an administrator's UPDATE that gives a used-up link its views back)
 * is audited as every column is.
 */
static bool own_counter_updates = false;

/* See audit.h. */
bool
AuditOwnCounterUpdates(bool own)
{
	bool		was = own_counter_updates;

	own_counter_updates = own;
	return was;
}

/* The columns of entry's table whose change alone is not audited now (text[]). */
static ArrayType *
Unaudited(const StagePlan *entry)
{
	static ArrayType *none = NULL;

	if (own_counter_updates)
		return entry->unaudited;
	if (none == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		none = construct_empty_array(TEXTOID);
		MemoryContextSwitchTo(old);
	}
	return none;
}

/* The statement of this trigger for its event, from _audit_statement(). */
static char *
StageQuery(const char *op, Trigger *trigger)
{
	Datum		args[AUDIT_TRIGGER_NARGS];
	Datum		values[2];
	Oid			types[2] = {TEXTOID, TEXTARRAYOID};
	bool		isnull;
	Datum		d;
	int			i;

	for (i = 0; i < AUDIT_TRIGGER_NARGS; i++)
		args[i] = CStringGetTextDatum(trigger->tgargs[i]);
	values[0] = CStringGetTextDatum(op);
	values[1] = PointerGetDatum(construct_array(args, AUDIT_TRIGGER_NARGS, TEXTOID, -1, false,
												TYPALIGN_INT));
	if (SPI_execute_with_args("SELECT share_acl._audit_statement($1, $2)", 2, types, values, NULL,
							  true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not build the audit statement of trigger \"%s\"", trigger->tgname);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		elog(ERROR, "no audit statement for trigger \"%s\"", trigger->tgname);
	return MemoryContextStrdup(TopMemoryContext, TextDatumGetCString(d));
}

/*
 * This backend's entry of trigger, one of this file's: the columns it
 * leaves out, read on its first use (a trigger's arguments never change).
 */
static StagePlan *
TriggerEntry(const Trigger *trigger)
{
	StagePlan  *entry;
	bool		found;

	entry = OidHashEnter(&stage_plans, "share_acl audit statements", sizeof(StagePlan),
						 trigger->tgoid, &found);
	if (!found)
	{
		entry->plan = NULL;
		entry->select_plan = NULL;
		entry->query = NULL;
		entry->unaudited = NULL;
		entry->json = NULL;
	}
	if (entry->unaudited == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		entry->unaudited = DatumGetArrayTypePCopy(OidInputFunctionCall(F_ARRAY_IN, trigger->tgargs[7],
																		TEXTOID, -1));
		MemoryContextSwitchTo(old);
	}
	return entry;
}

/*
 * The entry of trigger (event op) with its statement, built on its first
 * use.  Needs an SPI connection.
 */
static StagePlan *
StageEntry(Trigger *trigger, const char *op)
{
	StagePlan  *entry = TriggerEntry(trigger);

	if (entry->query == NULL)
		entry->query = StageQuery(op, trigger);
	return entry;
}

/*
 * Did an UPDATE change, in some row, a column whose change is audited (not
 * one of the columns named in unaudited)?  Compares the
 * transition tables' rows pairwise, binary: a false "changed" only costs
 * the statement that compares them as jsonb.
 */
static bool
UpdateChangedAudited(TriggerData *trigdata, ArrayType *unaudited)
{
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	TupleTableSlot *old_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	TupleTableSlot *new_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	bool	   *skip = palloc0(sizeof(bool) * desc->natts);
	Datum	   *names;
	bool	   *nulls;
	int			nnames,
				i;
	bool		changed = false;

	deconstruct_array(unaudited, TEXTOID, -1, false, TYPALIGN_INT, &names, &nulls, &nnames);
	for (i = 0; i < nnames; i++)
	{
		AttrNumber	att = nulls[i] ? InvalidAttrNumber :
			SPI_fnumber(desc, TextDatumGetCString(names[i]));

		if (att > 0)
			skip[att - 1] = true;
	}
	tuplestore_rescan(trigdata->tg_oldtable);
	tuplestore_rescan(trigdata->tg_newtable);
	while (!changed &&
		   tuplestore_gettupleslot(trigdata->tg_oldtable, true, false, old_slot))
	{
		if (!tuplestore_gettupleslot(trigdata->tg_newtable, true, false, new_slot))
		{
			changed = true;
			break;
		}
		slot_getallattrs(old_slot);
		slot_getallattrs(new_slot);
		for (i = 0; i < desc->natts && !changed; i++)
		{
			Form_pg_attribute a = TupleDescAttr(desc, i);

			if (a->attisdropped || skip[i])
				continue;
			if (old_slot->tts_isnull[i] != new_slot->tts_isnull[i] ||
				(!old_slot->tts_isnull[i] &&
				 !datumIsEqual(old_slot->tts_values[i], new_slot->tts_values[i],
							   a->attbyval, a->attlen)))
				changed = true;
		}
	}
	tuplestore_rescan(trigdata->tg_oldtable);
	tuplestore_rescan(trigdata->tg_newtable);
	ExecDropSingleTupleTableSlot(old_slot);
	ExecDropSingleTupleTableSlot(new_slot);
	return changed;
}

/*
 * Would trigger, fired by an UPDATE of the columns changed (attribute
 * numbers of rel), stage nothing?  True when it is this file's trigger, as
 * an AFTER trigger, and every column changed is one it does not audit (an
 * UPDATE that changed only those runs nothing: see the top of this file).
 */
bool
AuditTriggerIgnores(Relation rel, const Trigger *trigger, const AttrNumber *changed, int nchanged)
{
	static Oid	function = InvalidOid;	/* audit_model_trigger's OID, once seen */
	static uint64 function_generation = 0;
	TupleDesc	desc = RelationGetDescr(rel);
	Datum	   *names;
	bool	   *nulls;
	int			nnames,
				i,
				j;
	bool		ignored = true;

	if (!own_counter_updates || !TRIGGER_FOR_AFTER(trigger->tgtype) ||
		trigger->tgnargs != AUDIT_TRIGGER_NARGS)
		return false;
	if (trigger->tgfoid != function || function_generation != CatalogGeneration())
	{
		char	   *name = get_func_name(trigger->tgfoid);

		if (name == NULL || strcmp(name, "audit_model_trigger") != 0 ||
			get_func_namespace(trigger->tgfoid) != get_namespace_oid("share_acl", true))
			return false;
		function = trigger->tgfoid;
		function_generation = CatalogGeneration();
	}
	deconstruct_array(Unaudited(TriggerEntry(trigger)), TEXTOID, -1, false, TYPALIGN_INT, &names,
					  &nulls, &nnames);
	for (i = 0; i < nchanged && ignored; i++)
	{
		const char *column = NameStr(TupleDescAttr(desc, changed[i] - 1)->attname);

		ignored = false;
		for (j = 0; j < nnames && !ignored; j++)
			ignored = !nulls[j] && strcmp(TextDatumGetCString(names[j]), column) == 0;
	}
	return ignored;
}

/* The parameters of a staging statement: the actor, the session user, the table, the unaudited columns. */
static const Oid stage_param_types[4] = {UUIDOID, TEXTOID, TEXTOID, TEXTARRAYOID};

/* The start of every staging statement of _audit_statement(): audit_stage's columns. */
#define STAGE_INSERT \
	"INSERT INTO share_acl.audit_stage (workspace_id, actor_id, db_role, action, " \
	"object_type, object_id, old, new, link_id, viewer_email, ref_type, ref_id) "

/* A row without its workspace, of a trigger that names where to find it, may be a cascade's. */
static bool
Unresolved(Trigger *trigger, const char *op, bool workspace_null)
{
	return workspace_null && strcmp(op, "DELETE") == 0 && trigger->tgargs[3][0] != '\0';
}

/* Prepare and keep a staging statement of trigger. */
static SPIPlanPtr
StagePrepare(Trigger *trigger, const char *query)
{
	SPIPlanPtr	p = SPI_prepare(query, 4, (Oid *) stage_param_types);

	if (p == NULL || SPI_keepplan(p) != 0)
		elog(ERROR, "could not prepare the audit statement of trigger \"%s\": %s",
			 trigger->tgname, SPI_result_code_string(SPI_result));
	return p;
}

/* Run a staging statement of trigger (params: audit_model_trigger); it must return expected. */
static void
StageRun(Trigger *trigger, SPIPlanPtr plan, Datum *values, char *nulls, int expected)
{
	int			rc = SPI_execute_plan(plan, values, nulls, false, 0);

	if (rc != expected)
		elog(ERROR, "could not stage the audit rows of trigger \"%s\": %s",
			 trigger->tgname, SPI_result_code_string(rc));
}

/* Stage the statement's rows in audit_stage, by the kept plan (params: audit_model_trigger). */
static void
StageInTable(Trigger *trigger, const char *op, StagePlan *entry, Datum *values, char *nulls)
{
	uint64		i;

	if (entry->plan == NULL)
		entry->plan = StagePrepare(trigger, psprintf("%s RETURNING workspace_id", entry->query));
	StageRun(trigger, entry->plan, values, nulls, SPI_OK_INSERT_RETURNING);
	/*
	 * The chains of the rows; a deleted row without a workspace may be a
	 * cascade's, whose workspace the seal finds among the transaction's rows.
	 */
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		ws = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

		if (Unresolved(trigger, op, isnull))
			AuditMarkPending(true);
		else
			AuditStaged(isnull ? NULL : DatumGetUUIDP(ws), 1);
	}
}

/*
 * Stage the statement's rows in memory (audit_memory.c): the same statement
 * without its INSERT, each column cast to audit_stage's type as the INSERT
 * would assign it.
 */
static void
StageInMemory(Trigger *trigger, const char *op, StagePlan *entry, Datum *values, char *nulls)
{
	uint64		i;

	if (entry->select_plan == NULL)
	{
		if (strncmp(entry->query, STAGE_INSERT, strlen(STAGE_INSERT)) != 0)
			elog(ERROR, "the audit statement of trigger \"%s\" does not stage audit_stage's columns",
				 trigger->tgname);
		entry->select_plan =
			StagePrepare(trigger,
						 psprintf("SELECT s.w::pg_catalog.uuid, s.a::pg_catalog.uuid, s.r::pg_catalog.text,"
								  "       s.ac::pg_catalog.text, s.ot::pg_catalog.text, s.oi::pg_catalog.uuid,"
								  "       s.o::pg_catalog.jsonb, s.n::pg_catalog.jsonb, s.l::pg_catalog.uuid,"
								  "       s.v::pg_catalog.text, s.rt::pg_catalog.text, s.ri::pg_catalog.uuid"
								  "  FROM (%s) AS s(w, a, r, ac, ot, oi, o, n, l, v, rt, ri)",
								  entry->query + strlen(STAGE_INSERT)));
	}
	StageRun(trigger, entry->select_plan, values, nulls, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		Datum		row[AUDIT_STAGE_COLUMNS];
		bool		row_nulls[AUDIT_STAGE_COLUMNS];
		int			c;

		for (c = 0; c < AUDIT_STAGE_COLUMNS; c++)
			row[c] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c + 1, &row_nulls[c]);
		AuditStageRow(row, row_nulls, Unresolved(trigger, op, row_nulls[0]));
	}
}

/*
 * One changed row, staged in C
 *
 * A statement that changed one row (every management function's) has its
 * row staged here rather than by the trigger's statement, when the
 * trigger's templates are of the forms this reads: a column of the row
 * ($R.name, of the staged column's type), a NULL, the row as jsonb ($J),
 * and for the workspace also the workspace of the resource or principal a
 * column names (the look-ups of sql/install/070_audit.sql, read through
 * the primary key with the snapshot the statement would take).  Any other
 * template (a link's row without its password hash, a link view's
 * workspace through its link) leaves the row to the statement.  The row is
 * the statement's: the same values, the jsonb as to_jsonb makes it (RowJsonb).
 */
typedef enum TemplateKind
{
	TEMPLATE_NULL,
	TEMPLATE_COLUMN,
	TEMPLATE_RESOURCE_WORKSPACE,
	TEMPLATE_PRINCIPAL_WORKSPACE,
	TEMPLATE_LINK_WORKSPACE,
	TEMPLATE_OTHER
} TemplateKind;

typedef struct Template
{
	TemplateKind kind;
	AttrNumber	column;			/* the row's column, for all but NULL */
} Template;

#define RESOURCE_WORKSPACE_OF	"(SELECT r.workspace_id FROM share_acl.resource r WHERE r.id = $R."
#define PRINCIPAL_WORKSPACE_OF	"(SELECT p.workspace_id FROM share_acl.principal p WHERE p.id = $R."
#define LINK_WORKSPACE_OF		"(SELECT r.workspace_id FROM share_acl.link l JOIN share_acl.resource r ON r.id = l.resource_id WHERE l.id = $R."

/* The column of desc named by text up to its end (or a closing parenthesis, when closed), of type type. */
static AttrNumber
TemplateColumn(const char *text, bool closed, TupleDesc desc, Oid type)
{
	size_t		len = strlen(text);

	if (closed)
	{
		if (len == 0 || text[len - 1] != ')')
			return InvalidAttrNumber;
		len--;
	}
	return ColumnOfType(desc, pnstrdup(text, len), type);
}

/* What template t (an argument of the trigger) reads from a row of desc, staged as type. */
static Template
TemplateOf(const char *t, TupleDesc desc, Oid type, bool lookups)
{
	Template	r = {TEMPLATE_OTHER, InvalidAttrNumber};

	if ((type == UUIDOID && strcmp(t, "NULL::uuid") == 0) ||
		(type == TEXTOID && strcmp(t, "NULL::text") == 0))
		r.kind = TEMPLATE_NULL;
	else if (strncmp(t, "$R.", 3) == 0)
	{
		r.column = TemplateColumn(t + 3, false, desc, type);
		r.kind = r.column != InvalidAttrNumber ? TEMPLATE_COLUMN : TEMPLATE_OTHER;
	}
	else if (lookups && type == UUIDOID &&
			 strncmp(t, RESOURCE_WORKSPACE_OF, strlen(RESOURCE_WORKSPACE_OF)) == 0)
	{
		r.column = TemplateColumn(t + strlen(RESOURCE_WORKSPACE_OF), true, desc, UUIDOID);
		r.kind = r.column != InvalidAttrNumber ? TEMPLATE_RESOURCE_WORKSPACE : TEMPLATE_OTHER;
	}
	else if (lookups && type == UUIDOID &&
			 strncmp(t, PRINCIPAL_WORKSPACE_OF, strlen(PRINCIPAL_WORKSPACE_OF)) == 0)
	{
		r.column = TemplateColumn(t + strlen(PRINCIPAL_WORKSPACE_OF), true, desc, UUIDOID);
		r.kind = r.column != InvalidAttrNumber ? TEMPLATE_PRINCIPAL_WORKSPACE : TEMPLATE_OTHER;
	}
	else if (lookups && type == UUIDOID &&
			 strncmp(t, LINK_WORKSPACE_OF, strlen(LINK_WORKSPACE_OF)) == 0)
	{
		r.column = TemplateColumn(t + strlen(LINK_WORKSPACE_OF), true, desc, UUIDOID);
		r.kind = r.column != InvalidAttrNumber ? TEMPLATE_LINK_WORKSPACE : TEMPLATE_OTHER;
	}
	return r;
}

/* The value of column of the row of table whose key (through index) is key, under snap; NULL: none. */
static pg_uuid_t *
UuidOfRow(ModelRel table, ModelRel index, AttrNumber key_column, const pg_uuid_t *key,
		  AttrNumber column, Snapshot snap)
{
	List	   *found = IndexScanUuids(table, index, key_column, key, column, snap);

	return found != NIL ? (pg_uuid_t *) linitial(found) : NULL;
}

/* The value template t reads from the row in slot (*isnull: NULL). */
static Datum
TemplateValue(Template t, TupleTableSlot *slot, bool *isnull)
{
	Datum		key;
	pg_uuid_t  *id;
	Snapshot	snap;

	*isnull = true;
	if (t.kind == TEMPLATE_NULL)
		return (Datum) 0;
	key = slot_getattr(slot, t.column, isnull);
	if (t.kind == TEMPLATE_COLUMN || *isnull)
		return key;

	/* the workspace of the resource, principal or link: as the statement, after this command */
	CatalogLookup();
	snap = StatementSnapshot();
	id = DatumGetUUIDP(key);
	if (t.kind == TEMPLATE_PRINCIPAL_WORKSPACE)
		id = UuidOfRow(MT_PRINCIPAL, MT_PRINCIPAL_PKEY, catalog.p_id, id, catalog.p_workspace, snap);
	else
	{
		/* a link's: its resource's */
		if (t.kind == TEMPLATE_LINK_WORKSPACE)
			id = UuidOfRow(MT_LINK, MT_LINK_PKEY, catalog.l_id, id, catalog.l_resource, snap);
		if (id != NULL)
			id = UuidOfRow(MT_RESOURCE, MT_RESOURCE_PKEY, catalog.res_id, id, catalog.res_workspace,
						   snap);
	}
	UnregisterSnapshot(snap);
	*isnull = id == NULL;
	return id ? UUIDPGetDatum(id) : (Datum) 0;
}

/*
 * to_jsonb() of a row, with the type look-ups to_jsonb makes at every call
 * made once per table: each column's kind of JSON value and its output
 * function.  The columns of the model tables are booleans, integers,
 * timestamps with time zone and values that to_jsonb writes as their text
 * (uuids, text, enums, permsets); a table with a column of any other kind
 * (a number with a fraction, a date, JSON, an array, a composite, a type
 * with a cast to json) has its rows made by to_jsonb itself.
 */
typedef enum JsonbColumnKind
{
	JSONB_COLUMN_DROPPED,
	JSONB_COLUMN_BOOL,
	JSONB_COLUMN_INTEGER,		/* written by its output function, read as a number */
	JSONB_COLUMN_TIMESTAMPTZ,
	JSONB_COLUMN_UUID,			/* uuid_out's text, written here */
	JSONB_COLUMN_TEXT			/* its output function's text */
} JsonbColumnKind;

typedef struct JsonbColumn
{
	JsonbColumnKind kind;
	Oid			type;			/* the column's type, to see that the table is unchanged */
	FmgrInfo	output;			/* INTEGER, TEXT */
} JsonbColumn;

typedef struct JsonbRowPlan
{
	bool		by_to_jsonb;	/* a column of another kind: to_jsonb makes the rows */
	int			ncolumns;
	int			nkeys;			/* the columns not dropped, */
	int16	   *key_order;		/* ... in the order of jsonb's keys (after columns) */
	JsonbColumn columns[FLEXIBLE_ARRAY_MEMBER];
} JsonbRowPlan;

/* How to_jsonb writes a value of type (PostgreSQL 15's categories); false: not one of ours. */
static bool
JsonbColumnKindOf(Oid type, JsonbColumnKind *kind)
{
	Oid			base = getBaseType(type);
	Oid			cast;

	switch (base)
	{
		case BOOLOID:
			*kind = JSONB_COLUMN_BOOL;
			return true;
		case INT2OID:
		case INT4OID:
		case INT8OID:
			*kind = JSONB_COLUMN_INTEGER;
			return true;
		case TIMESTAMPTZOID:
			*kind = JSONB_COLUMN_TIMESTAMPTZ;
			return true;
		case UUIDOID:
			*kind = JSONB_COLUMN_UUID;
			return true;
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
		case DATEOID:
		case TIMESTAMPOID:
		case JSONOID:
		case JSONBOID:
			return false;
	}
	if (OidIsValid(get_element_type(base)) || base == ANYARRAYOID || base == RECORDARRAYOID ||
		type_is_rowtype(base))
		return false;
	if (base >= FirstNormalObjectId &&
		find_coercion_pathway(JSONOID, base, COERCION_EXPLICIT, &cast) == COERCION_PATH_FUNC &&
		OidIsValid(cast))
		return false;
	*kind = JSONB_COLUMN_TEXT;
	return true;
}

#define UUID_TEXT_LEN	36

/* A uuid as uuid_out writes it (lower-case hex, 8-4-4-4-12), palloc'd. */
static char *
UuidTextOf(const pg_uuid_t *uuid)
{
	static const char hex[] = "0123456789abcdef";
	char	   *text = palloc(UUID_TEXT_LEN + 1);
	char	   *p = text;
	int			i;

	for (i = 0; i < UUID_LEN; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[uuid->data[i] >> 4];
		*p++ = hex[uuid->data[i] & 0x0F];
	}
	*p = '\0';
	return text;
}

/*
 * jsonb's order of object keys (shorter first, then bytewise): two columns
 * of desc by their names.
 */
static int
KeyOrderCmp(const void *a, const void *b, void *arg)
{
	TupleDesc	desc = (TupleDesc) arg;
	const char *x = NameStr(TupleDescAttr(desc, *(const int16 *) a)->attname);
	const char *y = NameStr(TupleDescAttr(desc, *(const int16 *) b)->attname);
	size_t		lx = strlen(x);
	size_t		ly = strlen(y);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return memcmp(x, y, lx);
}

/*
 * The plan of desc's rows (TopMemoryContext).  Its columns are written in
 * the order jsonb keeps an object's keys: pushJsonbValue sorts them at the
 * object's end, which costs a few comparisons when they come sorted.
 */
static JsonbRowPlan *
JsonbRowPlanOf(TupleDesc desc)
{
	JsonbRowPlan *plan = MemoryContextAllocZero(TopMemoryContext,
												offsetof(JsonbRowPlan, columns) +
												sizeof(JsonbColumn) * desc->natts +
												sizeof(int16) * desc->natts);
	int			i;

	plan->ncolumns = desc->natts;
	plan->key_order = (int16 *) &plan->columns[desc->natts];
	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped)
			plan->key_order[plan->nkeys++] = i;
	qsort_arg(plan->key_order, plan->nkeys, sizeof(int16), KeyOrderCmp, desc);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);
		JsonbColumn *c = &plan->columns[i];
		Oid			output;
		bool		varlena;

		c->type = a->atttypid;
		if (a->attisdropped)
			c->kind = JSONB_COLUMN_DROPPED;
		else if (!JsonbColumnKindOf(a->atttypid, &c->kind))
			plan->by_to_jsonb = true;	/* (every column's type still noted, for JsonbRowPlanFits) */
		else if (plan->by_to_jsonb)
			continue;
		else if (c->kind == JSONB_COLUMN_INTEGER || c->kind == JSONB_COLUMN_TEXT)
		{
			getTypeOutputInfo(getBaseType(a->atttypid), &output, &varlena);
			fmgr_info_cxt(output, &c->output, TopMemoryContext);
		}
	}
	return plan;
}

/* Was plan made for a table of desc's columns? */
static bool
JsonbRowPlanFits(const JsonbRowPlan *plan, TupleDesc desc)
{
	int			i;

	if (plan->ncolumns != desc->natts)
		return false;
	for (i = 0; i < desc->natts; i++)
		if (plan->columns[i].type != TupleDescAttr(desc, i)->atttypid ||
			(plan->columns[i].kind == JSONB_COLUMN_DROPPED) != TupleDescAttr(desc, i)->attisdropped)
			return false;
	return true;
}

/* See audit.h. */
Datum
AuditRowToJsonb(Datum row, Oid rowtype)
{
	FmgrInfo	flinfo;
	Const	   *arg = makeNullConst(rowtype, -1, InvalidOid);

	fmgr_info(F_TO_JSONB, &flinfo);
	fmgr_info_set_expr((Node *) makeFuncExpr(F_TO_JSONB, JSONBOID, list_make1(arg), InvalidOid,
											 InvalidOid, COERCE_EXPLICIT_CALL), &flinfo);
	return FunctionCall1(&flinfo, row);
}

/* to_jsonb() of the row in slot (all its attributes got), a row of the table of entry. */
static Datum
RowJsonb(StagePlan *entry, TupleTableSlot *slot)
{
	TupleDesc	desc = slot->tts_tupleDescriptor;
	JsonbParseState *state = NULL;
	JsonbValue	v;
	int			k;

	if (entry->json != NULL && !JsonbRowPlanFits(entry->json, desc))
	{
		pfree(entry->json);
		entry->json = NULL;
	}
	if (entry->json == NULL)
		entry->json = JsonbRowPlanOf(desc);
	if (entry->json->by_to_jsonb)
		return AuditRowToJsonb(ExecFetchSlotHeapTupleDatum(slot), desc->tdtypeid);

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (k = 0; k < entry->json->nkeys; k++)
	{
		int			i = entry->json->key_order[k];
		JsonbColumn *c = &entry->json->columns[i];
		Datum		d = slot->tts_values[i];
		char	   *text;

		if (c->kind == JSONB_COLUMN_DROPPED)
			continue;
		v.type = jbvString;
		v.val.string.val = NameStr(TupleDescAttr(desc, i)->attname);
		v.val.string.len = strlen(v.val.string.val);
		pushJsonbValue(&state, WJB_KEY, &v);
		if (slot->tts_isnull[i])
			v.type = jbvNull;
		else if (c->kind == JSONB_COLUMN_BOOL)
		{
			v.type = jbvBool;
			v.val.boolean = DatumGetBool(d);
		}
		else if (c->kind == JSONB_COLUMN_INTEGER)
		{
			v.type = jbvNumeric;
			v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
																CStringGetDatum(OutputFunctionCall(&c->output, d)),
																ObjectIdGetDatum(InvalidOid),
																Int32GetDatum(-1)));
		}
		else if (c->kind == JSONB_COLUMN_UUID)
		{
			v.type = jbvString;
			v.val.string.val = UuidTextOf(DatumGetUUIDP(d));
			v.val.string.len = UUID_TEXT_LEN;
		}
		else
		{
			text = c->kind == JSONB_COLUMN_TIMESTAMPTZ ?
				JsonEncodeDateTime(NULL, d, TIMESTAMPTZOID, NULL) :
				OutputFunctionCall(&c->output, d);
			if (strlen(text) > JENTRY_OFFLENMASK)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("string too long to represent as jsonb string"),
						 errdetail("Due to an implementation restriction, jsonb strings cannot exceed %d bytes.",
								   JENTRY_OFFLENMASK)));
			v.type = jbvString;
			v.val.string.val = text;
			v.val.string.len = strlen(text);
		}
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	return JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL)));
}

/*
 * Stage the one row of an INSERT or DELETE (params: audit_model_trigger) in
 * memory, in C; false, having staged nothing, when a template is not of
 * the forms above.
 */
static bool
StageOneRow(TriggerData *trigdata, const char *op, Tuplestorestate *changed, StagePlan *entry,
			Datum *params, const char *param_nulls)
{
	Trigger    *trigger = trigdata->tg_trigger;
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	Template	workspace,
				object,
				ref_id,
				link_id,
				email;
	TupleTableSlot *slot;
	Datum		row[AUDIT_STAGE_COLUMNS];
	bool		nulls[AUDIT_STAGE_COLUMNS];
	Datum		jsonb;
	bool		deleted = strcmp(op, "DELETE") == 0;

	if (strcmp(trigger->tgargs[2], "$J") != 0 || desc->tdtypeid == RECORDOID)
		return false;
	workspace = TemplateOf(trigger->tgargs[0], desc, UUIDOID, true);
	object = TemplateOf(trigger->tgargs[1], desc, UUIDOID, false);
	ref_id = TemplateOf(trigger->tgargs[4], desc, UUIDOID, false);
	link_id = TemplateOf(trigger->tgargs[5], desc, UUIDOID, false);
	email = TemplateOf(trigger->tgargs[6], desc, TEXTOID, false);
	if (workspace.kind == TEMPLATE_OTHER || object.kind == TEMPLATE_OTHER ||
		ref_id.kind == TEMPLATE_OTHER || link_id.kind == TEMPLATE_OTHER ||
		email.kind == TEMPLATE_OTHER)
		return false;

	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	tuplestore_rescan(changed);
	if (!tuplestore_gettupleslot(changed, true, false, slot))
		elog(ERROR, "the transition table of trigger \"%s\" has no row", trigger->tgname);
	slot_getallattrs(slot);
	row[0] = TemplateValue(workspace, slot, &nulls[0]);
	row[1] = params[0];
	nulls[1] = param_nulls[0] == 'n';
	row[2] = params[1];
	nulls[2] = false;
	row[3] = CStringGetTextDatum(deleted ? "delete" : "insert");
	nulls[3] = false;
	row[4] = params[2];
	nulls[4] = false;
	row[5] = TemplateValue(object, slot, &nulls[5]);
	jsonb = RowJsonb(entry, slot);
	row[6] = deleted ? jsonb : (Datum) 0;
	nulls[6] = !deleted;
	row[7] = deleted ? (Datum) 0 : jsonb;
	nulls[7] = deleted;
	row[8] = TemplateValue(link_id, slot, &nulls[8]);
	row[9] = TemplateValue(email, slot, &nulls[9]);
	/* NULLIF(ref type, '') */
	nulls[10] = trigger->tgargs[3][0] == '\0';
	row[10] = nulls[10] ? (Datum) 0 : CStringGetTextDatum(trigger->tgargs[3]);
	row[11] = TemplateValue(ref_id, slot, &nulls[11]);
	AuditStageRow(row, nulls, Unresolved(trigger, op, nulls[0]));
	ExecDropSingleTupleTableSlot(slot);
	tuplestore_rescan(changed);	/* (for the triggers after this one) */
	return true;
}

/*
 * audit_model_trigger() → trigger: stage the audit rows of the statement
 * (TRUNCATE: one row for the table).
 *
 * It runs as its caller: the one row of a management function's INSERT or
 * DELETE is staged in memory without a statement.  Its statements (the
 * others) run as the owner of audit_log, which alone may write audit_stage,
 * in a restricted security context with search_path pinned (AuditAsOwner):
 * what a SECURITY DEFINER function with SET search_path would do, without
 * its cost on every call.
 */
Datum
audit_model_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Trigger    *trigger;
	const pg_uuid_t *actor;
	const char *op;
	Tuplestorestate *changed;
	Datum		values[4] = {0};
	char		nulls[4] = {' ', ' ', ' ', ' '};
	StagePlan  *entry;
	OwnerScope scope;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		trigdata->tg_trigger->tgnargs != AUDIT_TRIGGER_NARGS)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("audit_model_trigger() must be a statement trigger with %d arguments",
						AUDIT_TRIGGER_NARGS)));
	trigger = trigdata->tg_trigger;
	actor = ContextCurrentPrincipal();
	if (actor != NULL)
	{
		pg_uuid_t  *copy = palloc(sizeof(pg_uuid_t));

		*copy = *actor;
		values[0] = UUIDPGetDatum(copy);
	}
	else
		nulls[0] = 'n';
	values[1] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
	values[2] = CStringGetTextDatum(RelationGetRelationName(trigdata->tg_relation));

	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
	{
		AuditConnectAsOwner(&scope);
		if (truncate_plan == NULL)
		{
			SPIPlanPtr	p = SPI_prepare("INSERT INTO share_acl.audit_stage"
										" (workspace_id, actor_id, db_role, action, object_type)"
										" VALUES (NULL, $1, $2, 'truncate', $3)", 3, (Oid *) stage_param_types);

			if (p == NULL || SPI_keepplan(p) != 0)
				elog(ERROR, "could not prepare the audit row of a TRUNCATE");
			truncate_plan = p;
		}
		if (SPI_execute_plan(truncate_plan, values, nulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not stage the audit row of a TRUNCATE");
		SPI_finish();
		OwnerScopeLeave(&scope);
		AuditMarkPending(false);
		return PointerGetDatum(NULL);
	}

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		op = "INSERT", changed = trigdata->tg_newtable;
	else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		op = "UPDATE", changed = trigdata->tg_newtable;
	else
		op = "DELETE", changed = trigdata->tg_oldtable;
	if (changed == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("audit_model_trigger() needs the transition tables of its event")));
	if (tuplestore_tuple_count(changed) == 0)
		return PointerGetDatum(NULL);
	entry = TriggerEntry(trigger);
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) && trigdata->tg_oldtable != NULL &&
		!UpdateChangedAudited(trigdata, Unaudited(entry)))
		return PointerGetDatum(NULL);
	if (tuplestore_tuple_count(changed) == 1 && !TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) &&
		AuditStageInMemory(1) && StageOneRow(trigdata, op, changed, entry, values, nulls))
		return PointerGetDatum(NULL);

	AuditConnectAsOwner(&scope);
	entry = StageEntry(trigger, op);
	values[3] = PointerGetDatum(Unaudited(entry));
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "could not register the transition tables of the audit trigger");
	if (tuplestore_tuple_count(changed) > KEPT_PLAN_MAX_ROWS)
	{
		int			rc = SPI_execute_with_args(entry->query, 4, (Oid *) stage_param_types, values,
											   nulls, false, 0);

		if (rc != SPI_OK_INSERT)
			elog(ERROR, "could not stage the audit rows of trigger \"%s\": %s",
				 trigger->tgname, SPI_result_code_string(rc));
		/* a delete may be a cascade that removed the row naming the workspace */
		if (SPI_processed > 0)
			AuditMarkPending(Unresolved(trigger, op, true));
	}
	/* (an UPDATE's statement stages two rows of a row moved to another workspace) */
	else if (AuditStageInMemory(tuplestore_tuple_count(changed) * (strcmp(op, "UPDATE") == 0 ? 2 : 1)))
		StageInMemory(trigger, op, entry, values, nulls);
	else
		StageInTable(trigger, op, entry, values, nulls);
	SPI_finish();
	OwnerScopeLeave(&scope);
	return PointerGetDatum(NULL);
}
