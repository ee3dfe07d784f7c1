/*
 * share_acl.c — module entry point: the module magic and _PG_init, which
 * calls each module's init once per backend (each defines its own settings
 * and callbacks).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "app_references.h"
#include "audit.h"
#include "audit_memory.h"
#include "catalog.h"
#include "change_log.h"
#include "change_log_writers.h"
#include "commit_recheck.h"
#include "commit_waits.h"
#include "context.h"
#include "definer_frames.h"
#include "fk_check.h"
#include "invalidation.h"
#include "link_attempts.h"
#include "row_write.h"
#include "serial_checks.h"
#include "structure.h"
#include "uuid_hash.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Called once when the library is loaded into a backend. */
void
_PG_init(void)
{
	UuidHashInit();
	ContextDefineSettings();
	DefinerFramesInit();
	CatalogInit();
	InvalidationInit();
	ChangeLogInit();
	ChangeLogWritersInit();
	StructureInit();
	RowWriteInit();
	FkCheckInit();
	AppReferencesInit();
	AuditAppInit();
	SerialChecksInit();
	/*
	 * Callbacks run newest first: at commit the link views are counted (they
	 * lock link rows), then the uploads and structure changes are checked
	 * again under their lock (taken after any row lock of the transaction's
	 * own commit work), then the audit seal runs, last.
	 */
	CommitWaitsInit();
	AuditInit();
	AuditMemoryInit();
	AuditWorkerInit();
	CommitRecheckInit();
	LinkAttemptsInit();
	MarkGUCPrefixReserved("share_acl");
}
