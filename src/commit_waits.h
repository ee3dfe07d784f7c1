/*
 * commit_waits.h — a lock wait at commit with a bound of its own
 * (commit_waits.c): PostgreSQL applies no statement_timeout to COMMIT.  And
 * whether the commit holds rows other transactions wait for, whose later
 * lock waits are then cut short.
 */
#ifndef SHARE_ACL_COMMIT_WAITS_H
#define SHARE_ACL_COMMIT_WAITS_H

#include "utils/uuid.h"

/*
 * How long a commit that holds rows others wait for (CommitHoldsWaitedRows)
 * waits for any later lock, at most.
 */
#define COMMIT_HOLDING_WAIT_MAX_MS	2000

extern bool CommitWaitBounded(int wait_ms, void (*wait) (void *arg), void *arg);
extern void CommitHoldsWaitedRows(const pg_uuid_t *own_workspace);
extern bool CommitWaitCutShort(const pg_uuid_t *workspace);
extern int	CommitWaitBound(int max_ms);
extern void CommitWaitsInit(void);

#endif							/* SHARE_ACL_COMMIT_WAITS_H */
