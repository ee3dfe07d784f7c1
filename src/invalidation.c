/*
 * invalidation.c — the invalidation counters, statement boundaries,
 * read snapshots and transient tags of invalidation.h.
 *
 * Correctness (SPEC R13): every statement that changes a model table fires a
 * statement-level trigger (for the tables kept by id, change_log.c's, which
 * also records the changed ids) that calls SignalChange(): a relcache
 * invalidation of the signal relation of the table's group, a composite type
 * that no query reads (an invalidation of the table itself would make every
 * backend plan again each statement that names it).  The message is sent at
 * commit (and WAL-logged, so hot standbys replay it); every backend runs the
 * callback below when it next accepts invalidation messages, at the latest
 * at the start of its next statement (and, for its own changes, at the next
 * command).  The callback only bumps a counter; the next check brings the
 * part up to date.  An invalidation of a model table itself (DDL, VACUUM's
 * statistics) counts as well.  Reads use the latest snapshot: a commit that the
 * snapshot misses sends its invalidation after becoming visible, so it is
 * processed after the read and the part is brought up to date again.
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/transam.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "storage/proc.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "invalidation.h"

uint64		share_acl_inval_counts[INVAL_GROUPS] = {1, 1, 1, 1};
uint64		share_acl_change_log_invals = 1;

/*
 * The relcache callback: count the change against the group of its table;
 * every group after a cache reset (messages were lost).
 */
static void
RelcacheCallback(Datum arg, Oid relid)
{
	int			g;

	if (relid == InvalidOid)
	{
		for (g = 0; g < INVAL_GROUPS; g++)
			share_acl_inval_counts[g]++;
		share_acl_change_log_invals++;
		return;
	}
	for (g = 0; g < INVAL_GROUPS; g++)
		if (relid == catalog.oids[MT_SIGNAL_STRUCTURE + g])
		{
			share_acl_inval_counts[g]++;
			return;
		}
	switch (CatalogTableOf(relid))
	{
		case MT_RESOURCE:
		case MT_COLLECTION_ITEM:
			share_acl_inval_counts[INVAL_STRUCTURE]++;
			break;
		case MT_WORKSPACE:
			share_acl_inval_counts[INVAL_WORKSPACES]++;
			break;
		case MT_PRINCIPAL:
		case MT_MEMBER:
		case MT_TEAM_MEMBER:
		case MT_SHARE:
		case MT_REVIEW_REVIEWER:
			share_acl_inval_counts[INVAL_PRINCIPALS]++;
			break;
		case MT_LINK:
		case MT_SIGNING_KEY:
			share_acl_inval_counts[INVAL_LINKS]++;
			break;
		case MT_CHANGE_LOG:
			/* TRUNCATE of the log: read it again */
			share_acl_inval_counts[INVAL_STRUCTURE]++;
			share_acl_inval_counts[INVAL_PRINCIPALS]++;
			share_acl_change_log_invals++;
			break;
		default:
			break;
	}
}

/* Register the relcache callback; called once from _PG_init. */
void
InvalidationInit(void)
{
	CacheRegisterRelcacheCallback(RelcacheCallback, (Datum) 0);
}

StaticAssertDecl(MT_SIGNAL_WORKSPACES - MT_SIGNAL_STRUCTURE == INVAL_WORKSPACES &&
				 MT_SIGNAL_PRINCIPALS - MT_SIGNAL_STRUCTURE == INVAL_PRINCIPALS &&
				 MT_SIGNAL_LINKS - MT_SIGNAL_STRUCTURE == INVAL_LINKS,
				 "one signal relation per invalidation group, in the groups' order");

/* The invalidation group of a model table's cached data. */
static InvalGroup
GroupOf(ModelRel table)
{
	switch (table)
	{
		case MT_RESOURCE:
		case MT_COLLECTION_ITEM:
			return INVAL_STRUCTURE;
		case MT_WORKSPACE:
			return INVAL_WORKSPACES;
		case MT_LINK:
		case MT_SIGNING_KEY:
			return INVAL_LINKS;
		default:
			return INVAL_PRINCIPALS;
	}
}

/*
 * The current transaction changed the model table relid: make every backend
 * count a change of its group at commit (this one at its next command).
 */
void
SignalChange(Oid relid)
{
	ModelRel	table;

	CatalogLookup();
	table = CatalogTableOf(relid);
	if (table == MT_COUNT)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("share_acl cache triggers fire only on the share_acl model tables"),
				 errdetail("Relation %u is none of them.", relid)));
	CacheInvalidateRelcacheByRelid(catalog.oids[MT_SIGNAL_STRUCTURE + GroupOf(table)]);
}

PG_FUNCTION_INFO_V1(cache_invalidate_trigger);

/*
 * cache_invalidate_trigger() — statement-level trigger on the model tables
 * not kept by id (workspace, link): signal the change (SignalChange).
 */
Datum
cache_invalidate_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("cache_invalidate_trigger() must be called as a trigger")));
	SignalChange(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}

/* Statements seen by this backend (a new one at each new top-level statement). */
static uint64 statement_seq = 1;

/* Transactions ended in the cluster as of the newest snapshot this backend checked under (see below). */
static uint64 completions_seen = 0;

/*
 * Take in pending invalidations at the first call of each statement, so that
 * in READ COMMITTED a change committed before the statement began is seen by
 * it even when the statement itself opens no relation.
 *
 * A commit is visible a moment before its invalidation messages are sent
 * (ProcArrayEndTransaction, then AtEOXact_Inval; FinishPreparedTransaction's
 * ProcArrayRemove, then the files of the relations it dropped are unlinked,
 * then the messages: tens of ms; in recovery
 * ExpireTreeKnownAssignedTransactionIds, then the commit record's messages).
 * A snapshot taken then sees the commit, and no message has come: every part
 * would answer as it was, a revoked share still allowed.  Each of those
 * steps advances xactCompletionCount, and a snapshot records the count it was
 * taken at (snapXactCompletionCount).  So at every call, when the active
 * snapshot (a statement's, a query's of a function body in READ COMMITTED, a
 * parallel query's) counts more ended transactions than any snapshot this
 * backend has checked under, every part is counted as changed: its next read
 * takes the change log's newest entries (under the latest snapshot, which
 * sees at least as much; nothing to apply when nothing changed) instead of
 * trusting its counter.  Without an active snapshot, the cluster's count
 * itself serves.
 */
void
CacheBeginStatement(void)
{
	static TimestampTz statement_seen = 0;
	static LocalTransactionId statement_lxid = InvalidLocalTransactionId;
	TimestampTz statement = GetCurrentStatementStartTimestamp();
	uint64		completions;

	if (statement != statement_seen || MyProc->lxid != statement_lxid)
	{
		statement_seq++;
		AcceptInvalidationMessages();
		statement_seen = statement;
		statement_lxid = MyProc->lxid;
	}
	completions = ActiveSnapshotSet() ? GetActiveSnapshot()->snapXactCompletionCount : 0;
	if (completions == 0)
		completions = ((volatile VariableCacheData *) ShmemVariableCache)->xactCompletionCount;
	if (completions > completions_seen)
	{
		int			g;

		completions_seen = completions;
		for (g = 0; g < INVAL_GROUPS; g++)
			share_acl_inval_counts[g]++;
	}
}

PG_FUNCTION_INFO_V1(see_committed);

/*
 * _see_committed(): the checks after it in this statement see what other
 * transactions have committed, as the next statement's would.  For a
 * function that locked rows and checks again what their writers may have
 * changed (delete_resource): having all its locks already, it would
 * otherwise take in no invalidation until its statement ends.  A writer's
 * commit is visible a moment before its invalidation messages are sent, so
 * the structure and the principal store are also told to read the change
 * log now (what it holds since they last read it, under the latest
 * snapshot: nothing when nothing changed).
 */
Datum
see_committed(PG_FUNCTION_ARGS)
{
	CacheSeeCommitted();
	PG_RETURN_VOID();
}

/* The same for C callers. */
void
CacheSeeCommitted(void)
{
	statement_seq++;
	AcceptInvalidationMessages();
	share_acl_inval_counts[INVAL_STRUCTURE]++;
	share_acl_inval_counts[INVAL_PRINCIPALS]++;
}

/*
 * What identifies the active snapshot's view of the data: its xmin, xmax,
 * in-progress counts and command id (two snapshots that agree on these see
 * the same rows).  Never 0.
 */
static TransientTag
ActiveSnapshotTag(void)
{
	Snapshot	snap;
	uint64		h;

	if (!ActiveSnapshotSet())
		return 1;
	snap = GetActiveSnapshot();
	h = hash_combine64(((uint64) snap->xmin << 32) | snap->xmax,
					   ((uint64) snap->xcnt << 32) | (uint32) snap->subxcnt);
	h = hash_combine64(h, ((uint64) snap->curcid << 1) | (snap->suboverflowed ? 1 : 0));
	h = hash_combine64(h, statement_seq);
	return h > 1 ? h : 2;
}

/*
 * The tag of something just read; transient: under the query's snapshot,
 * which is then the active snapshot (see ReadSnapshot).
 */
TransientTag
CacheTransientTag(bool transient)
{
	return transient ? ActiveSnapshotTag() : 0;
}

/* CacheTransientValid of a tag that is not 0. */
bool
CacheTransientStillValid(TransientTag tag)
{
	return IsInParallelMode() && tag == ActiveSnapshotTag();
}

/*
 * Register and return the snapshot for a read: the latest one, or in
 * parallel mode the query's (*transient then says so).  The caller
 * unregisters it; on error the resource owner does.
 */
Snapshot
ReadSnapshot(bool *transient)
{
	if (IsInParallelMode())
	{
		*transient = true;
		return RegisterSnapshot(GetActiveSnapshot());
	}
	*transient = false;
	return RegisterSnapshot(GetLatestSnapshot());
}
