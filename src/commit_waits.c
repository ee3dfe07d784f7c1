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
 */
#include "postgres.h"

#include "utils/guc.h"
#include "utils/memutils.h"

#include "commit_waits.h"

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
