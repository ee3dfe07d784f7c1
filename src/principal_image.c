/*
 * principal_image.c — grant sets, and the shared image of the principal
 * store (principal_image.h).
 *
 * The image holds every principal of the database as of one snapshot: an
 * array of ImagePrincipal (id, kind, and where its roles, direct teams,
 * grants and grant table are in the four arrays that follow) and a uuid
 * index over it.  It is read by one backend in one pass over principal,
 * member, team_member and share (four sequential scans, instead of four
 * index scans per principal), written with image.c and mapped by every
 * backend; the store (principals.c) reads the principals that changed since
 * the image's position with index scans, as it does without an image.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "port/pg_crc32c.h"
#include "utils/memutils.h"

#include "image.h"
#include "permset_sql.h"
#include "principal_image.h"

/* One principal in the image; positions are record numbers in the arrays. */
typedef struct ImagePrincipal
{
	pg_uuid_t	id;				/* first: the index's record key */
	int32		kind;
	int32		nmemberships,
				memberships;
	int32		nteams,
				teams;
	int32		ngrants,
				grants;
	uint32		mask;			/* its grant table: mask + 1 slots (none without grants) */
	int32		slots;
	pg_crc32c	check;			/* EntryCheck: the entry and the rows it points to */
	uint64		filter;			/* its grant set's (GrantSet) */
} ImagePrincipal;

typedef struct PrincipalImageHeader
{
	ImageCommon common;
	int32		nprincipals,
				nmemberships,
				nteams,
				ngrants,
				nslots;
	Size		principals,
				memberships,
				teams,
				grants,
				slots;			/* offsets */
	ImageIndex	index;
} PrincipalImageHeader;

/* ---------------------------------------------------------------------------
 * Grant sets
 * ------------------------------------------------------------------------- */

/* The table size of a set of n grants: a power of two, at least twice n (0 for none). */
uint32
GrantSetTableSize(int32 n)
{
	return n == 0 ? 0 : pg_nextpower2_32((uint32) Max(2 * n, 2));
}

/* By resource, then share (so that the order is the same in every backend). */
static int
GrantOrder(const void *a, const void *b)
{
	const GrantRecord *ga = a;
	const GrantRecord *gb = b;
	int			c = memcmp(&ga->resource_id, &gb->resource_id, sizeof(pg_uuid_t));

	return c != 0 ? c : memcmp(&ga->share_id, &gb->share_id, sizeof(pg_uuid_t));
}

/*
 * Make set the set of the n grants (sorted here, in place) with its table in
 * slots (GrantSetTableSize(n) entries), hashed under key.
 */
void
GrantSetBuild(GrantSet *set, GrantRecord *grants, int32 n, int32 *slots, const uint64 *key)
{
	uint32		size = GrantSetTableSize(n);
	int32		i;

	set->n = n;
	set->mask = size > 0 ? size - 1 : 0;
	set->filter = 0;
	set->grants = grants;
	set->slots = slots;
	set->key = key;
	if (n == 0)
		return;
	qsort(grants, n, sizeof(GrantRecord), GrantOrder);
	for (i = 0; i < (int32) size; i++)
		slots[i] = -1;
	for (i = 0; i < n; i++)
	{
		uint32		b;

		uint32		hash;

		if (i > 0 && uuid_equal(&grants[i].resource_id, &grants[i - 1].resource_id))
			continue;
		hash = uuid_hash_with_key(key, &grants[i].resource_id);
		set->filter |= GrantSetFilterBits(hash);
		b = hash & set->mask;
		while (slots[b] >= 0)
			b = (b + 1) & set->mask;
		slots[b] = i;
	}
}

/* ---------------------------------------------------------------------------
 * Writing the image
 * ------------------------------------------------------------------------- */

/* Rows of one table, each belonging to a principal (by its record number). */
typedef struct OwnedRows
{
	int32		n;
	int32		cap;
	int32	   *owner;
	char	   *records;
	Size		elem;
} OwnedRows;

/* Room for one more row; returns where its record goes. */
static void *
OwnedRowsAdd(OwnedRows *rows, int32 owner)
{
	int32		cap = rows->cap;

	rows->records = GrowArray(rows->records, rows->n, &cap, rows->elem);
	rows->owner = GrowArray(rows->owner, rows->n, &rows->cap, sizeof(int32));
	rows->owner[rows->n] = owner;
	return rows->records + (Size) rows->n++ * rows->elem;
}

/*
 * The records of rows grouped by owner (a counting sort, stable); each
 * owner's first record number and count go to first[owner] and count[owner].
 */
static char *
GroupByOwner(const OwnedRows *rows, int32 nowners, int32 *first, int32 *count)
{
	char	   *grouped = palloc(Max(rows->elem * (Size) rows->n, 1));
	int32	   *next = palloc0(sizeof(int32) * (Size) Max(nowners, 1));
	int32		i,
				at = 0;

	memset(count, 0, sizeof(int32) * (Size) nowners);
	for (i = 0; i < rows->n; i++)
		count[rows->owner[i]]++;
	for (i = 0; i < nowners; i++)
	{
		first[i] = at;
		next[i] = at;
		at += count[i];
	}
	for (i = 0; i < rows->n; i++)
		memcpy(grouped + (Size) next[rows->owner[i]]++ * rows->elem,
			   rows->records + (Size) i * rows->elem, rows->elem);
	pfree(next);
	return grouped;
}

/* The record number of the principal id names, or -1. */
static int32
OwnerOf(uuidmap_hash *ids, TupleDesc desc, HeapTuple tup, AttrNumber column)
{
	bool		isnull;
	Datum		d = Attr(desc, tup, column, &isnull);
	UuidMapEntry *e;

	if (isnull)
		return -1;
	e = uuidmap_lookup(ids, *DatumGetUUIDP(d));
	return e ? e->value : -1;
}

/* What the layout of this build is. */
static void
PrincipalLayout(uint32 *layout)
{
	layout[0] = sizeof(ImagePrincipal);
	layout[1] = sizeof(MembershipRecord);
	layout[2] = sizeof(GrantRecord);
	layout[3] = 2;				/* a check per entry (pg_uuid_t's size before) */
}

/*
 * The checksum of principal p's entry (its check field excluded) and of the
 * rows of the four arrays that it points to (each array given from its
 * first row), so that a damaged role, team, grant or grant-table slot is
 * found as one in the entry itself.  The ranges must be within the arrays.
 */
static pg_crc32c
EntryCheck(const ImagePrincipal *p, const MembershipRecord *memberships,
		   const pg_uuid_t *teams, const GrantRecord *grants, const int32 *slots)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, p, offsetof(ImagePrincipal, check));
	COMP_CRC32C(crc, &p->filter, sizeof(ImagePrincipal) - offsetof(ImagePrincipal, filter));
	COMP_CRC32C(crc, memberships + p->memberships, sizeof(MembershipRecord) * (Size) p->nmemberships);
	COMP_CRC32C(crc, teams + p->teams, sizeof(pg_uuid_t) * (Size) p->nteams);
	COMP_CRC32C(crc, grants + p->grants, sizeof(GrantRecord) * (Size) p->ngrants);
	if (p->ngrants > 0)
		COMP_CRC32C(crc, slots + p->slots, sizeof(int32) * ((Size) p->mask + 1));
	FIN_CRC32C(crc);
	return crc;
}

/* Fill *g from a share row granted to grantee (its toggles applied, R6). */
void
GrantFromShare(TupleDesc desc, HeapTuple tup, const pg_uuid_t *grantee, GrantRecord *g)
{
	memset(g, 0, sizeof(*g));
	g->resource_id = AttrUuid(desc, tup, catalog.s_resource);
	g->share_id = AttrUuid(desc, tup, catalog.s_id);
	g->grantee_id = *grantee;
	g->perms = MaskedPerms(desc, tup, catalog.s_perms, catalog.s_download, catalog.s_comments,
						   catalog.s_approval, catalog.s_contribution);
	g->expires_at = TimestampOr(desc, tup, catalog.s_expires, DT_NOEND);
}

/*
 * Fill *g from a review_reviewer row of reviewer grantee: the review's grant
 * while the row is active (false, and nothing filled, when it is not).
 */
bool
GrantFromReview(TupleDesc desc, HeapTuple tup, const pg_uuid_t *grantee, GrantRecord *g)
{
	bool		isnull;
	Datum		active = Attr(desc, tup, catalog.rr_active, &isnull);

	if (isnull || !DatumGetBool(active))
		return false;
	memset(g, 0, sizeof(*g));
	g->resource_id = AttrUuid(desc, tup, catalog.rr_resource);
	g->share_id = AttrUuid(desc, tup, catalog.rr_review);
	g->grantee_id = *grantee;
	g->perms = DatumGetPermset(Attr(desc, tup, catalog.rr_perms, &isnull));
	if (isnull)
		g->perms = 0;
	g->expires_at = TimestampOr(desc, tup, catalog.rr_expires, DT_NOEND);
	g->review = true;
	return true;
}

/*
 * Read every principal under snap (whose position is pos) and write the
 * store's image, unless it would take more than limit bytes.  false when it
 * was not written.  Everything read is freed before returning.
 */
bool
PrincipalImageWrite(Snapshot snap, const ChangeLogPosition *pos, Size limit)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "share_acl principal image",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	PrincipalImageHeader h;
	ImagePrincipal *principals = NULL;
	int32		n = 0,
				cap = 0;
	uuidmap_hash *ids = uuidmap_create(cxt, 1024, NULL);
	OwnedRows	memberships = {0, 0, NULL, NULL, sizeof(MembershipRecord)};
	OwnedRows	teams = {0, 0, NULL, NULL, sizeof(pg_uuid_t)};
	OwnedRows	grants = {0, 0, NULL, NULL, sizeof(GrantRecord)};
	ModelScan	ms;
	HeapTuple	tup;
	int32	   *first,
			   *count;
	MembershipRecord *grouped_memberships;
	pg_uuid_t  *grouped_teams;
	GrantRecord *grouped_grants;
	int32	   *slots;
	int64		nslots = 0;
	UuidIndex	index;
	uint32		layout[4];
	Size		end = sizeof(PrincipalImageHeader);
	ImagePart	parts[6];
	bool		ok = false;
	int32		i;

	ModelScanBegin(&ms, MT_PRINCIPAL, snap);
	while ((tup = ModelScanNext(&ms)) != NULL)
	{
		bool		isnull,
					found;
		ImagePrincipal *p;
		UuidMapEntry *e;

		principals = GrowArray(principals, n, &cap, sizeof(ImagePrincipal));
		p = &principals[n];
		memset(p, 0, sizeof(*p));
		p->id = AttrUuid(ms.desc, tup, catalog.p_id);
		p->kind = EnumMapValue(&catalog.principal_kinds, Attr(ms.desc, tup, catalog.p_kind, &isnull),
							   PK_UNKNOWN);
		e = uuidmap_insert(ids, p->id, &found);
		if (!found)
			e->value = n++;
	}
	ModelScanEnd(&ms);

	ModelScanBegin(&ms, MT_MEMBER, snap);
	while ((tup = ModelScanNext(&ms)) != NULL)
	{
		int32		owner = OwnerOf(ids, ms.desc, tup, catalog.m_principal);
		MembershipRecord *m;
		bool		isnull;

		if (owner < 0)
			continue;
		m = OwnedRowsAdd(&memberships, owner);
		m->workspace_id = AttrUuid(ms.desc, tup, catalog.m_workspace);
		m->role = (WorkspaceRole) EnumMapValue(&catalog.roles,
											   Attr(ms.desc, tup, catalog.m_role, &isnull),
											   ROLE_UNKNOWN);
	}
	ModelScanEnd(&ms);

	ModelScanBegin(&ms, MT_TEAM_MEMBER, snap);
	while ((tup = ModelScanNext(&ms)) != NULL)
	{
		int32		owner = OwnerOf(ids, ms.desc, tup, catalog.tm_member);

		if (owner >= 0)
			*(pg_uuid_t *) OwnedRowsAdd(&teams, owner) =
				AttrUuid(ms.desc, tup, catalog.tm_team);
	}
	ModelScanEnd(&ms);

	ModelScanBegin(&ms, MT_SHARE, snap);
	while ((tup = ModelScanNext(&ms)) != NULL)
	{
		int32		owner = OwnerOf(ids, ms.desc, tup, catalog.s_grantee);

		if (owner >= 0)
			GrantFromShare(ms.desc, tup, &principals[owner].id, OwnedRowsAdd(&grants, owner));
	}
	ModelScanEnd(&ms);

	ModelScanBegin(&ms, MT_REVIEW_REVIEWER, snap);
	while ((tup = ModelScanNext(&ms)) != NULL)
	{
		int32		owner = OwnerOf(ids, ms.desc, tup, catalog.rr_reviewer);
		GrantRecord g;

		if (owner >= 0 && GrantFromReview(ms.desc, tup, &principals[owner].id, &g))
			*(GrantRecord *) OwnedRowsAdd(&grants, owner) = g;
	}
	ModelScanEnd(&ms);

	/* group the rows by principal */
	first = palloc(sizeof(int32) * (Size) Max(n, 1));
	count = palloc(sizeof(int32) * (Size) Max(n, 1));
	grouped_memberships = (MembershipRecord *) GroupByOwner(&memberships, n, first, count);
	for (i = 0; i < n; i++)
	{
		principals[i].memberships = first[i];
		principals[i].nmemberships = count[i];
	}
	grouped_teams = (pg_uuid_t *) GroupByOwner(&teams, n, first, count);
	for (i = 0; i < n; i++)
	{
		principals[i].teams = first[i];
		principals[i].nteams = count[i];
	}
	grouped_grants = (GrantRecord *) GroupByOwner(&grants, n, first, count);
	for (i = 0; i < n; i++)
	{
		principals[i].grants = first[i];
		principals[i].ngrants = count[i];
		principals[i].slots = (int32) nslots;
		principals[i].mask = count[i] > 0 ? GrantSetTableSize(count[i]) - 1 : 0;
		nslots += GrantSetTableSize(count[i]);
	}

	memset(&h, 0, sizeof(h));
	h.common.header_size = sizeof(PrincipalImageHeader);
	h.nprincipals = n;
	h.nmemberships = memberships.n;
	h.nteams = teams.n;
	h.ngrants = grants.n;
	h.common.xip = ImageReserve(&end, pos->nxip, sizeof(FullTransactionId));
	h.principals = ImageReserve(&end, n, sizeof(ImagePrincipal));
	h.memberships = ImageReserve(&end, memberships.n, sizeof(MembershipRecord));
	h.teams = ImageReserve(&end, teams.n, sizeof(pg_uuid_t));
	h.grants = ImageReserve(&end, grants.n, sizeof(GrantRecord));
	h.slots = ImageReserve(&end, nslots, sizeof(int32));
	if (nslots > PG_INT32_MAX / 2 ||
		end + sizeof(uint32) * 2 * (Size) Max(n, 1) > limit)
		goto done;				/* too big to share */
	h.nslots = (int32) nslots;

	/* the grant tables and the index, under this backend's key */
	slots = palloc(sizeof(int32) * (Size) Max(nslots, 1));
	for (i = 0; i < n; i++)
	{
		GrantSet	set;

		GrantSetBuild(&set, grouped_grants + principals[i].grants, principals[i].ngrants,
					  slots + principals[i].slots, uuid_hash_key);
		principals[i].filter = set.filter;
		principals[i].check = EntryCheck(&principals[i], grouped_memberships, grouped_teams,
										 grouped_grants, slots);
	}
	UuidIndexInit(&index, principals, sizeof(ImagePrincipal), n);
	for (i = 0; i < n; i++)
		UuidIndexInsert(&index, principals, i);
	ImageIndexOut(&h.index, &index, &end);
	if (end > limit)
		goto done;

	parts[0] = ImagePartOf(principals, n, sizeof(ImagePrincipal), h.principals);
	parts[1] = ImagePartOf(grouped_memberships, memberships.n, sizeof(MembershipRecord), h.memberships);
	parts[2] = ImagePartOf(grouped_teams, teams.n, sizeof(pg_uuid_t), h.teams);
	parts[3] = ImagePartOf(grouped_grants, grants.n, sizeof(GrantRecord), h.grants);
	parts[4] = ImagePartOf(slots, nslots, sizeof(int32), h.slots);
	parts[5] = ImagePartOf(index.buckets, (Size) index.mask + 1, sizeof(uint32), h.index.buckets);
	PrincipalLayout(layout);
	ok = ImageWrite(IMAGE_PRINCIPALS, &h.common, layout, index.key, pos, TYPEALIGN(64, end),
					parts, lengthof(parts));
done:
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return ok;
}

/* ---------------------------------------------------------------------------
 * Mapping and reading it
 * ------------------------------------------------------------------------- */

/* Unmap the image img describes. */
void
PrincipalImageRelease(PrincipalImage *img)
{
	img->valid = false;
	if (img->checked != NULL)
		pfree(img->checked);
	img->checked = NULL;
	ImageRelease(IMAGE_PRINCIPALS);
}

/*
 * Map this database's principal image into *img and its position into *pos
 * (allocated in TopMemoryContext), after checking its header.  Each
 * principal's entry is checked when it is first looked up
 * (PrincipalImageLookup): a fresh backend reads the entries it needs, not
 * every page of the image, and each of them once.
 * false when there is none to use.
 */
bool
PrincipalImageMap(PrincipalImage *img, ChangeLogPosition *pos)
{
	uint32		layout[4];
	const char *image;
	const PrincipalImageHeader *h;
	Size		size;
	uint64		image_id;

	img->valid = false;
	PrincipalLayout(layout);
	image = ImageMap(IMAGE_PRINCIPALS, sizeof(PrincipalImageHeader), layout, pos, &image_id);
	if (image == NULL)
		return false;
	h = (const PrincipalImageHeader *) image;
	size = h->common.size;
	if (h->nprincipals < 0 || h->nmemberships < 0 || h->nteams < 0 || h->ngrants < 0 ||
		h->nslots < 0 ||
		!ImageWithin(h->principals, h->nprincipals, sizeof(ImagePrincipal), size) ||
		!ImageWithin(h->memberships, h->nmemberships, sizeof(MembershipRecord), size) ||
		!ImageWithin(h->teams, h->nteams, sizeof(pg_uuid_t), size) ||
		!ImageWithin(h->grants, h->ngrants, sizeof(GrantRecord), size) ||
		!ImageWithin(h->slots, h->nslots, sizeof(int32), size) ||
		!ImageIndexValid(&h->index, size) || h->index.count != h->nprincipals)
	{
		ImageReject(IMAGE_PRINCIPALS);
		return false;
	}
	img->nprincipals = h->nprincipals;
	img->nmemberships = h->nmemberships;
	img->nteams = h->nteams;
	img->ngrants = h->ngrants;
	img->nslots = h->nslots;
	img->principals = (const ImagePrincipal *) (image + h->principals);
	img->memberships = (const MembershipRecord *) (image + h->memberships);
	img->teams = (const pg_uuid_t *) (image + h->teams);
	img->grants = (const GrantRecord *) (image + h->grants);
	img->slots = (const int32 *) (image + h->slots);
	ImageIndexIn(&img->index, image, &h->index, h->common.key, img->principals,
				 sizeof(ImagePrincipal));
	/* without room for the bits, every look-up checks its entry */
	if (img->checked != NULL)
		pfree(img->checked);
	img->checked = MemoryContextAllocExtended(TopMemoryContext,
											  sizeof(uint64) * ((Size) h->nprincipals / 64 + 1),
											  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM | MCXT_ALLOC_ZERO);
	img->valid = true;
	return true;
}

/*
 * Does p's entry in img hold a known kind, ranges within the arrays, its
 * checksum, known roles and a grant table that a look-up can use (every
 * slot empty or a grant of its own, one slot empty at least, so that a
 * probe ends)?  Read once per principal that a backend takes from the image.
 */
static bool
EntryValid(const PrincipalImage *img, const ImagePrincipal *p)
{
	int32		i;
	bool		some_empty = false;

	if (p->kind < 0 || p->kind > PK_UNKNOWN ||
		p->nmemberships < 0 || p->memberships < 0 ||
		p->memberships > img->nmemberships - p->nmemberships ||
		p->nteams < 0 || p->teams < 0 || p->teams > img->nteams - p->nteams ||
		p->ngrants < 0 || p->grants < 0 || p->grants > img->ngrants - p->ngrants ||
		p->slots < 0 || (p->ngrants > 0 &&
						 (p->mask + 1 != GrantSetTableSize(p->ngrants) ||
						  p->slots > img->nslots - (int32) (p->mask + 1))))
		return false;
	if (EntryCheck(p, img->memberships, img->teams, img->grants, img->slots) != p->check)
		return false;
	for (i = 0; p->ngrants > 0 && i <= (int32) p->mask; i++)
	{
		int32		slot = img->slots[p->slots + i];

		if (slot < -1 || slot >= p->ngrants)
			return false;
		some_empty |= slot == -1;
	}
	if (p->ngrants > 0 && !some_empty)
		return false;
	for (i = 0; i < p->nmemberships; i++)
	{
		WorkspaceRole role = img->memberships[p->memberships + i].role;

		if (role < ROLE_NONE || role > ROLE_UNKNOWN)
			return false;
	}
	return true;
}

/*
 * Has entry i passed EntryValid?  Checked at its first look-up (a team's
 * entry is looked up for each member's context, and its checksum covers
 * every grant of the team) and remembered when it passes.
 */
static bool
EntryChecked(const PrincipalImage *img, int32 i)
{
	uint64		bit = UINT64CONST(1) << (i % 64);

	if (img->checked != NULL && (img->checked[i / 64] & bit) != 0)
		return true;
	if (!EntryValid(img, &img->principals[i]))
		return false;
	if (img->checked != NULL)
		img->checked[i / 64] |= bit;
	return true;
}

/*
 * What the image says about principal id, in *out (pointing into the
 * image): exists is false when it holds no such principal.  An entry (or a
 * bucket on the way to it) that fails its checks is DAMAGED, *out then
 * saying nothing: the caller reads the principal from the tables.
 */
PrincipalImageAnswer
PrincipalImageLookup(const PrincipalImage *img, const pg_uuid_t *id, StoredPrincipal *out)
{
	bool		damaged;
	int32		i = UuidIndexLookupWithin(&img->index, id, img->nprincipals, &damaged);
	const ImagePrincipal *p;

	memset(out, 0, sizeof(*out));
	out->id = *id;
	out->grants.key = img->index.key;
	if (damaged || (i >= 0 && !EntryChecked(img, i)))
	{
		elog(DEBUG1, "share_acl: the principal image's entry of a principal is damaged: not used");
		return PRINCIPAL_IMAGE_DAMAGED;
	}
	if (i < 0)
		return PRINCIPAL_IMAGE_ABSENT;
	p = &img->principals[i];
	out->exists = true;
	out->kind = (PrincipalKind) p->kind;
	out->nmemberships = p->nmemberships;
	out->memberships = img->memberships + p->memberships;
	out->nteams = p->nteams;
	out->teams = img->teams + p->teams;
	out->grants.n = p->ngrants;
	out->grants.mask = p->mask;
	out->grants.filter = p->filter;
	out->grants.grants = img->grants + p->grants;
	out->grants.slots = img->slots + p->slots;
	return PRINCIPAL_IMAGE_FOUND;
}
