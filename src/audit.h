/*
 * audit.h — the audit trail (SPEC §7): the hash chain and the append-only
 * guard (src/audit.c), sealing at commit (src/audit_seal.c; the rows staged
 * in memory: audit_memory.h; the sealed rows' ids: audit_ids.h), the model
 * tables' trigger that stages rows (src/audit_stage.c), the applications'
 * audit_trigger() (src/audit_app.c) and refused calls recorded by a
 * background worker (src/audit_worker.c).
 */
#ifndef SHARE_ACL_AUDIT_H
#define SHARE_ACL_AUDIT_H

#include "postgres.h"
#include "fmgr.h"
#include "utils/relcache.h"
#include "utils/reltrigger.h"
#include "utils/uuid.h"

#include "owner_scope.h"

/* An audit_log row's columns id .. viewer_email (all but its hash) */
#define AUDIT_ROW_COLUMNS		12
#define AUDIT_HASH_LENGTH		32	/* SHA-256 */

/*
 * The hash of a row (its columns id .. viewer_email in values and nulls)
 * after prev, the previous row's hash in its chain (NULL: none).
 */
extern bytea *AuditRowHash(bytea *prev, const Datum *values, const bool *nulls);

/* The end of a transaction: the retention function's deletes end (audit.c). */
extern void AuditEndMaintenance(void);

/* Register the transaction callbacks that seal audit rows at commit (_PG_init). */
extern void AuditInit(void);
extern void AuditAppInit(void);

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

/* audit_stage's columns workspace_id .. ref_id: a staged row */
#define AUDIT_STAGE_COLUMNS		12

/*
 * Would this trigger, fired by an UPDATE of only these columns of rel,
 * stage nothing (the model tables' audit trigger, the columns unaudited,
 * while AuditOwnCounterUpdates holds)?
 */
extern bool AuditTriggerIgnores(Relation rel, const Trigger *trigger, const AttrNumber *changed,
								int nchanged);

/*
 * While own is true, the updates of the columns the model tables' audit
 * trigger names as unaudited (a link's counters) are the extension's own for
 * a link open, and write no update row; otherwise they are audited as every
 * column is.  Returns the previous value, to be restored (also on error).
 */
extern bool AuditOwnCounterUpdates(bool own);

/* A refused call's worker: its seal fails rather than wait behind a prepared transaction. */
extern void AuditSealFailBehindPrepared(void);

/* The owner of audit_log, and audit_chain's OID; InvalidOid without them. */
extern Oid	AuditLogOwner(Oid *chain_rel);

/*
 * Run as the owner of audit_log (OwnerScopeEnter) until OwnerScopeLeave;
 * false, having changed nothing, when the audit tables are not there.
 */
extern bool AuditAsOwner(OwnerScope *scope);
/* AuditAsOwner, an error when the audit tables are not there, then SPI_connect. */
extern void AuditConnectAsOwner(OwnerScope *scope);

/* to_jsonb() of a row (a composite datum of type rowtype), as the current role. */
extern Datum AuditRowToJsonb(Datum row, Oid rowtype);

/* (preloaded) the shared memory of the workers that write refused calls (_PG_init) */
extern void AuditWorkerInit(void);

/* Entry point of the background worker that writes refused calls. */
extern PGDLLEXPORT void share_acl_audit_worker_main(Datum main_arg);

#endif							/* SHARE_ACL_AUDIT_H */
