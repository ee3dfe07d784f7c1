/*
 * tree_below.c — what lies below a resource, through children and
 * collection items, read by index probes under a snapshot: the longest path
 * down (_depth_below, for the depth limit of moves and filings), every
 * resource below (_below, for the structure checks of a move and of a
 * project's guest AI switch), the subtree that a delete deletes
 * (_subtree, children only, for delete_resource's walk) and whether someone
 * else's resource is below (_foreign_below, for R14's owner exemption and
 * member_edit_own_only).  Each resource below is read once, however deep or
 * tangled the paths to it.
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

/*
 * One step of a walk down: what lies directly below at, as snap sees it
 * (palloc'd uuids; an id may come twice); setting *stop ends the walk.
 */
typedef List *(*DownStep) (const pg_uuid_t *at, Snapshot snap, void *arg, bool *stop);

/* DownStep: children and collection items (DirectlyBelow). */
static List *
StepBelow(const pg_uuid_t *at, Snapshot snap, void *arg, bool *stop)
{
	return DirectlyBelow(at, snap);
}

/* DownStep: children only (what a delete deletes with its parent). */
static List *
StepChildren(const pg_uuid_t *at, Snapshot snap, void *arg, bool *stop)
{
	return IndexScanUuids(MT_RESOURCE, MT_RESOURCE_BY_PARENT, catalog.res_parent, at,
						  catalog.res_id, snap);
}

/*
 * id and what lies below it by step, downwards, each once (in the order a
 * breadth-first walk finds them, so each level after the one above it),
 * under snap, until a step says stop.  An index probe or two per resource
 * below, however deep or tangled the tree: comparing each level with
 * everything found so far (as a level-by-level query must) costs levels ×
 * resources.
 */
static List *
WalkDown(const pg_uuid_t *id, DownStep step, void *arg, Snapshot snap)
{
	uuidmap_hash *seen = uuidmap_create(CurrentMemoryContext, 64, NULL);
	List	   *found = list_make1((pg_uuid_t *) id);
	bool		was_seen;
	bool		stop = false;
	int			i;

	(void) uuidmap_insert(seen, *id, &was_seen);
	/* (found grows while it is walked: each resource's look down once) */
	for (i = 0; i < list_length(found) && !stop; i++)
	{
		List	   *below;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		below = step((const pg_uuid_t *) list_nth(found, i), snap, arg, &stop);
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
	return found;
}

/* The uuids of found from the first'th on, as a uuid[]. */
static ArrayType *
UuidArrayFrom(List *found, int first)
{
	int			n = list_length(found) - first;
	Datum	   *elems = palloc_extended(sizeof(Datum) * Max(n, 1), MCXT_ALLOC_HUGE);
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = UUIDPGetDatum(list_nth(found, first + i));
	return construct_array(elems, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR);
}

PG_FUNCTION_INFO_V1(resources_below);

/*
 * _below(resource uuid) → uuid[]: the resources below a resource, through
 * children and collection items, downwards, each once (WalkDown), under the
 * statement's snapshot.
 */
Datum
resources_below(PG_FUNCTION_ARGS)
{
	CatalogLookup();
	PG_RETURN_ARRAYTYPE_P(UuidArrayFrom(WalkDown(PG_GETARG_UUID_P(0), StepBelow, NULL, GetActiveSnapshot()), 1));
}

PG_FUNCTION_INFO_V1(resource_subtree);

/*
 * _subtree(resource uuid) → uuid[]: the resource and its descendants
 * (children, their children, ...: what deleting it deletes), top first, level
 * by level (WalkDown), under the statement's snapshot; empty when the
 * resource is not there.  An index probe per resource, whatever the
 * planner would guess of a recursive query over a table whose few parents
 * hold most resources.
 */
Datum
resource_subtree(PG_FUNCTION_ARGS)
{
	const pg_uuid_t *id = PG_GETARG_UUID_P(0);
	Snapshot	snap = GetActiveSnapshot();
	bool		there = false;

	CatalogLookup();
	IndexScanEqual(MT_RESOURCE, MT_RESOURCE_PKEY, catalog.res_id, id, snap, RowExists, &there);
	if (!there)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(UUIDOID));
	PG_RETURN_ARRAYTYPE_P(UuidArrayFrom(WalkDown(id, StepChildren, NULL, snap), 0));
}

/* What _foreign_below looks for below a resource. */
typedef struct ForeignWalk
{
	const pg_uuid_t *principal; /* NULL: nobody */
	bool		foreign;		/* someone else's (or nobody's) resource was found */
	List	   *next;			/* the unrestricted resources found at this step */
} ForeignWalk;

/* RowCallback: a resource found below; a restricted one, and what is below it, is left out. */
static void
ForeignRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	ForeignWalk *w = (ForeignWalk *) arg;
	bool		isnull;
	Datum		v = Attr(desc, tup, catalog.res_restricted, &isnull);
	pg_uuid_t  *id;

	if (!isnull && DatumGetBool(v))
		return;
	v = Attr(desc, tup, catalog.res_owner, &isnull);
	/* (the owner IS DISTINCT FROM the principal) */
	if (isnull ? w->principal != NULL :
		w->principal == NULL || !uuid_equal(DatumGetUUIDP(v), w->principal))
		w->foreign = true;
	id = palloc(sizeof(pg_uuid_t));
	*id = *DatumGetUUIDP(Attr(desc, tup, catalog.res_id, &isnull));
	w->next = lappend(w->next, id);
}

/*
 * DownStep: the unrestricted children and collection items of at, read with
 * their owners; stop at the first owned by someone other than the principal.
 */
static List *
StepForeign(const pg_uuid_t *at, Snapshot snap, void *arg, bool *stop)
{
	ForeignWalk *w = (ForeignWalk *) arg;
	List	   *items;
	ListCell   *lc;

	w->next = NIL;
	IndexScanEqual(MT_RESOURCE, MT_RESOURCE_BY_PARENT, catalog.res_parent, at, snap, ForeignRow, w);
	items = IndexScanUuids(MT_COLLECTION_ITEM, MT_COLLECTION_ITEM_PKEY, catalog.item_collection, at,
						   catalog.item_resource, snap);
	foreach(lc, items)
		IndexScanEqual(MT_RESOURCE, MT_RESOURCE_PKEY, catalog.res_id, (const pg_uuid_t *) lfirst(lc),
					   snap, ForeignRow, w);
	list_free_deep(items);
	*stop = w->foreign;
	return w->next;
}

PG_FUNCTION_INFO_V1(foreign_below);

/*
 * _foreign_below(principal uuid, resource uuid) → boolean: is a resource
 * below the resource (through children and collection items; restricted
 * ones and what is below them aside) owned by someone other than the
 * principal, or by nobody?  Under the active snapshot: the calling query's
 * (src/commit_recheck.c asks it under a snapshot of its own making at
 * commit).  Walked down (WalkDown) until one is found.
 */
Datum
foreign_below(PG_FUNCTION_ARGS)
{
	ForeignWalk w = {0};

	if (PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	w.principal = PG_ARGISNULL(0) ? NULL : PG_GETARG_UUID_P(0);
	CatalogLookup();
	(void) WalkDown(PG_GETARG_UUID_P(1), StepForeign, &w, GetActiveSnapshot());
	PG_RETURN_BOOL(w.foreign);
}
