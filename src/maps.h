/*
 * maps.h — small backend-local hash maps built on lib/simplehash.h:
 *   nodemap: int32 (a node index) -> uint64     uuidmap: uuid -> int32
 * (uuids hashed with the keyed hash of uuid_hash.h)
 */
#ifndef SHARE_ACL_MAPS_H
#define SHARE_ACL_MAPS_H

#include "postgres.h"

#include "common/hashfn.h"
#include "utils/uuid.h"

#include "permset.h"
#include "uuid_hash.h"

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
