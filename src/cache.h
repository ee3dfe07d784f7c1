/*
 * cache.h — the backend-local copy of the model that the engine reads.
 *
 * Two parts, each loaded in bulk with heap scans under the latest snapshot
 * and dropped through relcache invalidation when its tables change:
 *
 *  - the structure: resources and collection items (large, changes rarely);
 *  - the grants: workspaces and policies, principals, members, team edges,
 *    shares (small, changes often).  The grants refer to the structure by
 *    index, so a structure reload also reloads the grants.
 *
 * Nothing here is ever "allowed" state: expiry is kept as a timestamp and
 * judged by the engine against the transaction time at every call.
 */
#ifndef SHARE_ACL_CACHE_H
#define SHARE_ACL_CACHE_H

#include "postgres.h"

#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "permset.h"

/* enum values, in the order of the SQL enums */
typedef enum PrincipalKind { PK_USER, PK_EXTERNAL, PK_TEAM } PrincipalKind;
typedef enum WorkspaceRole
{
	ROLE_NONE = -1, ROLE_OWNER = 0, ROLE_ADMIN, ROLE_MEMBER, ROLE_GUEST, ROLE_VIEWER
} WorkspaceRole;
typedef enum ResourceKind { RK_PROJECT, RK_COLLECTION, RK_ASSET, RK_CONVERSATION } ResourceKind;
typedef enum GeneralAccess { GA_PRIVATE, GA_SHARED, GA_PUBLIC } GeneralAccess;

#define ROLE_IS_INTERNAL(r)		((r) == ROLE_OWNER || (r) == ROLE_ADMIN || (r) == ROLE_MEMBER)

/* ResourceNode.flags */
#define RES_RESTRICTED		0x01
#define RES_GUEST_AI		0x02
#define RES_HAS_CHILDREN	0x04	/* a parent or a non-empty collection */

/* An open-addressing index from uuid to a position in an array of records. */
typedef struct UuidIndex
{
	int32	   *buckets;		/* -1 = empty, else record index */
	uint32		mask;
	const char *base;			/* first record */
	Size		stride;			/* record size; the uuid is at offset 0 */
} UuidIndex;

typedef struct ResourceNode
{
	pg_uuid_t	id;				/* must stay first (UuidIndex) */
	int32		parent;			/* node index, or -1 */
	int32		owner;			/* index into owner_ids, or -1 */
	int32		coll_head;		/* first CollectionLink of the collections holding it */
	int32		project;		/* enclosing top-level project, or -1 */
	uint16		workspace;		/* index into workspace_ids */
	uint8		kind;			/* ResourceKind */
	uint8		access;			/* GeneralAccess */
	uint8		flags;			/* RES_* */
} ResourceNode;

typedef struct CollectionLink
{
	int32		collection;		/* node index of the collection */
	int32		next;			/* next link of the same resource, or -1 */
} CollectionLink;

typedef struct StructureCache
{
	uint64		build_id;		/* changes at every load */
	int32		nresources;
	ResourceNode *resources;
	UuidIndex	resource_index;
	int32		nlinks;
	CollectionLink *links;
	int32		nowners;		/* distinct resource owners */
	pg_uuid_t  *owner_ids;
	UuidIndex	owner_index;
	int32		nworkspaces;	/* workspaces that have resources */
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

typedef struct PrincipalInfo
{
	pg_uuid_t	id;				/* must stay first */
	uint8		kind;			/* PrincipalKind */
	int32		team_of_head;	/* first TeamEdge listing the teams it is in */
	int32		members_head;	/* for a team: first TeamEdge listing its members */
	int32		shares_head;	/* first share granted to it (Share.next_of_grantee) */
	int32		owner_key;		/* its index in StructureCache.owner_ids, or -1 */
} PrincipalInfo;

typedef struct TeamEdge
{
	int32		other;			/* the team (team_of list) or the member (members list) */
	int32		next;
} TeamEdge;

typedef struct Share
{
	pg_uuid_t	id;
	int32		resource;		/* node index */
	int32		grantee;		/* principal index */
	Permset		perms;			/* already masked by its toggles (R6) */
	TimestampTz expires_at;		/* DT_NOEND when it never expires */
	int32		next_of_grantee;
	int32		next_of_resource;
} Share;

typedef struct MembershipEntry
{
	uint64		key;			/* workspace index << 32 | principal index */
	int8		role;			/* WorkspaceRole */
	char		status;
} MembershipEntry;

typedef struct GrantsCache
{
	uint64		build_id;
	uint64		structure_build_id; /* the structure its indexes refer to */
	int32		nworkspaces;
	WorkspaceInfo *workspaces;
	UuidIndex	workspace_index;
	int32	   *ws_of_structure;	/* structure workspace index -> ours (-1 if gone) */
	int32		nprincipals;
	PrincipalInfo *principals;
	UuidIndex	principal_index;
	int32		nedges;
	TeamEdge   *edges;
	int32		nshares;
	Share	   *shares;
	struct membership_hash *memberships;
	struct int32map_hash *shares_of_resource;	/* node index -> first share */
	int32	   *members_of_ws_head;	/* per workspace: first entry of members list */
	int32	   *member_list;		/* (principal, next) pairs */
	int32		nmember_list;
} GrantsCache;

/* Settings */
extern int	share_acl_cache_size_mb;

extern void CacheRegisterCallbacks(void);
extern StructureCache *CacheGetStructure(void);
extern GrantsCache *CacheGetGrants(void);
extern int32 UuidIndexLookup(const UuidIndex *index, const pg_uuid_t *id);
extern WorkspaceRole CacheRoleOf(GrantsCache *g, int32 ws, int32 principal);
extern int32 CacheFirstShareOfResource(GrantsCache *g, int32 node);
extern Size CacheMemoryUsed(void);
extern MemoryContext CacheGrantsContext(void);

#endif							/* SHARE_ACL_CACHE_H */
