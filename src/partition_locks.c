/*
 * partition_locks.c — the partition locks under the per-workspace locks
 * of a commit (partition_locks.h).
 *
 * Every commit first takes the partitions of its workspaces: a commit of
 * few workspaces in RowExclusiveLock (which only a bulk commit's lock
 * conflicts with), then each workspace's own lock; a bulk commit in
 * ExclusiveLock, and no workspace lock.  Partitions are taken in one order.
 *
 * A bulk commit behind a prepared transaction (which holds its partitions
 * until COMMIT PREPARED) waits for it with the lower partitions held; a
 * back-off that let go of them was starved by the commits queued behind it.
 */
#include "postgres.h"

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

	for (p = 0; p < WORKSPACE_PARTITIONS; p++)
	{
		if (!wanted[p])
			continue;
		tag_of(&tag, p);
		(void) LockAcquire(&tag, bulk ? ExclusiveLock : RowExclusiveLock, false, false);
	}
}
