/*
 * audit_worker.c — the audit rows of refused calls (SPEC §7).
 *
 * A management call refused with 42501 aborts its transaction, and any row
 * it wrote with it.  share_acl._deny() (sql/install/070_audit.sql), through
 * which every such refusal goes, first hands the row to a dynamic
 * background worker with _audit_refusal(): the database, the role to act as
 * (the owner of audit_log), the acting principal, the session user, the
 * refused function, its target, the target's workspace and the message go
 * through a dynamic shared memory segment.  The caller waits only until the
 * worker has copied them (the time a process takes to start, a few ms),
 * then raises its error; the worker connects, stages the row
 * (_audit_record_refusal) and commits, which seals it into the workspace's
 * chain like any other row.  So the row is in audit_log a few tens of
 * milliseconds later, whether the caller's client disconnects at once or
 * not.  Dynamic background workers need no shared_preload_libraries: this
 * works in both deployments.
 *
 * At most a quarter of max_worker_processes (at least one) such workers run
 * at once; the callers beyond wait for one to end, so that a flood of
 * refused calls is slowed down and leaves the server's other worker slots
 * (parallel queries, logical replication, pg_cron) to others.  A worker
 * waits for a lock at most REFUSAL_LOCK_TIMEOUT, and not at all for its
 * workspace's chain when a prepared transaction holds it (until COMMIT
 * PREPARED), then logs the row as below.
 *
 * A cancel or statement_timeout that arrives while the caller waits is held
 * until the worker has the row (it then ends the call, which was refused
 * anyway).  When the row cannot be handed over (no background worker slot within
 * REFUSAL_SLOT_WAIT_MS, the worker ended before taking it, a hot standby) the caller logs
 * one LOG line with the same facts — never a secret: management messages
 * hold ids, flag and policy names only — and raises its error as always.
 * A worker that fails or is terminated after taking the row (also while
 * connecting, or by a fast shutdown) logs its error and the same line as
 * it exits.  Workers connect as no role (PostgreSQL's bootstrap superuser
 * without its login check, which may be NOLOGIN) and act as audit_log's
 * owner.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
#include "utils/wait_event.h"

#include "audit.h"
#include "segment_worker.h"

PG_FUNCTION_INFO_V1(audit_refusal);

/*
 * The caller's wait for a worker slot: long enough that a flood of refused
 * calls (each one a worker) queues behind the slots rather than drops rows,
 * and slows the flood down.
 */
#define REFUSAL_SLOT_WAIT_MS	10000

/*
 * At most max_worker_processes / REFUSAL_WORKERS_SHARE (at least one) of
 * these workers at once: a flood of refused calls queues behind them and
 * leaves the other worker slots of the server to others.
 */
#define REFUSAL_WORKERS_SHARE	4

/* the longest a worker waits for a lock (its workspace's audit chain) */
#define REFUSAL_LOCK_TIMEOUT	"2s"
#define REFUSAL_NAME_MAX		128
#define REFUSAL_MESSAGE_MAX		1024

typedef enum RefusalState
{
	REFUSAL_PENDING = 0,		/* the worker has not copied the row */
	REFUSAL_TAKEN				/* the worker holds its own copy */
} RefusalState;

/* The row of one refused call, in the dynamic shared memory segment. */
typedef struct RefusalShared
{
	PGPROC	   *caller;
	Oid			database;
	char		database_name[NAMEDATALEN];	/* for the LOG line */
	Oid			role;
	bool		has_actor;
	bool		has_object;
	bool		has_workspace;
	pg_uuid_t	actor;
	pg_uuid_t	object;
	pg_uuid_t	workspace;
	char		db_role[NAMEDATALEN];
	char		function[REFUSAL_NAME_MAX];
	char		message[REFUSAL_MESSAGE_MAX];
	int32		state;			/* RefusalState */
} RefusalShared;

/* Copy a text argument, cut at max - 1 bytes on a character boundary. */
static void
CopyText(FunctionCallInfo fcinfo, int arg, char *dst, int max)
{
	text	   *t;
	int			len;

	dst[0] = '\0';
	if (PG_ARGISNULL(arg))
		return;
	t = PG_GETARG_TEXT_PP(arg);
	len = VARSIZE_ANY_EXHDR(t);
	if (len >= max)
		len = pg_mbcliplen(VARDATA_ANY(t), len, max - 1);
	memcpy(dst, VARDATA_ANY(t), len);
	dst[len] = '\0';
}

/* The LOG line of a refusal whose row could not be handed over. */
static void
LogUnrecorded(const RefusalShared *sh, const char *why)
{
	char		actor[UUID_LEN * 2 + 5] = "none";
	char		object[UUID_LEN * 2 + 5] = "none";

	if (sh->has_actor)
		strlcpy(actor, DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&sh->actor))),
				sizeof(actor));
	if (sh->has_object)
		strlcpy(object, DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&sh->object))),
				sizeof(object));
	ereport(LOG,
			(errmsg("share_acl: the audit row of a refused call could not be written: %s", why),
			 errdetail_internal("database %s, function %s, principal %s, role %s, target %s: %s",
								sh->database_name, sh->function, actor, sh->db_role, object,
								sh->message),
			 errhidestmt(true), errhidecontext(true)));
}

/*
 * The session ends (a termination) or fails while the row is being handed
 * over: its LOG line, unless the worker took it.
 */
static void
LogUnrecordedAtExit(int code, Datum arg)
{
	const RefusalShared *sh = (const RefusalShared *) DatumGetPointer(arg);

	pg_read_barrier();
	if (sh->state == REFUSAL_PENDING)
		LogUnrecorded(sh, code != 0 ? "the session ended before a background worker took it" :
					  "an error came before a background worker took it");
}

/*
 * _audit_refusal(function text, object uuid, workspace uuid, actor uuid,
 * db_role text, message text) → boolean
 *
 * Hand the audit row of a refused call to a background worker that writes
 * it in a transaction of its own (see the top of this file); true once the
 * worker has taken it, false (after a LOG line) when it could not.
 * Internal: called by share_acl._deny only.
 */
Datum
audit_refusal(PG_FUNCTION_ARGS)
{
	dsm_segment *seg;
	RefusalShared *sh;
	BackgroundWorkerHandle *handle;
	SegmentWorkerWait wait = SEGMENT_WORKER_TIMED_OUT;
	Oid			chain_rel;
	char	   *database_name;

	seg = dsm_create(sizeof(RefusalShared), 0);
	sh = dsm_segment_address(seg);
	memset(sh, 0, sizeof(RefusalShared));
	sh->caller = MyProc;
	sh->database = MyDatabaseId;
	database_name = get_database_name(MyDatabaseId);
	strlcpy(sh->database_name, database_name ? database_name : "?", NAMEDATALEN);
	sh->role = AuditLogOwner(&chain_rel);
	CopyText(fcinfo, 0, sh->function, REFUSAL_NAME_MAX);
	if (!PG_ARGISNULL(1))
	{
		sh->has_object = true;
		sh->object = *PG_GETARG_UUID_P(1);
	}
	if (!PG_ARGISNULL(2))
	{
		sh->has_workspace = true;
		sh->workspace = *PG_GETARG_UUID_P(2);
	}
	if (!PG_ARGISNULL(3))
	{
		sh->has_actor = true;
		sh->actor = *PG_GETARG_UUID_P(3);
	}
	CopyText(fcinfo, 4, sh->db_role, NAMEDATALEN);
	CopyText(fcinfo, 5, sh->message, REFUSAL_MESSAGE_MAX);
	sh->state = REFUSAL_PENDING;

	if (RecoveryInProgress() || !OidIsValid(sh->role))
	{
		LogUnrecorded(sh, RecoveryInProgress() ? "the server is a hot standby" : "there is no audit log");
		dsm_detach(seg);
		PG_RETURN_BOOL(false);
	}

	/*
	 * A cancel (or statement_timeout) now would lose the row without a trace:
	 * it waits until the worker holds its copy, at most REFUSAL_SLOT_WAIT_MS
	 * and a process start, and is then raised with the refusal.  A
	 * termination waits too once the worker is registered (the hand-over);
	 * one that ends the session while it waits for a slot leaves the LOG
	 * line (LogUnrecordedAtExit).
	 */
	HOLD_CANCEL_INTERRUPTS();
	PG_ENSURE_ERROR_CLEANUP(LogUnrecordedAtExit, PointerGetDatum(sh));
	{
		/* (a capped start: it waits for the hand-over itself) */
		handle = StartSegmentWorker(seg, "share_acl_audit_worker_main", "share_acl audit of a refusal",
									"share_acl audit", REFUSAL_SLOT_WAIT_MS,
									Max(1, max_worker_processes / REFUSAL_WORKERS_SHARE), &sh->state,
									&wait);
	}
	PG_END_ENSURE_ERROR_CLEANUP(LogUnrecordedAtExit, PointerGetDatum(sh));
	RESUME_CANCEL_INTERRUPTS();
	if (handle == NULL)
		LogUnrecorded(sh, SegmentWorkerNoSlot(REFUSAL_SLOT_WAIT_MS));
	else
	{
		pfree(handle);
		if (wait == SEGMENT_WORKER_TIMED_OUT)
			LogUnrecorded(sh, psprintf("the background worker did not start within %d seconds",
									   SEGMENT_WORKER_HANDOVER_WAIT_MS / 1000));
		else if (wait != SEGMENT_WORKER_ANSWERED)
			LogUnrecorded(sh, "the background worker ended before taking it");
	}
	dsm_detach(seg);
	PG_RETURN_BOOL(wait == SEGMENT_WORKER_ANSWERED);
}

/* The row this worker took and has not written yet (logged if it exits so). */
static RefusalShared unwritten;
static bool unwritten_held = false;

static void
LogUnwrittenAtExit(int code, Datum arg)
{
	if (unwritten_held)
		LogUnrecorded(&unwritten, code == 0 ? "the background worker ended before writing it"
					  : "the background worker failed or was terminated before writing it");
	unwritten_held = false;
}

/*
 * The background worker: copy the row, let the caller go, connect, stage the
 * row in a transaction of its own and commit (the commit seals it).
 */
void
share_acl_audit_worker_main(Datum main_arg)
{
	dsm_segment *seg;
	RefusalShared row;
	Oid			argtypes[6] = {TEXTOID, UUIDOID, UUIDOID, UUIDOID, TEXTOID, TEXTOID};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	int			ret;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	CurrentResourceOwner = ResourceOwnerCreate(NULL, "share_acl audit");
	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)			/* the caller ended (terminated) before the hand-over */
		SegmentWorkerCallerGone("share_acl audit of a refusal");
	memcpy(&row, dsm_segment_address(seg), sizeof(RefusalShared));
	unwritten = row;
	unwritten_held = true;
	before_shmem_exit(LogUnwrittenAtExit, (Datum) 0);
	pg_write_barrier();
	((RefusalShared *) dsm_segment_address(seg))->state = REFUSAL_TAKEN;
	SetLatch(&row.caller->procLatch);
	dsm_detach(seg);

	/*
	 * connect as no role: PostgreSQL's bootstrap superuser, whose login is not
	 * checked so (it may be NOLOGIN); act as the owner of audit_log.  The row
	 * is a session's of this database (which may have ended since): a
	 * database closed to new connections since (ALLOW_CONNECTIONS false)
	 * still takes it.
	 */
	BackgroundWorkerInitializeConnectionByOid(row.database, InvalidOid, BGWORKER_BYPASS_ALLOWCONN);
	SetUserIdAndSecContext(row.role, SECURITY_LOCAL_USERID_CHANGE);
	SetConfigOption("default_transaction_isolation", "read committed", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("session_replication_role", "origin", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
	/*
	 * Its seal may wait for the workspace's chain, which a prepared
	 * transaction holds until COMMIT PREPARED: a worker waiting so would
	 * keep its place under the cap from everyone else's refusals.  It fails
	 * at once behind a prepared transaction, and waits for any other lock
	 * at most REFUSAL_LOCK_TIMEOUT.
	 */
	AuditSealFailBehindPrepared();
	SetConfigOption("lock_timeout", REFUSAL_LOCK_TIMEOUT, PGC_SUSET, PGC_S_OVERRIDE);

	values[0] = CStringGetTextDatum(row.function);
	values[1] = UUIDPGetDatum(&row.object);
	nulls[1] = row.has_object ? ' ' : 'n';
	values[2] = UUIDPGetDatum(&row.workspace);
	nulls[2] = row.has_workspace ? ' ' : 'n';
	values[3] = UUIDPGetDatum(&row.actor);
	nulls[3] = row.has_actor ? ' ' : 'n';
	values[4] = CStringGetTextDatum(row.db_role);
	values[5] = CStringGetTextDatum(row.message);

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "share_acl audit of a refused call");
		ret = SPI_execute_with_args("SELECT share_acl._audit_record_refusal($1, $2, $3, $4, $5, $6)",
									6, argtypes, values, nulls, false, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "share_acl._audit_record_refusal failed (SPI result %d)", ret);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
		unwritten_held = false;
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	PG_CATCH();
	{
		/* the error, then the facts of the row it lost */
		MemoryContextSwitchTo(TopMemoryContext);
		EmitErrorReport();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		unwritten_held = false;
		LogUnrecorded(&row, "its transaction failed");
		proc_exit(1);
	}
	PG_END_TRY();
	proc_exit(0);
}
