/*
 * partition_locks.h — the locks by which a commit excludes the commits of
 * the same workspaces: one lock per workspace, under a lock per partition
 * of the workspaces (owned by partition_locks.c).  The audit seal
 * (audit_seal.c) and the commit recheck (commit_recheck.c) each take them
 * with tags of their own.
 */
#ifndef SHARE_ACL_PARTITION_LOCKS_H
#define SHARE_ACL_PARTITION_LOCKS_H

#include "postgres.h"

#include "storage/lock.h"

/*
 * A commit of up to PARTITION_LOCKS_EXACT_MAX workspaces locks each of
 * them; one of more (a bulk load of 100,000 workspaces would exhaust the
 * shared lock table so) locks their partitions instead, one of
 * WORKSPACE_PARTITIONS each (uuid_partition of the workspace id).
 */
#define PARTITION_LOCKS_EXACT_MAX	1000
#define WORKSPACE_PARTITIONS		256

/* Set *tag to the lock of partition p. */
typedef void (*PartitionTagFunc) (LOCKTAG *tag, uint32 p);

extern void LockPartitions(const bool *wanted, bool bulk, PartitionTagFunc tag_of);
extern int	LockWorkspaces(const bool *wanted, PartitionTagFunc tag_of, const LOCKTAG *tags,
						   const LOCKMODE *modes, const bool *cut_short, int n,
						   bool unless_prepared);

#endif							/* SHARE_ACL_PARTITION_LOCKS_H */
