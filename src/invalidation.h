/*
 * invalidation.h — when cached model data stops being right.
 *
 * Owns the invalidation counters (bumped by the relcache callback when a
 * model table changes, per group of tables), the signal of a change, the statement boundary at which
 * a backend takes in pending invalidations, the snapshot a read uses, and
 * the "transient" tags of what was read under a query's snapshot in
 * parallel mode.
 */
#ifndef SHARE_ACL_INVALIDATION_H
#define SHARE_ACL_INVALIDATION_H

#include "postgres.h"

#include "utils/snapshot.h"

typedef enum InvalGroup
{
	INVAL_STRUCTURE,			/* resource, collection_item: apply the change log */
	INVAL_WORKSPACES,			/* workspace */
	INVAL_PRINCIPALS,			/* principal, member, team_member, share */
	INVAL_LINKS,				/* link, signing_key */
	INVAL_GROUPS
} InvalGroup;

extern void InvalidationInit(void);
extern void SignalChange(Oid relid);

/* Per group, a count that changes whenever the group may have changed. */
extern uint64 share_acl_inval_counts[INVAL_GROUPS];

/*
 * A count that changes whenever share_acl.change_log's relation cache entry
 * may have changed (its triggers, say): each of its invalidations, and each
 * cache reset.
 */
extern uint64 share_acl_change_log_invals;

/* The invalidation count of a group. */
static inline uint64
InvalCount(InvalGroup group)
{
	return share_acl_inval_counts[group];
}

/*
 * In parallel mode no new snapshot may be taken, so what is read there uses
 * the query's snapshot and is "transient": tagged with the statement that
 * read it, and valid only during that statement while it is still in
 * parallel mode (a later statement of a READ COMMITTED transaction has a
 * newer snapshot).  Tag 0 means "valid until invalidated".
 */
typedef uint64 TransientTag;

extern void CacheBeginStatement(void);
/*
 * The checks after it in this statement see what other transactions have
 * committed (for a call that checked, then waited for a lock: it asks again).
 */
extern void CacheSeeCommitted(void);
extern TransientTag CacheTransientTag(bool transient);
extern bool CacheTransientStillValid(TransientTag tag);

/*
 * May something read with this tag still be used?  Transient data only in
 * parallel mode, in the same statement, under the same snapshot (another
 * query of the same statement, e.g. inside a function, may have a newer one).
 */
static inline bool
CacheTransientValid(TransientTag tag)
{
	return tag == 0 || CacheTransientStillValid(tag);
}

extern Snapshot ReadSnapshot(bool *transient);

#endif							/* SHARE_ACL_INVALIDATION_H */
