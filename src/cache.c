/*
 * cache.c — loading, indexing and invalidating the backend-local model.
 *
 * Owns the two cache parts described in cache.h, their memory contexts, the
 * relcache invalidation callback, and the trigger function that fires it.
 *
 * Correctness (SPEC R13): every statement that changes a model table fires a
 * statement-level trigger that calls CacheInvalidateRelcacheByRelid() on that
 * table.  The message is sent at commit (and WAL-logged, so hot standbys
 * replay it); every backend runs our callback when it next accepts
 * invalidation messages, at the latest at the start of its next transaction.
 * The callback only bumps a counter; the next check reloads.  Loads read the
 * tables under the latest snapshot: a commit that the snapshot misses sends
 * its invalidation after becoming visible, so it is processed after the load
 * and the cache is dropped again.  In parallel mode no new snapshot may be
 * taken, so a load there uses the query's snapshot and is kept only for the
 * current transaction.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "cache.h"
#include "maps.h"
#include "share_acl.h"

/* memberships: (workspace << 32 | principal) -> role */
#define SH_PREFIX membership
#define SH_ELEMENT_TYPE MembershipEntry
#define SH_KEY_TYPE uint64
#define SH_KEY key
#define SH_HASH_KEY(tb, key) mix64(key)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"


int			share_acl_cache_size_mb = 64;

/* The tables, by invalidation group. */
typedef enum ModelTable
{
	MT_RESOURCE, MT_COLLECTION_ITEM,	/* structure */
	MT_WORKSPACE, MT_PRINCIPAL, MT_MEMBER, MT_TEAM_MEMBER, MT_SHARE,	/* grants */
	MT_COUNT
} ModelTable;

static const char *const model_table_names[MT_COUNT] = {
	"resource", "collection_item", "workspace", "principal", "member",
	"team_member", "share"
};

static Oid	model_table_oids[MT_COUNT];

/* Invalidation counters, bumped by the callback; loads remember them. */
static uint64 structure_inval_count = 1;
static uint64 grants_inval_count = 1;

typedef struct CachePart
{
	MemoryContext cxt;
	uint64		loaded_at_count;	/* inval count when the load began; 0 = none */
	LocalTransactionId transient_lxid;	/* valid only in this transaction, or 0 */
	void	   *data;
} CachePart;

static CachePart structure_part;
static CachePart grants_part;
static uint64 next_build_id = 1;

/* The relcache callback: mark the affected part(s) for reload. */
static void
CacheRelcacheCallback(Datum arg, Oid relid)
{
	int			i;

	if (relid == InvalidOid)
	{
		structure_inval_count++;
		grants_inval_count++;
		return;
	}
	for (i = 0; i < MT_COUNT; i++)
	{
		if (model_table_oids[i] != relid)
			continue;
		if (i <= MT_COLLECTION_ITEM)
			structure_inval_count++;
		grants_inval_count++;
		return;
	}
}

/* Register the invalidation callback; called once from _PG_init. */
void
CacheRegisterCallbacks(void)
{
	CacheRegisterRelcacheCallback(CacheRelcacheCallback, (Datum) 0);
}

PG_FUNCTION_INFO_V1(cache_invalidate_trigger);

/*
 * cache_invalidate_trigger() — statement-level trigger on every model table:
 * queue a relcache invalidation of the table, sent to all backends at commit.
 */
Datum
cache_invalidate_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("cache_invalidate_trigger() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}

/* ---------------------------------------------------------------------------
 * UuidIndex
 * ------------------------------------------------------------------------- */

/* Hash of a uuid (ids may be chosen by users, so mix all 128 bits). */
static inline uint32
UuidHash(const pg_uuid_t *id)
{
	uint64		a,
				b;

	memcpy(&a, id->data, 8);
	memcpy(&b, id->data + 8, 8);
	return (uint32) mix64(a ^ mix64(b));
}

/* Build an index over n records of the given stride (uuid at offset 0). */
static void
UuidIndexBuild(UuidIndex *index, const void *base, Size stride, int32 n)
{
	uint32		size = 16;
	int32		i;

	while (size < (uint32) n * 2)
		size <<= 1;
	index->buckets = palloc(sizeof(int32) * size);
	memset(index->buckets, 0xff, sizeof(int32) * size);
	index->mask = size - 1;
	index->base = base;
	index->stride = stride;
	for (i = 0; i < n; i++)
	{
		const pg_uuid_t *id = (const pg_uuid_t *) (index->base + i * stride);
		uint32		b = UuidHash(id) & index->mask;

		while (index->buckets[b] >= 0)
			b = (b + 1) & index->mask;
		index->buckets[b] = i;
	}
}

/* The record index of id, or -1. */
int32
UuidIndexLookup(const UuidIndex *index, const pg_uuid_t *id)
{
	uint32		b;

	if (index->buckets == NULL)
		return -1;
	b = UuidHash(id) & index->mask;
	for (;;)
	{
		int32		i = index->buckets[b];

		if (i < 0)
			return -1;
		if (memcmp(index->base + i * index->stride, id, sizeof(pg_uuid_t)) == 0)
			return i;
		b = (b + 1) & index->mask;
	}
}

/* ---------------------------------------------------------------------------
 * Loading helpers
 * ------------------------------------------------------------------------- */

/* Look up the OIDs of the model tables (they change if the extension is re-created). */
static void
LookupModelTables(void)
{
	Oid			nsp = get_namespace_oid("share_acl", false);
	int			i;

	for (i = 0; i < MT_COUNT; i++)
	{
		model_table_oids[i] = get_relname_relid(model_table_names[i], nsp);
		if (!OidIsValid(model_table_oids[i]))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("share_acl table \"%s\" is missing", model_table_names[i])));
	}
}

/* The attribute number of a column, or an error. */
static AttrNumber
ColumnNumber(Relation rel, const char *name)
{
	AttrNumber	n = get_attnum(RelationGetRelid(rel), name);

	if (n == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("share_acl table \"%s\" has no column \"%s\"",
						RelationGetRelationName(rel), name)));
	return n;
}

/* Map an enum label OID to its position in labels[], or -1. */
typedef struct EnumMap
{
	Oid			oids[8];
	int			n;
} EnumMap;

static void
EnumMapBuild(EnumMap *map, const char *type_name, const char *const *labels, int n)
{
	Oid			nsp = get_namespace_oid("share_acl", false);
	Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										CStringGetDatum(type_name),
										ObjectIdGetDatum(nsp));
	int			i;

	Assert(n <= 8);
	map->n = n;
	for (i = 0; i < n; i++)
		map->oids[i] = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
									   ObjectIdGetDatum(typid),
									   CStringGetDatum(labels[i]));
}

static int
EnumMapValue(const EnumMap *map, Datum d)
{
	Oid			oid = DatumGetObjectId(d);
	int			i;

	for (i = 0; i < map->n; i++)
		if (map->oids[i] == oid)
			return i;
	return -1;
}

static const char *const principal_kind_labels[] = {"user", "external", "team"};
static const char *const role_labels[] = {"owner", "admin", "member", "guest", "viewer"};
static const char *const resource_kind_labels[] = {"project", "collection", "asset", "conversation"};
static const char *const access_labels[] = {"private", "shared", "public"};

/* A growable array in the current memory context. */
#define ARRAY_PUSH(arr, n, cap, type) \
	do { \
		if ((n) >= (cap)) \
		{ \
			(cap) = (cap) ? (cap) * 2 : 1024; \
			(arr) = (arr) ? repalloc_huge((arr), sizeof(type) * (cap)) \
						  : palloc_extended(sizeof(type) * (cap), MCXT_ALLOC_HUGE); \
		} \
		(n)++; \
	} while (0)

/* Begin a scan of a model table under the load snapshot. */
typedef struct ModelScan
{
	Relation	rel;
	TableScanDesc scan;
	TupleDesc	desc;
} ModelScan;

static void
ModelScanBegin(ModelScan *ms, ModelTable t, Snapshot snap)
{
	ms->rel = table_open(model_table_oids[t], AccessShareLock);
	ms->scan = table_beginscan(ms->rel, snap, 0, NULL);
	ms->desc = RelationGetDescr(ms->rel);
}

static HeapTuple
ModelScanNext(ModelScan *ms)
{
	CHECK_FOR_INTERRUPTS();
	return heap_getnext(ms->scan, ForwardScanDirection);
}

static void
ModelScanEnd(ModelScan *ms)
{
	table_endscan(ms->scan);
	table_close(ms->rel, AccessShareLock);
}

static inline Datum
Attr(ModelScan *ms, HeapTuple tup, AttrNumber n, bool *isnull)
{
	return heap_getattr(tup, n, ms->desc, isnull);
}

/* Take the snapshot for a load; *transient tells whether it is the query's. */
static Snapshot
LoadSnapshot(bool *transient)
{
	if (IsInParallelMode())
	{
		*transient = true;
		return RegisterSnapshot(GetActiveSnapshot());
	}
	*transient = false;
	return RegisterSnapshot(GetLatestSnapshot());
}

/* Is the part loaded and still valid for this transaction? */
static bool
PartIsValid(CachePart *part, uint64 inval_count)
{
	if (part->loaded_at_count != inval_count || part->data == NULL)
		return false;
	if (part->transient_lxid != InvalidLocalTransactionId &&
		part->transient_lxid != MyProc->lxid)
		return false;
	return true;
}

/* Empty a part and make its memory context ready for a new load. */
static void
PartReset(CachePart *part)
{
	if (structure_part.cxt == NULL)
	{
		structure_part.cxt = AllocSetContextCreate(TopMemoryContext,
												   "share_acl structure cache",
												   ALLOCSET_DEFAULT_SIZES);
		grants_part.cxt = AllocSetContextCreate(TopMemoryContext,
												"share_acl grants cache",
												ALLOCSET_DEFAULT_SIZES);
	}
	MemoryContextReset(part->cxt);
	part->data = NULL;
	part->loaded_at_count = 0;
	part->transient_lxid = InvalidLocalTransactionId;
}

/* Memory held by both parts, in bytes. */
Size
CacheMemoryUsed(void)
{
	Size		total = 0;

	if (structure_part.cxt)
		total += MemoryContextMemAllocated(structure_part.cxt, true);
	if (grants_part.cxt)
		total += MemoryContextMemAllocated(grants_part.cxt, true);
	return total;
}

MemoryContext
CacheGrantsContext(void)
{
	return grants_part.cxt;
}

/* ---------------------------------------------------------------------------
 * The structure: resources and collection items
 * ------------------------------------------------------------------------- */

static void
LoadStructure(StructureCache *s, Snapshot snap)
{
	ModelScan	ms;
	HeapTuple	tup;
	EnumMap		kinds,
				accesses;
	AttrNumber	a_id, a_ws, a_kind, a_parent, a_owner, a_access, a_restricted, a_ai;
	AttrNumber	a_coll, a_res;
	pg_uuid_t  *parent_ids;
	int32		cap = 0,
				pcap = 0,
				ocap = 0,
				wcap = 0,
				lcap = 0;
	int32		i;

	EnumMapBuild(&kinds, "resource_kind", resource_kind_labels, 4);
	EnumMapBuild(&accesses, "general_access", access_labels, 3);

	/* pass 1: the resources; parents are resolved after all are indexed */
	s->resources = NULL;
	parent_ids = NULL;
	s->owner_ids = NULL;
	s->workspace_ids = NULL;
	memset(&s->owner_index, 0, sizeof(UuidIndex));
	memset(&s->workspace_index, 0, sizeof(UuidIndex));

	ModelScanBegin(&ms, MT_RESOURCE, snap);
	a_id = ColumnNumber(ms.rel, "id");
	a_ws = ColumnNumber(ms.rel, "workspace_id");
	a_kind = ColumnNumber(ms.rel, "kind");
	a_parent = ColumnNumber(ms.rel, "parent_id");
	a_owner = ColumnNumber(ms.rel, "owner_id");
	a_access = ColumnNumber(ms.rel, "general_access");
	a_restricted = ColumnNumber(ms.rel, "restricted");
	a_ai = ColumnNumber(ms.rel, "guest_ai_enabled");

	/*
	 * Owners and workspaces are few: they are interned through small
	 * temporary hash tables while scanning.
	 */
	{
		HASHCTL		ctl;
		HTAB	   *owners,
				   *workspaces;
		int32		pn = 0;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(pg_uuid_t);
		ctl.entrysize = sizeof(pg_uuid_t) + sizeof(int32);
		ctl.hcxt = CurrentMemoryContext;
		owners = hash_create("share_acl owners", 1024, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		workspaces = hash_create("share_acl workspaces", 64, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

		s->nresources = 0;
		s->nowners = 0;
		s->nworkspaces = 0;
		while ((tup = ModelScanNext(&ms)) != NULL)
		{
			ResourceNode *r;
			bool		isnull;
			Datum		d;
			bool		found;
			char	   *ent;

			ARRAY_PUSH(s->resources, s->nresources, cap, ResourceNode);
			r = &s->resources[s->nresources - 1];
			memset(r, 0, sizeof(*r));
			r->id = *DatumGetUUIDP(Attr(&ms, tup, a_id, &isnull));

			ARRAY_PUSH(parent_ids, pn, pcap, pg_uuid_t);
			d = Attr(&ms, tup, a_parent, &isnull);
			if (isnull)
				memset(&parent_ids[pn - 1], 0, sizeof(pg_uuid_t));
			else
				parent_ids[pn - 1] = *DatumGetUUIDP(d);
			r->parent = isnull ? -1 : -2;	/* -2: to resolve */

			d = Attr(&ms, tup, a_owner, &isnull);
			r->owner = -1;
			if (!isnull)
			{
				ent = hash_search(owners, DatumGetUUIDP(d), HASH_ENTER, &found);
				if (!found)
				{
					ARRAY_PUSH(s->owner_ids, s->nowners, ocap, pg_uuid_t);
					s->owner_ids[s->nowners - 1] = *DatumGetUUIDP(d);
					*(int32 *) (ent + sizeof(pg_uuid_t)) = s->nowners - 1;
				}
				r->owner = *(int32 *) (ent + sizeof(pg_uuid_t));
			}

			d = Attr(&ms, tup, a_ws, &isnull);
			ent = hash_search(workspaces, DatumGetUUIDP(d), HASH_ENTER, &found);
			if (!found)
			{
				if (s->nworkspaces >= PG_UINT16_MAX)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("share_acl supports at most %d workspaces with resources",
									PG_UINT16_MAX)));
				ARRAY_PUSH(s->workspace_ids, s->nworkspaces, wcap, pg_uuid_t);
				s->workspace_ids[s->nworkspaces - 1] = *DatumGetUUIDP(d);
				*(int32 *) (ent + sizeof(pg_uuid_t)) = s->nworkspaces - 1;
			}
			r->workspace = (uint16) *(int32 *) (ent + sizeof(pg_uuid_t));

			r->kind = (uint8) EnumMapValue(&kinds, Attr(&ms, tup, a_kind, &isnull));
			r->access = (uint8) EnumMapValue(&accesses, Attr(&ms, tup, a_access, &isnull));
			if (DatumGetBool(Attr(&ms, tup, a_restricted, &isnull)))
				r->flags |= RES_RESTRICTED;
			if (DatumGetBool(Attr(&ms, tup, a_ai, &isnull)))
				r->flags |= RES_GUEST_AI;
			r->coll_head = -1;
			r->project = -1;
		}
		ModelScanEnd(&ms);
		hash_destroy(owners);
		hash_destroy(workspaces);
	}

	UuidIndexBuild(&s->resource_index, s->resources, sizeof(ResourceNode), s->nresources);
	UuidIndexBuild(&s->owner_index, s->owner_ids, sizeof(pg_uuid_t), s->nowners);
	UuidIndexBuild(&s->workspace_index, s->workspace_ids, sizeof(pg_uuid_t), s->nworkspaces);

	for (i = 0; i < s->nresources; i++)
	{
		ResourceNode *r = &s->resources[i];

		if (r->parent == -2)
		{
			r->parent = UuidIndexLookup(&s->resource_index, &parent_ids[i]);
			if (r->parent >= 0)
				s->resources[r->parent].flags |= RES_HAS_CHILDREN;
		}
	}
	pfree(parent_ids);

	/* enclosing top-level project: follow parents (bounded against bad data) */
	for (i = 0; i < s->nresources; i++)
	{
		int32		cur = i;
		int			steps = 0;

		while (s->resources[cur].parent >= 0 && steps++ < s->nresources)
		{
			if (s->resources[cur].project >= 0)
				break;
			cur = s->resources[cur].parent;
		}
		s->resources[i].project = s->resources[cur].project >= 0
			? s->resources[cur].project
			: (s->resources[cur].kind == RK_PROJECT ? cur : -1);
	}

	/* pass 2: collection items become extra parents */
	s->links = NULL;
	s->nlinks = 0;
	ModelScanBegin(&ms, MT_COLLECTION_ITEM, snap);
	a_coll = ColumnNumber(ms.rel, "collection_id");
	a_res = ColumnNumber(ms.rel, "resource_id");
	while ((tup = ModelScanNext(&ms)) != NULL)
	{
		bool		isnull;
		int32		c = UuidIndexLookup(&s->resource_index,
										DatumGetUUIDP(Attr(&ms, tup, a_coll, &isnull)));
		int32		r = UuidIndexLookup(&s->resource_index,
										DatumGetUUIDP(Attr(&ms, tup, a_res, &isnull)));

		if (c < 0 || r < 0)
			continue;
		ARRAY_PUSH(s->links, s->nlinks, lcap, CollectionLink);
		s->links[s->nlinks - 1].collection = c;
		s->links[s->nlinks - 1].next = s->resources[r].coll_head;
		s->resources[r].coll_head = s->nlinks - 1;
		s->resources[c].flags |= RES_HAS_CHILDREN;
	}
	ModelScanEnd(&ms);
}

/* The structure part, loaded if needed. */
StructureCache *
CacheGetStructure(void)
{
	uint64		count;
	bool		transient;
	Snapshot	snap;
	MemoryContext old;
	StructureCache *s;

	if (PartIsValid(&structure_part, structure_inval_count))
		return (StructureCache *) structure_part.data;

	count = structure_inval_count;
	PartReset(&structure_part);
	LookupModelTables();
	snap = LoadSnapshot(&transient);
	old = MemoryContextSwitchTo(structure_part.cxt);
	s = palloc0(sizeof(StructureCache));
	s->build_id = next_build_id++;
	PG_TRY();
	{
		LoadStructure(s, snap);
	}
	PG_FINALLY();
	{
		MemoryContextSwitchTo(old);
		UnregisterSnapshot(snap);
	}
	PG_END_TRY();
	structure_part.data = s;
	structure_part.loaded_at_count = count;
	structure_part.transient_lxid = transient ? MyProc->lxid : InvalidLocalTransactionId;
	return s;
}

/* ---------------------------------------------------------------------------
 * The grants: workspaces, principals, members, team edges, shares
 * ------------------------------------------------------------------------- */

/* TimestampTz of a nullable timestamptz datum: DT_NOEND when NULL. */
static inline TimestampTz
ExpiryOf(Datum d, bool isnull)
{
	return isnull ? DT_NOEND : DatumGetTimestampTz(d);
}

static void
LoadGrants(GrantsCache *g, StructureCache *s, Snapshot snap)
{
	ModelScan	ms;
	HeapTuple	tup;
	EnumMap		kinds,
				roles;
	int32		cap = 0;
	int32		i;

	EnumMapBuild(&kinds, "principal_kind", principal_kind_labels, 3);
	EnumMapBuild(&roles, "workspace_role", role_labels, 5);

	/* workspaces and their policies */
	ModelScanBegin(&ms, MT_WORKSPACE, snap);
	{
		AttrNumber	a_id = ColumnNumber(ms.rel, "id"),
					a_up = ColumnNumber(ms.rel, "allow_guest_uploads"),
					a_guest = ColumnNumber(ms.rel, "guest_access_enabled"),
					a_share = ColumnNumber(ms.rel, "members_can_share"),
					a_own = ColumnNumber(ms.rel, "member_edit_own_only"),
					a_pub = ColumnNumber(ms.rel, "public_access_level");

		while ((tup = ModelScanNext(&ms)) != NULL)
		{
			WorkspaceInfo *w;
			bool		isnull;

			ARRAY_PUSH(g->workspaces, g->nworkspaces, cap, WorkspaceInfo);
			w = &g->workspaces[g->nworkspaces - 1];
			w->id = *DatumGetUUIDP(Attr(&ms, tup, a_id, &isnull));
			w->allow_guest_uploads = DatumGetBool(Attr(&ms, tup, a_up, &isnull));
			w->guest_access_enabled = DatumGetBool(Attr(&ms, tup, a_guest, &isnull));
			w->members_can_share = DatumGetBool(Attr(&ms, tup, a_share, &isnull));
			w->member_edit_own_only = DatumGetBool(Attr(&ms, tup, a_own, &isnull));
			w->public_access_level = DatumGetPermset(Attr(&ms, tup, a_pub, &isnull));
		}
	}
	ModelScanEnd(&ms);
	UuidIndexBuild(&g->workspace_index, g->workspaces, sizeof(WorkspaceInfo), g->nworkspaces);
	g->ws_of_structure = palloc(sizeof(int32) * Max(s->nworkspaces, 1));
	for (i = 0; i < s->nworkspaces; i++)
		g->ws_of_structure[i] = UuidIndexLookup(&g->workspace_index, &s->workspace_ids[i]);

	/* principals */
	cap = 0;
	ModelScanBegin(&ms, MT_PRINCIPAL, snap);
	{
		AttrNumber	a_id = ColumnNumber(ms.rel, "id"),
					a_kind = ColumnNumber(ms.rel, "kind");

		while ((tup = ModelScanNext(&ms)) != NULL)
		{
			PrincipalInfo *p;
			bool		isnull;

			ARRAY_PUSH(g->principals, g->nprincipals, cap, PrincipalInfo);
			p = &g->principals[g->nprincipals - 1];
			p->id = *DatumGetUUIDP(Attr(&ms, tup, a_id, &isnull));
			p->kind = (uint8) EnumMapValue(&kinds, Attr(&ms, tup, a_kind, &isnull));
			p->team_of_head = -1;
			p->members_head = -1;
			p->shares_head = -1;
			p->owner_key = -1;
		}
	}
	ModelScanEnd(&ms);
	UuidIndexBuild(&g->principal_index, g->principals, sizeof(PrincipalInfo), g->nprincipals);
	for (i = 0; i < g->nprincipals; i++)
		g->principals[i].owner_key = UuidIndexLookup(&s->owner_index, &g->principals[i].id);

	/* memberships, and the members of each workspace */
	g->memberships = membership_create(CurrentMemoryContext, 1024, NULL);
	g->members_of_ws_head = palloc(sizeof(int32) * Max(g->nworkspaces, 1));
	for (i = 0; i < g->nworkspaces; i++)
		g->members_of_ws_head[i] = -1;
	cap = 0;
	ModelScanBegin(&ms, MT_MEMBER, snap);
	{
		AttrNumber	a_ws = ColumnNumber(ms.rel, "workspace_id"),
					a_p = ColumnNumber(ms.rel, "principal_id"),
					a_role = ColumnNumber(ms.rel, "role");

		while ((tup = ModelScanNext(&ms)) != NULL)
		{
			bool		isnull,
						found;
			int32		w = UuidIndexLookup(&g->workspace_index,
											DatumGetUUIDP(Attr(&ms, tup, a_ws, &isnull)));
			int32		p = UuidIndexLookup(&g->principal_index,
											DatumGetUUIDP(Attr(&ms, tup, a_p, &isnull)));
			MembershipEntry *e;

			if (w < 0 || p < 0)
				continue;
			e = membership_insert(g->memberships, ((uint64) w << 32) | (uint32) p, &found);
			e->role = (int8) EnumMapValue(&roles, Attr(&ms, tup, a_role, &isnull));
			ARRAY_PUSH(g->member_list, g->nmember_list, cap, int32);
			ARRAY_PUSH(g->member_list, g->nmember_list, cap, int32);
			g->member_list[g->nmember_list - 2] = p;
			g->member_list[g->nmember_list - 1] = g->members_of_ws_head[w];
			g->members_of_ws_head[w] = g->nmember_list - 2;
		}
	}
	ModelScanEnd(&ms);

	/* team edges, both ways */
	cap = 0;
	ModelScanBegin(&ms, MT_TEAM_MEMBER, snap);
	{
		AttrNumber	a_team = ColumnNumber(ms.rel, "team_id"),
					a_member = ColumnNumber(ms.rel, "member_id");

		while ((tup = ModelScanNext(&ms)) != NULL)
		{
			bool		isnull;
			int32		t = UuidIndexLookup(&g->principal_index,
											DatumGetUUIDP(Attr(&ms, tup, a_team, &isnull)));
			int32		m = UuidIndexLookup(&g->principal_index,
											DatumGetUUIDP(Attr(&ms, tup, a_member, &isnull)));

			if (t < 0 || m < 0)
				continue;
			ARRAY_PUSH(g->edges, g->nedges, cap, TeamEdge);
			g->edges[g->nedges - 1].other = t;
			g->edges[g->nedges - 1].next = g->principals[m].team_of_head;
			g->principals[m].team_of_head = g->nedges - 1;
			ARRAY_PUSH(g->edges, g->nedges, cap, TeamEdge);
			g->edges[g->nedges - 1].other = m;
			g->edges[g->nedges - 1].next = g->principals[t].members_head;
			g->principals[t].members_head = g->nedges - 1;
		}
	}
	ModelScanEnd(&ms);

	/* shares, masked by their toggles (R6) */
	cap = 0;
	g->shares_of_resource = int32map_create(CurrentMemoryContext, 1024, NULL);
	ModelScanBegin(&ms, MT_SHARE, snap);
	{
		AttrNumber	a_id = ColumnNumber(ms.rel, "id"),
					a_res = ColumnNumber(ms.rel, "resource_id"),
					a_grantee = ColumnNumber(ms.rel, "grantee_id"),
					a_perms = ColumnNumber(ms.rel, "perms"),
					a_dl = ColumnNumber(ms.rel, "allow_download"),
					a_cm = ColumnNumber(ms.rel, "allow_comments"),
					a_ap = ColumnNumber(ms.rel, "allow_approval"),
					a_co = ColumnNumber(ms.rel, "allow_contribution"),
					a_exp = ColumnNumber(ms.rel, "expires_at");

		while ((tup = ModelScanNext(&ms)) != NULL)
		{
			bool		isnull,
						found;
			int32		r = UuidIndexLookup(&s->resource_index,
											DatumGetUUIDP(Attr(&ms, tup, a_res, &isnull)));
			int32		p = UuidIndexLookup(&g->principal_index,
											DatumGetUUIDP(Attr(&ms, tup, a_grantee, &isnull)));
			Share	   *sh;
			Int32MapEntry *e;
			Datum		d;

			if (r < 0 || p < 0)
				continue;
			ARRAY_PUSH(g->shares, g->nshares, cap, Share);
			sh = &g->shares[g->nshares - 1];
			sh->id = *DatumGetUUIDP(Attr(&ms, tup, a_id, &isnull));
			sh->resource = r;
			sh->grantee = p;
			sh->perms = PermsetApplyToggles(DatumGetPermset(Attr(&ms, tup, a_perms, &isnull)),
											DatumGetBool(Attr(&ms, tup, a_dl, &isnull)),
											DatumGetBool(Attr(&ms, tup, a_cm, &isnull)),
											DatumGetBool(Attr(&ms, tup, a_ap, &isnull)),
											DatumGetBool(Attr(&ms, tup, a_co, &isnull)));
			d = Attr(&ms, tup, a_exp, &isnull);
			sh->expires_at = ExpiryOf(d, isnull);
			sh->next_of_grantee = g->principals[p].shares_head;
			g->principals[p].shares_head = g->nshares - 1;
			e = int32map_insert(g->shares_of_resource, r, &found);
			sh->next_of_resource = found ? e->value : -1;
			e->value = g->nshares - 1;
		}
	}
	ModelScanEnd(&ms);
}

/* The grants part (and the structure it refers to), loaded if needed. */
GrantsCache *
CacheGetGrants(void)
{
	StructureCache *s = CacheGetStructure();
	uint64		count;
	bool		transient;
	Snapshot	snap;
	MemoryContext old;
	GrantsCache *g;

	if (PartIsValid(&grants_part, grants_inval_count) &&
		((GrantsCache *) grants_part.data)->structure_build_id == s->build_id)
		return (GrantsCache *) grants_part.data;

	count = grants_inval_count;
	PartReset(&grants_part);
	snap = LoadSnapshot(&transient);
	old = MemoryContextSwitchTo(grants_part.cxt);
	g = palloc0(sizeof(GrantsCache));
	g->build_id = next_build_id++;
	g->structure_build_id = s->build_id;
	PG_TRY();
	{
		LoadGrants(g, s, snap);
	}
	PG_FINALLY();
	{
		MemoryContextSwitchTo(old);
		UnregisterSnapshot(snap);
	}
	PG_END_TRY();
	grants_part.data = g;
	grants_part.loaded_at_count = count;
	grants_part.transient_lxid = (transient || structure_part.transient_lxid)
		? MyProc->lxid : InvalidLocalTransactionId;
	return g;
}

/* The role of principal p in workspace w (grants indexes), or ROLE_NONE. */
WorkspaceRole
CacheRoleOf(GrantsCache *g, int32 w, int32 p)
{
	MembershipEntry *e;

	if (w < 0 || p < 0)
		return ROLE_NONE;
	e = membership_lookup(g->memberships, ((uint64) w << 32) | (uint32) p);
	return e ? (WorkspaceRole) e->role : ROLE_NONE;
}

/* The first share on node r (follow Share.next_of_resource), or -1. */
int32
CacheFirstShareOfResource(GrantsCache *g, int32 r)
{
	Int32MapEntry *e = int32map_lookup(g->shares_of_resource, r);

	return e ? e->value : -1;
}
