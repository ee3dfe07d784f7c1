/*
 * link_attempts.c — what open_link records outside the caller's transaction
 * (SPEC §5: a wrong password counts toward 'locked' even when the caller
 * rolls its transaction back, and no caller can stall other opens of the
 * same link).
 *
 * 1. Attempts.  A wrong password, and a view of a link with max_views, are
 *    decided and recorded by share_acl._link_record_attempt() (061_links.sql)
 *    in a short transaction of its own, run by a dynamic background worker
 *    that _link_attempt() starts and waits for.  The worker connects to the
 *    caller's database as the role open_link runs as (the extension's owner),
 *    with lock_timeout = 1s, READ COMMITTED, read-write; the function locks
 *    the link row (FOR NO KEY UPDATE), decides (revoked, expired, locked,
 *    wrong_password or ok), records (a failed attempt, or the claimed view),
 *    and the worker commits before it answers.  So an attempt stays recorded
 *    whatever the caller does afterwards (commit, rollback, savepoint
 *    rollback, cancel: a cancel or a termination that comes while the
 *    worker starts waits until it has taken the segment), and concurrent
 *    attempts on one link are decided one after the other: 10 wrong
 *    passwords in 15 minutes lock the link, and max_views is never exceeded.  No advisory lock is involved, and the row
 *    lock is held only for the worker's own few milliseconds.  A link row is
 *    otherwise locked only by a committing transaction that counts its views
 *    (2., for the length of its commit), by revoke_link (which needs rights
 *    on the link) and by trusted administrators: none of these is a lock an
 *    outsider who knows a link id can hold.
 *
 *    What goes to the worker, through a dynamic shared memory segment: the
 *    database, the role, the link id, whether the password was right (the
 *    caller checks it; neither the password nor the token leaves the
 *    caller's backend), the viewer's e-mail, and the caller's principal and
 *    session user (a refused attempt's audit row is staged with it, so a
 *    wrong password stays in the audit log even when the caller rolls
 *    back).  What comes back: the status, or the worker's error (SQLSTATE
 *    and message).  The worker's only SQL text is
 *    "SELECT share_acl._link_record_attempt($1, $2, $3, $4, $5, $6)", $6
 *    being the link's password hash the caller checked the password
 *    against: the worker answers wrong_password, uncounted, when the link's
 *    password was changed since (the caller's answer was the old one's).
 *
 *    Fail closed: when the attempt cannot be recorded, _link_attempt raises
 *    an error and open_link answers nothing:
 *      53000  no background worker slot became free within 10 seconds,
 *             or at once when max_worker_processes is 0 (each attempt
 *             holds one of max_worker_processes for about the time a new
 *             connection takes to start);
 *      the worker's SQLSTATE (55P03 when the link row stayed locked for 1
 *             second, 40P01, ...) when recording failed;
 *      55000  the worker ended without an answer (it could not start or
 *             connect, or was terminated): nothing was decided.
 *
 * 2. Views of links without max_views are counted into view_count and
 *    last_viewed_at when the opening transaction commits.  LinkViewAtCommit(),
 *    called by open_link, notes each view with its subtransaction (a ROLLBACK
 *    TO SAVEPOINT drops the views it covers), and the XACT_EVENT_PRE_COMMIT
 *    callback counts them, link by link in id order, through
 *    share_acl._link_count_views().  Pre-commit callbacks run after every deferred
 *    trigger, so nothing the caller chooses (SET CONSTRAINTS ... IMMEDIATE,
 *    statements after open_link) makes its transaction hold the link row's
 *    lock for longer than its commit.  PREPARE TRANSACTION of a transaction
 *    with views to count is refused (it would hold that lock until COMMIT
 *    PREPARED).  A commit waits for a link row that another transaction holds
 *    locked (a revoke_link left open) at most COUNT_WAIT_MAX_MS, or
 *    lock_timeout or statement_timeout when shorter, then fails with 55P03.
 *    Once it has counted, it holds the rows other viewers wait for until it
 *    ends, so what it waits for after that (the audit chains and recheck
 *    locks of other workspaces it wrote in, which a prepared transaction of
 *    the caller's own may hold) it waits for briefly or not at all
 *    (CommitHoldsWaitedRows, commit_waits.h).
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
#include "utils/wait_event.h"

#include "audit.h"
#include "catalog.h"
#include "commit_waits.h"
#include "kept_plan.h"
#include "link_attempts.h"
#include "notify.h"
#include "row_lock.h"
#include "row_write.h"
#include "segment_worker.h"
#include "xact_notes.h"

#define ATTEMPT_LOCK_TIMEOUT	"1s"	/* the worker's wait for the link row */
/*
 * The caller's wait for a worker slot: long enough that an open gets one
 * while others flood the slots (refused calls, attempts on other links).
 */
#define ATTEMPT_SLOT_WAIT_MS	10000
/* the longest a commit waits for the row of a link it counts views of */
#define COUNT_WAIT_MAX_MS		10000
#define ATTEMPT_EMAIL_MAX		1280	/* 320 characters (open_link's limit) of 4 bytes */
#define ATTEMPT_HASH_MAX		1024	/* a password hash (a SCRAM secret: about 140 bytes) */
#define ATTEMPT_STATUS_MAX		32
#define ATTEMPT_MESSAGE_MAX		512

PG_FUNCTION_INFO_V1(link_attempt);
PG_FUNCTION_INFO_V1(link_count_views);
PG_FUNCTION_INFO_V1(link_count_failure);

/* ---------------------------------------------------------------------------
 * 1. Attempts, recorded by a background worker
 * ------------------------------------------------------------------------- */

typedef enum AttemptState
{
	ATTEMPT_PENDING = 0,		/* the worker has not answered */
	ATTEMPT_DONE,				/* committed; status holds the answer */
	ATTEMPT_FAILED				/* not recorded; sqlerrcode and message say why */
} AttemptState;

/* The dynamic shared memory segment of one attempt. */
typedef struct AttemptShared
{
	/* written by the caller */
	PGPROC	   *caller;			/* whose latch the worker sets when it answers */
	Oid			database;
	Oid			role;
	pg_uuid_t	link;
	bool		password_checked;	/* false: the caller saw no password (NULL) */
	bool		password_ok;
	bool		has_hash;		/* the hash password_ok was checked against */
	char		hash[ATTEMPT_HASH_MAX + 1];
	bool		has_email;
	char		email[ATTEMPT_EMAIL_MAX + 1];
	bool		has_actor;		/* the caller's principal, for a refusal's audit row */
	pg_uuid_t	actor;
	NameData	db_role;		/* the caller's session user, for the same */
	/* written by the worker */
	int32		taken;			/* 1 once the worker has attached the segment */
	int32		state;			/* AttemptState */
	XLogRecPtr	commit_end;		/* where the worker's commit record ends */
	char		status[ATTEMPT_STATUS_MAX];
	int			sqlerrcode;
	char		message[ATTEMPT_MESSAGE_MAX];
} AttemptShared;

/*
 * _link_attempt(link uuid, password_ok boolean, viewer_email text,
 *               actor uuid, db_role text, checked_hash text) → text
 *
 * Decide and record one attempt to open a link (with a password, or with
 * max_views) in a transaction of its own, and answer its status: ok,
 * claimed (ok, a view of max_views claimed and the open's audit row staged
 * with it), wrong_password, locked, password_required, revoked, expired or
 * invalid (the link no longer exists).  password_ok is NULL when the caller
 * saw no password on the link; actor and db_role are the caller's principal
 * and session user, for the audit row of a refusal or a claimed view; checked_hash the password hash
 * that password_ok was checked against (a password changed since makes the
 * attempt wrong_password, uncounted).  Raises when the attempt could not be
 * recorded (see the top of this file).  Internal: called by open_link only.
 */
Datum
link_attempt(PG_FUNCTION_ARGS)
{
	dsm_segment *seg;
	AttemptShared *sh;
	BackgroundWorkerHandle *handle;
	SegmentWorkerWait wait;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("_link_attempt: link must not be null")));
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot record a share link attempt during recovery")));

	seg = dsm_create(sizeof(AttemptShared), 0);
	sh = dsm_segment_address(seg);
	memset(sh, 0, sizeof(AttemptShared));
	sh->caller = MyProc;
	sh->database = MyDatabaseId;
	sh->role = GetUserId();
	sh->link = *PG_GETARG_UUID_P(0);
	sh->password_checked = !PG_ARGISNULL(1);
	sh->password_ok = sh->password_checked && PG_GETARG_BOOL(1);
	if (!PG_ARGISNULL(2))
	{
		text	   *email = PG_GETARG_TEXT_PP(2);
		int			len = VARSIZE_ANY_EXHDR(email);

		if (len > ATTEMPT_EMAIL_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("_link_attempt: viewer_email is longer than %d bytes", ATTEMPT_EMAIL_MAX)));
		memcpy(sh->email, VARDATA_ANY(email), len);
		sh->email[len] = '\0';
		sh->has_email = true;
	}
	sh->has_actor = !PG_ARGISNULL(3);
	if (sh->has_actor)
		sh->actor = *PG_GETARG_UUID_P(3);
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("_link_attempt: db_role must not be null")));
	text_to_cstring_buffer(PG_GETARG_TEXT_PP(4), NameStr(sh->db_role), NAMEDATALEN);
	sh->has_hash = PG_NARGS() > 5 && !PG_ARGISNULL(5);
	if (sh->has_hash)
	{
		text	   *hash = PG_GETARG_TEXT_PP(5);

		/* (no password hash is that long: _password_check never matches one) */
		if (VARSIZE_ANY_EXHDR(hash) > ATTEMPT_HASH_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("_link_attempt: checked_hash is longer than %d bytes", ATTEMPT_HASH_MAX)));
		text_to_cstring_buffer(hash, sh->hash, ATTEMPT_HASH_MAX + 1);
	}
	sh->state = ATTEMPT_PENDING;

	/*
	 * A slot may free up soon: other attempts take a few milliseconds.  A
	 * cancel while no worker has a slot leaves nothing behind; from the
	 * moment one is registered until it has attached the segment, a cancel
	 * or a termination would destroy the segment under it and lose the
	 * attempt (a wrong password would not count, SPEC §5), so they wait for
	 * the hand-over.
	 */
	handle = StartSegmentWorker(seg, "share_acl_link_attempt_main", "share_acl link attempt",
								"share_acl link attempt", ATTEMPT_SLOT_WAIT_MS, 0, NULL, NULL, NULL);
	if (handle == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not record the share link attempt"),
				 errdetail("Attempts are recorded by a background worker, and %s.",
						   SegmentWorkerNoSlot(ATTEMPT_SLOT_WAIT_MS)),
				 errhint("Raise max_worker_processes: every password attempt, and every open of a link with max_views, uses a background worker for about the time a connection takes to start.")));
	(void) WaitSegmentWorkerHandOver(handle, &sh->taken);

	/*
	 * Wait for the worker's answer (it sets our latch once it has committed)
	 * or for its exit.  If this wait is interrupted (cancel,
	 * statement_timeout), the caller gets that error and no answer; the
	 * worker records the attempt all the same.
	 */
	wait = WaitSegmentWorker(handle, &sh->state);
	pfree(handle);
	if (wait == SEGMENT_WORKER_POSTMASTER_DIED)
		ereport(FATAL,
				(errcode(ERRCODE_ADMIN_SHUTDOWN),
				 errmsg("postmaster exited while a share link attempt was being recorded")));

	if (sh->state == ATTEMPT_DONE)
	{
		text	   *result = cstring_to_text(sh->status);

		SegmentWorkerCommitFlush(sh->commit_end);
		dsm_detach(seg);
		PG_RETURN_TEXT_P(result);
	}
	if (sh->state == ATTEMPT_FAILED)
	{
		int			code = sh->sqlerrcode;
		char	   *message = pstrdup(sh->message);

		dsm_detach(seg);
		ereport(ERROR,
				(errcode(code),
				 errmsg("could not record the share link attempt"),
				 errdetail_internal("%s", message)));
	}
	dsm_detach(seg);
	/* (as PostgreSQL's parallel workers that fail to start: nothing was decided, retry) */
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("could not record the share link attempt"),
			 errdetail("The background worker that records it ended without an answer; see the server log.")));
	PG_RETURN_NULL();			/* not reached */
}

/* In the worker: run _link_record_attempt() and copy its answer into status. */
static void
RecordAttempt(const AttemptShared *sh, char *status)
{
	Oid			argtypes[6] = {UUIDOID, BOOLOID, TEXTOID, UUIDOID, TEXTOID, TEXTOID};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	pg_uuid_t	link = sh->link;
	pg_uuid_t	actor = sh->actor;
	Datum		answer;
	bool		isnull;
	int			ret;

	values[0] = UUIDPGetDatum(&link);
	if (sh->password_checked)
		values[1] = BoolGetDatum(sh->password_ok);
	else
	{
		values[1] = (Datum) 0;
		nulls[1] = 'n';
	}
	if (sh->has_email)
		values[2] = CStringGetTextDatum(sh->email);
	else
	{
		values[2] = (Datum) 0;
		nulls[2] = 'n';
	}
	values[3] = UUIDPGetDatum(&actor);
	nulls[3] = sh->has_actor ? ' ' : 'n';
	values[4] = CStringGetTextDatum(NameStr(sh->db_role));
	values[5] = sh->has_hash ? CStringGetTextDatum(sh->hash) : (Datum) 0;
	nulls[5] = sh->has_hash ? ' ' : 'n';
	ret = SPI_execute_with_args("SELECT share_acl._link_record_attempt($1, $2, $3, $4, $5, $6)",
								6, argtypes, values, nulls, false, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "share_acl._link_record_attempt returned no row (SPI result %d)", ret);
	answer = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		elog(ERROR, "share_acl._link_record_attempt returned NULL");
	text_to_cstring_buffer(DatumGetTextPP(answer), status, ATTEMPT_STATUS_MAX);
}

/*
 * The background worker: attach the segment, connect, record the attempt in
 * one short transaction, commit, answer, exit.
 */
void
share_acl_link_attempt_main(Datum main_arg)
{
	dsm_segment *seg;
	AttemptShared *sh;
	char		status[ATTEMPT_STATUS_MAX];

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	CurrentResourceOwner = ResourceOwnerCreate(NULL, "share_acl link attempt");
	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)			/* the caller is gone: nobody to answer */
		SegmentWorkerCallerGone("share_acl link attempt");
	sh = dsm_segment_address(seg);
	/* the segment now lives until this worker detaches, whatever the caller does */
	pg_write_barrier();
	sh->taken = 1;
	SetLatch(&sh->caller->procLatch);

	/*
	 * Connect as no role (PostgreSQL's bootstrap superuser, whose login is not
	 * checked so: it may be NOLOGIN) and act as the role open_link runs as:
	 * that role (the extension's owner) need not be allowed to log in, nor be
	 * under its connection limit (PostgreSQL 15 applies both to workers
	 * connecting as a role).  The caller waits for the answer: a database
	 * closed to new connections since (ALLOW_CONNECTIONS false) still
	 * records its attempt.
	 */
	BackgroundWorkerInitializeConnectionByOid(sh->database, InvalidOid, BGWORKER_BYPASS_ALLOWCONN);
	SetUserIdAndSecContext(sh->role, SECURITY_LOCAL_USERID_CHANGE);

	/* a short, read-write READ COMMITTED transaction, whatever the defaults */
	SetConfigOption("lock_timeout", ATTEMPT_LOCK_TIMEOUT, PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("default_transaction_isolation", "read committed", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("session_replication_role", "origin", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "share_acl link attempt");
		RecordAttempt(sh, status);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		/*
		 * Log the error, end the transaction (releasing the link row), and
		 * only then hand the error to the caller, so that a retry does not
		 * find the row still locked by this worker.
		 */
		MemoryContextSwitchTo(TopMemoryContext);
		edata = CopyErrorData();
		EmitErrorReport();
		AbortOutOfAnyTransaction();
		sh->sqlerrcode = edata->sqlerrcode;
		strlcpy(sh->message, edata->message ? edata->message : "", ATTEMPT_MESSAGE_MAX);
		pg_write_barrier();
		sh->state = ATTEMPT_FAILED;
		SetLatch(&sh->caller->procLatch);
		FlushErrorState();
		proc_exit(1);
	}
	PG_END_TRY();

	strlcpy(sh->status, status, ATTEMPT_STATUS_MAX);
	sh->commit_end = XactLastCommitEnd;
	pg_write_barrier();
	sh->state = ATTEMPT_DONE;
	SetLatch(&sh->caller->procLatch);
	dsm_detach(seg);
	proc_exit(0);
}

/* ---------------------------------------------------------------------------
 * 2. Views counted at commit
 * ------------------------------------------------------------------------- */

typedef struct PendingView
{
	pg_uuid_t	link;
	bool		has_workspace;
	pg_uuid_t	workspace;		/* the link's, where the open's audit row went */
	bool		lock_resource;	/* lock the link's resource before counting */
	pg_uuid_t	resource;
	SubTransactionId subid;		/* the subtransaction that opened the link */
	int			seq;			/* order of the opens */
	TimestampTz at;
	char	   *email;			/* the viewer's e-mail, or NULL */
} PendingView;

/* The views of the current transaction, in TopTransactionContext. */
static XactNotes pending = XACT_NOTES_INIT(PendingView, subid);
static int	nextseq = 0;

static void
ForgetPendingViews(void)
{
	XactNotesForget(&pending);
	nextseq = 0;
}

/*
 * Count one view of link at time at, by viewer_email (or NULL), into
 * view_count / last_viewed_at when this transaction commits (unless the
 * subtransaction that asks is rolled back).  With lock_resource, the link's
 * resource is locked (FOR KEY SHARE) first: the view may be the link's
 * first, whose notification references the resource, and delete_resource
 * locks a resource before its links (open_link locks it at once where it
 * locks the link's row).
 */
void
LinkViewAtCommit(const pg_uuid_t *link, const pg_uuid_t *workspace,
				 const pg_uuid_t *lock_resource, const char *viewer_email, TimestampTz at)
{
	PendingView *p;

	PreventCommandIfReadOnly("open_link()");

	p = XactNoteAdd(&pending);
	p->link = *link;
	p->has_workspace = workspace != NULL;
	if (workspace != NULL)
		p->workspace = *workspace;
	p->lock_resource = lock_resource != NULL;
	if (lock_resource != NULL)
		p->resource = *lock_resource;
	p->seq = nextseq++;
	p->at = at;
	p->email = viewer_email == NULL ? NULL : MemoryContextStrdup(TopTransactionContext, viewer_email);
}

/*
 * The opens of a link by the current transaction that wrote an audit row in
 * its workspace's chain (every open but one of an invalid token, which
 * audit_seal.c refuses to prepare itself): such a transaction is not
 * prepared either.  Its row would hold that chain, every commit of the
 * workspace, until COMMIT PREPARED — and whoever holds a token may open the
 * link, a refused open too (a wrong password, a revoked link).
 */
typedef struct OpenNote
{
	SubTransactionId subid;		/* the subtransaction that opened the link */
} OpenNote;

static XactNotes opens = XACT_NOTES_INIT(OpenNote, subid);

/* open_link wrote an audit row in the chain of a link's workspace. */
void
LinkOpenedInTransaction(void)
{
	(void) XactNoteAdd(&opens);
}

/* The statements of the counters (parameter letters: kept_plan.h). */
enum
{
	COUNT_UPDATE, COUNT_FAILURE, COUNT_STATEMENTS
};
static KeptPlan count_plans[COUNT_STATEMENTS];
static const KeptStatement count_statements[COUNT_STATEMENTS] = {
	[COUNT_UPDATE] = {
		/* $1 link, $2 views, $3 the last view's time */
		"UPDATE share_acl.link x"
		"   SET view_count = LEAST(x.view_count, 9223372036854775807 OPERATOR(pg_catalog.-) $2)"
		"                    OPERATOR(pg_catalog.+) $2,"
		"       last_viewed_at = GREATEST(x.last_viewed_at, $3)"
		" WHERE x.id OPERATOR(pg_catalog.=) $1"
		" RETURNING x.view_count, x.resource_id, x.created_by",
		"uiz"},
	[COUNT_FAILURE] = {
		/* $1 link (a count written by hand at the integer's end stays there) */
		"UPDATE share_acl.link x"
		"   SET failed_attempts = LEAST(x.failed_attempts, 2147483646) OPERATOR(pg_catalog.+) 1"
		" WHERE x.id OPERATOR(pg_catalog.=) $1",
		"u"}
};

/* n views of a link at time at, counted into its row; what the count read of it. */
typedef struct ViewCount
{
	int64		n;
	TimestampTz at;
	int64		view_count;		/* the new count */
	pg_uuid_t	resource;
	bool		has_creator;
	pg_uuid_t	creator;
} ViewCount;

/* RowChange of the view count: the statement COUNT_UPDATE's SET, and its RETURNING into arg. */
static void
CountViews(TupleTableSlot *row, Datum *values, bool *nulls, void *arg)
{
	ViewCount  *v = (ViewCount *) arg;
	bool		isnull;
	Datum		d;

	/* (a count written by hand at the bigint's end stays there) */
	if (pg_add_s64_overflow(DatumGetInt64(slot_getattr(row, catalog.l_view_count, &isnull)), v->n,
							&v->view_count))
		v->view_count = PG_INT64_MAX;
	values[0] = Int64GetDatum(v->view_count);
	nulls[0] = false;
	d = slot_getattr(row, catalog.l_last_viewed, &isnull);
	values[1] = TimestampTzGetDatum(isnull ? v->at : Max(DatumGetTimestampTz(d), v->at));
	nulls[1] = false;
	(void) SlotUuid(row, catalog.l_resource, &v->resource);
	v->has_creator = SlotUuid(row, catalog.l_created_by, &v->creator);
}

/*
 * write(link, arg) as the extension's own change of the link's counters for
 * an open, which has its own audit row (AuditOwnCounterUpdates: no update
 * row), the previous state restored also on error.  What write returns.
 */
static bool
AsOpenCounting(bool (*write) (Datum link, void *arg), Datum link, void *arg)
{
	bool		was = AuditOwnCounterUpdates(true);
	volatile bool result = false;

	PG_TRY();
	{
		result = write(link, arg);
	}
	PG_FINALLY();
	{
		AuditOwnCounterUpdates(was);
	}
	PG_END_TRY();
	return result;
}

/*
 * Count the views of arg (a ViewCount) into link's row: below the statement
 * when the link table lets it be (src/row_write.c), else by COUNT_UPDATE.
 * false when there is no such link.  Needs an SPI connection; run by
 * AsOpenCounting.
 */
static bool
CountViewsInto(Datum link, void *arg)
{
	static const char *const columns[2] = {"view_count", "last_viewed_at"};
	ViewCount  *v = (ViewCount *) arg;
	Relation	rel;
	bool		written;
	bool		found;
	Datum		args[3];
	bool		isnull;

	CatalogLookup();
	rel = ModelTableOpen(MT_LINK, RowExclusiveLock);
	written = RowUpdate(rel, ModelRelId(MT_LINK_PKEY), catalog.l_id, F_UUID_EQ, link, 2, columns,
						CountViews, v, &found);
	table_close(rel, NoLock);
	if (written)
		return found;
	args[0] = link;
	args[1] = Int64GetDatum(v->n);
	args[2] = TimestampTzGetDatum(v->at);
	if (!KeptStatementRun(&count_plans[COUNT_UPDATE], &count_statements[COUNT_UPDATE], args, NULL,
						  SPI_OK_UPDATE_RETURNING))
		return false;
	v->view_count = DatumGetInt64(KeptStatementColumn(1, &isnull));
	(void) KeptStatementUuid(2, &v->resource);
	v->has_creator = KeptStatementUuid(3, &v->creator);
	return true;
}

/*
 * _link_count_views(link uuid, n bigint, viewed_at timestamptz, viewer_email
 * text) → void: n views of the link into view_count / last_viewed_at, and on
 * its very first view a notification to its creator (viewer_email is the
 * first viewer's).  Called by the pre-commit callback below and, for a
 * claimed view of a link with max_views, by _link_record_attempt.
 */
Datum
link_count_views(PG_FUNCTION_ARGS)
{
	ViewCount	v;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("_link_count_views: link, n and viewed_at must not be null")));
	if (PG_GETARG_INT64(1) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("_link_count_views: n must be positive (views are only ever added)")));
	memset(&v, 0, sizeof(v));
	v.n = PG_GETARG_INT64(1);
	v.at = PG_GETARG_TIMESTAMPTZ(2);
	SPI_connect();
	if (AsOpenCounting(CountViewsInto, PG_GETARG_DATUM(0), &v) && v.view_count == v.n && v.has_creator)
	{
		/* the very first view: tell the link's creator, in the link's workspace */
		static const char *const keys[2] = {"link_id", "viewer_email"};
		static const Oid types[2] = {UUIDOID, TEXTOID};
		Datum		creator = UUIDPGetDatum(&v.creator);
		Datum		payload_values[2];
		bool		payload_nulls[2] = {false, PG_ARGISNULL(3)};
		Snapshot	snap = StatementSnapshot();
		RowFacts	resource;

		ResourceFacts(&v.resource, snap, &resource);
		UnregisterSnapshot(snap);
		payload_values[0] = PG_GETARG_DATUM(0);
		payload_values[1] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
		NotifyRecipients(PointerGetDatum(construct_array(&creator, 1, UUIDOID, UUID_LEN, false,
														 TYPALIGN_CHAR)),
						 false, "link_first_view", &v.resource,
						 JsonbObjectOf(2, keys, payload_values, types, payload_nulls),
						 resource.found && resource.has_workspace ? &resource.workspace : NULL);
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/* One more wrong password into link's row (COUNT_FAILURE); run by AsOpenCounting. */
static bool
CountFailureInto(Datum link, void *arg)
{
	return KeptStatementRun(&count_plans[COUNT_FAILURE], &count_statements[COUNT_FAILURE], &link,
							NULL, SPI_OK_UPDATE);
}

/*
 * _link_count_failure(link uuid) → void (STRICT): one more wrong password into the
 * link's failed_attempts (the lockout itself counts link_failed_attempt's
 * rows), as the attempt's own change (AuditOwnCounterUpdates): its audit row
 * is the refused open's.  Called by _link_record_attempt.
 */
Datum
link_count_failure(PG_FUNCTION_ARGS)
{
	SPI_connect();
	(void) AsOpenCounting(CountFailureInto, PG_GETARG_DATUM(0), NULL);
	SPI_finish();
	PG_RETURN_VOID();
}

static int
PendingViewCmp(const void *a, const void *b)
{
	const PendingView *x = a;
	const PendingView *y = b;
	int			c = memcmp(x->link.data, y->link.data, UUID_LEN);

	if (c != 0)
		return c;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static void CountLinkViews(FmgrInfo *flinfo, PendingView *views, int n);

/* CountLinkViews's arguments, for CommitWaitBounded */
typedef struct ViewsToCount
{
	FmgrInfo   *flinfo;
	PendingView *views;
	int			n;
} ViewsToCount;

static void
CountViewsWaiting(void *arg)
{
	ViewsToCount *c = (ViewsToCount *) arg;

	CountLinkViews(c->flinfo, c->views, c->n);
}

/*
 * At pre-commit: count the views, one call of _link_count_views(link, n,
 * last viewed at, first viewer's e-mail) per link, in link id order (so two
 * committing transactions lock the rows in the same order).
 */
static void
CountPendingViews(void)
{
	PendingView *views = XACT_NOTE(&pending, PendingView, 0);
	int			n = pending.n;
	Oid			argtypes[4] = {UUIDOID, INT8OID, TIMESTAMPTZOID, TEXTOID};
	Oid			fn;
	FmgrInfo	flinfo;
	ViewsToCount count;
	const pg_uuid_t *workspace = NULL;
	int			i,
				j;

	ForgetPendingViews();
	fn = LookupFuncName(list_make2(makeString("share_acl"), makeString("_link_count_views")),
						4, argtypes, true);
	if (!OidIsValid(fn))		/* the extension was dropped in this transaction */
		return;
	fmgr_info(fn, &flinfo);		/* SECURITY DEFINER: runs as its owner */
	qsort(views, n, sizeof(PendingView), PendingViewCmp);
	/*
	 * The links' workspace, when they all have the same one: the commit
	 * waits for that workspace's locks as before (whoever holds them holds
	 * up every audited commit there, these links' views included, anyway).
	 * Links of several workspaces: none, since a wait for one workspace
	 * while holding the row of a link of another would let whoever holds the
	 * first (a token holder's own workspace, with a link of its own opened
	 * alongside) hold up the other's link.
	 */
	for (i = 0; i < n; i++)
	{
		if (!views[i].has_workspace ||
			(workspace != NULL && memcmp(views[i].workspace.data, workspace->data, UUID_LEN) != 0))
		{
			workspace = NULL;
			break;
		}
		workspace = &views[i].workspace;
	}

	/*
	 * A link's row may be locked by a transaction that has not ended (a
	 * revoke_link, or any change of the link, left open): the commit waits
	 * for it at most COUNT_WAIT_MAX_MS, or lock_timeout or statement_timeout
	 * when shorter (PostgreSQL does not apply statement_timeout to COMMIT),
	 * and then fails rather than hang.  Once it holds the first link's row,
	 * which that link's viewers wait for, it waits for the next ones as for
	 * any lock after that (commit_waits.h): at most
	 * COMMIT_HOLDING_WAIT_MAX_MS.
	 */
	count.flinfo = &flinfo;
	for (i = 0; i < n; i = j)
	{
		int			bound = CommitWaitBound(i == 0 ? COUNT_WAIT_MAX_MS : COMMIT_HOLDING_WAIT_MAX_MS);

		for (j = i + 1; j < n && memcmp(views[j].link.data, views[i].link.data, UUID_LEN) == 0; j++)
			;
		count.views = views + i;
		count.n = j - i;
		if (CommitWaitBounded(bound, CountViewsWaiting, &count))
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("could not count the views of a share link at commit: another transaction holds its row"),
					 errdetail("The link's row stayed locked for %d ms (by a change of the link not yet committed, such as a revoke_link, or by the commits of other viewers waiting for one); this transaction is rolled back.",
							   bound),
					 errhint("Retry the transaction.  The wait is bounded by lock_timeout or statement_timeout when shorter than %d ms.",
							 COUNT_WAIT_MAX_MS)));

		/*
		 * The link's row is held to the end now, and every viewer's commit
		 * (and revoke_link) waits for it: this commit's later waits for the
		 * locks of other workspaces than the links' are cut short
		 * (commit_waits.h).  (The worker's short transaction of
		 * _link_record_attempt also holds a link's row to its end; its
		 * lock_timeout of 1 s bounds each of its waits.)
		 */
		if (i == 0)
			CommitHoldsWaitedRows(workspace);
	}
	/* the deferred triggers have fired already: fire those these updates queued */
	AfterTriggerFireDeferred();
}

/* One call of _link_count_views for the n views of one link. */
static void
CountLinkViews(FmgrInfo *flinfo, PendingView *views, int n)
{
	LOCAL_FCINFO(fcinfo, 4);
	TimestampTz at = views[0].at;
	int			i;

	for (i = 1; i < n; i++)
		at = Max(at, views[i].at);
	InitFunctionCallInfoData(*fcinfo, flinfo, 4, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = UUIDPGetDatum(&views[0].link);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = Int64GetDatum((int64) n);
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = TimestampTzGetDatum(at);
	fcinfo->args[2].isnull = false;
	fcinfo->args[3].value = views[0].email ? CStringGetTextDatum(views[0].email) : (Datum) 0;
	fcinfo->args[3].isnull = views[0].email == NULL;
	for (i = 0; i < n; i++)
		if (views[i].lock_resource)
		{
			CatalogLookup();
			(void) ModelRowKeyShare(MT_RESOURCE, MT_RESOURCE_PKEY, catalog.res_id,
									&views[i].resource);
			break;
		}
	PushActiveSnapshot(GetTransactionSnapshot());
	(void) FunctionCallInvoke(fcinfo);
	PopActiveSnapshot();
}

static void
LinkXactCallback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			/* (made read-only after the open: the count could not be written) */
			if (pending.n > 0 && XactReadOnly)
				ereport(ERROR,
						(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
						 errmsg("cannot commit a share link's view in a read-only transaction"),
						 errdetail("The transaction opened a share link and was then made read-only; the view's count and its audit row are written when it commits."),
						 errhint("Make a transaction read-only before open_link (which then refuses at once), or not at all.")));
			if (pending.n > 0)
				CountPendingViews();
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (pending.n > 0 || opens.n > 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that has opened a share link"),
						 errdetail("An open's audit row and view count go to the link's workspace, whose commits a prepared transaction would hold up until COMMIT PREPARED."),
						 errhint("Commit it instead, or open the link in a transaction of its own.")));
			break;
		default:
			if (XactEventEnds(event))
			{
				ForgetPendingViews();
				XactNotesForget(&opens);
			}
			break;
	}
}

static void
LinkSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	XactNotesAtSubXactEnd(&pending, event, mySubid, parentSubid);
	XactNotesAtSubXactEnd(&opens, event, mySubid, parentSubid);
}

void
LinkAttemptsInit(void)
{
	RegisterXactCallback(LinkXactCallback, NULL);
	RegisterSubXactCallback(LinkSubXactCallback, NULL);
}
