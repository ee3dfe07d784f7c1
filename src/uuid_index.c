/*
 * uuid_index.c — the uuid index of uuid_index.h: insertion with growth,
 * deletion (backward shift, so probes never meet a tombstone), and the
 * growable record arrays the caches keep.
 *
 * Everything is allocated in the caller's current memory context.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "uuid_index.h"


/* ---------------------------------------------------------------------------
 * UuidIndex
 * ------------------------------------------------------------------------- */

static inline const pg_uuid_t *
UuidIndexKey(const UuidIndex *index, int32 i)
{
	return (const pg_uuid_t *) (index->base + (Size) i * index->stride);
}

/* Put record i into the buckets (no growth check). */
static void
UuidIndexPlace(UuidIndex *index, int32 i)
{
	uint32		h = uuid_hash_with_key(index->key, UuidIndexKey(index, i));
	uint32		b = h & index->mask;

	while (index->buckets[b] != UUID_BUCKET_EMPTY)
		b = (b + 1) & index->mask;
	index->buckets[b] = (h & ~index->record_mask) | (uint32) i;
}

/* Allocate size empty buckets, in the current memory context. */
static void
UuidIndexAllocBuckets(UuidIndex *index, uint32 size)
{
	index->buckets = palloc_extended(sizeof(uint32) * size, MCXT_ALLOC_HUGE);
	memset(index->buckets, 0xff, sizeof(uint32) * size);
	index->mask = size - 1;
}

/* An empty index for about expected records, in the current memory context. */
void
UuidIndexInit(UuidIndex *index, const void *base, Size stride, int32 expected)
{
	uint32		size = 16;

	while (size < (uint32) expected + (uint32) expected / 2 && size < (1U << 31))
		size <<= 1;
	UuidIndexAllocBuckets(index, size);
	index->record_mask = UUID_RECORD_MASK_MIN;
	index->count = 0;
	index->base = base;
	index->stride = stride;
	memcpy(index->key, uuid_hash_key, sizeof(index->key));
	index->borrowed = false;
}

/*
 * Add record i (whose records array now starts at base).  Grows the buckets
 * past two thirds full, and the record bits when i no longer fits them (the
 * all-ones record is never used, so no bucket equals UUID_BUCKET_EMPTY).
 */
void
UuidIndexInsert(UuidIndex *index, const void *base, int32 i)
{
	uint32		size;
	uint32		old_record_mask;
	uint32		record_mask;

	if (index->buckets == NULL)
		UuidIndexInit(index, base, index->stride ? index->stride : sizeof(pg_uuid_t), 8);
	index->base = base;
	size = index->mask + 1;
	old_record_mask = index->record_mask;
	record_mask = index->record_mask;
	while ((uint32) i >= record_mask)
	{
		if (record_mask == UUID_RECORD_MASK_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("share_acl cache cannot index more than %u records",
							UUID_RECORD_MASK_MAX)));
		record_mask = (record_mask << 1) | 1;
	}
	if ((uint64) (index->count + 1) * 3 > (uint64) size * 2)
	{
		if (size >= (1U << 31))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("share_acl cache cannot index more than %d records", index->count)));
		size *= 2;
	}
	if (size != index->mask + 1 || old_record_mask != record_mask)
	{
		uint32		oldsize = index->mask + 1;
		uint32	   *old = index->buckets;
		uint32		b;

		/* the new buckets first (this may fail), then the new layout */
		UuidIndexAllocBuckets(index, size);
		index->record_mask = record_mask;
		for (b = 0; b < oldsize; b++)
			if (old[b] != UUID_BUCKET_EMPTY)
				UuidIndexPlace(index, (int32) (old[b] & old_record_mask));
		if (!index->borrowed)
			pfree(old);
		index->borrowed = false;
	}
	UuidIndexPlace(index, i);
	index->count++;
}

/*
 * Add every record of from to to (both over the records at base), and leave
 * from empty, its buckets freed unless borrowed.
 */
void
UuidIndexMoveInto(UuidIndex *to, UuidIndex *from, const void *base)
{
	uint32		b;

	if (from->buckets == NULL)
		return;
	for (b = 0; b <= from->mask; b++)
		if (from->buckets[b] != UUID_BUCKET_EMPTY)
			UuidIndexInsert(to, base, (int32) (from->buckets[b] & from->record_mask));
	if (!from->borrowed)
		pfree(from->buckets);
	from->buckets = NULL;
	from->count = 0;
}

/*
 * Remove record i from the index (the record itself stays where it is).  The
 * buckets after it in its probe run are shifted back, so every remaining
 * record stays reachable from its home bucket.
 */
void
UuidIndexDelete(UuidIndex *index, int32 i)
{
	uint32		h,
				b,
				j;

	if (index->buckets == NULL)
		return;
	h = uuid_hash_with_key(index->key, UuidIndexKey(index, i));
	b = h & index->mask;
	for (;;)
	{
		uint32		v = index->buckets[b];

		if (v == UUID_BUCKET_EMPTY)
			return;				/* not indexed */
		if ((v & index->record_mask) == (uint32) i)
			break;
		b = (b + 1) & index->mask;
	}
	index->buckets[b] = UUID_BUCKET_EMPTY;
	index->count--;
	for (j = (b + 1) & index->mask;; j = (j + 1) & index->mask)
	{
		uint32		v = index->buckets[j];
		uint32		home;

		if (v == UUID_BUCKET_EMPTY)
			return;
		home = uuid_hash_with_key(index->key, UuidIndexKey(index, (int32) (v & index->record_mask))) & index->mask;
		/* keep v at j when its home lies cyclically in (b, j] */
		if ((b < j) ? (home > b && home <= j) : (home > b || home <= j))
			continue;
		index->buckets[b] = v;
		index->buckets[j] = UUID_BUCKET_EMPTY;
		b = j;
	}
}

/*
 * Grow an array of elem-sized records to hold at least n+1, doubling.
 * *cap changes only once the room is there: an array kept across an error
 * never says it holds more than it does.
 */
void *
GrowArray(void *arr, int32 n, int32 *cap, Size elem)
{
	int32		grown;

	if (n < *cap)
		return arr;
	if (*cap >= PG_INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("share_acl cache cannot hold more than %d records", *cap)));
	grown = *cap > 0 ? *cap * 2 : 8;
	arr = arr == NULL ? palloc_extended(elem * grown, MCXT_ALLOC_HUGE) :
		repalloc_huge(arr, elem * grown);
	*cap = grown;
	return arr;
}

/* The index of id in an interned uuid list, added when new. */
int32
InternUuid(pg_uuid_t **ids, int32 *n, int32 *cap, UuidIndex *index, const pg_uuid_t *id)
{
	int32		i = UuidIndexLookup(index, id);

	if (i >= 0)
		return i;
	*ids = GrowArray(*ids, *n, cap, sizeof(pg_uuid_t));
	(*ids)[*n] = *id;
	UuidIndexInsert(index, *ids, *n);
	return (*n)++;
}
