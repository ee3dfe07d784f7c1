/*
 * audit_memory.h — audit rows staged in the current transaction's memory
 * (audit_memory.c): the few rows of a transaction, sealed at commit like
 * rows in audit_stage (audit_seal.c).
 */
#ifndef SHARE_ACL_AUDIT_MEMORY_H
#define SHARE_ACL_AUDIT_MEMORY_H

#include "postgres.h"

#include "audit.h"

/* A row staged in memory: its number (seq), then audit_stage's workspace_id .. ref_id. */
#define AUDIT_STAGED_COLUMNS	(1 + AUDIT_STAGE_COLUMNS)

typedef struct AuditMemoryRow
{
	SubTransactionId subid;
	Datum		values[AUDIT_STAGED_COLUMNS];
	bool		nulls[AUDIT_STAGED_COLUMNS];
} AuditMemoryRow;

/* May rows more audit rows be staged in memory by the current transaction? */
extern bool AuditStageInMemory(int64 rows);

/*
 * Stage one audit row in memory: values and nulls hold audit_stage's
 * columns workspace_id .. ref_id (AUDIT_STAGE_COLUMNS), as the statements
 * writing audit_stage give them; unresolved when the row lacks the
 * workspace that the seal finds among the transaction's other rows (a
 * cascade's).  The caller asked AuditStageInMemory first.
 */
extern void AuditStageRow(const Datum *values, const bool *nulls, bool unresolved);

/*
 * The rows staged so far, in staging order (*n of them), and whether one of
 * them lacks its workspace (*unresolved, until the transaction ends).
 */
extern const AuditMemoryRow *AuditMemoryRows(int *n, bool *unresolved);

/* Has the current transaction staged a row in memory? */
extern bool AuditMemoryPending(void);

/* The seal took or wrote the rows: none is left. */
extern void AuditMemoryClear(void);

/* The transaction ended: forget its rows (freed with its memory). */
extern void AuditMemoryForget(void);

/* Register the subtransaction callback that keeps the rows with their subtransactions (_PG_init). */
extern void AuditMemoryInit(void);

#endif							/* SHARE_ACL_AUDIT_MEMORY_H */
