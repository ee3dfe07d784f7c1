/*
 * audit_worker.c — the audit rows of refused calls (SPEC §7).
 *
 * A management call refused with 42501 aborts its transaction, and any row
 * it wrote with it.  share_acl._deny() (sql/install/070_audit.sql), through
 * which every such refusal goes, first hands the row to a dynamic
 * background worker with _audit_refusal(): the database, the role to act as
 * (the owner of audit_log), the acting principal, the session user, the
 * refused function, its target, the target's workspace and the message go
 * through a dynamic shared memory segment.  The caller waits until the
 * worker has copied them (the time a process takes to start, a few ms; held
 * from cancels), then until the worker has written them (at most
 * REFUSAL_WRITE_WAIT_MS, and not while the worker waits for a lock, which
 * the caller may hold; a cancel ends this wait only), then raises its
 * error; the worker connects, stages the row (_audit_record_refusal) and
 * commits, which seals it into the workspace's chain like any other row.  So
 * the row is in audit_log for the caller's next statement, and not lost when
 * its client disconnects at once.  Dynamic background workers need no
 * shared_preload_libraries: this works in both deployments.
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
 *
 * With the library preloaded, a worker that has written its row stays a
 * little (REFUSAL_IDLE_MS without a row, REFUSAL_SERVE_MS in all) and writes
 * the rows of further refused calls in its database, one after the other:
 * it has a mailbox in shared memory, one segment deep, into which a caller
 * posts its segment instead of starting a worker (the caller at the head of
 * the queue, or any caller while nobody queues) while the worker waits for
 * one (not while it writes a row, whose commit may be held up), then waits
 * for the hand-over as from a worker of its own, within its own 10 s.  So a flood of refused calls costs
 * a transaction per row, not a process start, and a worker still ends soon
 * enough to leave its place under the cap to other databases' callers.
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
#include "storage/shmem.h"
#include "storage/spin.h"
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

/*
 * (preloaded) A worker takes further rows until it has had none for
 * REFUSAL_IDLE_MS, and none after REFUSAL_SERVE_MS; at most
 * REFUSAL_MAILBOXES workers at once have a mailbox.
 */
#define REFUSAL_IDLE_MS			200
#define REFUSAL_SERVE_MS		1000
#define REFUSAL_MAILBOXES		64

/* the longest a worker waits for a lock (its workspace's audit chain) */
#define REFUSAL_LOCK_TIMEOUT	"2s"
#define REFUSAL_NAME_MAX		128
#define REFUSAL_MESSAGE_MAX		1024

typedef enum RefusalState
{
	REFUSAL_PENDING = 0,		/* the worker has not copied the row */
	REFUSAL_TAKEN,				/* the worker holds its own copy */
	REFUSAL_WRITTEN,			/* ... and has committed it */
	REFUSAL_UNWRITTEN			/* ... and failed to (its LOG line says so) */
} RefusalState;

/*
 * The longest a caller whose row was taken waits for the worker's commit,
 * beyond its lock_timeout (REFUSAL_LOCK_TIMEOUT) and a connection's start.
 */
#define REFUSAL_WRITE_WAIT_MS	5000

/* The row of one refused call, in the dynamic shared memory segment. */
typedef struct RefusalShared
{
	PGPROC	   *caller;
	PGPROC	   *worker;			/* the worker that took the row */
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
	TimestampTz refused_at;		/* the caller's clock when it refused */
	int32		state;			/* RefusalState */
	XLogRecPtr	commit_end;		/* where the row's commit record ends (written) */
} RefusalShared;

/*
 * A serving worker's mailbox (shared memory, preloaded): the segment of one
 * caller of its database waiting to be taken.
 */
typedef struct RefusalMailbox
{
	pid_t		pid;			/* the serving worker (until it exits); 0: free */
	PGPROC	   *worker;
	Oid			database;
	bool		open;			/* takes posts */
	bool		idle;			/* waits for a post (not writing a row) */
	bool		yield;			/* a caller of another database waits for its place */
	dsm_handle	post;			/* DSM_HANDLE_INVALID: none */
} RefusalMailbox;

typedef struct RefusalMailboxes
{
	slock_t		mutex;			/* of every mailbox */
	pg_atomic_uint32 queued;	/* callers between StartSegmentWorker's start and end */
	int			count;
	RefusalMailbox box[FLEXIBLE_ARRAY_MEMBER];
} RefusalMailboxes;

static RefusalMailboxes *mailboxes = NULL;	/* NULL: not preloaded */
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* the mailbox a caller posted its segment to, and its worker then */
static int	posted_box = -1;
static pid_t posted_pid = 0;

/* a caller counted in mailboxes->queued */
static bool counted_queued = false;

static int
MailboxCount(void)
{
	return Min(REFUSAL_MAILBOXES, Max(1, max_worker_processes / REFUSAL_WORKERS_SHARE));
}

static Size
MailboxesSize(void)
{
	return add_size(offsetof(RefusalMailboxes, box), mul_size(MailboxCount(), sizeof(RefusalMailbox)));
}

static void
MailboxesShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(MailboxesSize()));
}

static void
MailboxesShmemStartup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	mailboxes = ShmemInitStruct("share_acl refusal mailboxes", MailboxesSize(), &found);
	if (!found)
	{
		memset(mailboxes, 0, MailboxesSize());
		SpinLockInit(&mailboxes->mutex);
		pg_atomic_init_u32(&mailboxes->queued, 0);
		mailboxes->count = MailboxCount();
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Ask for the mailboxes when the library is preloaded; called once from _PG_init. */
void
AuditWorkerInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = MailboxesShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = MailboxesShmemStartup;
}

/*
 * Post seg to the empty mailbox of a worker serving this database that
 * waits for one (its latch set), never to one writing a row, which might be
 * held up in its commit for longer than a caller waits; busy when every
 * such worker is writing or has a segment in its mailbox.  When none
 * serves this database and workers serving others hold every mailbox (so,
 * but for a cap above REFUSAL_MAILBOXES, every place under the cap), the
 * first of them is asked to end after its current row, so that this caller
 * does not wait for it to run out of rows.
 */
static SegmentHandOff
RefusalHandOff(dsm_segment *seg)
{
	SegmentHandOff result = SEGMENT_HAND_OFF_NONE;
	PGPROC	   *worker = NULL;
	RefusalMailbox *other = NULL;
	int			others = 0;
	int			i;

	SpinLockAcquire(&mailboxes->mutex);
	for (i = 0; i < mailboxes->count; i++)
	{
		RefusalMailbox *box = &mailboxes->box[i];

		if (box->pid == 0 || !box->open)
			continue;
		if (box->database != MyDatabaseId)
		{
			if (others++ == 0)
				other = box;
			continue;
		}
		if (box->post != DSM_HANDLE_INVALID || !box->idle)
		{
			result = SEGMENT_HAND_OFF_BUSY;
			continue;
		}
		box->post = dsm_segment_handle(seg);
		posted_box = i;
		posted_pid = box->pid;
		worker = box->worker;
		result = SEGMENT_HAND_OFF_POSTED;
		break;
	}
	if (result == SEGMENT_HAND_OFF_NONE && other != NULL && others >= mailboxes->count && !other->yield)
	{
		other->yield = true;
		worker = other->worker;
	}
	SpinLockRelease(&mailboxes->mutex);
	if (worker != NULL)
		SetLatch(&worker->procLatch);
	return result;
}

typedef enum PostWait
{
	POST_TAKEN,
	POST_GONE,					/* the worker exited without taking it: post it again */
	POST_WITHDRAWN,				/* not taken by the deadline, and withdrawn */
	POST_UNANSWERED				/* taken from the mailbox, never answered */
} PostWait;

/*
 * After RefusalHandOff posted seg: wait, with every interrupt held (the
 * segment must outlive the worker's copy), until the worker has taken the
 * row, or exited first (its mailbox is free only once it has), or the
 * caller's deadline passed while the segment was still in its mailbox
 * (withdrawn then).  The worker waited for a post, so it takes it at once;
 * one that took the segment out of its mailbox and does not answer within
 * SEGMENT_WORKER_HANDOVER_WAIT_MS more is given up.
 */
static PostWait
WaitPostTaken(dsm_segment *seg, volatile const int32 *state, TimestampTz deadline)
{
	RefusalMailbox *box = &mailboxes->box[posted_box];
	dsm_handle	handle = dsm_segment_handle(seg);
	PostWait	result;

	HOLD_INTERRUPTS();
	for (;;)
	{
		TimestampTz now = GetCurrentTimestamp();
		bool		timed_out = now >= deadline;
		bool		withdrawn = false;
		bool		gone;

		pg_read_barrier();
		if (*state != REFUSAL_PENDING)
		{
			result = POST_TAKEN;
			break;
		}
		SpinLockAcquire(&mailboxes->mutex);
		gone = box->pid != posted_pid;
		if (!gone && timed_out && box->post == handle)
		{
			box->post = DSM_HANDLE_INVALID;
			withdrawn = true;
		}
		SpinLockRelease(&mailboxes->mutex);
		if (gone || withdrawn)
		{
			/* it may have taken the row just before it exited */
			pg_read_barrier();
			result = *state != REFUSAL_PENDING ? POST_TAKEN : gone ? POST_GONE : POST_WITHDRAWN;
			break;
		}
		if (TimestampDifferenceExceeds(deadline, now, SEGMENT_WORKER_HANDOVER_WAIT_MS))
		{
			result = POST_UNANSWERED;
			break;
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	RESUME_INTERRUPTS();
	return result;
}

/*
 * Once the worker has taken the row: wait until it has committed it (or
 * failed to), at most REFUSAL_WRITE_WAIT_MS, so that the row is in audit_log
 * for the caller's next statement.  The wait ends sooner when the worker
 * waits for a heavyweight lock, which the caller may hold (a lock on the
 * audit log's tables, say: the refusal's error releases it, and the worker
 * then writes the row), or when a cancel, statement_timeout or termination
 * comes (held by the refusal, which is raised then): the row is the
 * worker's, only the wait ends.
 */
static void
WaitRowWritten(volatile RefusalShared *sh)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), REFUSAL_WRITE_WAIT_MS);

	for (;;)
	{
		volatile PGPROC *worker;

		pg_read_barrier();
		worker = sh->worker;
		if (sh->state != REFUSAL_TAKEN || GetCurrentTimestamp() >= deadline ||
			QueryCancelPending || ProcDiePending ||
			(worker != NULL && worker->waitLock != NULL))
			return;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

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

	if (counted_queued)
		pg_atomic_fetch_sub_u32(&mailboxes->queued, 1);
	counted_queued = false;
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
	volatile PostWait post_wait = POST_TAKEN;	/* (of the last post, if any) */
	volatile bool started = false;
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
	sh->refused_at = GetCurrentTimestamp();
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
		TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
														   REFUSAL_SLOT_WAIT_MS);

		/*
		 * (preloaded) while nobody queues, straight to a serving worker's
		 * mailbox; else in the queue, whose head posts to one or starts a
		 * worker (a capped start: it waits for the hand-over itself).  A
		 * serving worker that exits before it took the row leaves the caller
		 * to try again, within its time.
		 */
		for (;;)
		{
			long		left = (long) ((deadline - GetCurrentTimestamp()) / 1000);

			if (left <= 0)
				break;			/* (after a serving worker exited: wait is ENDED) */
			if (mailboxes != NULL && pg_atomic_read_u32(&mailboxes->queued) == 0 &&
				RefusalHandOff(seg) == SEGMENT_HAND_OFF_POSTED)
				wait = SEGMENT_WORKER_POSTED;
			else
			{
				if (mailboxes != NULL)
				{
					pg_atomic_fetch_add_u32(&mailboxes->queued, 1);
					counted_queued = true;
				}
				handle = StartSegmentWorker(seg, "share_acl_audit_worker_main",
											"share_acl audit of a refusal", "share_acl audit", left,
											Max(1, max_worker_processes / REFUSAL_WORKERS_SHARE),
											mailboxes != NULL ? RefusalHandOff : NULL,
											&sh->state, &wait);
				if (counted_queued)
					pg_atomic_fetch_sub_u32(&mailboxes->queued, 1);
				counted_queued = false;
				if (handle != NULL)
				{
					started = true;
					pfree(handle);
				}
			}
			if (wait != SEGMENT_WORKER_POSTED)
				break;
			post_wait = WaitPostTaken(seg, &sh->state, deadline);
			wait = post_wait == POST_TAKEN ? SEGMENT_WORKER_ANSWERED :
				post_wait == POST_WITHDRAWN ? SEGMENT_WORKER_TIMED_OUT : SEGMENT_WORKER_ENDED;
			if (post_wait != POST_GONE)
				break;
		}
	}
	PG_END_ENSURE_ERROR_CLEANUP(LogUnrecordedAtExit, PointerGetDatum(sh));
	RESUME_CANCEL_INTERRUPTS();
	if (wait == SEGMENT_WORKER_ANSWERED)
	{
		WaitRowWritten(sh);
		pg_read_barrier();
		if (sh->state == REFUSAL_WRITTEN)
			SegmentWorkerCommitFlush(sh->commit_end);
	}
	else if (post_wait == POST_WITHDRAWN)
		LogUnrecorded(sh, psprintf("the background worker it was handed to did not take it within %d seconds",
								   REFUSAL_SLOT_WAIT_MS / 1000));
	else if (!started && wait != SEGMENT_WORKER_ENDED)
		LogUnrecorded(sh, SegmentWorkerNoSlot(REFUSAL_SLOT_WAIT_MS));
	else if (wait == SEGMENT_WORKER_TIMED_OUT)
		LogUnrecorded(sh, psprintf("the background worker did not start within %d seconds",
								   SEGMENT_WORKER_HANDOVER_WAIT_MS / 1000));
	else
		LogUnrecorded(sh, "the background worker ended before taking it");
	dsm_detach(seg);
	PG_RETURN_BOOL(wait == SEGMENT_WORKER_ANSWERED);
}

/*
 * The row this worker took and has not written yet (logged if it exits so),
 * and its caller's segment, kept to tell the caller when it is written.
 */
static RefusalShared unwritten;
static bool unwritten_held = false;
static dsm_segment *unwritten_seg = NULL;

/* Tell the caller of the row taken that it is written, or never will be. */
static void
AnswerWritten(RefusalState state)
{
	RefusalShared *sh;

	if (unwritten_seg == NULL)
		return;
	sh = dsm_segment_address(unwritten_seg);
	if (state == REFUSAL_WRITTEN)
		sh->commit_end = XactLastCommitEnd;
	pg_write_barrier();
	sh->state = state;
	SetLatch(&unwritten.caller->procLatch);
	dsm_detach(unwritten_seg);
	unwritten_seg = NULL;
}

/* (preloaded) this worker's mailbox, -1: none */
static int	my_box = -1;

static void
LogUnwrittenAtExit(int code, Datum arg)
{
	if (unwritten_held)
		LogUnrecorded(&unwritten, code == 0 ? "the background worker ended before writing it"
					  : "the background worker failed or was terminated before writing it");
	unwritten_held = false;
	AnswerWritten(REFUSAL_UNWRITTEN);
}

/*
 * As the worker exits: free its mailbox (a segment still in it is its
 * caller's to post again, which it does once it sees the mailbox free).
 */
static void
FreeMailbox(int code, Datum arg)
{
	if (my_box < 0)
		return;
	SpinLockAcquire(&mailboxes->mutex);
	mailboxes->box[my_box].pid = 0;
	mailboxes->box[my_box].open = false;
	mailboxes->box[my_box].idle = false;
	mailboxes->box[my_box].post = DSM_HANDLE_INVALID;
	SpinLockRelease(&mailboxes->mutex);
	my_box = -1;
}

/*
 * Take the row of the caller whose segment is handle into unwritten: copy
 * it, tell the caller, keep the segment (AnswerWritten detaches it); false
 * when the caller is gone (it ended before the hand-over, which it never
 * does while it waits for one).
 */
static bool
TakeRow(dsm_handle handle)
{
	dsm_segment *seg = dsm_attach(handle);
	RefusalShared *sh;

	if (seg == NULL)
		return false;
	sh = dsm_segment_address(seg);
	memcpy(&unwritten, sh, sizeof(RefusalShared));
	unwritten_held = true;
	sh->worker = MyProc;
	pg_write_barrier();
	sh->state = REFUSAL_TAKEN;
	SetLatch(&unwritten.caller->procLatch);
	dsm_pin_mapping(seg);		/* (beyond the transactions that write it) */
	unwritten_seg = seg;
	return true;
}

/*
 * Stage the row taken in a transaction of its own and commit (the commit
 * seals it); a failure is logged with the row, and ends the worker.
 */
static void
WriteRow(const RefusalShared *row)
{
	Oid			argtypes[7] = {TEXTOID, UUIDOID, UUIDOID, UUIDOID, TEXTOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int			ret;

	values[0] = CStringGetTextDatum(row->function);
	values[1] = UUIDPGetDatum(&row->object);
	nulls[1] = row->has_object ? ' ' : 'n';
	values[2] = UUIDPGetDatum(&row->workspace);
	nulls[2] = row->has_workspace ? ' ' : 'n';
	values[3] = UUIDPGetDatum(&row->actor);
	nulls[3] = row->has_actor ? ' ' : 'n';
	values[4] = CStringGetTextDatum(row->db_role);
	values[5] = CStringGetTextDatum(row->message);
	values[6] = TimestampTzGetDatum(row->refused_at);
	SetUserIdAndSecContext(row->role, SECURITY_LOCAL_USERID_CHANGE);

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "share_acl audit of a refused call");
		ret = SPI_execute_with_args("SELECT share_acl._audit_record_refusal($1, $2, $3, $4, $5, $6, $7)",
									7, argtypes, values, nulls, false, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "share_acl._audit_record_refusal failed (SPI result %d)", ret);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
		unwritten_held = false;
		AnswerWritten(REFUSAL_WRITTEN);
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
		LogUnrecorded(row, "its transaction failed");
		AnswerWritten(REFUSAL_UNWRITTEN);
		proc_exit(1);
	}
	PG_END_TRY();
	pfree(DatumGetPointer(values[0]));
	pfree(DatumGetPointer(values[4]));
	pfree(DatumGetPointer(values[5]));
}

/*
 * (preloaded) Take a mailbox and write the rows posted to it, one after the
 * other, until none came for REFUSAL_IDLE_MS or REFUSAL_SERVE_MS have passed
 * (a row posted before the mailbox closes is written); the mailbox is
 * freed as the worker exits (FreeMailbox).
 */
static void
ServeMailbox(void)
{
	TimestampTz started = GetCurrentTimestamp();
	TimestampTz last = started;
	int			i;

	SpinLockAcquire(&mailboxes->mutex);
	for (i = 0; i < mailboxes->count; i++)
	{
		if (mailboxes->box[i].pid == 0)
		{
			mailboxes->box[i].pid = MyProcPid;
			mailboxes->box[i].worker = MyProc;
			mailboxes->box[i].database = MyDatabaseId;
			mailboxes->box[i].open = true;
			mailboxes->box[i].idle = true;
			mailboxes->box[i].yield = false;
			mailboxes->box[i].post = DSM_HANDLE_INVALID;
			my_box = i;
			break;
		}
	}
	SpinLockRelease(&mailboxes->mutex);
	if (my_box < 0)
		return;
	before_shmem_exit(FreeMailbox, (Datum) 0);

	for (;;)
	{
		RefusalMailbox *box = &mailboxes->box[my_box];
		TimestampTz now = GetCurrentTimestamp();
		bool		closing = TimestampDifferenceExceeds(started, now, REFUSAL_SERVE_MS) ||
			TimestampDifferenceExceeds(last, now, REFUSAL_IDLE_MS);
		dsm_handle	post;

		SpinLockAcquire(&mailboxes->mutex);
		closing = closing || box->yield;
		post = box->post;
		box->post = DSM_HANDLE_INVALID;
		box->idle = post == DSM_HANDLE_INVALID;	/* (busy while it writes) */
		if (closing)
			box->open = false;
		SpinLockRelease(&mailboxes->mutex);

		if (post != DSM_HANDLE_INVALID)
		{
			if (TakeRow(post))
				WriteRow(&unwritten);
			last = GetCurrentTimestamp();
		}
		else if (!closing)
		{
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10,
							 PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
		if (closing)
			return;
	}
}

/*
 * The background worker: copy the row, let the caller go, connect, stage the
 * row in a transaction of its own and commit (the commit seals it); then,
 * preloaded, the rows of further callers of its database (ServeMailbox).
 */
void
share_acl_audit_worker_main(Datum main_arg)
{
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	CurrentResourceOwner = ResourceOwnerCreate(NULL, "share_acl audit");
	before_shmem_exit(LogUnwrittenAtExit, (Datum) 0);
	if (!TakeRow(DatumGetUInt32(main_arg)))	/* the caller ended (terminated) before the hand-over */
		SegmentWorkerCallerGone("share_acl audit of a refusal");

	/*
	 * connect as no role: PostgreSQL's bootstrap superuser, whose login is not
	 * checked so (it may be NOLOGIN); act as the owner of audit_log (the one
	 * each row names).  The row is a session's of this database (which may
	 * have ended since): a database closed to new connections since
	 * (ALLOW_CONNECTIONS false) still takes it.
	 */
	BackgroundWorkerInitializeConnectionByOid(unwritten.database, InvalidOid, BGWORKER_BYPASS_ALLOWCONN);
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

	WriteRow(&unwritten);
	if (mailboxes != NULL)
		ServeMailbox();
	proc_exit(0);
}
