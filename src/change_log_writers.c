/*
 * change_log_writers.c — the highest transaction ids that wrote change-log
 * entries, per kind (change_log_writers.h), in the server's shared memory,
 * and the size of the writers' next prune.
 *
 * A reader (change_log.c) must take the entries of the transactions its
 * position had not seen finished: those it listed as running and every
 * later one.  When no such transaction wrote an entry of its kind, the
 * scans would find nothing; after every commit anywhere (the per-snapshot
 * reading of invalidation.c) that is the common case, and the scans cost
 * more than the check they precede.  So before each insert into the log,
 * the counter of the entry's kind is raised to the inserting transaction's
 * id: by change_log.c's writer itself, and for a statement of anyone else
 * (the DELETE guard, an owner's maintenance) by a statement trigger on the
 * log, for every kind (the TRUNCATE guard's reload entries are counted by
 * its own call as well); and a reader skips the scans when its counter and
 * the floor are below the oldest transaction it had not seen.  A reader
 * never skips while the trigger is missing or disabled, nor before it has
 * seen the transaction that last enabled it (change_log.c).
 * (Markers of deleted entries need no counter for that: an entry the
 * reader needed was written by a transaction it had not seen, whose raise
 * stays when the entry goes.  They have one all the same, raised by the
 * statement trigger with every kind's, so that a reader that must scan for
 * entries need not scan for markers when no transaction it had not seen
 * deleted any.)
 *
 * Why that is safe: an entry visible in the reader's snapshot was committed
 * before the snapshot was taken, so its counter was raised before that (the
 * raise precedes the insert, the insert the commit); the reader reads the
 * counters after taking its snapshot.  The floor, set once by the first
 * reader after the server starts (or a standby is promoted) to the next
 * transaction id then, covers entries written before the counters existed
 * (by an earlier server run, or replayed from WAL); every later writer
 * raised its own counter.  A hot standby runs no trigger: there, and when
 * the library is not preloaded (no counters), every read scans.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "change_log_writers.h"

/*
 * The next prune's batch of one database's log (each database has its own
 * log, and its own prune lock): 0 the smallest.  A database takes a free
 * entry at its first prune and keeps it; past PRUNE_DATABASES databases
 * the others have none.
 */
typedef struct PruneBatch
{
	pg_atomic_uint32 database;	/* its OID, InvalidOid: free */
	pg_atomic_uint32 batch;
} PruneBatch;

#define PRUNE_DATABASES		64

/* The counter of the markers that deletions leave (after those of the kinds). */
#define MARKERS		CHANGE_KINDS

typedef struct WritersShared
{
	pg_atomic_uint64 written[CHANGE_KINDS + 1]; /* highest full xid per kind and of markers, 0 none */
	pg_atomic_uint64 floor;		/* 0 until a reader sets it */
	PruneBatch	prune[PRUNE_DATABASES];
} WritersShared;

/*
 * A prune deletes a batch of old entries: PRUNE_BATCH_MIN, doubled after
 * each prune that left old entries behind, up to PRUNE_BATCH_MAX, and back
 * to the smallest after one that left none.
 */
#define PRUNE_BATCH_MIN		1000
#define PRUNE_BATCH_MAX		(16 * PRUNE_BATCH_MIN)

static WritersShared *writers = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* The kind change_log.c's writer is inserting, or -1 (any other insert: every kind). */
static int	writing_kind = -1;

static void
WritersShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(WritersShared)));
}

static void
WritersShmemStartup(void)
{
	bool		found;
	int			k;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	writers = ShmemInitStruct("share_acl change log writers", sizeof(WritersShared), &found);
	if (!found)
	{
		for (k = 0; k <= MARKERS; k++)
			pg_atomic_init_u64(&writers->written[k], 0);
		pg_atomic_init_u64(&writers->floor, 0);
		for (k = 0; k < PRUNE_DATABASES; k++)
		{
			pg_atomic_init_u32(&writers->prune[k].database, InvalidOid);
			pg_atomic_init_u32(&writers->prune[k].batch, 0);
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

/* A writer's insert that failed leaves no kind behind for the next insert. */
static void
WritersXactCallback(XactEvent event, void *arg)
{
	writing_kind = -1;
}

static void
WritersSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		writing_kind = -1;
}

/*
 * Ask for the shared counters when the library is preloaded; called once
 * from _PG_init.
 */
void
ChangeLogWritersInit(void)
{
	RegisterXactCallback(WritersXactCallback, NULL);
	RegisterSubXactCallback(WritersSubXactCallback, NULL);
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = WritersShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = WritersShmemStartup;
}

static void
Raise(pg_atomic_uint64 *counter, uint64 xid)
{
	uint64		old = pg_atomic_read_u64(counter);

	while (old < xid && !pg_atomic_compare_exchange_u64(counter, &old, xid))
		;
}

/*
 * Raise the counter of one kind, or of every kind and of the markers (kind
 * -1), to the current transaction's id.
 */
static void
RaiseCounters(int kind)
{
	uint64		xid;
	int			k;

	if (writers == NULL)
		return;
	xid = U64FromFullTransactionId(GetTopFullTransactionId());
	for (k = 0; k <= MARKERS; k++)
		if (kind < 0 || k == kind)
			Raise(&writers->written[k], xid);
	pg_memory_barrier();
}

/*
 * change_log.c's writer inserts entries of this kind: counted here, before
 * the insert (also when an owner has disabled the trigger); the trigger
 * then leaves them be.
 */
void
ChangeLogWriting(ChangeKind kind)
{
	RaiseCounters(kind);
	writing_kind = kind;
}

/* Entries of every kind are written outside change_log.c's writer (the TRUNCATE guard). */
void
ChangeLogWritingAll(void)
{
	RaiseCounters(-1);
}

/* ... and is done (or failed: the (sub)transaction's abort says so too). */
void
ChangeLogWritingDone(void)
{
	writing_kind = -1;
}

PG_FUNCTION_INFO_V1(change_log_written);

/*
 * change_log_written() — BEFORE INSERT statement trigger on change_log:
 * unless the statement is change_log.c's own (counted already), raise every
 * kind's counter to the current transaction's id.
 */
Datum
change_log_written(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("change_log_written() must be called as a trigger")));
	if (writing_kind < 0)
		RaiseCounters(-1);
	return PointerGetDatum(NULL);
}

/*
 * Set *bound to an id at or above that of every transaction whose entries
 * counted in counter may be visible to a snapshot taken before this call;
 * false when there is none to give (not preloaded, or in recovery).
 */
static bool
Bound(int counter, FullTransactionId *bound)
{
	uint64		floor;

	if (writers == NULL || RecoveryInProgress())
		return false;
	pg_memory_barrier();
	floor = pg_atomic_read_u64(&writers->floor);
	if (floor == 0)
	{
		uint64		next = U64FromFullTransactionId(ReadNextFullTransactionId());

		if (pg_atomic_compare_exchange_u64(&writers->floor, &floor, next))
			floor = next;
	}
	*bound = FullTransactionIdFromU64(Max(floor, pg_atomic_read_u64(&writers->written[counter])));
	return true;
}

/* ... of the entries of this kind */
bool
ChangeLogWritersBound(ChangeKind kind, FullTransactionId *bound)
{
	return Bound(kind, bound);
}

/*
 * ... of the markers of deleted entries: they are inserted by the log's
 * guard, never by change_log.c's writer, so the statement trigger counts
 * every one.
 */
bool
ChangeLogMarkersBound(FullTransactionId *bound)
{
	return Bound(MARKERS, bound);
}

/*
 * The current database's prune batch; with claim, a free entry taken for
 * it when it has none.  NULL: not preloaded, or no entry (all taken).
 * Found once per backend (its database does not change).
 */
static PruneBatch *
PruneBatchOf(bool claim)
{
	static PruneBatch *mine = NULL; /* (an entry is never given up) */
	int			i;

	if (mine != NULL || writers == NULL)
		return mine;
	for (i = 0; i < PRUNE_DATABASES && mine == NULL; i++)
		if (pg_atomic_read_u32(&writers->prune[i].database) == MyDatabaseId)
			mine = &writers->prune[i];
	for (i = 0; claim && i < PRUNE_DATABASES && mine == NULL; i++)
	{
		uint32		unused = InvalidOid;

		if (pg_atomic_compare_exchange_u32(&writers->prune[i].database, &unused, MyDatabaseId) ||
			unused == MyDatabaseId)
			mine = &writers->prune[i];
	}
	return mine;
}

/*
 * How many old entries the next prune of this database's log deletes at
 * most (beyond what its backend wrote since its last prune): the batch,
 * greater than the smallest while old entries are left behind; -1, all of
 * them, when there is no shared batch to carry a backlog from one session
 * to the next (not preloaded, or more than PRUNE_DATABASES databases).
 * Called under the database's prune lock.
 */
int64
ChangeLogPruneBatch(void)
{
	PruneBatch *p = PruneBatchOf(true);
	uint32		batch;

	if (p == NULL)
		return -1;
	batch = pg_atomic_read_u32(&p->batch);
	return batch == 0 ? PRUNE_BATCH_MIN : batch;
}

/* Did the last prune of this database's log leave old entries behind (so the next write prunes)? */
bool
ChangeLogPruneBehind(void)
{
	PruneBatch *p = PruneBatchOf(false);

	return p != NULL && pg_atomic_read_u32(&p->batch) != 0;
}

/*
 * A prune of this database's log is done: it left old entries behind (the
 * next batch is twice as big, so that prunes outpace any rate of writes),
 * or none.  Called under the database's prune lock (change_log.c): one
 * transaction of the database prunes at a time.
 */
void
ChangeLogPruned(bool left_some)
{
	PruneBatch *p = PruneBatchOf(true);
	uint32		batch;

	if (p == NULL)
		return;
	batch = pg_atomic_read_u32(&p->batch);
	batch = left_some ? Min(2 * Max(batch, PRUNE_BATCH_MIN), PRUNE_BATCH_MAX) : 0;
	pg_atomic_write_u32(&p->batch, batch);
}
