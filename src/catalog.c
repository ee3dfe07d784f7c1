/*
 * catalog.c — the catalog facts of catalog.h and the row-reading helpers.
 *
 * A change to pg_class, pg_attribute or pg_enum (DDL: the extension dropped,
 * re-created or updated) makes the facts be looked up again.  Data changes
 * of the model tables do not touch these catalogs.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "permset_sql.h"
#include "row_hint.h"

const char *const role_labels[] = {"owner", "admin", "member", "guest", "viewer"};
const char *const resource_kind_labels[] = {"project", "collection", "asset", "conversation"};
static const char *const principal_kind_labels[] = {"user", "external", "team"};
static const char *const access_labels[] = {"private", "shared", "public"};

static const char *const model_rel_names[MT_COUNT] = {
	"resource", "collection_item", "workspace", "principal", "member",
	"team_member", "share", "link", "review_reviewer", "signing_key", "change_log",
	"notification_mute", "link_view", "id_registry", "notification", "notification_preference",
	"resource_pkey", "collection_item_resource_idx",
	"principal_pkey", "member_pkey", "member_principal_idx",
	"team_member_pkey", "team_member_member_idx", "share_pkey", "share_resource_idx", "share_grantee_idx",
	"link_pkey", "link_resource_idx", "review_reviewer_reviewer_idx", "review_reviewer_resource_idx",
	"change_log_kind_txid_idx", "signing_key_pkey", "workspace_pkey", "notification_mute_pkey",
	"id_registry_pkey", "notification_preference_pkey", "resource_parent_idx", "collection_item_pkey",
	"_cache_signal_structure", "_cache_signal_workspaces", "_cache_signal_principals",
	"_cache_signal_links"
};

ModelCatalog catalog;
static ModelCatalog catalog_seen;	/* the facts of the last lookup, kept to compare */
static uint64 catalog_generation = 0;
static uint64 catalog_fingerprint = 0;

static void
CatalogCallback(Datum arg, int cacheid, uint32 hashvalue)
{
	catalog.valid = false;
}

/* Register the DDL callbacks; called once from _PG_init. */
void
CatalogInit(void)
{
	CacheRegisterSyscacheCallback(RELOID, CatalogCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(ATTNUM, CatalogCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(ENUMOID, CatalogCallback, (Datum) 0);
}

/*
 * The OID of model relation t.  An index's is looked up at its first use
 * after each CatalogLookup() that read the facts again: a backend's first
 * check reads one of them when the images are fresh (the change log's),
 * and each probe of the catalog by name costs a fresh backend dearly.
 */
Oid
ModelRelId(ModelRel t)
{
	Oid			relid;

	CatalogLookup();
	if (OidIsValid(catalog.oids[t]))
		return catalog.oids[t];
	Assert(t >= MT_FIRST_INDEX && t <= MT_LAST_INDEX);
	relid = get_relname_relid(model_rel_names[t], catalog.schema);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("share_acl relation \"%s\" is missing", model_rel_names[t])));
	/* (kept only while the facts it was looked up with are: else looked up again) */
	if (catalog.valid)
		catalog.oids[t] = relid;
	return relid;
}

/* The model table relid is, or MT_COUNT when it is none of them. */
ModelRel
CatalogTableOf(Oid relid)
{
	int			i;

	for (i = 0; i <= MT_LAST_TABLE; i++)
		if (catalog.oids[i] == relid)
			return (ModelRel) i;
	return MT_COUNT;
}

/*
 * The columns of the model tables, read with one scan of pg_attribute per
 * table (a backend's first check would otherwise look each column up in the
 * syscache, one catalog probe apiece).
 */
typedef struct ColumnName
{
	NameData	name;
	AttrNumber	num;
	Oid			type;
} ColumnName;

typedef struct TableColumns
{
	int			n;
	ColumnName	cols[64];
} TableColumns;

/* Read the live user columns of relid (the first 64 of them). */
static void
ReadColumns(Oid relid, TableColumns *tc)
{
	Relation	rel = table_open(AttributeRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	tc->n = 0;
	ScanKeyInit(&key, Anum_pg_attribute_attrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, AttributeRelidNumIndexId, true, NULL, 1, &key);
	while ((tup = systable_getnext(scan)) != NULL)
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(tup);

		if (att->attnum <= 0 || att->attisdropped || tc->n >= (int) lengthof(tc->cols))
			continue;
		tc->cols[tc->n].name = att->attname;
		tc->cols[tc->n].num = att->attnum;
		tc->cols[tc->n].type = att->atttypid;
		tc->n++;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/*
 * A column of table t (its columns read into tables[t] on first use) of the
 * type the extension made it with, or an error: a column whose type was
 * changed (ALTER TABLE … TYPE) would be read as the type it had, its values
 * taken for others (a text's pointer for a permset's bits).
 */
static const ColumnName *
Column(TableColumns **tables, const Oid *oids, ModelRel t, const char *name, Oid type)
{
	TableColumns *tc = tables[t];
	int			i;

	if (tc == NULL)
	{
		tc = tables[t] = palloc(sizeof(TableColumns));
		ReadColumns(oids[t], tc);
	}
	for (i = 0; i < tc->n; i++)
	{
		if (strcmp(NameStr(tc->cols[i].name), name) != 0)
			continue;
		if (tc->cols[i].type != type)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("share_acl table \"%s\" column \"%s\" is of type %s, not %s",
							model_rel_names[t], name, format_type_be(tc->cols[i].type),
							OidIsValid(type) ? format_type_be(type) : "the extension's type"),
					 errhint("The extension reads its tables as it made them: change the column back.")));
		return &tc->cols[i];
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("share_acl table \"%s\" has no column \"%s\"", model_rel_names[t], name)));
	return NULL;				/* keep the compiler quiet */
}

#define ColumnNumber(tables, oids, t, name, type) (Column(tables, oids, t, name, type)->num)

/* share_acl's type name in schema nsp, or InvalidOid. */
static Oid
SchemaType(Oid nsp, const char *name)
{
	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(name), ObjectIdGetDatum(nsp));
}

/*
 * Map the label OIDs of enum type typid (the type of the column that holds
 * it, as pg_attribute says) to their positions in labels[] (the labels read
 * in one catalog list search, not one probe apiece).  A label typid does not
 * have, or a column whose type is no longer the enum, leaves positions
 * unmatched: their values read as unknown, which fails closed.
 */
static void
EnumMapBuild(EnumMap *map, Oid typid, const char *const *labels, int n)
{
	CatCList   *list = SearchSysCacheList1(ENUMTYPOIDNAME, ObjectIdGetDatum(typid));
	int			i,
				j;

	Assert(n <= 8);
	map->n = n;
	for (i = 0; i < n; i++)
	{
		map->oids[i] = InvalidOid;
		for (j = 0; j < list->n_members; j++)
		{
			Form_pg_enum e = (Form_pg_enum) GETSTRUCT(&list->members[j]->tuple);

			if (strcmp(NameStr(e->enumlabel), labels[i]) == 0)
				map->oids[i] = e->oid;
		}
	}
	ReleaseSysCacheList(list);
}

/*
 * The position of an enum datum's label, or unknown for a label the C code
 * does not know (the caller passes the value that fails closed).
 */
int
EnumMapValue(const EnumMap *map, Datum d, int unknown)
{
	Oid			oid = DatumGetObjectId(d);
	int			i;

	for (i = 0; i < map->n; i++)
		if (OidIsValid(map->oids[i]) && map->oids[i] == oid)
			return i;
	return unknown;
}

/* The number of user column name of desc when it is of type type, else 0 (InvalidAttrNumber). */
AttrNumber
ColumnOfType(TupleDesc desc, const char *name, Oid type)
{
	int			n = SPI_fnumber(desc, name);

	return n > 0 && TupleDescAttr(desc, n - 1)->atttypid == type ? (AttrNumber) n : InvalidAttrNumber;
}

/* Fill the catalog facts, unless still valid. */
void
CatalogLookup(void)
{
	ModelCatalog c;
	TableColumns *tables[MT_LAST_READ_TABLE + 1] = {0};
	Oid			nsp,
				access_type,
				principal_kind_type,
				role_type;
	int			i;

	if (catalog.valid)
		return;
	/* built aside: a failure half-way leaves the old facts marked invalid */
	memset(&c, 0, sizeof(c));
	nsp = get_namespace_oid("share_acl", false);
	c.schema = nsp;
	for (i = 0; i < MT_COUNT; i++)
	{
		if (i >= MT_FIRST_INDEX && i <= MT_LAST_INDEX)
			continue;			/* (ModelRelId) */
		c.oids[i] = get_relname_relid(model_rel_names[i], nsp);
		if (!OidIsValid(c.oids[i]))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("share_acl relation \"%s\" is missing", model_rel_names[i])));
	}
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(c.oids[MT_CHANGE_LOG]));

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for relation %u", c.oids[MT_CHANGE_LOG]);
		c.change_log_owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
		ReleaseSysCache(tup);
	}
	/*
	 * (an installation whose SQL predates it has none: no read skips the
	 * log).  One probe of the cache by name, argument types and schema: the
	 * by-name candidate list of LookupFuncName costs a fresh backend several
	 * times that.
	 */
	c.change_log_written_fn = GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
											  CStringGetDatum("change_log_written"),
											  PointerGetDatum(buildoidvector(NULL, 0)),
											  ObjectIdGetDatum(nsp));
	c.permset_type = SchemaType(nsp, "permset");
	c.resource_kind_type = SchemaType(nsp, "resource_kind");
	access_type = SchemaType(nsp, "general_access");
	principal_kind_type = SchemaType(nsp, "principal_kind");
	role_type = SchemaType(nsp, "workspace_role");
	c.res_id = ColumnNumber(tables, c.oids, MT_RESOURCE, "id", UUIDOID);
	c.res_workspace = ColumnNumber(tables, c.oids, MT_RESOURCE, "workspace_id", UUIDOID);
	c.res_kind = ColumnNumber(tables, c.oids, MT_RESOURCE, "kind", c.resource_kind_type);
	c.res_parent = ColumnNumber(tables, c.oids, MT_RESOURCE, "parent_id", UUIDOID);
	c.res_owner = ColumnNumber(tables, c.oids, MT_RESOURCE, "owner_id", UUIDOID);
	c.res_access = ColumnNumber(tables, c.oids, MT_RESOURCE, "general_access", access_type);
	c.res_restricted = ColumnNumber(tables, c.oids, MT_RESOURCE, "restricted", BOOLOID);
	c.res_guest_ai = ColumnNumber(tables, c.oids, MT_RESOURCE, "guest_ai_enabled", BOOLOID);
	c.item_collection = ColumnNumber(tables, c.oids, MT_COLLECTION_ITEM, "collection_id", UUIDOID);
	c.item_resource = ColumnNumber(tables, c.oids, MT_COLLECTION_ITEM, "resource_id", UUIDOID);
	c.ws_id = ColumnNumber(tables, c.oids, MT_WORKSPACE, "id", UUIDOID);
	c.ws_guest_uploads = ColumnNumber(tables, c.oids, MT_WORKSPACE, "allow_guest_uploads", BOOLOID);
	c.ws_guest_access = ColumnNumber(tables, c.oids, MT_WORKSPACE, "guest_access_enabled", BOOLOID);
	c.ws_members_share = ColumnNumber(tables, c.oids, MT_WORKSPACE, "members_can_share", BOOLOID);
	c.ws_edit_own = ColumnNumber(tables, c.oids, MT_WORKSPACE, "member_edit_own_only", BOOLOID);
	c.ws_public_level = ColumnNumber(tables, c.oids, MT_WORKSPACE, "public_access_level", c.permset_type);
	c.ws_track_views = ColumnNumber(tables, c.oids, MT_WORKSPACE, "track_external_views", BOOLOID);
	c.ws_external_sharing = ColumnNumber(tables, c.oids, MT_WORKSPACE, "allow_external_sharing", BOOLOID);
	c.p_id = ColumnNumber(tables, c.oids, MT_PRINCIPAL, "id", UUIDOID);
	c.p_kind = ColumnNumber(tables, c.oids, MT_PRINCIPAL, "kind", principal_kind_type);
	c.p_workspace = ColumnNumber(tables, c.oids, MT_PRINCIPAL, "workspace_id", UUIDOID);
	c.m_workspace = ColumnNumber(tables, c.oids, MT_MEMBER, "workspace_id", UUIDOID);
	c.m_principal = ColumnNumber(tables, c.oids, MT_MEMBER, "principal_id", UUIDOID);
	c.m_role = ColumnNumber(tables, c.oids, MT_MEMBER, "role", role_type);
	c.tm_team = ColumnNumber(tables, c.oids, MT_TEAM_MEMBER, "team_id", UUIDOID);
	c.tm_member = ColumnNumber(tables, c.oids, MT_TEAM_MEMBER, "member_id", UUIDOID);
	c.s_id = ColumnNumber(tables, c.oids, MT_SHARE, "id", UUIDOID);
	c.s_resource = ColumnNumber(tables, c.oids, MT_SHARE, "resource_id", UUIDOID);
	c.s_grantee = ColumnNumber(tables, c.oids, MT_SHARE, "grantee_id", UUIDOID);
	c.s_perms = ColumnNumber(tables, c.oids, MT_SHARE, "perms", c.permset_type);
	c.s_download = ColumnNumber(tables, c.oids, MT_SHARE, "allow_download", BOOLOID);
	c.s_comments = ColumnNumber(tables, c.oids, MT_SHARE, "allow_comments", BOOLOID);
	c.s_approval = ColumnNumber(tables, c.oids, MT_SHARE, "allow_approval", BOOLOID);
	c.s_contribution = ColumnNumber(tables, c.oids, MT_SHARE, "allow_contribution", BOOLOID);
	c.s_expires = ColumnNumber(tables, c.oids, MT_SHARE, "expires_at", TIMESTAMPTZOID);
	c.s_granted_by = ColumnNumber(tables, c.oids, MT_SHARE, "granted_by", UUIDOID);
	c.l_id = ColumnNumber(tables, c.oids, MT_LINK, "id", UUIDOID);
	c.l_resource = ColumnNumber(tables, c.oids, MT_LINK, "resource_id", UUIDOID);
	c.l_perms = ColumnNumber(tables, c.oids, MT_LINK, "perms", c.permset_type);
	c.l_download = ColumnNumber(tables, c.oids, MT_LINK, "allow_download", BOOLOID);
	c.l_comments = ColumnNumber(tables, c.oids, MT_LINK, "allow_comments", BOOLOID);
	c.l_approval = ColumnNumber(tables, c.oids, MT_LINK, "allow_approval", BOOLOID);
	c.l_contribution = ColumnNumber(tables, c.oids, MT_LINK, "allow_contribution", BOOLOID);
	c.l_expires = ColumnNumber(tables, c.oids, MT_LINK, "expires_at", TIMESTAMPTZOID);
	c.l_not_before = ColumnNumber(tables, c.oids, MT_LINK, "not_before", TIMESTAMPTZOID);
	c.l_revoked = ColumnNumber(tables, c.oids, MT_LINK, "revoked_at", TIMESTAMPTZOID);
	c.l_password_hash = ColumnNumber(tables, c.oids, MT_LINK, "password_hash", TEXTOID);
	c.l_max_views = ColumnNumber(tables, c.oids, MT_LINK, "max_views", INT4OID);
	c.l_view_count = ColumnNumber(tables, c.oids, MT_LINK, "view_count", INT8OID);
	c.l_last_viewed = ColumnNumber(tables, c.oids, MT_LINK, "last_viewed_at", TIMESTAMPTZOID);
	c.l_created_by = ColumnNumber(tables, c.oids, MT_LINK, "created_by", UUIDOID);
	c.sk_kid = ColumnNumber(tables, c.oids, MT_SIGNING_KEY, "kid", INT4OID);
	c.sk_secret = ColumnNumber(tables, c.oids, MT_SIGNING_KEY, "secret", BYTEAOID);
	c.sk_retired = ColumnNumber(tables, c.oids, MT_SIGNING_KEY, "retired_at", TIMESTAMPTZOID);
	c.nm_principal = ColumnNumber(tables, c.oids, MT_NOTIFICATION_MUTE, "principal_id", UUIDOID);
	c.rr_review = ColumnNumber(tables, c.oids, MT_REVIEW_REVIEWER, "review_id", UUIDOID);
	c.rr_reviewer = ColumnNumber(tables, c.oids, MT_REVIEW_REVIEWER, "reviewer_id", UUIDOID);
	c.rr_resource = ColumnNumber(tables, c.oids, MT_REVIEW_REVIEWER, "resource_id", UUIDOID);
	c.rr_perms = ColumnNumber(tables, c.oids, MT_REVIEW_REVIEWER, "perms", c.permset_type);
	c.rr_expires = ColumnNumber(tables, c.oids, MT_REVIEW_REVIEWER, "expires_at", TIMESTAMPTZOID);
	c.rr_active = ColumnNumber(tables, c.oids, MT_REVIEW_REVIEWER, "active", BOOLOID);
	c.cl_txid = ColumnNumber(tables, c.oids, MT_CHANGE_LOG, "txid", XID8OID);
	c.cl_kind = ColumnNumber(tables, c.oids, MT_CHANGE_LOG, "kind", CHAROID);
	c.cl_id = ColumnNumber(tables, c.oids, MT_CHANGE_LOG, "id", UUIDOID);
	c.cl_deleted_through = ColumnNumber(tables, c.oids, MT_CHANGE_LOG, "deleted_through", XID8OID);
	c.cl_deleted_kind = ColumnNumber(tables, c.oids, MT_CHANGE_LOG, "deleted_kind", CHAROID);
	EnumMapBuild(&c.resource_kinds, Column(tables, c.oids, MT_RESOURCE, "kind", c.resource_kind_type)->type,
				 resource_kind_labels, 4);
	EnumMapBuild(&c.accesses, Column(tables, c.oids, MT_RESOURCE, "general_access", access_type)->type,
				 access_labels, 3);
	EnumMapBuild(&c.principal_kinds, Column(tables, c.oids, MT_PRINCIPAL, "kind", principal_kind_type)->type,
				 principal_kind_labels, 3);
	EnumMapBuild(&c.roles, Column(tables, c.oids, MT_MEMBER, "role", role_type)->type, role_labels, 5);
	for (i = 0; i <= MT_LAST_READ_TABLE; i++)
		if (tables[i] != NULL)
			pfree(tables[i]);
	c.valid = true;
	if (memcmp(&c, &catalog_seen, sizeof(c)) != 0)
	{
		catalog_seen = c;
		catalog_generation++;
		catalog_fingerprint = hash_bytes_extended((const unsigned char *) &c, sizeof(c), 0);
	}
	catalog = c;
}

/* Changes whenever the model's relations, columns or enum labels are not what they were. */
uint64
CatalogGeneration(void)
{
	return catalog_generation;
}

/*
 * A hash of the facts of the last lookup: equal in every backend of the same
 * installation.  Not of the facts' validity: an invalidation of any relation
 * (autovacuum's statistics, say) marks them to be looked up again, and must
 * not make them differ from another backend's in between.
 */
uint64
CatalogFingerprint(void)
{
	return catalog_fingerprint;
}


/* AttrUuid's error: column n of desc's table holds NULL. */
void
AttrNullError(TupleDesc desc, AttrNumber n)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("a row of a share_acl table holds NULL in column \"%s\"",
					NameStr(TupleDescAttr(desc, n - 1)->attname)),
			 errdetail("share_acl declares the column NOT NULL; the table was altered."),
			 errhint("Restore the constraint (ALTER TABLE … ALTER COLUMN … SET NOT NULL) after mending the rows.")));
}

/* The permset of a share or link row masked by its four toggles (R6). */
Permset
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
TimestampTz
TimestampOr(TupleDesc desc, HeapTuple tup, AttrNumber column, TimestampTz dflt)
{
	bool		isnull;
	Datum		d = Attr(desc, tup, column, &isnull);

	return isnull ? dflt : DatumGetTimestampTz(d);
}

/*
 * Open model table t with lockmode.  Its OID was looked up before the lock
 * was granted: a transaction that dropped the extension (and maybe created
 * it again) and held the table until it committed leaves an OID that names
 * nothing, which is the caller's to run again, not an internal error.
 */
Relation
ModelTableOpen(ModelRel t, LOCKMODE lockmode)
{
	Relation	rel = try_table_open(catalog.oids[t], lockmode);

	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("share_acl was dropped or installed again while this call waited for its tables"),
				 errhint("Run the call again.")));
	return rel;
}

void
ModelScanBegin(ModelScan *ms, ModelRel t, Snapshot snap)
{
	ms->rel = ModelTableOpen(t, AccessShareLock);
	ms->scan = table_beginscan(ms->rel, snap, 0, NULL);
	ms->desc = RelationGetDescr(ms->rel);
}

HeapTuple
ModelScanNext(ModelScan *ms)
{
	CHECK_FOR_INTERRUPTS();
	return heap_getnext(ms->scan, ForwardScanDirection);
}

void
ModelScanEnd(ModelScan *ms)
{
	table_endscan(ms->scan);
	table_close(ms->rel, AccessShareLock);
}

/*
 * The row estimate of a model table: the planner's, or for a table never
 * analyzed, its size in blocks at about 70 rows a block.  At least 0.
 */
int32
ModelEstimatedRows(ModelRel t)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(catalog.oids[t]));
	double		n = -1;

	/* the catalog row first: a backend's first check then opens no relation for it */
	if (HeapTupleIsValid(tup))
	{
		n = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
		ReleaseSysCache(tup);
	}
	if (n < 0)
	{
		Relation	rel = ModelTableOpen(t, AccessShareLock);

		n = (double) RelationGetNumberOfBlocks(rel) * 70;
		table_close(rel, AccessShareLock);
	}
	return n > 0 && n < (double) (PG_INT32_MAX / 4) ? (int32) n : 0;
}

Snapshot
StatementSnapshot(void)
{
	CommandCounterIncrement();
	return RegisterSnapshot(GetTransactionSnapshot());
}

/* Call row(desc, tuple, arg) for every row of table whose indexed column equals key. */
void
IndexScanKey(ModelRel table, ModelRel index, AttrNumber column, RegProcedure eq, Datum key,
			 Snapshot snap, RowCallback row, void *arg)
{
	Relation	rel = ModelTableOpen(table, AccessShareLock);
	Oid			index_id = ModelRelId(index);
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;
	bool		hinted = false;

	/* a uuid key's row where it was last found, if it still is (row_hint.c) */
	if (eq == F_UUID_EQ && RowHintHas(index_id, DatumGetUUIDP(key)))
	{
		TupleTableSlot *slot = table_slot_create(rel, NULL);

		hinted = RowHintFetch(rel, index_id, column, DatumGetUUIDP(key), snap, slot);
		if (hinted)
			row(RelationGetDescr(rel), ExecFetchSlotHeapTuple(slot, false, NULL), arg);
		ExecDropSingleTupleTableSlot(slot);
	}
	if (!hinted)
	{
		ScanKeyInit(&skey, column, BTEqualStrategyNumber, eq, key);
		scan = systable_beginscan(rel, index_id, true, snap, 1, &skey);
		hinted = eq == F_UUID_EQ && scan->irel != NULL && RowHintUsable(scan->irel, column, snap);
		while ((tup = systable_getnext(scan)) != NULL)
		{
			if (hinted)
				RowHintRemember(index_id, DatumGetUUIDP(key), &tup->t_self, scan->slot);
			row(RelationGetDescr(rel), tup, arg);
		}
		systable_endscan(scan);
	}
	table_close(rel, AccessShareLock);
}

void
RowExists(TupleDesc desc, HeapTuple tup, void *arg)
{
	*(bool *) arg = true;
}

/* IndexScanKey on a uuid column. */
void
IndexScanEqual(ModelRel table, ModelRel index, AttrNumber column, const pg_uuid_t *key,
			   Snapshot snap, RowCallback row, void *arg)
{
	IndexScanKey(table, index, column, F_UUID_EQ, UUIDPGetDatum(key), snap, row, arg);
}

/* Collects the uuid in one column of each row into a List of palloc'd uuids. */
typedef struct UuidListCollector
{
	AttrNumber	column;
	List	   *ids;
} UuidListCollector;

static void
CollectUuidRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	UuidListCollector *c = (UuidListCollector *) arg;
	bool		isnull;
	Datum		d = Attr(desc, tup, c->column, &isnull);
	pg_uuid_t  *id;

	if (isnull)
		return;
	id = palloc(sizeof(pg_uuid_t));
	*id = *DatumGetUUIDP(d);
	c->ids = lappend(c->ids, id);
}

/*
 * The uuids in column of the rows of table whose indexed key_column equals
 * key, under snap, as a List allocated in the current memory context (a
 * NULL in column adds nothing).
 */
List *
IndexScanUuids(ModelRel table, ModelRel index, AttrNumber key_column, const pg_uuid_t *key,
			   AttrNumber column, Snapshot snap)
{
	UuidListCollector c = {column, NIL};

	IndexScanEqual(table, index, key_column, key, snap, CollectUuidRow, &c);
	return c.ids;
}

static void
PrincipalRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	RowFacts   *f = arg;
	bool		isnull;
	Datum		d;

	f->found = true;
	f->kind = EnumMapValue(&catalog.principal_kinds, Attr(desc, tup, catalog.p_kind, &isnull),
						   PK_UNKNOWN);
	d = Attr(desc, tup, catalog.p_workspace, &isnull);
	f->has_workspace = !isnull;
	if (!isnull)
		f->workspace = *DatumGetUUIDP(d);
}

static void
ResourceRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	RowFacts   *f = arg;
	bool		isnull;
	Datum		d = Attr(desc, tup, catalog.res_workspace, &isnull);

	f->found = true;
	f->has_workspace = !isnull;
	if (!isnull)
		f->workspace = *DatumGetUUIDP(d);
}

/* The principal id's kind and workspace, read under snap by its primary key (f->found: there is one). */
void
PrincipalFacts(const pg_uuid_t *id, Snapshot snap, RowFacts *f)
{
	memset(f, 0, sizeof(*f));
	CatalogLookup();
	IndexScanEqual(MT_PRINCIPAL, MT_PRINCIPAL_PKEY, catalog.p_id, id, snap, PrincipalRow, f);
}

/* The resource id's workspace, read under snap by its primary key (f->found: there is one). */
void
ResourceFacts(const pg_uuid_t *id, Snapshot snap, RowFacts *f)
{
	memset(f, 0, sizeof(*f));
	CatalogLookup();
	IndexScanEqual(MT_RESOURCE, MT_RESOURCE_PKEY, catalog.res_id, id, snap, ResourceRow, f);
}
