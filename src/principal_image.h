/*
 * principal_image.h — what the principal store keeps about one principal,
 * the grant sets it is made of, and the store's shared image.
 *
 * Owned by principal_image.c: the grant-set layout (grants sorted by
 * resource, with an open-addressing table of each resource's first grant:
 * no pointers, so a set can live in a mapped file), and the image of every
 * principal of the database — kind, roles, direct teams and grants — read
 * in one pass by a backend and mapped by the others (image.h), so that a
 * principal a backend has never seen is answered from memory.
 */
#ifndef SHARE_ACL_PRINCIPAL_IMAGE_H
#define SHARE_ACL_PRINCIPAL_IMAGE_H

#include "postgres.h"

#include "utils/snapshot.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "catalog.h"
#include "change_log.h"
#include "invalidation.h"
#include "maps.h"
#include "uuid_index.h"

/*
 * A share, or the grant of an open review to one of its reviewers, as a
 * principal's grants keep it.
 */
typedef struct GrantRecord
{
	pg_uuid_t	resource_id;
	pg_uuid_t	share_id;		/* the share's id, or the review's */
	pg_uuid_t	grantee_id;		/* the principal or one of its teams */
	Permset		perms;			/* already masked by its toggles (R6) */
	TimestampTz expires_at;		/* DT_NOEND when it never expires */
	bool		review;			/* a review's grant, not a share */
} GrantRecord;

/* Fill *g from a share row, or from an active review_reviewer row (false when inactive). */
extern void GrantFromShare(TupleDesc desc, HeapTuple tup, const pg_uuid_t *grantee, GrantRecord *g);
extern bool GrantFromReview(TupleDesc desc, HeapTuple tup, const pg_uuid_t *grantee, GrantRecord *g);

/*
 * A set of grants sorted by resource id (the grants of one resource are
 * adjacent), and an open-addressing table from the resource id's hash under
 * key to the first grant of that resource.  filter has two bits set for each
 * resource (picked by the hash's high bits): a resource one of whose two
 * bits is clear has no grant in the set, found without reading the table
 * or the grants (memory no cache holds, for a principal that a backend
 * checks for the first time, at each resource above the one checked).
 */
typedef struct GrantSet
{
	int32		n;
	uint32		mask;			/* table size - 1 */
	uint64		filter;
	const GrantRecord *grants;
	const int32 *slots;			/* a grant index, or -1 (empty) */
	const uint64 *key;			/* the hash key of the table */
} GrantSet;

/* The filter bits of a resource whose hash is hash. */
static inline uint64
GrantSetFilterBits(uint32 hash)
{
	return (UINT64CONST(1) << ((hash >> 20) & 63)) | (UINT64CONST(1) << (hash >> 26));
}

/* The hash of a resource id in set's table. */
static inline uint32
GrantSetHash(const GrantSet *set, const pg_uuid_t *id)
{
	return uuid_hash_with_key(set->key, id);
}

/* The first grant of set on resource id (whose GrantSetHash is hash), or -1. */
static inline int32
GrantSetFirst(const GrantSet *set, const pg_uuid_t *id, uint32 hash)
{
	uint64		bits = GrantSetFilterBits(hash);
	uint32		b;

	if ((set->filter & bits) != bits)
		return -1;				/* (so too for an empty set: its filter is 0) */
	for (b = hash & set->mask;; b = (b + 1) & set->mask)
	{
		int32		i = set->slots[b];

		if (i < 0)
			return -1;
		if (uuid_equal(&set->grants[i].resource_id, id))
			return i;
	}
}

/* The grant after i on the same resource, or -1. */
static inline int32
GrantSetNext(const GrantSet *set, int32 i)
{
	return i + 1 < set->n &&
		uuid_equal(&set->grants[i + 1].resource_id, &set->grants[i].resource_id) ? i + 1 : -1;
}

extern uint32 GrantSetTableSize(int32 n);
extern void GrantSetBuild(GrantSet *set, GrantRecord *grants, int32 n, int32 *slots,
						  const uint64 *key);

typedef struct MembershipRecord
{
	pg_uuid_t	workspace_id;
	WorkspaceRole role;
} MembershipRecord;

/* What the store keeps about one principal id. */
typedef struct StoredPrincipal
{
	pg_uuid_t	id;				/* hash key */
	bool		exists;
	PrincipalKind kind;
	TransientTag transient;		/* read under a query's snapshot (see CacheTransientTag) */
	int32		nmemberships;
	const MembershipRecord *memberships;
	int32		nteams;
	const pg_uuid_t *teams;		/* the teams directly containing it */
	GrantSet	grants;			/* the shares granted to it */
} StoredPrincipal;

/* The principal store's image, as a backend maps it. */
typedef struct PrincipalImage
{
	bool		valid;
	int32		nprincipals;
	int32		nmemberships;
	int32		nteams;
	int32		ngrants;
	int32		nslots;
	const struct ImagePrincipal *principals;
	const MembershipRecord *memberships;
	const pg_uuid_t *teams;
	const GrantRecord *grants;
	const int32 *slots;
	UuidIndex	index;
	uint64	   *checked;		/* a bit per entry that passed its checks (or NULL) */
} PrincipalImage;

extern bool PrincipalImageWrite(Snapshot snap, const ChangeLogPosition *pos, Size limit);
extern bool PrincipalImageMap(PrincipalImage *img, ChangeLogPosition *pos);
extern void PrincipalImageRelease(PrincipalImage *img);
/* What the image says of a principal. */
typedef enum PrincipalImageAnswer
{
	PRINCIPAL_IMAGE_ABSENT,		/* no such principal */
	PRINCIPAL_IMAGE_FOUND,
	PRINCIPAL_IMAGE_DAMAGED		/* its entry fails its checks: read the table */
} PrincipalImageAnswer;

extern PrincipalImageAnswer PrincipalImageLookup(const PrincipalImage *img, const pg_uuid_t *id,
												 StoredPrincipal *out);

#endif							/* SHARE_ACL_PRINCIPAL_IMAGE_H */
