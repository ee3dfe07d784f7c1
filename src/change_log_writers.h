/*
 * change_log_writers.h — which transactions may have written change-log
 * entries, kept in shared memory so that a reader can skip scanning the log
 * when no transaction it has not seen wrote any.
 *
 * Owned by change_log_writers.c.  Per kind of entry, and for the markers
 * that deletions leave, the highest transaction id that wrote one: raised
 * before the insert (by change_log.c's writer, or by the log's statement
 * trigger for anyone else's), so before the writer's commit can be visible
 * in any snapshot.  Only when the library is preloaded (the counters live
 * in the server's main shared memory); otherwise, and in recovery, there is
 * no bound and every read scans.
 *
 * Beside them, the size of the writers' next prune of old entries of each
 * database's log (ChangeLogPruneBatch): a batch that grows while prunes
 * leave old entries behind, kept in shared memory, so that whoever writes
 * next in that database carries on; without the preloaded library there is
 * none, and a prune takes everything old.
 */
#ifndef SHARE_ACL_CHANGE_LOG_WRITERS_H
#define SHARE_ACL_CHANGE_LOG_WRITERS_H

#include "postgres.h"

#include "access/transam.h"

#include "change_log.h"

extern void ChangeLogWritersInit(void);
extern void ChangeLogWriting(ChangeKind kind);
extern void ChangeLogWritingAll(void);
extern void ChangeLogWritingDone(void);
extern bool ChangeLogWritersBound(ChangeKind kind, FullTransactionId *bound);
extern bool ChangeLogMarkersBound(FullTransactionId *bound);
extern int64 ChangeLogPruneBatch(void);
extern bool ChangeLogPruneBehind(void);
extern void ChangeLogPruned(bool left_some);

#endif							/* SHARE_ACL_CHANGE_LOG_WRITERS_H */
