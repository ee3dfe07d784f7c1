/*
 * maps.h — small backend-local hash maps built on lib/simplehash.h:
 *   nodemap: int32 (a node index) -> uint64     uuidmap: uuid -> int32
 */
#ifndef SHARE_ACL_MAPS_H
#define SHARE_ACL_MAPS_H

#include "postgres.h"

#include "common/hashfn.h"
#include "utils/uuid.h"

#include "permset.h"

/* A 64-bit finalizer (from MurmurHash3), for keys that are not random. */
static inline uint64
mix64(uint64 k)
{
	k ^= k >> 33;
	k *= UINT64CONST(0xff51afd7ed558ccd);
	k ^= k >> 33;
	k *= UINT64CONST(0xc4ceb9fe1a85ec53);
	k ^= k >> 33;
	return k;
}

/* nodemap: int32 (a node or principal index) -> uint64 (a permset, an index …) */
typedef struct NodeMapEntry
{
	int32		key;
	char		status;
	uint64		value;
} NodeMapEntry;

#define SH_PREFIX nodemap
#define SH_ELEMENT_TYPE NodeMapEntry
#define SH_KEY_TYPE int32
#define SH_KEY key
#define SH_HASH_KEY(tb, key) murmurhash32((uint32) (key))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* uuidmap: uuid -> int32 */
typedef struct UuidMapEntry
{
	pg_uuid_t	key;
	int32		value;
	char		status;
} UuidMapEntry;

/* Hash of a uuid (ids may be chosen by users, so all 128 bits are mixed). */
static inline uint32
uuid_key_hash(const pg_uuid_t *id)
{
	uint64		a,
				b;

	memcpy(&a, id->data, 8);
	memcpy(&b, id->data + 8, 8);
	return (uint32) mix64(a ^ mix64(b));
}

/* Are two uuids equal (two 8-byte compares)? */
static inline bool
uuid_equal(const pg_uuid_t *a, const pg_uuid_t *b)
{
	uint64		a1,
				a2,
				b1,
				b2;

	memcpy(&a1, a->data, 8);
	memcpy(&a2, a->data + 8, 8);
	memcpy(&b1, b->data, 8);
	memcpy(&b2, b->data + 8, 8);
	return a1 == b1 && a2 == b2;
}

#define SH_PREFIX uuidmap
#define SH_ELEMENT_TYPE UuidMapEntry
#define SH_KEY_TYPE pg_uuid_t
#define SH_KEY key
#define SH_HASH_KEY(tb, key) uuid_key_hash(&(key))
#define SH_EQUAL(tb, a, b) uuid_equal(&(a), &(b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

#endif							/* SHARE_ACL_MAPS_H */
