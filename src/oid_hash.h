/*
 * oid_hash.h — a backend-local dynahash table keyed by an OID, made on
 * first use (the per-table, per-trigger and per-constraint caches).
 */
#ifndef SHARE_ACL_OID_HASH_H
#define SHARE_ACL_OID_HASH_H

#include "postgres.h"

#include "utils/hsearch.h"

/*
 * The entry of key in *table (entries of entrysize bytes, the OID first),
 * the table made in TopMemoryContext on first use; *found: it was there.
 */
static inline void *
OidHashEnter(HTAB **table, const char *name, Size entrysize, Oid key, bool *found)
{
	if (*table == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = entrysize;
		*table = hash_create(name, 32, &ctl, HASH_ELEM | HASH_BLOBS);
	}
	return hash_search(*table, &key, HASH_ENTER, found);
}

#endif							/* SHARE_ACL_OID_HASH_H */
