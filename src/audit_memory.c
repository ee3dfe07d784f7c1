/*
 * audit_memory.c — audit rows staged in the transaction's memory
 * (audit_memory.h), which the seal (audit_seal.c) takes at commit.
 *
 * The few rows of a transaction (up to MEMORY_ROWS_MAX: every transaction
 * of an application) are kept in its memory instead of audit_stage, each
 * with its subtransaction (a rolled-back one takes its rows along, as it
 * would take its audit_stage rows) and a number from audit_stage's own
 * sequence, so that they keep one staging order with rows the same
 * transaction staged in the table (a bulk statement, a PL/pgSQL path).
 * Such a transaction's memory rows are written into audit_stage at the seal,
 * which then seals from the table; otherwise the seal takes them from memory.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "commands/sequence.h"
#include "funcapi.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

#include "audit_memory.h"
#include "catalog.h"

PG_FUNCTION_INFO_V1(audit_memory_rows);

#define MEMORY_ROWS_MAX			256

static AuditMemoryRow *memory_rows = NULL;	/* in TopTransactionContext */
static int	nmemory_rows = 0;
static int	memory_room = 0;
static bool memory_unresolved = false;	/* a memory row lacks its workspace */

/* audit_stage's sequence of seq, looked up once per catalog generation */
static Oid	stage_seq = InvalidOid;
static uint64 stage_seq_generation = 0;

/* The type length of each of audit_stage's columns workspace_id .. ref_id (uuid 16, varlena -1). */
static const int16 stage_column_lengths[AUDIT_STAGE_COLUMNS] = {
	UUID_LEN, UUID_LEN, -1, -1, -1, UUID_LEN, -1, -1, UUID_LEN, -1, -1, UUID_LEN
};

/* See audit_memory.h. */
bool
AuditStageInMemory(int64 rows)
{
	return nmemory_rows + rows <= MEMORY_ROWS_MAX;
}

/* See audit_memory.h. */
void
AuditStageRow(const Datum *values, const bool *nulls, bool unresolved)
{
	MemoryContext old;
	AuditMemoryRow *row;
	int64		seq;
	int			c;

	Assert(nmemory_rows < MEMORY_ROWS_MAX);
	if (stage_seq_generation != CatalogGeneration() || !OidIsValid(stage_seq))
	{
		Oid			nsp = get_namespace_oid("share_acl", false);
		Oid			stage_rel = get_relname_relid("audit_stage", nsp);

		if (!OidIsValid(stage_rel))
			elog(ERROR, "share_acl.audit_stage is missing");
		stage_seq = getIdentitySequence(stage_rel, get_attnum(stage_rel, "seq"), false);
		stage_seq_generation = CatalogGeneration();
	}
	seq = nextval_internal(stage_seq, false);

	old = MemoryContextSwitchTo(TopTransactionContext);
	if (nmemory_rows == memory_room)
	{
		memory_room = Max(8, memory_room * 2);
		memory_rows = memory_rows == NULL ? palloc(memory_room * sizeof(AuditMemoryRow)) :
			repalloc(memory_rows, memory_room * sizeof(AuditMemoryRow));
	}
	row = &memory_rows[nmemory_rows];
	row->subid = GetCurrentSubTransactionId();
	row->values[0] = Int64GetDatum(seq);
	row->nulls[0] = false;
	for (c = 0; c < AUDIT_STAGE_COLUMNS; c++)
	{
		row->nulls[1 + c] = nulls[c];
		if (nulls[c])
			row->values[1 + c] = (Datum) 0;
		else if (stage_column_lengths[c] == -1)
			row->values[1 + c] = PointerGetDatum(PG_DETOAST_DATUM_COPY(values[c]));
		else
			row->values[1 + c] = datumCopy(values[c], false, stage_column_lengths[c]);
	}
	nmemory_rows++;
	if (unresolved)
		memory_unresolved = true;
	MemoryContextSwitchTo(old);
}

/*
 * _audit_memory_rows() → setof (seq, workspace_id .. viewer_email): the rows
 * the current transaction staged in its memory, in staging order.
 */
Datum
audit_memory_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			r;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	for (r = 0; r < nmemory_rows; r++)
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, memory_rows[r].values,
							 memory_rows[r].nulls);
	PG_RETURN_VOID();
}

/* A subtransaction ends: its rows go to its parent, or with it. */
static void
AuditSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	int			i,
				n;

	if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		for (i = 0; i < nmemory_rows; i++)
			if (memory_rows[i].subid == mySubid)
				memory_rows[i].subid = parentSubid;
	}
	else if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		for (i = 0, n = 0; i < nmemory_rows; i++)
			if (memory_rows[i].subid != mySubid)
				memory_rows[n++] = memory_rows[i];
		nmemory_rows = n;
	}
}

/* See audit_memory.h. */
const AuditMemoryRow *
AuditMemoryRows(int *n, bool *unresolved)
{
	*n = nmemory_rows;
	*unresolved = memory_unresolved;
	return memory_rows;
}

/* See audit_memory.h. */
bool
AuditMemoryPending(void)
{
	return nmemory_rows > 0;
}

/* See audit_memory.h. */
void
AuditMemoryClear(void)
{
	nmemory_rows = 0;
}

/* See audit_memory.h. */
void
AuditMemoryForget(void)
{
	memory_rows = NULL;			/* (freed with the transaction's memory) */
	nmemory_rows = 0;
	memory_room = 0;
	memory_unresolved = false;
}

/* See audit_memory.h. */
void
AuditMemoryInit(void)
{
	RegisterSubXactCallback(AuditSubXactCallback, NULL);
}
