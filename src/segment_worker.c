/*
 * segment_worker.c — starting a dynamic background worker of share_acl
 * with a dynamic shared memory segment, and waiting for its answer
 * (segment_worker.h).
 *
 * Dynamic workers need no shared_preload_libraries, so both deployments
 * work the same.  A worker slot may be taken: the start is retried every 10
 * ms for as long as the caller allows, since the other workers of share_acl
 * live for a few milliseconds.  A caller may also cap how many workers of
 * its type run at once, so that a flood of such calls leaves the server's
 * other worker slots to others (parallel queries, replication, pg_cron);
 * the callers of a capped start then take their turns in the order they
 * came.  The waits check for interrupts: a caller that must not be
 * cancelled half-way holds cancel interrupts around them.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "segment_worker.h"

#define SLOT_RETRY_MS	10

/* the advisory lock class of a capped start (SQL's functions use 1 and 2) */
#define CAPPED_START_LOCK_CLASS	0x5342

/*
 * How many background workers of type run now: those started (a process
 * with its PGPROC) and not ended (its slot still names its pid).
 */
static int
RunningWorkers(const char *type)
{
	int			running = 0;
	uint32		i;

	for (i = 0; i < ProcGlobal->allProcCount; i++)
	{
		PGPROC	   *proc = &ProcGlobal->allProcs[i];
		pid_t		pid = proc->pid;
		const char *its_type;

		if (pid == 0 || !proc->isBackgroundWorker)
			continue;
		its_type = GetBackgroundWorkerTypeByPid(pid);
		if (its_type != NULL && strcmp(its_type, type) == 0)
			running++;
	}
	return running;
}

/*
 * The locks of a capped start of a worker of type (not of a database: the
 * cap is the server's): the queue's (QUEUE_LOCK_SUB), which the callers wait
 * for in turn, and the start's (START_LOCK_SUB), held from the count of
 * running workers to the new worker's hand-over.
 */
#define QUEUE_LOCK_SUB	0
#define START_LOCK_SUB	1

static void
CappedStartTag(LOCKTAG *tag, const char *type, uint16 sub)
{
	SET_LOCKTAG_ADVISORY(*tag, InvalidOid, hash_bytes((const unsigned char *) type, strlen(type)), sub,
						 CAPPED_START_LOCK_CLASS);
}

/*
 * Wait for the queue's lock of a capped start: the lock manager grants it
 * first come, first served (a new request queues behind those waiting).
 * lock_timeout does not apply: the wait ends when the caller before gives
 * the lock up, which it does once its worker is registered or at its own
 * deadline, which is before this caller's; a cancel is the caller's to hold.
 * The lock is the transaction's, released by LockRelease or at its end.
 */
static void
QueueLockInTurn(const LOCKTAG *tag)
{
	int			nest = NewGUCNestLevel();

	(void) set_config_option("lock_timeout", "0", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) LockAcquire(tag, ExclusiveLock, false, false);
	AtEOXact_GUC(true, nest);
}

/*
 * Sleep until the latch is set or timeout_ms have passed (exiting if the
 * postmaster dies), then take any pending interrupt.
 */
static void
SleepOnLatch(long timeout_ms)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 timeout_ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * Wait until the postmaster has named the worker's pid in its slot (it
 * counts as running from then on: RunningWorkers), which it does after the
 * fork and may do after the worker has answered; or it ended; at most
 * SEGMENT_WORKER_HANDOVER_WAIT_MS.
 */
static void
WaitForPid(BackgroundWorkerHandle *handle)
{
	TimestampTz start = GetCurrentTimestamp();
	pid_t		pid;

	while (GetBackgroundWorkerPid(handle, &pid) == BGWH_NOT_YET_STARTED &&
		   !TimestampDifferenceExceeds(start, GetCurrentTimestamp(), SEGMENT_WORKER_HANDOVER_WAIT_MS))
		SleepOnLatch(1);
}

/*
 * Why StartSegmentWorker(…, slot_wait_ms, …) returned NULL, for a message:
 * "no background worker slot became free within N seconds" (the callers wait
 * whole seconds), or that there are none.
 */
char *
SegmentWorkerNoSlot(int slot_wait_ms)
{
	if (max_worker_processes <= 0)
		return pstrdup("max_worker_processes is 0, so no background worker can start");
	return psprintf("no background worker slot became free within %d seconds", slot_wait_ms / 1000);
}

/*
 * Start a worker running share_acl's function (named what, for the process
 * list, and of type type), its argument the handle of seg; NULL when no
 * worker slot became free within slot_wait_ms (at once when
 * max_worker_processes is 0: see SegmentWorkerNoSlot).  With max_running >
 * 0, also only once fewer than max_running workers of type run, and in turn: the
 * callers wait for the queue's lock in the order they came
 * (QueueLockInTurn); the one holding it tries, every SLOT_RETRY_MS until
 * its deadline, to take the start's lock, count the running workers and
 * start its own, and lets the queue go once its worker is registered.  The
 * start's lock is held until the worker has answered through *state (the
 * hand-over, waited for by WaitSegmentWorkerHandOver, whose result is
 * *handover) and the postmaster has reported its start (WaitForPid), or it
 * ended, or its start was called off (a hand-over that did not come: the
 * registration is withdrawn, so that no worker beyond the cap starts
 * later), so that the workers start one after the other and never past the
 * cap.  So a caller that came later never starts before one that waits (a
 * flood of new callers does not pass over an earlier one), and each gives
 * up at its own deadline, also behind a hand-over that does not come (a
 * postmaster that cannot fork); one that started its worker by then waits
 * for its own hand-over (WaitSegmentWorkerHandOver: at most
 * SEGMENT_WORKER_HANDOVER_WAIT_MS more).  A capped start with hand_off
 * asks it first at each try: once it has posted the segment to a worker
 * that runs already, the caller leaves the queue and gets NULL with
 * *handover SEGMENT_WORKER_POSTED, and waits for that worker itself.
 */
BackgroundWorkerHandle *
StartSegmentWorker(dsm_segment *seg, const char *function, const char *what, const char *type,
				   int slot_wait_ms, int max_running, SegmentHandOffFunction hand_off,
				   volatile const int32 *state, SegmentWorkerWait *handover)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle = NULL;
	TimestampTz start = GetCurrentTimestamp();
	LOCKTAG		queue;
	LOCKTAG		start_lock;

	/* no slot at all: none can become free, do not wait for one */
	if (max_worker_processes <= 0)
		return NULL;
	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "share_acl", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, function, BGW_MAXLEN);
	snprintf(worker.bgw_name, BGW_MAXLEN, "%s for PID %d", what, MyProcPid);
	strlcpy(worker.bgw_type, type, BGW_MAXLEN);
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;

	if (max_running <= 0)
	{
		while (!RegisterDynamicBackgroundWorker(&worker, &handle))
		{
			if (TimestampDifferenceExceeds(start, GetCurrentTimestamp(), slot_wait_ms))
				return NULL;
			SleepOnLatch(SLOT_RETRY_MS);	/* for a slot */
		}
		return handle;
	}

	CappedStartTag(&queue, type, QUEUE_LOCK_SUB);
	CappedStartTag(&start_lock, type, START_LOCK_SUB);
	QueueLockInTurn(&queue);
	for (;;)
	{
		SegmentHandOff hand_off_result = SEGMENT_HAND_OFF_NONE;

		if (TimestampDifferenceExceeds(start, GetCurrentTimestamp(), slot_wait_ms))
		{
			LockRelease(&queue, ExclusiveLock, false);
			return NULL;
		}
		if (hand_off != NULL)
			hand_off_result = hand_off(seg);
		if (hand_off_result == SEGMENT_HAND_OFF_POSTED)
		{
			LockRelease(&queue, ExclusiveLock, false);
			*handover = SEGMENT_WORKER_POSTED;
			return NULL;
		}
		if (LockAcquire(&start_lock, ExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL)
		{
			if (RunningWorkers(type) < max_running &&
				RegisterDynamicBackgroundWorker(&worker, &handle))
				break;
			LockRelease(&start_lock, ExclusiveLock, false);
		}
		/* for a slot, or for a running worker that will take the segment soon */
		SleepOnLatch(hand_off_result == SEGMENT_HAND_OFF_BUSY ? 1 : SLOT_RETRY_MS);
	}
	LockRelease(&queue, ExclusiveLock, false);
	*handover = WaitSegmentWorkerHandOver(handle, state);
	if (*handover == SEGMENT_WORKER_ANSWERED)
		WaitForPid(handle);
	else
	{
		/*
		 * (a worker not started yet is not counted as running: that it never
		 * starts keeps the cap, and its slot goes back)
		 */
		TerminateBackgroundWorker(handle);
	}
	LockRelease(&start_lock, ExclusiveLock, false);
	return handle;
}

/*
 * Wait until *state (in the worker's segment) is no longer 0, or the worker
 * has ended, or (timeout_ms > 0) that long.
 */
static SegmentWorkerWait
WaitForAnswer(BackgroundWorkerHandle *handle, volatile const int32 *state, int timeout_ms)
{
	SegmentWorkerWait result;
	TimestampTz start = GetCurrentTimestamp();

	for (;;)
	{
		pid_t		pid;
		BgwHandleStatus status;

		CHECK_FOR_INTERRUPTS();
		if (*state != 0)
		{
			result = SEGMENT_WORKER_ANSWERED;
			break;
		}
		status = GetBackgroundWorkerPid(handle, &pid);
		if (status == BGWH_STOPPED || status == BGWH_POSTMASTER_DIED)
		{
			/* it may have answered just before it ended */
			pg_read_barrier();
			result = *state != 0 ? SEGMENT_WORKER_ANSWERED :
				status == BGWH_STOPPED ? SEGMENT_WORKER_ENDED : SEGMENT_WORKER_POSTMASTER_DIED;
			break;
		}
		if (timeout_ms > 0 && TimestampDifferenceExceeds(start, GetCurrentTimestamp(), timeout_ms))
		{
			result = SEGMENT_WORKER_TIMED_OUT;
			break;
		}
		SleepOnLatch(100);
	}
	pg_read_barrier();
	return result;
}

/*
 * Wait until *state (in the worker's segment) is no longer 0, or the worker
 * has ended.  After SEGMENT_WORKER_ANSWERED, the worker's writes to the
 * segment before it set the state are visible.  The caller frees handle
 * (it may wait for another state of the same worker first).
 */
SegmentWorkerWait
WaitSegmentWorker(BackgroundWorkerHandle *handle, volatile const int32 *state)
{
	return WaitForAnswer(handle, state, 0);
}

/*
 * WaitSegmentWorker for the hand-over (*state set once the worker holds its
 * copy), with every interrupt held: a cancel, and also a termination
 * (pg_terminate_backend, a lost client connection), would destroy the
 * segment under the worker.  A registered worker starts within the time a
 * process takes to start, or counts as ended (a shutting-down postmaster
 * forgets it), so the wait is short; it gives up after
 * SEGMENT_WORKER_HANDOVER_WAIT_MS all the same (SEGMENT_WORKER_TIMED_OUT: a
 * postmaster that cannot fork or is stopped).  What arrived meanwhile is
 * processed at the caller's next interrupt check.  A caller waits so once
 * per worker (a capped start has waited already: StartSegmentWorker).
 */
SegmentWorkerWait
WaitSegmentWorkerHandOver(BackgroundWorkerHandle *handle, volatile const int32 *state)
{
	SegmentWorkerWait result;

	HOLD_INTERRUPTS();
	result = WaitForAnswer(handle, state, SEGMENT_WORKER_HANDOVER_WAIT_MS);
	RESUME_INTERRUPTS();
	return result;
}

/*
 * In a worker whose segment could not be attached: its caller ended (or
 * failed) before the worker took what it handed over, and nobody waits for
 * an answer.  Not an error of the worker: a LOG line, and a clean exit.
 */
void
SegmentWorkerCallerGone(const char *what)
{
	ereport(LOG,
			(errmsg("%s: the caller ended before the worker started; nothing was recorded", what)));
	proc_exit(0);
}

/*
 * A worker's commit, ending at commit_end, made as durable as the caller's
 * own would be: the worker commits with the server's synchronous_commit, and
 * a caller whose transaction writes nothing (it rolls back, or is refused)
 * flushes nothing of it; so a caller whose synchronous_commit is on flushes
 * the WAL up to it before answering (a password guess, a claimed view, a
 * refusal's audit row survive a crash once answered).
 */
void
SegmentWorkerCommitFlush(XLogRecPtr commit_end)
{
	if (!XLogRecPtrIsInvalid(commit_end) && synchronous_commit > SYNCHRONOUS_COMMIT_OFF)
		XLogFlush(commit_end);
}
