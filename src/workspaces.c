/*
 * workspaces.c — loading the workspaces of workspaces.h.
 *
 * The whole table is read under one snapshot into a fresh memory context
 * and published only when complete; an error half-way leaves nothing loaded.
 * A change then costs its own rows: the ids the change log names since the
 * position the workspaces were read at are read again (a new workspace is
 * added, a changed one overwritten) and the result published under a new
 * build id; a deleted workspace, too many changes or a reload entry read
 * the whole table again.
 *
 * A backend that loads them finds them first in the database's workspace
 * image (image.h): a copy of the table, with the change-log position it was
 * read at, and the changes since read again (the workspace table's triggers
 * log kind 'w').  Copying a few rows out of a file saves a fresh
 * backend building the table's relation cache entry (its triggers,
 * constraints and defaults) and scanning it.  A backend that had to read the
 * table, and may, writes the image for those that come after it.
 */
#include "postgres.h"

#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "change_log.h"
#include "image.h"
#include "invalidation.h"
#include "permset_sql.h"
#include "workspaces.h"

/*
 * The workspace image: its header, then the records (WorkspaceInfo, padding
 * zeroed) and the buckets of their uuid index (under the image's hash key),
 * so that a fresh backend reads both where they are instead of hashing every
 * id again.  Each record carries a checksum of its own (check): the records
 * are what the engine applies to checks (a public access level, guest
 * access), so a flipped bit must not widen anyone's access.  It is checked
 * when the record is looked up in the image (WorkspaceLookup) or copied out
 * of it, and so are the buckets a look-up probes (each must name a record
 * below the count), not when the image is mapped: a fresh backend's first
 * check reads the pages it needs, not the whole image.
 */
typedef struct WorkspaceImageHeader
{
	ImageCommon common;
	int32		nworkspaces;
	Size		workspaces;		/* offset */
	ImageIndex	index;
} WorkspaceImageHeader;

/* More changed workspaces than this at once: read the table again. */
#define MAX_DELTA_WORKSPACES	256

static MemoryContext workspaces_cxt = NULL;
static WorkspaceCache *workspaces = NULL;
static ChangeLogPosition position;	/* where the workspaces held were read */
static uint64 loaded_at_count = 0;
static TransientTag loaded_tag = 0;
static uint64 next_build_id = 1;
static bool from_image = false;	/* the workspaces held came from the image */
static bool records_mapped = false; /* their records and buckets are the mapped image's */
static bool image_damaged = false;	/* a record of the image failed its check: read the table */
static uint64 stat_table_reads = 0;	/* times the table was read whole */

/* The record layout an image must have been written with. */
static void
WorkspaceLayout(uint32 *layout)
{
	layout[0] = sizeof(WorkspaceInfo);
	layout[1] = offsetof(WorkspaceInfo, public_access_level);
	layout[2] = sizeof(Permset);
	layout[3] = 2;				/* with the index's buckets, a check per record */
}

/* The checksum of a record (its check field excluded). */
static pg_crc32c
RecordCheck(const WorkspaceInfo *w)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, w, offsetof(WorkspaceInfo, check));
	COMP_CRC32C(crc, &w->public_access_level,
				sizeof(WorkspaceInfo) - offsetof(WorkspaceInfo, public_access_level));
	FIN_CRC32C(crc);
	return crc;
}

/* Append a workspace to g. */
static void
AddWorkspace(WorkspaceCache *g, int32 *cap, const WorkspaceInfo *info)
{
	WorkspaceInfo *w;

	g->workspaces = GrowArray(g->workspaces, g->nworkspaces, cap, sizeof(WorkspaceInfo));
	w = &g->workspaces[g->nworkspaces];
	memset(w, 0, sizeof(*w));
	w->id = info->id;
	w->allow_guest_uploads = info->allow_guest_uploads;
	w->guest_access_enabled = info->guest_access_enabled;
	w->members_can_share = info->members_can_share;
	w->member_edit_own_only = info->member_edit_own_only;
	w->public_access_level = info->public_access_level;
	w->check = RecordCheck(w);
	UuidIndexInsert(&g->workspace_index, g->workspaces, g->nworkspaces++);
}

/* A workspace row as the engine keeps it. */
static void
ReadWorkspaceRow(TupleDesc desc, HeapTuple tup, WorkspaceInfo *w)
{
	bool		isnull;

	memset(w, 0, sizeof(*w));
	w->id = AttrUuid(desc, tup, catalog.ws_id);
	w->allow_guest_uploads = DatumGetBool(Attr(desc, tup, catalog.ws_guest_uploads, &isnull));
	w->guest_access_enabled = DatumGetBool(Attr(desc, tup, catalog.ws_guest_access, &isnull));
	w->members_can_share = DatumGetBool(Attr(desc, tup, catalog.ws_members_share, &isnull));
	w->member_edit_own_only = DatumGetBool(Attr(desc, tup, catalog.ws_edit_own, &isnull));
	w->public_access_level = DatumGetPermset(Attr(desc, tup, catalog.ws_public_level, &isnull));
	w->check = RecordCheck(w);
}

static void
LoadWorkspaces(WorkspaceCache *g, Snapshot snap)
{
	ModelScan	ms;
	HeapTuple	tup;

	ModelScanBegin(&ms, MT_WORKSPACE, snap);
	while ((tup = ModelScanNext(&ms)) != NULL)
	{
		WorkspaceInfo w;

		ReadWorkspaceRow(ms.desc, tup, &w);
		AddWorkspace(g, &g->cap, &w);
	}
	ModelScanEnd(&ms);
}

/* The workspaces the change log names, read again under snap. */
typedef struct WorkspaceDeltas
{
	Snapshot	snap;
	int32		n;
	int32		cap;
	WorkspaceInfo *rows;
	bool		found;			/* the row just looked for */
	bool		gone;			/* one of them is no longer there */
} WorkspaceDeltas;

static void
DeltaRow(TupleDesc desc, HeapTuple tup, void *arg)
{
	WorkspaceDeltas *d = (WorkspaceDeltas *) arg;

	ReadWorkspaceRow(desc, tup, &d->rows[d->n]);
	d->found = true;
}

/* A change-log callback: read workspace id again. */
static void
ReadChanged(const pg_uuid_t *id, void *arg)
{
	WorkspaceDeltas *d = (WorkspaceDeltas *) arg;

	d->rows = GrowArray(d->rows, d->n, &d->cap, sizeof(WorkspaceInfo));
	d->found = false;
	IndexScanEqual(MT_WORKSPACE, MT_WORKSPACE_PKEY, catalog.ws_id, id, d->snap, DeltaRow, d);
	if (d->found)
		d->n++;
	else
		d->gone = true;
}

/* Does every bucket hold a record below n, and one at least none? */
static bool
BucketsWithin(const uint32 *buckets, Size nbuckets, uint32 record_mask, int32 n)
{
	bool		empty = false;
	Size		b;

	for (b = 0; b < nbuckets; b++)
	{
		if (buckets[b] == UUID_BUCKET_EMPTY)
			empty = true;
		else if ((buckets[b] & record_mask) >= (uint32) n)
			return false;
	}
	return empty;
}

/*
 * Copy g's records (with room for more) and buckets out of the mapped
 * image, and release it: what a change may write is g's own.  false,
 * leaving g as it was, when a record fails its check.
 */
static bool
CopyOutOfImage(WorkspaceCache *g, int32 more)
{
	WorkspaceInfo *records;
	uint32	   *buckets;
	Size		nbuckets = (Size) g->workspace_index.mask + 1;
	int32		i;

	for (i = 0; i < g->nworkspaces; i++)
	{
		if (RecordCheck(&g->workspaces[i]) != g->workspaces[i].check)
			break;
	}
	if (i < g->nworkspaces ||
		!BucketsWithin(g->workspace_index.buckets, nbuckets, g->workspace_index.record_mask,
					   g->nworkspaces))
	{
		elog(DEBUG1, "share_acl: the workspace image is damaged: not used");
		image_damaged = true;
		return false;
	}
	g->cap = g->nworkspaces + more;
	records = palloc_extended(sizeof(WorkspaceInfo) * Max(g->cap, 1), MCXT_ALLOC_HUGE);
	memcpy(records, g->workspaces, sizeof(WorkspaceInfo) * (Size) g->nworkspaces);
	buckets = palloc_extended(sizeof(uint32) * nbuckets, MCXT_ALLOC_HUGE);
	memcpy(buckets, g->workspace_index.buckets, sizeof(uint32) * nbuckets);
	g->workspaces = records;
	g->workspace_index.base = (const char *) records;
	g->workspace_index.buckets = buckets;
	g->workspace_index.borrowed = false;
	ImageRelease(IMAGE_WORKSPACES);
	records_mapped = false;
	return true;
}

/*
 * Bring g, read at from, up to date at snap by the change log's entries since
 * (*applied: how many workspaces were read again): false when it must be
 * read whole instead (a workspace deleted, too many changes, a reload
 * entry).  The rows are read before anything in g changes.
 */
static bool
ApplyDeltas(WorkspaceCache *g, const ChangeLogPosition *from, Snapshot snap, int32 *applied)
{
	WorkspaceDeltas d;
	MemoryContext old;
	int32		i;

	*applied = 0;
	memset(&d, 0, sizeof(d));
	d.snap = snap;
	if (!from->valid ||
		ChangeLogCollect(CHANGE_WORKSPACE, from, snap, MAX_DELTA_WORKSPACES, ReadChanged, &d) ==
		CHANGE_LOG_RELOAD || d.gone)
		return false;
	if (d.n == 0)
		return true;
	old = MemoryContextSwitchTo(workspaces_cxt);
	if (records_mapped && !CopyOutOfImage(g, d.n))
	{
		MemoryContextSwitchTo(old);
		pfree(d.rows);
		return false;
	}
	for (i = 0; i < d.n; i++)
	{
		const WorkspaceInfo *row = &d.rows[i];
		int32		w = UuidIndexLookup(&g->workspace_index, &row->id);

		if (w >= 0)
			g->workspaces[w] = *row;
		else
			AddWorkspace(g, &g->cap, row);
	}
	MemoryContextSwitchTo(old);
	pfree(d.rows);
	g->build_id = next_build_id++;
	*applied = d.n;
	return true;
}

/*
 * Fill g (empty) from the database's workspace image, and *image_pos from
 * its change-log position (the xip palloc'd): its records and buckets are
 * read in the mapped image, which stays mapped while g holds them (a fresh
 * backend copies nothing).  false, leaving g empty, when there is no usable
 * image.
 */
static bool
AdoptImage(WorkspaceCache *g, ChangeLogPosition *image_pos)
{
	uint32		layout[4];
	ChangeLogPosition pos = {0};
	uint64		image_id;
	const char *image;
	const WorkspaceImageHeader *h;
	Size		nbuckets;
	int32		n;

	WorkspaceLayout(layout);
	image = ImageMap(IMAGE_WORKSPACES, sizeof(WorkspaceImageHeader), layout, &pos, &image_id);
	if (image == NULL)
		return false;
	h = (const WorkspaceImageHeader *) image;
	n = h->nworkspaces;
	nbuckets = (Size) h->index.mask + 1;
	if (n < 0 ||
		!ImageWithin(h->workspaces, n, sizeof(WorkspaceInfo), h->common.size) ||
		!ImageIndexValid(&h->index, h->common.size) ||
		h->index.count != n || nbuckets <= (Size) n ||
		h->index.record_mask < UUID_RECORD_MASK_MIN || h->index.record_mask > UUID_RECORD_MASK_MAX ||
		(h->index.record_mask & (h->index.record_mask + 1)) != 0 ||
		(Size) n > (Size) h->index.record_mask)
	{
		ImageReject(IMAGE_WORKSPACES);
		pfree(pos.xip);
		return false;
	}
	/* the records and their index, read where they are (copied at the first change) */
	g->workspaces = (WorkspaceInfo *) unconstify(char *, image + h->workspaces);
	g->nworkspaces = n;
	g->cap = n;
	pfree(g->workspace_index.buckets);
	ImageIndexIn(&g->workspace_index, image, &h->index, h->common.key, g->workspaces,
				 sizeof(WorkspaceInfo));
	records_mapped = true;
	*image_pos = pos;
	return true;
}

/*
 * Write g, read under snap, as the database's workspace image, when it may
 * hold nothing uncommitted (this transaction has written nothing) and
 * outside parallel mode.  Backends that read the table at about the same
 * time each write one (a few hundred bytes); should an older one replace a
 * newer, the backends after it see the changes since and read the table.
 */
static void
WriteImage(const WorkspaceCache *g, Snapshot snap)
{
	uint32		layout[4];
	ChangeLogPosition pos = {0};
	WorkspaceImageHeader h;
	ImagePart	parts[2];
	Size		end;
	Size		nbuckets = (Size) g->workspace_index.mask + 1;

	if (!ImageMayHoldOnly(CHANGE_WORKSPACE))
		return;
	WorkspaceLayout(layout);
	ChangeLogSetPosition(&pos, snap, CurrentMemoryContext);
	memset(&h, 0, sizeof(h));
	h.common.header_size = sizeof(WorkspaceImageHeader);
	end = sizeof(WorkspaceImageHeader);
	h.common.xip = ImageReserve(&end, pos.nxip, sizeof(FullTransactionId));
	h.nworkspaces = g->nworkspaces;
	h.workspaces = ImageReserve(&end, g->nworkspaces, sizeof(WorkspaceInfo));
	ImageIndexOut(&h.index, &g->workspace_index, &end);
	parts[0] = ImagePartOf(g->workspaces, g->nworkspaces, sizeof(WorkspaceInfo), h.workspaces);
	parts[1] = ImagePartOf(g->workspace_index.buckets, nbuckets, sizeof(uint32), h.index.buckets);
	(void) ImageWrite(IMAGE_WORKSPACES, &h.common, layout, g->workspace_index.key, &pos,
					  TYPEALIGN(64, end), parts, 2);
	pfree(pos.xip);
}

/* An empty cache in workspaces_cxt, emptied first. */
static WorkspaceCache *
NewCache(void)
{
	WorkspaceCache *g;
	MemoryContext old;

	position.valid = false;
	if (records_mapped)
		ImageRelease(IMAGE_WORKSPACES);
	records_mapped = false;
	MemoryContextReset(workspaces_cxt);
	old = MemoryContextSwitchTo(workspaces_cxt);
	g = palloc0(sizeof(WorkspaceCache));
	g->build_id = next_build_id++;
	UuidIndexInit(&g->workspace_index, NULL, sizeof(WorkspaceInfo), 16);
	MemoryContextSwitchTo(old);
	return g;
}

/*
 * The workspaces, brought up to date if anything changed: by the changes
 * since (those held, or the image's), or read whole.
 */
WorkspaceCache *
WorkspacesGet(void)
{
	uint64		count = InvalCount(INVAL_WORKSPACES);
	bool		transient;
	Snapshot	snap;
	MemoryContext old;
	WorkspaceCache *g;
	int32		applied = 0;

	if (workspaces != NULL && loaded_at_count == count && CacheTransientValid(loaded_tag) &&
		!ChangeLogOwnRollbackPending(CHANGE_WORKSPACE))
		return workspaces;

	if (workspaces_cxt == NULL)
		workspaces_cxt = AllocSetContextCreate(TopMemoryContext, "share_acl workspace cache",
											   ALLOCSET_DEFAULT_SIZES);
	CatalogLookup();
	snap = ReadSnapshot(&transient);
	g = workspaces;
	workspaces = NULL;			/* until done: an error leaves nothing held */

	/* what is held, read under a snapshot of its own: the changes since */
	if (g == NULL || loaded_tag != 0 || transient || image_damaged ||
		!ApplyDeltas(g, &position, snap, &applied))
	{
		ChangeLogPosition image_pos = {0};
		bool		adopted;

		g = NewCache();
		/* the image and the changes since it was made; or the table */
		adopted = !transient && !image_damaged && AdoptImage(g, &image_pos);
		from_image = adopted && ApplyDeltas(g, &image_pos, snap, &applied);
		if (adopted)
			pfree(image_pos.xip);
		if (!from_image)
		{
			if (adopted)
				g = NewCache();	/* (it points into the image) */
			ChangeLogForgetOwnRollback(CHANGE_WORKSPACE);
			stat_table_reads++;
			old = MemoryContextSwitchTo(workspaces_cxt);
			LoadWorkspaces(g, snap);
			MemoryContextSwitchTo(old);
		}
		/*
		 * A backend that read the table writes the image for those after it;
		 * one that found it behind, a newer one (each after it would copy the
		 * records out of it to apply the same changes), unless another was
		 * written within the last second.
		 */
		if (!transient &&
			(!from_image || (applied > 0 && !ImageWrittenWithin(IMAGE_WORKSPACES, 1))))
			WriteImage(g, snap);
		/*
		 * The image written replaces the damaged one; one that could not be
		 * written now (this transaction wrote) is found damaged again at its
		 * next use, by this backend or another.
		 */
		if (!transient)
			image_damaged = false;
	}
	if (!transient)
		ChangeLogSetPosition(&position, snap, TopMemoryContext);
	UnregisterSnapshot(snap);
	workspaces = g;
	loaded_at_count = count;
	loaded_tag = CacheTransientTag(transient);
	return g;
}

/*
 * The record index of workspace id in g (WorkspacesGet's), or -1.  A record
 * read in the mapped image is checked first: one that fails its check is
 * never used; the statement fails (XX001), and the next reads the table and
 * writes a new image.
 */
int32
WorkspaceLookup(WorkspaceCache *g, const pg_uuid_t *id)
{
	bool		damaged;
	int32		w;

	if (!records_mapped)		/* (then no cache reads in the image) */
		return UuidIndexLookup(&g->workspace_index, id);
	w = UuidIndexLookupWithin(&g->workspace_index, id, g->nworkspaces, &damaged);
	if (damaged || (w >= 0 && RecordCheck(&g->workspaces[w]) != g->workspaces[w].check))
	{
		image_damaged = true;
		workspaces = NULL;		/* (read again at the next WorkspacesGet) */
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("share_acl: a record of the workspace image is damaged"),
				 errdetail("The image is no longer used: the next statement reads the workspace table again.")));
	}
	return w;
}

/* Memory held by the workspaces, in bytes (not the image they may read in). */
Size
WorkspacesMemory(void)
{
	return workspaces_cxt ? MemoryContextMemAllocated(workspaces_cxt, true) : 0;
}

/* The size of the workspace image they read in, or 0. */
Size
WorkspacesSharedBytes(void)
{
	return workspaces != NULL && records_mapped ? ImageMappedBytes(IMAGE_WORKSPACES) : 0;
}

/* Where the workspaces held came from: "empty", "shared" (the image) or "backend" (the table). */
const char *
WorkspacesMode(void)
{
	return workspaces == NULL ? "empty" : from_image ? "shared" : "backend";
}

/* How many times this backend read the workspace table whole. */
uint64
WorkspacesTableReads(void)
{
	return stat_table_reads;
}
