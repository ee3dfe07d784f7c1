/*
 * cache.h — the backend-local copy of the model that the engine reads.
 *
 * Two independent parts, each dropped through relcache invalidation when one
 * of its tables changes:
 *
 *  - the structure: resources and collection items.  Loaded in bulk when it
 *    fits in share_acl.cache_size; otherwise kept "partial": each resource is
 *    read (with its ancestors) by index scans the first time a check needs it,
 *    and the whole part is emptied when it outgrows the bound.
 *  - the grants: workspaces and their policies (small), loaded in bulk.
 *
 * What concerns one principal (roles, teams, shares) is read per principal
 * with index scans (PrincipalData) and kept by the engine; those contexts are
 * dropped when principal, member, team_member or share change, which is
 * cheap, so writes of shares do not make every backend reload everything.
 *
 * Nothing here is ever "allowed" state: expiry is kept as a timestamp and
 * judged by the engine against the transaction time at every call.
 */
#ifndef SHARE_ACL_CACHE_H
#define SHARE_ACL_CACHE_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "maps.h"
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

/*
 * An open-addressing index from uuid to a position in an array of records.
 * A bucket holds the record index in its low bits (record_mask: 24 bits at
 * first, more as the records grow, up to 31) and bits of the hash above
 * them, so a probe touches a record only when those bits match.
 */
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
} UuidIndex;

/* ResourceNode.flags */
#define RES_RESTRICTED		0x01
#define RES_GUEST_AI		0x02
#define RES_HAS_CHILDREN	0x04	/* a parent or a non-empty collection */

typedef struct ResourceNode
{
	pg_uuid_t	id;				/* must stay first (UuidIndex) */
	int32		parent;			/* node index, or -1 */
	int32		owner;			/* index into owner_ids, or -1 */
	int32		coll_head;		/* first CollectionLink of the collections holding it */
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
	uint64		build_id;		/* changes at every load or trim */
	bool		partial;		/* nodes are read on demand */
	int32		nresources;
	int32		rescap;
	ResourceNode *resources;
	UuidIndex	resource_index;
	int32		nlinks;
	int32		linkcap;
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

typedef struct WorkspaceInfo
{
	pg_uuid_t	id;				/* must stay first */
	bool		allow_guest_uploads;
	bool		guest_access_enabled;
	bool		members_can_share;
	bool		member_edit_own_only;
	Permset		public_access_level;
} WorkspaceInfo;

/* The workspaces and their policies, loaded in bulk. */
typedef struct GrantsCache
{
	uint64		build_id;
	int32		nworkspaces;
	WorkspaceInfo *workspaces;
	UuidIndex	workspace_index;
} GrantsCache;

/* A share as a principal's context keeps it. */
typedef struct GrantRecord
{
	pg_uuid_t	resource_id;
	pg_uuid_t	share_id;
	pg_uuid_t	grantee_id;		/* the principal or one of its teams */
	Permset		perms;			/* already masked by its toggles (R6) */
	TimestampTz expires_at;		/* DT_NOEND when it never expires */
} GrantRecord;

/*
 * A set of grants indexed by resource id: heads maps a resource to its first
 * grant, next[i] is the next grant of the same resource, or -1.
 */
typedef struct GrantSet
{
	int32		n;
	GrantRecord *grants;
	struct uuidmap_hash *heads;
	int32	   *next;
} GrantSet;

/* The first grant of set on the resource whose id hashes to hash, or -1. */
static inline int32
GrantSetFirst(const GrantSet *set, const pg_uuid_t *id, uint32 hash)
{
	UuidMapEntry *e;

	if (set->n == 0)
		return -1;
	e = uuidmap_lookup_hash(set->heads, *id, hash);
	return e ? e->value : -1;
}

extern void GrantSetIndex(GrantSet *set);

typedef struct MembershipRecord
{
	pg_uuid_t	workspace_id;
	WorkspaceRole role;
} MembershipRecord;

/*
 * Everything about one principal that the rules need, read with index scans
 * when a check first asks for it: its kind, its roles, every team containing
 * it (transitively), the shares granted to it, and those granted to each of
 * its teams (kept once per team by cache.c, valid until the next change of
 * principal data: see CachePrincipalsCheck).
 */
typedef struct PrincipalData
{
	bool		exists;
	bool		transient;		/* read under the query's snapshot (see CacheTransientTag) */
	PrincipalKind kind;
	int32		nmemberships;
	MembershipRecord *memberships;
	bool		grants_loaded;	/* teams and grants below are read (CacheLoadPrincipalGrants) */
	int32		nteams;
	pg_uuid_t  *teams;
	const GrantSet **team_grants;	/* per team */
	GrantSet	own;			/* granted to the principal itself */
} PrincipalData;

/* A share link, as the link context of a transaction needs it (R7). */
typedef struct LinkData
{
	bool		exists;
	bool		transient;		/* read under the query's snapshot (see CacheTransientTag) */
	pg_uuid_t	resource_id;
	Permset		perms;			/* already masked by its toggles (R6) */
	TimestampTz expires_at;		/* DT_NOEND when it never expires */
	TimestampTz not_before;		/* DT_NOBEGIN when it has no start */
	bool		revoked;
} LinkData;

/* The record index of id in index, or -1. */
static inline int32
UuidIndexLookup(const UuidIndex *index, const pg_uuid_t *id)
{
	uint32		h,
				b,
				tag_mask = ~index->record_mask;

	if (index->buckets == NULL)
		return -1;
	h = uuid_key_hash(id);
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

/*
 * In parallel mode no new snapshot may be taken, so what is read there uses
 * the query's snapshot and is "transient": tagged with the statement that
 * read it, and valid only during that statement while it is still in
 * parallel mode (a later statement of a READ COMMITTED transaction has a
 * newer snapshot).  Tag 0 means "valid until invalidated".
 */
typedef uint64 TransientTag;

extern void CacheBeginStatement(void);
extern TransientTag CacheTransientTag(bool transient);
extern bool CacheTransientValid(TransientTag tag);

/* Settings */
extern int	share_acl_cache_size_mb;

extern void CacheInit(void);
extern StructureCache *CacheGetStructure(void);
extern GrantsCache *CacheGetGrants(void);
extern int32 CacheLookupNode(StructureCache *s, const pg_uuid_t *id);
extern void CacheScanResources(void (*visit) (const pg_uuid_t *id, ResourceKind kind, void *arg),
							   void *arg);
extern uint64 CachePrincipalsCheck(void);
extern bool CacheLoadPrincipal(const pg_uuid_t *id, PrincipalData *out);
extern void CacheLoadPrincipalGrants(const pg_uuid_t *id, PrincipalData *out);
extern int	CachePrincipalKind(const pg_uuid_t *id);
extern List *CacheWorkspaceMembers(const pg_uuid_t *workspace_id);
extern List *CacheGranteesOf(const pg_uuid_t *resource_id);
extern List *CacheTeamMembers(const pg_uuid_t *team_id);
extern uint64 CacheLinksGeneration(void);
extern void CacheLoadLink(const pg_uuid_t *id, LinkData *out);
extern Size CacheStructureMemory(void);

#endif							/* SHARE_ACL_CACHE_H */
