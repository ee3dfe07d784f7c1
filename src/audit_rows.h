/*
 * audit_rows.h — the seal's writes below the executor (audit_rows.c): a
 * sealed row into its partition of audit_log, a chain's new head into
 * audit_chain.
 */
#ifndef SHARE_ACL_AUDIT_ROWS_H
#define SHARE_ACL_AUDIT_ROWS_H

#include "postgres.h"

#include "access/htup.h"
#include "utils/timestamp.h"

/* audit_log's columns, in their order: id, at, workspace_id .. viewer_email, hash */
#define AUDIT_LOG_COLUMNS	13

typedef struct AuditLogWriter AuditLogWriter;

extern void AuditRowsInit(void);
extern AuditLogWriter *AuditLogOpen(Oid log_rel, TimestampTz at);
extern void AuditLogLockPartition(Oid log_rel, TimestampTz at);
extern bool AuditLogWrite(AuditLogWriter *w, const Datum *values, const bool *nulls);
extern void AuditLogClose(AuditLogWriter *w);
extern bool AuditHeadMove(Oid chain_rel, Oid pkey, Datum chain, HeapTuple known, int64 last_id,
						  TimestampTz at, Datum hash);

#endif							/* SHARE_ACL_AUDIT_ROWS_H */
