/*
 * catalog.h — where the model is in the catalogs, and how to read its rows.
 *
 * Owns the relation OIDs of the model tables and the indexes read on demand,
 * their column numbers, the enum label OIDs, the C enums those labels map to,
 * and small helpers to scan a table or an index under a snapshot.  The facts
 * are looked up once and again after DDL (the extension dropped, re-created
 * or updated).
 */
#ifndef SHARE_ACL_CATALOG_H
#define SHARE_ACL_CATALOG_H

#include "postgres.h"

#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/tupdesc.h"
#include "executor/tuptable.h"
#include "nodes/pg_list.h"
#include "storage/lockdefs.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "permset.h"

/*
 * enum values, in the order of the SQL enums.  A label the C code does not
 * know (added by ALTER TYPE … ADD VALUE) reads as the *_UNKNOWN value, which
 * the engine treats as granting nothing (fail closed).  An unknown general
 * access reads as private.
 */
typedef enum PrincipalKind { PK_USER, PK_EXTERNAL, PK_TEAM, PK_UNKNOWN } PrincipalKind;
typedef enum WorkspaceRole
{
	ROLE_NONE = -1, ROLE_OWNER = 0, ROLE_ADMIN, ROLE_MEMBER, ROLE_GUEST, ROLE_VIEWER,
	ROLE_UNKNOWN
} WorkspaceRole;
typedef enum ResourceKind
{
	RK_PROJECT, RK_COLLECTION, RK_ASSET, RK_CONVERSATION, RK_UNKNOWN = 15
} ResourceKind;
typedef enum GeneralAccess { GA_PRIVATE, GA_SHARED, GA_PUBLIC } GeneralAccess;

#define ROLE_IS_INTERNAL(r)		((r) == ROLE_OWNER || (r) == ROLE_ADMIN || (r) == ROLE_MEMBER)

extern const char *const role_labels[];
extern const char *const resource_kind_labels[];

/* The model relations: tables, the indexes read on demand, the signal relations. */
typedef enum ModelRel
{
	MT_RESOURCE, MT_COLLECTION_ITEM, MT_WORKSPACE, MT_PRINCIPAL, MT_MEMBER, MT_TEAM_MEMBER,
	MT_SHARE, MT_LINK, MT_REVIEW_REVIEWER, MT_SIGNING_KEY, MT_CHANGE_LOG,
	MT_NOTIFICATION_MUTE, MT_LINK_VIEW, MT_ID_REGISTRY,	/* written or read by the API; */
	MT_NOTIFICATION, MT_NOTIFICATION_PREFERENCE,	/* no cache follows them */
	MT_RESOURCE_PKEY, MT_COLLECTION_ITEM_BY_RESOURCE,
	MT_PRINCIPAL_PKEY, MT_MEMBER_PKEY, MT_MEMBER_BY_PRINCIPAL,
	MT_TEAM_MEMBER_PKEY, MT_TEAM_MEMBER_BY_MEMBER, MT_SHARE_PKEY, MT_SHARE_BY_RESOURCE, MT_SHARE_BY_GRANTEE,
	MT_LINK_PKEY, MT_LINK_BY_RESOURCE, MT_REVIEW_REVIEWER_BY_REVIEWER, MT_REVIEW_REVIEWER_BY_RESOURCE,
	MT_CHANGE_LOG_BY_KIND_TXID, MT_SIGNING_KEY_PKEY, MT_WORKSPACE_PKEY, MT_NOTIFICATION_MUTE_PKEY,
	MT_ID_REGISTRY_PKEY, MT_NOTIFICATION_PREFERENCE_PKEY, MT_RESOURCE_BY_PARENT, MT_COLLECTION_ITEM_PKEY,
	/* the signal relations (invalidation.c): one per invalidation group */
	MT_SIGNAL_STRUCTURE, MT_SIGNAL_WORKSPACES, MT_SIGNAL_PRINCIPALS, MT_SIGNAL_LINKS,
	MT_COUNT
} ModelRel;

#define MT_LAST_TABLE		MT_CHANGE_LOG	/* the last table the caches follow */
#define MT_FIRST_INDEX		MT_RESOURCE_PKEY	/* the indexes: looked up at first use */
#define MT_LAST_INDEX		MT_COLLECTION_ITEM_PKEY
#define MT_LAST_READ_TABLE	MT_NOTIFICATION_PREFERENCE	/* the last table whose columns are looked up */

/* Enum label OIDs, in the order of a C enum. */
typedef struct EnumMap
{
	Oid			oids[8];
	int			n;
} EnumMap;

typedef struct ModelCatalog
{
	bool		valid;
	Oid			schema;			/* share_acl's schema */
	Oid			oids[MT_COUNT];	/* an index's InvalidOid until ModelRelId() */
	Oid			change_log_owner;	/* the triggers write the log as this role */
	Oid			change_log_written_fn;	/* its trigger counting writers, or InvalidOid */
	Oid			permset_type, resource_kind_type;	/* share_acl's types */
	AttrNumber	res_id, res_workspace, res_kind, res_parent, res_owner, res_access,
				res_restricted, res_guest_ai;
	AttrNumber	item_collection, item_resource;
	AttrNumber	ws_id, ws_guest_uploads, ws_guest_access, ws_members_share, ws_edit_own,
				ws_public_level, ws_track_views, ws_external_sharing;
	AttrNumber	p_id, p_kind, p_workspace;
	AttrNumber	m_workspace, m_principal, m_role;
	AttrNumber	tm_team, tm_member;
	AttrNumber	s_id, s_resource, s_grantee, s_perms, s_download, s_comments, s_approval,
				s_contribution, s_expires, s_granted_by;
	AttrNumber	l_id, l_resource, l_perms, l_download, l_comments, l_approval, l_contribution,
				l_expires, l_not_before, l_revoked, l_password_hash, l_max_views, l_view_count,
				l_last_viewed, l_created_by;
	AttrNumber	sk_kid, sk_secret, sk_retired;
	AttrNumber	nm_principal;
	AttrNumber	rr_review, rr_reviewer, rr_resource, rr_perms, rr_expires, rr_active;
	AttrNumber	cl_txid, cl_kind, cl_id, cl_deleted_through, cl_deleted_kind;
	EnumMap		resource_kinds, accesses, principal_kinds, roles;
} ModelCatalog;

/* The catalog facts; valid only after CatalogLookup() in this transaction. */
extern ModelCatalog catalog;

extern void CatalogInit(void);
extern void CatalogLookup(void);
extern uint64 CatalogGeneration(void);
extern uint64 CatalogFingerprint(void);
extern ModelRel CatalogTableOf(Oid relid);
extern Oid	ModelRelId(ModelRel t);
extern int	EnumMapValue(const EnumMap *map, Datum d, int unknown);
extern AttrNumber ColumnOfType(TupleDesc desc, const char *name, Oid type);

/* Reading rows */
static inline Datum
Attr(TupleDesc desc, HeapTuple tup, AttrNumber n, bool *isnull)
{
	return heap_getattr(tup, n, desc, isnull);
}

extern void AttrNullError(TupleDesc desc, AttrNumber n) pg_attribute_noreturn();

/*
 * A uuid column that the model declares NOT NULL (a key, or what a row
 * belongs to): its value; an error, never a crash, when an owner has
 * altered the table and the row holds NULL.
 */
static inline pg_uuid_t
AttrUuid(TupleDesc desc, HeapTuple tup, AttrNumber n)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, n, desc, &isnull);

	if (unlikely(isnull))
		AttrNullError(desc, n);
	return *DatumGetUUIDP(d);
}

extern Permset MaskedPerms(TupleDesc desc, HeapTuple tup, AttrNumber perms, AttrNumber download,
						   AttrNumber comments, AttrNumber approval, AttrNumber contribution);
extern TimestampTz TimestampOr(TupleDesc desc, HeapTuple tup, AttrNumber column, TimestampTz dflt);

/* A heap scan of a model table under a snapshot. */
typedef struct ModelScan
{
	Relation	rel;
	TableScanDesc scan;
	TupleDesc	desc;
} ModelScan;

extern Relation ModelTableOpen(ModelRel t, LOCKMODE lockmode);
extern void ModelScanBegin(ModelScan *ms, ModelRel t, Snapshot snap);
extern HeapTuple ModelScanNext(ModelScan *ms);
extern void ModelScanEnd(ModelScan *ms);
extern int32 ModelEstimatedRows(ModelRel t);

/*
 * The snapshot a statement run now would read with (registered: the caller
 * unregisters it): after this command's changes, the latest one in READ
 * COMMITTED, the transaction's above.
 */
extern Snapshot StatementSnapshot(void);

/* Index scans for equality on one column (a uuid, or any with its equality function). */
typedef void (*RowCallback) (TupleDesc desc, HeapTuple tup, void *arg);
/* RowCallback: *arg (a bool) is set, a row was found */
extern void RowExists(TupleDesc desc, HeapTuple tup, void *arg);

extern void IndexScanKey(ModelRel table, ModelRel index, AttrNumber column, RegProcedure eq,
						 Datum key, Snapshot snap, RowCallback row, void *arg);
extern void IndexScanEqual(ModelRel table, ModelRel index, AttrNumber column, const pg_uuid_t *key,
						   Snapshot snap, RowCallback row, void *arg);
extern List *IndexScanUuids(ModelRel table, ModelRel index, AttrNumber key_column,
							const pg_uuid_t *key, AttrNumber column, Snapshot snap);

/* What the management code reads of a principal or resource row by its key. */
typedef struct RowFacts
{
	bool		found;
	PrincipalKind kind;			/* (a principal's) */
	bool		has_workspace;
	pg_uuid_t	workspace;
} RowFacts;

extern void PrincipalFacts(const pg_uuid_t *id, Snapshot snap, RowFacts *f);
extern void ResourceFacts(const pg_uuid_t *id, Snapshot snap, RowFacts *f);

/* A uuid column of the row in slot into *out; false when it is NULL. */
static inline bool
SlotUuid(TupleTableSlot *slot, AttrNumber column, pg_uuid_t *out)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, column, &isnull);

	if (!isnull)
		*out = *DatumGetUUIDP(d);
	return !isnull;
}

#endif							/* SHARE_ACL_CATALOG_H */
