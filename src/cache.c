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
 * invalidation messages, at the latest at the start of its next transaction
 * (and, for its own changes, at the next command).  The callback only bumps a
 * counter; the next check reloads.  Loads read the tables under the latest
 * snapshot: a commit that the snapshot misses sends its invalidation after
 * becoming visible, so it is processed after the load and the part is
 * dropped again.  In parallel mode no new snapshot may be taken, so a load
 * there uses the query's snapshot and is kept only for that transaction.
 */
#include "postgres.h"

#include "access/genam.h"
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
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "cache.h"
#include "maps.h"
#include "share_acl.h"


int			share_acl_cache_size_mb = 64;

const char *const role_labels[] = {"owner", "admin", "member", "guest", "viewer"};
const char *const resource_kind_labels[] = {"project", "collection", "asset", "conversation"};
static const char *const principal_kind_labels[] = {"user", "external", "team"};
static const char *const access_labels[] = {"private", "shared", "public"};

/* The model tables and the indexes read on demand, by invalidation group. */
typedef enum ModelRel
{
	MT_RESOURCE, MT_COLLECTION_ITEM,	/* structure */
	MT_WORKSPACE,				/* grants */
	MT_PRINCIPAL, MT_MEMBER, MT_TEAM_MEMBER, MT_SHARE,	/* principal contexts */
	MT_LINK,					/* link contexts */
	MT_RESOURCE_PKEY, MT_COLLECTION_ITEM_BY_RESOURCE,	/* indexes read on demand */
	MT_PRINCIPAL_PKEY, MT_MEMBER_PKEY, MT_MEMBER_BY_PRINCIPAL,
	MT_TEAM_MEMBER_PKEY, MT_TEAM_MEMBER_BY_MEMBER, MT_SHARE_BY_RESOURCE, MT_SHARE_BY_GRANTEE,
	MT_LINK_PKEY,
	MT_COUNT
} ModelRel;

#define MT_LAST_STRUCTURE	MT_COLLECTION_ITEM
#define MT_LAST_TABLE		MT_LINK

static const char *const model_rel_names[MT_COUNT] = {
	"resource", "collection_item", "workspace", "principal", "member",
	"team_member", "share", "link", "resource_pkey", "collection_item_resource_idx",
	"principal_pkey", "member_pkey", "member_principal_idx",
	"team_member_pkey", "team_member_member_idx", "share_resource_idx", "share_grantee_idx",
	"link_pkey"
};


/* Invalidation counters, bumped by the callback; loads remember them. */
static uint64 structure_inval_count = 1;	/* resource, collection_item */
static uint64 grants_inval_count = 1;	/* workspace */
static uint64 principals_inval_count = 1;	/* principal, member, team_member, share */
static uint64 links_inval_count = 1;	/* link */

typedef struct CachePart
{
	MemoryContext cxt;
	uint64		loaded_at_count;	/* inval count when the load began; 0 = none */
	TransientTag transient;		/* see CacheTransientTag */
	void	   *data;
} CachePart;

static CachePart structure_part;
static CachePart grants_part;
static uint64 next_build_id = 1;

/* Enum label OIDs, in the order of a C enum. */
typedef struct EnumMap
{
	Oid			oids[8];
	int			n;
} EnumMap;

/*
 * Where things are in the catalogs: relation OIDs, column numbers and enum
 * label OIDs, looked up once and again after any invalidation that may
 * concern them (they change if the extension is dropped and re-created).
 */
typedef struct ModelCatalog
{
	bool		valid;
	Oid			oids[MT_COUNT];
	AttrNumber	res_id, res_workspace, res_kind, res_parent, res_owner, res_access,
				res_restricted, res_guest_ai;
	AttrNumber	item_collection, item_resource;
	AttrNumber	ws_id, ws_guest_uploads, ws_guest_access, ws_members_share, ws_edit_own,
				ws_public_level;
	AttrNumber	p_id, p_kind;
	AttrNumber	m_workspace, m_principal, m_role;
	AttrNumber	tm_team, tm_member;
	AttrNumber	s_id, s_resource, s_grantee, s_perms, s_download, s_comments, s_approval,
				s_contribution, s_expires;
	AttrNumber	l_id, l_resource, l_perms, l_download, l_comments, l_approval, l_contribution,
				l_expires, l_not_before, l_revoked;
	EnumMap		resource_kinds, accesses, principal_kinds, roles;
} ModelCatalog;

static ModelCatalog cat;

/* The relcache callback: mark the affected part(s) for reload. */
static void
CacheRelcacheCallback(Datum arg, Oid relid)
{
	int			i;

	if (relid == InvalidOid)
	{
		cat.valid = false;
		structure_inval_count++;
		grants_inval_count++;
		principals_inval_count++;
		links_inval_count++;
		return;
	}
	for (i = 0; i <= MT_LAST_TABLE; i++)
	{
		if (cat.oids[i] != relid)
			continue;
		if (i <= MT_LAST_STRUCTURE)
			structure_inval_count++;
		else if (i == MT_WORKSPACE)
			grants_inval_count++;
		else if (i == MT_LINK)
			links_inval_count++;
		else
			principals_inval_count++;
		return;
	}
}

/*
 * A change to pg_class, pg_attribute or pg_enum (DDL: the extension dropped,
 * re-created or updated) makes the catalog facts be looked up again.  Data
 * changes of the model tables do not touch these catalogs.
 */
static void
CacheCatalogCallback(Datum arg, int cacheid, uint32 hashvalue)
{
	cat.valid = false;
}

/* Define share_acl.cache_size and register the invalidation callbacks; called once from _PG_init. */
void
CacheInit(void)
{
	DefineCustomIntVariable("share_acl.cache_size",
							"Upper bound of the per-backend permission cache.",
							"Past it the engine still answers, reading what it needs per check.",
							&share_acl_cache_size_mb,
							64, 1, 1024 * 1024,
							PGC_SUSET,
							GUC_UNIT_MB,
							NULL, NULL, NULL);
	CacheRegisterRelcacheCallback(CacheRelcacheCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(RELOID, CacheCatalogCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(ATTNUM, CacheCatalogCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(ENUMOID, CacheCatalogCallback, (Datum) 0);
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

static inline const pg_uuid_t *
UuidIndexKey(const UuidIndex *index, int32 i)
{
	return (const pg_uuid_t *) (index->base + (Size) i * index->stride);
}

/* Put record i into the buckets (no growth check). */
static void
UuidIndexPlace(UuidIndex *index, int32 i)
{
	uint32		h = uuid_key_hash(UuidIndexKey(index, i));
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
static void
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
}

/*
 * Add record i (whose records array now starts at base).  Grows the buckets
 * past two thirds full, and the record bits when i no longer fits them (the
 * all-ones record is never used, so no bucket equals UUID_BUCKET_EMPTY).
 */
static void
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
		pfree(old);
	}
	UuidIndexPlace(index, i);
	index->count++;
}

/* Grow an array of elem-sized records to hold at least n+1, doubling. */
static void *
GrowArray(void *arr, int32 n, int32 *cap, Size elem)
{
	if (n < *cap)
		return arr;
	if (*cap >= PG_INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("share_acl cache cannot hold more than %d records", *cap)));
	*cap = *cap > 0 ? *cap * 2 : 8;
	if (arr == NULL)
		return palloc_extended(elem * *cap, MCXT_ALLOC_HUGE);
	return repalloc_huge(arr, elem * *cap);
}

/* The index of id in an interned uuid list, added when new. */
static int32
Intern(pg_uuid_t **ids, int32 *n, int32 *cap, UuidIndex *index, const pg_uuid_t *id)
{
	int32		i = UuidIndexLookup(index, id);

	if (i >= 0)
		return i;
	*ids = GrowArray(*ids, *n, cap, sizeof(pg_uuid_t));
	(*ids)[*n] = *id;
	UuidIndexInsert(index, *ids, *n);
	return (*n)++;
}

/* ---------------------------------------------------------------------------
 * Loading helpers
 * ------------------------------------------------------------------------- */

/* The attribute number of a column, or an error. */
static AttrNumber
ColumnNumber(ModelRel t, const char *name)
{
	AttrNumber	n = get_attnum(cat.oids[t], name);

	if (n == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("share_acl table \"%s\" has no column \"%s\"", model_rel_names[t], name)));
	return n;
}

static void EnumMapBuild(EnumMap *map, const char *type_name, const char *const *labels, int n);

/* Fill the catalog facts, unless still valid. */
static void
LookupModelRels(void)
{
	Oid			nsp;
	int			i;

	if (cat.valid)
		return;
	nsp = get_namespace_oid("share_acl", false);
	for (i = 0; i < MT_COUNT; i++)
	{
		cat.oids[i] = get_relname_relid(model_rel_names[i], nsp);
		if (!OidIsValid(cat.oids[i]))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("share_acl relation \"%s\" is missing", model_rel_names[i])));
	}
	cat.res_id = ColumnNumber(MT_RESOURCE, "id");
	cat.res_workspace = ColumnNumber(MT_RESOURCE, "workspace_id");
	cat.res_kind = ColumnNumber(MT_RESOURCE, "kind");
	cat.res_parent = ColumnNumber(MT_RESOURCE, "parent_id");
	cat.res_owner = ColumnNumber(MT_RESOURCE, "owner_id");
	cat.res_access = ColumnNumber(MT_RESOURCE, "general_access");
	cat.res_restricted = ColumnNumber(MT_RESOURCE, "restricted");
	cat.res_guest_ai = ColumnNumber(MT_RESOURCE, "guest_ai_enabled");
	cat.item_collection = ColumnNumber(MT_COLLECTION_ITEM, "collection_id");
	cat.item_resource = ColumnNumber(MT_COLLECTION_ITEM, "resource_id");
	cat.ws_id = ColumnNumber(MT_WORKSPACE, "id");
	cat.ws_guest_uploads = ColumnNumber(MT_WORKSPACE, "allow_guest_uploads");
	cat.ws_guest_access = ColumnNumber(MT_WORKSPACE, "guest_access_enabled");
	cat.ws_members_share = ColumnNumber(MT_WORKSPACE, "members_can_share");
	cat.ws_edit_own = ColumnNumber(MT_WORKSPACE, "member_edit_own_only");
	cat.ws_public_level = ColumnNumber(MT_WORKSPACE, "public_access_level");
	cat.p_id = ColumnNumber(MT_PRINCIPAL, "id");
	cat.p_kind = ColumnNumber(MT_PRINCIPAL, "kind");
	cat.m_workspace = ColumnNumber(MT_MEMBER, "workspace_id");
	cat.m_principal = ColumnNumber(MT_MEMBER, "principal_id");
	cat.m_role = ColumnNumber(MT_MEMBER, "role");
	cat.tm_team = ColumnNumber(MT_TEAM_MEMBER, "team_id");
	cat.tm_member = ColumnNumber(MT_TEAM_MEMBER, "member_id");
	cat.s_id = ColumnNumber(MT_SHARE, "id");
	cat.s_resource = ColumnNumber(MT_SHARE, "resource_id");
	cat.s_grantee = ColumnNumber(MT_SHARE, "grantee_id");
	cat.s_perms = ColumnNumber(MT_SHARE, "perms");
	cat.s_download = ColumnNumber(MT_SHARE, "allow_download");
	cat.s_comments = ColumnNumber(MT_SHARE, "allow_comments");
	cat.s_approval = ColumnNumber(MT_SHARE, "allow_approval");
	cat.s_contribution = ColumnNumber(MT_SHARE, "allow_contribution");
	cat.s_expires = ColumnNumber(MT_SHARE, "expires_at");
	cat.l_id = ColumnNumber(MT_LINK, "id");
	cat.l_resource = ColumnNumber(MT_LINK, "resource_id");
	cat.l_perms = ColumnNumber(MT_LINK, "perms");
	cat.l_download = ColumnNumber(MT_LINK, "allow_download");
	cat.l_comments = ColumnNumber(MT_LINK, "allow_comments");
	cat.l_approval = ColumnNumber(MT_LINK, "allow_approval");
	cat.l_contribution = ColumnNumber(MT_LINK, "allow_contribution");
	cat.l_expires = ColumnNumber(MT_LINK, "expires_at");
	cat.l_not_before = ColumnNumber(MT_LINK, "not_before");
	cat.l_revoked = ColumnNumber(MT_LINK, "revoked_at");
	EnumMapBuild(&cat.resource_kinds, "resource_kind", resource_kind_labels, 4);
	EnumMapBuild(&cat.accesses, "general_access", access_labels, 3);
	EnumMapBuild(&cat.principal_kinds, "principal_kind", principal_kind_labels, 3);
	EnumMapBuild(&cat.roles, "workspace_role", role_labels, 5);
	cat.valid = true;
}

/* Map an enum's label OIDs to their positions in labels[]. */
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

/*
 * The position of an enum datum's label, or unknown for a label the C code
 * does not know (the caller passes the value that fails closed).
 */
static int
EnumMapValue(const EnumMap *map, Datum d, int unknown)
{
	Oid			oid = DatumGetObjectId(d);
	int			i;

	for (i = 0; i < map->n; i++)
		if (OidIsValid(map->oids[i]) && map->oids[i] == oid)
			return i;
	return unknown;
}

/* A heap scan of a model table under a snapshot. */
typedef struct ModelScan
{
	Relation	rel;
	TableScanDesc scan;
	TupleDesc	desc;
} ModelScan;

static void
ModelScanBegin(ModelScan *ms, ModelRel t, Snapshot snap)
{
	ms->rel = table_open(cat.oids[t], AccessShareLock);
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
Attr(TupleDesc desc, HeapTuple tup, AttrNumber n, bool *isnull)
{
	return heap_getattr(tup, n, desc, isnull);
}

/* The permset of a share or link row masked by its four toggles (R6). */
static Permset
MaskedPerms(TupleDesc desc, HeapTuple tup, AttrNumber perms, AttrNumber download,
			AttrNumber comments, AttrNumber approval, AttrNumber contribution)
{
	bool		isnull;

	return PermsetApplyToggles(DatumGetPermset(Attr(desc, tup, perms, &isnull)),
							   DatumGetBool(Attr(desc, tup, download, &isnull)),
							   DatumGetBool(Attr(desc, tup, comments, &isnull)),
							   DatumGetBool(Attr(desc, tup, approval, &isnull)),
							   DatumGetBool(Attr(desc, tup, contribution, &isnull)));
}

/* A timestamptz column, or dflt when it is NULL. */
static TimestampTz
TimestampOr(TupleDesc desc, HeapTuple tup, AttrNumber column, TimestampTz dflt)
{
	bool		isnull;
	Datum		d = Attr(desc, tup, column, &isnull);

	return isnull ? dflt : DatumGetTimestampTz(d);
}

/* Statements seen by this backend (a new one at each new top-level statement). */
static uint64 statement_seq = 1;

/*
 * Take in pending invalidations at the first call of each statement, so that
 * in READ COMMITTED a change committed before the statement began is seen by
 * it even when the statement itself opens no relation.
 */
void
CacheBeginStatement(void)
{
	static TimestampTz statement_seen = 0;
	static LocalTransactionId statement_lxid = InvalidLocalTransactionId;
	TimestampTz statement = GetCurrentStatementStartTimestamp();

	if (statement != statement_seen || MyProc->lxid != statement_lxid)
	{
		statement_seq++;
		AcceptInvalidationMessages();
		statement_seen = statement;
		statement_lxid = MyProc->lxid;
	}
}

/*
 * What identifies the active snapshot's view of the data: its xmin, xmax,
 * in-progress counts and command id (two snapshots that agree on these see
 * the same rows).  Never 0.
 */
static TransientTag
ActiveSnapshotTag(void)
{
	Snapshot	snap;
	uint64		h;

	if (!ActiveSnapshotSet())
		return 1;
	snap = GetActiveSnapshot();
	h = hash_combine64(((uint64) snap->xmin << 32) | snap->xmax,
					   ((uint64) snap->xcnt << 32) | (uint32) snap->subxcnt);
	h = hash_combine64(h, ((uint64) snap->curcid << 1) | (snap->suboverflowed ? 1 : 0));
	h = hash_combine64(h, statement_seq);
	return h > 1 ? h : 2;
}

/*
 * The tag of something just read; transient: under the query's snapshot,
 * which is then the active snapshot (see ReadSnapshot).
 */
TransientTag
CacheTransientTag(bool transient)
{
	return transient ? ActiveSnapshotTag() : 0;
}

/*
 * May something read with this tag still be used?  Transient data only in
 * parallel mode, in the same statement, under the same snapshot (another
 * query of the same statement, e.g. inside a function, may have a newer one).
 */
bool
CacheTransientValid(TransientTag tag)
{
	return tag == 0 || (IsInParallelMode() && tag == ActiveSnapshotTag());
}

/* Take the snapshot for a read; *transient tells whether it is the query's. */
static Snapshot
ReadSnapshot(bool *transient)
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
	if (!CacheTransientValid(part->transient))
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
	part->transient = 0;
}

/* Memory held by the structure part, in bytes. */
Size
CacheStructureMemory(void)
{
	return structure_part.cxt ? MemoryContextMemAllocated(structure_part.cxt, true) : 0;
}

static Size
CacheLimitBytes(void)
{
	return (Size) share_acl_cache_size_mb * 1024 * 1024;
}

/* ---------------------------------------------------------------------------
 * The structure: resources and collection items
 * ------------------------------------------------------------------------- */

/*
 * Append the node of a resource tuple (parent and collections unresolved)
 * and return its index; *parent_id receives the parent's id, if any.
 */
static int32
AppendNode(StructureCache *s, TupleDesc desc, HeapTuple tup, pg_uuid_t *parent_id, bool *has_parent)
{
	ResourceNode *r;
	bool		isnull;
	Datum		d;
	int32		idx = s->nresources;
	int32		ws;

	s->resources = GrowArray(s->resources, s->nresources, &s->rescap, sizeof(ResourceNode));
	r = &s->resources[idx];
	memset(r, 0, sizeof(*r));
	r->id = *DatumGetUUIDP(Attr(desc, tup, cat.res_id, &isnull));
	r->parent = -1;
	r->coll_head = -1;

	d = Attr(desc, tup, cat.res_parent, &isnull);
	*has_parent = !isnull;
	if (!isnull)
		*parent_id = *DatumGetUUIDP(d);

	d = Attr(desc, tup, cat.res_owner, &isnull);
	r->owner = isnull ? -1 : Intern(&s->owner_ids, &s->nowners, &s->ownercap, &s->owner_index,
									DatumGetUUIDP(d));

	ws = Intern(&s->workspace_ids, &s->nworkspaces, &s->wscap, &s->workspace_index,
				DatumGetUUIDP(Attr(desc, tup, cat.res_workspace, &isnull)));
	r = &s->resources[idx];		/* Intern does not move resources, but be plain */
	r->workspace = ws;
	r->kind_access = (uint8) (EnumMapValue(&cat.resource_kinds, Attr(desc, tup, cat.res_kind, &isnull),
										   RK_UNKNOWN) |
							  EnumMapValue(&cat.accesses, Attr(desc, tup, cat.res_access, &isnull),
										   GA_PRIVATE) << 4);
	if (DatumGetBool(Attr(desc, tup, cat.res_restricted, &isnull)))
		r->flags |= RES_RESTRICTED;
	if (DatumGetBool(Attr(desc, tup, cat.res_guest_ai, &isnull)))
		r->flags |= RES_GUEST_AI;
	s->nresources++;
	UuidIndexInsert(&s->resource_index, s->resources, idx);
	return idx;
}

/* Record that collection c holds node r. */
static void
AddCollectionLink(StructureCache *s, int32 c, int32 r)
{
	s->links = GrowArray(s->links, s->nlinks, &s->linkcap, sizeof(CollectionLink));
	s->links[s->nlinks].collection = c;
	s->links[s->nlinks].next = s->resources[r].coll_head;
	s->resources[r].coll_head = s->nlinks++;
	s->resources[c].flags |= RES_HAS_CHILDREN;
}

/* The planner's row estimate of a table, at least 0. */
static int32
EstimatedRows(Relation rel)
{
	float4		n = rel->rd_rel->reltuples;

	return n > 0 && n < (float4) (PG_INT32_MAX / 4) ? (int32) n : 0;
}

/*
 * Load every resource and collection item; false if it would not fit.
 * load_cxt holds what is needed only while loading.
 */
static bool
LoadStructureFull(StructureCache *s, Snapshot snap, MemoryContext load_cxt)
{
	ModelScan	ms;
	HeapTuple	tup;
	pg_uuid_t  *parent_ids;
	bool	   *has_parent;
	int32		i;
	int32		est_res,
				est_items;
	Size		limit = CacheLimitBytes();

	ModelScanBegin(&ms, MT_RESOURCE, snap);
	est_res = EstimatedRows(ms.rel);
	{
		Relation	items = table_open(cat.oids[MT_COLLECTION_ITEM], AccessShareLock);

		est_items = EstimatedRows(items);
		table_close(items, AccessShareLock);
	}
	if ((Size) est_res * (sizeof(ResourceNode) + 2 * sizeof(uint32)) +
		(Size) est_items * sizeof(CollectionLink) > limit)
	{
		ModelScanEnd(&ms);
		return false;
	}
	s->rescap = Max(est_res + est_res / 32, 1024);
	s->resources = palloc_extended(sizeof(ResourceNode) * s->rescap, MCXT_ALLOC_HUGE);
	UuidIndexInit(&s->resource_index, s->resources, sizeof(ResourceNode), s->rescap);
	/* the parents' ids are needed only during the load: not part of the cache */
	parent_ids = MemoryContextAllocExtended(load_cxt, sizeof(pg_uuid_t) * s->rescap, MCXT_ALLOC_HUGE);
	has_parent = MemoryContextAllocExtended(load_cxt, sizeof(bool) * s->rescap, MCXT_ALLOC_HUGE);

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
		if ((idx & 0xffff) == 0 && CacheStructureMemory() > limit)
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
	pfree(parent_ids);
	pfree(has_parent);

	s->linkcap = Max(est_items + est_items / 32, 1024);
	s->links = palloc_extended(sizeof(CollectionLink) * s->linkcap, MCXT_ALLOC_HUGE);
	ModelScanBegin(&ms, MT_COLLECTION_ITEM, snap);
	while ((tup = ModelScanNext(&ms)) != NULL)
	{
		bool		isnull;
		int32		c = UuidIndexLookup(&s->resource_index,
										DatumGetUUIDP(Attr(ms.desc, tup, cat.item_collection, &isnull)));
		int32		r = UuidIndexLookup(&s->resource_index,
										DatumGetUUIDP(Attr(ms.desc, tup, cat.item_resource, &isnull)));

		if (c >= 0 && r >= 0)
			AddCollectionLink(s, c, r);
	}
	ModelScanEnd(&ms);
	return CacheStructureMemory() <= limit;
}

static void InitPartialStructure(StructureCache *s);

/* Load the structure in full if it fits the bound, else start a partial one. */
static StructureCache *
LoadStructure(Snapshot snap)
{
	MemoryContext load_cxt = AllocSetContextCreate(CurrentMemoryContext,
												   "share_acl structure load",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(structure_part.cxt);
	StructureCache *s = palloc0(sizeof(StructureCache));
	bool		fits = LoadStructureFull(s, snap, load_cxt);

	MemoryContextDelete(load_cxt);
	if (!fits)
	{
		MemoryContextReset(structure_part.cxt);
		s = palloc0(sizeof(StructureCache));
		InitPartialStructure(s);
	}
	s->build_id = next_build_id++;
	s->last_found = -1;
	MemoryContextSwitchTo(old);
	return s;
}

/* An empty structure for partial (on-demand) use. */
static void
InitPartialStructure(StructureCache *s)
{
	s->partial = true;
	s->rescap = 1024;
	s->resources = palloc(sizeof(ResourceNode) * s->rescap);
	UuidIndexInit(&s->resource_index, s->resources, sizeof(ResourceNode), s->rescap);
}

/* The structure part, loaded (or emptied, when partial and too big) if needed. */
StructureCache *
CacheGetStructure(void)
{
	uint64		count;
	bool		transient;
	Snapshot	snap;
	StructureCache *s;

	/* still valid, and within the bound (which a superuser may have lowered) */
	if (PartIsValid(&structure_part, structure_inval_count) &&
		CacheStructureMemory() <= CacheLimitBytes())
		return (StructureCache *) structure_part.data;

	count = structure_inval_count;
	PartReset(&structure_part);
	LookupModelRels();
	snap = ReadSnapshot(&transient);
	s = LoadStructure(snap);
	UnregisterSnapshot(snap);
	structure_part.data = s;
	structure_part.loaded_at_count = count;
	structure_part.transient = CacheTransientTag(transient);
	return s;
}

/* Read one resource by id with an index scan; the tuple is copied, or NULL. */
static HeapTuple
FetchResource(const pg_uuid_t *id, Snapshot snap, TupleDesc *desc, Relation *relp)
{
	Relation	rel = table_open(cat.oids[MT_RESOURCE], AccessShareLock);
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;

	ScanKeyInit(&key, cat.res_id, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(id));
	scan = systable_beginscan(rel, cat.oids[MT_RESOURCE_PKEY], true, snap, 1, &key);
	tup = systable_getnext(scan);
	if (tup)
		tup = heap_copytuple(tup);
	systable_endscan(scan);
	*desc = RelationGetDescr(rel);
	*relp = rel;
	return tup;
}

/*
 * The node index of resource id; in a partial structure the resource is read
 * on first use, with everything above it (parents and collections).
 * -1 when there is no such resource.
 */
static int32
MaterializeNode(StructureCache *s, const pg_uuid_t *id, Snapshot snap, int depth)
{
	int32		idx = UuidIndexLookup(&s->resource_index, id);
	HeapTuple	tup;
	TupleDesc	desc;
	Relation	rel;
	pg_uuid_t	parent_id;
	bool		has_parent;
	MemoryContext old;

	if (idx >= 0 || !s->partial)
		return idx;
	check_stack_depth();
	if (depth > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_RECURSION),
				 errmsg("resource hierarchy deeper than 10000 levels")));

	old = MemoryContextSwitchTo(structure_part.cxt);
	tup = FetchResource(id, snap, &desc, &rel);
	if (tup == NULL)
	{
		table_close(rel, AccessShareLock);
		MemoryContextSwitchTo(old);
		return -1;
	}
	idx = AppendNode(s, desc, tup, &parent_id, &has_parent);
	heap_freetuple(tup);
	table_close(rel, AccessShareLock);

	if (has_parent)
	{
		int32		p = MaterializeNode(s, &parent_id, snap, depth + 1);

		s->resources[idx].parent = p;
		if (p >= 0)
			s->resources[p].flags |= RES_HAS_CHILDREN;
	}

	/* the collections holding it */
	{
		Relation	items = table_open(cat.oids[MT_COLLECTION_ITEM], AccessShareLock);
		SysScanDesc scan;
		ScanKeyData key;
		HeapTuple	item;
		List	   *collections = NIL;
		ListCell   *lc;

		ScanKeyInit(&key, cat.item_resource, BTEqualStrategyNumber, F_UUID_EQ,
					UUIDPGetDatum(id));
		scan = systable_beginscan(items, cat.oids[MT_COLLECTION_ITEM_BY_RESOURCE],
								  true, snap, 1, &key);
		while ((item = systable_getnext(scan)) != NULL)
		{
			bool		isnull;
			pg_uuid_t  *c = palloc(sizeof(pg_uuid_t));

			*c = *DatumGetUUIDP(Attr(RelationGetDescr(items), item,
									 cat.item_collection, &isnull));
			collections = lappend(collections, c);
		}
		systable_endscan(scan);
		table_close(items, AccessShareLock);

		foreach(lc, collections)
		{
			int32		c = MaterializeNode(s, (pg_uuid_t *) lfirst(lc), snap, depth + 1);

			if (c >= 0)
				AddCollectionLink(s, c, idx);
		}
		list_free_deep(collections);
	}
	MemoryContextSwitchTo(old);
	return idx;
}

/*
 * The node index of a resource id, or -1 if there is none.  An application
 * table is usually stored in about the order its resources were created, so
 * a scan under RLS tends to ask for the node after the last one found: that
 * node is compared first, before the hash probe (whose bucket array is too
 * big for the CPU caches, and costs a memory miss).
 */
int32
CacheLookupNode(StructureCache *s, const pg_uuid_t *id)
{
	int32		next = s->last_found + 1;
	int32		idx;
	bool		transient;
	Snapshot	snap;

	if (next < s->nresources && uuid_equal(&s->resources[next].id, id))
		return s->last_found = next;
	idx = UuidIndexLookup(&s->resource_index, id);
	if (idx >= 0)
		s->last_found = idx;
	if (idx >= 0 || !s->partial)
		return idx;
	/* on error the resource owner releases the snapshot */
	snap = ReadSnapshot(&transient);
	PG_TRY();
	{
		idx = MaterializeNode(s, id, snap, 0);
	}
	PG_CATCH();
	{
		/*
		 * Interrupted half-way, a node may be indexed without its parent or
		 * its collections: drop the whole part, the next check starts anew.
		 */
		structure_part.loaded_at_count = 0;
		PG_RE_THROW();
	}
	PG_END_TRY();
	UnregisterSnapshot(snap);
	if (transient)
		structure_part.transient = CacheTransientTag(true);
	return idx;
}

/*
 * Call visit(id, kind, arg) for every resource in the table, under the latest
 * snapshot.  For a partial structure, which does not list them all.
 */
void
CacheScanResources(void (*visit) (const pg_uuid_t *id, ResourceKind kind, void *arg), void *arg)
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
			pg_uuid_t	id = *DatumGetUUIDP(Attr(ms.desc, tup, cat.res_id, &isnull));
			ResourceKind kind = (ResourceKind) EnumMapValue(&cat.resource_kinds,
															Attr(ms.desc, tup, cat.res_kind, &isnull),
															RK_UNKNOWN);

			visit(&id, kind, arg);
		}
		ModelScanEnd(&ms);
	}
	PG_FINALLY();
	{
		UnregisterSnapshot(snap);
	}
	PG_END_TRY();
}

/* ---------------------------------------------------------------------------
 * The grants: workspaces and their policies
 * ------------------------------------------------------------------------- */

static void
LoadGrants(GrantsCache *g, Snapshot snap)
{
	ModelScan	ms;
	HeapTuple	tup;
	int32		cap = 0;
	ModelScanBegin(&ms, MT_WORKSPACE, snap);
	while ((tup = ModelScanNext(&ms)) != NULL)
	{
		WorkspaceInfo *w;
		bool		isnull;

		g->workspaces = GrowArray(g->workspaces, g->nworkspaces, &cap, sizeof(WorkspaceInfo));
		w = &g->workspaces[g->nworkspaces];
		w->id = *DatumGetUUIDP(Attr(ms.desc, tup, cat.ws_id, &isnull));
		w->allow_guest_uploads = DatumGetBool(Attr(ms.desc, tup, cat.ws_guest_uploads, &isnull));
		w->guest_access_enabled = DatumGetBool(Attr(ms.desc, tup, cat.ws_guest_access, &isnull));
		w->members_can_share = DatumGetBool(Attr(ms.desc, tup, cat.ws_members_share, &isnull));
		w->member_edit_own_only = DatumGetBool(Attr(ms.desc, tup, cat.ws_edit_own, &isnull));
		w->public_access_level = DatumGetPermset(Attr(ms.desc, tup, cat.ws_public_level, &isnull));
		UuidIndexInsert(&g->workspace_index, g->workspaces, g->nworkspaces++);
	}
	ModelScanEnd(&ms);
}

/* The grants part, loaded if needed. */
GrantsCache *
CacheGetGrants(void)
{
	uint64		count;
	bool		transient;
	Snapshot	snap;
	MemoryContext old;
	GrantsCache *g;

	if (PartIsValid(&grants_part, grants_inval_count))
		return (GrantsCache *) grants_part.data;

	count = grants_inval_count;
	PartReset(&grants_part);
	LookupModelRels();
	snap = ReadSnapshot(&transient);
	g = MemoryContextAllocZero(grants_part.cxt, sizeof(GrantsCache));
	g->build_id = next_build_id++;
	old = MemoryContextSwitchTo(grants_part.cxt);
	UuidIndexInit(&g->workspace_index, NULL, sizeof(WorkspaceInfo), 16);
	LoadGrants(g, snap);
	MemoryContextSwitchTo(old);
	UnregisterSnapshot(snap);
	grants_part.data = g;
	grants_part.loaded_at_count = count;
	grants_part.transient = CacheTransientTag(transient);
	return g;
}

/* ---------------------------------------------------------------------------
 * Per principal: read on demand with index scans
 *
 * Teams are shared by many principals, so what a team contributes (the teams
 * containing it, the shares granted to it) is kept per team until the next
 * change, and a principal's context is then four index scans.
 * ------------------------------------------------------------------------- */

typedef struct TeamData
{
	pg_uuid_t	id;				/* hash key */
	int32		nparents;
	pg_uuid_t  *parents;		/* the teams directly containing it */
	GrantSet	grants;			/* the shares granted to it */
} TeamData;

static MemoryContext team_cxt = NULL;
static HTAB *team_cache = NULL;
static uint64 team_cache_gen = 0;
static uint64 team_cache_epoch = 0;
static TransientTag team_cache_transient = 0;

/* Index a set of grants by resource id, in the current memory context. */
void
GrantSetIndex(GrantSet *set)
{
	int32		i;

	set->heads = uuidmap_create(CurrentMemoryContext, Max(set->n, 4), NULL);
	set->next = palloc(sizeof(int32) * Max(set->n, 1));
	for (i = 0; i < set->n; i++)
	{
		bool		found;
		UuidMapEntry *head = uuidmap_insert(set->heads, set->grants[i].resource_id, &found);

		set->next[i] = found ? head->value : -1;
		head->value = i;
	}
}

/* An index scan for equality on one uuid column; open rel and index once. */
typedef struct EqualScan
{
	Relation	rel;
	Relation	index;
	AttrNumber	column;
	Snapshot	snap;
} EqualScan;

static void
EqualScanOpen(EqualScan *es, ModelRel table, ModelRel index, AttrNumber column, Snapshot snap)
{
	es->rel = table_open(cat.oids[table], AccessShareLock);
	es->index = index_open(cat.oids[index], AccessShareLock);
	es->column = column;
	es->snap = snap;
}

static void
EqualScanClose(EqualScan *es)
{
	index_close(es->index, AccessShareLock);
	table_close(es->rel, AccessShareLock);
}

/* Call row(desc, tuple, arg) for every row whose column equals key. */
static void
EqualScanRun(EqualScan *es, const pg_uuid_t *key,
			 void (*row) (TupleDesc desc, HeapTuple tup, void *arg), void *arg)
{
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;

	ScanKeyInit(&skey, es->column, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(key));
	scan = systable_beginscan(es->rel, RelationGetRelid(es->index), true, es->snap, 1, &skey);
	while ((tup = systable_getnext(scan)) != NULL)
		row(RelationGetDescr(es->rel), tup, arg);
	systable_endscan(scan);
}

/* One index scan on a table, opened and closed around it. */
static void
IndexScanEqual(ModelRel table, ModelRel index, AttrNumber column, const pg_uuid_t *key,
			   Snapshot snap, void (*row) (TupleDesc desc, HeapTuple tup, void *arg), void *arg)
{
	EqualScan	es;

	EqualScanOpen(&es, table, index, column, snap);
	EqualScanRun(&es, key, row, arg);
	EqualScanClose(&es);
}

/* Collects the uuid in one column of each row into a List of palloc'd uuids. */
typedef struct UuidCollector
{
	AttrNumber	column;
	List	   *ids;
	int32		n;
	int32		cap;
	pg_uuid_t  *array;			/* or into a growable array, when set up */
} UuidCollector;

static void
CollectUuid(TupleDesc desc, HeapTuple tup, void *arg)
{
	UuidCollector *c = (UuidCollector *) arg;
	bool		isnull;
	pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));

	*id = *DatumGetUUIDP(Attr(desc, tup, c->column, &isnull));
	c->ids = lappend(c->ids, id);
}

/* The ids in column of the rows of table whose indexed key_column equals key. */
static List *
CollectIds(ModelRel table, ModelRel index, AttrNumber key_column, AttrNumber column,
		   const pg_uuid_t *key)
{
	UuidCollector c = {0};
	bool		transient;
	Snapshot	snap;

	c.column = column;
	snap = ReadSnapshot(&transient);
	IndexScanEqual(table, index, key_column, key, snap, CollectUuid, &c);
	UnregisterSnapshot(snap);
	return c.ids;
}

/* The members (principal ids) of a workspace. */
List *
CacheWorkspaceMembers(const pg_uuid_t *workspace_id)
{
	LookupModelRels();
	return CollectIds(MT_MEMBER, MT_MEMBER_PKEY, cat.m_workspace, cat.m_principal, workspace_id);
}

/* The grantees of the shares on a resource. */
List *
CacheGranteesOf(const pg_uuid_t *resource_id)
{
	LookupModelRels();
	return CollectIds(MT_SHARE, MT_SHARE_BY_RESOURCE, cat.s_resource, cat.s_grantee, resource_id);
}

/* The direct members of a team. */
List *
CacheTeamMembers(const pg_uuid_t *team_id)
{
	LookupModelRels();
	return CollectIds(MT_TEAM_MEMBER, MT_TEAM_MEMBER_PKEY, cat.tm_team, cat.tm_member, team_id);
}

/* Row callbacks of the principal and team loads. */
typedef struct GrantCollector
{
	const pg_uuid_t *grantee;
	int32		n;
	int32		cap;
	GrantRecord *grants;
} GrantCollector;

static void
ShareRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	GrantCollector *c = (GrantCollector *) arg;
	GrantRecord *gr;
	bool		isnull;

	c->grants = GrowArray(c->grants, c->n, &c->cap, sizeof(GrantRecord));
	gr = &c->grants[c->n++];
	gr->resource_id = *DatumGetUUIDP(Attr(desc, tup, cat.s_resource, &isnull));
	gr->share_id = *DatumGetUUIDP(Attr(desc, tup, cat.s_id, &isnull));
	gr->grantee_id = *c->grantee;
	gr->perms = MaskedPerms(desc, tup, cat.s_perms, cat.s_download, cat.s_comments,
							cat.s_approval, cat.s_contribution);
	gr->expires_at = TimestampOr(desc, tup, cat.s_expires, DT_NOEND);
}

static void
TeamOfRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	UuidCollector *c = (UuidCollector *) arg;
	bool		isnull;

	c->array = GrowArray(c->array, c->n, &c->cap, sizeof(pg_uuid_t));
	c->array[c->n++] = *DatumGetUUIDP(Attr(desc, tup, cat.tm_team, &isnull));
}

typedef struct KindRow
{
	bool		exists;
	PrincipalKind kind;
} KindRow;

static void
PrincipalRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	KindRow    *k = (KindRow *) arg;
	bool		isnull;

	k->exists = true;
	k->kind = (PrincipalKind) EnumMapValue(&cat.principal_kinds, Attr(desc, tup, cat.p_kind, &isnull),
										   PK_UNKNOWN);
}

static void
MembershipRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	PrincipalData *out = (PrincipalData *) arg;
	bool		isnull;
	int32		cap = out->nmemberships;	/* grow one at a time: few rows */

	out->memberships = GrowArray(out->memberships, out->nmemberships, &cap, sizeof(MembershipRecord));
	out->memberships[out->nmemberships].workspace_id = *DatumGetUUIDP(Attr(desc, tup, cat.m_workspace, &isnull));
	out->memberships[out->nmemberships].role =
		(WorkspaceRole) EnumMapValue(&cat.roles, Attr(desc, tup, cat.m_role, &isnull), ROLE_UNKNOWN);
	out->nmemberships++;
}

/*
 * Empty the team cache when principal data may have changed (or when it was
 * read under an older query's snapshot), and return its epoch: principal
 * contexts built in another epoch must be dropped, since they point into it.
 */
uint64
CachePrincipalsCheck(void)
{
	HASHCTL		ctl;

	if (team_cache != NULL && team_cache_gen == principals_inval_count &&
		CacheTransientValid(team_cache_transient))
		return team_cache_epoch;
	if (team_cxt == NULL)
		team_cxt = AllocSetContextCreate(TopMemoryContext, "share_acl team cache",
										 ALLOCSET_DEFAULT_SIZES);
	MemoryContextReset(team_cxt);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(pg_uuid_t);
	ctl.entrysize = sizeof(TeamData);
	ctl.hash = UuidHashValue;
	ctl.hcxt = team_cxt;
	team_cache = hash_create("share_acl teams", 64, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_CONTEXT);
	team_cache_gen = principals_inval_count;
	team_cache_transient = 0;
	return ++team_cache_epoch;
}

/* What team id contributes, read on first use. */
static TeamData *
TeamGet(const pg_uuid_t *id, EqualScan *teams_of, EqualScan *shares_to, bool transient)
{
	bool		found;
	TeamData   *t = hash_search(team_cache, id, HASH_ENTER, &found);

	if (!found)
	{
		MemoryContext old = MemoryContextSwitchTo(team_cxt);
		UuidCollector parents = {0};
		GrantCollector grants = {0};

		t->nparents = 0;
		memset(&t->grants, 0, sizeof(GrantSet));
		PG_TRY();
		{
			EqualScanRun(teams_of, id, TeamOfRow, &parents);
			grants.grantee = id;
			EqualScanRun(shares_to, id, ShareRow, &grants);
		}
		PG_CATCH();
		{
			hash_search(team_cache, id, HASH_REMOVE, NULL);
			PG_RE_THROW();
		}
		PG_END_TRY();
		t->nparents = parents.n;
		t->parents = parents.array;
		t->grants.n = grants.n;
		t->grants.grants = grants.grants;
		GrantSetIndex(&t->grants);
		if (transient)
			team_cache_transient = CacheTransientTag(true);
		MemoryContextSwitchTo(old);
	}
	return t;
}

/* A list of team ids being collected, breadth-first. */
typedef struct TeamList
{
	int32		n;
	int32		cap;
	pg_uuid_t  *ids;
} TeamList;

/* Add team id to the list unless listed. */
static void
AddTeam(TeamList *list, const pg_uuid_t *id)
{
	int32		i;

	for (i = 0; i < list->n; i++)
		if (uuid_equal(&list->ids[i], id))
			return;
	list->ids = GrowArray(list->ids, list->n, &list->cap, sizeof(pg_uuid_t));
	list->ids[list->n++] = *id;
}

/*
 * Read the kind and roles of principal id into *out (allocated in the
 * current memory context).  Returns whether the principal exists.  Its teams
 * and grants are read by CacheLoadPrincipalGrants, only when a check needs
 * them (the workspace owner's and workspace-level checks do not).
 */
bool
CacheLoadPrincipal(const pg_uuid_t *id, PrincipalData *out)
{
	Snapshot	snap;
	KindRow		kind = {false, PK_USER};

	memset(out, 0, sizeof(*out));
	LookupModelRels();
	snap = ReadSnapshot(&out->transient);
	IndexScanEqual(MT_PRINCIPAL, MT_PRINCIPAL_PKEY, cat.p_id, id, snap, PrincipalRow, &kind);
	out->exists = kind.exists;
	out->kind = kind.kind;
	if (out->exists)
		IndexScanEqual(MT_MEMBER, MT_MEMBER_BY_PRINCIPAL, cat.m_principal, id, snap,
					   MembershipRow, out);
	else
		out->grants_loaded = true;	/* nothing to read */
	UnregisterSnapshot(snap);
	return out->exists;
}

/*
 * Read the teams containing principal id (transitively) and the shares
 * granted to it; each team's grants come from the team cache.  Everything is
 * built aside (allocated in the current memory context) and published into
 * *out only at the end, so an error or a cancel half-way leaves *out as it
 * was: grants_loaded still false, nothing half-built to read.
 */
void
CacheLoadPrincipalGrants(const pg_uuid_t *id, PrincipalData *out)
{
	Snapshot	snap;
	bool		transient;
	EqualScan	teams_of,
				shares_to;
	UuidCollector direct = {0};
	GrantCollector grants = {0};
	TeamList	teams = {0};
	const GrantSet **team_grants;
	GrantSet	own;
	int32		i,
				j;

	Assert(team_cache != NULL);
	Assert(!out->grants_loaded);
	LookupModelRels();
	snap = ReadSnapshot(&transient);
	EqualScanOpen(&teams_of, MT_TEAM_MEMBER, MT_TEAM_MEMBER_BY_MEMBER, cat.tm_member, snap);
	EqualScanOpen(&shares_to, MT_SHARE, MT_SHARE_BY_GRANTEE, cat.s_grantee, snap);

	/* its own shares and the teams it is directly in */
	grants.grantee = id;
	EqualScanRun(&shares_to, id, ShareRow, &grants);
	EqualScanRun(&teams_of, id, TeamOfRow, &direct);
	for (i = 0; i < direct.n; i++)
		AddTeam(&teams, &direct.array[i]);

	/* teams(P), breadth-first, with what each team is granted */
	team_grants = palloc(sizeof(GrantSet *) * Max(teams.n, 1));
	for (i = 0; i < teams.n; i++)
	{
		pg_uuid_t	team = teams.ids[i];
		TeamData   *t = TeamGet(&team, &teams_of, &shares_to, transient);

		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < t->nparents; j++)
			AddTeam(&teams, &t->parents[j]);
	}
	/* the team cache may have grown (and moved entries) in the loop: look up now */
	team_grants = repalloc(team_grants, sizeof(GrantSet *) * Max(teams.n, 1));
	for (i = 0; i < teams.n; i++)
		team_grants[i] = &((TeamData *) hash_search(team_cache, &teams.ids[i],
													HASH_FIND, NULL))->grants;
	EqualScanClose(&shares_to);
	EqualScanClose(&teams_of);
	memset(&own, 0, sizeof(own));
	own.n = grants.n;
	own.grants = grants.grants;
	GrantSetIndex(&own);
	UnregisterSnapshot(snap);

	/* publish: nothing below can fail */
	out->nteams = teams.n;
	out->teams = teams.ids;
	out->team_grants = team_grants;
	out->own = own;
	out->transient |= transient;
	out->grants_loaded = true;
}

/* The PrincipalKind of a principal, or -1 if there is none. */
int
CachePrincipalKind(const pg_uuid_t *id)
{
	KindRow		kind = {false, PK_USER};
	bool		transient;
	Snapshot	snap;

	LookupModelRels();
	snap = ReadSnapshot(&transient);
	IndexScanEqual(MT_PRINCIPAL, MT_PRINCIPAL_PKEY, cat.p_id, id, snap, PrincipalRow, &kind);
	UnregisterSnapshot(snap);
	return kind.exists ? (int) kind.kind : -1;
}

/* ---------------------------------------------------------------------------
 * Links: read by id for the link context of a transaction (R7)
 * ------------------------------------------------------------------------- */

/* Changes whenever a link may have changed (revoked, expiry, toggles …). */
uint64
CacheLinksGeneration(void)
{
	return links_inval_count;
}

static void
LinkRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	LinkData   *l = (LinkData *) arg;
	bool		isnull;

	l->exists = true;
	l->resource_id = *DatumGetUUIDP(Attr(desc, tup, cat.l_resource, &isnull));
	l->perms = MaskedPerms(desc, tup, cat.l_perms, cat.l_download, cat.l_comments,
						   cat.l_approval, cat.l_contribution);
	l->expires_at = TimestampOr(desc, tup, cat.l_expires, DT_NOEND);
	l->not_before = TimestampOr(desc, tup, cat.l_not_before, DT_NOBEGIN);
	Attr(desc, tup, cat.l_revoked, &isnull);
	l->revoked = !isnull;
}

/* Read link id; out->exists tells whether there is one. */
void
CacheLoadLink(const pg_uuid_t *id, LinkData *out)
{
	Snapshot	snap;

	memset(out, 0, sizeof(*out));
	LookupModelRels();
	snap = ReadSnapshot(&out->transient);
	IndexScanEqual(MT_LINK, MT_LINK_PKEY, cat.l_id, id, snap, LinkRow, out);
	UnregisterSnapshot(snap);
}
