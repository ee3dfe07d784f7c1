/*
 * uuid_hash.c — the per-backend key of the uuid hash (see uuid_hash.h), and
 * _uuid_hash(), which exposes the hash to the tests that check it is keyed.
 */
#include "postgres.h"

#include "fmgr.h"
#include "port.h"
#include "utils/uuid.h"

#include "uuid_hash.h"

uint64		uuid_hash_key[2];

/* Draw the key; called once from _PG_init, before any index is built. */
void
UuidHashInit(void)
{
	if (!pg_strong_random(uuid_hash_key, sizeof(uuid_hash_key)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random key for the share_acl uuid hash")));
}

/* The keyed hash as a dynahash hash function (HASH_FUNCTION) for uuid keys. */
uint32
UuidHashValue(const void *key, Size keysize)
{
	Assert(keysize == sizeof(pg_uuid_t));
	return uuid_key_hash((const pg_uuid_t *) key);
}

PG_FUNCTION_INFO_V1(uuid_hash_internal);

/* _uuid_hash(id uuid) → int4: the keyed hash of id in this backend */
Datum
uuid_hash_internal(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32((int32) uuid_key_hash(PG_GETARG_UUID_P(0)));
}
