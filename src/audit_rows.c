/*
 * audit_rows.c — the seal's writes below the executor: a sealed row into
 * its partition of share_acl.audit_log, and a chain's new head into
 * share_acl.audit_chain, by heap and index inserts instead of an INSERT and
 * an UPDATE statement (each of which would cost a commit as much as the
 * rest of the seal).
 *
 * Only where the tables are as the extension made them: nothing that an
 * INSERT or UPDATE statement would run is there (no trigger on the event, no
 * rule, no CHECK constraint, no generated column, no forced row security),
 * the indexes are plain (no expression, predicate, exclusion or deferred
 * uniqueness), the columns are in their places, and audit_log is
 * partitioned by range of at alone, with no partition being detached.
 * Otherwise these return false before writing anything, and the seal
 * writes with SQL as before, so an administrator's trigger or CHECK on the
 * log keeps working.  A row goes to the partition the executor would route
 * it to (the same search of the same bounds).
 *
 * The seal holds its chain's lock, so no other seal moves the head in
 * between; a statement may still change the row (audit_retain sets a
 * chain's anchor), and the head is then moved on the row's newest version,
 * whatever the isolation level: the row is the trail's bookkeeping, read
 * and written with the latest snapshot by design (the UPDATE statement
 * would fail a REPEATABLE READ transaction there).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "nodes/execnodes.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "audit_rows.h"
#include "catalog.h"
#include "row_hint.h"

/* audit_log's columns, in the order of AuditLogWrite's values */
static const char *const log_columns[AUDIT_LOG_COLUMNS] = {
	"id", "at", "workspace_id", "actor_id", "db_role", "action", "object_type", "object_id",
	"old", "new", "link_id", "viewer_email", "hash"
};
static const Oid log_types[AUDIT_LOG_COLUMNS] = {
	INT8OID, TIMESTAMPTZOID, UUIDOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID, UUIDOID, JSONBOID,
	JSONBOID, UUIDOID, TEXTOID, BYTEAOID
};

/*
 * The partition of audit_log whose columns AuditLogOpen last found in their
 * places; forgotten at any change of pg_class or pg_attribute (a column
 * renamed, retyped, dropped or added sends one), so that a seal reads the
 * names again only after such a change.
 */
static Oid	columns_checked = InvalidOid;

static void
ColumnsCheckedForget(Datum arg, int cacheid, uint32 hashvalue)
{
	columns_checked = InvalidOid;
}

/* Register the invalidation callbacks; called once from _PG_init (by AuditInit). */
void
AuditRowsInit(void)
{
	CacheRegisterSyscacheCallback(RELOID, ColumnsCheckedForget, (Datum) 0);
	CacheRegisterSyscacheCallback(ATTNUM, ColumnsCheckedForget, (Datum) 0);
}

/* Would a statement of this event (CMD_INSERT or CMD_UPDATE) on rel run more than its write? */
static bool
StatementWouldDoMore(Relation rel, CmdType event)
{
	TriggerDesc *t = rel->trigdesc;
	TupleConstr *constr = RelationGetDescr(rel)->constr;

	if (rel->rd_rel->relhasrules || rel->rd_rel->relforcerowsecurity)
		return true;
	/* a heap of its own (not a foreign table, another access method, a view) */
	if (rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE &&
		(rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relam != HEAP_TABLE_AM_OID))
		return true;
	if (constr != NULL && (constr->num_check > 0 || constr->has_generated_stored))
		return true;
	if (t == NULL)
		return false;
	if (event == CMD_INSERT)
		return t->trig_insert_before_row || t->trig_insert_after_row ||
			t->trig_insert_instead_row || t->trig_insert_before_statement ||
			t->trig_insert_after_statement || t->trig_insert_new_table;
	return t->trig_update_before_row || t->trig_update_after_row || t->trig_update_instead_row ||
		t->trig_update_before_statement || t->trig_update_after_statement ||
		t->trig_update_old_table || t->trig_update_new_table;
}

/* The indexes of rel, opened, when every one of them is plain (see the top); else NULL. */
static CatalogIndexState
OpenPlainIndexes(Relation rel)
{
	CatalogIndexState indstate = CatalogOpenIndexes(rel);
	int			i;

	for (i = 0; i < indstate->ri_NumIndices; i++)
	{
		IndexInfo  *info = indstate->ri_IndexRelationInfo[i];
		Relation	index = indstate->ri_IndexRelationDescs[i];

		if (info->ii_Expressions != NIL || info->ii_Predicate != NIL ||
			info->ii_ExclusionOps != NULL || !index->rd_index->indimmediate)
		{
			CatalogCloseIndexes(indstate);
			return NULL;
		}
	}
	return indstate;
}

/* The index entries of tup, just written into rel (as CatalogTupleInsert makes them; none for a heap-only tuple). */
static void
InsertIndexEntries(Relation rel, CatalogIndexState indstate, HeapTuple tup)
{
	TupleTableSlot *slot;
	int			i;

	if (indstate->ri_NumIndices == 0 || HeapTupleIsHeapOnly(tup))
		return;
	slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsHeapTuple);
	ExecStoreHeapTuple(tup, slot, false);
	for (i = 0; i < indstate->ri_NumIndices; i++)
	{
		IndexInfo  *info = indstate->ri_IndexRelationInfo[i];
		Relation	index = indstate->ri_IndexRelationDescs[i];
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];

		if (!info->ii_ReadyForInserts)
			continue;
		FormIndexDatum(info, slot, NULL, values, isnull);
		index_insert(index, values, isnull, &tup->t_self, rel,
					 index->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
					 false, info);
	}
	ExecDropSingleTupleTableSlot(slot);
}

/*
 * The OID of the partition of audit_log (log, open) that a row whose at is
 * at goes to, by its partition descriptor as it is now; InvalidOid when the
 * routing is not the plain one of the top of this file.
 */
static Oid
PartitionOidFor(Relation log, Datum at)
{
	PartitionKey key = RelationGetPartitionKey(log);
	PartitionDesc pd = RelationGetPartitionDesc(log, true);
	PartitionBoundInfo bounds;
	bool		equal;
	int			offset,
				part;

	if (key == NULL || key->strategy != PARTITION_STRATEGY_RANGE || key->partnatts != 1 ||
		key->partattrs[0] != ColumnOfType(RelationGetDescr(log), "at", TIMESTAMPTZOID) ||
		key->parttypid[0] != TIMESTAMPTZOID || pd == NULL || pd->nparts == 0 || pd->detached_exist)
		return InvalidOid;
	bounds = pd->boundinfo;
	offset = partition_range_datum_bsearch(key->partsupfunc, key->partcollation, bounds, 1, &at,
										   &equal);
	part = bounds->indexes[offset + 1];
	if (part < 0)
		part = bounds->default_index;
	if (part < 0 || !pd->is_leaf[part])
		return InvalidOid;		/* (the statement raises "no partition") */
	return pd->oids[part];
}

/*
 * The partition of audit_log (log, open) that a row whose at is at goes to,
 * opened and locked as the executor's routing would; NULL when the routing
 * is not the plain one of the top of this file.  The routing is read again
 * once the partition is locked: audit_retain attaches a month's partition
 * while it holds the default one, and a seal that waited for it must go to
 * the new partition, not to the default one it chose before.
 */
static Relation
PartitionFor(Relation log, Datum at)
{
	for (;;)
	{
		Oid			part = PartitionOidFor(log, at);
		Relation	rel;

		if (!OidIsValid(part))
			return NULL;
		rel = table_open(part, RowExclusiveLock);	/* (takes in invalidations) */
		if (PartitionOidFor(log, at) == part)
			return rel;
		table_close(rel, NoLock);
	}
}

/*
 * Lock the partition of audit_log (log_rel) for rows whose at is at, until
 * the end of the transaction, before a statement writes rows there: its
 * routing, made when it starts, then knows a partition that audit_retain
 * attached while the seal waited for the default one (without the lock
 * first, the statement routed to the default partition and failed on its
 * constraint).
 */
void
AuditLogLockPartition(Oid log_rel, TimestampTz at)
{
	Relation	log = table_open(log_rel, RowExclusiveLock);

	if (log->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		Relation	part = PartitionFor(log, TimestampTzGetDatum(at));

		if (part != NULL)
			table_close(part, NoLock);
	}
	table_close(log, NoLock);
}

/* The partition of audit_log the seal's rows go to, opened with its indexes. */
struct AuditLogWriter
{
	Relation	log;
	Relation	target;			/* the partition (or log itself, not partitioned) */
	CatalogIndexState indstate;
};

/*
 * Open audit_log (log_rel) for rows whose at is at: its partition for that
 * time and the partition's indexes; NULL, having opened nothing, when the
 * tables are not as the top of this file says.
 */
AuditLogWriter *
AuditLogOpen(Oid log_rel, TimestampTz at)
{
	Relation	log = table_open(log_rel, RowExclusiveLock);
	Relation	target = log;
	TupleDesc	desc;
	CatalogIndexState indstate;
	AuditLogWriter *w;
	int			i;

	if (StatementWouldDoMore(log, CMD_INSERT))
		goto fail;
	if (log->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		target = PartitionFor(log, TimestampTzGetDatum(at));
		if (target == NULL)
		{
			target = log;
			goto fail;
		}
		if (StatementWouldDoMore(target, CMD_INSERT))
			goto fail;
	}
	else if (log->rd_rel->relkind != RELKIND_RELATION)
		goto fail;

	/* the columns in their places (the partition's tables are open: invalidations are in) */
	desc = RelationGetDescr(target);
	if (RelationGetRelid(target) != columns_checked)
	{
		if (desc->natts != AUDIT_LOG_COLUMNS)
			goto fail;
		for (i = 0; i < AUDIT_LOG_COLUMNS; i++)
			if (ColumnOfType(desc, log_columns[i], log_types[i]) != i + 1)
				goto fail;
		columns_checked = RelationGetRelid(target);
	}
	indstate = OpenPlainIndexes(target);
	if (indstate == NULL)
		goto fail;
	w = palloc(sizeof(AuditLogWriter));
	w->log = log;
	w->target = target;
	w->indstate = indstate;
	return w;

fail:
	if (target != log)
		table_close(target, NoLock);
	table_close(log, NoLock);
	return NULL;
}

/*
 * Write one sealed row (values and nulls in the order of log_columns, its at
 * the one the writer was opened for); false, having written nothing, when a
 * NOT NULL column would be null (the statement raises).
 */
bool
AuditLogWrite(AuditLogWriter *w, const Datum *values, const bool *nulls)
{
	TupleDesc	desc = RelationGetDescr(w->target);
	HeapTuple	tup;
	int			i;

	for (i = 0; i < AUDIT_LOG_COLUMNS; i++)
		if (nulls[i] && TupleDescAttr(desc, i)->attnotnull)
			return false;
	tup = heap_form_tuple(desc, (Datum *) values, (bool *) nulls);
	simple_heap_insert(w->target, tup);
	InsertIndexEntries(w->target, w->indstate, tup);
	heap_freetuple(tup);
	return true;
}

void
AuditLogClose(AuditLogWriter *w)
{
	CatalogCloseIndexes(w->indstate);
	if (w->target != w->log)
		table_close(w->target, NoLock);
	table_close(w->log, NoLock);
	pfree(w);
}

/*
 * Move the head of chain to (last_id, at, hash) in audit_chain (chain_rel,
 * its primary key pkey on workspace_id), on known (the row as the caller
 * read it with the latest snapshot; NULL: read it here) or its newest
 * version; false, having written nothing, when the table is not as the top
 * of this file says or the chain has no row.  The caller holds the chain's
 * lock.
 */
bool
AuditHeadMove(Oid chain_rel, Oid pkey, Datum chain, HeapTuple known, int64 last_id,
			  TimestampTz at, Datum hash)
{
	Relation	rel = table_open(chain_rel, RowExclusiveLock);
	TupleDesc	desc = RelationGetDescr(rel);
	AttrNumber	key = ColumnOfType(desc, "workspace_id", UUIDOID);
	AttrNumber	columns[3] = {ColumnOfType(desc, "last_id", INT8OID),
	ColumnOfType(desc, "last_at", TIMESTAMPTZOID), ColumnOfType(desc, "last_hash", BYTEAOID)};
	CatalogIndexState indstate = NULL;
	Datum	   *values;
	bool	   *nulls;
	bool	   *replace;
	bool		moved = false;
	bool		left_to_update = false;
	int			attempt;

	if (key == 0 || columns[0] == 0 || columns[1] == 0 || columns[2] == 0 ||
		StatementWouldDoMore(rel, CMD_UPDATE) || (indstate = OpenPlainIndexes(rel)) == NULL)
	{
		table_close(rel, NoLock);
		return false;
	}
	values = palloc0(desc->natts * sizeof(Datum));
	nulls = palloc0(desc->natts * sizeof(bool));
	replace = palloc0(desc->natts * sizeof(bool));
	values[columns[0] - 1] = Int64GetDatum(last_id);
	values[columns[1] - 1] = TimestampTzGetDatum(at);
	values[columns[2] - 1] = hash;
	replace[columns[0] - 1] = replace[columns[1] - 1] = replace[columns[2] - 1] = true;

	/* the row's newest version, again after a statement updated it meanwhile */
	for (attempt = 0; attempt < 100 && !moved && !left_to_update; attempt++)
	{
		ScanKeyData skey;
		SysScanDesc scan;
		HeapTuple	found;
		HeapTuple	newtup;
		TM_FailureData tmfd;
		LockTupleMode lockmode;
		TM_Result	result;

		if (attempt == 0 && known != NULL)
			found = known;
		else
		{
			/* (SnapshotSelf, as the seal's ReadHeads: no predicate lock) */
			ScanKeyInit(&skey, key, BTEqualStrategyNumber, F_UUID_EQ, chain);
			scan = systable_beginscan(rel, pkey, true, SnapshotSelf, 1, &skey);
			found = systable_getnext(scan);
			found = found ? heap_copytuple(found) : NULL;
			systable_endscan(scan);
		}
		if (found == NULL)
			break;				/* (the statement finds no row, and says so) */
		newtup = heap_modify_tuple(found, desc, values, nulls, replace);
		result = heap_update(rel, &found->t_self, newtup, GetCurrentCommandId(true),
							 InvalidSnapshot, true, &tmfd, &lockmode);
		switch (result)
		{
			case TM_Ok:
				InsertIndexEntries(rel, indstate, newtup);
				/* (the next seal's ReadHeads starts from the new version) */
				RowHintMoved(pkey, DatumGetUUIDP(chain), &newtup->t_self);
				moved = true;
				break;
			case TM_Updated:
			case TM_Deleted:
				break;			/* committed meanwhile: read the row again */
			case TM_SelfModified:
				left_to_update = true;	/* changed by this command: the UPDATE re-reads it */
				break;
			default:
				elog(ERROR, "could not move the head of the audit chain (%d)", (int) result);
		}
	}
	CatalogCloseIndexes(indstate);
	table_close(rel, NoLock);
	if (!moved && !left_to_update && attempt == 100)
		elog(ERROR, "could not move the head of the audit chain: its row keeps changing");
	return moved;
}
