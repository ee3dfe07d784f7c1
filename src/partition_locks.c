/*
 * partition_locks.c — the partition locks under the per-workspace locks
 * of a commit (partition_locks.h).
 *
 * Every commit first takes the partitions of its workspaces: a commit of
 * few workspaces in RowExclusiveLock (which only a bulk commit's lock
 * conflicts with), then each workspace's own lock; a bulk commit in
 * ExclusiveLock, and no workspace lock.  Partitions are taken in one order.
 *
 * A bulk commit never waits while it holds a partition: it takes them
 * without waiting and, when one is held, lets go of those it took, waits
 * for that one alone, and begins again.  A prepared transaction holds its
 * partitions until COMMIT PREPARED: a bulk commit waiting for one of them
 * with the lower ones held would hold up every commit of those partitions,
 * every tenant's, for as long.  Now only the bulk commit waits.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/lock.h"

#include "partition_locks.h"

/*
 * Lock the partitions p (of WORKSPACE_PARTITIONS) whose wanted[p] is set,
 * until the end of the transaction: in ExclusiveLock for a bulk commit,
 * else in RowExclusiveLock.
 */
void
LockPartitions(const bool *wanted, bool bulk, PartitionTagFunc tag_of)
{
	LOCKTAG		tag;
	uint32		p;

	if (!bulk)
	{
		for (p = 0; p < WORKSPACE_PARTITIONS; p++)
		{
			if (!wanted[p])
				continue;
			tag_of(&tag, p);
			(void) LockAcquire(&tag, RowExclusiveLock, false, false);
		}
		return;
	}
	for (;;)
	{
		uint32		held = WORKSPACE_PARTITIONS;	/* the first one another holds */
		uint32		q;

		for (p = 0; p < WORKSPACE_PARTITIONS; p++)
		{
			if (!wanted[p])
				continue;
			tag_of(&tag, p);
			if (LockAcquire(&tag, ExclusiveLock, false, true) == LOCKACQUIRE_NOT_AVAIL)
			{
				held = p;
				break;
			}
		}
		if (held == WORKSPACE_PARTITIONS)
			return;
		for (q = 0; q < held; q++)
		{
			if (!wanted[q])
				continue;
			tag_of(&tag, q);
			LockRelease(&tag, ExclusiveLock, false);
		}
		tag_of(&tag, held);
		(void) LockAcquire(&tag, ExclusiveLock, false, false);
		LockRelease(&tag, ExclusiveLock, false);
		CHECK_FOR_INTERRUPTS();
	}
}
