/*
 * row_write.c — one row inserted, updated or deleted as the INSERT, UPDATE
 * or DELETE statement writes it, without the statement: no plan, no
 * portal, no executor start of a plan tree.
 *
 * An inserted row goes through the steps ExecModifyTable takes for a plain
 * table: the statement's BEFORE triggers, the row's BEFORE triggers, its
 * columns not given taking their defaults (evaluated as the planner would),
 * generated columns, NOT NULL and CHECK constraints, the heap tuple, its
 * index entries (partial and expression indexes, uniqueness; ON CONFLICT DO
 * NOTHING by ExecInsert's speculative insertion), the row's AFTER triggers
 * (foreign keys) with the statement's transition tables, and the
 * statement's AFTER triggers, fired at the end as a statement's.  A deleted
 * row likewise.  An updated row goes through the executor's single-row
 * update (the one logical replication applies rows with): its row triggers,
 * constraints and index entries (none for a HOT version; its CHECK
 * constraints but those, valid, that read none of the columns it changes:
 * the row met them when those were written); it is written so only when an UPDATE of
 * those columns would fire no statement trigger and no trigger with
 * transition tables — but the update triggers of other columns (UPDATE OF),
 * and share_acl's audit trigger when the columns changed are ones it does
 * not audit (it would stage nothing) — and no BEFORE row trigger (it may
 * change other columns).  A row updated or deleted is found by its key and
 * locked as the statement finds it.
 *
 * A table on which the statement would do more (rules, children, row-level
 * security for the current user, a domain-typed column, INSTEAD OF
 * triggers, for an update a generated column or the triggers above), or
 * that the current user may not write, is left to the statement: the
 * functions below then say so, having done nothing.  As for a statement run
 * now, the write sees the changes of the command before it, under the
 * statement's snapshot, and what follows sees the write.
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "audit.h"
#include "catalog.h"
#include "fk_check.h"
#include "oid_hash.h"
#include "row_hint.h"
#include "row_lock.h"
#include "row_write.h"

/*
 * What a statement of kind cmd on rel by the current user needs, apart from
 * its triggers: a plain table without rules, children (inheritance) or
 * row-level security for the user, the privilege (INSERT, or UPDATE or
 * DELETE and SELECT), no column of a domain (its checks are the
 * statement's).
 */
static bool HasDomainColumn(Relation rel);

static bool
StatementNeedsLess(Relation rel, CmdType cmd)
{
	AclMode		needed = cmd == CMD_INSERT ? ACL_INSERT :
		(cmd == CMD_UPDATE ? ACL_UPDATE : ACL_DELETE) | ACL_SELECT;

	return rel->rd_rel->relkind == RELKIND_RELATION && !rel->rd_rel->relhasrules &&
		!rel->rd_rel->relhassubclass &&	/* (a statement reaches the children too) */
		check_enable_rls(RelationGetRelid(rel), InvalidOid, true) != RLS_ENABLED &&
		pg_class_aclmask(RelationGetRelid(rel), GetUserId(), needed, ACLMASK_ALL) == needed &&
		!HasDomainColumn(rel);
}

/* Does trigger fire in this session (as TriggerEnabled decides by session_replication_role)? */
static bool
TriggerFiresHere(const Trigger *trigger)
{
	if (trigger->tgenabled == TRIGGER_DISABLED)
		return false;
	if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA)
		return trigger->tgenabled == TRIGGER_FIRES_ON_REPLICA ||
			trigger->tgenabled == TRIGGER_FIRES_ALWAYS;
	return trigger->tgenabled == TRIGGER_FIRES_ON_ORIGIN ||
		trigger->tgenabled == TRIGGER_FIRES_ALWAYS;
}

/*
 * Would an UPDATE statement of the columns changed (attribute numbers) on
 * rel run a trigger beyond the AFTER row triggers the single-row path fires
 * (see the top of this file)?
 */
static bool
UpdateFiresMore(Relation rel, const AttrNumber *changed, int nchanged)
{
	TriggerDesc *t = rel->trigdesc;
	int			i,
				j,
				k;

	if (t == NULL)
		return false;
	for (i = 0; i < t->numtriggers; i++)
	{
		const Trigger *trigger = &t->triggers[i];
		bool		fires = trigger->tgnattr == 0;

		if (!TRIGGER_FOR_UPDATE(trigger->tgtype) || !TriggerFiresHere(trigger))
			continue;
		for (j = 0; j < trigger->tgnattr && !fires; j++)
			for (k = 0; k < nchanged; k++)
				fires |= trigger->tgattr[j] == changed[k];
		if (!fires)
			continue;			/* UPDATE OF other columns */
		if (TRIGGER_FOR_ROW(trigger->tgtype) && TRIGGER_FOR_AFTER(trigger->tgtype) &&
			trigger->tgoldtable == NULL && trigger->tgnewtable == NULL)
			continue;			/* fired by the single-row path */
		if (!AuditTriggerIgnores(rel, trigger, changed, nchanged))
			return true;
	}
	return false;
}

/*
 * A table's expressions as an INSERT evaluates them, planned once per
 * backend (a statement plans them at every execution): its CHECK
 * constraints (in the order of the relation's constraint list, as
 * ExecConstraints reads them), its columns' defaults, and the predicates
 * of its partial indexes (planned at the first write that opens them; an
 * index made or dropped changes the table's definition).  Only the planned
 * trees are kept: each write makes their states in its own executor memory
 * (ExecInitExpr checks the right to call their functions then, as for a
 * statement).  Dropped when the table's definition changes, any function or
 * type does (a default or a constraint may call it, inlined), or the
 * search_path is not the one they were planned under, as a kept plan is.
 */
typedef struct TableExprs
{
	Oid			relid;			/* hash key */
	bool		valid;
	int			users;			/* writes under way (their states point into the trees) */
	bool		planning;		/* its trees are being planned */
	MemoryContext cxt;			/* holds the trees below; NULL when none */
	OverrideSearchPath *search_path;	/* the one they were planned under */
	bool		domain_known;	/* has_domain is the table's (HasDomainColumn) */
	bool		has_domain;		/* a column of a domain type (its checks are the statement's) */
	int			domain_natts;	/* the columns it was found among */
	int			ncheck;
	Expr	  **checks;
	Bitmapset **check_columns;	/* per check, its columns (pull_varattnos), NULL when its
								 * state is needed at every update (not yet valid, whole row) */
	int			natts;
	Expr	  **defaults;		/* NULL: no default (the column takes NULL) */
	int			npredicates;	/* the partial indexes' predicates planned so far */
	Oid		   *predicate_indexes;
	List	  **predicates;
} TableExprs;

static HTAB *table_exprs = NULL;

static void
TableExprsInvalidate(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS seq;
	TableExprs *t;

	if (table_exprs == NULL)
		return;
	hash_seq_init(&seq, table_exprs);
	while ((t = hash_seq_search(&seq)) != NULL)
		if (!OidIsValid(relid) || t->relid == relid)
		{
			t->valid = false;
			t->domain_known = false;
		}
}

static void
TableExprsInvalidateAll(Datum arg, int cacheid, uint32 hashvalue)
{
	TableExprsInvalidate(arg, InvalidOid);
}

/* Register the invalidation callbacks; called once from _PG_init. */
void
RowWriteInit(void)
{
	CacheRegisterRelcacheCallback(TableExprsInvalidate, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, TableExprsInvalidateAll, (Datum) 0);
	CacheRegisterSyscacheCallback(TYPEOID, TableExprsInvalidateAll, (Datum) 0);
}

/* Plan rel's expressions into t, in the current memory context. */
static void
PlanTableExprs(Relation rel, TableExprs *t)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TupleConstr *constr = desc->constr;
	int			i;

	t->search_path = GetOverrideSearchPath(CurrentMemoryContext);
	t->npredicates = 0;			/* (PredicateStates plans them) */
	t->ncheck = constr != NULL ? constr->num_check : 0;
	t->checks = palloc0(Max(t->ncheck, 1) * sizeof(Expr *));
	t->check_columns = palloc0(Max(t->ncheck, 1) * sizeof(Bitmapset *));
	for (i = 0; i < t->ncheck; i++)
	{
		Node	   *check = stringToNode(constr->check[i].ccbin);
		Bitmapset  *columns = NULL;

		/* (its columns as written: planning may inline them away) */
		pull_varattnos(check, 1, &columns);
		t->checks[i] = expression_planner((Expr *) check);
		if (constr->check[i].ccvalid &&
			!bms_is_member(InvalidAttrNumber - FirstLowInvalidHeapAttributeNumber, columns))
			t->check_columns[i] = columns;
	}
	t->natts = desc->natts;
	t->defaults = palloc0(desc->natts * sizeof(Expr *));
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Node	   *dflt;

		if (!att->attisdropped && att->attgenerated == '\0' &&
			(dflt = build_column_default(rel, i + 1)) != NULL)
			t->defaults[i] = expression_planner((Expr *) dflt);
	}
}

/*
 * The predicate states of rri's partial indexes, for ExecInsertIndexTuples
 * (which would plan the predicates), in the current memory context; each
 * predicate is planned once into exprs (in its memory, or the current one
 * for a write's own exprs).
 */
static void
PredicateStates(ResultRelInfo *rri, TableExprs *exprs)
{
	int			i,
				p;

	for (i = 0; i < rri->ri_NumIndices; i++)
	{
		IndexInfo  *info = rri->ri_IndexRelationInfo[i];
		Oid			index = RelationGetRelid(rri->ri_IndexRelationDescs[i]);

		if (info->ii_Predicate == NIL || info->ii_PredicateState != NULL)
			continue;
		for (p = 0; p < exprs->npredicates; p++)
			if (exprs->predicate_indexes[p] == index)
				break;
		if (p == exprs->npredicates)
		{
			MemoryContext old = MemoryContextSwitchTo(exprs->cxt != NULL ? exprs->cxt :
													  CurrentMemoryContext);

			if (p == 0)
			{
				exprs->predicate_indexes = palloc(rri->ri_NumIndices * sizeof(Oid));
				exprs->predicates = palloc(rri->ri_NumIndices * sizeof(List *));
			}
			else
			{
				exprs->predicate_indexes = repalloc(exprs->predicate_indexes,
													(p + 1) * sizeof(Oid));
				exprs->predicates = repalloc(exprs->predicates, (p + 1) * sizeof(List *));
			}
			exprs->predicates[p] = (List *) expression_planner((Expr *) copyObject(info->ii_Predicate));
			exprs->predicate_indexes[p] = index;
			exprs->npredicates++;
			MemoryContextSwitchTo(old);
		}
		info->ii_PredicateState = ExecInitQual(exprs->predicates[p], NULL);
	}
}

/*
 * The states of exprs' CHECK constraints, for ExecConstraints, in the
 * current memory context.  For an update of the columns changed (attribute
 * numbers; NULL for an insert: all), a valid check that reads none of them
 * holds of the new version as it held of the old one, so it gets no state
 * (ExecCheck passes it).  A NOT VALID check is evaluated at every update, as
 * the statement evaluates it.
 */
static ExprState **
CheckStates(TableExprs *exprs, const AttrNumber *changed, int nchanged)
{
	ExprState **states = palloc(Max(exprs->ncheck, 1) * sizeof(ExprState *));
	int			i,
				c;

	for (i = 0; i < exprs->ncheck; i++)
	{
		bool		reads = changed == NULL || exprs->check_columns[i] == NULL;

		for (c = 0; c < nchanged && !reads; c++)
			reads = bms_is_member(changed[c] - FirstLowInvalidHeapAttributeNumber,
								  exprs->check_columns[i]);
		states[i] = reads ? ExecInitExpr(exprs->checks[i], NULL) : NULL;
	}
	return states;
}

/*
 * rel's expressions, planned now unless they still are.  The kept ones are
 * not dropped while a write uses them (until TableExprsDone): their states
 * point into the trees.  A write that finds them in use and no longer valid
 * (a default or a check that writes into the same table after a change)
 * plans its own, in the current memory context.
 */
static TableExprs *
TableExprsEntry(Relation rel)
{
	TableExprs *t;
	bool		found;

	t = OidHashEnter(&table_exprs, "share_acl table expressions", sizeof(TableExprs),
					 RelationGetRelid(rel), &found);
	if (!found)
	{
		t->valid = false;
		t->domain_known = false;
		t->users = 0;
		t->planning = false;
		t->cxt = NULL;
	}
	return t;
}

/*
 * Forget the entries of other tables that an invalidation turned off and no
 * write uses: a dropped table's (the extension dropped and created again in
 * a session that stays) stayed for good, its trees with it.  Called when
 * keep's expressions are planned anew, which follows such invalidations.
 */
static void
TableExprsForgetInvalid(Oid keep)
{
	HASH_SEQ_STATUS seq;
	TableExprs *t;

	hash_seq_init(&seq, table_exprs);
	while ((t = hash_seq_search(&seq)) != NULL)
	{
		if (t->valid || t->users != 0 || t->planning || t->relid == keep)
			continue;
		if (t->cxt != NULL)
			MemoryContextDelete(t->cxt);
		hash_search(table_exprs, &t->relid, HASH_REMOVE, NULL);
	}
}

static pg_noinline TableExprs *
TableExprsOf(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TableExprs *t = TableExprsEntry(rel);

	if (!t->valid || t->natts != desc->natts ||
		t->ncheck != (desc->constr != NULL ? desc->constr->num_check : 0) ||
		!OverrideSearchPathMatchesCurrent(t->search_path))
	{
		MemoryContext old;

		if (t->users > 0)
		{
			TableExprs *own = palloc0(sizeof(TableExprs));

			PlanTableExprs(rel, own);
			own->users = -1;	/* (not kept: freed with the write's memory) */
			return own;
		}
		TableExprsForgetInvalid(t->relid);
		if (t->cxt != NULL)
			MemoryContextDelete(t->cxt);
		t->cxt = AllocSetContextCreate(CacheMemoryContext, "share_acl table expressions",
									   ALLOCSET_SMALL_SIZES);
		/*
		 * valid from before the planning: an invalidation taken in while it
		 * reads the catalogs turns it off again (the trees then serve this
		 * write, and the next one plans them anew)
		 */
		t->valid = true;
		t->planning = true;
		old = MemoryContextSwitchTo(t->cxt);
		PG_TRY();
		{
			PlanTableExprs(rel, t);
		}
		PG_CATCH();
		{
			t->valid = false;
			t->planning = false;
			PG_RE_THROW();
		}
		PG_END_TRY();
		t->planning = false;
		MemoryContextSwitchTo(old);
	}
	t->users++;
	return t;
}

static void
TableExprsDone(TableExprs *t)
{
	if (t->users > 0)
		t->users--;
}

/*
 * Is a column of rel of a domain type?  Kept with its expressions, without
 * planning them (a delete plans none).  A type is a domain or not for good:
 * the answer holds for the columns it was found among, until the table's
 * definition changes.
 */
static bool
HasDomainColumn(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TableExprs *t = TableExprsEntry(rel);
	int			i;

	if (!t->domain_known || t->domain_natts != desc->natts)
	{
		bool		has_domain = false;

		t->domain_known = true;	/* (an invalidation meanwhile turns it off again) */
		for (i = 0; i < desc->natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped &&
				get_typtype(TupleDescAttr(desc, i)->atttypid) == TYPTYPE_DOMAIN)
				has_domain = true;
		t->has_domain = has_domain;
		t->domain_natts = desc->natts;
	}
	return t->has_domain;
}

/* The executor state of one row's write into rel (everything in its memory). */
typedef struct RowWriter
{
	EState	   *estate;
	ResultRelInfo *rri;
	MemoryContext caller;
} RowWriter;

/*
 * Set up the executor state of a write into rel; updated (attribute
 * numbers) are the columns an update sets, which UPDATE OF triggers look
 * at.  Leaves the executor state's memory current.  Its indexes are opened
 * by the write that needs them (WriterIndexes): an insert, an update that
 * is not HOT (a delete, as a DELETE statement, needs none).
 */
static void
RowWriterBegin(RowWriter *w, Relation rel, const AttrNumber *updated, int nupdated)
{
	RangeTblEntry *rte;
	int			i;

	w->caller = CurrentMemoryContext;
	w->estate = CreateExecutorState();
	MemoryContextSwitchTo(w->estate->es_query_cxt);
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = RelationGetRelid(rel);
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	for (i = 0; i < nupdated; i++)
		rte->updatedCols = bms_add_member(rte->updatedCols,
										  updated[i] - FirstLowInvalidHeapAttributeNumber);
	ExecInitRangeTable(w->estate, list_make1(rte));
	w->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(w->rri, rel, 1, NULL, 0);
	FkCheckInstall(w->rri);
	/* (where ExecGetTriggerResultRel finds it for the AFTER triggers) */
	w->estate->es_opened_result_relations = lappend(w->estate->es_opened_result_relations, w->rri);
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	w->estate->es_output_cid = GetCurrentCommandId(true);
	w->estate->es_snapshot = GetActiveSnapshot();
}

/* Open the writer's indexes (speculative: for an insert ON CONFLICT), unless they are. */
static void
WriterIndexes(RowWriter *w, bool speculative)
{
	if (w->rri->ri_IndexRelationDescs == NULL && w->rri->ri_RelationDesc->rd_rel->relhasindex)
		ExecOpenIndices(w->rri, speculative);
}

static void
RowWriterEnd(RowWriter *w)
{
	ExecCloseIndices(w->rri);
	ExecResetTupleTable(w->estate->es_tupleTable, false);
	PopActiveSnapshot();
	CommandCounterIncrement();
	MemoryContextSwitchTo(w->caller);
	FreeExecutorState(w->estate);
}

/*
 * A conflicting row, found by ExecCheckIndexConstraints: in REPEATABLE READ
 * and above, one this transaction's snapshot does not see (nor wrote
 * itself) is a serialization failure, as for ON CONFLICT DO NOTHING.
 */
static void
CheckConflictVisible(EState *estate, Relation rel, ItemPointer tid)
{
	TupleTableSlot *slot;
	bool		isnull;

	if (!IsolationUsesXactSnapshot())
		return;
	slot = table_slot_create(rel, &estate->es_tupleTable);
	if (!table_tuple_fetch_row_version(rel, tid, SnapshotAny, slot))
		elog(ERROR, "failed to fetch conflicting tuple for ON CONFLICT");
	if (!table_tuple_satisfies_snapshot(rel, slot, estate->es_snapshot) &&
		!TransactionIdIsCurrentTransactionId(
			DatumGetTransactionId(slot_getsysattr(slot, MinTransactionIdAttributeNumber, &isnull))))
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to concurrent update")));
	ExecClearTuple(slot);
}

/*
 * The row of an INSERT statement, as ExecInsert writes a plain table's
 * (ExecSimpleRelationInsert, with the statement's transition capture):
 * BEFORE row triggers, generated columns, constraints, the heap tuple, its
 * index entries, the AFTER row triggers.  With arbiters (unique indexes),
 * as ON CONFLICT DO NOTHING: a row that conflicts is not inserted (the
 * speculative insertion of ExecInsert, so that a concurrent insert of the
 * same key is waited for, not an error).  false when the row was not
 * inserted (a BEFORE trigger, or a conflict, kept it out).
 */
static bool
InsertOneRow(ResultRelInfo *rri, EState *estate, TupleTableSlot *slot,
			 TransitionCaptureState *capture, List *arbiters)
{
	Relation	rel = rri->ri_RelationDesc;
	List	   *recheck = NIL;

	if (rri->ri_TrigDesc != NULL && rri->ri_TrigDesc->trig_insert_before_row &&
		!ExecBRInsertTriggers(estate, rri, slot))
		return false;			/* "do nothing" */
	if (rel->rd_att->constr != NULL && rel->rd_att->constr->has_generated_stored)
		ExecComputeStoredGenerated(rri, estate, slot, CMD_INSERT);
	if (rel->rd_att->constr != NULL)
		ExecConstraints(rri, slot, estate);
	if (rel->rd_rel->relispartition)
		ExecPartitionCheck(rri, slot, estate, true);
	if (arbiters == NIL)
	{
		simple_table_tuple_insert(rel, slot);
		if (rri->ri_NumIndices > 0)
			recheck = ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL);
	}
	else
		for (;;)
		{
			ItemPointerData conflict;
			bool		again = false;
			uint32		token;

			if (!ExecCheckIndexConstraints(rri, slot, estate, &conflict, arbiters))
			{
				CheckConflictVisible(estate, rel, &conflict);
				return false;
			}
			token = SpeculativeInsertionLockAcquire(GetCurrentTransactionId());
			table_tuple_insert_speculative(rel, slot, estate->es_output_cid, 0, NULL, token);
			recheck = ExecInsertIndexTuples(rri, slot, estate, false, true, &again, arbiters);
			table_tuple_complete_speculative(rel, slot, token, !again);
			SpeculativeInsertionLockRelease(GetCurrentTransactionId());
			if (!again)
				break;
			list_free(recheck);	/* a concurrent insert won: check again */
			recheck = NIL;
			CHECK_FOR_INTERRUPTS();
		}
	ExecARInsertTriggers(estate, rri, slot, recheck, capture);
	list_free(recheck);
	return true;
}

/*
 * The row of given (the given columns' values, the other columns' defaults)
 * inserted into rel as an INSERT statement inserts it (see the top of this
 * file; with arbiters, ON CONFLICT DO NOTHING), with exprs for its defaults
 * and checks; the row, in a slot of w; *inserted: whether it was.
 */
static TupleTableSlot *
InsertGiven(Relation rel, const RowValues *given, RowWriter *w, TableExprs *exprs, List *arbiters,
			bool *inserted)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TupleTableSlot *slot = ExecInitExtraTupleSlot(w->estate, desc, &TTSOpsVirtual);
	ExprContext *econtext = GetPerTupleExprContext(w->estate);
	TransitionCaptureState *capture;
	int			i,
				g;

	/* as ExecModifyTable: the statement's BEFORE triggers, then its row */
	AfterTriggerBeginQuery();
	capture = MakeTransitionCaptureState(rel->trigdesc, RelationGetRelid(rel), CMD_INSERT);
	ExecBSInsertTriggers(w->estate, w->rri);
	if (exprs->ncheck > 0)
		w->rri->ri_ConstraintExprs = CheckStates(exprs, NULL, 0);	/* (ExecConstraints would plan them) */
	PredicateStates(w->rri, exprs);
	ExecClearTuple(slot);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

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
		else if (exprs->defaults[i] != NULL)
			slot->tts_values[i] = ExecEvalExpr(ExecInitExpr(exprs->defaults[i], NULL), econtext,
											   &slot->tts_isnull[i]);
	}
	ExecStoreVirtualTuple(slot);
	slot->tts_tableOid = RelationGetRelid(rel);
	*inserted = InsertOneRow(w->rri, w->estate, slot, capture, arbiters);
	ExecASInsertTriggers(w->estate, w->rri, capture);
	AfterTriggerEndQuery(w->estate);
	return slot;
}

/*
 * Insert one row into rel (open, RowExclusiveLock): the given columns'
 * values, the defaults of the others; with arbiter (a unique index of rel,
 * else InvalidOid) as ON CONFLICT (its columns) DO NOTHING.  When out is not
 * NULL, the inserted row's value of out_column (by value or copied into the
 * current memory context) is put there.  ROW_BY_STATEMENT, having done
 * nothing, when the table is one a statement must write (see the top of
 * this file); ROW_SKIPPED when a BEFORE trigger or a conflict kept the row
 * out.
 */
RowWritten
RowInsert(Relation rel, const RowValues *given, Oid arbiter, Datum *out, const char *out_column)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TriggerDesc *t = rel->trigdesc;
	RowWriter	w;
	TableExprs *volatile exprs;
	TupleTableSlot *volatile slot = NULL;
	volatile bool inserted = false;
	int			i,
				g;

	if (!StatementNeedsLess(rel, CMD_INSERT) || (t != NULL && t->trig_insert_instead_row))
		return ROW_BY_STATEMENT;
	/* each given column there and of the type given (a statement would coerce) */
	for (g = 0; g < given->n; g++)
		if ((i = ColumnOfType(desc, given->columns[g], given->types[g])) == InvalidAttrNumber ||
			TupleDescAttr(desc, i - 1)->atttypmod != -1)
			return ROW_BY_STATEMENT;	/* (the statement says what is wrong, or coerces) */

	RowWriterBegin(&w, rel, NULL, 0);
	WriterIndexes(&w, OidIsValid(arbiter));
	exprs = TableExprsOf(rel);
	PG_TRY();
	{
		bool		went_in;

		slot = InsertGiven(rel, given, &w, exprs,
						   OidIsValid(arbiter) ? list_make1_oid(arbiter) : NIL, &went_in);
		inserted = went_in;
	}
	PG_FINALLY();
	{
		TableExprsDone(exprs);
	}
	PG_END_TRY();

	if (inserted && out != NULL && (i = SPI_fnumber(desc, out_column)) > 0)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i - 1);
		bool		isnull;
		Datum		d = slot_getattr(slot, i, &isnull);

		MemoryContextSwitchTo(w.caller);
		*out = isnull ? (Datum) 0 : datumCopy(d, att->attbyval, att->attlen);
		MemoryContextSwitchTo(w.estate->es_query_cxt);
	}
	RowWriterEnd(&w);
	return inserted ? ROW_WRITTEN : ROW_SKIPPED;
}

/*
 * Would n rows inserted into rel one by one show differently from one INSERT
 * statement of them?  With statement triggers or transition tables (each
 * row would be a statement of its own), or with row triggers other than
 * PostgreSQL's own (foreign keys) and those of functions in rel's schema
 * (the extension's): a statement fires every row's BEFORE ROW triggers
 * before any AFTER ROW trigger, and those see every row of the statement.
 * A caller with several rows then writes them with one statement.
 */
bool
RowInsertsSeenApart(Relation rel, int n)
{
	TriggerDesc *t = rel->trigdesc;
	int			i;

	if (n <= 1 || t == NULL)
		return false;
	if (t->trig_insert_before_statement || t->trig_insert_after_statement || t->trig_insert_new_table)
		return true;
	for (i = 0; i < t->numtriggers; i++)
	{
		const Trigger *trigger = &t->triggers[i];

		if (trigger->tgisinternal || trigger->tgenabled == TRIGGER_DISABLED ||
			!TRIGGER_FOR_ROW(trigger->tgtype) || !TRIGGER_FOR_INSERT(trigger->tgtype))
			continue;
		if (get_func_namespace(trigger->tgfoid) != RelationGetNamespace(rel))
			return true;
	}
	return false;
}

/*
 * Insert n rows into rel (open, RowExclusiveLock) one by one with RowInsert
 * (arbiter as there): row's values, but for its column varying, which takes
 * values[0 .. n-1] in turn.  *written: how many went in.  false, having
 * written nothing, when the table needs the statement, or when its triggers
 * would see the rows otherwise than as one statement's
 * (RowInsertsSeenApart).
 */
bool
RowInsertEach(Relation rel, const RowValues *row, int varying, const Datum *values, int n,
			  Oid arbiter, int64 *written)
{
	Datum		row_values[FUNC_MAX_ARGS];
	RowValues	one = *row;
	int			i;

	Assert(row->n <= FUNC_MAX_ARGS && varying < row->n);
	*written = 0;
	if (RowInsertsSeenApart(rel, n))
		return false;
	memcpy(row_values, row->values, row->n * sizeof(Datum));
	one.values = row_values;
	for (i = 0; i < n; i++)
	{
		RowWritten	done;

		row_values[varying] = values[i];
		done = RowInsert(rel, &one, arbiter, NULL, NULL);
		if (done == ROW_BY_STATEMENT)
		{
			if (i > 0)			/* (not reached: RowInsert decides by the table) */
				elog(ERROR, "could not write the rows of \"%s\"", RelationGetRelationName(rel));
			return false;
		}
		if (done == ROW_WRITTEN)
			(*written)++;
	}
	return true;
}

static void ChangedVersion(TupleTableSlot *old, TupleTableSlot *new, const AttrNumber *changed,
						   int ncolumns, RowChange change, void *arg);
static bool UpdateFound(RowWriter *w, TupleTableSlot *old, TupleTableSlot *new);

/*
 * Update the row of rel (open, RowExclusiveLock) whose column key_column
 * (the first column of index, compared with eq) equals key: the columns
 * named take the values change() computes from the row (change may also
 * read the row for the caller: it is called again, on the newest version,
 * when another transaction changed the row meanwhile, and what it read
 * last is of the version updated).  *found says whether there was a row to
 * update.  false when the table is one a statement must write (see the top
 * of this file), having done nothing.
 */
bool
RowUpdate(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq, Datum key,
		  int ncolumns, const char *const *columns, RowChange change, void *arg, bool *found)
{
	TupleDesc	desc = RelationGetDescr(rel);
	AttrNumber	changed[FUNC_MAX_ARGS];
	RowWriter	w;
	EPQState	epq;
	TableExprs *volatile exprs;
	TupleTableSlot *old;
	TupleTableSlot *new;
	int			i;

	Assert(ncolumns <= FUNC_MAX_ARGS);
	*found = false;
	if (!StatementNeedsLess(rel, CMD_UPDATE) ||
		(desc->constr != NULL && desc->constr->has_generated_stored))
		return false;
	for (i = 0; i < ncolumns; i++)
		if ((changed[i] = SPI_fnumber(desc, columns[i])) <= 0 ||
			TupleDescAttr(desc, changed[i] - 1)->atttypmod != -1)
			return false;		/* (the statement says what is wrong, or coerces) */
	if (UpdateFiresMore(rel, changed, ncolumns))
		return false;

	RowWriterBegin(&w, rel, changed, ncolumns);
	old = table_slot_create(rel, &w.estate->es_tupleTable);
	new = table_slot_create(rel, &w.estate->es_tupleTable);
	exprs = TableExprsOf(rel);
	PG_TRY();
	{
		if (exprs->ncheck > 0)
			w.rri->ri_ConstraintExprs = CheckStates(exprs, changed, ncolumns);	/* (ExecConstraints would plan them) */
		EvalPlanQualInit(&epq, w.estate, NULL, NIL, -1);
		AfterTriggerBeginQuery();
		/*
		 * As the statement updates it: the version the snapshot sees, unless
		 * another transaction changed it since (then waited for, found and
		 * locked in its newest version, its key compared again, and changed
		 * from that)
		 */
		if (FindRowByKey(rel, index, key_column, eq, key, w.estate->es_snapshot, old))
		{
			ChangedVersion(old, new, changed, ncolumns, change, arg);
			*found = UpdateFound(&w, old, new);
			if (!*found && LockRowByKey(rel, index, key_column, eq, key, w.estate->es_snapshot,
										LockTupleNoKeyExclusive, old))
			{
				ChangedVersion(old, new, changed, ncolumns, change, arg);
				WriterIndexes(&w, false);
				ExecSimpleRelationUpdate(w.rri, w.estate, &epq, old, new);
				*found = true;
			}
			/* (the key's hint follows the row to its new version: row_hint.c) */
			if (*found && eq == F_UUID_EQ && ItemPointerIsValid(&new->tts_tid))
				RowHintMoved(index, DatumGetUUIDP(key), &new->tts_tid);
		}
		AfterTriggerEndQuery(w.estate);
		EvalPlanQualEnd(&epq);
	}
	PG_FINALLY();
	{
		TableExprsDone(exprs);
	}
	PG_END_TRY();
	RowWriterEnd(&w);
	return true;
}

/*
 * Into new (a slot of old's table), the version of the row in old that
 * change() makes of it: the columns changed[0 .. ncolumns-1] take the
 * values it computes, the others stay.
 */
static void
ChangedVersion(TupleTableSlot *old, TupleTableSlot *new, const AttrNumber *changed, int ncolumns,
			   RowChange change, void *arg)
{
	int			natts = old->tts_tupleDescriptor->natts;
	Datum		values[FUNC_MAX_ARGS];
	bool		nulls[FUNC_MAX_ARGS];
	int			i;

	change(old, values, nulls, arg);
	ExecClearTuple(new);
	slot_getallattrs(old);
	memcpy(new->tts_values, old->tts_values, natts * sizeof(Datum));
	memcpy(new->tts_isnull, old->tts_isnull, natts * sizeof(bool));
	for (i = 0; i < ncolumns; i++)
	{
		new->tts_values[changed[i] - 1] = values[i];
		new->tts_isnull[changed[i] - 1] = nulls[i];
	}
	ExecStoreVirtualTuple(new);
	new->tts_tableOid = old->tts_tableOid;
}

/*
 * Write new over the version in old, found under the snapshot and not
 * locked, as the UPDATE statement writes it (ExecSimpleRelationUpdate, for a
 * table without BEFORE row triggers or generated columns, which RowUpdate
 * leaves to the statement): true when that version was still the newest;
 * false, having written nothing, when another transaction changed or
 * deleted it since (the caller then locks the newest one).  Its
 * constraints are checked once it is written: a failure ends the
 * transaction, and the version checked is the one the statement would
 * have checked.
 */
static bool
UpdateFound(RowWriter *w, TupleTableSlot *old, TupleTableSlot *new)
{
	Relation	rel = w->rri->ri_RelationDesc;
	TM_FailureData tmfd;
	LockTupleMode lockmode;
	bool		update_indexes;
	List	   *recheck = NIL;

	if (rel->rd_rel->relispartition)
		return false;			/* (its partition constraint: ExecSimpleRelationUpdate) */
	CheckCmdReplicaIdentity(rel, CMD_UPDATE);
	if (table_tuple_update(rel, &old->tts_tid, new, GetCurrentCommandId(true),
						   w->estate->es_snapshot, InvalidSnapshot, true, &tmfd, &lockmode,
						   &update_indexes) != TM_Ok)
		return false;
	if (rel->rd_att->constr)
		ExecConstraints(w->rri, new, w->estate);
	if (update_indexes)
		WriterIndexes(w, false);
	if (w->rri->ri_NumIndices > 0 && update_indexes)
		recheck = ExecInsertIndexTuples(w->rri, new, w->estate, true, false, NULL, NIL);
	ExecARUpdateTriggers(w->estate, w->rri, NULL, NULL, &old->tts_tid, NULL, new, recheck, NULL,
						 false);
	list_free(recheck);
	return true;
}

/*
 * Delete the row of rel (open, RowExclusiveLock) whose column key_column
 * (the first column of index, compared with eq) equals key, as a DELETE
 * statement deletes it: its statement triggers around it, the row's BEFORE
 * triggers (which may keep it), the heap tuple, the row's AFTER triggers
 * (foreign keys) with the statement's transition table.  read(row, arg)
 * sees the row deleted (as RETURNING).  *found says whether a row was
 * deleted.  false when the table is one a statement must write (see the
 * top of this file), having done nothing.
 */
bool
RowDelete(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq, Datum key,
		  RowRead read, void *arg, bool *found)
{
	TriggerDesc *t = rel->trigdesc;
	RowWriter	w;
	EPQState	epq;
	TupleTableSlot *old;
	TransitionCaptureState *capture;
	TM_FailureData tmfd;
	bool		before = t != NULL && t->trig_delete_before_row;
	bool		locked = false;

	*found = false;
	if (!StatementNeedsLess(rel, CMD_DELETE) || (t != NULL && t->trig_delete_instead_row))
		return false;

	CheckCmdReplicaIdentity(rel, CMD_DELETE);	/* (as the statement, before it deletes) */
	RowWriterBegin(&w, rel, NULL, 0);
	old = table_slot_create(rel, &w.estate->es_tupleTable);
	EvalPlanQualInit(&epq, w.estate, NULL, NIL, -1);
	AfterTriggerBeginQuery();
	capture = MakeTransitionCaptureState(t, RelationGetRelid(rel), CMD_DELETE);
	ExecBSDeleteTriggers(w.estate, w.rri);
	/*
	 * Without BEFORE row triggers, as the statement deletes it: the version
	 * the snapshot sees, unless another transaction changed it since (then,
	 * and with those triggers, waited for, found and locked in its newest
	 * version, its key compared again)
	 */
	if (before)
		locked = LockRowByKey(rel, index, key_column, eq, key, w.estate->es_snapshot,
							  LockTupleExclusive, old) &&
			ExecBRDeleteTriggers(w.estate, &epq, w.rri, &old->tts_tid, NULL, NULL);
	else if (FindRowByKey(rel, index, key_column, eq, key, w.estate->es_snapshot, old))
	{
		*found = table_tuple_delete(rel, &old->tts_tid, GetCurrentCommandId(true),
									w.estate->es_snapshot, InvalidSnapshot, true, &tmfd,
									false) == TM_Ok;
		locked = !*found && LockRowByKey(rel, index, key_column, eq, key, w.estate->es_snapshot,
										 LockTupleExclusive, old);
	}
	if (locked)
	{
		simple_table_tuple_delete(rel, &old->tts_tid, w.estate->es_snapshot);
		*found = true;
	}
	if (*found)
	{
		read(old, arg);
		ExecARDeleteTriggers(w.estate, w.rri, &old->tts_tid, NULL, capture, false);
	}
	ExecASDeleteTriggers(w.estate, w.rri, capture);
	AfterTriggerEndQuery(w.estate);
	EvalPlanQualEnd(&epq);
	RowWriterEnd(&w);
	return true;
}
