/*
 * commit_waits.h — a lock wait at commit with a bound of its own
 * (commit_waits.c): PostgreSQL applies no statement_timeout to COMMIT.
 */
#ifndef SHARE_ACL_COMMIT_WAITS_H
#define SHARE_ACL_COMMIT_WAITS_H

extern bool CommitWaitBounded(int wait_ms, void (*wait) (void *arg), void *arg);

#endif							/* SHARE_ACL_COMMIT_WAITS_H */
