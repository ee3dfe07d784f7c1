/*
 * row_lock.c — a row found through an index by its key and locked as an
 * UPDATE, a DELETE or a foreign key's SELECT ... FOR KEY SHARE finds and
 * locks it (ExecLockRows): in READ COMMITTED its newest version, waited
 * for and its key compared again; in REPEATABLE READ and above, a change
 * committed since the snapshot is a serialization failure.  And whether
 * the running transaction wrote a row, and whether it existed before.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/transam.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "executor/tuptable.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "row_hint.h"
#include "row_lock.h"

/*
 * Find the row of rel whose indexed column equals key through index, under
 * snap, into slot (its hint first, for a uuid key); false when snap sees
 * none.
 */
bool
FindRowByKey(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq, Datum key,
			 Snapshot snap, TupleTableSlot *slot)
{
	Relation	idx;
	IndexScanDesc scan;
	ScanKeyData skey;
	bool		found;

	/* a uuid key's row where it was last found, if it still is (row_hint.c) */
	if (eq == F_UUID_EQ && RowHintFetch(rel, index, key_column, DatumGetUUIDP(key), snap, slot))
		return true;
	idx = index_open(index, AccessShareLock);
	ScanKeyInit(&skey, 1, BTEqualStrategyNumber, eq, key);
	Assert(idx->rd_index->indnatts >= 1 && idx->rd_index->indkey.values[0] == key_column);
	scan = index_beginscan(rel, idx, snap, 1, 0);
	index_rescan(scan, &skey, 1, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	if (found && eq == F_UUID_EQ && RowHintUsable(idx, key_column, snap))
		RowHintRemember(index, DatumGetUUIDP(key), &slot->tts_tid, slot);
	index_endscan(scan);
	index_close(idx, AccessShareLock);
	return found;
}

/*
 * Find the row of rel whose indexed column equals key through index, under
 * snap (FindRowByKey), and lock it in mode: for an update or a delete as the statement
 * locks it (in READ COMMITTED its newest version, waited for; above, a
 * concurrent change is a serialization failure), or FOR KEY SHARE as a
 * foreign key's check does (a row not locked then is false: PostgreSQL's
 * check decides).  true with the row in slot; false when there is none.
 */
bool
LockRowByKey(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq, Datum key,
			 Snapshot snap, LockTupleMode mode, TupleTableSlot *slot)
{
	bool		quiet = mode == LockTupleKeyShare;
	uint8		flags;
	TM_FailureData tmfd;
	TM_Result	result;

	if (!FindRowByKey(rel, index, key_column, eq, key, snap, slot))
		return false;
	/*
	 * (in READ COMMITTED the newest version; a FOR KEY SHARE lock, as
	 * ExecLockRows takes it, also locks the versions of an update under way
	 * or committed since, so that their delete waits for this transaction)
	 */
	flags = IsolationUsesXactSnapshot() ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION;
	if (quiet)
		flags |= TUPLE_LOCK_FLAG_LOCK_UPDATE_IN_PROGRESS;
	result = table_tuple_lock(rel, &slot->tts_tid, snap, slot, GetCurrentCommandId(false),
							  mode, LockWaitBlock, flags, &tmfd);
	switch (result)
	{
		case TM_Ok:
			if (tmfd.traversed)
			{
				/* a newer version: the statement's recheck of its WHERE (the key) */
				bool		isnull;
				Datum		now = slot_getattr(slot, key_column, &isnull);

				return !isnull && DatumGetBool(OidFunctionCall2(eq, now, key));
			}
			return true;
		case TM_SelfModified:
			return false;		/* (as the statement: nothing to update) */
		case TM_Deleted:
			if (IsolationUsesXactSnapshot() && !quiet)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent delete")));
			return false;		/* (as the statement: nothing to update) */
		case TM_Updated:
			if (quiet)
				return false;
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to concurrent update")));
			break;
		default:
			elog(ERROR, "unexpected table_tuple_lock status: %u", result);
	}
	return false;
}

/*
 * Has the running transaction written the row of rel whose indexed column
 * equals key, and did the row exist before it?  Every version of the row is
 * looked at (SnapshotAny): ROW_MADE_HERE when all of them were written by
 * this transaction (or its subtransactions still in progress), ROW_CHANGED_HERE
 * when one was and another was committed by another transaction before,
 * ROW_NOT_WRITTEN_HERE otherwise (no version of this transaction's: a
 * change rolled back to a savepoint is no longer this transaction's).
 */
RowAuthorship
RowWrittenHere(Relation rel, Oid index, AttrNumber key_column, RegProcedure eq, Datum key)
{
	Relation	idx = index_open(index, AccessShareLock);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	IndexScanDesc scan;
	ScanKeyData skey;
	bool		here = false;
	bool		before = false;

	ScanKeyInit(&skey, 1, BTEqualStrategyNumber, eq, key);
	Assert(idx->rd_index->indnatts >= 1 && idx->rd_index->indkey.values[0] == key_column);
	scan = index_beginscan(rel, idx, SnapshotAny, 1, 0);
	index_rescan(scan, &skey, 1, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		should_free;
		HeapTuple	tuple = ExecFetchSlotHeapTuple(slot, false, &should_free);
		TransactionId xmin = HeapTupleHeaderGetXmin(tuple->t_data);

		if (TransactionIdIsCurrentTransactionId(xmin))
			here = true;
		else if (TransactionIdDidCommit(xmin))
			before = true;
		if (should_free)
			heap_freetuple(tuple);
	}
	index_endscan(scan);
	index_close(idx, AccessShareLock);
	ExecDropSingleTupleTableSlot(slot);
	return !here ? ROW_NOT_WRITTEN_HERE : before ? ROW_CHANGED_HERE : ROW_MADE_HERE;
}

/*
 * A model table's row id, found by its primary key pkey on key_column,
 * locked FOR KEY SHARE as a foreign-key check locks it: false when it is
 * gone, deleted by a transaction that committed after it was read, which
 * this waited for.  A row not locked for another reason (REPEATABLE READ
 * behind a committed update) is left to the checks that follow.  The lock
 * is held to the end of the transaction.
 */
bool
ModelRowKeyShare(ModelRel table, ModelRel pkey, AttrNumber key_column, const pg_uuid_t *id)
{
	Relation	rel = ModelTableOpen(table, RowShareLock);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	Snapshot	snap = RegisterSnapshot(GetTransactionSnapshot());
	bool		there;

	there = LockRowByKey(rel, ModelRelId(pkey), key_column, F_UUID_EQ, UUIDPGetDatum(id), snap,
						 LockTupleKeyShare, slot);
	UnregisterSnapshot(snap);
	if (!there)
	{
		snap = RegisterSnapshot(GetLatestSnapshot());
		there = FindRowByKey(rel, ModelRelId(pkey), key_column, F_UUID_EQ, UUIDPGetDatum(id),
							 snap, slot);
		UnregisterSnapshot(snap);
	}
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, NoLock);	/* (held to the end of the transaction, as the check's) */
	return there;
}
