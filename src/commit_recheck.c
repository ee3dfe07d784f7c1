/*
 * commit_recheck.c — what an upload, and a change that relied on "nothing
 * of anyone else's is below this resource", check again at commit.
 *
 * R14 lets the owner of a resource move it (or file it in a collection, or
 * lift its restriction) unchecked when everything below it is its own, and
 * member_edit_own_only lets a member pass on edit where nothing below is
 * someone else's.  Both decide on what lies below the resource, and an
 * upload below it (create_resource, by someone else) does not take the
 * workspace's structure lock: an upload committing while such a change is
 * in flight, each checked against what the other had not yet changed, would
 * end where neither serial order leads (the upload refused after the move,
 * the move checked after the upload).  So each checks again just before it
 * commits, one workspace at a time:
 *
 *   - a transaction that relied on nothing foreign below R (noted through
 *     _recheck_at_commit(actor, R) by the SQL that decided it) takes the
 *     workspace's recheck lock exclusively and asks _foreign_below(actor, R)
 *     again under the latest snapshot;
 *   - a transaction that uploaded into a parent it does not own (noted by
 *     create_resource; into its own parent an upload cannot break what
 *     another principal relied on owning whole) takes it shared and asks
 *     again whether its actor may still upload into each such parent;
 *
 * and fails with 40001 when the answer changed (retried, the call then
 * sees the other's commit and is checked as it would be serially).  The
 * lock is a heavyweight lock of a private advisory class (field4 below,
 * which no SQL advisory-lock function uses), so no role can take it; it is
 * held to the end of the transaction, taken only at commit, once per
 * workspace in workspace order (by partitions of workspaces for a
 * transaction noted in very many: RecheckNoted): uploads do not wait for
 * each other, and a transaction never waits for it while holding it in
 * another mode.  A ROLLBACK TO SAVEPOINT drops what its subtransaction
 * noted.
 */
#include "postgres.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/inval.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"

#include "catalog.h"
#include "commit_recheck.h"
#include "commit_waits.h"
#include "engine.h"
#include "kept_plan.h"
#include "owner_scope.h"
#include "partition_locks.h"
#include "permset.h"
#include "uuid_hash.h"
#include "xact_notes.h"

/* the advisory lock class of the recheck lock (SQL's functions use 1 and 2) */
#define RECHECK_LOCK_CLASS	0x5341

PG_FUNCTION_INFO_V1(recheck_at_commit);

typedef enum NotedKind
{
	NOTED_UPLOAD,				/* actor uploaded into resource: may it still? */
	NOTED_NOTHING_FOREIGN		/* nothing below resource was someone else's */
} NotedKind;

typedef struct Noted
{
	pg_uuid_t	workspace;
	pg_uuid_t	actor;
	pg_uuid_t	resource;
	NotedKind	kind;
	SubTransactionId subid;
	CommandId	cid;			/* the transaction's own writes from here on were
								 * checked against what it had itself changed */
} Noted;

static XactNotes noted = XACT_NOTES_INIT(Noted, subid);

static KeptPlan foreign_below_plan;
static const KeptStatement foreign_below_statement = {
	"SELECT share_acl._foreign_below($1, $2)", "uu"
};

static void
Note(const pg_uuid_t *workspace, const pg_uuid_t *actor, const pg_uuid_t *resource, NotedKind kind)
{
	Noted	   *n;

	/* many uploads into one parent in a row: asked once */
	if (noted.n > 0)
	{
		n = XACT_NOTE(&noted, Noted, noted.n - 1);
		if (n->kind == kind && n->subid == GetCurrentSubTransactionId() &&
			memcmp(n->resource.data, resource->data, UUID_LEN) == 0 &&
			memcmp(n->actor.data, actor->data, UUID_LEN) == 0)
			return;
	}
	n = XactNoteAdd(&noted);
	n->workspace = *workspace;
	n->actor = *actor;
	n->resource = *resource;
	n->kind = kind;
	n->cid = GetCurrentCommandId(false);
}

/* create_resource: actor uploaded into parent, in workspace. */
void
CommitRecheckUpload(const pg_uuid_t *workspace, const pg_uuid_t *actor, const pg_uuid_t *parent)
{
	Note(workspace, actor, parent, NOTED_UPLOAD);
}

/*
 * _recheck_at_commit(actor uuid, resource uuid) → void: the caller decided
 * that nothing below resource (within R14's reach) is someone else's than
 * actor's; asked again at commit.  Internal.
 */
Datum
recheck_at_commit(PG_FUNCTION_ARGS)
{
	RowFacts	facts;
	Snapshot	snap;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_VOID();
	snap = StatementSnapshot();
	ResourceFacts(PG_GETARG_UUID_P(1), snap, &facts);
	UnregisterSnapshot(snap);
	if (facts.found && facts.has_workspace)
		Note(&facts.workspace, PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1), NOTED_NOTHING_FOREIGN);
	PG_RETURN_VOID();
}

static int
CompareWorkspace(const void *a, const void *b)
{
	return memcmp(((const Noted *) a)->workspace.data, ((const Noted *) b)->workspace.data, UUID_LEN);
}

/*
 * The recheck locks (partition_locks.h).  A transaction noted in up to
 * PARTITION_LOCKS_EXACT_MAX workspaces (every application's) takes each
 * workspace's lock: only transactions of the same workspace wait for each
 * other (also for a prepared transaction, which holds them until COMMIT
 * PREPARED).  One noted in more locks their partitions exclusively, and may
 * not be prepared.
 */
#define RECHECK_PARTITION_CLASS	0x5343

/* The recheck lock of partition p. */
static void
RecheckPartitionTag(LOCKTAG *tag, uint32 p)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, p, 0, RECHECK_PARTITION_CLASS);
}

/* Set *tag to the recheck lock of workspace. */
static void
WorkspaceTag(LOCKTAG *tag, const pg_uuid_t *workspace)
{
	uint64		h = hash_bytes_extended(workspace->data, UUID_LEN, 0);

	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, (uint32) (h >> 32), (uint32) h, RECHECK_LOCK_CLASS);
}

static void
SerializationFailure(const Noted *n)
{
	const char *resource = DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&n->resource)));

	if (n->kind == NOTED_UPLOAD)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to a concurrent change of the permission to upload into resource %s",
						resource),
				 errdetail("A change committed meanwhile (a share, a role, a workspace policy, a move), or the expiry of what gave it, took away the permission to upload into it: an upload commits only while its uploader may still upload there."),
				 errhint("Retry the transaction.")));
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("could not serialize access due to a concurrent change below resource %s", resource),
			 errdetail("A resource of someone else was put below it meanwhile; the change relied on there being none."),
			 errhint("Retry the transaction.")));
}

/* Lock each workspace noted, then ask each question again. */
static void
RecheckNoted(bool preparing)
{
	Noted	   *notes = XACT_NOTE(&noted, Noted, 0);
	bool		partitions[WORKSPACE_PARTITIONS] = {false};
	int			nworkspaces = 0;
	int			i;
	OwnerScope	scope;

	qsort(notes, noted.n, sizeof(Noted), CompareWorkspace);
	for (i = 0; i < noted.n; i++)
	{
		partitions[uuid_partition(&notes[i].workspace, WORKSPACE_PARTITIONS)] = true;
		if (i == 0 || CompareWorkspace(&notes[i], &notes[i - 1]) != 0)
			nworkspaces++;
	}
	/* (held until COMMIT PREPARED, partitions would hold up all their workspaces) */
	if (nworkspaces > PARTITION_LOCKS_EXACT_MAX && preparing)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot prepare a transaction that made changes to recheck in more than %d workspaces",
						PARTITION_LOCKS_EXACT_MAX),
				 errhint("Commit it instead, or split it into smaller transactions.")));
	if (nworkspaces > PARTITION_LOCKS_EXACT_MAX)
		LockPartitions(partitions, true, RecheckPartitionTag);
	else
	{
		LOCKTAG    *tags = palloc(nworkspaces * sizeof(LOCKTAG));
		LOCKMODE   *modes = palloc(nworkspaces * sizeof(LOCKMODE));
		bool	   *cut_short = palloc(nworkspaces * sizeof(bool));
		int			ntags = 0;

		for (i = 0; i < noted.n;)
		{
			int			j;
			bool		exclusive = false;

			for (j = i; j < noted.n && CompareWorkspace(&notes[j], &notes[i]) == 0; j++)
				exclusive |= notes[j].kind == NOTED_NOTHING_FOREIGN;
			WorkspaceTag(&tags[ntags], &notes[i].workspace);
			cut_short[ntags] = CommitWaitCutShort(&notes[i].workspace);
			modes[ntags++] = exclusive ? ExclusiveLock : ShareLock;
			i = j;
		}
		(void) LockWorkspaces(partitions, RecheckPartitionTag, tags, modes, cut_short, ntags, false);
	}
	/*
	 * What committed before the locks were granted: a transaction that held
	 * one sent its invalidation messages before it released it (and one that
	 * finished before had sent them too)
	 */
	AcceptInvalidationMessages();
	/*
	 * _foreign_below is internal: executable by the extension's owner alone,
	 * which the session's role (an application's, at its commit) is not
	 */
	CatalogLookup();
	OwnerScopeEnter(&scope, catalog.change_log_owner, true);
	SPI_connect();
	for (i = 0; i < noted.n; i++)
	{
		Noted	   *n = &notes[i];

		if (n->kind == NOTED_UPLOAD)
		{
			TargetKind	kind;
			Permset		have = EnginePermissionsOf(&n->actor, &n->resource, &kind);

			/* (a parent gone fails the new row's foreign key) */
			if (kind != TARGET_NONE && !(have & PERM_UPLOAD))
				SerializationFailure(n);
		}
		else
		{
			Datum		args[2] = {UUIDPGetDatum(&n->actor), UUIDPGetDatum(&n->resource)};
			Snapshot	latest = RegisterSnapshot(GetLatestSnapshot());
			bool		isnull;
			int			rc;

			/*
			 * Others' commits, and the transaction's own writes from before
			 * the note only: what it wrote itself afterwards (someone else's
			 * upload below, acting as them) was checked then against its own
			 * state, and would otherwise fail it on every retry.  (The
			 * registered snapshot is this call's own copy.)
			 */
			latest->curcid = n->cid;

			rc = SPI_execute_snapshot(KeptStatementPlan(&foreign_below_plan, &foreign_below_statement),
									  args, NULL, latest, InvalidSnapshot, true, false, 1);
			UnregisterSnapshot(latest);
			if (rc != SPI_OK_SELECT || SPI_processed != 1)
				elog(ERROR, "share_acl._foreign_below failed: %s", SPI_result_code_string(rc));
			if (DatumGetBool(KeptStatementColumn(1, &isnull)) && !isnull)
				SerializationFailure(n);
		}
	}
	SPI_finish();
	OwnerScopeLeave(&scope);
}

static void
RecheckXactCallback(XactEvent event, void *arg)
{
	if ((event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE) && noted.n > 0)
		RecheckNoted(event == XACT_EVENT_PRE_PREPARE);
	else if (XactEventEnds(event))
		XactNotesForget(&noted);
}

static void
RecheckSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	XactNotesAtSubXactEnd(&noted, event, mySubid, parentSubid);
}

void
CommitRecheckInit(void)
{
	RegisterXactCallback(RecheckXactCallback, NULL);
	RegisterSubXactCallback(RecheckSubXactCallback, NULL);
}
