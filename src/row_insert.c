/*
 * row_insert.c — one row inserted as an INSERT statement inserts it, without
 * the statement: no plan, no portal, no executor start of a plan tree.
 *
 * The row goes through the executor's own single-row path (the one logical
 * replication applies rows with): the columns not given take their
 * defaults, evaluated as the planner would; NOT NULL and CHECK constraints,
 * index entries (partial and expression indexes, uniqueness) and the row
 * triggers (foreign keys) run as for the statement, the AFTER ones at the
 * end, as a statement's.  A table on which a statement would run more than
 * that (statement triggers, transition tables, rules, row-level security
 * for the current user) or that the current user may not insert into is
 * left to the statement: RowInsert then returns false, having done
 * nothing.  The caller holds an active snapshot.
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "nodes/makefuncs.h"
#include "rewrite/rewriteHandler.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"

#include "catalog.h"
#include "row_insert.h"

/*
 * Would an INSERT statement on rel by the current user run more than the
 * row's own work (or refuse it)?
 */
static bool
StatementRunsMore(Relation rel)
{
	TriggerDesc *t = rel->trigdesc;

	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relhasrules ||
		check_enable_rls(RelationGetRelid(rel), InvalidOid, true) == RLS_ENABLED ||
		pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		return true;
	return t != NULL && (t->trig_insert_before_statement || t->trig_insert_after_statement ||
						 t->trig_insert_new_table || t->trig_insert_instead_row);
}

/*
 * Insert one row into rel (open, RowExclusiveLock): the given columns'
 * values, the defaults of the others.  When out is not NULL, the inserted
 * row's value of out_column (by value or copied into the current memory
 * context) is put there.  false when the table is one a statement must
 * write (see the top of this file).
 */
bool
RowInsert(Relation rel, const RowValues *given, Datum *out, const char *out_column)
{
	TupleDesc	desc = RelationGetDescr(rel);
	EState	   *estate;
	RangeTblEntry *rte;
	ResultRelInfo *rri;
	TupleTableSlot *slot;
	ExprContext *econtext;
	MemoryContext caller = CurrentMemoryContext;
	int			i,
				g;

	if (StatementRunsMore(rel))
		return false;
	/*
	 * each given column there and of the type given (a statement would
	 * coerce), no column of a domain (its checks are the statement's)
	 */
	for (g = 0; g < given->n; g++)
		if (ColumnOfType(desc, given->columns[g], given->types[g]) == InvalidAttrNumber)
			return false;		/* (the statement says what is wrong) */
	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped &&
			get_typtype(TupleDescAttr(desc, i)->atttypid) == TYPTYPE_DOMAIN)
			return false;

	estate = CreateExecutorState();
	/* (everything below lives in the executor state's memory, freed with it) */
	MemoryContextSwitchTo(estate->es_query_cxt);
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = RelationGetRelid(rel);
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	ExecInitRangeTable(estate, list_make1(rte));
	rri = makeNode(ResultRelInfo);
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	/* (where ExecGetTriggerResultRel finds it for the AFTER triggers) */
	estate->es_opened_result_relations = lappend(estate->es_opened_result_relations, rri);
	estate->es_output_cid = GetCurrentCommandId(true);
	ExecOpenIndices(rri, false);

	/* the row: the given values, the other columns' defaults */
	slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
	ExecClearTuple(slot);
	econtext = GetPerTupleExprContext(estate);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Node	   *dflt;

		slot->tts_values[i] = (Datum) 0;
		slot->tts_isnull[i] = true;
		if (att->attisdropped)
			continue;
		for (g = 0; g < given->n; g++)
			if (strcmp(NameStr(att->attname), given->columns[g]) == 0)
				break;
		if (g < given->n)
		{
			slot->tts_values[i] = given->values[g];
			slot->tts_isnull[i] = given->nulls[g];
		}
		else if (att->attgenerated == '\0' && (dflt = build_column_default(rel, i + 1)) != NULL)
		{
			ExprState  *state = ExecPrepareExpr((Expr *) dflt, estate);	/* (planned there) */

			slot->tts_values[i] = ExecEvalExpr(state, econtext, &slot->tts_isnull[i]);
		}
	}
	ExecStoreVirtualTuple(slot);

	AfterTriggerBeginQuery();
	ExecSimpleRelationInsert(rri, estate, slot);
	AfterTriggerEndQuery(estate);

	if (out != NULL && (i = SPI_fnumber(desc, out_column)) > 0)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i - 1);
		bool		isnull;
		Datum		d = slot_getattr(slot, i, &isnull);

		MemoryContextSwitchTo(caller);
		*out = isnull ? (Datum) 0 : datumCopy(d, att->attbyval, att->attlen);
		MemoryContextSwitchTo(estate->es_query_cxt);
	}
	ExecCloseIndices(rri);
	ExecResetTupleTable(estate->es_tupleTable, false);
	MemoryContextSwitchTo(caller);
	FreeExecutorState(estate);
	return true;
}
