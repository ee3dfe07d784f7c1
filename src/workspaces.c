/*
 * workspaces.c — loading the workspaces of workspaces.h.
 *
 * The whole table is read under one snapshot into a fresh memory context
 * and published only when complete; an error half-way leaves nothing loaded.
 */
#include "postgres.h"

#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "invalidation.h"
#include "permset_sql.h"
#include "workspaces.h"

static MemoryContext workspaces_cxt = NULL;
static WorkspaceCache *workspaces = NULL;
static uint64 loaded_at_count = 0;
static TransientTag loaded_tag = 0;
static uint64 next_build_id = 1;

static void
LoadWorkspaces(WorkspaceCache *g, Snapshot snap)
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
		w->id = *DatumGetUUIDP(Attr(ms.desc, tup, catalog.ws_id, &isnull));
		w->allow_guest_uploads = DatumGetBool(Attr(ms.desc, tup, catalog.ws_guest_uploads, &isnull));
		w->guest_access_enabled = DatumGetBool(Attr(ms.desc, tup, catalog.ws_guest_access, &isnull));
		w->members_can_share = DatumGetBool(Attr(ms.desc, tup, catalog.ws_members_share, &isnull));
		w->member_edit_own_only = DatumGetBool(Attr(ms.desc, tup, catalog.ws_edit_own, &isnull));
		w->public_access_level = DatumGetPermset(Attr(ms.desc, tup, catalog.ws_public_level, &isnull));
		UuidIndexInsert(&g->workspace_index, g->workspaces, g->nworkspaces++);
	}
	ModelScanEnd(&ms);
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
	LoadWorkspaces(g, snap);
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
