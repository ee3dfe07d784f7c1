/*
 * commit_waits.c — a lock wait at commit with a bound of its own.
 *
 * PostgreSQL applies no statement_timeout to COMMIT, so what a commit
 * waits for (a link row a revoke_link left locked, a workspace a prepared
 * transaction holds) would be waited for until it ends, whatever the client
 * asked.  The callers (link_attempts.c's view counting, partition_locks.c's
 * workspace locks) run the wait with lock_timeout set to their bound for its
 * length, and raise an error of their own, saying what was waited for, when
 * the bound ends it.
 *
 * A commit that has written rows other transactions wait for — a share
 * link's counters, which every viewer of the link updates at its own commit
 * (link_attempts.c) — holds them until it ends.  What it waits for after
 * that, everyone waiting for those rows waits for too: a workspace that a
 * prepared transaction holds (until COMMIT PREPARED, which whoever holds a
 * token and writes in a workspace of its own could leave pending), or a
 * commit stuck behind one.  So from then on its waits for the workspace
 * locks of other workspaces (partition_locks.c) fail at once behind a
 * prepared transaction and last at most COMMIT_HOLDING_WAIT_MAX_MS
 * otherwise (55P03, rolled back).  Not those of the links' own workspace,
 * when they all have one and the same, where the opens wrote their audit
 * rows: whoever holds it (a bulk load's seal, a prepared transaction of
 * the application's) holds up every audited commit there, the views of
 * those links included, anyway.
 */
#include "postgres.h"

#include "access/xact.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "commit_waits.h"
#include "xact_notes.h"

/*
 * the current transaction holds rows others wait for (CommitHoldsWaitedRows),
 * and the one workspace whose waits are not cut short, if any
 */
static bool holding_waited_rows = false;
static bool has_own_workspace = false;
static pg_uuid_t own_workspace;

/*
 * Run wait(arg) with lock_timeout at wait_ms (> 0) for its lock waits: true
 * when that ended it (the lock timeout's error is dropped: the caller raises
 * its own at once, and the transaction aborts), false when it returned (the
 * setting back as it was).  Any other error goes on.
 */
bool
CommitWaitBounded(int wait_ms, void (*wait) (void *arg), void *arg)
{
	MemoryContext context = CurrentMemoryContext;
	char		wait_text[16];
	int			nest;
	volatile bool timed_out = false;

	snprintf(wait_text, sizeof(wait_text), "%d", wait_ms);
	nest = NewGUCNestLevel();
	(void) set_config_option("lock_timeout", wait_text, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	PG_TRY();
	{
		wait(arg);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(context);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			PG_RE_THROW();
		FlushErrorState();
		timed_out = true;
	}
	PG_END_TRY();
	if (!timed_out)
		AtEOXact_GUC(true, nest);
	return timed_out;
}

/*
 * The current transaction has written rows that other transactions wait
 * for, and holds them until it ends: its later waits for the locks of other
 * workspaces than own_workspace (NULL: of every workspace) are cut short
 * (see the top of this file).
 */
void
CommitHoldsWaitedRows(const pg_uuid_t *workspace)
{
	has_own_workspace = workspace != NULL;
	if (workspace != NULL)
		own_workspace = *workspace;
	holding_waited_rows = true;
}

/*
 * Is a wait for the lock of this workspace (NULL: the chain of rows without
 * one) to be cut short?
 */
bool
CommitWaitCutShort(const pg_uuid_t *workspace)
{
	return holding_waited_rows &&
		!(workspace != NULL && has_own_workspace &&
		  memcmp(own_workspace.data, workspace->data, UUID_LEN) == 0);
}

/* max_ms, or lock_timeout or statement_timeout when shorter: a wait's bound at commit */
int
CommitWaitBound(int max_ms)
{
	int			wait_ms = max_ms;

	if (LockTimeout > 0 && LockTimeout < wait_ms)
		wait_ms = LockTimeout;
	if (StatementTimeout > 0 && StatementTimeout < wait_ms)
		wait_ms = StatementTimeout;
	return wait_ms;
}

static void
CommitWaitsXactCallback(XactEvent event, void *arg)
{
	if (XactEventEnds(event))
	{
		holding_waited_rows = false;
		has_own_workspace = false;
	}
}

void
CommitWaitsInit(void)
{
	RegisterXactCallback(CommitWaitsXactCallback, NULL);
}
