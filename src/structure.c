/*
 * structure.c — loading the structure of structure.h and keeping it up to
 * date by deltas.
 *
 * Whenever invalidation.c reports that resource or collection_item changed,
 * the next StructureGet() reads the change log entries this backend has not
 * applied (change_log.c) and reads each named resource again under the same
 * snapshot: its row (gone: the node dies), its parent and the collections
 * holding it.  Reading a resource again is idempotent, so an entry applied
 * twice does no harm; what the snapshot saw becomes the new position.  A
 * reload entry, a pruned log, too many entries, too many dead nodes, DDL or
 * an interrupted change make the next call load everything again instead.
 *
 * Everything the backend's own transaction changed is applied too (its own
 * entries are visible to it); if it rolls back, change_log.c hands those ids
 * back to be read again.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "change_log.h"
#include "image.h"
#include "image_worker.h"
#include "invalidation.h"
#include "maps.h"
#include "structure.h"

int			share_acl_cache_size_mb = 64;
int			share_acl_shared_cache_size_mb = 1024;

/* A table this small is loaded in full at once; a bigger one is read on demand first. */
#define LOAD_AT_ONCE_BELOW		20000
/* More changed ids than this at once: load everything again. */
#define MAX_DELTA_IDS			20000
/* A backend's first check maps the image when it is at most this many changes behind. */
#define FRESH_IMAGE_DELTAS		256
/*
 * A fresh backend that applied more changes than this to the image it
 * mapped asks the image writer for a newer one, written from that image and
 * the changes since (each change applied in a fresh backend costs it index
 * scans through pages it has never touched: about 50-100 us each on the
 * SPEC section 10 data set), at most once per IMAGE_FRESHEN_AFTER_S seconds.
 */
#define IMAGE_FRESH_ENOUGH		16

/* room in an image's estimate for its header and its owners' and workspaces' arrays */
#define IMAGE_SMALL_PARTS_BYTES	(1024 * 1024)
#define IMAGE_FRESHEN_AFTER_S	2
/* After applying this many changes to a mapped image, a backend maps or writes a newer one. */
#define IMAGE_REFRESH_AFTER		5000
/*
 * A partial structure started while the image was too far behind looks for a
 * newer image (the image writer was asked for one) each time it has read
 * this many more nodes on demand, and maps it when catching up with it
 * costs no more changes than the nodes it has read (or FRESH_IMAGE_DELTAS).
 */
#define PARTIAL_IMAGE_LOOK		256
/* AdoptImage's avoid: none of the database's images, whatever their id. */
#define AVOID_EVERY_IMAGE		PG_UINT64_MAX

static MemoryContext structure_cxt = NULL;
static StructureCache *structure = NULL;
static bool structure_broken = false;	/* a change was interrupted half-way */
static bool read_under_query_snapshot = false;	/* nodes read in parallel mode: drop */
static uint64 synced_count = 0;		/* INVAL_STRUCTURE count it is up to date with */
static uint64 loaded_catalog = 0;	/* CatalogGeneration() at its load */
static TransientTag synced_tag = 0;	/* up to date with a query's snapshot only */
static ChangeLogPosition position;
static uint64 next_build_id = 1;

static uint64 stat_full_loads = 0;
static uint64 stat_delta_batches = 0;
static uint64 stat_deltas_applied = 0;

/* Define share_acl.cache_size; called once from _PG_init. */
void
StructureInit(void)
{
	DefineCustomIntVariable("share_acl.cache_size",
							"Upper bound of the per-backend permission cache.",
							"Past it the engine still answers, reading what it needs per check.",
							&share_acl_cache_size_mb,
							64, 1, 1024 * 1024,
							PGC_SUSET,
							GUC_UNIT_MB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("share_acl.shared_cache_size",
							"Upper bound of each image shared by the backends of a database (written or mapped).",
							"A bigger structure is not shared: each backend keeps its own, within share_acl.cache_size.",
							&share_acl_shared_cache_size_mb,
							1024, 0, 1024 * 1024,
							PGC_SUSET,
							GUC_UNIT_MB,
							NULL, NULL, NULL);
}

static Size
StructureMemory(void)
{
	return structure_cxt ? MemoryContextMemAllocated(structure_cxt, true) : 0;
}

/* ---------------------------------------------------------------------------
 * Nodes
 * ------------------------------------------------------------------------- */

/*
 * Room for one more record in an array that may be in the mapped image:
 * past its room there, it is copied into backend memory.
 */
static void *
RoomForOne(void *arr, int32 n, int32 *cap, Size elem)
{
	void	   *copy;

	if (n < *cap)
		return arr;
	if (!ImageContains(IMAGE_STRUCTURE, arr))
		return GrowArray(arr, n, cap, elem);
	copy = palloc_extended(elem * (Size) *cap * 2, MCXT_ALLOC_HUGE);
	memcpy(copy, arr, elem * (Size) n);
	*cap *= 2;
	return copy;
}

/*
 * A resource tuple's columns, deformed once (heap_getattr of each column
 * after a NULL one walks the tuple from its start).  The arrays are kept
 * for the backend's life and grow with the table's width.
 */
typedef struct ResourceRow
{
	Datum	   *values;
	bool	   *nulls;
} ResourceRow;

static void
ReadResourceRow(TupleDesc desc, HeapTuple tup, ResourceRow *row)
{
	static Datum *values = NULL;
	static bool *nulls = NULL;
	static int	width = 0;

	if (desc->natts > width)
	{
		int			w = Max(desc->natts, 16);
		Datum	   *v = MemoryContextAlloc(TopMemoryContext, sizeof(Datum) * w);
		bool	   *n = MemoryContextAlloc(TopMemoryContext, sizeof(bool) * w);

		if (values != NULL)
		{
			pfree(values);
			pfree(nulls);
		}
		values = v;
		nulls = n;
		width = w;
	}
	heap_deform_tuple(tup, desc, values, nulls);
	/* (the columns the structure reads by pointer, NOT NULL in the model) */
	if (unlikely(nulls[catalog.res_id - 1]))
		AttrNullError(desc, catalog.res_id);
	if (unlikely(nulls[catalog.res_workspace - 1]))
		AttrNullError(desc, catalog.res_workspace);
	row->values = values;
	row->nulls = nulls;
}

#define ROW_NULL(row, att)		((row)->nulls[(att) - 1])
#define ROW_VALUE(row, att)		((row)->values[(att) - 1])

/*
 * Set the fields of node idx from a resource row (parent and collections
 * are resolved by the caller); *parent_id receives the parent's id, if any.
 */
static void
SetNodeFields(StructureCache *s, int32 idx, const ResourceRow *row, pg_uuid_t *parent_id,
			  bool *has_parent)
{
	int32		owner;
	int32		ws;
	uint8		kind_access;
	uint8		flags;

	*has_parent = !ROW_NULL(row, catalog.res_parent);
	if (*has_parent)
		*parent_id = *DatumGetUUIDP(ROW_VALUE(row, catalog.res_parent));
	s->owner_ids = RoomForOne(s->owner_ids, s->nowners, &s->ownercap, sizeof(pg_uuid_t));
	s->owner_index.base = (const char *) s->owner_ids;
	owner = ROW_NULL(row, catalog.res_owner) ? -1 :
		InternUuid(&s->owner_ids, &s->nowners, &s->ownercap, &s->owner_index,
				   DatumGetUUIDP(ROW_VALUE(row, catalog.res_owner)));
	s->workspace_ids = RoomForOne(s->workspace_ids, s->nworkspaces, &s->wscap, sizeof(pg_uuid_t));
	s->workspace_index.base = (const char *) s->workspace_ids;
	ws = InternUuid(&s->workspace_ids, &s->nworkspaces, &s->wscap, &s->workspace_index,
					DatumGetUUIDP(ROW_VALUE(row, catalog.res_workspace)));
	kind_access = (uint8) (EnumMapValue(&catalog.resource_kinds, ROW_VALUE(row, catalog.res_kind),
										RK_UNKNOWN) |
						   EnumMapValue(&catalog.accesses, ROW_VALUE(row, catalog.res_access),
										GA_PRIVATE) << 4);
	flags = s->resources[idx].flags & RES_HAS_CHILDREN;
	if (DatumGetBool(ROW_VALUE(row, catalog.res_restricted)))
		flags |= RES_RESTRICTED;
	if (DatumGetBool(ROW_VALUE(row, catalog.res_guest_ai)))
		flags |= RES_GUEST_AI;

	s->resources[idx].owner = owner;
	s->resources[idx].workspace = ws;
	s->resources[idx].kind_access = kind_access;
	s->resources[idx].flags = flags;
}

/* Append the node of a resource tuple (parent and collections unresolved); its index. */
static int32
AppendNode(StructureCache *s, TupleDesc desc, HeapTuple tup, pg_uuid_t *parent_id, bool *has_parent)
{
	ResourceNode *r;
	ResourceRow row;
	int32		idx = s->nresources;

	ReadResourceRow(desc, tup, &row);
	s->resources = RoomForOne(s->resources, s->nresources, &s->rescap, sizeof(ResourceNode));
	r = &s->resources[idx];
	memset(r, 0, sizeof(*r));
	r->id = *DatumGetUUIDP(ROW_VALUE(&row, catalog.res_id));
	r->parent = -1;
	r->collection = -1;
	r->more_collections = -1;
	SetNodeFields(s, idx, &row, parent_id, has_parent);
	/* counted only once indexed, so an error above leaves nothing half-added */
	if (s->mapped_arrays)
	{
		/* keep the image's buckets unwritten (one page copied per node otherwise) */
		if (s->added_index.buckets == NULL)
			UuidIndexInit(&s->added_index, s->resources, sizeof(ResourceNode), 64);
		UuidIndexInsert(&s->added_index, s->resources, idx);
		s->resource_index.base = (const char *) s->resources;
	}
	else
		UuidIndexInsert(&s->resource_index, s->resources, idx);
	s->nresources++;
	return idx;
}

/*
 * Drop every collection link of node r (the entries of the others are left
 * unused).  Written only when set: a mapped image's page is copied at its
 * first write.
 */
static void
DropCollectionLinks(StructureCache *s, int32 r)
{
	ResourceNode *node = &s->resources[r];
	int32		link;

	for (link = node->more_collections; link >= 0; link = s->links[link].next)
		s->nlinks_dropped++;
	if (node->collection != -1)
		node->collection = -1;
	if (node->more_collections != -1)
		node->more_collections = -1;
}

/* A resource that no longer exists: unindexed and never found again. */
static void
DropNode(StructureCache *s, int32 r)
{
	UuidIndexDelete(&s->resource_index, r);
	UuidIndexDelete(&s->added_index, r);
	DropCollectionLinks(s, r);
	s->resources[r].parent = -1;
	s->resources[r].owner = -1;
	s->resources[r].kind_access = RK_UNKNOWN;
	s->resources[r].flags = RES_DEAD;
	s->ndead++;
	if (s->last_found == r)
		s->last_found = -1;
}

/*
 * Record that collection c holds node r: in the node; the one it held there
 * before goes to the head of its links (so the order is that of a list with
 * every collection pushed at its head).
 */
static void
AddCollectionLink(StructureCache *s, int32 c, int32 r)
{
	ResourceNode *node = &s->resources[r];

	if (node->collection >= 0)
	{
		s->links = RoomForOne(s->links, s->nlinks, &s->linkcap, sizeof(CollectionLink));
		s->links[s->nlinks].collection = node->collection;
		s->links[s->nlinks].next = node->more_collections;
		node->more_collections = s->nlinks++;
	}
	node->collection = c;
	if (!(s->resources[c].flags & RES_HAS_CHILDREN))
		s->resources[c].flags |= RES_HAS_CHILDREN;
}

/* Read one resource by id with an index scan; the tuple is copied, or NULL. */
static HeapTuple
FetchResource(const pg_uuid_t *id, Snapshot snap, TupleDesc *desc, Relation *relp)
{
	Relation	rel = ModelTableOpen(MT_RESOURCE, AccessShareLock);
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;

	ScanKeyInit(&key, catalog.res_id, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(id));
	scan = systable_beginscan(rel, ModelRelId(MT_RESOURCE_PKEY), true, snap, 1, &key);
	tup = systable_getnext(scan);
	if (tup)
		tup = heap_copytuple(tup);
	systable_endscan(scan);
	*desc = RelationGetDescr(rel);
	*relp = rel;
	return tup;
}

static int32 EnsureNode(StructureCache *s, const pg_uuid_t *id, Snapshot snap, int depth);

/* Set node idx's parent and the collections holding it, as the snapshot sees them. */
static void
LinkNode(StructureCache *s, int32 idx, const pg_uuid_t *parent_id, bool has_parent,
		 Snapshot snap, int depth)
{
	List	   *collections;
	ListCell   *lc;
	pg_uuid_t	id = s->resources[idx].id;

	s->resources[idx].parent = -1;
	if (has_parent)
	{
		int32		p = EnsureNode(s, parent_id, snap, depth + 1);

		s->resources[idx].parent = p;
		if (p >= 0 && !(s->resources[p].flags & RES_HAS_CHILDREN))
			s->resources[p].flags |= RES_HAS_CHILDREN;
	}
	DropCollectionLinks(s, idx);
	collections = IndexScanUuids(MT_COLLECTION_ITEM, MT_COLLECTION_ITEM_BY_RESOURCE,
								 catalog.item_resource, &id, catalog.item_collection, snap);
	foreach(lc, collections)
	{
		int32		c = EnsureNode(s, (pg_uuid_t *) lfirst(lc), snap, depth + 1);

		if (c >= 0)
			AddCollectionLink(s, c, idx);
	}
	list_free_deep(collections);
}

/*
 * The node index of resource id, or -1 when there is none.  In a partial
 * structure a resource not held yet is read, with everything above it.
 */
static int32
EnsureNode(StructureCache *s, const pg_uuid_t *id, Snapshot snap, int depth)
{
	int32		idx = StructureFindNode(s, id);
	HeapTuple	tup;
	TupleDesc	desc;
	Relation	rel;
	pg_uuid_t	parent_id;
	bool		has_parent;

	if (idx >= 0 || !s->partial)
		return idx;
	check_stack_depth();
	if (depth > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_RECURSION),
				 errmsg("resource hierarchy deeper than 10000 levels")));
	tup = FetchResource(id, snap, &desc, &rel);
	if (tup == NULL)
	{
		table_close(rel, AccessShareLock);
		return -1;
	}
	idx = AppendNode(s, desc, tup, &parent_id, &has_parent);
	heap_freetuple(tup);
	table_close(rel, AccessShareLock);
	s->materialized++;
	LinkNode(s, idx, &parent_id, has_parent, snap, depth);
	return idx;
}

/* ---------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------- */

/*
 * Load every resource and collection item; false if it would not fit.
 * load_cxt holds what is needed only while loading.
 */
static bool
LoadFull(StructureCache *s, Snapshot snap, int32 est_res, int32 est_items, MemoryContext load_cxt)
{
	ModelScan	ms;
	HeapTuple	tup;
	pg_uuid_t  *parent_ids;
	bool	   *has_parent;
	int32		i;
	Size		limit = CacheLimitBytes();

	s->rescap = Max(est_res + est_res / 32, 1024);
	s->resources = palloc_extended(sizeof(ResourceNode) * s->rescap, MCXT_ALLOC_HUGE);
	UuidIndexInit(&s->resource_index, s->resources, sizeof(ResourceNode), s->rescap);
	UuidIndexInit(&s->owner_index, NULL, sizeof(pg_uuid_t), 64);
	UuidIndexInit(&s->workspace_index, NULL, sizeof(pg_uuid_t), 16);
	/* the parents' ids are needed only during the load: not part of the cache */
	parent_ids = MemoryContextAllocExtended(load_cxt, sizeof(pg_uuid_t) * s->rescap, MCXT_ALLOC_HUGE);
	has_parent = MemoryContextAllocExtended(load_cxt, sizeof(bool) * s->rescap, MCXT_ALLOC_HUGE);

	ModelScanBegin(&ms, MT_RESOURCE, snap);
	while ((tup = ModelScanNext(&ms)) != NULL)
	{
		int32		cap = s->rescap;
		pg_uuid_t	parent;
		bool		hp;
		int32		idx = AppendNode(s, ms.desc, tup, &parent, &hp);

		if (s->rescap != cap)
		{
			parent_ids = repalloc_huge(parent_ids, sizeof(pg_uuid_t) * s->rescap);
			has_parent = repalloc_huge(has_parent, sizeof(bool) * s->rescap);
		}
		parent_ids[idx] = parent;
		has_parent[idx] = hp;
		if ((idx & 0xffff) == 0 && StructureMemory() > limit)
		{
			ModelScanEnd(&ms);
			return false;
		}
	}
	ModelScanEnd(&ms);

	for (i = 0; i < s->nresources; i++)
	{
		if (!has_parent[i])
			continue;
		s->resources[i].parent = UuidIndexLookup(&s->resource_index, &parent_ids[i]);
		if (s->resources[i].parent >= 0)
			s->resources[s->resources[i].parent].flags |= RES_HAS_CHILDREN;
	}

	/* a resource's first collection is in its node: links for the others */
	s->linkcap = Max(est_items / 16, 1024);
	s->links = palloc_extended(sizeof(CollectionLink) * s->linkcap, MCXT_ALLOC_HUGE);
	ModelScanBegin(&ms, MT_COLLECTION_ITEM, snap);
	while ((tup = ModelScanNext(&ms)) != NULL)
	{
		pg_uuid_t	collection = AttrUuid(ms.desc, tup, catalog.item_collection);
		pg_uuid_t	item = AttrUuid(ms.desc, tup, catalog.item_resource);
		int32		c = UuidIndexLookup(&s->resource_index, &collection);
		int32		r = UuidIndexLookup(&s->resource_index, &item);

		if (c >= 0 && r >= 0)
			AddCollectionLink(s, c, r);
	}
	ModelScanEnd(&ms);
	return StructureMemory() <= limit;
}

/* An empty structure for partial (on-demand) use. */
static void
InitPartial(StructureCache *s, bool warming, int32 est_res)
{
	s->partial = true;
	s->warming = warming;
	s->promote_at = Max(1024, est_res / 64);
	s->image_look_at = PG_INT32_MAX;
	s->rescap = 1024;
	s->resources = palloc(sizeof(ResourceNode) * s->rescap);
	UuidIndexInit(&s->resource_index, s->resources, sizeof(ResourceNode), s->rescap);
}

/* ---------------------------------------------------------------------------
 * Deltas
 * ------------------------------------------------------------------------- */

static void
AddChangedId(const pg_uuid_t *id, void *arg)
{
	bool		found;

	uuidmap_insert((uuidmap_hash *) arg, *id, &found);
}

/* A changed resource as read again: its node and its parent's id. */
typedef struct ChangedNode
{
	int32		node;
	bool		has_parent;
	pg_uuid_t	parent_id;
} ChangedNode;

/*
 * Read every changed id again under snap.  First every node (new, changed or
 * dead), then parents and collections, which may name nodes added in the
 * same batch.  A partial structure skips what it does not hold.
 */
static void
ApplyDeltas(StructureCache *s, uuidmap_hash *ids, Snapshot snap)
{
	uuidmap_iterator it;
	UuidMapEntry *e;
	ChangedNode *changed = palloc(sizeof(ChangedNode) * Max(ids->members, 1));
	int32		nchanged = 0;
	int32		i;
	MemoryContext old = MemoryContextSwitchTo(structure_cxt);

	uuidmap_start_iterate(ids, &it);
	while ((e = uuidmap_iterate(ids, &it)) != NULL)
	{
		int32		node = StructureFindNode(s, &e->key);
		TupleDesc	desc;
		Relation	rel;
		HeapTuple	tup;
		ChangedNode *c;

		CHECK_FOR_INTERRUPTS();
		if (node < 0 && s->partial)
			continue;			/* read on demand, when asked */
		tup = FetchResource(&e->key, snap, &desc, &rel);
		if (tup == NULL)
		{
			if (node >= 0)
				DropNode(s, node);
			table_close(rel, AccessShareLock);
			continue;
		}
		c = &changed[nchanged++];
		if (node < 0)
			node = AppendNode(s, desc, tup, &c->parent_id, &c->has_parent);
		else
		{
			ResourceRow row;

			ReadResourceRow(desc, tup, &row);
			SetNodeFields(s, node, &row, &c->parent_id, &c->has_parent);
		}
		c->node = node;
		heap_freetuple(tup);
		table_close(rel, AccessShareLock);
	}
	for (i = 0; i < nchanged; i++)
		LinkNode(s, changed[i].node, &changed[i].parent_id, changed[i].has_parent, snap, 0);
	MemoryContextSwitchTo(old);
	pfree(changed);
	stat_deltas_applied += ids->members;
	stat_delta_batches++;
	if (s->mapped_arrays)
		s->deltas_since_image += ids->members;
}

/*
 * Map the database's image (unless it is the one called avoid, or avoid is
 * AVOID_EVERY_IMAGE) and bring it up to snap with at most limit changed ids;
 * NULL when there is none, it is too far behind (*stale: and was written
 * more than IMAGE_FRESHEN_AFTER_S ago), or it is not for this catalog.
 */
static StructureCache *
AdoptImage(Snapshot snap, int32 limit, uint64 avoid, bool *stale)
{
	StructureCache *s = palloc0(sizeof(StructureCache));
	ChangeLogPosition image_position = {0};
	uuidmap_hash *ids;
	uint64		id = 0;
	bool		ok;

	*stale = false;
	if (avoid == AVOID_EVERY_IMAGE || !ImageAdopt(s, &image_position, &id) || id == avoid)
	{
		elog(DEBUG1, "share_acl: no structure image to use");
		ImageRelease(IMAGE_STRUCTURE);
		if (image_position.xip)
			pfree(image_position.xip);
		pfree(s);
		return NULL;
	}
	ids = uuidmap_create(CurrentMemoryContext, 64, NULL);
	ok = ChangeLogRead(CHANGE_STRUCTURE, &image_position, snap, limit, AddChangedId, ids) ==
		CHANGE_LOG_DELTAS;
	if (ok && ids->members > 0)
		ApplyDeltas(s, ids, snap);
	s->deltas_since_image = ids->members;
	uuidmap_destroy(ids);
	pfree(image_position.xip);
	if (!ok)
	{
		elog(DEBUG1, "share_acl: structure image not used: more than %d changes since it was made, or a reload entry",
			 limit);
		*stale = !ImageWrittenWithin(IMAGE_STRUCTURE, IMAGE_FRESHEN_AFTER_S);
		ImageRelease(IMAGE_STRUCTURE);
		pfree(s);
		return NULL;
	}
	s->image_id = id;
	s->image_refresh_at = IMAGE_REFRESH_AFTER;
	return s;
}

/*
 * May a structure loaded under snap be written as the shared image?  When
 * it holds nothing uncommitted (ImageMayHoldOnly) and is within the bound.
 */
static bool
MayPublish(const StructureCache *s)
{
	Size		size = sizeof(ResourceNode) * (Size) s->nresources +
		sizeof(CollectionLink) * (Size) s->nlinks +
		sizeof(uint32) * ((Size) s->resource_index.mask + 1);

	return ImageMayHoldOnly(CHANGE_STRUCTURE) &&
		size <= ImageSharedBound();
}

/* Hold no structure: none mapped, its memory context (made on first use) empty. */
static void
DropStructure(void)
{
	if (structure_cxt == NULL)
		structure_cxt = AllocSetContextCreate(TopMemoryContext, "share_acl structure cache",
											  ALLOCSET_DEFAULT_SIZES);
	structure = NULL;
	ImageRelease(IMAGE_STRUCTURE);
	MemoryContextReset(structure_cxt);
}

/* About the memory of a structure of res resources and items collection items. */
static Size
EstimatedBytes(int32 res, int32 items)
{
	return (Size) res * (sizeof(ResourceNode) + 2 * sizeof(uint32)) +
		(Size) items * sizeof(CollectionLink);
}

/*
 * Would an image of res resources and items collection items fit
 * share_acl.shared_cache_size?  Judged by about the most the image can take
 * (image.c's layout: its arrays with room to grow, its buckets a power of two
 * of 1.5 to 3 per resource, a megabyte for the rest), so that the
 * image writer does not read the whole table for an image that ImagePublish
 * would then find too big.
 */
static bool
SharedImageFits(int32 res, int32 items)
{
	Size		most = (Size) ImageRoom(res) * sizeof(ResourceNode) + (Size) res * 3 * sizeof(uint32) +
		(Size) ImageRoom(items) * sizeof(CollectionLink) + IMAGE_SMALL_PARTS_BYTES;

	return most <= ImageSharedBound();
}

/*
 * A new structure under snap.  A big one that fits share_acl.shared_cache_size
 * is mapped from the shared image when there is one close enough to snap (not
 * the image called avoid), whatever this backend's own bound: the image is
 * not its memory (but what applying the changes since it copies out of it
 * is).  Else full when it fits this backend's bound and either want_full or
 * the table is small (a big one, by the estimate or as loaded, then written
 * as the image).  Otherwise partial, warming (loaded in full once enough was
 * read) when it would fit the bound; one that would not is mapped at a later
 * load (when it outgrows the bound, say), once the image writer, asked here,
 * has written the image.
 */
static StructureCache *
Load(Snapshot snap, bool want_full, uint64 avoid)
{
	int32		est_res = ModelEstimatedRows(MT_RESOURCE);
	int32		est_items = ModelEstimatedRows(MT_COLLECTION_ITEM);
	bool		fits = EstimatedBytes(est_res, est_items) <= CacheLimitBytes();
	bool		big = est_res >= LOAD_AT_ONCE_BELOW;
	bool		shareable = big && SharedImageFits(est_res, est_items);

	/* the image file as it is before it is judged (0: none) */
	uint64		image_stamp = SharedImageFits(est_res, est_items) ? ImageFileStamp(IMAGE_STRUCTURE) : 0;

	/*
	 * An estimate from before a bulk load (an ANALYZE of the table when it
	 * was small) calls a big structure small: the image a backend wrote
	 * after loading it in full is mapped all the same.
	 */
	bool		image_kept = shareable || image_stamp != 0;
	MemoryContext old;
	StructureCache *s = NULL;
	bool		stale = false;
	bool		published = false;

	DropStructure();
	old = MemoryContextSwitchTo(structure_cxt);
	if (image_kept)
	{
		s = AdoptImage(snap, want_full ? MAX_DELTA_IDS : FRESH_IMAGE_DELTAS, avoid, &stale);
		if (s != NULL && !fits && StructureMemory() > CacheLimitBytes())
		{
			/* the changes since the image copied its arrays out of it: past the bound */
			DropStructure();
			s = NULL;
			stale = true;
		}
	}
	if (s == NULL && fits && (want_full || !big))
	{
		MemoryContext load_cxt = AllocSetContextCreate(old, "share_acl structure load",
													   ALLOCSET_DEFAULT_SIZES);

		s = palloc0(sizeof(StructureCache));
		fits = LoadFull(s, snap, est_res, est_items, load_cxt);
		MemoryContextDelete(load_cxt);
		if (!fits)
		{
			MemoryContextReset(structure_cxt);
			s = NULL;
		}
		else
		{
			ChangeLogPosition loaded_at = {0};

			stat_full_loads++;
			/* (big as loaded: the estimate may be from before a bulk load) */
			if ((big || s->nresources >= LOAD_AT_ONCE_BELOW) && MayPublish(s))
				ChangeLogSetPosition(&loaded_at, snap, CurrentMemoryContext);
			if (loaded_at.valid && ImagePublish(s, &loaded_at))
			{
				/*
				 * Use the image like every other backend: drop the own copy
				 * (should the image be gone already, start partial).
				 */
				MemoryContextReset(structure_cxt);
				published = true;
				s = AdoptImage(snap, MAX_DELTA_IDS, 0, &stale);
			}
		}
	}
	if (s == NULL)
	{
		s = palloc0(sizeof(StructureCache));
		InitPartial(s, fits, est_res);
		if (shareable && avoid != AVOID_EVERY_IMAGE)
		{
			s->image_stamp = image_stamp;
			s->image_look_at = PARTIAL_IMAGE_LOOK;
		}
	}

	/*
	 * A big structure that no image backs, and that this backend did not
	 * write one of (in parallel mode, after its own changes; or too big for
	 * its own bound): the image writer makes one, unless the image is merely
	 * behind and was written lately.
	 */
	if (shareable && !published && !s->mapped_arrays && avoid != AVOID_EVERY_IMAGE &&
		(stale || !ImageWrittenWithin(IMAGE_STRUCTURE, IMAGE_REWRITE_AFTER_S)))
		ImageWorkerRequest();
	/*
	 * an image that made this backend apply many changes: the next ones get
	 * a newer one (from the image writer, which writes none for a table
	 * estimated small: a backend that loads it in full then writes it)
	 */
	else if (shareable && s->mapped_arrays && s->deltas_since_image > IMAGE_FRESH_ENOUGH &&
			 !ImageWrittenWithin(IMAGE_STRUCTURE, IMAGE_FRESHEN_AFTER_S))
		ImageWorkerRequest();
	s->build_id = next_build_id++;
	s->last_found = -1;
	MemoryContextSwitchTo(old);
	return s;
}

/* Too much of the structure is dead or unreachable: better loaded again. */
static bool
NeedsCompaction(const StructureCache *s)
{
	return s->ndead > s->nresources / 4 + 4096 || s->nlinks_dropped > s->nlinks / 2 + 4096;
}

/*
 * Write the image brought up to snap by its changes (s, mapped and adopted
 * under snap) as the newer image: the cost of the changes and of writing the
 * file, not of reading the tables.  false when it may not be written.
 */
static bool
PublishAdoptedImage(StructureCache *s, Snapshot snap)
{
	ChangeLogPosition pos = {0};
	bool		written;

	if (NeedsCompaction(s) || !MayPublish(s))
		return false;
	ChangeLogSetPosition(&pos, snap, CurrentMemoryContext);
	if (!pos.valid)
		return false;
	/* the added nodes into the image's own index (this backend's copy of its pages) */
	UuidIndexMoveInto(&s->resource_index, &s->added_index, s->resources);
	written = ImagePublish(s, &pos);
	pfree(pos.xip);
	return written;
}

/*
 * Write the database's structure image as of now, unless there is one at
 * most IMAGE_FRESH_ENOUGH changes behind: the image writer's job
 * (image_worker.c), in a transaction that writes nothing.  An image at most
 * MAX_DELTA_IDS changes behind, and not too full of deleted nodes, is
 * written from itself and its changes; otherwise the tables are read.
 */
void
StructureWriteImage(void)
{
	bool		transient;
	bool		stale;
	bool		fresh = false;
	bool		written = false;
	Snapshot	snap;
	MemoryContext old;
	StructureCache *s;

	CatalogLookup();
	if (ModelEstimatedRows(MT_RESOURCE) < LOAD_AT_ONCE_BELOW ||
		!SharedImageFits(ModelEstimatedRows(MT_RESOURCE), ModelEstimatedRows(MT_COLLECTION_ITEM)))
		return;					/* no image for a small structure, nor one too big */
	DropStructure();

	/* the image, brought up to now as a backend would (its deltas in structure_cxt) */
	snap = ReadSnapshot(&transient);
	old = MemoryContextSwitchTo(structure_cxt);
	s = AdoptImage(snap, MAX_DELTA_IDS, 0, &stale);
	if (s != NULL)
	{
		fresh = s->deltas_since_image <= IMAGE_FRESH_ENOUGH;
		if (!fresh)
			written = PublishAdoptedImage(s, snap);
		elog(DEBUG1, "share_acl: structure image %d changes behind%s", s->deltas_since_image,
			 written ? ", written again with them" : "");
	}
	MemoryContextSwitchTo(old);
	DropStructure();
	if (!fresh && !written)
	{
		structure = Load(snap, true, AVOID_EVERY_IMAGE);
		elog(DEBUG1, "share_acl: structure image %s", structure->mapped_arrays ? "written" : "not written");
		DropStructure();
	}
	UnregisterSnapshot(snap);
}

/*
 * Is the mapped image so many changes behind that a newer one should be
 * mapped, and is there one (renamed over it since it was mapped)?  When
 * there is none, the image writer is asked for one, and the changes go on
 * being applied here until it is there, looked for again after
 * FRESH_IMAGE_DELTAS more: a backend does not read the whole table in the
 * middle of a check for this, which would stall that call (an upload) for
 * as long as the read.
 */
static bool
ImageStale(StructureCache *s)
{
	if (!s->mapped_arrays || s->deltas_since_image <= s->image_refresh_at)
		return false;
	if (ImageReplaced(IMAGE_STRUCTURE))
		return true;
	/* (the image writer writes none for a table estimated small) */
	if (ModelEstimatedRows(MT_RESOURCE) >= LOAD_AT_ONCE_BELOW)
		ImageWorkerRequest();
	s->image_refresh_at = s->deltas_since_image + FRESH_IMAGE_DELTAS;	/* look again later */
	return false;
}

/*
 * The image mapped in place of partial structure s, when it is time to look
 * (PARTIAL_IMAGE_LOOK) and a newer image than the one s was started beside
 * is close enough to snap; else NULL, and s stays as it is.  The image is
 * adopted in a context of its own, which becomes the structure's once it
 * is there (an error half-way leaves it below the old one, freed with it:
 * the structure is then broken, and loaded again at its next use).
 */
static StructureCache *
AdoptNewerImage(StructureCache *s, Snapshot snap)
{
	MemoryContext kept;
	MemoryContext cxt;
	MemoryContext old;
	StructureCache *adopted;
	uint64		stamp;
	bool		stale;

	if (!s->partial || s->materialized < s->image_look_at)
		return NULL;
	s->image_look_at = s->materialized + PARTIAL_IMAGE_LOOK;
	stamp = ImageFileStamp(IMAGE_STRUCTURE);
	if (stamp == 0 || stamp == s->image_stamp)
		return NULL;
	s->image_stamp = stamp;
	/* (what the changes allocate goes to structure_cxt: the new one meanwhile) */
	kept = structure_cxt;
	cxt = AllocSetContextCreate(kept, "share_acl structure cache", ALLOCSET_DEFAULT_SIZES);
	structure_cxt = cxt;
	old = MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		adopted = AdoptImage(snap, Max(FRESH_IMAGE_DELTAS, s->materialized), 0, &stale);
	}
	PG_CATCH();
	{
		structure_cxt = kept;
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	structure_cxt = kept;
	/* (as in Load: the changes copied out of the image past the bound of a backend it does not fit) */
	if (adopted != NULL && !s->warming && MemoryContextMemAllocated(cxt, true) > CacheLimitBytes())
	{
		ImageRelease(IMAGE_STRUCTURE);
		adopted = NULL;
	}
	if (adopted == NULL)
	{
		MemoryContextDelete(cxt);
		if (stale)
			ImageWorkerRequest();	/* too far behind already: a newer one */
		return NULL;
	}
	elog(DEBUG1, "share_acl: partial structure replaced by the image (%d changes behind), after %d nodes read",
		 adopted->deltas_since_image, s->materialized);
	adopted->build_id = next_build_id++;
	adopted->last_found = -1;
	/* s goes with the old context */
	MemoryContextSetParent(cxt, TopMemoryContext);
	MemoryContextDelete(structure_cxt);
	structure_cxt = cxt;
	return adopted;
}

/*
 * Bring the structure up to date (or load it) under a new read snapshot.
 * Everything read counts as of that snapshot; an error half-way marks the
 * structure broken, so the next call loads it again.
 */
static void
Refresh(bool want_full)
{
	uint64		count = InvalCount(INVAL_STRUCTURE);
	bool		transient;
	bool		was_broken = structure_broken || read_under_query_snapshot;
	Snapshot	snap;

	CatalogLookup();
	snap = ReadSnapshot(&transient);
	structure_broken = true;	/* until done */
	{
		StructureCache *s = structure;
		StructureCache *adopted = s != NULL && !was_broken && position.valid &&
			CatalogGeneration() == loaded_catalog ? AdoptNewerImage(s, snap) : NULL;
		bool		promote;
		bool		stale_image;
		bool		reload;

		if (adopted != NULL)
		{
			/* (as of snap: what the change log holds since is in it) */
			ChangeLogForgetOwnRollback(CHANGE_STRUCTURE);
			structure = s = adopted;
		}
		promote = s != NULL && !was_broken && s->partial && s->warming &&
			(want_full || s->materialized >= s->promote_at);
		stale_image = s != NULL && !was_broken && ImageStale(s);
		reload = s == NULL || was_broken || !position.valid || promote ||
			CatalogGeneration() != loaded_catalog || NeedsCompaction(s) || stale_image ||
			(!s->partial && StructureMemory() > CacheLimitBytes());

		if (s != NULL && s->partial && StructureMemory() > CacheLimitBytes())
			reload = true;		/* the partial structure outgrew the bound: start again */
		if (!reload && adopted == NULL)
		{
			uuidmap_hash *ids = uuidmap_create(CurrentMemoryContext, 64, NULL);

			if (ChangeLogCollect(CHANGE_STRUCTURE, &position, snap, MAX_DELTA_IDS,
								 AddChangedId, ids) == CHANGE_LOG_RELOAD)
				reload = true;
			else if (ids->members > 0)
			{
				ApplyDeltas(s, ids, snap);
				s->build_id = next_build_id++;
			}
			uuidmap_destroy(ids);
		}
		if (reload)
		{
			ChangeLogForgetOwnRollback(CHANGE_STRUCTURE);
			structure = Load(snap, want_full || promote || stale_image,
							 stale_image ? s->image_id : 0);
		}
	}
	ChangeLogSetPosition(&position, snap, TopMemoryContext);
	UnregisterSnapshot(snap);
	synced_count = count;
	loaded_catalog = CatalogGeneration();
	read_under_query_snapshot = false;
	synced_tag = CacheTransientTag(transient);
	structure_broken = false;
}

/*
 * The structure, brought up to date if anything changed (or loaded).
 * want_full asks for every node (a scan of all resources): a structure that
 * is partial only while warming is then loaded in full.
 */
StructureCache *
StructureGet(bool want_full)
{
	StructureCache *s = structure;

	if (s != NULL && !structure_broken &&
		synced_count == InvalCount(INVAL_STRUCTURE) &&
		CacheTransientValid(synced_tag) &&
		!ChangeLogOwnRollbackPending(CHANGE_STRUCTURE) &&
		!(s->partial && s->warming && (want_full || s->materialized >= s->promote_at)) &&
		!(s->partial && s->materialized >= s->image_look_at) &&
		StructureMemory() <= CacheLimitBytes())
		return s;
	Refresh(want_full);
	return structure;
}

/*
 * The node index of a resource id, or -1 if there is none.  An application
 * table is usually stored in about the order its resources were created, so
 * a scan under RLS tends to ask for the node after the last one found: that
 * node is compared first, before the hash probe (whose bucket array is too
 * big for the CPU caches, and costs a memory miss).
 */
int32
StructureLookupNode(StructureCache *s, const pg_uuid_t *id)
{
	return StructureLookupFinish(s, id, StructureLookupStart(s, id));
}

/* Is node the one of id, alive? */
static inline bool
NodeIs(const StructureCache *s, int32 node, const pg_uuid_t *id)
{
	return node >= 0 && node < s->nresources && uuid_equal(&s->resources[node].id, id) &&
		!(s->resources[node].flags & RES_DEAD);
}

/*
 * Begin StructureLookupNode: the caller may do other work before finishing
 * it, while the memory the look-up reads first is being loaded.
 */
NodeLookup
StructureLookupStart(const StructureCache *s, const pg_uuid_t *id)
{
	NodeLookup	lookup = {s->last_found + 1, 0};

	if (!NodeIs(s, lookup.next, id))
	{
		lookup.next = -1;
		lookup.hash = UuidIndexPrefetch(&s->resource_index, id);
	}
	return lookup;
}

/* The node index of id, or -1, the look-up begun by StructureLookupStart(s, id). */
int32
StructureLookupFinish(StructureCache *s, const pg_uuid_t *id, NodeLookup lookup)
{
	int32		idx;
	bool		transient;
	Snapshot	snap;

	/* (the node is compared again: the caller's work may have moved things) */
	if (NodeIs(s, lookup.next, id))
		return s->last_found = lookup.next;
	idx = lookup.next < 0 ? StructureFindNodeHashed(s, id, lookup.hash) : StructureFindNode(s, id);
	if (idx >= 0)
		s->last_found = idx;
	if (idx >= 0 || !s->partial)
		return idx;
	/* on error the resource owner releases the snapshot */
	snap = ReadSnapshot(&transient);
	PG_TRY();
	{
		MemoryContext old = MemoryContextSwitchTo(structure_cxt);

		idx = EnsureNode(s, id, snap, 0);
		MemoryContextSwitchTo(old);
	}
	PG_CATCH();
	{
		/*
		 * Interrupted half-way, a node may be indexed without its parent or
		 * its collections: drop the whole structure, the next check starts
		 * anew.
		 */
		structure_broken = true;
		PG_RE_THROW();
	}
	PG_END_TRY();
	UnregisterSnapshot(snap);

	/*
	 * Read under a query's snapshot, which may be older than the position:
	 * what was read may miss changes the position has already seen, so the
	 * (partial) structure is dropped once that snapshot is no longer the
	 * active one.
	 */
	if (transient)
	{
		synced_tag = CacheTransientTag(true);
		read_under_query_snapshot = true;
	}
	return idx;
}

/*
 * Call visit(id, kind, arg) for every resource in the table, under the latest
 * snapshot.  For a partial structure, which does not list them all.
 */
void
StructureScanResources(void (*visit) (const pg_uuid_t *id, const pg_uuid_t *workspace,
									   ResourceKind kind, void *arg), void *arg)
{
	bool		transient;
	Snapshot	snap = ReadSnapshot(&transient);
	ModelScan	ms;
	HeapTuple	tup;

	PG_TRY();
	{
		ModelScanBegin(&ms, MT_RESOURCE, snap);
		while ((tup = ModelScanNext(&ms)) != NULL)
		{
			bool		isnull;
			pg_uuid_t	id = AttrUuid(ms.desc, tup, catalog.res_id);
			pg_uuid_t	workspace = AttrUuid(ms.desc, tup, catalog.res_workspace);
			ResourceKind kind = (ResourceKind) EnumMapValue(&catalog.resource_kinds,
															Attr(ms.desc, tup, catalog.res_kind, &isnull),
															RK_UNKNOWN);

			visit(&id, &workspace, kind, arg);
		}
		ModelScanEnd(&ms);
	}
	PG_FINALLY();
	{
		UnregisterSnapshot(snap);
	}
	PG_END_TRY();
}

/* What cache_stats() reports about the structure. */
void
StructureGetStats(StructureStats *stats)
{
	const StructureCache *s = structure_broken ? NULL : structure;

	stats->shared = s != NULL && s->mapped_arrays;
	stats->state = s == NULL ? "empty" : s->partial ? "partial" : "full";
	stats->nodes = s ? s->nresources - s->ndead : 0;
	stats->bytes = StructureMemory() + (stats->shared ? ImagePrivateBytes(IMAGE_STRUCTURE) : 0);
	stats->shared_bytes = stats->shared ? ImageMappedBytes(IMAGE_STRUCTURE) : 0;
	stats->generation = s ? s->build_id : 0;
	stats->full_loads = stat_full_loads;
	stats->delta_batches = stat_delta_batches;
	stats->deltas_applied = stat_deltas_applied;
}
