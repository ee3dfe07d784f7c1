/*
 * segment_worker.h — a dynamic background worker of share_acl handed a
 * dynamic shared memory segment: started, then waited for.
 *
 * Owned by segment_worker.c.  Used where something must happen in a
 * transaction of its own, whatever the caller's transaction does (link
 * attempts, the audit rows of refused calls).  The segment holds what the
 * caller hands over and an int32 state, 0 until the worker answers (with
 * any other value); the worker sets the caller's latch when it does.
 *
 * A worker whose caller is gone before it attaches the segment (the caller's
 * error or exit destroyed it) has nothing to do: SegmentWorkerCallerGone()
 * says so in the log and ends the worker without an error.  A caller that
 * must not lose what it hands over waits for the hand-over with
 * WaitSegmentWorkerHandOver, which holds interrupts, and holds cancel
 * interrupts from before the worker's start.  SegmentWorkerCommitFlush makes
 * a worker's commit as durable as the caller's synchronous_commit asks.
 */
#ifndef SHARE_ACL_SEGMENT_WORKER_H
#define SHARE_ACL_SEGMENT_WORKER_H

#include "postgres.h"

#include "access/xlogdefs.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"

/* the longest WaitSegmentWorkerHandOver waits, with interrupts held */
#define SEGMENT_WORKER_HANDOVER_WAIT_MS	10000

typedef enum SegmentWorkerWait
{
	SEGMENT_WORKER_ANSWERED,	/* the state is no longer 0 */
	SEGMENT_WORKER_ENDED,		/* the worker ended first */
	SEGMENT_WORKER_POSTMASTER_DIED,
	SEGMENT_WORKER_TIMED_OUT,	/* (WaitSegmentWorkerHandOver only) */
	SEGMENT_WORKER_POSTED		/* (StartSegmentWorker only) handed to a running worker */
} SegmentWorkerWait;

/*
 * A capped start's way to hand the segment to a worker of its type that
 * runs already (one that serves several callers in turn), asked by the caller
 * at the head of the queue before it starts a worker of its own: posted (the
 * caller then waits for that worker's answer itself), none to take it now
 * but one will soon (the caller asks again in a millisecond), or none.
 */
typedef enum SegmentHandOff
{
	SEGMENT_HAND_OFF_NONE,
	SEGMENT_HAND_OFF_BUSY,
	SEGMENT_HAND_OFF_POSTED
} SegmentHandOff;
typedef SegmentHandOff (*SegmentHandOffFunction) (dsm_segment *seg);

extern char *SegmentWorkerNoSlot(int slot_wait_ms);
extern BackgroundWorkerHandle *StartSegmentWorker(dsm_segment *seg, const char *function,
												  const char *what, const char *type,
												  int slot_wait_ms, int max_running,
												  SegmentHandOffFunction hand_off,
												  volatile const int32 *state,
												  SegmentWorkerWait *handover);
extern SegmentWorkerWait WaitSegmentWorker(BackgroundWorkerHandle *handle,
										   volatile const int32 *state);
extern SegmentWorkerWait WaitSegmentWorkerHandOver(BackgroundWorkerHandle *handle,
												   volatile const int32 *state);
extern void SegmentWorkerCallerGone(const char *what) pg_attribute_noreturn();
extern void SegmentWorkerCommitFlush(XLogRecPtr commit_end);

#endif							/* SHARE_ACL_SEGMENT_WORKER_H */
