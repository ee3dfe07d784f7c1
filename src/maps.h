/*
 * maps.h — small backend-local hash maps keyed by an int32 (a node or
 * principal index), built on lib/simplehash.h:
 *   int32map: int32 -> int32      permmap: int32 -> Permset
 */
#ifndef SHARE_ACL_MAPS_H
#define SHARE_ACL_MAPS_H

#include "postgres.h"

#include "common/hashfn.h"

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

typedef struct Int32MapEntry
{
	int32		key;
	int32		value;
	char		status;
} Int32MapEntry;

#define SH_PREFIX int32map
#define SH_ELEMENT_TYPE Int32MapEntry
#define SH_KEY_TYPE int32
#define SH_KEY key
#define SH_HASH_KEY(tb, key) murmurhash32((uint32) (key))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct PermMapEntry
{
	int32		key;
	char		status;
	Permset		value;
} PermMapEntry;

#define SH_PREFIX permmap
#define SH_ELEMENT_TYPE PermMapEntry
#define SH_KEY_TYPE int32
#define SH_KEY key
#define SH_HASH_KEY(tb, key) murmurhash32((uint32) (key))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

#endif							/* SHARE_ACL_MAPS_H */
