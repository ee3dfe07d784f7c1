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
 * transaction's memory (audit_seal.c) while it holds few, else the
 * INSERT … SELECT into audit_stage.  A statement that changed many rows is
 * planned for its own row count instead (a kept plan was made for the
 * transition table's size when it was prepared).  An UPDATE that changed no
 * audited column (a link's view counter, a no-op) runs nothing.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "audit.h"
#include "context.h"

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
} StagePlan;

static HTAB *stage_plans = NULL;
static SPIPlanPtr truncate_plan = NULL;

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
 * This backend's entry of trigger (event op): its statement and the columns
 * it leaves out, read on its first use.  Needs an SPI connection.
 */
static StagePlan *
StageEntry(Trigger *trigger, const char *op)
{
	StagePlan  *entry;
	bool		found;

	if (stage_plans == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(StagePlan);
		stage_plans = hash_create("share_acl audit statements", 32, &ctl, HASH_ELEM | HASH_BLOBS);
	}
	entry = hash_search(stage_plans, &trigger->tgoid, HASH_ENTER, &found);
	if (!found)
	{
		entry->plan = NULL;
		entry->select_plan = NULL;
		entry->query = NULL;
		entry->unaudited = NULL;
	}
	if (entry->unaudited == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		entry->unaudited = DatumGetArrayTypePCopy(OidInputFunctionCall(F_ARRAY_IN, trigger->tgargs[7],
																		TEXTOID, -1));
		MemoryContextSwitchTo(old);
	}
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
 * Stage the statement's rows in memory (audit_seal.c): the same statement
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
 * audit_model_trigger() → trigger: stage the audit rows of the statement
 * (TRUNCATE: one row for the table).
 */
Datum
audit_model_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Trigger    *trigger;
	const pg_uuid_t *actor;
	const char *op;
	Tuplestorestate *changed;
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	StagePlan  *entry;
	int			rc;

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

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
	{
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
	{
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	entry = StageEntry(trigger, op);
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) && trigdata->tg_oldtable != NULL &&
		!UpdateChangedAudited(trigdata, entry->unaudited))
	{
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	values[3] = PointerGetDatum(entry->unaudited);
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "could not register the transition tables of the audit trigger");

	if (tuplestore_tuple_count(changed) > KEPT_PLAN_MAX_ROWS)
	{
		rc = SPI_execute_with_args(entry->query, 4, (Oid *) stage_param_types, values, nulls, false, 0);
		if (rc != SPI_OK_INSERT)
			elog(ERROR, "could not stage the audit rows of trigger \"%s\": %s",
				 trigger->tgname, SPI_result_code_string(rc));
		/* a delete may be a cascade that removed the row naming the workspace */
		if (SPI_processed > 0)
			AuditMarkPending(Unresolved(trigger, op, true));
		SPI_finish();
		return PointerGetDatum(NULL);
	}

	if (AuditStageInMemory(tuplestore_tuple_count(changed)))
		StageInMemory(trigger, op, entry, values, nulls);
	else
		StageInTable(trigger, op, entry, values, nulls);
	SPI_finish();
	return PointerGetDatum(NULL);
}
