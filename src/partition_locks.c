/*
 * partition_locks.c — the partition locks under the per-workspace locks
 * of a commit (partition_locks.h).
 *
 * Every commit first takes the partitions of its workspaces: a commit of
 * few workspaces in RowExclusiveLock (which only a bulk commit's lock
 * conflicts with), then each workspace's own lock; a bulk commit in
 * ExclusiveLock, and no workspace lock.  Partitions are taken in one order.
 *
 * A prepared transaction holds its partitions until COMMIT PREPARED (or
 * ROLLBACK PREPARED), which may be long: a bulk commit that waited for it
 * would hold up, meanwhile, every commit in the partitions it already holds.
 * It fails instead (55P03).  One that waits for a live transaction keeps
 * waiting if that transaction is then prepared; a back-off that let go of
 * the partitions held was starved by the commits queued behind it.  So no
 * commit of few workspaces waits for a workspace's lock (which a prepared
 * transaction may hold) while it holds partitions: a bulk commit would
 * otherwise wait for it, and so for the prepared transaction.
 *
 * A commit that holds rows other transactions wait for (a share link's
 * counters: commit_waits.h) waits for the workspace locks its caller marks
 * (CommitWaitCutShort) not at all behind a prepared transaction, and not
 * longer than COMMIT_HOLDING_WAIT_MAX_MS behind any other.
 */
#include "postgres.h"

#include "access/twophase.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"

#include "commit_waits.h"
#include "partition_locks.h"

/*
 * Does a prepared transaction hold a lock conflicting with mode on tag?  (A
 * transaction prepared in this run of the server keeps the virtual id of
 * the backend that prepared it; one recovered has none.)
 */
static bool
LockHeldByPrepared(const LOCKTAG *tag, LOCKMODE mode)
{
	int			count;
	VirtualTransactionId *holders = GetLockConflicts(tag, mode, &count);
	int			i;

	for (i = 0; i < count; i++)
	{
		bool		more;

		if (VirtualTransactionIdIsRecoveredPreparedXact(holders[i]) ||
			TransactionIdIsValid(TwoPhaseGetXidByVirtualXID(holders[i], &more)))
			return true;
	}
	return false;
}

/* A workspace lock to wait for (CommitWaitBounded's argument). */
typedef struct WorkspaceLockWait
{
	const LOCKTAG *tag;
	LOCKMODE	mode;
} WorkspaceLockWait;

static void
AcquireWaiting(void *arg)
{
	WorkspaceLockWait *w = (WorkspaceLockWait *) arg;

	(void) LockAcquire(w->tag, w->mode, false, false);
}

/*
 * Wait for workspace lock tag in mode as a commit that holds rows other
 * transactions wait for (commit_waits.h): not at all behind a prepared
 * transaction, at most COMMIT_HOLDING_WAIT_MAX_MS behind any other; 55P03
 * then, and the transaction rolled back, letting go of those rows.
 */
static void
WaitHoldingWaitedRows(const LOCKTAG *tag, LOCKMODE mode)
{
	WorkspaceLockWait w = {tag, mode};
	int			wait_ms;

	if (LockHeldByPrepared(tag, mode))
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("could not commit: a prepared transaction holds a workspace this transaction wrote in"),
				 errdetail("This transaction counted a share link's views: it holds the link's row, which the link's other viewers wait for, until it ends, and so waits for no prepared transaction (which holds the workspace until COMMIT PREPARED or ROLLBACK PREPARED). It is rolled back."),
				 errhint("Open share links in transactions of their own, or end the prepared transactions (pg_prepared_xacts).")));
	wait_ms = CommitWaitBound(COMMIT_HOLDING_WAIT_MAX_MS);
	if (CommitWaitBounded(wait_ms, AcquireWaiting, &w))
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("could not commit: another commit held a workspace this transaction wrote in for %d ms", wait_ms),
				 errdetail("This transaction counted a share link's views: it holds the link's row, which the link's other viewers wait for, until it ends, and so waits for no other lock longer than that. It is rolled back."),
				 errhint("Retry the transaction; open share links in transactions of their own.")));
}

/*
 * Wait for the workspace lock tag in mode.  PostgreSQL applies no
 * statement_timeout to COMMIT, so a commit behind a prepared transaction
 * would wait until COMMIT PREPARED whatever the client asked: when a
 * prepared transaction holds the lock, the wait ends after
 * statement_timeout, when that is set and shorter than lock_timeout (which
 * ends it otherwise), with 55P03 and the transaction rolled back.  Behind a
 * commit under way (a bulk load's seal may take seconds) it waits as
 * before: that one ends by itself.  (When cut_short, as a commit holding
 * rows others wait for: WaitHoldingWaitedRows.)
 */
static void
WaitForWorkspaceLock(const LOCKTAG *tag, LOCKMODE mode, bool cut_short)
{
	WorkspaceLockWait w = {tag, mode};

	if (cut_short)
		WaitHoldingWaitedRows(tag, mode);
	else if (StatementTimeout <= 0 || (LockTimeout > 0 && LockTimeout <= StatementTimeout) ||
		!LockHeldByPrepared(tag, mode))
		AcquireWaiting(&w);
	else if (CommitWaitBounded(StatementTimeout, AcquireWaiting, &w))
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("could not commit: a prepared transaction holds a workspace this transaction wrote in"),
				 errdetail("The commit waited %d ms (statement_timeout) for it: a prepared transaction holds it until COMMIT PREPARED or ROLLBACK PREPARED. This transaction is rolled back.",
						   StatementTimeout),
				 errhint("Retry the transaction; look for a prepared transaction left in pg_prepared_xacts.")));
}

/*
 * Take the lock on tag in mode until the end of the transaction, waiting
 * for its holders, unless a prepared transaction holds a conflicting one:
 * then take nothing and return false.
 */
static bool
LockAcquireUnlessPrepared(const LOCKTAG *tag, LOCKMODE mode)
{
	if (LockAcquire(tag, mode, false, true) != LOCKACQUIRE_NOT_AVAIL)
		return true;
	if (LockHeldByPrepared(tag, mode))
		return false;
	(void) LockAcquire(tag, mode, false, false);
	return true;
}

/*
 * Lock the partitions p (of WORKSPACE_PARTITIONS) whose wanted[p] is set,
 * until the end of the transaction: in ExclusiveLock for a bulk commit,
 * else in RowExclusiveLock.  A bulk commit fails (55P03) rather than wait
 * for a prepared transaction.
 */
void
LockPartitions(const bool *wanted, bool bulk, PartitionTagFunc tag_of)
{
	LOCKTAG		tag;
	uint32		p;

	for (p = 0; p < WORKSPACE_PARTITIONS; p++)
	{
		if (!wanted[p])
			continue;
		tag_of(&tag, p);
		if (!bulk)
			(void) LockAcquire(&tag, RowExclusiveLock, false, false);
		else if (!LockAcquireUnlessPrepared(&tag, ExclusiveLock))
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("a prepared transaction holds workspaces that this transaction wrote in"),
					 errdetail("A commit that wrote in more than %d workspaces locks them by partition; waiting for the prepared transaction would hold up every other commit in those partitions until it ends.",
							   PARTITION_LOCKS_EXACT_MAX),
					 errhint("End the prepared transactions (pg_prepared_xacts) with COMMIT PREPARED or ROLLBACK PREPARED, or split this transaction into smaller ones.")));
	}
}

/* Let go of the partitions that LockPartitions took for a commit of few workspaces. */
static void
UnlockPartitions(const bool *wanted, PartitionTagFunc tag_of)
{
	LOCKTAG		tag;
	uint32		p;

	for (p = 0; p < WORKSPACE_PARTITIONS; p++)
	{
		if (!wanted[p])
			continue;
		tag_of(&tag, p);
		(void) LockRelease(&tag, RowExclusiveLock, false);
	}
}

/*
 * For a commit of few workspaces: lock the partitions wanted (as
 * LockPartitions), then the n workspace locks tags[i] in modes[i], in the
 * order given (one order for every commit), until the end of the
 * transaction.  A workspace lock not granted at once is waited for
 * (WaitForWorkspaceLock: at most statement_timeout) with no partition held — its holder may be a prepared transaction, and a bulk
 * commit waiting meanwhile for one of those partitions would hold up every
 * commit of the partitions it already holds until COMMIT PREPARED — and the
 * partitions are taken again once the workspace locks are granted.  (What
 * the workspace locks guard is read and written only with both held; a bulk
 * commit takes its partitions exclusively and no workspace lock.)
 *
 * With unless_prepared, a workspace lock that a prepared transaction holds
 * is not waited for: its index is returned, the locks after it not taken;
 * otherwise -1.  A wait for tags[i] with cut_short[i] (cut_short may be
 * NULL: none) is a commit's that holds rows others wait for
 * (WaitHoldingWaitedRows).
 */
int
LockWorkspaces(const bool *wanted, PartitionTagFunc tag_of, const LOCKTAG *tags,
			   const LOCKMODE *modes, const bool *cut_short, int n, bool unless_prepared)
{
	bool		partitions_held = true;
	int			i;

	LockPartitions(wanted, false, tag_of);
	for (i = 0; i < n; i++)
	{
		if (LockAcquire(&tags[i], modes[i], false, true) != LOCKACQUIRE_NOT_AVAIL)
			continue;
		if (unless_prepared && LockHeldByPrepared(&tags[i], modes[i]))
			return i;
		if (partitions_held)
		{
			UnlockPartitions(wanted, tag_of);
			partitions_held = false;
		}
		WaitForWorkspaceLock(&tags[i], modes[i], cut_short != NULL && cut_short[i]);
	}
	if (!partitions_held)
		LockPartitions(wanted, false, tag_of);
	return -1;
}
