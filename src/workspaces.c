/*
 * workspaces.c — loading the workspaces of workspaces.h.
 *
 * The whole table is read under one snapshot into a fresh memory context
 * and published only when complete; an error half-way leaves nothing loaded.
 *
 * A backend that loads them finds them first in the database's workspace
 * image (image.h): a copy of the table, with the change-log position it was
 * read at, used when no workspace changed since (the workspace table's
 * triggers log kind 'w').  Copying a few rows out of a file saves a fresh
 * backend building the table's relation cache entry (its triggers,
 * constraints and defaults) and scanning it.  A backend that had to read the
 * table, and may, writes the image for those that come after it.
 */
#include "postgres.h"

#include "port/pg_crc32c.h"
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
 * zeroed).  The records carry a checksum: they are what the engine applies
 * to every check (a public access level, guest access), so a flipped bit
 * must not widen anyone's access, and checking a few rows costs nothing.
 */
typedef struct WorkspaceImageHeader
{
	ImageCommon common;
	int32		nworkspaces;
	pg_crc32c	records_crc;
	Size		workspaces;		/* offset */
} WorkspaceImageHeader;

static MemoryContext workspaces_cxt = NULL;
static WorkspaceCache *workspaces = NULL;
static uint64 loaded_at_count = 0;
static TransientTag loaded_tag = 0;
static uint64 next_build_id = 1;
static bool from_image = false;	/* the workspaces held were copied from the image */

/* The record layout an image must have been written with. */
static void
WorkspaceLayout(uint32 *layout)
{
	layout[0] = sizeof(WorkspaceInfo);
	layout[1] = offsetof(WorkspaceInfo, public_access_level);
	layout[2] = sizeof(Permset);
	layout[3] = 0;
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
	UuidIndexInsert(&g->workspace_index, g->workspaces, g->nworkspaces++);
}

static void
LoadWorkspaces(WorkspaceCache *g, Snapshot snap)
{
	ModelScan	ms;
	HeapTuple	tup;
	int32		cap = 0;

	ModelScanBegin(&ms, MT_WORKSPACE, snap);
	while ((tup = ModelScanNext(&ms)) != NULL)
	{
		WorkspaceInfo w;
		bool		isnull;

		w.id = *DatumGetUUIDP(Attr(ms.desc, tup, catalog.ws_id, &isnull));
		w.allow_guest_uploads = DatumGetBool(Attr(ms.desc, tup, catalog.ws_guest_uploads, &isnull));
		w.guest_access_enabled = DatumGetBool(Attr(ms.desc, tup, catalog.ws_guest_access, &isnull));
		w.members_can_share = DatumGetBool(Attr(ms.desc, tup, catalog.ws_members_share, &isnull));
		w.member_edit_own_only = DatumGetBool(Attr(ms.desc, tup, catalog.ws_edit_own, &isnull));
		w.public_access_level = DatumGetPermset(Attr(ms.desc, tup, catalog.ws_public_level, &isnull));
		AddWorkspace(g, &cap, &w);
	}
	ModelScanEnd(&ms);
}

/* The checksum of n records. */
static pg_crc32c
RecordsCrc(const WorkspaceInfo *records, int32 n)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, records, sizeof(WorkspaceInfo) * (Size) n);
	FIN_CRC32C(crc);
	return crc;
}

/* A change-log callback: something changed. */
static void
NoteChange(const pg_uuid_t *id, void *arg)
{
	*(bool *) arg = true;
}

/*
 * Fill g from the database's workspace image, when there is one and no
 * workspace changed between its position and snap (nor in a rollback of
 * this backend's own).  false, leaving g empty, otherwise.
 */
static bool
AdoptImage(WorkspaceCache *g, Snapshot snap)
{
	uint32		layout[4];
	ChangeLogPosition pos = {0};
	uint64		image_id;
	const char *image;
	const WorkspaceImageHeader *h;
	bool		changed = false;
	bool		ok;

	WorkspaceLayout(layout);
	image = ImageMap(IMAGE_WORKSPACES, sizeof(WorkspaceImageHeader), layout, &pos, &image_id);
	if (image == NULL)
		return false;
	h = (const WorkspaceImageHeader *) image;
	if (h->nworkspaces < 0 ||
		!ImageWithin(h->workspaces, h->nworkspaces, sizeof(WorkspaceInfo), h->common.size) ||
		RecordsCrc((const WorkspaceInfo *) (image + h->workspaces), h->nworkspaces) != h->records_crc)
	{
		ImageReject(IMAGE_WORKSPACES);
		pfree(pos.xip);
		return false;
	}
	ok = ChangeLogCollect(CHANGE_WORKSPACE, &pos, snap, 0, NoteChange, &changed) == CHANGE_LOG_DELTAS &&
		!changed;
	if (ok)
	{
		const WorkspaceInfo *records = (const WorkspaceInfo *) (image + h->workspaces);
		int32		cap = 0;
		int32		i;

		for (i = 0; i < h->nworkspaces; i++)
			AddWorkspace(g, &cap, &records[i]);
	}
	else
		elog(DEBUG1, "share_acl: workspace image not used: workspaces changed since it was made");
	ImageRelease(IMAGE_WORKSPACES);
	pfree(pos.xip);
	return ok;
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
	uint64		key[2] = {0, 0};
	ChangeLogPosition pos = {0};
	WorkspaceImageHeader h;
	ImagePart	part;
	Size		end;

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
	h.records_crc = RecordsCrc(g->workspaces, g->nworkspaces);
	part = ImagePartOf(g->workspaces, g->nworkspaces, sizeof(WorkspaceInfo), h.workspaces);
	(void) ImageWrite(IMAGE_WORKSPACES, &h.common, layout, key, &pos, TYPEALIGN(64, end), &part, 1);
	pfree(pos.xip);
}

/* The workspaces, loaded if anything changed. */
WorkspaceCache *
WorkspacesGet(void)
{
	uint64		count = InvalCount(INVAL_WORKSPACES);
	bool		transient;
	Snapshot	snap;
	MemoryContext old;
	WorkspaceCache *g;

	if (workspaces != NULL && loaded_at_count == count && CacheTransientValid(loaded_tag))
		return workspaces;

	if (workspaces_cxt == NULL)
		workspaces_cxt = AllocSetContextCreate(TopMemoryContext, "share_acl workspace cache",
											   ALLOCSET_DEFAULT_SIZES);
	workspaces = NULL;
	MemoryContextReset(workspaces_cxt);
	CatalogLookup();
	snap = ReadSnapshot(&transient);
	old = MemoryContextSwitchTo(workspaces_cxt);
	g = palloc0(sizeof(WorkspaceCache));
	g->build_id = next_build_id++;
	UuidIndexInit(&g->workspace_index, NULL, sizeof(WorkspaceInfo), 16);
	from_image = !transient && AdoptImage(g, snap);
	if (!from_image)
	{
		ChangeLogForgetOwnRollback(CHANGE_WORKSPACE);
		LoadWorkspaces(g, snap);
		if (!transient)
			WriteImage(g, snap);
	}
	MemoryContextSwitchTo(old);
	UnregisterSnapshot(snap);
	workspaces = g;
	loaded_at_count = count;
	loaded_tag = CacheTransientTag(transient);
	return g;
}

/* Memory held by the workspaces, in bytes. */
Size
WorkspacesMemory(void)
{
	return workspaces_cxt ? MemoryContextMemAllocated(workspaces_cxt, true) : 0;
}

/* Where the workspaces held came from: "empty", "shared" (the image) or "backend" (the table). */
const char *
WorkspacesMode(void)
{
	return workspaces == NULL ? "empty" : from_image ? "shared" : "backend";
}
