/*
 * audit.h — the audit trail (SPEC §7): the hash chain, sealing at commit
 * (src/audit.c), the model tables' trigger that stages rows
 * (src/audit_stage.c) and refused calls recorded by a background worker
 * (src/audit_worker.c).
 */
#ifndef SHARE_ACL_AUDIT_H
#define SHARE_ACL_AUDIT_H

#include "postgres.h"
#include "fmgr.h"
#include "utils/uuid.h"

/* Register the transaction callbacks that seal audit rows at commit (_PG_init). */
extern void AuditInit(void);

/*
 * The current transaction staged audit rows (some of them without their
 * workspace, which the seal finds among its other rows, when unresolved).
 */
extern void AuditMarkPending(bool unresolved);

/*
 * The current transaction staged rows rows in the chain of workspace (NULL:
 * the rows without one); the seal then need not look for the chains.
 */
extern void AuditStaged(const pg_uuid_t *workspace, int64 rows);

/* The owner of audit_log, and audit_chain's OID; InvalidOid without them. */
extern Oid	AuditLogOwner(Oid *chain_rel);

/* Entry point of the background worker that writes refused calls. */
extern PGDLLEXPORT void share_acl_audit_worker_main(Datum main_arg);

#endif							/* SHARE_ACL_AUDIT_H */
