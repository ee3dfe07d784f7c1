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
 * the partitions held was starved by the commits queued behind it.
 */
#include "postgres.h"

#include "access/twophase.h"
#include "storage/lock.h"

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

/*
 * Take the lock on tag in mode until the end of the transaction, waiting
 * for its holders, unless a prepared transaction holds a conflicting one:
 * then take nothing and return false.
 */
bool
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
