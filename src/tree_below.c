/*
 * tree_below.c — what lies below a resource, through children and
 * collection items, read by index probes under a snapshot: the longest path
 * down (_depth_below, for the depth limit of moves and filings) and every
 * resource below (_below, for the structure checks of a move and of a
 * project's guest AI switch).  Each resource below is read
 * once, however deep or tangled the paths to it.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"

#include "catalog.h"
#include "maps.h"

/*
 * What is directly below id, as snap sees it: its children, then the items
 * of it as a collection (palloc'd uuids; an id may come twice).
 */
static List *
DirectlyBelow(const pg_uuid_t *id, Snapshot snap)
{
	List	   *children = IndexScanUuids(MT_RESOURCE, MT_RESOURCE_BY_PARENT, catalog.res_parent, id,
										  catalog.res_id, snap);
	List	   *items = IndexScanUuids(MT_COLLECTION_ITEM, MT_COLLECTION_ITEM_PKEY,
									   catalog.item_collection, id, catalog.item_resource, snap);

	children = list_concat(children, items);
	list_free(items);			/* (its elements are children's now) */
	return children;
}

/*
 * The length of the longest path down from id, through children and
 * collection items, as snap sees them, or limit + 1 when it is longer than
 * limit; depth is how far the walk has come.  memo holds each resource's
 * length, so that a resource reached along many paths (collections filed
 * in one another, each reachable at many depths) is read once: the walk
 * costs two index probes per resource below, however the paths run.  (A
 * resource reached at depth > limit lies on a path longer than limit, so
 * the answer is limit + 1 then, whatever else is memoized.)
 */
static int32
LongestPathDown(const pg_uuid_t *id, int32 limit, uuidmap_hash *memo, int32 depth, Snapshot snap)
{
	UuidMapEntry *m;
	List	   *below;
	ListCell   *lc;
	int32		longest = 0;
	bool		found;

	if (depth > limit)
		return limit + 1;
	if ((m = uuidmap_lookup(memo, *id)) != NULL)
		return m->value;
	CHECK_FOR_INTERRUPTS();
	check_stack_depth();
	below = DirectlyBelow(id, snap);
	foreach(lc, below)
	{
		longest = Max(longest, 1 + LongestPathDown((const pg_uuid_t *) lfirst(lc), limit, memo,
												   depth + 1, snap));
		if (longest > limit)
			break;
	}
	list_free_deep(below);
	longest = Min(longest, limit + 1);
	uuidmap_insert(memo, *id, &found)->value = longest;
	return longest;
}

PG_FUNCTION_INFO_V1(depth_below);

/*
 * _depth_below(resource uuid, room integer) → integer: how many levels are
 * below the resource (the longest path down, through children and
 * collection items), or room + 1 when more than room.  For _depth_check.
 */
Datum
depth_below(PG_FUNCTION_ARGS)
{
	int32		room = PG_GETARG_INT32(1);
	uuidmap_hash *memo;
	int32		below;

	if (room < 0)
		PG_RETURN_INT32(0);
	room = Min(room, PG_INT32_MAX - 1);	/* (room + 1 is an answer) */
	CatalogLookup();
	memo = uuidmap_create(CurrentMemoryContext, 64, NULL);
	below = LongestPathDown(PG_GETARG_UUID_P(0), room, memo, 0, GetActiveSnapshot());
	uuidmap_destroy(memo);
	PG_RETURN_INT32(below);
}

PG_FUNCTION_INFO_V1(resources_below);

/*
 * _below(resource uuid) → uuid[]: the resources below a resource, through
 * children and collection items, downwards, each once (in the order a
 * breadth-first walk finds them), under the statement's snapshot.  Two
 * index probes per resource below, however deep or tangled the tree:
 * comparing each level with everything found so far (as a level-by-level
 * query must) costs levels × resources.
 */
Datum
resources_below(PG_FUNCTION_ARGS)
{
	Snapshot	snap = GetActiveSnapshot();
	uuidmap_hash *seen;
	List	   *found;
	ArrayType  *result;
	Datum	   *elems;
	bool		was_seen;
	int			i;

	CatalogLookup();
	seen = uuidmap_create(CurrentMemoryContext, 64, NULL);
	(void) uuidmap_insert(seen, *PG_GETARG_UUID_P(0), &was_seen);
	found = list_make1(PG_GETARG_UUID_P(0));
	/* (found grows while it is walked: each resource's look down once) */
	for (i = 0; i < list_length(found); i++)
	{
		List	   *below;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		below = DirectlyBelow((const pg_uuid_t *) list_nth(found, i), snap);
		foreach(lc, below)
		{
			(void) uuidmap_insert(seen, *(const pg_uuid_t *) lfirst(lc), &was_seen);
			if (!was_seen)
				found = lappend(found, lfirst(lc));
			else
				pfree(lfirst(lc));
		}
		list_free(below);
	}
	uuidmap_destroy(seen);
	elems = palloc_extended(sizeof(Datum) * list_length(found), MCXT_ALLOC_HUGE);
	for (i = 1; i < list_length(found); i++)
		elems[i - 1] = UUIDPGetDatum(list_nth(found, i));
	result = construct_array(elems, list_length(found) - 1, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR);
	PG_RETURN_ARRAYTYPE_P(result);
}
