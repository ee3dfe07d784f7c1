/*
 * uuid_index.h — an open-addressing index from uuid to a position in an
 * array of records (whose first field is the uuid), and the growable arrays
 * it indexes.  Owned by uuid_index.c; the records belong to the caller.
 *
 * A bucket holds the record index in its low bits (record_mask: 24 bits at
 * first, more as the records grow, up to 31) and bits of the hash above
 * them, so a probe touches a record only when those bits match.  Each index
 * carries its hash key: the backend's, or that of a shared image.
 */
#ifndef SHARE_ACL_UUID_INDEX_H
#define SHARE_ACL_UUID_INDEX_H

#include "postgres.h"

#include "utils/uuid.h"

#include "maps.h"
#include "uuid_hash.h"

#define UUID_BUCKET_EMPTY		0xFFFFFFFFU
#define UUID_RECORD_MASK_MIN	0x00FFFFFFU
#define UUID_RECORD_MASK_MAX	0x7FFFFFFFU

typedef struct UuidIndex
{
	uint32	   *buckets;		/* UUID_BUCKET_EMPTY, or hash bits | record */
	uint32		mask;			/* bucket count - 1 */
	uint32		record_mask;	/* the bits of a bucket that hold the record */
	int32		count;
	const char *base;			/* first record */
	Size		stride;			/* record size; the uuid is at offset 0 */
	uint64		key[2];			/* the hash key of its buckets */
	bool		borrowed;		/* buckets not palloc'd (a mapped image): never freed */
} UuidIndex;

/*
 * The hash of id in index, for UuidIndexLookupHashed; the bucket where that
 * look-up starts is loaded meanwhile (a hint to the CPU: the bucket array of
 * a big index is beyond its caches, and the caller has other work to do
 * before it needs the answer).
 */
static inline uint32
UuidIndexPrefetch(const UuidIndex *index, const pg_uuid_t *id)
{
	uint32		h = uuid_hash_with_key(index->key, id);

	if (index->buckets != NULL)
		__builtin_prefetch(&index->buckets[h & index->mask]);
	return h;
}

/* The record index of id in index, or -1; h is id's hash in index. */
static inline int32
UuidIndexLookupHashed(const UuidIndex *index, const pg_uuid_t *id, uint32 h)
{
	uint32		b,
				tag_mask = ~index->record_mask;

	if (index->buckets == NULL)
		return -1;
	b = h & index->mask;
	for (;;)
	{
		uint32		v = index->buckets[b];

		if (v == UUID_BUCKET_EMPTY)
			return -1;
		if ((v & tag_mask) == (h & tag_mask) &&
			uuid_equal((const pg_uuid_t *) (index->base + (Size) (v & index->record_mask) * index->stride), id))
			return (int32) (v & index->record_mask);
		b = (b + 1) & index->mask;
	}
}

/* The record index of id in index, or -1. */
static inline int32
UuidIndexLookup(const UuidIndex *index, const pg_uuid_t *id)
{
	if (index->buckets == NULL)
		return -1;
	return UuidIndexLookupHashed(index, id, uuid_hash_with_key(index->key, id));
}

/*
 * UuidIndexLookup for buckets read from a file, not yet checked: the record
 * index of id, or -1; a bucket naming a record at or past limit, or a probe
 * through every bucket, sets *damaged (and answers -1) instead of reading
 * past the records.
 */
static inline int32
UuidIndexLookupWithin(const UuidIndex *index, const pg_uuid_t *id, int32 limit, bool *damaged)
{
	uint32		h,
				b,
				probes,
				tag_mask = ~index->record_mask;

	*damaged = false;
	if (index->buckets == NULL)
		return -1;
	h = uuid_hash_with_key(index->key, id);
	b = h & index->mask;
	for (probes = 0; probes <= index->mask; probes++)
	{
		uint32		v = index->buckets[b];

		if (v == UUID_BUCKET_EMPTY)
			return -1;
		if ((v & index->record_mask) >= (uint32) limit)
			break;
		if ((v & tag_mask) == (h & tag_mask) &&
			uuid_equal((const pg_uuid_t *) (index->base + (Size) (v & index->record_mask) * index->stride), id))
			return (int32) (v & index->record_mask);
		b = (b + 1) & index->mask;
	}
	*damaged = true;
	return -1;
}

extern void UuidIndexInit(UuidIndex *index, const void *base, Size stride, int32 expected);
extern void UuidIndexInsert(UuidIndex *index, const void *base, int32 i);
extern void UuidIndexDelete(UuidIndex *index, int32 i);
extern void UuidIndexMoveInto(UuidIndex *to, UuidIndex *from, const void *base);
extern void *GrowArray(void *arr, int32 n, int32 *cap, Size elem);
extern int32 InternUuid(pg_uuid_t **ids, int32 *n, int32 *cap, UuidIndex *index,
						const pg_uuid_t *id);

#endif							/* SHARE_ACL_UUID_INDEX_H */
