/*
 * audit_ids.c — the ids of sealed audit rows: taken from audit_log's
 * sequence once the chains are locked, so that they grow along each chain
 * (audit_ids.h); and, at a backend's first seal into a sequence (the first
 * after the extension was installed again, too) and whenever the sequence
 * went back since the backend's last seal, the sequence set forward past
 * the log's greatest id when a restore left it behind.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "catalog/pg_am.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "audit_ids.h"
#include "catalog.h"

/* the sequence this backend's first seal into it checked (InvalidOid: none) */
static Oid	sequence_checked = InvalidOid;

/* the last id this backend took from it (0: none yet) */
static int64 last_id_taken = 0;

/* max, or the id (column) of rel's row tup when greater (a NULL id is none). */
static int64
MaxWithId(int64 max, HeapTuple tup, Relation rel, AttrNumber column)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, column, RelationGetDescr(rel), &isnull);

	return isnull ? max : Max(max, DatumGetInt64(d));
}

/*
 * The greatest id in audit_log, 0 when it has none: each partition's last
 * entry of its index on id (a partition without one is scanned), read with
 * SnapshotSelf (committed rows and this transaction's; no predicate lock,
 * see ReadHeads in audit_seal.c).  The partitions' locks are released once
 * read, as a catalog look-up's are: held, they deadlocked a backend's first
 * seal waiting to write into the default partition with audit_retain, which
 * holds that partition and needs it exclusively to attach a month.
 */
static int64
LogMaxId(Oid log)
{
	List	   *parts = find_all_inheritors(log, AccessShareLock, NULL);
	ListCell   *lc;
	int64		max = 0;

	foreach(lc, parts)
	{
		Oid			relid = lfirst_oid(lc);
		Relation	rel;
		AttrNumber	column;
		Oid			index = InvalidOid;
		List	   *indexes;
		ListCell   *ic;
		HeapTuple	tup;

		if (get_rel_relkind(relid) != RELKIND_RELATION)
		{
			/* (the list's first, audit_log itself, is not locked by it) */
			if (relid != log)
				UnlockRelationOid(relid, AccessShareLock);
			continue;
		}
		rel = table_open(relid, AccessShareLock);
		column = ColumnOfType(RelationGetDescr(rel), "id", INT8OID);
		if (column == InvalidAttrNumber)
			elog(ERROR, "column id of %s is missing", RelationGetRelationName(rel));
		indexes = RelationGetIndexList(rel);
		foreach(ic, indexes)
		{
			Relation	irel = index_open(lfirst_oid(ic), AccessShareLock);

			if (irel->rd_rel->relam == BTREE_AM_OID && irel->rd_index->indisvalid &&
				irel->rd_index->indkey.values[0] == column &&
				(irel->rd_indoption[0] & INDOPTION_DESC) == 0 &&
				RelationGetIndexPredicate(irel) == NIL)
				index = RelationGetRelid(irel);
			index_close(irel, AccessShareLock);
			if (OidIsValid(index))
				break;
		}
		if (OidIsValid(index))
		{
			Relation	irel = index_open(index, AccessShareLock);
			SysScanDesc scan = systable_beginscan_ordered(rel, irel, SnapshotSelf, 0, NULL);

			if ((tup = systable_getnext_ordered(scan, BackwardScanDirection)) != NULL)
				max = MaxWithId(max, tup, rel, column);
			systable_endscan_ordered(scan);
			index_close(irel, AccessShareLock);
		}
		else
		{
			TableScanDesc scan = table_beginscan(rel, SnapshotSelf, 0, NULL);

			while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
				max = MaxWithId(max, tup, rel, column);
			table_endscan(scan);
		}
		/* (both locks, this one's and find_all_inheritors': see above) */
		table_close(rel, AccessShareLock);
		UnlockRelationOid(relid, AccessShareLock);
	}
	return max;
}

/*
 * The value seq would give next (its last value, plus one when it was
 * given), read from its one tuple under a share lock of its buffer, the
 * relation in AccessShareLock as a SELECT from it would take: not
 * pg_sequence_last_value, whose RowExclusiveLock, held to the end of the
 * transaction, made two first seals wait for each other's ExclusiveLock on
 * the sequence.
 */
static int64
SequenceNext(Oid seq)
{
	Relation	rel = relation_open(seq, AccessShareLock);
	Buffer		buf = ReadBuffer(rel, 0);
	Page		page;
	HeapTupleHeader tuple;
	Form_pg_sequence_data data;
	int64		next;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	tuple = (HeapTupleHeader) PageGetItem(page, PageGetItemId(page, FirstOffsetNumber));
	data = (Form_pg_sequence_data) ((char *) tuple + tuple->t_hoff);
	next = data->is_called ? data->last_value + 1 : data->last_value;
	UnlockReleaseBuffer(buf);
	relation_close(rel, NoLock);
	return next;
}

/*
 * Set seq past every id in log when it is behind.  It is when a plain
 * restore (one COPY per table, the sequence's value last) has audited the
 * model rows it restores: those rows then took ids from a fresh sequence,
 * and the sequence was set back afterwards.  Only when the log holds the id
 * the sequence would give next, and then again in ExclusiveLock on the
 * sequence, which every nextval's RowExclusiveLock conflicts with: no id is
 * taken between that read and the setval, and every id taken before is
 * below the sequence's next value, so the sequence only ever moves forward
 * (two backends' first seals at once had set it back past ids the other had
 * just taken: duplicate ids).  A sequence that is not behind is not locked.
 */
static void
SequencePastLog(Oid log, Oid seq)
{
	if (LogMaxId(log) >= SequenceNext(seq))
	{
		int64		m;

		LockRelationOid(seq, ExclusiveLock);
		m = LogMaxId(log);
		if (m >= SequenceNext(seq))
			DirectFunctionCall2(setval_oid, ObjectIdGetDatum(seq), Int64GetDatum(m));
		UnlockRelationOid(seq, ExclusiveLock);
	}
}

/* See audit_ids.h. */
Datum *
AuditNextIds(Oid log, Oid seq, int64 rows, int64 heads_last_id)
{
	Datum	   *ids = palloc(rows * sizeof(Datum));
	int64		i;

	/*
	 * The sequence is checked at a backend's first seal into it (a session
	 * that stayed connected while the extension was dropped, created and
	 * restored into has a new sequence to check), and again when it gives
	 * an id not above the last this backend took, or not above the last id
	 * of a chain being sealed: it was set back since, as a restore's own
	 * session sets it back after sealing the rows it restored, or another
	 * session did (the ids taken then are not used).
	 */
	if (sequence_checked != seq)
	{
		SequencePastLog(log, seq);
		sequence_checked = seq;
		last_id_taken = 0;
	}
	for (i = 0; i < rows; i++)
		ids[i] = Int64GetDatum(nextval_internal(seq, false));
	if (rows > 0 && DatumGetInt64(ids[0]) <= Max(last_id_taken, heads_last_id))
	{
		SequencePastLog(log, seq);
		for (i = 0; i < rows; i++)
			ids[i] = Int64GetDatum(nextval_internal(seq, false));
	}
	if (rows > 0)
		last_id_taken = DatumGetInt64(ids[rows - 1]);
	return ids;
}
