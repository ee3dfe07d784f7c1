/*
 * row_hint.c — where a row was last found by its unique uuid key: a hint
 * that lets the next look-up of the same key skip the index.
 *
 * The look-ups by primary key of catalog.c and row_lock.c (a principal, a
 * resource, a link, a workspace; a foreign key's referenced row) often ask
 * again for a row found a moment before: the share's resource and grantee
 * by the share, then by its foreign keys, then by its notification's.  A
 * hint remembers, per unique index and key, the row's place (its TID).  It
 * is taken only when the row there is, under the look-up's snapshot, the one
 * the index scan would return: a unique, not deferrable, single-column
 * index without predicate on the key column (recorded with the hint), an
 * MVCC snapshot
 * (under which at most one version of a unique key is visible), the tuple
 * at that place visible under it and holding that key.  Anything else
 * (the row updated or deleted since, the page pruned, the table truncated,
 * SERIALIZABLE, whose index scans also lock the key's range) goes through
 * the index as before.  An update row_write.c makes moves the hint to the
 * row's new version.  A hint also keeps the shared buffer its page was last
 * read into: while that buffer still holds the page, the page is known to
 * lie within the table without asking the kernel for its length (see
 * WithinTable).  The hints are a fixed array in backend memory, keyed
 * by the uuid hash, two to a set (a key whose hash meets another's in its
 * set does not evict it: the hash key is drawn per backend, so such
 * meetings come and go by chance); nothing needs invalidating.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "maps.h"
#include "row_hint.h"
#include "uuid_hash.h"

#define ROW_HINTS	1024		/* a power of two */

typedef struct RowHint
{
	Oid			index;			/* InvalidOid: empty */
	pg_uuid_t	key;
	ItemPointerData tid;
	Buffer		buffer;			/* where tid's page was last read, or InvalidBuffer */
} RowHint;

static RowHint row_hints[ROW_HINTS];

/* The set of two hints where key's (through index) may be. */
static RowHint *
HintSet(Oid index, const pg_uuid_t *key)
{
	return &row_hints[((uuid_hash_with_key(uuid_hash_key, key) ^ index) & (ROW_HINTS / 2 - 1)) * 2];
}

/* key's hint (through index), or NULL. */
static RowHint *
HintOf(Oid index, const pg_uuid_t *key)
{
	RowHint    *set = HintSet(index, key);
	int			i;

	for (i = 0; i < 2; i++)
		if (set[i].index == index && uuid_equal(&set[i].key, key))
			return &set[i];
	return NULL;
}

/*
 * Whether index (open) is a plain unique btree on column alone: not
 * deferrable (a deferred check lets two rows hold one key until the
 * commit), valid, without expression or predicate.  Then one row at most
 * holds a key under an MVCC snapshot.
 */
bool
IndexIsUniqueKey(Relation index, AttrNumber column)
{
	Form_pg_index ind = index->rd_index;

	return ind->indisunique && ind->indimmediate && ind->indisvalid && ind->indnkeyatts == 1 &&
		ind->indkey.values[0] == column && index->rd_rel->relam == BTREE_AM_OID &&
		heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL);
}

/*
 * Whether a look-up through index (open) of its uuid column key_column
 * under snap may use and leave hints: IndexIsUniqueKey, an MVCC snapshot,
 * not SERIALIZABLE.
 */
bool
RowHintUsable(Relation index, AttrNumber key_column, Snapshot snap)
{
	return snap != NULL && IsMVCCSnapshot(snap) && !IsolationIsSerializable() &&
		IndexIsUniqueKey(index, key_column) && index->rd_opcintype[0] == UUIDOID;
}

/* Is there a hint for key's row through index (to be checked by RowHintFetch)? */
bool
RowHintHas(Oid index, const pg_uuid_t *key)
{
	return HintOf(index, key) != NULL;
}

/*
 * The shared buffer holding the page of the row in slot (pinned there), or
 * InvalidBuffer: a slot of another kind, or a table in local buffers.
 */
static Buffer
SlotSharedBuffer(TupleTableSlot *slot)
{
	Buffer		buffer;

	if (slot == NULL || !TTS_IS_BUFFERTUPLE(slot))
		return InvalidBuffer;
	buffer = ((BufferHeapTupleTableSlot *) slot)->buffer;
	return BufferIsValid(buffer) && !BufferIsLocal(buffer) ? buffer : InvalidBuffer;
}

/*
 * key's row, found through index, moved to tid (an update wrote its new
 * version there): its hint, if it has one, follows it (and keeps its
 * buffer when the new version is on the same page, as a HOT update's is).
 */
void
RowHintMoved(Oid index, const pg_uuid_t *key, ItemPointer tid)
{
	RowHint    *h = HintOf(index, key);

	if (h == NULL)
		return;
	if (ItemPointerGetBlockNumber(&h->tid) != ItemPointerGetBlockNumber(tid))
		h->buffer = InvalidBuffer;
	h->tid = *tid;
}

/*
 * Remember tid as the place of key's row, found through index
 * (RowHintUsable), with the buffer of slot when it holds that row (slot
 * may be NULL): first in its set, the other hint there the one last
 * remembered before.
 */
void
RowHintRemember(Oid index, const pg_uuid_t *key, ItemPointer tid, TupleTableSlot *slot)
{
	RowHint    *h = HintOf(index, key);

	if (h == NULL)
	{
		RowHint    *set = HintSet(index, key);

		set[1] = set[0];
		h = &set[0];
	}
	h->index = index;
	h->key = *key;
	h->tid = *tid;
	h->buffer = SlotSharedBuffer(slot);
}

/*
 * Whether rel is a heap whose key_column is a uuid, the rows a hint may
 * name.
 */
static bool
HintedTable(Relation rel, AttrNumber key_column)
{
	return rel->rd_rel->relam == HEAP_TABLE_AM_OID &&
		TupleDescAttr(RelationGetDescr(rel), key_column - 1)->atttypid == UUIDOID;
}

/*
 * Into slot (a slot of rel), the version at tid if snap sees it and it
 * holds key in key_column; else false, with slot empty.  tid lies within
 * the table (the caller checked).
 */
static bool
KeyRowAt(Relation rel, ItemPointer tid, AttrNumber key_column, const pg_uuid_t *key,
		 Snapshot snap, TupleTableSlot *slot)
{
	bool		isnull;
	Datum		found;

	if (!table_tuple_fetch_row_version(rel, tid, snap, slot))
		return false;			/* not visible: changed, deleted or pruned since */
	found = slot_getattr(slot, key_column, &isnull);
	if (isnull || !uuid_equal(DatumGetUUIDP(found), key))
	{
		ExecClearTuple(slot);
		return false;			/* the place now holds another row */
	}
	return true;
}

/*
 * Whether h's place lies within rel (a place past its end: truncated
 * since), rel open and locked by the caller.  A shared buffer that still
 * holds the page, valid, proves it: a truncation takes an access exclusive
 * lock, which the caller's lock keeps out until it ends, and drops the
 * buffers of the pages it cuts off before it cuts them, and a page past the
 * end is never read into a valid buffer (but with zero_damaged_pages on,
 * which reads it as an empty page: no row is found there, and the index is
 * asked).  Else the table's length, from the kernel (an lseek).
 */
static bool
WithinTable(Relation rel, RowHint *h)
{
	BlockNumber block = ItemPointerGetBlockNumber(&h->tid);

	if (BufferIsValid(h->buffer) && !RelationUsesLocalBuffers(rel) &&
		ReadRecentBuffer(rel->rd_node, MAIN_FORKNUM, block, h->buffer))
	{
		ReleaseBuffer(h->buffer);
		return true;
	}
	h->buffer = InvalidBuffer;
	return block < RelationGetNumberOfBlocks(rel);
}

/*
 * The row of rel (a heap) whose key_column equals key, by the hint of index
 * (checked usable when remembered), under snap, into slot (a slot of rel):
 * false, with slot empty, when there is no hint that holds, and the caller
 * goes through the index.
 */
bool
RowHintFetch(Relation rel, Oid index, AttrNumber key_column, const pg_uuid_t *key, Snapshot snap,
			 TupleTableSlot *slot)
{
	RowHint    *h = HintOf(index, key);

	if (h == NULL || snap == NULL || !IsMVCCSnapshot(snap) || IsolationIsSerializable() ||
		!HintedTable(rel, key_column) || !WithinTable(rel, h) ||
		!KeyRowAt(rel, &h->tid, key_column, key, snap, slot))
		return false;
	h->buffer = SlotSharedBuffer(slot);
	return true;
}

/*
 * The place of the newest version snap sees along the update chain that
 * starts at *tid (a place within rel), into *tid: false, *tid as it was,
 * when the chain breaks (a version pruned, its place reused) before one is
 * seen.  PostgreSQL's heap_get_latest_tid, without the scan that it takes
 * its relation and snapshot from (whose start asks the kernel for the
 * table's length); like it, it takes the update links for valid.
 */
static bool
NewestVersion(Relation rel, ItemPointer tid, Snapshot snap)
{
	ItemPointerData ctid = *tid;
	TransactionId prior_xmax = InvalidTransactionId;
	bool		found = false;

	for (;;)
	{
		Buffer		buffer = ReadBuffer(rel, ItemPointerGetBlockNumber(&ctid));
		OffsetNumber offnum = ItemPointerGetOffsetNumber(&ctid);
		Page		page;
		ItemId		lp;
		HeapTupleData tp;
		bool		last;

		LockBuffer(buffer, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buffer);
		if (offnum < FirstOffsetNumber || offnum > PageGetMaxOffsetNumber(page) ||
			!ItemIdIsNormal(lp = PageGetItemId(page, offnum)))
		{
			UnlockReleaseBuffer(buffer);
			break;
		}
		tp.t_self = ctid;
		tp.t_tableOid = RelationGetRelid(rel);
		tp.t_data = (HeapTupleHeader) PageGetItem(page, lp);
		tp.t_len = ItemIdGetLength(lp);
		/* (a place reused by another row: the chain is broken there) */
		if (TransactionIdIsValid(prior_xmax) &&
			!TransactionIdEquals(prior_xmax, HeapTupleHeaderGetXmin(tp.t_data)))
		{
			UnlockReleaseBuffer(buffer);
			break;
		}
		if (HeapTupleSatisfiesVisibility(&tp, snap, buffer))
		{
			*tid = ctid;
			found = true;
		}
		last = (tp.t_data->t_infomask & HEAP_XMAX_INVALID) ||
			HeapTupleHeaderIsOnlyLocked(tp.t_data) ||
			HeapTupleHeaderIndicatesMovedPartitions(tp.t_data) ||
			ItemPointerEquals(&tp.t_self, &tp.t_data->t_ctid);
		if (!last)
		{
			ctid = tp.t_data->t_ctid;
			prior_xmax = HeapTupleHeaderGetUpdateXid(tp.t_data);
		}
		UnlockReleaseBuffer(buffer);
		if (last)
			break;
	}
	return found;
}

/*
 * The newest version of key's row (key_column, the key of the unique index
 * index) as SnapshotSelf sees it (committed versions and this
 * transaction's: at most one of them visible), from the place its hint
 * remembers: the version there, or when that was updated since, the end
 * of its update chain (NewestVersion).  A copy,
 * and the hint moved to it; NULL when key has no hint or it leads to no
 * visible version of key (the caller goes through the index, and
 * remembers).  For a row that whoever holds a lock the caller holds
 * updates at every commit (an audit chain's head): an index scan walks its
 * whole chain of HOT versions from the first, this from the last one seen.
 */
HeapTuple
RowHintFetchLatest(Relation rel, Oid index, AttrNumber key_column, const pg_uuid_t *key)
{
	RowHint    *h = HintOf(index, key);
	ItemPointerData tid;
	TupleTableSlot *slot;
	Buffer		buffer;
	bool		found;
	HeapTuple	latest = NULL;

	if (h == NULL || !HintedTable(rel, key_column) || !WithinTable(rel, h))
		return NULL;
	tid = h->tid;
	/* (as an index scan's fetch does: else nothing prunes the dead versions) */
	buffer = ReadBuffer(rel, ItemPointerGetBlockNumber(&tid));
	heap_page_prune_opt(rel, buffer);
	ReleaseBuffer(buffer);
	slot = table_slot_create(rel, NULL);
	/* the version seen last, when nobody has updated it since, is the latest */
	found = KeyRowAt(rel, &tid, key_column, key, SnapshotSelf, slot);
	if (!found && NewestVersion(rel, &tid, SnapshotSelf))
		found = KeyRowAt(rel, &tid, key_column, key, SnapshotSelf, slot);
	if (found)
	{
		latest = ExecCopySlotHeapTuple(slot);
		h->tid = tid;
		h->buffer = SlotSharedBuffer(slot);
	}
	ExecDropSingleTupleTableSlot(slot);
	return latest;
}
