/*
 * link_rows.c — reading a share link's row by id for the link context (R7),
 * with whether the key that signed the token opened is still unretired.
 */
#include "postgres.h"

#include "utils/fmgroids.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "invalidation.h"
#include "link_rows.h"

/* Changes whenever a link may have changed (revoked, expiry, toggles …). */
uint64
LinksGeneration(void)
{
	return InvalCount(INVAL_LINKS);
}

static void
LinkRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	LinkData   *l = (LinkData *) arg;
	bool		isnull;

	l->exists = true;
	l->resource_id = AttrUuid(desc, tup, catalog.l_resource);
	l->perms = MaskedPerms(desc, tup, catalog.l_perms, catalog.l_download, catalog.l_comments,
						   catalog.l_approval, catalog.l_contribution);
	l->expires_at = TimestampOr(desc, tup, catalog.l_expires, DT_NOEND);
	l->not_before = TimestampOr(desc, tup, catalog.l_not_before, DT_NOBEGIN);
	Attr(desc, tup, catalog.l_revoked, &isnull);
	l->revoked = !isnull;
}

static void
KeyRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	bool		isnull;

	Attr(desc, tup, catalog.sk_retired, &isnull);
	*(bool *) arg = isnull;
}

/*
 * Read link id, and whether signing key kid (the key of the token opened; 0:
 * none) is still unretired; out->exists tells whether there is a link.
 */
void
LinkLoad(const pg_uuid_t *id, int32 kid, LinkData *out)
{
	Snapshot	snap;
	bool		key_live = false;

	memset(out, 0, sizeof(*out));
	CatalogLookup();
	snap = ReadSnapshot(&out->transient);
	IndexScanEqual(MT_LINK, MT_LINK_PKEY, catalog.l_id, id, snap, LinkRow, out);
	if (kid > 0)
	{
		IndexScanKey(MT_SIGNING_KEY, MT_SIGNING_KEY_PKEY, catalog.sk_kid, F_INT4EQ, Int32GetDatum(kid),
					 snap, KeyRow, &key_live);
		out->key_retired = !key_live;
	}
	UnregisterSnapshot(snap);
}
