/*
 * segment_worker.c — starting a dynamic background worker of share_acl
 * with a dynamic shared memory segment, and waiting for its answer
 * (segment_worker.h).
 *
 * Dynamic workers need no shared_preload_libraries, so both deployments
 * work the same.  A worker slot may be taken: the start is retried every 10
 * ms for as long as the caller allows, since the other workers of share_acl
 * live for a few milliseconds.  Both waits check for interrupts: a caller
 * that must not be cancelled half-way holds cancel interrupts around them.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "segment_worker.h"

#define SLOT_RETRY_MS	10

/*
 * Start a worker running share_acl's function (named what, for the process
 * list, and of type type), its argument the handle of seg; NULL when no
 * worker slot became free within slot_wait_ms.
 */
BackgroundWorkerHandle *
StartSegmentWorker(dsm_segment *seg, const char *function, const char *what, const char *type,
				   int slot_wait_ms)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	TimestampTz start = GetCurrentTimestamp();

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

	while (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		if (TimestampDifferenceExceeds(start, GetCurrentTimestamp(), slot_wait_ms))
			return NULL;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 SLOT_RETRY_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	return handle;
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
	SegmentWorkerWait result;

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
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 100,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	pg_read_barrier();
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
