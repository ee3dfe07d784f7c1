/*
 * workspaces.h — the workspaces and their sharing policies (SPEC §2), loaded
 * in bulk (one small row per workspace) and kept up to date by the rows that
 * change.
 * Owned by workspaces.c.
 */
#ifndef SHARE_ACL_WORKSPACES_H
#define SHARE_ACL_WORKSPACES_H

#include "postgres.h"

#include "port/pg_crc32c.h"
#include "utils/uuid.h"

#include "permset.h"
#include "uuid_index.h"

typedef struct WorkspaceInfo
{
	pg_uuid_t	id;				/* must stay first */
	bool		allow_guest_uploads;
	bool		guest_access_enabled;
	bool		members_can_share;
	bool		member_edit_own_only;
	pg_crc32c	check;			/* of the record's other bytes (WorkspaceLookup) */
	Permset		public_access_level;
} WorkspaceInfo;

typedef struct WorkspaceCache
{
	uint64		build_id;		/* changes at every load */
	int32		nworkspaces;
	int32		cap;			/* room in workspaces */
	WorkspaceInfo *workspaces;
	UuidIndex	workspace_index;
} WorkspaceCache;

extern WorkspaceCache *WorkspacesGet(void);
extern int32 WorkspaceLookup(WorkspaceCache *g, const pg_uuid_t *id);
extern Size WorkspacesMemory(void);
extern Size WorkspacesSharedBytes(void);
extern const char *WorkspacesMode(void);
extern uint64 WorkspacesTableReads(void);

#endif							/* SHARE_ACL_WORKSPACES_H */
