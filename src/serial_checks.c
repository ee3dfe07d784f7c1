/*
 * serial_checks.c — a plan that calls share_acl's functions runs without
 * parallel workers in REPEATABLE READ and SERIALIZABLE.
 *
 * A check answers by the latest committed state (R13), also in a
 * transaction that keeps one snapshot for its queries.  In parallel mode no
 * new snapshot may be taken, so the checks of a parallel plan (the leader's
 * and the workers') read under the query's snapshot: in these isolation
 * levels the transaction's, older than what a serial statement of the same
 * transaction answers by.  The same count(*) of a protected table could then
 * differ between a serial and a parallel plan of one transaction.  Such a
 * plan is run the way PostgreSQL runs a parallel plan that may not use
 * workers (a cursor's): outside parallel mode, the leader alone executing
 * all of it, Gather nodes included.  READ COMMITTED plans are untouched: a
 * statement's snapshot is taken at its start, and its checks agree with it.
 *
 * A plan calls share_acl when the functions it depends on
 * (PlannedStmt.invalItems: those of its expressions, row-level security
 * policies' included, and the SQL functions inlined into it) include one of
 * the share_acl schema's, compared by their syscache hash values: a
 * collision only costs that plan its workers.  A function of the
 * application's own that calls share_acl in its body (PL/pgSQL, or SQL that
 * is not inlined) is not seen.
 *
 * The same hook refuses any parallel plan of a transaction whose principal
 * was rejected when the library was loaded (context.c), before its workers
 * start; and runs without workers, in any isolation level, every plan of a
 * transaction acting as a session's principal that
 * share_acl.session_principal = refuse refuses (context.c): a worker cannot
 * tell that principal from one the transaction set, while the leader,
 * executing all of the plan, refuses it at its first use — through a
 * function of the application's own too, which the plan does not show.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "executor/executor.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "context.h"
#include "serial_checks.h"

static ExecutorRun_hook_type prev_executor_run = NULL;

/* The syscache hash values of the share_acl schema's functions, sorted. */
static uint32 *function_hashes = NULL;
static int	nfunction_hashes = 0;
/* changes of pg_proc and pg_namespace seen, and how many the hashes are as of */
static uint64 function_changes = 1;
static uint64 hashes_as_of = 0;

static void
FunctionsChanged(Datum arg, int cacheid, uint32 hashvalue)
{
	function_changes++;
}

static int
CompareHashes(const void *a, const void *b)
{
	uint32		x = *(const uint32 *) a;
	uint32		y = *(const uint32 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Read the share_acl schema's functions (none without it); built aside, published whole. */
static void
LoadFunctionHashes(void)
{
	uint64		seen = function_changes;
	Oid			schema = get_namespace_oid("share_acl", true);
	int			n = 0;
	int			cap = 256;
	uint32	   *hashes = palloc(sizeof(uint32) * cap);
	uint32	   *kept;

	if (OidIsValid(schema))
	{
		Relation	rel = table_open(ProcedureRelationId, AccessShareLock);
		SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
		HeapTuple	tup;

		while ((tup = systable_getnext(scan)) != NULL)
		{
			Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tup);

			if (proc->pronamespace != schema)
				continue;
			if (n == cap)
			{
				cap *= 2;
				hashes = repalloc(hashes, sizeof(uint32) * cap);
			}
			hashes[n++] = GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(proc->oid));
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}
	qsort(hashes, n, sizeof(uint32), CompareHashes);
	kept = MemoryContextAlloc(TopMemoryContext, sizeof(uint32) * Max(n, 1));
	memcpy(kept, hashes, sizeof(uint32) * n);
	pfree(hashes);
	if (function_hashes)
		pfree(function_hashes);
	function_hashes = kept;
	nfunction_hashes = n;
	/* (a function changed meanwhile: read them again next time) */
	hashes_as_of = seen;
}

/* Does the plan depend on a function of the share_acl schema? */
static bool
CallsShareAcl(const PlannedStmt *plan)
{
	ListCell   *lc;

	if (hashes_as_of != function_changes)
		LoadFunctionHashes();
	if (nfunction_hashes == 0)
		return false;
	foreach(lc, plan->invalItems)
	{
		PlanInvalItem *item = (PlanInvalItem *) lfirst(lc);

		if (item->cacheId == PROCOID &&
			bsearch(&item->hashValue, function_hashes, nfunction_hashes, sizeof(uint32),
					CompareHashes) != NULL)
			return true;
	}
	return false;
}

static void
SerialChecksExecutorRun(QueryDesc *queryDesc, ScanDirection direction, uint64 count,
						bool execute_once)
{
	PlannedStmt *plan = queryDesc->plannedstmt;
	PlannedStmt *serial;

	if (plan->parallelModeNeeded && !IsParallelWorker())
		ContextRefuseRejectedPrincipal();
	/*
	 * (execute_once is not asked: a simple query's run passes it false on
	 * 15.20, whose executor then still enters parallel mode, deciding by
	 * whether the portal has run before)
	 */
	if (plan->parallelModeNeeded && !IsParallelWorker() &&
		((IsolationUsesXactSnapshot() && CallsShareAcl(plan)) || ContextSessionPrincipalRefused()))
	{
		/*
		 * The plan may be a cached one: it is copied, not changed.  The copy
		 * lives as long as the query descriptor and stays its plan, so a
		 * descriptor run again (row by row, as a set-returning SQL
		 * function's) is copied once, and whoever reads its plan after
		 * ExecutorEnd still finds it.
		 */
		serial = MemoryContextAlloc(GetMemoryChunkContext(queryDesc), sizeof(PlannedStmt));
		*serial = *plan;
		serial->parallelModeNeeded = false;
		queryDesc->plannedstmt = serial;
	}
	if (prev_executor_run)
		prev_executor_run(queryDesc, direction, count, execute_once);
	else
		standard_ExecutorRun(queryDesc, direction, count, execute_once);
}

/* Install the executor hook and the invalidation callback; called once from _PG_init. */
void
SerialChecksInit(void)
{
	CacheRegisterSyscacheCallback(PROCOID, FunctionsChanged, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, FunctionsChanged, (Datum) 0);
	prev_executor_run = ExecutorRun_hook;
	ExecutorRun_hook = SerialChecksExecutorRun;
}
