/*
 * structure.h — the resource tree and collections as the engine reads them.
 *
 * Owns the backend's copy of resource and collection_item: one node per
 * resource (its parent, owner, workspace, kind, general access and flags),
 * the collections holding each node, and the uuid indexes over nodes,
 * owners and workspaces.  It is kept up to date by deltas: the ids that
 * change_log.c reports changed are read again (structure.c).
 *
 * Held in full when it fits share_acl.cache_size, else "partial": each
 * resource is read (with what is above it) by index scans the first time a
 * check needs it.  A backend also starts partial, so its first answers need
 * no bulk load, and loads in full once it has read enough on demand.  A big
 * structure is mapped from the database's shared image (image.c) when there
 * is a recent one within share_acl.shared_cache_size, also when it would not
 * fit share_acl.cache_size (the image is not the backend's memory), and
 * written as that image when it had to be loaded.
 */
#ifndef SHARE_ACL_STRUCTURE_H
#define SHARE_ACL_STRUCTURE_H

#include "postgres.h"

#include "utils/uuid.h"

#include "catalog.h"
#include "uuid_index.h"

/* ResourceNode.flags */
#define RES_RESTRICTED		0x01
#define RES_GUEST_AI		0x02
#define RES_HAS_CHILDREN	0x04	/* a parent or a non-empty collection (may stay set) */
#define RES_DEAD			0x08	/* deleted: no longer indexed, never found */

typedef struct ResourceNode
{
	pg_uuid_t	id;				/* must stay first (UuidIndex) */
	int32		parent;			/* node index, or -1 */
	int32		owner;			/* index into owner_ids, or -1 */
	int32		collection;		/* node index of the collection that took it last, or -1 */
	int32		more_collections;	/* first CollectionLink of the others holding it, or -1 */
	int32		workspace;		/* index into workspace_ids */
	uint8		kind_access;	/* ResourceKind | GeneralAccess << 4 */
	uint8		flags;			/* RES_* */
} ResourceNode;

#define NodeKind(r)		((ResourceKind) ((r)->kind_access & 0x0f))
#define NodeAccess(r)	((GeneralAccess) ((r)->kind_access >> 4))

typedef struct CollectionLink
{
	int32		collection;		/* node index of the collection */
	int32		next;			/* next link of the same resource, or -1 */
} CollectionLink;

typedef struct StructureCache
{
	uint64		build_id;		/* changes at every load and every applied change */
	bool		partial;		/* nodes are read on demand */
	bool		warming;		/* partial only until enough was read: then loaded in full */
	bool		mapped_arrays;	/* its arrays are in the shared image (image.c) */
	uint64		image_id;		/* which image */
	int32		deltas_since_image; /* changed ids applied since it was mapped */
	int32		image_refresh_at;	/* look for a newer image after this many */
	int32		materialized;	/* nodes read on demand */
	int32		promote_at;		/* load in full when warming and this many were read */
	uint64		image_stamp;	/* partial: the image file it was started beside (ImageFileStamp) */
	int32		image_look_at;	/* partial: look for a newer image once this many were read */
	int32		nresources;		/* nodes, dead ones included */
	int32		rescap;
	int32		ndead;
	ResourceNode *resources;
	UuidIndex	resource_index;
	UuidIndex	added_index;	/* nodes added to a mapped image (its index stays unwritten) */
	int32		nlinks;
	int32		linkcap;
	int32		nlinks_dropped; /* links no longer reachable (their node was read again) */
	CollectionLink *links;
	int32		nowners;		/* distinct resource owners */
	int32		ownercap;
	pg_uuid_t  *owner_ids;
	UuidIndex	owner_index;
	int32		last_found;		/* node of the last lookup (a scan often asks for the next one) */
	int32		nworkspaces;	/* workspaces of the nodes */
	int32		wscap;
	pg_uuid_t  *workspace_ids;
	UuidIndex	workspace_index;
} StructureCache;

/*
 * The collections holding node r, the last one added first:
 *		for (c = FirstCollection(r, &link); c >= 0; c = NextCollection(s, &link))
 * The first is in the node itself (an asset is usually in one collection: its
 * check then reads no link).
 */
static inline int32
FirstCollection(const ResourceNode *r, int32 *link)
{
	*link = r->more_collections;
	return r->collection;
}

static inline int32
NextCollection(const StructureCache *s, int32 *link)
{
	int32		c;

	if (*link < 0)
		return -1;
	c = s->links[*link].collection;
	*link = s->links[*link].next;
	return c;
}

/* Settings */
extern int	share_acl_cache_size_mb;
extern int	share_acl_shared_cache_size_mb;

#define CacheLimitBytes()	((Size) share_acl_cache_size_mb * 1024 * 1024)

/*
 * The node index of resource id among the nodes held, or -1 (no read on
 * demand); h is id's hash in the resource index.
 */
static inline int32
StructureFindNodeHashed(const StructureCache *s, const pg_uuid_t *id, uint32 h)
{
	int32		idx = UuidIndexLookupHashed(&s->resource_index, id, h);

	if (idx < 0 && s->added_index.buckets != NULL)
		idx = UuidIndexLookup(&s->added_index, id);
	return idx;
}

/* The node index of resource id among the nodes held, or -1 (no read on demand). */
static inline int32
StructureFindNode(const StructureCache *s, const pg_uuid_t *id)
{
	return StructureFindNodeHashed(s, id, uuid_hash_with_key(s->resource_index.key, id));
}

/*
 * A node look-up begun by StructureLookupStart, for StructureLookupFinish:
 * the node after the last one found when it is the one (a scan in storage
 * order), else the id's hash in the resource index, whose bucket the CPU is
 * loading meanwhile.
 */
typedef struct NodeLookup
{
	int32		next;			/* that node, or -1 */
	uint32		hash;
} NodeLookup;

extern void StructureInit(void);
extern StructureCache *StructureGet(bool want_full);
extern NodeLookup StructureLookupStart(const StructureCache *s, const pg_uuid_t *id);
extern int32 StructureLookupFinish(StructureCache *s, const pg_uuid_t *id, NodeLookup lookup);
extern int32 StructureLookupNode(StructureCache *s, const pg_uuid_t *id);
extern void StructureWriteImage(void);
extern void StructureScanResources(void (*visit) (const pg_uuid_t *id, const pg_uuid_t *workspace,
												 ResourceKind kind, void *arg),
								   void *arg);

typedef struct StructureStats
{
	bool		shared;			/* mapped from the shared image */
	const char *state;			/* "empty", "full" or "partial" */
	int64		nodes;			/* live nodes held */
	Size		bytes;			/* private */
	Size		shared_bytes;
	uint64		generation;
	uint64		full_loads;
	uint64		delta_batches;
	uint64		deltas_applied;
} StructureStats;

extern void StructureGetStats(StructureStats *stats);

#endif							/* SHARE_ACL_STRUCTURE_H */
