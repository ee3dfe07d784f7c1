/*
 * change_log.h — the log of changed ids that lets every backend bring its
 * caches up to date by deltas instead of reloading them.
 *
 * Owns the trigger that writes share_acl.change_log (and sends the relcache
 * invalidation that tells other backends to read it), the pruning of old
 * entries, and the reading of the entries a backend has not yet applied, for
 * the structure (structure.c) and the principal store (principals.c).
 * What "not yet applied" means is a ChangeLogPosition: the snapshot the
 * backend last brought its structure up to date with.
 */
#ifndef SHARE_ACL_CHANGE_LOG_H
#define SHARE_ACL_CHANGE_LOG_H

#include "postgres.h"

#include "access/transam.h"
#include "utils/snapshot.h"
#include "utils/uuid.h"

/*
 * A snapshot, kept as what it saw: every transaction below xmax that is not
 * listed in xip had finished (its entries, if committed, were visible).
 * The transaction that took it (own) is listed too: its later entries were
 * not visible yet.
 */
typedef struct ChangeLogPosition
{
	bool		valid;
	FullTransactionId xmin;
	FullTransactionId xmax;
	int32		nxip;
	FullTransactionId *xip;		/* sorted; the own transaction included */
	FullTransactionId own;		/* the transaction that took it, if it had an xid */
	CommandId	own_curcid;		/* its entries before this command were seen */
} ChangeLogPosition;

/* Which cache an entry is for. */
typedef enum ChangeKind
{
	CHANGE_STRUCTURE,			/* 'r': resource, collection_item (structure.c) */
	CHANGE_PRINCIPAL,			/* 'p': principal, member, team_member, share (principals.c) */
	CHANGE_WORKSPACE,			/* 'w': workspace (workspaces.c) */
	CHANGE_KINDS
} ChangeKind;

/* What ChangeLogRead found. */
typedef enum ChangeLogResult
{
	CHANGE_LOG_DELTAS,			/* the ids were passed to the callback */
	CHANGE_LOG_RELOAD			/* too many, a reload entry, or entries pruned: reload */
} ChangeLogResult;

extern void ChangeLogInit(void);
extern void ChangeLogSetPosition(ChangeLogPosition *pos, Snapshot snap, MemoryContext cxt);
extern ChangeLogResult ChangeLogRead(ChangeKind kind, const ChangeLogPosition *pos, Snapshot snap,
									 int32 limit, void (*add) (const pg_uuid_t *id, void *arg),
									 void *arg);


/*
 * The ids this backend logged in a transaction (or subtransaction) that was
 * then rolled back, or prepared: what its own caches applied of them must be
 * read again (ChangeLogCollect hands them over with the log's entries).
 */
extern bool ChangeLogOwnChanges(ChangeKind kind);
extern bool ChangeLogOwnRollbackPending(ChangeKind kind);
extern ChangeLogResult ChangeLogCollect(ChangeKind kind, const ChangeLogPosition *pos,
										Snapshot snap, int32 limit,
										void (*add) (const pg_uuid_t *id, void *arg), void *arg);
extern void ChangeLogForgetOwnRollback(ChangeKind kind);

#endif							/* SHARE_ACL_CHANGE_LOG_H */
