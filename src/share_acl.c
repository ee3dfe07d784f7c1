/*
 * share_acl.c — module entry point: the module magic and _PG_init, which
 * defines the settings and registers the cache invalidation callback once
 * per backend.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "cache.h"
#include "share_acl.h"

#include "uuid_hash.h"
PG_MODULE_MAGIC;

void		_PG_init(void);

/* Called once when the library is loaded into a backend. */
void
_PG_init(void)
{
	ContextDefineSettings();
	UuidHashInit();
	DefineCustomIntVariable("share_acl.cache_size",
							"Upper bound of the per-backend permission cache.",
							"Past it the engine still answers, reading what it needs per check.",
							&share_acl_cache_size_mb,
							64, 1, 1024 * 1024,
							PGC_SUSET,
							GUC_UNIT_MB,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("share_acl");
	CacheRegisterCallbacks();
}
