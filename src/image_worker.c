/*
 * image_worker.c — the background worker that writes a database's images
 * (the structure's, the principals') when the backends that need them
 * cannot.
 *
 * A backend writes the image itself after it loaded the whole structure,
 * but only outside parallel mode and when its transaction has written
 * nothing (structure.c).  So without this worker a database whose big scans
 * run in parallel, or whose image fell behind while no backend loaded the
 * structure in full, would have its fresh backends and parallel workers
 * read resources one by one, every time; and a fresh backend reads each
 * principal it meets with index scans until some backend has read enough
 * of them to write the principal image.  Such a backend asks for this
 * worker instead: it connects to the database, writes each image that is
 * missing or too far behind, as of now, and exits.
 *
 * One worker at a time per database: it holds a lock that no SQL statement
 * can take (a user lock on the extension's OID in a key space of its own)
 * while it works, and a backend does not start one while that lock is
 * taken, nor more than once per IMAGE_REQUEST_INTERVAL_MS itself.  A
 * dynamic worker needs no shared_preload_libraries; when no worker slot is
 * free, nothing is started and a later backend asks again.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/lock.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "image_worker.h"
#include "principals.h"
#include "structure.h"

#define IMAGE_REQUEST_INTERVAL_MS	10000
#define WORKER_LOCK_KEY				0x494d4147	/* "IMAG" */
#define WORKER_LOCK_SPACE			0x5341	/* "SA": not an advisory lock's 1 or 2 */

static TimestampTz last_request = 0;

/*
 * The lock the worker of this database holds; false when share_acl is not
 * installed.  A user lock (so that a hot standby's worker may take it too),
 * whose fourth field no SQL function makes (pg_advisory_lock's are 1 and 2).
 */
static bool
WorkerLockTag(LOCKTAG *tag)
{
	Oid			ext = get_extension_oid("share_acl", true);

	if (!OidIsValid(ext))
		return false;
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, ext, WORKER_LOCK_KEY, WORKER_LOCK_SPACE);
	return true;
}

/*
 * Start the worker for this database, unless one is at work, this backend
 * asked less than IMAGE_REQUEST_INTERVAL_MS ago, or no worker slot is free.
 */
void
ImageWorkerRequest(void)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	LOCKTAG		tag;
	TimestampTz now = GetCurrentTimestamp();

	if (IsBackgroundWorker ||
		(last_request != 0 &&
		 !TimestampDifferenceExceeds(last_request, now, IMAGE_REQUEST_INTERVAL_MS)) ||
		!WorkerLockTag(&tag))
		return;
	last_request = now;
	if (LockAcquire(&tag, AccessShareLock, false, true) == LOCKACQUIRE_NOT_AVAIL)
		return;					/* a worker is at work */
	LockRelease(&tag, AccessShareLock, false);

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "share_acl", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "share_acl_image_worker_main", BGW_MAXLEN);
	snprintf(worker.bgw_name, BGW_MAXLEN, "share_acl image writer for database %u", MyDatabaseId);
	strlcpy(worker.bgw_type, "share_acl image writer", BGW_MAXLEN);
	worker.bgw_main_arg = ObjectIdGetDatum(MyDatabaseId);
	worker.bgw_notify_pid = 0;
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		elog(DEBUG1, "share_acl: no background worker slot free for the image writer");
	else
		elog(DEBUG1, "share_acl: image writer started");
}

/*
 * The worker: connect to the database, take the lock (or leave, another
 * worker is at it), and write each image that is missing or too far behind.
 */
void
share_acl_image_worker_main(Datum main_arg)
{
	LOCKTAG		tag;
	bool		have_lock;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	/*
	 * as no role: the bootstrap superuser, its login not checked (may be
	 * NOLOGIN); for the backends of a database closed to new connections
	 * since it was asked for (ALLOW_CONNECTIONS false) too
	 */
	BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(main_arg), InvalidOid, BGWORKER_BYPASS_ALLOWCONN);
	SetConfigOption("default_transaction_isolation", "read committed", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
	/* what an image may hold is share_acl.shared_cache_size's, not a backend's bound */
	if (share_acl_shared_cache_size_mb > share_acl_cache_size_mb)
		SetConfigOption("share_acl.cache_size", GetConfigOption("share_acl.shared_cache_size", false, false),
						PGC_SUSET, PGC_S_OVERRIDE);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	/* held until the end of the transaction, which is the worker's whole work */
	have_lock = WorkerLockTag(&tag) &&
		LockAcquire(&tag, ExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL;
	if (have_lock)
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "share_acl: writing the images");
		StructureWriteImage();
		PrincipalWriteImage();
		PopActiveSnapshot();
	}
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}
