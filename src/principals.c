/*
 * principals.c — the principal store and the principal contexts of
 * principals.h.
 *
 * The store keeps, per principal id (a person or a team), what its rows say:
 * its kind, its roles, the teams directly containing it and the shares
 * granted to it.  In a database with many principals, they are all in the
 * database's shared image (principal_image.c), mapped by every backend;
 * otherwise, and for the principals changed since the image was read, an
 * entry is read with four index scans the first time anything asks.  The
 * store is kept up to date like the structure: triggers on principal,
 * member, team_member and share log the ids whose rows changed
 * (change_log.c), and the next call drops those entries (and stops taking
 * them from the image), to be read again when asked.  A backend that has
 * read many principals one by one writes the image; one that has applied
 * many changes to it maps or writes a newer one.  A
 * principal's context is built from the store (its teams' closure is a walk
 * over store entries) and holds pointers into it, so every applied change
 * drops the contexts, which are cheap to build again.  Everything is built
 * aside and published only when complete, so an error or a cancel half-way
 * leaves nothing half-built.
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "change_log.h"
#include "image.h"
#include "image_worker.h"
#include "permset_sql.h"
#include "principals.h"

/*
 * After this many consecutive checks by one principal (a scan under RLS), its
 * own and its teams' grants are merged into one index by node, so each row
 * costs one probe instead of one per team.
 */
#define MERGE_AFTER_STREAK		64
/* a principal's memberships are searched in order beyond this many */
#define MEMBERSHIPS_SCANNED		16

#define MAX_PRINCIPAL_CONTEXTS	16384
#define MAX_MEMO_ENTRIES		(1 << 20)

static MemoryContext principal_cxt = NULL;
static HTAB *principal_contexts = NULL;
static uint64 principal_contexts_epoch = 0;
static PrincipalCtx *last_principal = NULL;	/* fast path for repeated checks */
static int32 image_entries_behind = 0;	/* change-log entries since the mapped image */

/* More changed principals than this at once: empty the store. */
#define MAX_DELTA_PRINCIPALS	20000
/* A database with fewer principals than this has no shared image of them. */
#define IMAGE_MIN_PRINCIPALS	2000
/* A backend that has read this many principals one by one writes the image. */
#define IMAGE_AFTER_READS		64
/*
 * A mapped image with more principals changed since its position than this:
 * map a newer one when there is one, else ask the image writer for one and
 * look again after FRESH_IMAGE_CHANGES more.  An image more change-log
 * entries behind than this is not mapped.
 */
#define IMAGE_REFRESH_AFTER		5000
/* The image writer leaves an image at most this many change-log entries behind as it is. */
#define FRESH_IMAGE_CHANGES		256

static MemoryContext store_cxt = NULL;
static HTAB *store = NULL;
static bool store_broken = false;	/* a change was interrupted half-way */
static uint64 store_synced_count = 0;	/* INVAL_PRINCIPALS count it is up to date with */
static uint64 store_catalog = 0;	/* CatalogGeneration() when it was emptied */
static TransientTag store_synced_tag = 0;
static ChangeLogPosition store_position;
static uint64 store_epoch = 0;	/* changes whenever entries are dropped */
static bool store_over_bound = false;	/* past its bound: empty it at the next sync */
static int32 store_principals = 0;	/* contexts loaded from it since the reset */
static Size store_first_bytes = 0;	/* its size once the first of them was in */
static PrincipalImage image;	/* the shared image, when one is mapped */
static uuidmap_hash *stale = NULL;	/* ids changed since the image's position */
static int32 store_reads = 0;	/* entries read with index scans since the reset */
static uint32 image_refresh_at = IMAGE_REFRESH_AFTER;	/* stale principals before looking for a newer image */
static bool image_tried = false;	/* writing an image failed or is pointless */

/* ---------------------------------------------------------------------------
 * Reading rows
 * ------------------------------------------------------------------------- */

/* The ids of the teams directly containing a principal, in a growable array. */
typedef struct TeamArray
{
	int32		n;
	int32		cap;
	pg_uuid_t  *ids;
} TeamArray;

static void
TeamOfRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	TeamArray  *c = (TeamArray *) arg;

	c->ids = GrowArray(c->ids, c->n, &c->cap, sizeof(pg_uuid_t));
	c->ids[c->n++] = AttrUuid(desc, tup, catalog.tm_team);
}

/*
 * The ids in column of the rows of table whose indexed key_column equals
 * key (the columns' numbers, in catalog, are read once it is looked up).
 */
static List *
CollectIds(ModelRel table, ModelRel index, const AttrNumber *key_column, const AttrNumber *column,
		   const pg_uuid_t *key)
{
	bool		transient;
	Snapshot	snap;
	List	   *ids;

	CatalogLookup();
	snap = ReadSnapshot(&transient);
	ids = IndexScanUuids(table, index, *key_column, key, *column, snap);
	UnregisterSnapshot(snap);
	return ids;
}

/* The members (principal ids) of a workspace. */
List *
WorkspaceMemberIds(const pg_uuid_t *workspace_id)
{
	return CollectIds(MT_MEMBER, MT_MEMBER_PKEY, &catalog.m_workspace, &catalog.m_principal, workspace_id);
}

/* The grantees of the shares on a resource, and the reviewers of its reviews. */
List *
GranteesOf(const pg_uuid_t *resource_id)
{
	return list_concat(CollectIds(MT_SHARE, MT_SHARE_BY_RESOURCE, &catalog.s_resource,
								  &catalog.s_grantee, resource_id),
					   CollectIds(MT_REVIEW_REVIEWER, MT_REVIEW_REVIEWER_BY_RESOURCE,
								  &catalog.rr_resource, &catalog.rr_reviewer, resource_id));
}

/* The direct members of a team. */
static List *
TeamMemberIds(const pg_uuid_t *team_id)
{
	return CollectIds(MT_TEAM_MEMBER, MT_TEAM_MEMBER_PKEY, &catalog.tm_team, &catalog.tm_member, team_id);
}

/* Has principal id a role in workspace ws (the latest committed rows)? */
static bool
HasRoleIn(const pg_uuid_t *id, const pg_uuid_t *ws)
{
	List	   *workspaces = CollectIds(MT_MEMBER, MT_MEMBER_BY_PRINCIPAL, &catalog.m_principal,
										&catalog.m_workspace, id);
	ListCell   *lc;

	foreach(lc, workspaces)
		if (memcmp(lfirst(lc), ws, sizeof(pg_uuid_t)) == 0)
			return true;
	return false;
}

/*
 * ids, each once and in their order, followed by the members of those that
 * are teams, nested teams too (each once), as the checks read the rows.
 */
static List *
WithTeamMembers(List *ids)
{
	List	   *all = NIL;
	uuidmap_hash *seen = uuidmap_create(CurrentMemoryContext, 64, NULL);
	int			i;

	for (i = 0; i < list_length(ids); i++)
	{
		pg_uuid_t  *id = list_nth(ids, i);
		bool		again;

		CHECK_FOR_INTERRUPTS();
		(void) uuidmap_insert(seen, *id, &again);
		if (again)
			continue;
		all = lappend(all, id);
		ids = list_concat(ids, TeamMemberIds(id));	/* (nothing for a person) */
	}
	uuidmap_destroy(seen);
	return all;
}

/*
 * The persons among ids and in the teams among them, nested teams too (as
 * deep as they go: the walk keeps a list, not the stack), each once.
 */
List *
PersonsOf(List *ids)
{
	List	   *persons = NIL;
	ListCell   *lc;

	foreach(lc, WithTeamMembers(ids))
		if (PrincipalKindOf(lfirst(lc)) != PK_TEAM)
			persons = lappend(persons, lfirst(lc));
	return persons;
}

/*
 * The outsider of workspace ws that principal p is or, for a team, holds
 * (directly or through nested teams): a person (a user or an external
 * principal) without a role in ws (R2); p itself first, else the least such
 * id; NULL when none.  As the checks read the rows (the latest committed
 * state and this transaction's own), also in REPEATABLE READ.
 */
pg_uuid_t *
OutsiderIn(const pg_uuid_t *p, const pg_uuid_t *ws)
{
	List	   *ids = WithTeamMembers(list_make1((pg_uuid_t *) p));
	pg_uuid_t  *best = NULL;
	ListCell   *lc;

	foreach(lc, ids)
	{
		pg_uuid_t  *id = lfirst(lc);
		int			kind = PrincipalKindOf(id);

		if ((kind != PK_EXTERNAL && kind != PK_USER) || HasRoleIn(id, ws))
			continue;			/* a team, one with a role, or gone */
		if (foreach_current_index(lc) == 0)
			return id;			/* p itself */
		if (best == NULL || memcmp(id, best, sizeof(pg_uuid_t)) < 0)
			best = id;
	}
	return best;
}

/*
 * Who a grant on any of the n resources concerns, as the checks read the
 * rows (the latest committed state and this transaction's own): their
 * owners, the grantees of their shares, the reviewers of their reviews, and
 * the members of those that are teams, nested teams too.  Each once.
 */
List *
ConcernedPrincipals(const pg_uuid_t *resources, int n)
{
	List	   *found = NIL;
	int			i;

	for (i = 0; i < n; i++)
		found = list_concat(list_concat(found, CollectIds(MT_RESOURCE, MT_RESOURCE_PKEY, &catalog.res_id,
														  &catalog.res_owner, &resources[i])),
							GranteesOf(&resources[i]));
	return WithTeamMembers(found);
}

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

	c->grants = GrowArray(c->grants, c->n, &c->cap, sizeof(GrantRecord));
	GrantFromShare(desc, tup, c->grantee, &c->grants[c->n++]);
}

static void
ReviewRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	GrantCollector *c = (GrantCollector *) arg;

	c->grants = GrowArray(c->grants, c->n, &c->cap, sizeof(GrantRecord));
	if (GrantFromReview(desc, tup, c->grantee, &c->grants[c->n]))
		c->n++;
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
	k->kind = (PrincipalKind) EnumMapValue(&catalog.principal_kinds,
										   Attr(desc, tup, catalog.p_kind, &isnull), PK_UNKNOWN);
}

typedef struct MembershipCollector
{
	int32		n;
	int32		cap;
	MembershipRecord *records;
} MembershipCollector;

static void
MembershipRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	MembershipCollector *c = (MembershipCollector *) arg;
	bool		isnull;

	c->records = GrowArray(c->records, c->n, &c->cap, sizeof(MembershipRecord));
	c->records[c->n].workspace_id = AttrUuid(desc, tup, catalog.m_workspace);
	c->records[c->n].role =
		(WorkspaceRole) EnumMapValue(&catalog.roles, Attr(desc, tup, catalog.m_role, &isnull), ROLE_UNKNOWN);
	c->n++;
}

/* The PrincipalKind of a principal, or -1 if there is none. */
int
PrincipalKindOf(const pg_uuid_t *id)
{
	KindRow		kind = {false, PK_USER};
	bool		transient;
	Snapshot	snap;

	CatalogLookup();
	snap = ReadSnapshot(&transient);
	IndexScanEqual(MT_PRINCIPAL, MT_PRINCIPAL_PKEY, catalog.p_id, id, snap, PrincipalRow, &kind);
	UnregisterSnapshot(snap);
	return kind.exists ? (int) kind.kind : -1;
}

/* ---------------------------------------------------------------------------
 * The store
 * ------------------------------------------------------------------------- */

/* Free what entry e holds (not the entry itself). */
static void
StoredPrincipalFree(StoredPrincipal *e)
{
	if (e->memberships)
		pfree(unconstify(MembershipRecord *, e->memberships));
	if (e->teams)
		pfree(unconstify(pg_uuid_t *, e->teams));
	if (e->grants.grants)
		pfree(unconstify(GrantRecord *, e->grants.grants));
	if (e->grants.slots)
		pfree(unconstify(int32 *, e->grants.slots));
}

/* Empty cxt and return a new hash table keyed by uuid in it. */
static HTAB *
NewUuidTable(MemoryContext cxt, const char *name, Size entrysize)
{
	HASHCTL		ctl;

	MemoryContextReset(cxt);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(pg_uuid_t);
	ctl.entrysize = entrysize;
	ctl.hash = UuidHashValue;
	ctl.hcxt = cxt;
	return hash_create(name, 64, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_CONTEXT);
}

/* Empty the store, and unmap the image. */
static void
StoreReset(void)
{
	if (store_cxt == NULL)
		store_cxt = AllocSetContextCreate(TopMemoryContext, "share_acl principal store",
										  ALLOCSET_DEFAULT_SIZES);
	store_epoch++;				/* first: contexts may point into the image */
	store = NULL;
	stale = NULL;
	PrincipalImageRelease(&image);
	store = NewUuidTable(store_cxt, "share_acl principal store", sizeof(StoredPrincipal));
	stale = uuidmap_create(store_cxt, 64, NULL);
	store_reads = 0;
	image_tried = false;
	store_over_bound = false;
	store_principals = 0;
	store_first_bytes = 0;
}

/* Note that the image no longer tells what id's rows say (counting in *arg, if given). */
static void
AddStale(const pg_uuid_t *id, void *arg)
{
	bool		found;

	uuidmap_insert(stale, *id, &found);
	if (arg != NULL)
		(*(int32 *) arg)++;
}

/* Drop the store's own entry for id, if any. */
static void
StoreForget(const pg_uuid_t *id)
{
	StoredPrincipal *e = hash_search(store, id, HASH_FIND, NULL);

	if (e != NULL)
	{
		StoredPrincipalFree(e);
		hash_search(store, id, HASH_REMOVE, NULL);
	}
}

static void DropContext(const pg_uuid_t *id);
static void DropContextsWithTeam(const pg_uuid_t *team);

/*
 * A principal whose rows changed (a change-log entry): read it again when
 * asked, and drop the contexts that used what the store said about it.
 * Only a person's own context uses its entry; a team's is used by the
 * contexts whose teams (collected transitively) hold it, so only those are
 * dropped: a share to a team, or a team joining another, leaves every other
 * context — the sharer's own among them — as it was.  A principal of a kind
 * this build does not know drops every context (*drop_all).
 */
static void
PrincipalChanged(const pg_uuid_t *id, void *arg)
{
	bool	   *drop_all = (bool *) arg;
	StoredPrincipal *e = hash_search(store, id, HASH_FIND, NULL);
	StoredPrincipal was;
	bool		known = false;

	if (e != NULL)
	{
		was = *e;
		known = true;
	}
	else if (image.valid && uuidmap_lookup(stale, *id) == NULL)
	{
		PrincipalImageAnswer answer = PrincipalImageLookup(&image, id, &was);

		known = answer == PRINCIPAL_IMAGE_FOUND;
		if (answer == PRINCIPAL_IMAGE_DAMAGED)
			*drop_all = true;	/* (what it was is not known) */
	}
	if (known && was.exists && was.kind == PK_TEAM)
		DropContextsWithTeam(id);
	else if (known && was.exists && was.kind != PK_USER && was.kind != PK_EXTERNAL)
		*drop_all = true;
	else
		DropContext(id);		/* a person, or a principal no context read yet */
	if (image.valid)
		AddStale(id, NULL);
	StoreForget(id);
}

/*
 * Map the database's principal image and note the principals changed
 * between its position and snap, at most IMAGE_REFRESH_AFTER of them.  The
 * store must be empty.
 */
static bool
AdoptImage(Snapshot snap)
{
	ChangeLogPosition pos = {0};
	bool		ok;

	image_entries_behind = 0;
	image_refresh_at = IMAGE_REFRESH_AFTER;
	if (!PrincipalImageMap(&image, &pos))
		return false;
	ok = ChangeLogRead(CHANGE_PRINCIPAL, &pos, snap, IMAGE_REFRESH_AFTER, AddStale,
					   &image_entries_behind) == CHANGE_LOG_DELTAS;
	pfree(pos.xip);
	if (!ok)
	{
		elog(DEBUG1, "share_acl: principal image not used: the stale one, more than %d changes since it was made, or a reload entry",
			 IMAGE_REFRESH_AFTER);
		PrincipalImageRelease(&image);
		stale = uuidmap_create(store_cxt, 64, NULL);
	}
	return ok;
}

/*
 * Should this backend write the image now?  When it has read many
 * principals one by one, has no image, and may: its transaction has written
 * nothing (an image holds nothing uncommitted), and not in parallel mode.
 */
static inline bool
ImageWanted(void)
{
	return !image.valid && !image_tried && store_reads >= IMAGE_AFTER_READS &&
		ImageMayHoldOnly(CHANGE_PRINCIPAL);
}

/*
 * Write the image of every principal as of snap (unless the database has
 * few of them, or they take more than share_acl.shared_cache_size), and
 * use it in place of what the store holds.
 */
static void
WriteImage(Snapshot snap)
{
	ChangeLogPosition pos = {0};

	image_tried = true;
	if (ModelEstimatedRows(MT_PRINCIPAL) < IMAGE_MIN_PRINCIPALS)
		return;
	ChangeLogSetPosition(&pos, snap, CurrentMemoryContext);
	if (pos.valid &&
		PrincipalImageWrite(snap, &pos, ImageSharedBound()))
	{
		StoreReset();
		image_tried = true;
		AdoptImage(snap);
		if (!IsBackgroundWorker)
			elog(DEBUG1, "share_acl: principal image written by this backend");
	}
}

/*
 * Write the database's principal image as of now, unless the database has
 * few principals or its image is at most FRESH_IMAGE_CHANGES changes behind:
 * the image writer's job (image_worker.c), in a transaction that writes
 * nothing.
 */
void
PrincipalWriteImage(void)
{
	bool		transient;
	Snapshot	snap;

	CatalogLookup();
	if (ModelEstimatedRows(MT_PRINCIPAL) < IMAGE_MIN_PRINCIPALS)
		return;
	snap = ReadSnapshot(&transient);
	StoreReset();
	if (!AdoptImage(snap) || image_entries_behind > FRESH_IMAGE_CHANGES)
	{
		StoreReset();
		WriteImage(snap);
		elog(DEBUG1, "share_acl: principal image %s", image.valid ? "written" : "not written");
	}
	UnregisterSnapshot(snap);
	StoreReset();
	store_broken = true;		/* read from scratch should anything ask */
}

/*
 * Is the store past its bound, half of share_acl.cache_size?  Not for what
 * one principal needs alone: then only once it holds twice that, so that a
 * principal with more grants than the bound is not read again at every
 * check.
 */
static bool
StoreOverBound(void)
{
	Size		bytes = MemoryContextMemAllocated(store_cxt, true);

	return bytes > CacheLimitBytes() / 2 && store_principals > 1 && bytes > 2 * store_first_bytes;
}

/*
 * Bring the store up to date: drop the entries whose rows changed since its
 * position (own rolled-back changes included), or empty it when that is
 * needed (a reload entry, entries pruned, too many, DDL, an interruption, or
 * past its bound: StoreOverBound).
 */
static void
StoreSync(void)
{
	uint64		count = InvalCount(INVAL_PRINCIPALS);
	bool		transient;
	bool		was_broken = store_broken;
	bool		reset;
	Snapshot	snap;

	if (store != NULL && !store_broken && !store_over_bound && store_synced_count == count &&
		CacheTransientValid(store_synced_tag) && !ChangeLogOwnRollbackPending(CHANGE_PRINCIPAL) &&
		!ImageWanted())
		return;
	CatalogLookup();
	snap = ReadSnapshot(&transient);
	store_broken = true;		/* until done */
	reset = store == NULL || was_broken || !store_position.valid ||
		CatalogGeneration() != store_catalog || StoreOverBound();
	if (!reset)
	{
		bool		drop_all = false;

		if (ChangeLogCollect(CHANGE_PRINCIPAL, &store_position, snap, MAX_DELTA_PRINCIPALS,
							 PrincipalChanged, &drop_all) == CHANGE_LOG_RELOAD)
			reset = true;
		else if (drop_all)
			store_epoch++;
	}
	/*
	 * Far behind: map a newer image, or have the image writer make one.  Not
	 * written here, in the middle of a check, which would stall this call
	 * (a share) for as long as the read of every principal.
	 */
	if (!reset && image.valid && stale->members > image_refresh_at)
	{
		if (ImageReplaced(IMAGE_PRINCIPALS))
			reset = true;
		else
		{
			ImageWorkerRequest();
			image_refresh_at = stale->members + FRESH_IMAGE_CHANGES;
		}
	}
	if (reset)
	{
		ChangeLogForgetOwnRollback(CHANGE_PRINCIPAL);
		StoreReset();
		store_catalog = CatalogGeneration();
		if (!transient && !AdoptImage(snap))
		{
			if (ModelEstimatedRows(MT_PRINCIPAL) >= IMAGE_MIN_PRINCIPALS &&
				!ImageWrittenWithin(IMAGE_PRINCIPALS, IMAGE_REWRITE_AFTER_S))
				ImageWorkerRequest();	/* a fresh backend: the image writer makes one */
		}
		else if (!transient && image_entries_behind > FRESH_IMAGE_CHANGES &&
				 !ImageWrittenWithin(IMAGE_PRINCIPALS, IMAGE_REWRITE_AFTER_S))
		{
			/*
			 * Used, but each backend that maps it reads every entry since
			 * (one per changed row): the image writer makes a newer one for
			 * the backends after it.
			 */
			ImageWorkerRequest();
		}
	}
	if (!transient && ImageWanted())
		WriteImage(snap);
	ChangeLogSetPosition(&store_position, snap, TopMemoryContext);
	UnregisterSnapshot(snap);
	store_synced_count = count;
	store_synced_tag = CacheTransientTag(transient);
	store_broken = false;
	store_over_bound = false;
}

/*
 * What the store keeps about principal id, in *out: from the image unless
 * it changed since, or read on first use with four index scans under one
 * snapshot, built aside and entered only when complete.
 */
static void
StoreGet(const pg_uuid_t *id, StoredPrincipal *out)
{
	bool		found;
	StoredPrincipal *e = hash_search(store, id, HASH_FIND, NULL);
	StoredPrincipal read;
	Snapshot	snap;
	bool		transient;
	KindRow		kind = {false, PK_USER};
	MembershipCollector memberships = {0};
	TeamArray	teams = {0};
	GrantCollector grants = {0};
	int32	   *slots;
	MemoryContext old;

	if (e != NULL && CacheTransientValid(e->transient))
	{
		*out = *e;
		return;
	}
	if (e != NULL)
		StoreForget(id);		/* read under an older query's snapshot */
	else if (image.valid && uuidmap_lookup(stale, *id) == NULL)
	{
		if (PrincipalImageLookup(&image, id, out) != PRINCIPAL_IMAGE_DAMAGED)
			return;
		AddStale(id, NULL);		/* read from the tables, as a principal changed since */
	}
	memset(&read, 0, sizeof(read));
	read.id = *id;
	old = MemoryContextSwitchTo(store_cxt);
	snap = ReadSnapshot(&transient);
	IndexScanEqual(MT_PRINCIPAL, MT_PRINCIPAL_PKEY, catalog.p_id, id, snap, PrincipalRow, &kind);
	if (kind.exists)
	{
		IndexScanEqual(MT_MEMBER, MT_MEMBER_BY_PRINCIPAL, catalog.m_principal, id, snap,
					   MembershipRow, &memberships);
		IndexScanEqual(MT_TEAM_MEMBER, MT_TEAM_MEMBER_BY_MEMBER, catalog.tm_member, id, snap,
					   TeamOfRow, &teams);
		grants.grantee = id;
		IndexScanEqual(MT_SHARE, MT_SHARE_BY_GRANTEE, catalog.s_grantee, id, snap,
					   ShareRow, &grants);
		IndexScanEqual(MT_REVIEW_REVIEWER, MT_REVIEW_REVIEWER_BY_REVIEWER, catalog.rr_reviewer, id,
					   snap, ReviewRow, &grants);
	}
	UnregisterSnapshot(snap);
	read.exists = kind.exists;
	read.kind = kind.kind;
	read.transient = CacheTransientTag(transient);
	read.nmemberships = memberships.n;
	read.memberships = memberships.records;
	read.nteams = teams.n;
	read.teams = teams.ids;
	slots = grants.n > 0 ? palloc(sizeof(int32) * GrantSetTableSize(grants.n)) : NULL;
	GrantSetBuild(&read.grants, grants.grants, grants.n, slots, uuid_hash_key);
	MemoryContextSwitchTo(old);

	e = hash_search(store, id, HASH_ENTER, &found);
	*e = read;
	*out = read;
	store_reads++;
	/* (emptied by the next StoreSync: contexts in use may point into it) */
	if (StoreOverBound())
		store_over_bound = true;
}

/*
 * The teams of the principal whose context is being built, collected
 * breadth-first with the grants of each, before they are copied to the
 * context at their exact size: one scratch list per backend, grown as
 * needed and kept (in TopMemoryContext; let go by a load that grew it
 * past COLLECTED_KEEP teams), so that building a context allocates one
 * chunk for its teams, not arrays doubled as they grow.
 */
#define COLLECTED_KEEP	1024

typedef struct CollectedTeam
{
	pg_uuid_t	id;
	GrantSet	grants;
} CollectedTeam;

static struct
{
	int32		n;
	int32		cap;
	CollectedTeam *teams;
}			collected;

/* Add team id to the collected teams unless listed. */
static void
CollectTeam(const pg_uuid_t *id)
{
	int32		i;
	MemoryContext old;

	for (i = 0; i < collected.n; i++)
		if (uuid_equal(&collected.teams[i].id, id))
			return;
	old = MemoryContextSwitchTo(TopMemoryContext);
	collected.teams = GrowArray(collected.teams, collected.n, &collected.cap, sizeof(CollectedTeam));
	MemoryContextSwitchTo(old);
	collected.teams[collected.n++].id = *id;
}

/* ---------------------------------------------------------------------------
 * Principal contexts
 * ------------------------------------------------------------------------- */

/*
 * Fill pc from the store: kind and roles now; teams and grants when a check
 * first needs them (PrincipalEnsureGrants: the workspace owner's and
 * workspace-level checks do not).
 */
static uint64 stat_contexts_built = 0;

static void
LoadPrincipal(PrincipalCtx *pc)
{
	StoredPrincipal e;

	stat_contexts_built++;
	if (store_principals++ == 1)
		store_first_bytes = MemoryContextMemAllocated(store_cxt, true);
	StoreGet(&pc->id, &e);
	pc->exists = e.exists;
	pc->kind = e.kind;
	pc->nmemberships = e.nmemberships;
	pc->memberships = e.memberships;
	pc->membership_order = NULL;
	pc->grants_loaded = false;
	pc->nteams = 0;
	pc->teams = NULL;
	pc->team_grants = NULL;
	memset(&pc->own, 0, sizeof(pc->own));
	pc->transient = e.transient;
	pc->streak = 0;
	pc->memo = NULL;
	pc->node_grants = NULL;
	pc->merged = NULL;
	pc->structure_build = 0;	/* structure-dependent caches are filled on use */
	pc->workspaces_build = 0;
}

static int
MembershipOrderCmp(const void *a, const void *b, void *arg)
{
	const MembershipRecord *m = (const MembershipRecord *) arg;

	return memcmp(&m[*(const int32 *) a].workspace_id, &m[*(const int32 *) b].workspace_id,
				  sizeof(pg_uuid_t));
}

/*
 * pc's membership in workspace ws_id, or NULL.  A principal with a role in
 * many workspaces (a consultant's, a support account's) has its memberships
 * put in order of workspace id at the first look-up and searched by halves:
 * a scan over many tenants' rows asks at every change of workspace, which a
 * walk through every membership made cost rows times memberships.
 */
const MembershipRecord *
PrincipalMembership(PrincipalCtx *pc, const pg_uuid_t *ws_id)
{
	int32		lo,
				hi;

	if (pc->nmemberships <= MEMBERSHIPS_SCANNED)
	{
		for (lo = 0; lo < pc->nmemberships; lo++)
			if (memcmp(&pc->memberships[lo].workspace_id, ws_id, sizeof(pg_uuid_t)) == 0)
				return &pc->memberships[lo];
		return NULL;
	}
	if (pc->membership_order == NULL)
	{
		/* (published once in order: a cancel half-way leaves none) */
		int32	   *order = MemoryContextAllocHuge(principal_cxt,
												   sizeof(int32) * (Size) pc->nmemberships);

		for (lo = 0; lo < pc->nmemberships; lo++)
			order[lo] = lo;
		qsort_arg(order, pc->nmemberships, sizeof(int32), MembershipOrderCmp,
				  unconstify(MembershipRecord *, pc->memberships));
		pc->membership_order = order;
	}
	lo = 0;
	hi = pc->nmemberships - 1;
	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		const MembershipRecord *m = &pc->memberships[pc->membership_order[mid]];
		int			c = memcmp(&m->workspace_id, ws_id, sizeof(pg_uuid_t));

		if (c == 0)
			return m;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/*
 * Collect the teams containing pc's principal (transitively, breadth-first
 * over store entries) and point at the grants of each, the first time a
 * check needs them.  Built aside and published at the end: an error or a
 * cancel half-way leaves grants_loaded false and nothing half-built to read.
 */
void
PrincipalLoadGrants(PrincipalCtx *pc)
{
	StoredPrincipal e;
	bool		transient = pc->transient != 0;
	pg_uuid_t  *teams = NULL;
	GrantSet   *team_grants = NULL;
	int32		nteams;
	int32		i,
				j;

	collected.n = 0;
	StoreGet(&pc->id, &e);
	for (i = 0; i < e.nteams; i++)
		CollectTeam(&e.teams[i]);
	for (i = 0; i < collected.n; i++)
	{
		pg_uuid_t	team = collected.teams[i].id;
		StoredPrincipal t;

		CHECK_FOR_INTERRUPTS();
		StoreGet(&team, &t);
		transient |= t.transient != 0;
		for (j = 0; j < t.nteams; j++)
			CollectTeam(&t.teams[j]);
		collected.teams[i].grants = t.grants;
	}
	nteams = collected.n;
	if (nteams > 0)
	{
		/* the ids, then the grant sets (16-byte ids keep them aligned) */
		teams = MemoryContextAllocHuge(principal_cxt,
									   nteams * (sizeof(pg_uuid_t) + sizeof(GrantSet)));
		team_grants = (GrantSet *) (teams + nteams);
		for (i = 0; i < nteams; i++)
		{
			teams[i] = collected.teams[i].id;
			team_grants[i] = collected.teams[i].grants;
		}
	}
	if (collected.cap > COLLECTED_KEEP)
	{
		pfree(collected.teams);
		memset(&collected, 0, sizeof(collected));
	}

	/* publish: nothing below can fail */
	pc->nteams = nteams;
	pc->teams = teams;
	pc->team_grants = team_grants;
	pc->own = e.grants;
	if (transient)
		pc->transient = CacheTransientTag(true);
	pc->grants_loaded = true;
}

/* Add every grant of set to the merged per-node index. */
static void
MergeGrantSet(StructureCache *s, nodemap_hash *node_grants, MergedRef *merged, const GrantSet *set,
			  int32 *n)
{
	int32		i;

	for (i = 0; i < set->n; i++)
	{
		int32		node = StructureFindNode(s, &set->grants[i].resource_id);
		bool		found;
		NodeMapEntry *head;

		if (node < 0)
			continue;
		head = nodemap_insert(node_grants, node, &found);
		merged[*n].grant = &set->grants[i];
		merged[*n].next = found ? (int32) head->value : -1;
		head->value = (*n)++;
	}
}

/*
 * Merge the principal's own and its teams' grants into one index by node.
 * Only with a full structure (a partial one may not hold the granted
 * resources yet).  Built aside and published at the end.
 */
static void
MergeGrantsByNode(StructureCache *s, PrincipalCtx *pc)
{
	int32		total = pc->own.n;
	int32		n = 0;
	int32		t;
	nodemap_hash *node_grants;
	MergedRef  *merged;

	for (t = 0; t < pc->nteams; t++)
		total += pc->team_grants[t].n;
	node_grants = nodemap_create(principal_cxt, Max(total, 8), NULL);
	merged = MemoryContextAlloc(principal_cxt, sizeof(MergedRef) * Max(total, 1));
	MergeGrantSet(s, node_grants, merged, &pc->own, &n);
	for (t = 0; t < pc->nteams; t++)
		MergeGrantSet(s, node_grants, merged, &pc->team_grants[t], &n);
	pc->merged = merged;
	pc->node_grants = node_grants;
}

/* Is the context of the last check still usable for principal id? */
static inline bool
LastPrincipalIs(const pg_uuid_t *id)
{
	return last_principal != NULL &&
		memcmp(&last_principal->id, id, sizeof(pg_uuid_t)) == 0 &&
		CacheTransientValid(last_principal->transient);
}

/* Drop every principal context (invalidation, or the memory bound). */
static void
ResetPrincipalContexts(void)
{
	if (principal_cxt == NULL)
		principal_cxt = AllocSetContextCreate(TopMemoryContext, "share_acl principal contexts",
											  ALLOCSET_DEFAULT_SIZES);
	last_principal = NULL;
	principal_contexts = NULL;
	principal_contexts = NewUuidTable(principal_cxt, "share_acl principal contexts",
									  sizeof(PrincipalCtx));
}

/* Drop principal id's context, if it has one (its principal changed). */
static void
DropContext(const pg_uuid_t *id)
{
	PrincipalCtx *pc;

	if (principal_contexts == NULL || principal_contexts_epoch != store_epoch ||
		(pc = hash_search(principal_contexts, id, HASH_FIND, NULL)) == NULL)
		return;
	if (last_principal == pc)
		last_principal = NULL;
	if (pc->memo != NULL)
		nodemap_destroy(pc->memo);
	if (pc->node_grants != NULL)
		nodemap_destroy(pc->node_grants);
	if (pc->merged != NULL)
		pfree(pc->merged);
	if (pc->teams != NULL)
		pfree(pc->teams);		/* and the team grants after them */
	if (pc->membership_order != NULL)
		pfree(pc->membership_order);
	hash_search(principal_contexts, id, HASH_REMOVE, NULL);
}

/*
 * Drop the contexts whose teams hold team: they point at its store entry
 * (its grants) and at its parents'.  A context that has not collected its
 * teams yet has read no team's entry.
 */
static void
DropContextsWithTeam(const pg_uuid_t *team)
{
	HASH_SEQ_STATUS seq;
	PrincipalCtx *pc;
	List	   *drop = NIL;
	ListCell   *lc;

	if (principal_contexts == NULL || principal_contexts_epoch != store_epoch)
		return;
	hash_seq_init(&seq, principal_contexts);
	while ((pc = hash_seq_search(&seq)) != NULL)
	{
		int32		i;

		for (i = 0; pc->grants_loaded && i < pc->nteams; i++)
			if (uuid_equal(&pc->teams[i], team))
			{
				pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));

				*id = pc->id;
				drop = lappend(drop, id);
				break;
			}
	}
	foreach(lc, drop)
		DropContext((pg_uuid_t *) lfirst(lc));
	list_free_deep(drop);
}

/*
 * The context of principal id, read on first use since the last change, with
 * its structure-dependent caches valid for structure s, workspaces g and the
 * transaction time now.
 */
PrincipalCtx *
PrincipalGet(StructureCache *s, WorkspaceCache *g, TimestampTz now, const pg_uuid_t *id)
{
	PrincipalCtx *pc;
	bool		found;
	uint64		epoch;

	StoreSync();
	epoch = store_epoch;

	if (epoch != principal_contexts_epoch || principal_contexts == NULL)
	{
		ResetPrincipalContexts();
		principal_contexts_epoch = epoch;
	}
	if (LastPrincipalIs(id))
	{
		pc = last_principal;
		pc->streak++;
	}
	else
	{
		if (hash_get_num_entries(principal_contexts) >= MAX_PRINCIPAL_CONTEXTS ||
			MemoryContextMemAllocated(principal_cxt, true) > CacheLimitBytes() / 4)
			ResetPrincipalContexts();
		pc = hash_search(principal_contexts, id, HASH_ENTER, &found);
		if (found && !CacheTransientValid(pc->transient))
			found = false;		/* read under an older query's snapshot */
		if (!found)
		{
			MemoryContext old = MemoryContextSwitchTo(principal_cxt);

			PG_TRY();
			{
				LoadPrincipal(pc);
			}
			PG_CATCH();
			{
				hash_search(principal_contexts, id, HASH_REMOVE, NULL);
				last_principal = NULL;	/* it may have been this entry */
				PG_RE_THROW();
			}
			PG_END_TRY();
			MemoryContextSwitchTo(old);
		}
		pc->streak = 0;
		last_principal = pc;
	}

	if (pc->structure_build != s->build_id || pc->workspaces_build != g->build_id)
	{
		/* drop what depends on the old builds first, then take the new ones */
		pc->owner_key = -1;
		pc->owner_key_nowners = -1;
		pc->role_ws = -1;
		pc->memo_now = DT_NOBEGIN;
		if (pc->node_grants != NULL)
		{
			nodemap_hash *node_grants = pc->node_grants;

			pc->node_grants = NULL;
			nodemap_destroy(node_grants);
			pfree(pc->merged);
			pc->merged = NULL;
		}
		pc->structure_build = s->build_id;
		pc->workspaces_build = g->build_id;
	}
	if (pc->streak >= MERGE_AFTER_STREAK && pc->node_grants == NULL && !s->partial &&
		pc->grants_loaded)
		MergeGrantsByNode(s, pc);
	/* owners may be added to the structure: look again when unknown */
	if (pc->owner_key < 0 && pc->owner_key_nowners != s->nowners)
	{
		pc->owner_key = UuidIndexLookup(&s->owner_index, &pc->id);
		pc->owner_key_nowners = s->nowners;
	}
	/*
	 * The memo pays for checks in a row by one principal (a scan under RLS),
	 * not for a check now and then: a principal gets one at its second check
	 * in a row, so that the contexts of many principals each checked once in
	 * a while stay small (and within the bound below, not dropped and built
	 * again at every check).
	 */
	if (pc->memo == NULL && pc->streak > 0)
	{
		pc->memo = nodemap_create(principal_cxt, 16, NULL);
		pc->memo_now = now;
	}
	if (pc->memo != NULL && (pc->memo_now != now || pc->memo->members >= MAX_MEMO_ENTRIES))
	{
		nodemap_reset(pc->memo);
		pc->memo_now = now;
	}
	return pc;
}

/*
 * Memory held by the principal store and contexts (with the pages of the
 * image this backend copied), in bytes.
 */
Size
PrincipalsMemory(void)
{
	return (principal_cxt ? MemoryContextMemAllocated(principal_cxt, true) : 0) +
		(store_cxt ? MemoryContextMemAllocated(store_cxt, true) : 0) +
		(image.valid ? ImagePrivateBytes(IMAGE_PRINCIPALS) : 0);
}

/* How this backend holds principals: empty, shared (the image) or backend (its own). */
const char *
PrincipalsMode(void)
{
	return store == NULL || store_broken ? "empty" : image.valid ? "shared" : "backend";
}

/* How many principal contexts this backend has built (read from the store). */
uint64
PrincipalsContextsBuilt(void)
{
	return stat_contexts_built;
}

/* The size of the principal image this backend maps (shared by all that map it). */
Size
PrincipalsSharedBytes(void)
{
	return image.valid ? ImageMappedBytes(IMAGE_PRINCIPALS) : 0;
}
