/*
 * change_log.c — share_acl.change_log: written by triggers on resource and
 * collection_item, read by each backend to bring its structure up to date.
 *
 * An entry (txid, kind, id) says "transaction txid changed what the cache of
 * this kind keeps under this id": for the structure (kind 'r') a resource or
 * the collections holding it, for the principal store (kind 'p') a
 * principal's row, roles, direct teams or the shares granted to it.  The
 * reader reads what it keeps under that id again.  An entry without an id
 * says "reload everything of this kind" (TRUNCATE, a change of resource ids,
 * a statement changing more rows than deltas are worth); one with
 * deleted_through (kind '-', written by the table's DELETE trigger, one per
 * kind deleted) says "entries of kind deleted_kind of transactions up to this
 * one were deleted": a reader of that kind whose position had not seen them
 * all reloads, the others read on (the prune deletes the old entries of
 * every kind: a structure image must not become useless because principals
 * changed).
 *
 * Which entries a backend has applied is a snapshot (ChangeLogPosition): the
 * entries of every transaction that snapshot saw as finished.  The next read
 * takes those of the transactions it listed as running, and of every later
 * one: a few index probes and one range scan of the newest entries, however
 * long another transaction holds the xmin horizon back, for entries of its
 * kind and for the markers of deleted ones; none when no such transaction
 * wrote an entry of the kind, and none for markers when none left one
 * (change_log_writers.c, with the library preloaded).  The running
 * transaction's own entries come from memory (the ids it logged, with their
 * commands), so that a transaction checking after each of many uploads does
 * not scan all its earlier entries at each check.  Entries are written
 * as the owner of the log (no role needs rights on it), at most a bounded
 * number per statement, and old ones are pruned now and then by a writer,
 * one at a time (no writer waits for another).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/parallel.h"
#include "access/transam.h"
#include "access/xlog.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/pg_prng.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"
#include "utils/xid8.h"

#include "catalog.h"
#include "change_log.h"
#include "change_log_writers.h"
#include "kept_plan.h"
#include "row_write.h"
#include "invalidation.h"

static const char change_kind_codes[CHANGE_KINDS] = {'r', 'p', 'w'};

/* The kind of the marker the table's DELETE trigger leaves (deleted_through set). */
#define CHANGE_LOG_MARKER	'-'

/* The kind whose code is c, in *kind; false for no kind. */
static bool
ChangeKindOf(char c, ChangeKind *kind)
{
	int			k;

	for (k = 0; k < CHANGE_KINDS; k++)
		if (change_kind_codes[k] == c)
		{
			*kind = (ChangeKind) k;
			return true;
		}
	return false;
}

/* A statement changing more rows than this logs one reload entry instead. */
#define CHANGE_LOG_MAX_PER_STATEMENT	10000

/*
 * Entries of the last this many transactions are kept; one write in 256,
 * one after a backend has written CHANGE_LOG_PRUNE_AFTER entries since it
 * last pruned, and every write while the last prune left old entries
 * behind, prunes older ones (see PruneOldEntries).
 */
#define CHANGE_LOG_KEEP_XIDS			50000
#define CHANGE_LOG_PRUNE_ONE_IN			256
#define CHANGE_LOG_PRUNE_AFTER			1000
#define CHANGE_LOG_FEW_ENTRIES			8	/* written one by one without a statement */
#define CHANGE_LOG_FULL_PRUNE_ONE_IN	16	/* of a backend's prunes: see PruneOldEntries */
#define CHANGE_LOG_PRUNE_LOCK_SUBID		1	/* the prune's lock: the log's OID and this */

/*
 * The ids this backend logged, per kind: ids[0, rolled_n) in transactions
 * that ended by rollback (or prepare) and must be read again, the rest in
 * the current transaction.  *_reload: a reload entry (or too many ids).
 * The arrays grow as a transaction logs more (an upload loop of tens of
 * thousands in one transaction: past what memory holds, each of its reads
 * would scan all its entries), up to OWN_IDS_MAX (20 bytes each), and are
 * let go once they are big and hold nothing to read again (at the end of a
 * transaction, or when the ids a rollback left are read).
 */
#define OWN_IDS_MAX		1000000
#define OWN_IDS_KEEP	65536

typedef struct OwnChanges
{
	pg_uuid_t  *ids;
	CommandId  *cids;			/* the command each id was logged in, or later */
	int			cap;			/* room of ids and cids */
	int			n;
	bool		reload;
	int			rolled_n;
	bool		rolled_reload;
	bool		sub_rolled;
} OwnChanges;

static OwnChanges own[CHANGE_KINDS];

static KeptPlan insert_ids_plan;
static KeptPlan insert_reload_plan;
static KeptPlan prune_plan;
static KeptPlan prune_all_plan;

static void
ExecPlan(SPIPlanPtr plan, Datum *values, int expected)
{
	int			rc = SPI_execute_plan(plan, values, NULL, false, 0);

	if (rc != expected)
		elog(ERROR, "change log statement failed: %s", SPI_result_code_string(rc));
}

/*
 * Delete the entries of transactions older than the kept window and than
 * every running transaction (so a backend that keeps up never has to
 * reload because of a long-running transaction elsewhere); the table's
 * DELETE trigger leaves the marker of the cut.
 *
 * A backend deletes from where its last committed cut ended: the entries
 * below it were deleted then (their transactions had all ended, so none can
 * add more), and what lies there are dead index entries a scan would visit
 * again until VACUUM.  A cut counts only when the transaction that made it
 * commits, and not when it was made in a subtransaction.  One prune in
 * CHANGE_LOG_FULL_PRUNE_ONE_IN starts from the beginning (entries no cut
 * saw: none is expected, but the log's owner may write any).
 *
 * One transaction prunes at a time: a writer that finds another one's
 * prune under way (its lock, which no SQL statement can take, held to its
 * end) leaves the pruning to it and to later writers, so that no writer
 * waits for another; the one that prunes deletes its entries without
 * locking them first (one WAL record per entry, not two).
 *
 * A prune deletes at most its database's batch (ChangeLogPruneBatch:
 * 1,000, doubled after each prune that left old entries behind, up to
 * 16,000, and back to 1,000 once one that left none commits) and
 * as many as its backend wrote since its last prune: the window's worth of
 * entries that become old together (after a burst of writes, or an idle
 * period) cost each of several writes a batch, not one of them all of it,
 * and while old entries are left behind every write prunes, in batches that
 * grow until they outpace the writes.  Without a shared batch (the library
 * not preloaded, or past its 64 databases) a prune deletes every old entry.  A cut
 * that left entries behind is not kept: the next prune starts where this
 * one did.  The DELETE reads the log under a snapshot taken once the lock
 * is held, so it never meets an entry that a prune committed since this
 * transaction's snapshot deleted (in REPEATABLE READ that would be a
 * serialization failure of the writer's statement).  false: another
 * transaction's prune is under way.
 */
static uint64 pruned_through = 0;	/* this backend's last committed cut */
static uint64 cut_pending = 0;	/* this transaction's cut, kept when it commits */
static bool reset_pending = false;	/* its prune left no old entry: the batch resets at commit */
static int64 written_since_prune = 0;	/* entries this backend wrote since */

/*
 * The entries a prune deletes (of the log as c): $1 the cut, $2 the kinds
 * and the markers' code (the index leads with the kind), $3 where the
 * backend's last cut ended.
 */
#define PRUNE_OLD_ENTRIES \
	"c.kind OPERATOR(pg_catalog.=) ANY ($2) " \
	"AND c.txid OPERATOR(pg_catalog.>=) $3 " \
	"AND c.txid OPERATOR(pg_catalog.<) LEAST($1, " \
	"pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()))"

static bool
PruneOldEntries(void)
{
	static uint32 prunes = 0;
	FullTransactionId next = ReadNextFullTransactionId();
	Snapshot	snap = GetActiveSnapshot();
	Oid			argtypes[4] = {XID8OID, CHARARRAYOID, XID8OID, INT8OID};
	Datum		values[4];
	Datum		codes[CHANGE_KINDS + 1];
	LOCKTAG		prune_lock;
	SPIPlanPtr	plan;
	uint64		cut;
	uint64		from;
	int64		batch;
	int64		limit = 0;
	bool		left_some;
	int			k;

	if (U64FromFullTransactionId(next) <= CHANGE_LOG_KEEP_XIDS + FirstNormalTransactionId)
		return true;			/* nothing is old yet */
	SET_LOCKTAG_OBJECT(prune_lock, MyDatabaseId, RelationRelationId, ModelRelId(MT_CHANGE_LOG),
					   CHANGE_LOG_PRUNE_LOCK_SUBID);
	if (LockAcquire(&prune_lock, ExclusiveLock, false, true) == LOCKACQUIRE_NOT_AVAIL)
		return false;
	cut = U64FromFullTransactionId(next) - CHANGE_LOG_KEEP_XIDS;
	if (snap != NULL && TransactionIdIsNormal(snap->xmin))
	{
		/* the snapshot's xmin, widened to 64 bits (it is at most next) */
		uint64		epoch = EpochFromFullTransactionId(next);
		uint64		xmin;

		if (snap->xmin > XidFromFullTransactionId(next))
			epoch--;
		xmin = (epoch << 32) | snap->xmin;
		cut = Min(cut, xmin);
	}
	from = prunes++ % CHANGE_LOG_FULL_PRUNE_ONE_IN == 0 ? 0 : Min(pruned_through, cut);
	values[0] = UInt64GetDatum(cut);
	/* every kind and the markers: the index leads with the kind */
	for (k = 0; k < CHANGE_KINDS; k++)
		codes[k] = CharGetDatum(change_kind_codes[k]);
	codes[CHANGE_KINDS] = CharGetDatum(CHANGE_LOG_MARKER);
	values[1] = PointerGetDatum(construct_array(codes, CHANGE_KINDS + 1, CHAROID, 1, true,
												TYPALIGN_CHAR));
	values[2] = UInt64GetDatum(from);
	batch = ChangeLogPruneBatch();
	if (batch < 0)
		plan = KeptPlanGet(&prune_all_plan,
						   "DELETE FROM share_acl.change_log c WHERE " PRUNE_OLD_ENTRIES,
						   3, argtypes, 0);
	else
	{
		limit = batch + Min(written_since_prune, CHANGE_LOG_MAX_PER_STATEMENT);
		values[3] = Int64GetDatum(limit);
		plan = KeptPlanGet(&prune_plan,
						   "DELETE FROM share_acl.change_log "
						   "WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY("
						   "SELECT c.ctid FROM share_acl.change_log c WHERE " PRUNE_OLD_ENTRIES
						   " LIMIT $4))",
						   4, argtypes, 0);
	}
	if (SPI_execute_snapshot(plan, values, NULL, GetLatestSnapshot(), InvalidSnapshot,
							 false, true, 0) != SPI_OK_DELETE)
		elog(ERROR, "change log statement failed: could not prune");
	left_some = batch >= 0 && SPI_processed >= (uint64) limit;

	/*
	 * (a cut that left entries behind, or made in a subtransaction, which
	 * may be rolled back alone, is not kept; nor does a prune that left none
	 * tell the others so before it commits: rolled back, it deleted nothing)
	 */
	if (left_some)
		ChangeLogPruned(true);
	reset_pending = !left_some && GetCurrentTransactionNestLevel() == 1;
	if (reset_pending)
		cut_pending = cut;
	return true;
}

/*
 * Write a few entries one by one without a statement (src/row_write.c);
 * false, having written nothing, when there are more or the log must be
 * written by the statement.
 */
static bool
WriteFewEntries(ChangeKind kind, Datum *ids, int n)
{
	static const char *const columns[2] = {"kind", "id"};
	static const Oid types[2] = {CHAROID, UUIDOID};
	Datum		values[2] = {CharGetDatum(change_kind_codes[kind]), (Datum) 0};
	bool		nulls[2] = {false, false};
	RowValues	row = {2, columns, types, values, nulls};
	Relation	rel;
	int64		written;
	bool		done;

	if (n > CHANGE_LOG_FEW_ENTRIES)
		return false;
	rel = ModelTableOpen(MT_CHANGE_LOG, RowExclusiveLock);
	done = RowInsertEach(rel, &row, 1, ids, n, InvalidOid, &written);
	table_close(rel, NoLock);
	return done;
}

/*
 * Write the entries: the ids, or one reload entry when reload.  Runs as the
 * owner of the log, in a restricted security context, with every name in
 * the statements schema-qualified.
 */
static void
WriteEntries(ChangeKind kind, Datum *ids, int n, bool reload)
{
	Oid			save_userid;
	int			save_sec_context;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(catalog.change_log_owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ChangeLogWriting(kind);
	if (reload)
	{
		Oid			argtypes[1] = {CHAROID};
		Datum		values[1];

		values[0] = CharGetDatum(change_kind_codes[kind]);
		ExecPlan(KeptPlanGet(&insert_reload_plan,
						     "INSERT INTO share_acl.change_log (kind, id) VALUES ($1, NULL)", 1, argtypes, 0),
				 values, SPI_OK_INSERT);
	}
	else if (!WriteFewEntries(kind, ids, n))
	{
		Oid			argtypes[2] = {CHAROID, UUIDARRAYOID};
		Datum		values[2];

		values[0] = CharGetDatum(change_kind_codes[kind]);
		values[1] = PointerGetDatum(construct_array(ids, n, UUIDOID, UUID_LEN, false,
													TYPALIGN_CHAR));
		ExecPlan(KeptPlanGet(&insert_ids_plan,
						     "INSERT INTO share_acl.change_log (kind, id) SELECT $1, pg_catalog.unnest($2)",
						     2, argtypes, 0),
				 values, SPI_OK_INSERT);
	}
	ChangeLogWritingDone();
	written_since_prune += reload ? 1 : n;
	if (written_since_prune >= CHANGE_LOG_PRUNE_AFTER ||
		ChangeLogPruneBehind() ||
		pg_prng_uint32(&pg_global_prng_state) % CHANGE_LOG_PRUNE_ONE_IN == 0)
	{
		/* (another transaction's prune under way: this one's writes wait for the next) */
		if (PruneOldEntries())
			written_since_prune = 0;
	}
	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec_context);
}

/* Let an own-ids array pair go (nothing here allocates). */
static void
OwnIdsFree(OwnChanges *o)
{
	if (o->ids)
		pfree(o->ids);
	if (o->cids)
		pfree(o->cids);
	o->ids = NULL;
	o->cids = NULL;
	o->cap = 0;
}

/*
 * Remember the ids the current transaction logs (a reload entry, or too
 * many: reload), with the current command: the rows that changed were
 * written in it or before.
 */
static void
RememberOwn(ChangeKind kind, Datum *ids, int n, bool reload)
{
	OwnChanges *o = &own[kind];
	CommandId	cid = GetCurrentCommandId(false);
	int			i;

	if (reload || o->n + n > OWN_IDS_MAX)
	{
		o->reload = true;
		return;
	}
	if (o->n + n > o->cap)
	{
		/* both arrays or neither: out of memory, the reads scan the log instead */
		int			cap = Min(Max(Max(o->cap * 2, o->n + n), 1024), OWN_IDS_MAX);
		pg_uuid_t  *ids = MemoryContextAllocExtended(TopMemoryContext, sizeof(pg_uuid_t) * cap,
												 MCXT_ALLOC_NO_OOM);
		CommandId  *cids = MemoryContextAllocExtended(TopMemoryContext, sizeof(CommandId) * cap,
													  MCXT_ALLOC_NO_OOM);

		if (ids == NULL || cids == NULL)
		{
			if (ids)
				pfree(ids);
			if (cids)
				pfree(cids);
			o->reload = true;
			return;
		}
		if (o->n > 0)
		{
			memcpy(ids, o->ids, sizeof(pg_uuid_t) * o->n);
			memcpy(cids, o->cids, sizeof(CommandId) * o->n);
		}
		OwnIdsFree(o);
		o->ids = ids;
		o->cids = cids;
		o->cap = cap;
	}
	for (i = 0; i < n; i++)
	{
		o->ids[o->n] = *DatumGetUUIDP(ids[i]);
		o->cids[o->n++] = cid;
	}
}

/*
 * At commit the own entries become everyone's (other backends read them);
 * at rollback or prepare what this backend applied of them must be read
 * again.  Nothing here allocates.
 */
static void
OwnXactCallback(XactEvent event, void *arg)
{
	int			k;

	if (event == XACT_EVENT_COMMIT && cut_pending != 0)
		pruned_through = cut_pending;
	if (event == XACT_EVENT_COMMIT && reset_pending)
		ChangeLogPruned(false); /* (the prune's lock is still held) */
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE)
	{
		cut_pending = 0;
		reset_pending = false;
	}
	for (k = 0; k < CHANGE_KINDS; k++)
	{
		OwnChanges *o = &own[k];

		switch (event)
		{
			case XACT_EVENT_COMMIT:
			case XACT_EVENT_PARALLEL_COMMIT:
				if (o->sub_rolled)
				{
					/*
					 * A rolled-back subtransaction's entries are gone, but
					 * what they named may have been applied: read every id
					 * of the transaction again.
					 */
					o->rolled_n = o->n;
					o->rolled_reload |= o->reload;
				}
				else
					o->n = o->rolled_n;
				o->reload = false;
				o->sub_rolled = false;
				break;
			case XACT_EVENT_ABORT:
			case XACT_EVENT_PARALLEL_ABORT:
			case XACT_EVENT_PREPARE:
				o->rolled_n = o->n;
				o->rolled_reload |= o->reload;
				o->reload = false;
				o->sub_rolled = false;
				break;
			default:
				break;
		}
		if ((event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE) &&
			o->rolled_n == 0 && o->cap > OWN_IDS_KEEP)
			OwnIdsFree(o);
	}
}

static void
OwnSubXactCallback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid,
				   void *arg)
{
	int			k;

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	for (k = 0; k < CHANGE_KINDS; k++)
		if (own[k].n > own[k].rolled_n || own[k].reload)
			own[k].sub_rolled = true;
}

/* Register the transaction callbacks; called once from _PG_init. */
void
ChangeLogInit(void)
{
	RegisterXactCallback(OwnXactCallback, NULL);
	RegisterSubXactCallback(OwnSubXactCallback, NULL);
}

PG_FUNCTION_INFO_V1(change_log_own_reload);

/*
 * _change_log_own_reload() → void: called by the log's TRUNCATE guard,
 * which writes a reload entry of every kind outside change_log_trigger: the
 * current transaction's entries are then no longer all in memory, and its
 * reads scan the log for them (ReadOwnEntries) until it ends.
 */
Datum
change_log_own_reload(PG_FUNCTION_ARGS)
{
	int			k;

	for (k = 0; k < CHANGE_KINDS; k++)
		own[k].reload = true;
	ChangeLogWritingAll();
	PG_RETURN_VOID();
}

/* Has the current transaction logged changes of this kind (not committed yet)? */
bool
ChangeLogOwnChanges(ChangeKind kind)
{
	return own[kind].n > own[kind].rolled_n || own[kind].reload;
}

/* Did a rollback leave own changes of this kind applied that must be read again? */
bool
ChangeLogOwnRollbackPending(ChangeKind kind)
{
	return own[kind].rolled_n > 0 || own[kind].rolled_reload || own[kind].sub_rolled;
}

/*
 * Pass add() the ids of the own changes of this kind that a rollback undid
 * (and every id of that kind the current transaction logged: after a
 * subtransaction's rollback some may still stand, and reading them again is
 * harmless); true when a reload is needed instead.  Clears the pending state.
 */
static bool
ChangeLogTakeOwnRollback(ChangeKind kind, int32 limit, int32 *taken,
						 void (*add) (const pg_uuid_t *id, void *arg), void *arg)
{
	OwnChanges *o = &own[kind];
	bool		reload = o->rolled_reload || (o->sub_rolled && o->reload) || o->n > limit;
	int			i;

	*taken = reload ? 0 : o->n;
	if (!reload)
		for (i = 0; i < o->n; i++)
			add(&o->ids[i], arg);
	if (o->rolled_n > 0)
	{
		memmove(o->ids, o->ids + o->rolled_n, sizeof(pg_uuid_t) * (o->n - o->rolled_n));
		memmove(o->cids, o->cids + o->rolled_n, sizeof(CommandId) * (o->n - o->rolled_n));
	}
	o->n -= o->rolled_n;
	o->rolled_n = 0;
	o->rolled_reload = false;
	o->sub_rolled = false;
	if (o->n == 0 && o->cap > OWN_IDS_KEEP)
		OwnIdsFree(o);
	return reload;
}

/* The ids collected from the rows of one statement. */
typedef struct IdCollector
{
	Datum	   *ids;
	int			n;
	int			cap;
	bool		too_many;
} IdCollector;

static void
CollectId(IdCollector *c, Datum id)
{
	if (c->n >= CHANGE_LOG_MAX_PER_STATEMENT)
	{
		c->too_many = true;
		return;
	}
	if (c->n >= c->cap)
	{
		c->cap = c->cap ? c->cap * 2 : 16;
		c->ids = c->ids ? repalloc(c->ids, sizeof(Datum) * c->cap) : palloc(sizeof(Datum) * c->cap);
	}
	c->ids[c->n++] = id;
}

/* Collect column attno of every row of a transition table. */
static void
CollectTransitionIds(Tuplestorestate *ts, TupleDesc desc, AttrNumber attno, IdCollector *c)
{
	TupleTableSlot *slot;
	int			ptr;

	if (ts == NULL)
		return;
	if (tuplestore_tuple_count(ts) > CHANGE_LOG_MAX_PER_STATEMENT)
	{
		c->too_many = true;
		return;
	}
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	ptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(ts, ptr);
	tuplestore_rescan(ts);
	while (!c->too_many && tuplestore_gettupleslot(ts, true, false, slot))
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, attno, &isnull);

		if (!isnull)
			CollectId(c, datumCopy(d, false, UUID_LEN));
	}
	ExecDropSingleTupleTableSlot(slot);
}

static int
CompareUuidDatums(const void *a, const void *b)
{
	return memcmp(DatumGetPointer(*(const Datum *) a), DatumGetPointer(*(const Datum *) b), UUID_LEN);
}

/* Do the two id lists hold the same ids (a statement that changed no id)? */
static bool
SameIds(Datum *a, Datum *b, int n)
{
	int			i;

	qsort(a, n, sizeof(Datum), CompareUuidDatums);
	qsort(b, n, sizeof(Datum), CompareUuidDatums);
	for (i = 0; i < n; i++)
		if (memcmp(DatumGetPointer(a[i]), DatumGetPointer(b[i]), UUID_LEN) != 0)
			return false;
	return true;
}

PG_FUNCTION_INFO_V1(change_log_trigger);

/*
 * change_log_trigger(id_column, kind) — AFTER trigger on the model tables
 * whose rows the caches keep by id: resource (id) and collection_item
 * (resource_id) for the structure (kind 'r'), principal (id), member
 * (principal_id), team_member (member_id) and share (grantee_id) for the
 * principal store (kind 'p'), workspace (id) for the workspaces (kind
 * 'w').  Logs the ids of the changed rows and queues
 * the relcache invalidation that makes other backends read the log at
 * commit.  Per statement with transition tables; per row for the replica
 * role (the apply worker of logical replication fires row triggers only).
 */
Datum
change_log_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	AttrNumber	attno;
	IdCollector olds = {0};
	IdCollector news = {0};
	bool		reload = false;
	ChangeKind	kind = CHANGE_STRUCTURE;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("change_log_trigger() must be called as a trigger")));
	if (trigdata->tg_trigger->tgnargs != 2 ||
		strlen(trigdata->tg_trigger->tgargs[1]) != 1 ||
		!ChangeKindOf(trigdata->tg_trigger->tgargs[1][0], &kind))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("change_log_trigger() needs the id column and the kind ('r', 'p' or 'w') as its arguments")));
	CatalogLookup();
	desc = RelationGetDescr(trigdata->tg_relation);
	attno = get_attnum(RelationGetRelid(trigdata->tg_relation), trigdata->tg_trigger->tgargs[0]);
	if (attno == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" does not exist", trigdata->tg_trigger->tgargs[0])));

	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		reload = true;
	else if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
	{
		bool		isnull;
		Datum		d;

		if (!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		{
			d = heap_getattr(trigdata->tg_trigtuple, attno, desc, &isnull);
			if (!isnull)
				CollectId(&olds, d);
		}
		if (!TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		{
			d = heap_getattr(TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
							 trigdata->tg_newtuple : trigdata->tg_trigtuple, attno, desc, &isnull);
			if (!isnull)
				CollectId(&news, d);
		}
	}
	else
	{
		CollectTransitionIds(trigdata->tg_oldtable, desc, attno, &olds);
		CollectTransitionIds(trigdata->tg_newtable, desc, attno, &news);
	}
	reload |= olds.too_many || news.too_many;

	/*
	 * A resource whose id changes would leave the nodes below it pointing at
	 * a node under its old id: reload.  (collection_item rows name their
	 * resource in both images, so both are logged.)
	 */
	if (!reload && olds.n > 0 && news.n > 0 &&
		CatalogTableOf(RelationGetRelid(trigdata->tg_relation)) == MT_RESOURCE)
		reload = olds.n != news.n || !SameIds(olds.ids, news.ids, olds.n);
	else if (!reload)
	{
		int			i;

		for (i = 0; i < olds.n && !news.too_many; i++)
			CollectId(&news, olds.ids[i]);
		reload = news.too_many;
	}
	if (!reload && news.n > 1)
	{
		/* each id once (an update names its rows' ids twice) */
		int			i,
					n = 1;

		qsort(news.ids, news.n, sizeof(Datum), CompareUuidDatums);
		for (i = 1; i < news.n; i++)
			if (memcmp(DatumGetPointer(news.ids[i]), DatumGetPointer(news.ids[n - 1]), UUID_LEN) != 0)
				news.ids[n++] = news.ids[i];
		news.n = n;
	}

	if (reload || news.n > 0)
	{
		RememberOwn(kind, news.ids, news.n, reload);
		WriteEntries(kind, news.ids, news.n, reload);
		SignalChange(RelationGetRelid(trigdata->tg_relation));
	}
	return PointerGetDatum(NULL);
}

/* A snapshot xid as a full xid, next being the next xid to be assigned (as xid8 does it). */
static FullTransactionId
WidenXid(TransactionId xid, FullTransactionId next)
{
	uint32		epoch = EpochFromFullTransactionId(next);

	if (!TransactionIdIsNormal(xid))
		return FullTransactionIdFromEpochAndXid(0, xid);
	if (xid > XidFromFullTransactionId(next))
		epoch--;
	return FullTransactionIdFromEpochAndXid(epoch, xid);
}

static int
CompareFullXids(const void *a, const void *b)
{
	uint64		x = U64FromFullTransactionId(*(const FullTransactionId *) a);
	uint64		y = U64FromFullTransactionId(*(const FullTransactionId *) b);

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * Set *pos to what snap saw.  A snapshot taken during recovery lists every
 * running transaction in subxip; the entries carry top-level xids, which
 * both lists hold.  The own transaction is listed: what it writes later was
 * not seen.
 */
void
ChangeLogSetPosition(ChangeLogPosition *pos, Snapshot snap, MemoryContext cxt)
{
	FullTransactionId next = ReadNextFullTransactionId();
	TransactionId *xids = snap->takenDuringRecovery ? snap->subxip : snap->xip;
	int32		n = snap->takenDuringRecovery ? snap->subxcnt : (int32) snap->xcnt;
	TransactionId own = GetTopTransactionIdIfAny();
	FullTransactionId *xip;
	int32		i;

	xip = MemoryContextAlloc(cxt, sizeof(FullTransactionId) * (n + 1));
	for (i = 0; i < n; i++)
		xip[i] = WidenXid(xids[i], next);
	if (TransactionIdIsValid(own))
		xip[n++] = WidenXid(own, next);
	qsort(xip, n, sizeof(FullTransactionId), CompareFullXids);

	pos->valid = false;
	if (pos->xip)
		pfree(pos->xip);
	pos->xip = xip;
	pos->nxip = n;
	pos->xmin = WidenXid(snap->xmin, next);
	pos->xmax = WidenXid(snap->xmax, next);
	pos->own = TransactionIdIsValid(own) ? WidenXid(own, next) : InvalidFullTransactionId;
	pos->own_curcid = snap->curcid;
	pos->valid = true;
}

typedef struct LogReader
{
	char		kind;
	const ChangeLogPosition *pos;
	FullTransactionId next;		/* the next xid to be assigned */
	int32		limit;
	int32		n;
	bool		reload;
	void		(*add) (const pg_uuid_t *id, void *arg);
	void	   *arg;
} LogReader;

/*
 * Does memory hold all the entries of this kind that the running
 * transaction, which took pos, logged after pos?  Not when it wrote a reload
 * entry or too many ids, nor in a parallel worker (whose memory holds none
 * of its leader's).
 */
static bool
OwnEntriesInMemory(ChangeKind kind, const ChangeLogPosition *pos)
{
	return FullTransactionIdIsValid(pos->own) &&
		FullTransactionIdEquals(pos->own, GetTopFullTransactionIdIfAny()) &&
		!own[kind].reload && !IsParallelWorker();
}

/*
 * Pass the reader the ids the current transaction logged of its kind from
 * command since on (those of earlier commands the position saw), from
 * memory (OwnEntriesInMemory): scanning the log for them would visit every
 * entry the transaction wrote, at every read (an upload loop would be
 * quadratic).  An id of a rolled-back subtransaction may come too (read
 * again, harmless).
 */
static void
ReadOwnEntries(LogReader *r, ChangeKind kind, CommandId since)
{
	OwnChanges *o = &own[kind];
	int			lo = o->rolled_n,
				hi = o->n;

	/* the transaction's ids follow the earlier ones', in command order */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (o->cids[mid] < since)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < o->n && !r->reload; lo++)
	{
		if (++r->n > r->limit)
			r->reload = true;
		else
			r->add(&o->ids[lo], r->arg);
	}
}

/*
 * Is the entry the scan returned visible in snap?  The log is scanned with
 * SnapshotAny and each entry tested here as a scan under snap would test
 * it: a scan under an MVCC snapshot in a SERIALIZABLE transaction would take
 * predicate locks on the log's newest index page, which every writer of an
 * entry then conflicts with, and two uploads at once would fail to
 * serialize however unrelated.  The entries a cache reads are not of the
 * transaction's snapshot (R13: checks answer by the latest state), so they
 * take part in no serialization order.
 */
static bool
EntryVisible(SysScanDesc scan, HeapTuple tup, Snapshot snap)
{
	Buffer		buffer = ((BufferHeapTupleTableSlot *) scan->slot)->buffer;
	bool		visible;

	LockBuffer(buffer, BUFFER_LOCK_SHARE);
	visible = HeapTupleSatisfiesVisibility(tup, snap, buffer);
	LockBuffer(buffer, BUFFER_LOCK_UNLOCK);
	return visible;
}

/*
 * Read the entries of one index scan: those of kind code (the reader's, or
 * the markers' '-') whose txid is key (strategy =), from key on (>=) or
 * after it (>), and below "below" when that is valid, visible in snap.
 */
static void
ReadEntries(LogReader *r, Relation rel, Snapshot snap, char code, StrategyNumber strategy,
			RegProcedure proc, FullTransactionId key, FullTransactionId below)
{
	SysScanDesc scan;
	ScanKeyData skey[3];
	HeapTuple	tup;
	TupleDesc	desc = RelationGetDescr(rel);

	/* the index's columns, kind and txid (systable_beginscan takes the table's numbers) */
	ScanKeyInit(&skey[0], catalog.cl_kind, BTEqualStrategyNumber, F_CHAREQ, CharGetDatum(code));
	ScanKeyInit(&skey[1], catalog.cl_txid, strategy, proc, FullTransactionIdGetDatum(key));
	ScanKeyInit(&skey[2], catalog.cl_txid, BTLessStrategyNumber, F_XID8LT, FullTransactionIdGetDatum(below));
	scan = systable_beginscan(rel, ModelRelId(MT_CHANGE_LOG_BY_KIND_TXID), true, SnapshotAny,
							  FullTransactionIdIsValid(below) ? 3 : 2, skey);
	while (!r->reload && (tup = systable_getnext(scan)) != NULL)
	{
		bool		isnull;
		Datum		d;

		if (!EntryVisible(scan, tup, snap))
			continue;
		/* the running transaction's own entries that the position already saw */
		if (FullTransactionIdIsValid(r->pos->own) &&
			TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetRawXmin(tup->t_data)) &&
			FullTransactionIdEquals(r->pos->own, GetTopFullTransactionIdIfAny()) &&
			HeapTupleHeaderGetRawCommandId(tup->t_data) < r->pos->own_curcid &&
			!(tup->t_data->t_infomask & HEAP_COMBOCID))
			continue;
		/* an entry from the future (copied from another server): not ours */
		if (U64FromFullTransactionId(DatumGetFullTransactionId(Attr(desc, tup, catalog.cl_txid, &isnull))) >=
			U64FromFullTransactionId(r->next))
			continue;

		d = Attr(desc, tup, catalog.cl_deleted_through, &isnull);
		if (!isnull)
		{
			bool		any_kind;
			char		deleted = DatumGetChar(Attr(desc, tup, catalog.cl_deleted_kind, &any_kind));

			/* entries of this kind that this position had not seen may be gone */
			if (U64FromFullTransactionId(DatumGetFullTransactionId(d)) >=
				U64FromFullTransactionId(r->pos->xmin) &&
				(any_kind || deleted == r->kind || deleted == CHANGE_LOG_MARKER))
				r->reload = true;
			continue;
		}
		if (DatumGetChar(Attr(desc, tup, catalog.cl_kind, &isnull)) != r->kind)
			continue;
		d = Attr(desc, tup, catalog.cl_id, &isnull);
		if (isnull || ++r->n > r->limit)
			r->reload = true;
		else
			r->add(DatumGetUUIDP(d), r->arg);
	}
	systable_endscan(scan);
}

/*
 * The counting trigger's pg_trigger row as last read: either as one
 * snapshot saw it (the three parts of the cache read the log under the
 * same snapshot, one after the other, and the row is read once for them;
 * kept for a snapshot with at most TRIGGER_ROW_XIP in progress and no
 * subtransactions listed), or, latest, as it is while no transaction can
 * change it (TriggerChangesExcluded): then kept as long as no invalidation
 * of the log's relation cache entry comes (share_acl_change_log_invals).
 */
#define TRIGGER_ROW_XIP	32

typedef struct TriggerRowSeen
{
	bool		valid;
	Oid			trigger;
	bool		latest;			/* read latest, while changes were excluded: */
	uint64		invals;			/* ... with the log's invalidations counted so far */
	uint64		catalog_generation; /* ... and the model's relations as they were */
	LocalTransactionId lxid;	/* else the snapshot's: its transaction, */
	TransactionId xmin,
				xmax;
	CommandId	curcid;
	uint32		xcnt;
	TransactionId xip[TRIGGER_ROW_XIP];
	bool		counting;		/* the row: share_acl's counting trigger, firing always */
	bool		row_own;		/* ... written by the reader's own transaction */
	FullTransactionId row_xmin; /* ... or by this one (RowXminWidened) */
} TriggerRowSeen;

static TriggerRowSeen trigger_row_seen;

/*
 * A row's raw xmin (kept when the row is frozen: a row frozen after an
 * ENABLE the reader had not seen must not pass for older than everything)
 * as a full transaction id, in the epoch that puts it at or before the next
 * one; one written before bootstrap ended (1 or 2) is the oldest there is.
 * (A row more than 2^32 transactions old may widen to a recent id: the
 * reader then scans, it never skips wrongly.)
 */
static FullTransactionId
RowXminWidened(TransactionId raw)
{
	FullTransactionId next = ReadNextFullTransactionId();
	uint32		epoch = EpochFromFullTransactionId(next);

	if (!TransactionIdIsNormal(raw))
		return FullTransactionIdFromEpochAndXid(0, FirstNormalTransactionId);
	if (raw >= XidFromFullTransactionId(next) && epoch > 0)
		epoch--;
	return FullTransactionIdFromEpochAndXid(epoch, raw);
}

/* Did the last look at trigger's row see it under a snapshot equal to snap? */
static bool
TriggerRowSeenUnder(Oid trigger, Snapshot snap)
{
	TriggerRowSeen *t = &trigger_row_seen;

	return t->valid && !t->latest && t->trigger == trigger && t->lxid == MyProc->lxid &&
		t->xmin == snap->xmin && t->xmax == snap->xmax && t->curcid == snap->curcid &&
		t->xcnt == snap->xcnt && snap->subxcnt == 0 && !snap->suboverflowed &&
		memcmp(t->xip, snap->xip, sizeof(TransactionId) * snap->xcnt) == 0;
}

/*
 * Has this backend taken in the invalidations of every change of the log's
 * triggers committed so far, and is none under way?  On a primary, outside
 * parallel mode, when this transaction holds RowExclusiveLock on the log or
 * gets it without waiting: every statement that changes a table's triggers
 * (CREATE, DROP, ALTER TRIGGER, ALTER TABLE … ENABLE or DISABLE TRIGGER)
 * takes ShareRowExclusiveLock or stronger, which conflicts with it, and
 * holds it until after its commit has sent its invalidations; the messages
 * sent before are taken in once the lock is had.  (A change made by this
 * transaction itself comes in at its next command.)  The lock got here is
 * released by WritersCounted once the row is judged: a change that
 * commits after that is one the reader's snapshot, taken before, does not
 * see, and the next read takes the lock, and its messages, again; held to
 * the end of the transaction, it would make such a statement, and every
 * write of share_acl queued behind it, wait for a reader that sits idle.
 */
static bool
TriggerChangesExcluded(Relation log)
{
	return !RecoveryInProgress() && !IsInParallelMode() &&
		ConditionalLockRelation(log, RowExclusiveLock);
}

/* Is the last look at trigger's row, read latest, still what it is now? */
static bool
TriggerRowSeenLatest(Oid trigger)
{
	TriggerRowSeen *t = &trigger_row_seen;

	return t->valid && t->latest && t->trigger == trigger &&
		t->invals == share_acl_change_log_invals &&
		t->catalog_generation == CatalogGeneration();
}

/*
 * Is the counting trigger, as its pg_trigger row is, share_acl's, BEFORE
 * INSERT, for each statement, firing always, and in that state since before
 * oldest: its row written by a transaction that finished before every
 * transaction the reader had not seen?  Read from the catalog, not from the
 * relcache (which changes only when the invalidations of a commit arrive,
 * after the commit is visible): with the snapshot the reader reads the log
 * with, the state that goes with the entries the read would see; or, while
 * no transaction can change it (TriggerChangesExcluded), the latest row,
 * kept until an invalidation of the log says it may have changed.  The
 * latest row is never older than the one snap sees, and one written after
 * snap was taken is by a transaction the reader had not seen finished
 * (never before oldest): it is as conservative.
 */
static bool
TriggerRowCounts(Oid trigger, Snapshot snap, FullTransactionId oldest, bool latest)
{
	TriggerRowSeen *t = &trigger_row_seen;

	if (latest ? !TriggerRowSeenLatest(trigger) : !TriggerRowSeenUnder(trigger, snap))
	{
		Relation	rel;
		SysScanDesc scan;
		ScanKeyData key;
		HeapTuple	tup;
		Snapshot	read_snap = snap;
		uint64		invals = share_acl_change_log_invals;
		uint64		generation = CatalogGeneration();

		t->valid = false;
		t->counting = false;
		t->row_own = false;
		t->row_xmin = InvalidFullTransactionId;
		rel = table_open(TriggerRelationId, AccessShareLock);
		if (latest)
			read_snap = RegisterSnapshot(GetLatestSnapshot());
		ScanKeyInit(&key, Anum_pg_trigger_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(trigger));
		scan = systable_beginscan(rel, TriggerOidIndexId, true, read_snap, 1, &key);
		if ((tup = systable_getnext(scan)) != NULL)
		{
			Form_pg_trigger row = (Form_pg_trigger) GETSTRUCT(tup);

			t->counting = row->tgfoid == catalog.change_log_written_fn &&
				row->tgenabled == TRIGGER_FIRES_ALWAYS &&
				heap_attisnull(tup, Anum_pg_trigger_tgqual, RelationGetDescr(rel)) &&
				TRIGGER_FOR_INSERT(row->tgtype) && TRIGGER_FOR_BEFORE(row->tgtype) &&
				!TRIGGER_FOR_ROW(row->tgtype);
			t->row_own = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetRawXmin(tup->t_data));
			t->row_xmin = RowXminWidened(HeapTupleHeaderGetRawXmin(tup->t_data));
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
		if (latest)
		{
			UnregisterSnapshot(read_snap);
			t->trigger = trigger;
			t->latest = true;
			t->invals = invals;
			t->catalog_generation = generation;
			t->valid = !t->row_own;
		}
		else if (snap->xcnt <= TRIGGER_ROW_XIP && snap->subxcnt == 0 && !snap->suboverflowed &&
				 !t->row_own)
		{
			t->trigger = trigger;
			t->latest = false;
			t->lxid = MyProc->lxid;
			t->xmin = snap->xmin;
			t->xmax = snap->xmax;
			t->curcid = snap->curcid;
			t->xcnt = snap->xcnt;
			memcpy(t->xip, snap->xip, sizeof(TransactionId) * snap->xcnt);
			t->valid = true;
		}
	}
	return t->counting && !t->row_own &&
		U64FromFullTransactionId(t->row_xmin) < U64FromFullTransactionId(oldest);
}

/*
 * Has the log's statement trigger counted every writer (change_log_writers.c)
 * of the transactions from oldest on?  It must be share_acl's, BEFORE INSERT,
 * for each statement, firing always (not so in an installation whose SQL
 * predates it, nor when an owner disabled it), and in that state since
 * before oldest (TriggerRowCounts).  An owner who disabled it, inserted
 * entries by hand and enabled it again (a writer it did not count) held a
 * lock that the ENABLE waited for, so that writer finished before the
 * ENABLE's transaction, which the reader has not seen either, and the
 * reader scans.  The relcache's list only names the trigger to read.
 */
static bool
WritersCounted(Relation log, Snapshot snap, FullTransactionId oldest)
{
	bool		latest = TriggerChangesExcluded(log);	/* (first: it may rebuild log) */
	TriggerDesc *t = log->trigdesc;
	bool		counted = false;
	int			i;

	if (t != NULL && t->trig_insert_before_statement && OidIsValid(catalog.change_log_written_fn))
		for (i = 0; i < t->numtriggers; i++)
			if (t->triggers[i].tgfoid == catalog.change_log_written_fn)
			{
				counted = TriggerRowCounts(t->triggers[i].tgoid, snap, oldest, latest);
				break;
			}
	/* (one count of the lock less: a lock the transaction held before stays) */
	if (latest)
		UnlockRelation(log, RowExclusiveLock);
	return counted;
}

/*
 * The oldest transaction pos had not seen finished (the list is sorted),
 * but own when memory holds its entries (skip_own); pos->xmax when there is
 * none.
 */
static uint64
OldestUnseen(const ChangeLogPosition *pos, bool skip_own)
{
	int32		i;

	for (i = 0; i < pos->nxip; i++)
		if (!skip_own || !FullTransactionIdEquals(pos->xip[i], pos->own))
			return Min(U64FromFullTransactionId(pos->xip[i]), U64FromFullTransactionId(pos->xmax));
	return U64FromFullTransactionId(pos->xmax);
}

/*
 * Which scans of the log may be skipped (change_log_writers.c): those for
 * entries of this kind when no transaction that pos had not seen finished
 * wrote one (the running transaction's own entries do not count when memory
 * holds them), and then those for markers as well (no entry pos needed can
 * have been deleted); otherwise those for markers when no such transaction
 * (the running one included) left one.
 */
static void
ScansToSkip(Relation log, ChangeKind kind, const ChangeLogPosition *pos, Snapshot snap,
			bool own_in_memory, bool *skip_entries, bool *skip_markers)
{
	FullTransactionId bound;
	uint64		oldest = OldestUnseen(pos, own_in_memory);

	*skip_entries = false;
	*skip_markers = false;
	if (snap->takenDuringRecovery || !ChangeLogWritersBound(kind, &bound))
		return;
	if (U64FromFullTransactionId(bound) < oldest &&
		WritersCounted(log, snap, FullTransactionIdFromU64(oldest)))
	{
		*skip_entries = true;
		*skip_markers = true;
		return;
	}
	oldest = OldestUnseen(pos, false);
	*skip_markers = ChangeLogMarkersBound(&bound) &&
		U64FromFullTransactionId(bound) < oldest &&
		WritersCounted(log, snap, FullTransactionIdFromU64(oldest));
}

/*
 * Pass add() every id of the entries of this kind visible in snap that pos had
 * not seen (an id may come more than once), or return CHANGE_LOG_RELOAD when
 * a reload is needed: a reload entry, entries pruned past pos, more than
 * limit entries, or pos so old that its xids cannot be compared.
 */
ChangeLogResult
ChangeLogRead(ChangeKind kind, const ChangeLogPosition *pos, Snapshot snap, int32 limit,
			  void (*add) (const pg_uuid_t *id, void *arg), void *arg)
{
	LogReader	r = {change_kind_codes[kind], pos, ReadNextFullTransactionId(), limit, 0, false, add, arg};
	const char	codes[2] = {change_kind_codes[kind], CHANGE_LOG_MARKER};
	bool		own_in_memory = OwnEntriesInMemory(kind, pos);
	bool		skip_entries;
	bool		skip_markers;
	Relation	rel;
	int32		i;
	int			c;

	if (!pos->valid ||
		U64FromFullTransactionId(ReadNextFullTransactionId()) - U64FromFullTransactionId(pos->xmin) >
		((uint64) 1 << 30))
		return CHANGE_LOG_RELOAD;
	rel = ModelTableOpen(MT_CHANGE_LOG, AccessShareLock);
	ScansToSkip(rel, kind, pos, snap, own_in_memory, &skip_entries, &skip_markers);
	if (skip_entries)
	{
		table_close(rel, AccessShareLock);
		if (own_in_memory)
			ReadOwnEntries(&r, kind, pos->own_curcid);
		return r.reload ? CHANGE_LOG_RELOAD : CHANGE_LOG_DELTAS;
	}
	for (c = 0; c < (skip_markers ? 1 : 2) && !r.reload; c++)
	{
		bool		own_read = false;

		for (i = 0; i < pos->nxip && !r.reload; i++)
		{
			if (i > 0 && FullTransactionIdEquals(pos->xip[i], pos->xip[i - 1]))
				continue;
			/* the running transaction's own entries of the kind: from memory */
			if (c == 0 && own_in_memory && FullTransactionIdEquals(pos->xip[i], pos->own))
			{
				ReadOwnEntries(&r, kind, pos->own_curcid);
				own_read = true;
				continue;
			}
			ReadEntries(&r, rel, snap, codes[c], BTEqualStrategyNumber, F_XID8EQ, pos->xip[i],
						InvalidFullTransactionId);
		}
		if (r.reload)
			break;
		/* from xmax on, around the own transaction (it may be at or past xmax) */
		if (own_read && U64FromFullTransactionId(pos->own) >= U64FromFullTransactionId(pos->xmax))
		{
			ReadEntries(&r, rel, snap, codes[c], BTGreaterEqualStrategyNumber, F_XID8GE, pos->xmax,
						pos->own);
			if (!r.reload)
				ReadEntries(&r, rel, snap, codes[c], BTGreaterStrategyNumber, F_XID8GT, pos->own,
							InvalidFullTransactionId);
		}
		else
			ReadEntries(&r, rel, snap, codes[c], BTGreaterEqualStrategyNumber, F_XID8GE, pos->xmax,
						InvalidFullTransactionId);
	}
	table_close(rel, AccessShareLock);
	return r.reload ? CHANGE_LOG_RELOAD : CHANGE_LOG_DELTAS;
}

/*
 * What a cache of this kind must read again to be up to date at snap from
 * pos: the ids of the own changes a rollback undid, then those of the
 * entries pos had not seen (see ChangeLogRead); or CHANGE_LOG_RELOAD.
 */
ChangeLogResult
ChangeLogCollect(ChangeKind kind, const ChangeLogPosition *pos, Snapshot snap, int32 limit,
				 void (*add) (const pg_uuid_t *id, void *arg), void *arg)
{
	int32		taken = 0;

	if (ChangeLogOwnRollbackPending(kind) && ChangeLogTakeOwnRollback(kind, limit, &taken, add, arg))
		return CHANGE_LOG_RELOAD;
	return ChangeLogRead(kind, pos, snap, limit - taken, add, arg);
}

static void
IgnoreId(const pg_uuid_t *id, void *arg)
{
}

/* A cache of this kind is loaded again: the own rolled-back ids need no reading. */
void
ChangeLogForgetOwnRollback(ChangeKind kind)
{
	if (ChangeLogOwnRollbackPending(kind))
	{
		int32		taken;

		(void) ChangeLogTakeOwnRollback(kind, PG_INT32_MAX, &taken, IgnoreId, NULL);
	}
}
